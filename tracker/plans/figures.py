"""The KPIs moving away from their targets, kept up to date in the same transaction as the
commands that change what they are worked out from.

``kpi_moving_away`` holds one row per use case and KPI whose last three numbers returned are
each worse than the one before and short of the target (``queries.moving_away``), with those
numbers and the target: what the dashboard's panel shows. Only the KPIs that are moving away
have a row, so the panel reads a handful of rows joined to the use cases it may show, where
working the trend out ranks every number of every return of every pilot.

A use case's rows depend on its KPI values, the returns' periods (the order of the numbers)
and the direction and target of the plan KPI the latest number was reported against. A flush
hook notices any change to those rows, made through the ORM, and works the rows of the use
cases concerned out again from their returns, in the same transaction (so a rolled-back
command leaves no trace). Whether the use case is a pilot, and whether the user may see it,
are read with the rows, from the use case. Bulk inserts that bypass the ORM
(``tracker.synthetic``) call :func:`rebuild` afterwards; ``flask rebuild-figures`` works every
row out again at any time.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.attributes import PASSIVE_NO_INITIALIZE, get_history

from tracker.extensions import Base, db
from tracker.plans.models import PlanKpi
from tracker.usecases.models import KpiValue, ProgressReturn, UseCase


class KpiMovingAway(Base):
    """A KPI of a use case worse in each of its last two returns and short of its target.
    Derived data: no foreign keys, so that it never stands in the way of a change to what it is
    worked out from."""

    __tablename__ = "kpi_moving_away"

    use_case_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # The KPI's name: a series runs on through amendments by name (``queries.kpi_series``).
    kpi: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    # The plan KPI the latest number was reported against, whose target is shown.
    plan_kpi_id: Mapped[int]
    # The last three numbers returned, oldest first.
    oldest: Mapped[Decimal] = mapped_column(sa.Numeric(18, 4))
    middle: Mapped[Decimal] = mapped_column(sa.Numeric(18, 4))
    latest: Mapped[Decimal] = mapped_column(sa.Numeric(18, 4))
    target: Mapped[Decimal] = mapped_column(sa.Numeric(18, 4))

    @property
    def numbers(self) -> tuple[Decimal, Decimal, Decimal]:
        return (self.oldest, self.middle, self.latest)


Row = tuple[int, str, int, Decimal, Decimal, Decimal, Decimal]
COLUMNS = ("use_case_id", "kpi", "plan_kpi_id", "oldest", "middle", "latest", "target")
TABLE: sa.Table = KpiMovingAway.__table__  # type: ignore[assignment]


def worked_out(use_case_ids: Iterable[int] | None = None, connection: Any = None) -> list[Row]:
    """The rows as the returns give them now, of the given use cases (of all when None), in
    the panel's order: by use case, then KPI."""
    from tracker.plans.queries import moving_away

    recency = sa.func.row_number().over(
        partition_by=(ProgressReturn.use_case_id, KpiValue.kpi),
        order_by=(ProgressReturn.period_end.desc(), ProgressReturn.id.desc()),
    )
    ranked = (
        sa.select(
            ProgressReturn.use_case_id.label("use_case_id"),
            KpiValue.kpi.label("kpi"),
            KpiValue.number.label("number"),
            KpiValue.plan_kpi_id.label("plan_kpi_id"),
            recency.label("n"),
        )
        .join(ProgressReturn, ProgressReturn.id == KpiValue.return_id)
        .where(KpiValue.number.is_not(None))
    )
    if use_case_ids is not None:
        ranked = ranked.where(ProgressReturn.use_case_id.in_(sorted(use_case_ids)))
    ranked_q = ranked.subquery()
    statement = (
        sa.select(ranked_q, PlanKpi.direction, PlanKpi.target)
        .join(PlanKpi, PlanKpi.id == ranked_q.c.plan_kpi_id)
        .where(ranked_q.c.n <= 3)
        .order_by(ranked_q.c.use_case_id, ranked_q.c.kpi, ranked_q.c.n.desc())
    )
    result = (connection or db.session).execute(statement)
    found: dict[tuple[int, str], list[Any]] = {}
    for row in result:
        found.setdefault((row.use_case_id, row.kpi), []).append(row)
    rows = []
    for (use_case_id, kpi), group in found.items():
        numbers = [r.number for r in group]
        latest = group[-1]
        if moving_away(latest.direction, latest.target, numbers):
            rows.append((use_case_id, kpi, latest.plan_kpi_id, *numbers, latest.target))
    return rows


