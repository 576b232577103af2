"""Commands of the compute ledger: the regulator allocates a tranche of GPU hours, the
institution reports the hours used in a period. Use beyond the hours allocated needs a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from tracker import events
from tracker.auth.models import User
from tracker.clock import local_today
from tracker.compute import permissions
from tracker.compute.events import ComputeAllocated, ComputeUsageReported
from tracker.compute.models import ComputeAllocation, ComputeUsage
from tracker.extensions import db, utcnow
from tracker.i18n import gettext as _
from tracker.i18n import number
from tracker.returns.dates import day
from tracker.rules import NotAllowedError, RuleError
from tracker.usecases.models import ProgressReturn, UseCase

MAX_HOURS = 1_000_000
LONG_TEXT = 20_000


def allocated_hours(use_case_id: int) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(ComputeAllocation.hours), 0)).where(
                ComputeAllocation.use_case_id == use_case_id
            )
        )
        or 0
    )


def used_hours(use_case_id: int) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(ComputeUsage.hours_used), 0)).where(
                ComputeUsage.use_case_id == use_case_id
            )
        )
        or 0
    )


def allocate(
    use_case: UseCase, user: User, granted_on: date | None, hours: int | None, note: str = ""
) -> ComputeAllocation:
    """Regulator staff allocate a tranche of GPU hours to the use case."""
    action = "use_case.compute_allocation"
    if not permissions.can_allocate(user, use_case):
        raise NotAllowedError(action)
    rules = RuleError.collect(action)
    if rules.check(granted_on is not None, "granted_on", _("Give the date of the allocation.")):
        assert granted_on is not None
        rules.check(
            granted_on <= local_today(),
            "granted_on",
            _("The allocation date cannot be in the future."),
        )
    if rules.check(hours is not None, "hours", _("Give the GPU hours allocated.")):
        assert hours is not None
        rules.check(
            0 < hours <= MAX_HOURS,
            "hours",
            _(
                "Allocate a whole number of hours from 1 to %(max_hours)s.",
                max_hours=number(MAX_HOURS),
            ),
        )
    rules.check(
        len(note.strip()) <= LONG_TEXT,
        "note",
        _("At most %(limit)s characters.", limit=number(LONG_TEXT)),
    )
    rules.raise_if_any()
    assert granted_on is not None and hours is not None
    allocation = ComputeAllocation(
        use_case_id=use_case.id,
        granted_on=granted_on,
        hours=hours,
        note=note.strip(),
        recorded_at=utcnow(),
        recorded_by_id=user.id,
    )
    db.session.add(allocation)
    db.session.flush()
    events.record(
        ComputeAllocated(
            actor_id=user.id, use_case_id=use_case.id, allocation_id=allocation.id, hours=hours
        )
    )
    return allocation


@dataclass(frozen=True)
class UsageData:
    period_start: date | None
    period_end: date | None
    hours_used: int | None
    return_id: int | None = None
    over_use_reason: str = ""


def report_usage(use_case: UseCase, user: User, data: UsageData) -> ComputeUsage:
    """The institution reports the GPU hours used in a period after the last one reported."""
    action = "use_case.compute_usage"
    if not permissions.can_report_usage(user, use_case):
        raise NotAllowedError(action)
    rules = RuleError.collect(action)
    start, end = data.period_start, data.period_end
    rules.check(start is not None, "period_start", _("Give the first day of the period."))
    rules.check(end is not None, "period_end", _("Give the last day of the period."))
    if start is not None and end is not None:
        rules.check(end >= start, "period_end", _("The period cannot end before it starts."))
        rules.check(end <= local_today(), "period_end", _("The period cannot end in the future."))
        last_end = db.session.scalar(
            sa.select(sa.func.max(ComputeUsage.period_end)).where(
                ComputeUsage.use_case_id == use_case.id
            )
        )
        if last_end is not None:
            rules.check(
                start > last_end,
                "period_start",
                _(
                    "Hours up to %(last_end)s are already reported: start after that day.",
                    last_end=day(last_end),
                ),
            )
    hours = data.hours_used
    if rules.check(hours is not None, "hours_used", _("Give the GPU hours used in the period.")):
        assert hours is not None
        rules.check(
            0 <= hours <= MAX_HOURS,
            "hours_used",
            _("Give a whole number of hours from 0 to %(max_hours)s.", max_hours=number(MAX_HOURS)),
        )
    if data.return_id is not None:
        found = db.session.scalar(
            sa.select(ProgressReturn.id).where(
                ProgressReturn.id == data.return_id, ProgressReturn.use_case_id == use_case.id
            )
        )
        rules.check(found is not None, "return_id", _("Choose a progress return of this use case."))
    reason = data.over_use_reason.strip()
    rules.check(
        len(reason) <= LONG_TEXT,
        "over_use_reason",
        _("At most %(limit)s characters.", limit=number(LONG_TEXT)),
    )
    over = False
    if hours is not None:
        allocated = allocated_hours(use_case.id)
        total = used_hours(use_case.id) + hours
        over = total > allocated
        if over:
            rules.check(
                bool(reason),
                "over_use_reason",
                _(
                    "This brings the hours used to %(total)s, beyond the %(allocated)s "
                    "allocated: give the reason.",
                    total=number(total),
                    allocated=number(allocated),
                ),
            )
    rules.raise_if_any()
    assert start is not None and end is not None and hours is not None
    usage = ComputeUsage(
        use_case_id=use_case.id,
        period_start=start,
        period_end=end,
        hours_used=hours,
        return_id=data.return_id,
        over_use_reason=reason,
        reported_at=utcnow(),
        reported_by_id=user.id,
    )
    db.session.add(usage)
    db.session.flush()
    events.record(
        ComputeUsageReported(
            actor_id=user.id,
            use_case_id=use_case.id,
            usage_id=usage.id,
            hours=hours,
            over_allocation=over,
        )
    )
    return usage
