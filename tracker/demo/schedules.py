"""The demo's reporting schedules, an ad-hoc request, incidents reported on their own and the
reminders the daily job sent, replayed through the commands on the seeder's timeline.

- The phishing-takedown pilot reports monthly (a milestone reached calls for a return 10 days
  later): one return is overdue at the data cut-off, its reminders sent; a high incident
  reported on its own was acknowledged the same afternoon and resolved.
- The trade-finance pilot reports quarterly.
- The Cantonese banking assistant was asked for a return on complaints about fees.
- The SME loan assistant's critical incident was acknowledged, and the pilot suspended from it
  (the suspension's history names the incident).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from tracker.auth.models import Role, User
from tracker.demo.content.reference import REVIEWER_EMAILS
from tracker.demo.spec import DATA_CUTOFF, DemoUseCase, hk, hk_date, hk_on
from tracker.extensions import db
from tracker.returns import incidents, reminders, schedule
from tracker.returns.models import ExpectedReturn, ExpectedStatus, Frequency
from tracker.usecases import services
from tracker.usecases.models import Incident, Severity, StageTransition, UseCase

if TYPE_CHECKING:
    from tracker.demo.seed import Timeline

PHISHING = "Phishing SMS and fake website takedown assistant"
TRADE = "Trade-finance document discrepancy checks"
CANTONESE = "網上理財粵語聊天助理"
SME = "SME loan application pre-screening assistant"
REMINDER_HOUR = 9


@dataclass(frozen=True)
class DemoSchedule:
    title: str
    frequency: Frequency
    days_to_file: int
    milestone_days: int | None = None


@dataclass(frozen=True)
class DemoRequest:
    title: str
    at: datetime
    period_end: date
    due_on: date
    request: str


@dataclass(frozen=True)
class DemoIncidentNow:
    title: str
    severity: Severity
    occurred_at: datetime
    reported_at: datetime
    description: str
    customers_affected: int | None
    customer_impact: str
    remediation: str
    acknowledged_at: datetime | None = None
    acknowledgement: str = ""
    resolved_on: date | None = None
    resolution: str = ""
    # The pilot's next suspension is decided from this incident.
    suspends: bool = False


SCHEDULES = (
    DemoSchedule(PHISHING, Frequency.MONTHLY, 14, milestone_days=10),
    DemoSchedule(TRADE, Frequency.QUARTERLY, 21),
)
REQUESTS = (
    DemoRequest(
        CANTONESE,
        hk(2026, 11, 12, 11, 0),
        date(2026, 11, 10),
        date(2026, 11, 26),
        "Complaints about the assistant's answers on fees since the fee table changed on "
        "1 November: how many, what the assistant said, and what was corrected.",
    ),
)
INCIDENTS = (
    DemoIncidentNow(
        PHISHING,
        Severity.HIGH,
        occurred_at=hk(2026, 11, 3, 9, 40),
        reported_at=hk(2026, 11, 3, 15, 20),
        description="The assistant classed a genuine bank's campaign website as a phishing "
        "site, and a takedown request went to the registrar before the analyst's check.",
        customers_affected=0,
        customer_impact="None: the site stayed up; the other bank was told within the hour.",
        remediation="Request withdrawn after 40 minutes. A second analyst now approves every "
        "takedown request before it is sent.",
        acknowledged_at=hk(2026, 11, 3, 17, 5),
        acknowledgement="Noted. Please report the approval change and its effect on takedown "
        "times in the next return.",
        resolved_on=date(2026, 11, 10),
        resolution="Two-person approval in place for a week with no wrong takedown request.",
    ),
    DemoIncidentNow(
        SME,
        Severity.CRITICAL,
        occurred_at=hk(2026, 10, 12, 11, 40),
        reported_at=hk(2026, 10, 12, 14, 10),
        description="The assistant told three applicants that their loan would likely be "
        "approved, which it must never say.",
        customers_affected=3,
        customer_impact="Three applicants were given an expectation of approval; one was "
        "later declined.",
        remediation="Assistant switched to the document checklist only; the three applicants "
        "were called by their relationship managers.",
        acknowledged_at=hk(2026, 10, 12, 16, 0),
        acknowledgement="Acknowledged. We will decide on suspension this evening.",
        suspends=True,
    ),
)


class _Demo:
    """Finds the demo's use cases and people as the timeline runs."""

    def __init__(self, users: dict[str, User]) -> None:
        self.users = users
        self.suspending: dict[int, Incident] = {}

    def use_case(self, title: str) -> UseCase | None:
        return db.session.scalar(sa.select(UseCase).where(UseCase.title == title))

    def staff(self, use_case: UseCase) -> User:
        return self.users[REVIEWER_EMAILS[use_case.cohort.programme.lead_regulator.code]]

    def owner(self, use_case: UseCase) -> User:
        found = db.session.scalar(
            sa.select(User)
            .where(User.institution_id == use_case.institution_id, User.role == Role.INSTITUTION)
            .order_by(User.id)
            .limit(1)
        )
        assert found is not None, use_case.title
        return found

    def set_schedule(self, spec: DemoSchedule) -> None:
        use_case = self.use_case(spec.title)
        if use_case is None or schedule.schedule_of(use_case) is not None:
            return
        data = schedule.ScheduleData(
            spec.frequency,
            None,
            days_to_file=spec.days_to_file,
            milestone_days=spec.milestone_days,
        )
        schedule.set_return_schedule(use_case, self.staff(use_case), data)

    def request(self, spec: DemoRequest) -> None:
        use_case = self.use_case(spec.title)
        if use_case is None:
            return
        data = schedule.RequestData(None, spec.period_end, spec.due_on, spec.request)
        schedule.request_return(use_case, self.staff(use_case), data)

    def report(self, spec: DemoIncidentNow) -> None:
        use_case = self.use_case(spec.title)
        if use_case is None:
            return
        data = incidents.IncidentReport(
            severity=spec.severity,
            occurred_at=spec.occurred_at,
            description=spec.description,
            customers_affected=spec.customers_affected,
            customer_impact=spec.customer_impact,
            remediation=spec.remediation,
        )
        incident = incidents.report_incident(use_case, self.owner(use_case), data)
        if spec.suspends:
            self.suspending[use_case.id] = incident

    def acknowledge(self, spec: DemoIncidentNow) -> None:
        found = self._incident(spec)
        if found is not None:
            incidents.acknowledge(found, self.staff(found.use_case), spec.acknowledgement)

    def resolve(self, spec: DemoIncidentNow) -> None:
        found = self._incident(spec)
        if found is not None and spec.resolved_on is not None:
            owner = self.owner(found.use_case)
            services.resolve_incident(found, owner, spec.resolved_on, spec.resolution)

    def _incident(self, spec: DemoIncidentNow) -> Incident | None:
        return db.session.scalar(
            sa.select(Incident).where(
                Incident.description == spec.description, Incident.return_id.is_(None)
            )
        )

    def remind(self, day: date) -> None:
        """What the daily job sent that morning (no e-mail: it is history)."""
        due = db.session.scalars(
            sa.select(ExpectedReturn)
            .where(
                ExpectedReturn.status == ExpectedStatus.OPEN,
                ExpectedReturn.due_on <= day + timedelta(days=max(reminders.REMIND_DAYS)),
            )
            .options(selectinload(ExpectedReturn.reminders))
            .order_by(ExpectedReturn.id)
        )
        for expected in list(due):
            taken = {r.step for r in expected.reminders}
            for step in reminders.steps_due(expected, day):
                if step not in taken:
                    reminders.record_step(expected, step, day, mail=False)


