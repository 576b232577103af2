"""Commands on what a pilot reports and when: its schedule, the regulator's ad-hoc requests,
returns due after a milestone, waivers, and filing (a progress return fulfils every open expected
return whose period it reaches).

Due dates are in calendar days. A pilot without a schedule keeps the cohort's interval (its next
return due ``return_interval_days`` after the last period reported); it gets expected returns
only from ad-hoc requests.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from tracker import events
from tracker.auth.models import User
from tracker.clock import local_today
from tracker.extensions import db, utcnow
from tracker.i18n import gettext as _
from tracker.i18n import number
from tracker.returns import events as return_events
from tracker.returns.dates import day
from tracker.returns.models import (
    ExpectedReturn,
    ExpectedStatus,
    Frequency,
    ReturnSchedule,
    Source,
)
from tracker.rules import ConflictError, NotAllowedError, RuleError
from tracker.usecases import permissions
from tracker.usecases.models import Milestone, MilestoneStatus, ProgressReturn, UseCase
from tracker.usecases.workflow import MILESTONE_STAGES, PILOT_STAGES

DEFAULT_DAYS_TO_FILE = 14
MAX_DAYS = 90
MAX_DATES = 60
REQUEST_TEXT = 5_000
REPLACED = "Replaced by the new reporting schedule."


@dataclass(frozen=True)
class ScheduleData:
    frequency: Frequency | None
    first_period_start: date | None
    ends_on: date | None = None  # the pilot's planned end when empty
    report_dates: tuple[date, ...] = ()
    days_to_file: int | None = DEFAULT_DAYS_TO_FILE
    milestone_days: int | None = None


@dataclass(frozen=True)
class RequestData:
    period_start: date | None
    period_end: date | None
    due_on: date | None
    request: str


def can_manage(user: User, use_case: UseCase) -> bool:
    """Regulator staff of the programme set the schedule and ask for returns, from selection
    to the end of the pilot."""
    return permissions.can_act_as_regulator(user, use_case) and use_case.stage in MILESTONE_STAGES


def can_waive(user: User, use_case: UseCase) -> bool:
    return permissions.can_act_as_regulator(user, use_case)


def pilot_end(use_case: UseCase) -> date | None:
    if use_case.pilot_started_on is None or use_case.pilot_duration_weeks is None:
        return None
    return (
        use_case.pilot_started_on
        + timedelta(weeks=use_case.pilot_duration_weeks)
        - timedelta(days=1)
    )


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has fewer days."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def periods(schedule: ReturnSchedule) -> list[tuple[date, date]]:
    """The periods the schedule asks a return for, in order, none past ``ends_on``."""
    found: list[tuple[date, date]] = []
    if schedule.frequency is Frequency.DATES:
        start = schedule.first_period_start
        for end in schedule.dates:
            if end < start or end > schedule.ends_on:
                continue
            found.append((start, end))
            start = end + timedelta(days=1)
        return found
    months = schedule.frequency.months
    assert months is not None
    n = 0
    while True:
        start = add_months(schedule.first_period_start, n * months)
        if start > schedule.ends_on:
            return found
        end = min(
            add_months(schedule.first_period_start, (n + 1) * months) - timedelta(days=1),
            schedule.ends_on,
        )
        found.append((start, end))
        n += 1


def expected_returns(use_case: UseCase) -> list[ExpectedReturn]:
    """Every expected return of the use case, by due date."""
    return list(
        db.session.scalars(
            sa.select(ExpectedReturn)
            .where(ExpectedReturn.use_case_id == use_case.id)
            .options(selectinload(ExpectedReturn.reminders))
            .order_by(ExpectedReturn.due_on, ExpectedReturn.id)
        )
    )


def schedule_of(use_case: UseCase) -> ReturnSchedule | None:
    return db.session.scalar(
        sa.select(ReturnSchedule)
        .where(ReturnSchedule.use_case_id == use_case.id)
        .options(joinedload(ReturnSchedule.set_by))
    )


def _covering_return(use_case: UseCase, period_end: date) -> ProgressReturn | None:
    """The first filed return whose period reaches ``period_end``."""
    return db.session.scalar(
        sa.select(ProgressReturn)
        .where(ProgressReturn.use_case_id == use_case.id, ProgressReturn.period_end >= period_end)
        .order_by(ProgressReturn.period_end, ProgressReturn.id)
        .limit(1)
    )


def _mark_filed(expected: ExpectedReturn, filed: ProgressReturn) -> None:
    expected.status = ExpectedStatus.FILED
    expected.return_id = filed.id
    expected.closed_at = utcnow()


def set_return_schedule(
    use_case: UseCase,
    user: User,
    data: ScheduleData,
    expected_version: int = 0,
) -> ReturnSchedule:
    """Set or change the pilot's reporting schedule. ``expected_version`` is the version of the
    schedule the user saw (0: they saw none). Returns already due stay as they are; open ones
    not yet due are replaced by the new schedule's (waived, with the reason on record), and
    periods a filed return already covers are recorded as filed by it."""
    action = "return_schedule.set"
    current = schedule_of(use_case)
    if (current.version if current else 0) != expected_version:
        raise ConflictError(action=action)
    if not can_manage(user, use_case):
        raise NotAllowedError(action)
    today = local_today()
    rules = RuleError.collect(action)
    rules.check(data.frequency is not None, "frequency", _("Choose how often the pilot reports."))
    start = data.first_period_start or use_case.pilot_started_on
    rules.check(start is not None, "first_period_start", _("Give the day the first period starts."))
    ends_on = data.ends_on or pilot_end(use_case)
    rules.check(
        ends_on is not None,
        "ends_on",
        _("Give the last day the schedule covers: the pilot has no planned end yet."),
    )
    if start is not None and ends_on is not None:
        rules.check(ends_on >= start, "ends_on", _("The schedule cannot end before it starts."))
        rules.check(
            ends_on <= start + timedelta(days=3 * 366),
            "ends_on",
            "A schedule covers at most three years.",
        )
    rules.check(
        data.days_to_file is not None and 0 <= data.days_to_file <= MAX_DAYS,
        "days_to_file",
        _("Give the days allowed to file, from 0 to %(max_days)s.", max_days=MAX_DAYS),
    )
    rules.check(
        data.milestone_days is None or 0 <= data.milestone_days <= MAX_DAYS,
        "milestone_days",
        _(
            "Give the days after a milestone from 0 to %(max_days)s, or leave it empty.",
            max_days=MAX_DAYS,
        ),
    )
    if data.frequency is Frequency.DATES:
        dates = sorted(set(data.report_dates))
        rules.check(bool(dates), "report_dates", _("Give at least one date a period ends."))
        rules.check(
            len(dates) <= MAX_DATES,
            "report_dates",
            _("Give at most %(limit)s dates.", limit=MAX_DATES),
        )
        if start is not None and dates:
            rules.check(
                dates[0] >= start,
                "report_dates",
                _(
                    "Every period ends on or after the first period's start (%(start)s).",
                    start=day(start),
                ),
            )
        if ends_on is not None and dates:
            rules.check(
                dates[-1] <= ends_on,
                "report_dates",
                _(
                    "Every period ends by the schedule's last day (%(ends_on)s).",
                    ends_on=day(ends_on),
                ),
            )
    elif data.report_dates:
        rules.add("report_dates", _("Dates are given only for a schedule on given dates."))
    rules.raise_if_any()
    assert data.frequency is not None and start is not None and ends_on is not None
    assert data.days_to_file is not None
    schedule = current or ReturnSchedule(use_case_id=use_case.id)
    if current is None:
        db.session.add(schedule)
    schedule.frequency = data.frequency
    schedule.first_period_start = start
    schedule.ends_on = ends_on
    schedule.report_dates = sorted({d.isoformat() for d in data.report_dates})
    schedule.days_to_file = data.days_to_file
    schedule.milestone_days = data.milestone_days
    schedule.set_by_id = user.id
    schedule.set_at = utcnow()
    kept_until = _replace_open(use_case, user, today)
    for period_start, period_end in periods(schedule):
        if kept_until is not None and period_end <= kept_until:
            continue
        expected = ExpectedReturn(
            use_case_id=use_case.id,
            source=Source.SCHEDULE,
            period_start=period_start,
            period_end=period_end,
            due_on=period_end + timedelta(days=schedule.days_to_file),
        )
        db.session.add(expected)
        covering = _covering_return(use_case, period_end)
        if covering is not None:
            _mark_filed(expected, covering)
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise ConflictError(action=action) from exc
    events.record(
        return_events.ReturnScheduleSet(
            actor_id=user.id, use_case_id=use_case.id, schedule_id=schedule.id
        )
    )
    return schedule


def _replace_open(use_case: UseCase, user: User, today: date) -> date | None:
    """Waive the open scheduled returns not yet due; the last period end of the scheduled
    returns kept (filed, waived before, or already due), after which the new schedule starts."""
    kept_until: date | None = None
    for expected in expected_returns(use_case):
        if expected.source is not Source.SCHEDULE:
            continue
        if expected.is_open and expected.due_on >= today:
            expected.status = ExpectedStatus.WAIVED
            expected.waiver = REPLACED
            expected.waived_by_id = user.id
            expected.closed_at = utcnow()
        elif expected.waiver != REPLACED:
            kept_until = max(kept_until or expected.period_end, expected.period_end)
    return kept_until


def request_return(use_case: UseCase, user: User, data: RequestData) -> ExpectedReturn:
    """The regulator asks for a return outside the schedule: what it should cover, the period,
    and when it is due."""
    action = "expected_return.request"
    if not can_manage(user, use_case) or use_case.stage not in PILOT_STAGES:
        raise NotAllowedError(action)
    today = local_today()
    rules = RuleError.collect(action)
    text = (data.request or "").strip()
    rules.check(bool(text), "request", _("Say what the return should cover."))
    rules.check(
        len(text) <= REQUEST_TEXT,
        "request",
        _("This is at most %(limit)s characters long.", limit=number(REQUEST_TEXT)),
    )
    start = data.period_start or use_case.next_return_start
    end = data.period_end
    rules.check(start is not None, "period_start", _("Give the start of the period to cover."))
    if end is None:
        rules.add("period_end", _("Give the end of the period to cover."))
    elif start is not None and end < start:
        rules.add("period_end", _("The period cannot end before it starts."))
    pilot_start = use_case.pilot_started_on
    if start is not None and pilot_start is not None and start < pilot_start:
        rules.add(
            "period_start",
            _(
                "The pilot started on %(pilot_start)s: start then or later.",
                pilot_start=day(pilot_start),
            ),
        )
    if data.due_on is None:
        rules.add("due_on", _("Give the date the return is due."))
    else:
        rules.check(data.due_on >= today, "due_on", _("The due date cannot be in the past."))
        if end is not None:
            rules.check(
                data.due_on >= end,
                "due_on",
                _("The return cannot be due before the end of the period it covers."),
            )
    rules.raise_if_any()
    assert start is not None and end is not None and data.due_on is not None
    expected = ExpectedReturn(
        use_case_id=use_case.id,
        source=Source.AD_HOC,
        period_start=start,
        period_end=end,
        due_on=data.due_on,
        request=text,
        requested_by_id=user.id,
    )
    db.session.add(expected)
    db.session.flush()
    events.record(
        return_events.ReturnRequested(
            actor_id=user.id, use_case_id=use_case.id, expected_return_id=expected.id
        )
    )
    return expected


def waive(expected: ExpectedReturn, user: User, reason: str, expected_version: int) -> None:
    """The regulator no longer expects this return; the reason stays on record."""
    action = "expected_return.waive"
    use_case = expected.use_case
    if expected.version != expected_version or not expected.is_open:
        raise ConflictError(action=action)
    if not can_waive(user, use_case):
        raise NotAllowedError(action)
    reason = (reason or "").strip()
    rules = RuleError.collect(action)
    rules.check(bool(reason), "reason", _("Give the reason."))
    rules.check(
        len(reason) <= REQUEST_TEXT,
        "reason",
        _("This is at most %(limit)s characters long.", limit=number(REQUEST_TEXT)),
    )
    rules.raise_if_any()
    expected.status = ExpectedStatus.WAIVED
    expected.waiver = reason
    expected.waived_by_id = user.id
    expected.closed_at = utcnow()
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise ConflictError(action=action) from exc
    events.record(
        return_events.ExpectedReturnWaived(
            actor_id=user.id, use_case_id=use_case.id, expected_return_id=expected.id
        )
    )


def fulfil(filed: ProgressReturn) -> list[ExpectedReturn]:
    """Called by ``file_return``: every open expected return whose period ends by the end of
    the filed return's period is filed by it."""
    matched = list(
        db.session.scalars(
            sa.select(ExpectedReturn).where(
                ExpectedReturn.use_case_id == filed.use_case_id,
                ExpectedReturn.status == ExpectedStatus.OPEN,
                ExpectedReturn.period_end <= filed.period_end,
            )
        )
    )
    for expected in matched:
        _mark_filed(expected, filed)
    if matched:
        db.session.flush()
    return matched


