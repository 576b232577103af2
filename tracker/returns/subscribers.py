"""What the recipients table tells of schedules, requested returns and incidents reported on
their own (the reminders are told by their job, ``tracker.returns.reminders``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from zoneinfo import ZoneInfo

from flask import current_app

from tracker import events
from tracker.extensions import db
from tracker.i18n import N_
from tracker.notifications.recipients import Occurrence, Trigger
from tracker.notifications.subscribers import excerpt, tell
from tracker.notifications.text import Named, Text, _l, joined
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
    body: str | Text,
    endpoint: str = "usecases.detail",
    anchor: str = "expected-returns",
    **params: int,
) -> Occurrence:
    """``title`` is a message of the catalogue (marked with ``N_``); the texts are rendered in
    each recipient's language (tracker/notifications/text.py)."""
    return Occurrence(
        trigger=trigger,
        key=key,
        actor_id=actor_id,
        title=_l("%(what)s: %(title)s", what=_l(title), title=use_case.title),
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
    tell(
        [
            _occurrence(
                schedule.use_case,
                Trigger.RETURN_SCHEDULE_SET,
                f"return_schedule:{schedule.id}:{schedule.version}",
                event.actor_id,
                N_("Reporting schedule"),
                _l(
                    "%(reference)s: %(schedule)s",
                    reference=schedule.use_case.reference,
                    schedule=Described(schedule),
                ),
            )
        ]
    )


def _expected_text(expected: ExpectedReturn) -> Text:
    text = _l(
        "%(reference)s: a progress return for %(start)s to %(end)s, due on %(due)s.",
        reference=expected.use_case.reference,
        start=expected.period_start,
        end=expected.period_end,
        due=expected.due_on,
    )
    if expected.request:
        return joined(text, "\n\n", excerpt(expected.request))
    return text


@dataclass(frozen=True)
class Described:
    """A schedule's description in the language rendered in."""

    schedule: ReturnSchedule

    def __str__(self) -> str:
        return self.schedule.describe()


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
                N_("Progress return requested"),
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
                N_("Progress return no longer expected"),
                joined(
                    _expected_text(expected),
                    "\n\n",
                    _l("Waived: %(reason)s", reason=excerpt(expected.waiver)),
                ),
            )
        ]
    )


def incident_occurrence(
    incident: Incident,
    trigger: Trigger,
    key: str,
    actor_id: int | None,
    title: str,
    body: str | Text,
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
    body: Text = _l(
        "%(reference)s, %(institution)s: %(severity)s. %(description)s",
        reference=use_case.reference,
        institution=Named(use_case.institution),
        severity=incident.severity,
        description=excerpt(incident.description),
    )
    if incident.severity in SERIOUS and incident.acknowledge_by is not None:
        trigger = Trigger.URGENT_INCIDENT
        title = (
            N_("High incident reported")
            if incident.severity.value == "high"
            else N_("Critical incident reported")
        )
        due = incident.acknowledge_by.replace(tzinfo=UTC).astimezone(
            ZoneInfo(current_app.config["TRACKER_TIMEZONE"])
        )
        body = joined(
            body,
            "\n\n",
            _l(
                "Acknowledge it by %(day)s %(time)s (%(zone)s).",
                day=due.date(),
                time=f"{due:%H:%M}",
                zone=due.tzname() or "",
            ),
        )
    else:
        trigger, title = Trigger.INCIDENT_REPORTED, N_("Incident reported")
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
    body: Text = _l(
        "%(severity)s: %(description)s",
        severity=incident.severity,
        description=excerpt(incident.description),
    )
    if incident.acknowledgement:
        body = joined(body, "\n\n", excerpt(incident.acknowledgement))
    tell(
        [
            incident_occurrence(
                incident,
                Trigger.INCIDENT_ACKNOWLEDGED,
                f"incident_ack:{incident.id}",
                event.actor_id,
                N_("Incident acknowledged"),
                body,
            )
        ]
    )
