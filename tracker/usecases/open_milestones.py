"""Which milestones the overdue-milestone figures count, kept on the milestone.

``Milestone.open_cohort_id`` holds the cohort of the milestone's use case while the milestone is
open (planned or in progress) and its use case, submitted, is in a stage with milestones; NULL
otherwise. The regulator side's visibility is a function of the cohort (a submitted use case in a
cohort of the remit), so the dashboards count their overdue milestones from the
``(open_cohort_id, planned_on)`` index alone, a range per cohort of the remit, instead of testing
every open milestone's use case.

Kept by a flush hook (``tracker.returns.due`` and ``tracker.usecases.figures`` are the pattern):
a milestone added or changed, or a use case whose stage, cohort or submission changes, has its
milestones recomputed by the database in the same transaction. Bulk inserts that bypass the ORM
(``tracker.synthetic``) call :func:`rebuild`; so does ``flask rebuild-figures``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import PASSIVE_NO_INITIALIZE, get_history, set_committed_value
from sqlalchemy.orm.util import identity_key

from tracker.extensions import db
from tracker.usecases.models import Milestone, MilestoneStatus, UseCase
from tracker.usecases.workflow import MILESTONE_STAGES

OPEN = (MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS)


def _table() -> sa.Table:
    table: sa.Table = Milestone.__table__  # type: ignore[assignment]
    return table


def open_cohort() -> sa.ColumnElement[int | None]:
    """The rule, for the milestone of the enclosing UPDATE or SELECT on ``milestone``."""
    table = _table()
    cohort = (
        sa.select(UseCase.cohort_id)
        .where(
            UseCase.id == table.c.use_case_id,
            UseCase.stage.in_(MILESTONE_STAGES),
            UseCase.submitted_at.is_not(None),
        )
        .correlate(table)
        .scalar_subquery()
    )
    return sa.case((table.c.status.in_(OPEN), cohort), else_=sa.null())


def _update(where: sa.ColumnElement[bool]) -> sa.Update:
    table = _table()
    new = open_cohort()
    return (
        sa.update(table)
        .where(where, table.c.open_cohort_id.is_distinct_from(new))
        .values(open_cohort_id=new)
    )


def recompute(
    session: Session, milestone_ids: Iterable[int] = (), use_case_ids: Iterable[int] = ()
) -> int:
    """Recompute the milestones named and those of the use cases named, in one UPDATE of the
    rows that change (their version does not move, so no form open on them goes stale).
    Milestones loaded in the session get the new value as their committed one."""
    ids, cases = sorted(set(milestone_ids)), sorted(set(use_case_ids))
    if not ids and not cases:
        return 0
    table = _table()
    scope: list[sa.ColumnElement[bool]] = []
    if ids:
        scope.append(table.c.id.in_(ids))
    if cases:
        scope.append(table.c.use_case_id.in_(cases))
    stmt = _update(sa.or_(*scope)).returning(table.c.id, table.c.open_cohort_id)
    changed = session.connection().execute(stmt).all()
    for mid, cohort_id in changed:
        loaded = session.identity_map.get(identity_key(Milestone, mid))
        if loaded is not None:
            set_committed_value(loaded, "open_cohort_id", cohort_id)
    return len(changed)


def rebuild(session: Any = None) -> int:
    """Recompute every milestone (in the caller's transaction); the number changed."""
    session = session or db.session
    result = session.execute(_update(sa.true()).execution_options(synchronize_session=False))
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Milestone):
            session.expire(obj, ["open_cohort_id"])
    return int(result.rowcount or 0)


MILESTONE_INPUTS = ("status", "use_case_id")
USE_CASE_INPUTS = ("stage", "cohort_id", "submitted_at")


def _changed(obj: Any, names: Iterable[str]) -> bool:
    return any(
        get_history(obj, name, passive=PASSIVE_NO_INITIALIZE).has_changes() for name in names
    )


@sa.event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    ids: set[int] = set()
    cases: set[int] = set()
    for obj in session.new:
        if isinstance(obj, Milestone) and obj.id is not None:
            ids.add(obj.id)
    for obj in session.dirty:
        if isinstance(obj, Milestone) and _changed(obj, MILESTONE_INPUTS):
            ids.add(obj.id)
        elif isinstance(obj, UseCase) and _changed(obj, USE_CASE_INPUTS):
            cases.add(obj.id)
    if ids or cases:
        recompute(session, ids, cases)