def milestone_saved(milestone: Milestone, user: User) -> ExpectedReturn | None:
    """Called by ``save_milestone``: a milestone marked done, on a schedule that asks for it,
    makes a return due ``milestone_days`` after the day it was reached (once per milestone)."""
    if milestone.status is not MilestoneStatus.DONE or milestone.actual_on is None:
        return None
    use_case = db.session.get(UseCase, milestone.use_case_id)
    if use_case is None or use_case.stage not in PILOT_STAGES:
        return None
    schedule = schedule_of(use_case)
    if schedule is None or schedule.milestone_days is None:
        return None
    exists = db.session.scalar(
        sa.select(ExpectedReturn.id).where(ExpectedReturn.milestone_id == milestone.id)
    )
    if exists is not None:
        return None
    start = use_case.next_return_start or milestone.actual_on
    expected = ExpectedReturn(
        use_case_id=use_case.id,
        source=Source.MILESTONE,
        milestone_id=milestone.id,
        period_start=min(start, milestone.actual_on),
        period_end=milestone.actual_on,
        due_on=milestone.actual_on + timedelta(days=schedule.milestone_days),
        request=f"Progress up to the milestone “{milestone.title}”.",
    )
    db.session.add(expected)
    covering = _covering_return(use_case, milestone.actual_on)
    if covering is not None:
        _mark_filed(expected, covering)
    db.session.flush()
    if covering is None:
        events.record(
            return_events.ReturnRequested(
                actor_id=user.id, use_case_id=use_case.id, expected_return_id=expected.id
            )
        )
    return expected
