"""The kinds of notification a user chooses how to receive, as data.

A kind is what the preferences page lists and what ``Notification.kind`` stores. Adding one (a
return falling due, a password reset) is a new entry here; no table changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.i18n import N_
from tracker.notifications.models import Delivery


@dataclass(frozen=True)
class Kind:
    name: str
    # In the catalogue (N_); shown through gettext where it is shown.
    label: str
    # Decisions on one's own proposal cannot be turned off.
    mandatory: bool = False
    default: Delivery = Delivery.IMMEDIATE
    # Told at once, whatever the user chose: an incident that starts the regulator's clock.
    urgent: bool = False

    @property
    def choices(self) -> tuple[Delivery, ...]:
        if self.urgent:
            return (Delivery.IMMEDIATE,)
        if self.mandatory:
            return (Delivery.IMMEDIATE, Delivery.DIGEST)
        return tuple(Delivery)


# fmt: off
KINDS: tuple[Kind, ...] = (
    Kind("changes_requested", N_("The regulator asks for changes to your proposal"),
         mandatory=True),
    Kind("proposal_decided", N_("Your proposal is selected or rejected"), mandatory=True),
    Kind("pilot_decided",
         N_("Your pilot starts, is suspended, resumes, is discontinued or approved for production"),
         mandatory=True),
    Kind("review_started", N_("The regulator starts reviewing your proposal")),
    Kind("return_comment", N_("The regulator comments on your progress return")),
    Kind("milestone", N_("A milestone of your pilot is set or updated"), default=Delivery.DIGEST),
    Kind("evidence_review", N_("The regulator reviews or comments on your AI evidence")),
    Kind("draft_created", N_("A colleague starts a draft"), default=Delivery.DIGEST),
    Kind("proposal_received", N_("A proposal is submitted or resubmitted")),
    Kind("withdrawn", N_("A proposal is withdrawn")),
    Kind("return_filed", N_("A progress return is filed")),
    Kind("incident_reported", N_("A return reports a high or critical incident")),
    Kind("boundary_breached", N_("A return goes beyond its sandbox plan's boundaries")),
    Kind("incident_resolved", N_("An incident is closed"), default=Delivery.DIGEST),
    Kind("message", N_("A new message on a use case")),
    Kind("internal_note", N_("An internal note from colleagues"), default=Delivery.DIGEST),
    Kind("document", N_("A document is added to a use case"), default=Delivery.DIGEST),
    Kind("review_assigned", N_("You are assigned to review a proposal for a selection committee")),
    Kind("review_saved", N_("Another reviewer scores a proposal you scored"),
         default=Delivery.DIGEST),
    Kind("decision_recorded", N_("A decision on a use case you scored or supervise"),
         default=Delivery.DIGEST),
    Kind("partner_update", N_("A use case naming your organisation moves on"),
         default=Delivery.DIGEST),
    Kind("report_ready", N_("A report you asked for is ready")),
    Kind("return_schedule", N_("The reporting schedule of your pilot is set or changed")),
    Kind("return_requested", N_("The regulator asks for a progress return"), mandatory=True),
    Kind("return_due", N_("A progress return of your pilot falls due soon")),
    Kind("return_overdue", N_("A progress return is overdue"), mandatory=True),
    Kind("return_escalated", N_("A progress return is long overdue"), mandatory=True),
    Kind("incident_urgent", N_("A high or critical incident is reported: acknowledge it"),
         mandatory=True, urgent=True),
    Kind("incident_logged", N_("An incident is reported outside a return")),
    Kind("incident_acknowledged", N_("The regulator acknowledges an incident you reported")),
    Kind("clock_due_soon", N_("A stage clock falls due within a few working days"),
         default=Delivery.DIGEST),
    Kind("clock_overdue", N_("A stage clock is overdue")),
)
# fmt: on

KIND: dict[str, Kind] = {k.name: k for k in KINDS}
assert len(KIND) == len(KINDS), "kind names are unique"


@dataclass(frozen=True)
class AccountMail:
    """An e-mail about the account itself, carrying a single-use link. It is not a notification:
    nobody may turn it off or have it in a digest (the link would expire), it never shows in
    the notification centre, and it goes to the account's own address at once, through the
    same outbox and queue as every e-mail."""

    name: str
    label: str
    subject: str


ACCOUNT_MAILS: tuple[AccountMail, ...] = (
    AccountMail(
        "password_reset",
        N_("A link to choose a new password, asked for on the sign-in page"),
        N_("Reset your Sandbox Tracker password"),
    ),
    AccountMail(
        "invitation",
        N_("An administrator opened an account: a link to choose its password"),
        N_("You are invited to Sandbox Tracker"),
    ),
)
ACCOUNT_MAIL: dict[str, AccountMail] = {m.name: m for m in ACCOUNT_MAILS}
assert not set(ACCOUNT_MAIL) & set(KIND), "account e-mails are not notification kinds"
