"""The kinds of notification a user chooses how to receive, as data.

A kind is what the preferences page lists and what ``Notification.kind`` stores. Adding one (a
return falling due, a password reset) is a new entry here; no table changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.notifications.models import Delivery


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    # Decisions on one's own proposal cannot be turned off.
    mandatory: bool = False
    default: Delivery = Delivery.IMMEDIATE

    @property
    def choices(self) -> tuple[Delivery, ...]:
        if self.mandatory:
            return (Delivery.IMMEDIATE, Delivery.DIGEST)
        return tuple(Delivery)


# fmt: off
KINDS: tuple[Kind, ...] = (
    Kind("changes_requested", "The regulator asks for changes to your proposal", mandatory=True),
    Kind("proposal_decided", "Your proposal is selected or rejected", mandatory=True),
    Kind("pilot_decided",
         "Your pilot starts, is suspended, resumes, is discontinued or approved for production",
         mandatory=True),
    Kind("review_started", "The regulator starts reviewing your proposal"),
    Kind("return_comment", "The regulator comments on your progress return"),
    Kind("milestone", "A milestone of your pilot is set or updated", default=Delivery.DIGEST),
    Kind("draft_created", "A colleague starts a draft", default=Delivery.DIGEST),
    Kind("proposal_received", "A proposal is submitted or resubmitted"),
    Kind("withdrawn", "A proposal is withdrawn"),
    Kind("return_filed", "A progress return is filed"),
    Kind("incident_reported", "A return reports a high or critical incident"),
    Kind("boundary_breached", "A return goes beyond its sandbox plan's boundaries"),
    Kind("incident_resolved", "An incident is closed", default=Delivery.DIGEST),
    Kind("message", "A new message on a use case"),
    Kind("internal_note", "An internal note from colleagues", default=Delivery.DIGEST),
    Kind("document", "A document is added to a use case", default=Delivery.DIGEST),
    Kind("review_saved", "Another reviewer scores a proposal you scored",
         default=Delivery.DIGEST),
    Kind("decision_recorded", "A decision on a use case you scored or supervise",
         default=Delivery.DIGEST),
    Kind("partner_update", "A use case naming your organisation moves on",
         default=Delivery.DIGEST),
    Kind("report_ready", "A report you asked for is ready"),
)
# fmt: on

KIND: dict[str, Kind] = {k.name: k for k in KINDS}
assert len(KIND) == len(KINDS), "kind names are unique"
