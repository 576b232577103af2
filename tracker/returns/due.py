"""When each pilot's next progress return falls due, kept on the use case.

``UseCase.next_return_due_on`` holds the date :func:`due_on` computes: under a reporting
schedule, the first expected return still open; without one, ``return_interval_days`` (the
cohort's) after the end of the last period reported, or after the pilot started when nothing has
been filed yet, unless the regulator asked for a return due earlier. NULL when the use case is not
in a pilot stage or nothing is due. The dashboards and the review queue read it from its index
(``ix_use_case_next_return_due``) instead of computing it for every pilot.

Like the use-case counts (``tracker.usecases.figures``) it is kept by a flush hook rather than by
each command: whatever flushes a change to one of its inputs (a use case's stage, cohort, pilot
start or last period reported; an expected return added, closed, moved or removed; a reporting
schedule set or removed; a cohort's interval) has the use cases concerned recomputed, by the
database, in the same transaction. Bulk inserts that bypass the ORM (``tracker.synthetic``) call
:func:`rebuild`; ``flask rebuild-figures`` recomputes every use case.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import PASSIVE_NO_INITIALIZE, get_history, set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql import expression
from sqlalchemy.sql.compiler import SQLCompiler

from tracker.extensions import db
from tracker.programmes.models import Cohort
from tracker.returns.models import ExpectedReturn, ExpectedStatus, ReturnSchedule
from tracker.usecases.models import UseCase
from tracker.usecases.workflow import PILOT_STAGES

# --- portable date arithmetic -------------------------------------------------------------


class add_days(expression.FunctionElement[date]):  # noqa: N801  (reads as a SQL function)
    """``day + n`` days, for a date column and an integer column, on SQLite and PostgreSQL."""

    type = sa.Date()
    name = "add_days"
    inherit_cache = True


@compiles(add_days, "sqlite")
def _add_days_sqlite(element: add_days, compiler: SQLCompiler, **kw: Any) -> str:
    day, days = list(element.clauses)
    return (
        f"date({compiler.process(day, **kw)}, '+' || ({compiler.process(days, **kw)}) || ' days')"
    )


@compiles(add_days, "postgresql")
def _add_days_postgresql(element: add_days, compiler: SQLCompiler, **kw: Any) -> str:
    day, days = list(element.clauses)
    return f"(CAST({compiler.process(day, **kw)} AS DATE) + ({compiler.process(days, **kw)}))"


# --- the rule ---------------------------------------------------------------------------------


def due_on() -> sa.ColumnElement[date | None]:
    """The next return's due date of the use case of the enclosing UPDATE or SELECT on
    ``use_case``: the one rule, computed by the database."""
    interval = (
        sa.select(Cohort.return_interval_days)
        .where(Cohort.id == UseCase.cohort_id)
        .correlate(UseCase)
        .scalar_subquery()
    )
    by_interval = add_days(
        sa.func.coalesce(UseCase.last_return_end, UseCase.pilot_started_on), interval
    )
    # A pilot with a reporting schedule is due when its first open expected return is; one
    # without keeps the interval, unless the regulator asked for a return due earlier.
    next_expected = (
        sa.select(sa.func.min(ExpectedReturn.due_on))
        .where(
            ExpectedReturn.use_case_id == UseCase.id,
            ExpectedReturn.status == ExpectedStatus.OPEN,
        )
        .correlate(UseCase)
        .scalar_subquery()
    )
    scheduled = sa.exists().where(ReturnSchedule.use_case_id == UseCase.id).correlate(UseCase)
    rule = sa.case(
        (UseCase.stage.not_in(PILOT_STAGES), sa.null()),
        (scheduled, next_expected),
        (next_expected < by_interval, next_expected),
        else_=by_interval,
    )
    return sa.type_coerce(rule, sa.Date())


def _table() -> sa.Table:
    table: sa.Table = UseCase.__table__  # type: ignore[assignment]
    return table


def recompute(
    session: Session,
    use_case_ids: Iterable[int] = (),
    cohort_ids: Iterable[int] = (),
) -> int:
    """Recompute the date of the use cases named, and of the pilots of the cohorts named, in
    one UPDATE that writes only the rows whose date changes (neither their version, so no form
    open on them goes stale, nor their last-updated time moves). Use cases loaded in the session
    get the new value as their committed one. The number of rows changed."""
    ids, cohorts = sorted(set(use_case_ids)), sorted(set(cohort_ids))
    if not ids and not cohorts:
        return 0
    table = _table()
    scope: list[sa.ColumnElement[bool]] = []
    if ids:
        scope.append(table.c.id.in_(ids))
    if cohorts:
        scope.append(sa.and_(table.c.cohort_id.in_(cohorts), table.c.stage.in_(PILOT_STAGES)))
    new = due_on()
    stmt = (
        sa.update(table)
        .where(sa.or_(*scope), table.c.next_return_due_on.is_distinct_from(new))
        .values(next_return_due_on=new, updated_at=table.c.updated_at)
        .returning(table.c.id, table.c.next_return_due_on)
    )
    changed = session.connection().execute(stmt).all()
    for uid, day in changed:
        loaded = session.identity_map.get(identity_key(UseCase, uid))
        if loaded is not None:
            set_committed_value(loaded, "next_return_due_on", day)
    return len(changed)


def rebuild(session: Any = None) -> int:
    """Recompute every use case's date (in the caller's transaction); the number changed."""
    session = session or db.session
    table = _table()
    new = due_on()
    result = session.execute(
        sa.update(table)
        .where(table.c.next_return_due_on.is_distinct_from(new))
        .values(next_return_due_on=new, updated_at=table.c.updated_at)
        .execution_options(synchronize_session=False)
    )
    for obj in list(session.identity_map.values()):
        if isinstance(obj, UseCase):
            session.expire(obj, ["next_return_due_on"])
    return int(result.rowcount or 0)


# --- the flush hook ---------------------------------------------------------------------------

USE_CASE_INPUTS = ("stage", "cohort_id", "pilot_started_on", "last_return_end")
EXPECTED_INPUTS = ("status", "due_on", "use_case_id")


def _changed(obj: Any, names: Iterable[str]) -> bool:
    return any(
        get_history(obj, name, passive=PASSIVE_NO_INITIALIZE).has_changes() for name in names
    )


def _old_use_case_id(obj: Any) -> int | None:
    """The use case an expected return or schedule belonged to before this flush moved it."""
    deleted = get_history(obj, "use_case_id", passive=PASSIVE_NO_INITIALIZE).deleted
    return deleted[0] if deleted and deleted[0] is not None else None


PENDING = "next_return_due.deleted"


@sa.event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    # A deleted row's use case is read now, while the row can still be loaded.
    gone: set[int] = session.info.setdefault(PENDING, set())
    for obj in session.deleted:
        if isinstance(obj, ExpectedReturn | ReturnSchedule) and obj.use_case_id is not None:
            gone.add(obj.use_case_id)


@sa.event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    ids: set[int] = set(session.info.pop(PENDING, set()))
    cohorts: set[int] = set()
    for obj in session.new:
        if isinstance(obj, UseCase | ExpectedReturn | ReturnSchedule):
            uid = obj.id if isinstance(obj, UseCase) else obj.use_case_id
            if uid is not None:
                ids.add(uid)
    for obj in session.dirty:
        if isinstance(obj, UseCase):
            if _changed(obj, USE_CASE_INPUTS):
                ids.add(obj.id)
        elif isinstance(obj, ExpectedReturn | ReturnSchedule):
            names = EXPECTED_INPUTS if isinstance(obj, ExpectedReturn) else ("use_case_id",)
            if _changed(obj, names):
                ids.add(obj.use_case_id)
                old = _old_use_case_id(obj)
                if old is not None:
                    ids.add(old)
        elif isinstance(obj, Cohort) and _changed(obj, ("return_interval_days",)):
            cohorts.add(obj.id)
    deleted_use_cases = {obj.id for obj in session.deleted if isinstance(obj, UseCase)}
    ids -= deleted_use_cases
    if ids or cohorts:
        recompute(session, ids, cohorts)
