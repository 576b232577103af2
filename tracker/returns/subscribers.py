"""What the recipients table tells of schedules, requested returns and incidents reported on
their own (the reminders are told by their job, ``tracker.returns.reminders``)."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from flask import current_app

from tracker import events
from tracker.extensions import db
from tracker.i18n import ENGLISH, language
from tracker.notifications.recipients import Occurrence, Trigger
from tracker.notifications.subscribers import excerpt, tell
from tracker.returns import events as return_events
from tracker.returns.incidents import SERIOUS
from tracker.returns.models import ExpectedReturn, ReturnSchedule
from tracker.usecases.models import Incident, UseCase


def _occurrence(
    use_case: UseCase,
    trigger: Trigger,
    key: str,
    actor_id: int | None,
    title: str,
    body: str,
    endpoint: str = "usecases.detail",
    anchor: str = "expected-returns",
    **params: int,
) -> Occurrence:
    return Occurrence(
        trigger=trigger,
        key=key,
        actor_id=actor_id,
        title=f"{title}: {use_case.title}",
        body=body,
        endpoint=endpoint,
        url_params={"id": use_case.id, **params},
        anchor=anchor,
        use_case=use_case,
    )


@events.subscribe(return_events.ReturnScheduleSet)
def schedule_set(event: return_events.ReturnScheduleSet) -> None:
    schedule = db.session.get(ReturnSchedule, event.schedule_id)
    if schedule is None:
        return
    with language(ENGLISH):  # the notification's text is stored, in English like its title
        description = schedule.describe()
    tell(
        [
            _occurrence(
                schedule.use_case,
                Trigger.RETURN_SCHEDULE_SET,
                f"return_schedule:{schedule.id}:{schedule.version}",
                event.actor_id,
                "Reporting schedule",
                f"{schedule.use_case.reference}: {description}",
            )
        ]
    )


def _expected_text(expected: ExpectedReturn) -> str:
    text = f"{expected.use_case.reference}: a progress return for {expected.period_start:%d %b %Y}"
    text += f" to {expected.period_end:%d %b %Y}, due on {expected.due_on:%d %b %Y}."
    if expected.request:
        text += f"\n\n{excerpt(expected.request)}"
    return text


@events.subscribe(return_events.ReturnRequested)
def return_requested(event: return_events.ReturnRequested) -> None:
    expected = db.session.get(ExpectedReturn, event.expected_return_id)
    if expected is None:
        return
    tell(
        [
            _occurrence(
                expected.use_case,
                Trigger.RETURN_REQUESTED,
                f"expected_return:{expected.id}",
                event.actor_id,
                "Progress return requested",
                _expected_text(expected),
            )
        ]
    )


@events.subscribe(return_events.ExpectedReturnWaived)
def return_waived(event: return_events.ExpectedReturnWaived) -> None:
    expected = db.session.get(ExpectedReturn, event.expected_return_id)
    if expected is None:
        return
    tell(
        [
            _occurrence(
                expected.use_case,
                Trigger.RETURN_WAIVED,
                f"expected_return_waived:{expected.id}",
                event.actor_id,
                "Progress return no longer expected",
                f"{_expected_text(expected)}\n\nWaived: {excerpt(expected.waiver)}",
            )
        ]
    )


def incident_occurrence(
    incident: Incident, trigger: Trigger, key: str, actor_id: int | None, title: str, body: str
) -> Occurrence:
    return _occurrence(
        incident.use_case,
        trigger,
        key,
        actor_id,
        title,
        body,
        endpoint="usecases.incident",
        anchor="",
        incident_id=incident.id,
    )


@events.subscribe(return_events.IncidentReported)
def incident_reported(event: return_events.IncidentReported) -> None:
    incident = db.session.get(Incident, event.incident_id)
    if incident is None:
        return
    use_case = incident.use_case
    body = f"{use_case.reference}, {use_case.institution.name}: {incident.severity.label}. "
    body += excerpt(incident.description)
    if incident.severity in SERIOUS and incident.acknowledge_by is not None:
        trigger, title = Trigger.URGENT_INCIDENT, f"{incident.severity.label} incident reported"
        due = incident.acknowledge_by.replace(tzinfo=UTC).astimezone(
            ZoneInfo(current_app.config["TRACKER_TIMEZONE"])
        )
        body += f"\n\nAcknowledge it by {due:%d %b %Y %H:%M} ({due.tzname()})."
    else:
        trigger, title = Trigger.INCIDENT_REPORTED, "Incident reported"
    tell(
        [
            incident_occurrence(
                incident, trigger, f"incident_report:{incident.id}", event.actor_id, title, body
            )
        ]
    )


@events.subscribe(return_events.IncidentAcknowledged)
def incident_acknowledged(event: return_events.IncidentAcknowledged) -> None:
    incident = db.session.get(Incident, event.incident_id)
    if incident is None:
        return
    body = f"{incident.severity.label}: {excerpt(incident.description)}"
    if incident.acknowledgement:
        body += f"\n\n{excerpt(incident.acknowledgement)}"
    tell(
        [
            incident_occurrence(
                incident,
                Trigger.INCIDENT_ACKNOWLEDGED,
                f"incident_ack:{incident.id}",
                event.actor_id,
                "Incident acknowledged",
                body,
            )
        ]
    )
