"""Use-case counts kept up to date in the same transaction as the commands that change them.

``use_case_count`` holds how many use cases there are per cohort, category, stage and whether
each was submitted, selected and piloted. The dashboards' stage-by-category figures and funnels,
the cohort counts, the board's column totals and the review queue's total read it: a few hundred
rows whatever the number of use cases, where counting the use cases themselves grows with them.

It is kept by a flush hook rather than by each command: every command that adds a use case or
changes its stage, cohort, category or one of the dates the key reads does so through the ORM,
and the hook turns the flushed changes into +1/-1 on the rows concerned, in the same transaction
(so a rolled-back command leaves no trace). Bulk inserts that bypass the ORM
(``tracker.synthetic``) call :func:`rebuild` afterwards; ``flask rebuild-figures`` recounts from
the use cases at any time (and recomputes the next returns' due dates, ``tracker.returns.due``).

The counts serve the regulator side only, whose visibility is a function of the key (submitted,
and in a cohort of the remit); institution users' figures are still counted from their own use
cases, which are few.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.attributes import PASSIVE_NO_INITIALIZE, get_history

from tracker.extensions import Base, db, enum_column
from tracker.programmes.models import Cohort
from tracker.programmes.permissions import remit_programme_ids
from tracker.usecases.models import Stage, UseCase


class UseCaseCount(Base):
    """How many use cases share one cohort, category, stage and the three flags. Derived data:
    no foreign keys, so that it never stands in the way of a change to what it counts."""

    __tablename__ = "use_case_count"

    cohort_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    category_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    stage: Mapped[Stage] = mapped_column(enum_column(Stage, "stage"), primary_key=True)
    # Submitted at least once (``UseCase.proposals()``), selected (``selected_at``), piloted
    # (``pilot_started_on``).
    proposal: Mapped[bool] = mapped_column(primary_key=True)
    selected: Mapped[bool] = mapped_column(primary_key=True)
    piloted: Mapped[bool] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(default=0)


KEY = ("cohort_id", "category_id", "stage", "proposal", "selected", "piloted")
# The use case's attributes the key is made of.
WATCHED = ("cohort_id", "category_id", "stage", "submitted_at", "selected_at", "pilot_started_on")
Key = tuple[int, int, Stage, bool, bool, bool]


def _key(values: dict[str, Any]) -> Key | None:
    if values["cohort_id"] is None or values["category_id"] is None or values["stage"] is None:
        return None  # not a complete use case (a failed flush): nothing to count
    stage = values["stage"]
    return (
        int(values["cohort_id"]),
        int(values["category_id"]),
        stage if isinstance(stage, Stage) else Stage(stage),
        values["submitted_at"] is not None,
        values["selected_at"] is not None,
        values["pilot_started_on"] is not None,
    )


def _current(use_case: UseCase) -> dict[str, Any]:
    return {name: getattr(use_case, name) for name in WATCHED}


def _before(use_case: UseCase) -> dict[str, Any]:
    """The watched values as the database held them before this flush."""
    values = {}
    for name in WATCHED:
        history = get_history(use_case, name)
        if history.deleted:
            values[name] = history.deleted[0]
        elif history.unchanged:
            values[name] = history.unchanged[0]
        else:
            # Set where there was nothing: the old value was None (the columns load their old
            # value before a change, ``active_history``).
            values[name] = None
    return values


def _changed(use_case: UseCase) -> bool:
    return any(
        get_history(use_case, name, passive=PASSIVE_NO_INITIALIZE).has_changes() for name in WATCHED
    )


PENDING = "use_case_count.deleted"


@sa.event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    # A deleted row's values are read now, while it can still be loaded.
    gone: Counter[Key] = session.info.setdefault(PENDING, Counter())
    for obj in session.deleted:
        if isinstance(obj, UseCase):
            key = _key(_before(obj))
            if key is not None:
                gone[key] += 1


@sa.event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    delta: Counter[Key] = Counter()
    for key, n in session.info.pop(PENDING, Counter()).items():
        delta[key] -= n
    for obj in session.new:
        if isinstance(obj, UseCase):
            key = _key(_current(obj))
            if key is not None:
                delta[key] += 1
    for obj in session.dirty:
        if isinstance(obj, UseCase) and _changed(obj):
            old, new = _key(_before(obj)), _key(_current(obj))
            if old != new:
                if old is not None:
                    delta[old] -= 1
                if new is not None:
                    delta[new] += 1
    if any(delta.values()):
        apply(session.connection(), delta)


def apply(connection: sa.Connection, delta: Counter[Key]) -> None:
    """Add each key's change to its row, creating rows as needed; in key order, so that two
    transactions touching the same rows lock them in the same order."""
    table: sa.Table = UseCaseCount.__table__  # type: ignore[assignment]
    rows = [
        {**dict(zip(KEY, key, strict=True)), "n": n}
        for key, n in sorted(delta.items(), key=lambda kv: (*kv[0][:2], kv[0][2].value, kv[0][3:]))
        if n
    ]
    insert: Any = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert(table)
    stmt = insert.on_conflict_do_update(
        index_elements=list(KEY), set_={"n": table.c.n + insert.excluded.n}
    )
    connection.execute(stmt, rows)


def recount() -> sa.Select[*tuple[Any, ...]]:
    """The counts as the use cases give them now."""
    columns = (
        UseCase.cohort_id,
        UseCase.category_id,
        UseCase.stage,
        UseCase.submitted_at.is_not(None),
        UseCase.selected_at.is_not(None),
        UseCase.pilot_started_on.is_not(None),
    )
    return sa.select(*columns, sa.func.count()).group_by(*columns)


def rebuild(session: Any = None) -> int:
    """Recount every row from the use cases (in the caller's transaction); the number of rows."""
    session = session or db.session
    table: sa.Table = UseCaseCount.__table__  # type: ignore[assignment]
    session.execute(sa.delete(table))
    session.execute(sa.insert(table).from_select([*KEY, "n"], recount()))
    return int(session.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


@click.command("rebuild-figures")
@with_appcontext
def rebuild_figures_command() -> None:
    """Recount the kept figures (use_case_count, institution_use_case_count,
    kpi_moving_away) and recompute the next returns' due dates (use_case.next_return_due_on)
    and the open milestones' cohorts (milestone.open_cohort_id) from what they come from."""
    from tracker.plans import figures as kpi_figures
    from tracker.returns import due
    from tracker.unit_of_work import unit_of_work
    from tracker.usecases import institution_figures, open_milestones

    with unit_of_work("figures.rebuild"):
        rows = rebuild()
        institution_rows = institution_figures.rebuild()
        kpis = kpi_figures.rebuild()
        changed = due.rebuild()
        milestones = open_milestones.rebuild()
    click.echo(f"use_case_count: {rows} rows recounted")
    click.echo(f"institution_use_case_count: {institution_rows} rows recounted")
    click.echo(f"kpi_moving_away: {kpis} rows worked out")
    click.echo(f"use_case.next_return_due_on: {changed} changed")
    click.echo(f"milestone.open_cohort_id: {milestones} changed")


# --- reading ---------------------------------------------------------------------------------


def visible(user: Any) -> sa.ColumnElement[bool]:
    """``visible_filter`` for the regulator side, on the counts: proposals in the remit."""
    ids = remit_programme_ids(user)
    condition = UseCaseCount.proposal.is_(True)
    if ids is None:
        return condition
    return sa.and_(
        condition,
        UseCaseCount.cohort_id.in_(sa.select(Cohort.id).where(Cohort.programme_id.in_(ids))),
    )
