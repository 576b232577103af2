"""Use-case counts per institution, kept up to date in the same transaction as the commands that
change them.

``institution_use_case_count`` holds how many submitted use cases ("proposals", all the
regulator side ever sees) each institution leads, and how many it is a named partner on, per
cohort and stage. The institution list's visibility test (does the institution take part in a
programme of the user's remit?) is a lookup of an institution's rows in the remit's cohorts, and
its figures (leads by stage, partner on) are sums of a page's rows: an institution has a few
dozen rows however many use cases it has, where reading its use cases and partnerships grows
with them, and testing every institution that way grew with all of them.

Like ``use_case_count`` (``tracker.usecases.figures``) it is kept by flush hooks rather than by
each command: every command that adds a use case, submits it, changes its stage, cohort or lead
institution or its partners does so through the ORM. Before a flush the hook reads, from the
database, what the use cases it will write contributed; after it, what they contribute now; the
difference goes onto the rows, in the same transaction (so a rolled-back command leaves no
trace), and rows that fall to zero are deleted (so that a row's presence means "takes part").
Bulk inserts that bypass the ORM (``tracker.synthetic``) call :func:`rebuild` afterwards;
``flask rebuild-figures`` recounts from the use cases at any time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.attributes import PASSIVE_NO_INITIALIZE, get_history

from tracker.extensions import Base, db, enum_column
from tracker.programmes.models import Cohort
from tracker.programmes.permissions import remit_programme_ids
from tracker.usecases.models import Stage, UseCase, use_case_partner


class InstitutionCount(Base):
    """How many proposals one institution leads (``lead``) or partners on, in one cohort and
    stage. Derived data: no foreign keys, so that it never stands in the way of a change to what
    it counts. The key starts with the institution: its rows are read together."""

    __tablename__ = "institution_use_case_count"

    institution_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    cohort_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    lead: Mapped[bool] = mapped_column(primary_key=True)
    stage: Mapped[Stage] = mapped_column(enum_column(Stage, "stage"), primary_key=True)
    n: Mapped[int] = mapped_column(default=0)


KEY = ("institution_id", "cohort_id", "lead", "stage")
# The use case's attributes its contribution is made of (and its ``partners``).
WATCHED = ("institution_id", "cohort_id", "stage", "submitted_at", "partners")
Key = tuple[int, int, bool, Stage]
PENDING = "institution_use_case_count.before"
# Use cases read per statement when their contributions are looked up.
CHUNK = 500


def _stage(value: Any) -> Stage:
    return value if isinstance(value, Stage) else Stage(value)


def contributions(connection: sa.Connection, ids: Iterable[int]) -> Counter[Key]:
    """What the use cases ``ids`` contribute to the counts as the database holds them now: one
    for the lead institution and one for each partner, at the use case's cohort and stage, if it
    is a proposal."""
    out: Counter[Key] = Counter()
    wanted = sorted(set(ids))
    table: sa.Table = UseCase.__table__  # type: ignore[assignment]
    for at in range(0, len(wanted), CHUNK):
        chunk = wanted[at : at + CHUNK]
        keys: dict[int, tuple[int, Stage]] = {}
        rows = connection.execute(
            sa.select(table.c.id, table.c.institution_id, table.c.cohort_id, table.c.stage).where(
                table.c.id.in_(chunk), table.c.submitted_at.is_not(None)
            )
        )
        for use_case_id, institution_id, cohort_id, stage in rows:
            keys[use_case_id] = (cohort_id, _stage(stage))
            out[(institution_id, cohort_id, True, _stage(stage))] += 1
        if not keys:
            continue
        partners = connection.execute(
            sa.select(use_case_partner.c.use_case_id, use_case_partner.c.institution_id).where(
                use_case_partner.c.use_case_id.in_(list(keys))
            )
        )
        for use_case_id, institution_id in partners:
            cohort_id, stage = keys[use_case_id]
            out[(institution_id, cohort_id, False, stage)] += 1
    return out


def _touched(use_case: UseCase) -> bool:
    return any(
        get_history(use_case, name, passive=PASSIVE_NO_INITIALIZE).has_changes() for name in WATCHED
    )


def _identity(use_case: UseCase) -> int | None:
    identity = sa.inspect(use_case).identity
    return int(identity[0]) if identity else None


@sa.event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    # What the use cases about to change or go contributed, read while the database still holds
    # it. Set afresh by every flush: a flush that failed leaves nothing behind for the next one.
    ids = [
        _identity(obj)
        for obj in (*session.deleted, *session.dirty)
        if isinstance(obj, UseCase) and (obj in session.deleted or _touched(obj))
    ]
    known = [i for i in ids if i is not None]
    session.info[PENDING] = (known, contributions(session.connection(), known) if known else None)


@sa.event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    known, before = session.info.pop(PENDING, ([], None))
    ids = [*known, *(obj.id for obj in session.new if isinstance(obj, UseCase))]
    if not ids:
        return
    connection = session.connection()
    delta = contributions(connection, ids)
    delta.subtract(before or Counter())
    if any(delta.values()):
        apply(connection, delta)


def apply(connection: sa.Connection, delta: Counter[Key]) -> None:
    """Add each key's change to its row, creating rows as needed, in key order (so that two
    transactions touching the same rows lock them in the same order); then delete the rows
    that fell to zero."""
    table: sa.Table = InstitutionCount.__table__  # type: ignore[assignment]
    changes = sorted(
        ((key, n) for key, n in delta.items() if n), key=lambda kv: (*kv[0][:3], kv[0][3].value)
    )
    if not changes:
        return
    insert: Any = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert(table)
    stmt = insert.on_conflict_do_update(
        index_elements=list(KEY), set_={"n": table.c.n + insert.excluded.n}
    )
    connection.execute(stmt, [{**dict(zip(KEY, key, strict=True)), "n": n} for key, n in changes])
    emptied = [key for key, n in changes if n < 0]
    if emptied:
        connection.execute(
            sa.delete(table).where(
                table.c.n <= 0,
                table.c.institution_id.in_(sorted({key[0] for key in emptied})),
            )
        )


def recount() -> sa.CompoundSelect:
    """The counts as the use cases and their partnerships give them now."""
    led = (UseCase.institution_id, UseCase.cohort_id, sa.literal(True), UseCase.stage)
    partnered = (
        use_case_partner.c.institution_id,
        UseCase.cohort_id,
        sa.literal(False),
        UseCase.stage,
    )
    return sa.union_all(
        sa.select(*led, sa.func.count())
        .where(UseCase.proposals())
        .group_by(UseCase.institution_id, UseCase.cohort_id, UseCase.stage),
        sa.select(*partnered, sa.func.count())
        .join(UseCase, UseCase.id == use_case_partner.c.use_case_id)
        .where(UseCase.proposals())
        .group_by(use_case_partner.c.institution_id, UseCase.cohort_id, UseCase.stage),
    )


def rebuild(session: Any = None) -> int:
    """Recount every row from the use cases (in the caller's transaction); the number of rows."""
    session = session or db.session
    table: sa.Table = InstitutionCount.__table__  # type: ignore[assignment]
    session.execute(sa.delete(table))
    session.execute(sa.insert(table).from_select([*KEY, "n"], recount()))
    return int(session.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


# --- reading ---------------------------------------------------------------------------------


def in_remit(user: Any) -> sa.ColumnElement[bool]:
    """The rows of cohorts in the user's remit (every row for an admin). The rows are proposals
    only, so this is ``visible_filter`` for the regulator side.

    Read with an institution's rows (by the key's first column). On SQLite the cohort is written
    ``cohort_id + 0``: without statistics its planner would otherwise seek the key once per
    cohort of the remit, whose number grows with the data (``+ 0`` is SQLite's documented way of
    keeping a term off an index); PostgreSQL has statistics and chooses for itself."""
    ids = remit_programme_ids(user)
    if ids is None:
        return sa.true()
    cohort_id: Any = InstitutionCount.cohort_id
    if db.engine.dialect.name == "sqlite":
        cohort_id = cohort_id + 0
    return cohort_id.in_(sa.select(Cohort.id).where(Cohort.programme_id.in_(ids)))
