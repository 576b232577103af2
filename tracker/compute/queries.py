"""The read side of the compute ledger: one use case's ledger as at a moment (pages, the
use-case report, the exit report) and the programme's totals by cohort and by category."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from tracker.compute.models import ComputeAllocation, ComputeUsage
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.institutions.models import Category
from tracker.programmes.models import Cohort, Programme
from tracker.returns.dates import period
from tracker.usecases.models import UseCase


@dataclass(frozen=True)
class AllocationRow:
    granted_on: date
    hours: int
    note: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class UsageRow:
    period_start: date
    period_end: date
    hours_used: int
    return_id: int | None
    return_period: str
    over_use_reason: str
    reported_by: str
    reported_at: datetime
    used_to_date: int  # cumulative, this period included
    allocated_then: int  # the hours allocated when this period was reported


@dataclass(frozen=True)
class Ledger:
    requested: int | None
    allocations: tuple[AllocationRow, ...]
    usage: tuple[UsageRow, ...]

    @property
    def allocated(self) -> int:
        return sum(a.hours for a in self.allocations)

    @property
    def used(self) -> int:
        return sum(u.hours_used for u in self.usage)

    @property
    def remaining(self) -> int:
        return self.allocated - self.used

    @property
    def share_used(self) -> float | None:
        return self.used / self.allocated if self.allocated else None


def _name(user: object) -> str:
    return getattr(user, "name", None) or "—"


def ledger(
    use_case: UseCase,
    moment: datetime | None = None,
    local: Callable[[datetime], datetime] = lambda value: value,
) -> Ledger:
    """The ledger as recorded by ``moment`` (naive UTC; None: now). Two queries."""
    allocations = list(
        db.session.scalars(
            sa.select(ComputeAllocation)
            .where(ComputeAllocation.use_case_id == use_case.id)
            .where(sa.true() if moment is None else ComputeAllocation.recorded_at < moment)
            .options(joinedload(ComputeAllocation.recorded_by))
            .order_by(ComputeAllocation.granted_on, ComputeAllocation.id)
        )
    )
    usage = list(
        db.session.scalars(
            sa.select(ComputeUsage)
            .where(ComputeUsage.use_case_id == use_case.id)
            .where(sa.true() if moment is None else ComputeUsage.reported_at < moment)
            .options(joinedload(ComputeUsage.reported_by), joinedload(ComputeUsage.progress_return))
            .order_by(ComputeUsage.period_start)
        )
    )
    rows, running = [], 0
    for u in usage:
        running += u.hours_used
        linked = u.progress_return
        rows.append(
            UsageRow(
                period_start=u.period_start,
                period_end=u.period_end,
                hours_used=u.hours_used,
                return_id=u.return_id,
                return_period=(
                    period(linked.period_start, linked.period_end) if linked is not None else ""
                ),
                over_use_reason=u.over_use_reason,
                reported_by=_name(u.reported_by),
                reported_at=local(u.reported_at),
                used_to_date=running,
                allocated_then=sum(a.hours for a in allocations if a.recorded_at <= u.reported_at),
            )
        )
    return Ledger(
        requested=use_case.gpu_hours,
        allocations=tuple(
            AllocationRow(
                granted_on=a.granted_on,
                hours=a.hours,
                note=a.note,
                recorded_by=_name(a.recorded_by),
                recorded_at=local(a.recorded_at),
            )
            for a in allocations
        ),
        usage=tuple(rows),
    )


@dataclass(frozen=True)
class TotalRow:
    label: str
    use_cases: int
    requested: int
    allocated: int
    used: int

    @property
    def share_used(self) -> float | None:
        return self.used / self.allocated if self.allocated else None


@dataclass(frozen=True)
class ProgrammeTotals:
    by_cohort: tuple[TotalRow, ...]
    by_category: tuple[TotalRow, ...]
    total: TotalRow


def programme_totals(programme: Programme) -> ProgrammeTotals:
    """GPU hours requested, allocated and used in the programme's submitted use cases, by
    cohort and by category: three grouped queries, however many use cases."""
    in_programme = sa.and_(UseCase.proposals(), Cohort.programme_id == programme.id)
    allocated = (
        sa.select(
            ComputeAllocation.use_case_id.label("use_case_id"),
            sa.func.sum(ComputeAllocation.hours).label("hours"),
        )
        .group_by(ComputeAllocation.use_case_id)
        .subquery()
    )
    used = (
        sa.select(
            ComputeUsage.use_case_id.label("use_case_id"),
            sa.func.sum(ComputeUsage.hours_used).label("hours"),
        )
        .group_by(ComputeUsage.use_case_id)
        .subquery()
    )

    def grouped(key: Any, label: Any, order: Any) -> list[TotalRow]:
        query = (
            sa.select(
                label,
                sa.func.count(UseCase.id),
                sa.func.coalesce(sa.func.sum(UseCase.gpu_hours), 0),
                sa.func.coalesce(sa.func.sum(allocated.c.hours), 0),
                sa.func.coalesce(sa.func.sum(used.c.hours), 0),
            )
            .select_from(UseCase)
            .join(Cohort, Cohort.id == UseCase.cohort_id)
            .join(Category, Category.id == UseCase.category_id)
            .outerjoin(allocated, allocated.c.use_case_id == UseCase.id)
            .outerjoin(used, used.c.use_case_id == UseCase.id)
            .where(in_programme)
            .group_by(key, label)
            .order_by(order)
        )
        return [
            TotalRow(str(name), int(n), int(req), int(alloc), int(use))
            for name, n, req, alloc, use in db.session.execute(query)
        ]

    by_cohort = grouped(Cohort.id, Cohort.name, Cohort.id)
    by_category = grouped(Category.id, Category.name, Category.name)
    total = TotalRow(
        _("All cohorts"),
        sum(r.use_cases for r in by_cohort),
        sum(r.requested for r in by_cohort),
        sum(r.allocated for r in by_cohort),
        sum(r.used for r in by_cohort),
    )
    return ProgrammeTotals(tuple(by_cohort), tuple(by_category), total)