def _insert(connection: Any, rows: list[Row]) -> None:
    if rows:
        connection.execute(sa.insert(TABLE), [dict(zip(COLUMNS, row, strict=True)) for row in rows])


def recompute(connection: Any, use_case_ids: Iterable[int]) -> None:
    """Work the rows of these use cases out again from their returns."""
    ids = sorted(set(use_case_ids))
    if not ids:
        return
    connection.execute(sa.delete(TABLE).where(TABLE.c.use_case_id.in_(ids)))
    _insert(connection, worked_out(ids, connection))


def rebuild(session: Any = None) -> int:
    """Work every row out again (in the caller's transaction); the number of rows."""
    connection = (session or db.session).connection()
    connection.execute(sa.delete(TABLE))
    rows = worked_out(None, connection)
    _insert(connection, rows)
    return len(rows)


# --- the flush hook ---------------------------------------------------------------------------

PENDING = "kpi_moving_away.deleted"
# The attributes whose change may change the rows.
VALUE_WATCHED = ("return_id", "kpi", "number", "plan_kpi_id")
RETURN_WATCHED = ("use_case_id", "period_end")
KPI_WATCHED = ("direction", "target")


def _values(obj: Any, name: str) -> list[Any]:
    """The attribute's values before and after this flush (without loading anything)."""
    history = get_history(obj, name, passive=PASSIVE_NO_INITIALIZE)
    return [v for v in (*history.deleted, *history.unchanged, *history.added) if v is not None]


def _changed(obj: Any, names: tuple[str, ...]) -> bool:
    return any(
        get_history(obj, name, passive=PASSIVE_NO_INITIALIZE).has_changes() for name in names
    )


def _use_cases_of_returns(connection: Any, return_ids: set[int]) -> set[int]:
    if not return_ids:
        return set()
    return set(
        connection.scalars(
            sa.select(ProgressReturn.use_case_id).where(ProgressReturn.id.in_(sorted(return_ids)))
        )
    )


@sa.event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    # What a deleted row belonged to is read now, while the rows are still there.
    use_case_ids: set[int] = set()
    return_ids: set[int] = set()
    for obj in session.deleted:
        if isinstance(obj, KpiValue):
            return_ids.update(_values(obj, "return_id"))
        elif isinstance(obj, ProgressReturn):
            use_case_ids.update(_values(obj, "use_case_id"))
            if obj.id is not None:
                return_ids.add(obj.id)
        elif isinstance(obj, UseCase) and obj.id is not None:
            use_case_ids.add(obj.id)
    if return_ids:
        use_case_ids |= _use_cases_of_returns(session.connection(), return_ids)
    if use_case_ids:
        session.info.setdefault(PENDING, set()).update(use_case_ids)


@sa.event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    use_case_ids: set[int] = session.info.pop(PENDING, set())
    return_ids: set[int] = set()
    plan_kpi_ids: set[int] = set()
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, KpiValue):
            if obj in session.new or _changed(obj, VALUE_WATCHED):
                return_ids.update(_values(obj, "return_id"))
        elif isinstance(obj, ProgressReturn):
            # A new return has no values yet; its values are new rows of their own.
            if obj not in session.new and _changed(obj, RETURN_WATCHED):
                use_case_ids.update(_values(obj, "use_case_id"))
        elif isinstance(obj, PlanKpi) and obj not in session.new and _changed(obj, KPI_WATCHED):
            plan_kpi_ids.add(obj.id)
    if not (use_case_ids or return_ids or plan_kpi_ids):
        return
    connection = session.connection()
    use_case_ids |= _use_cases_of_returns(connection, return_ids)
    if plan_kpi_ids:
        use_case_ids.update(
            connection.scalars(
                sa.select(ProgressReturn.use_case_id)
                .join(KpiValue, KpiValue.return_id == ProgressReturn.id)
                .where(KpiValue.plan_kpi_id.in_(sorted(plan_kpi_ids)))
                .distinct()
            )
        )
    recompute(connection, use_case_ids)