_current: list[_Demo] = []


def plan(
    timeline: Timeline, specs: list[DemoUseCase], users: dict[str, User], now: datetime
) -> None:
    """Add the schedules, the request, the incidents and the daily reminders of the use cases
    being replayed to the timeline."""
    demo = _Demo(users)
    _current[:] = [demo]
    titles = {spec.title: spec for spec in specs}
    first: date | None = None
    for item in SCHEDULES:
        spec = titles.get(item.title)
        started = (
            next((s.at for s in spec.steps if s.action == "start_pilot"), None) if spec else None
        )
        if started is None:
            continue
        timeline.at(started + timedelta(days=1), partial(demo.set_schedule, item))
        first = min(first or hk_date(started), hk_date(started))
    for request in REQUESTS:
        if request.title in titles:
            timeline.at(request.at, partial(demo.request, request))
    for incident in INCIDENTS:
        if incident.title not in titles:
            continue
        timeline.at(incident.reported_at, partial(demo.report, incident))
        if incident.acknowledged_at is not None:
            timeline.at(incident.acknowledged_at, partial(demo.acknowledge, incident))
        if incident.resolved_on is not None:
            timeline.at(hk_on(incident.resolved_on, 16), partial(demo.resolve, incident))
    if first is None:
        return
    last = min(hk_date(now), DATA_CUTOFF)
    day = first + timedelta(days=1)
    while day <= last:
        moment = hk_on(day, REMINDER_HOUR, 30)
        if moment <= now:
            timeline.at(moment, partial(demo.remind, day))
        day += timedelta(days=1)


def suspension_context(use_case: UseCase, action: str) -> dict[str, Any] | None:
    """For the replay's suspend step: the incident it is decided from, if the demo has one."""
    demo = _current[0] if _current else None
    if action != "suspend" or demo is None or use_case.id not in demo.suspending:
        return None
    return {"incident_id": demo.suspending[use_case.id].id}


def suspended(use_case: UseCase, moved: StageTransition) -> None:
    """The incident shows the suspension decided from it."""
    demo = _current[0] if _current else None
    if moved.action != "suspend" or demo is None:
        return
    incident = demo.suspending.pop(use_case.id, None)
    if incident is not None:
        incident.suspension_id = moved.id
        db.session.flush()
