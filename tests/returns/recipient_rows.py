"""The recipients table's rows for schedules, expected returns and incidents reported on their
own, in the form of ``tests/notifications/test_recipients.py``'s TABLE (which adds them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tests.conftest import local_today
from tests.notifications.conftest import People, run
from tracker.extensions import db
from tracker.returns import incidents, reminders, schedule
from tracker.returns.models import ExpectedReturn, Frequency, Source
from tracker.usecases.models import Incident, Severity, Stage, UseCase


def set_schedule(p: People, uc: UseCase) -> None:
    data = schedule.ScheduleData(Frequency.MONTHLY, uc.pilot_started_on)
    run(lambda: schedule.set_return_schedule(uc, p.reviewer, data))


def request(p: People, uc: UseCase) -> None:
    data = schedule.RequestData(
        period_start=None,
        period_end=local_today() - timedelta(days=1),
        due_on=local_today() + timedelta(days=10),
        request="The fraud losses avoided in October.",
    )
    run(lambda: schedule.request_return(uc, p.reviewer, data))


def _expected(uc: UseCase, due_in: int) -> ExpectedReturn:
    end = local_today() - timedelta(days=30)
    expected = ExpectedReturn(
        use_case_id=uc.id,
        source=Source.SCHEDULE,
        period_start=end - timedelta(days=29),
        period_end=end,
        due_on=local_today() + timedelta(days=due_in),
    )
    db.session.add(expected)
    db.session.commit()
    return expected


def waive(p: People, uc: UseCase) -> None:
    expected = _expected(uc, 5)
    run(lambda: schedule.waive(expected, p.reviewer, "Covered by the exit report.", 1))


def remind(due_in: int) -> Callable[[People, UseCase], None]:
    def act(p: People, uc: UseCase) -> None:
        _expected(uc, due_in)
        reminders.remind(local_today())

    return act


def report(severity: Severity) -> Callable[[People, UseCase], None]:
    def act(p: People, uc: UseCase) -> None:
        data = incidents.IncidentReport(
            severity=severity,
            occurred_at=datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=2),
            description="Chatbot quoted a wrong fee.",
            customers_affected=3,
            customer_impact="Three customers misinformed.",
            remediation="Answer template withdrawn.",
        )
        run(lambda: incidents.report_incident(uc, p.bank_user, data))

    return act


def acknowledge(p: People, uc: UseCase) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    reported = Incident(
        use_case_id=uc.id,
        description="Chatbot quoted a wrong fee.",
        severity=Severity.HIGH,
        occurred_on=local_today(),
        occurred_at=now - timedelta(hours=1),
        reported_at=now,
        reported_by_id=p.bank_user.id,
        acknowledge_by=now + timedelta(hours=72),
    )
    db.session.add(reported)
    db.session.commit()
    run(lambda: incidents.acknowledge(reported, p.reviewer, "Looking into it."))


def bank(kind: str) -> dict[str, str]:
    return {"bank_user": kind, "bank_colleague": kind}


REGULATOR = ("reviewer", "hkma_colleague")

# fmt: off
ROWS: list[tuple[str, Stage | None, bool, Callable[[People, UseCase], None], dict[str, str]]] = [
    ("schedule set: the institution", Stage.PILOT, False, set_schedule, bank("return_schedule")),
    ("return requested: the institution, with no way out", Stage.PILOT, False, request,
     bank("return_requested")),
    ("expected return waived: the institution", Stage.PILOT, False, waive,
     bank("return_schedule")),
    ("return due soon: the institution only", Stage.PILOT, False, remind(1),
     bank("return_due")),
    ("return overdue: both sides", Stage.PILOT, False, remind(-1),
     {**bank("return_overdue"), **dict.fromkeys(REGULATOR, "return_overdue")}),
    ("return past the escalation threshold: also the supervisor", Stage.PILOT, False,
     remind(-reminders.ESCALATE_DAYS),
     {**bank("return_overdue"), **dict.fromkeys(REGULATOR, "return_overdue"),
      "supervisor": "return_escalated"}),
    ("low incident on its own: the lead's staff", Stage.PILOT, False, report(Severity.LOW),
     dict.fromkeys(REGULATOR, "incident_logged")),
    ("critical incident on its own: the lead's staff at once, the supervisor and admins",
     Stage.PILOT, False, report(Severity.CRITICAL),
     {**dict.fromkeys(REGULATOR, "incident_urgent"), "supervisor": "incident_reported",
      "admin": "incident_reported"}),
    ("incident acknowledged: the institution", Stage.PILOT, False, acknowledge,
     bank("incident_acknowledged")),
]
# fmt: on
