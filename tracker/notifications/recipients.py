"""Who is told of what: one literal table from what happened to the people told, by role and
relation to the use case. Visibility always has the last word: a recipient who may not see the
use case (a draft outside its institution, a use case not naming a partner) or an internal note
(anyone outside the regulator side) is never told, whatever the table says.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from tracker.auth.models import Role, User
from tracker.enums import LabelledEnum
from tracker.extensions import db
from tracker.notifications.kinds import KIND
from tracker.notifications.text import Text
from tracker.usecases.models import Review, UseCase
from tracker.usecases.workflow import TRANSITIONS


class Trigger(LabelledEnum):
    """What happened. The transitions carry their names in ``workflow.TRANSITIONS``."""

    DRAFT_CREATED = ("draft_created", "A draft is created")
    SUBMIT = ("submit", "A proposal is submitted")
    RESUBMIT = ("resubmit", "A proposal is resubmitted with changes")
    WITHDRAW = ("withdraw", "A use case is withdrawn")
    START_REVIEW = ("start_review", "The review starts")
    REQUEST_CHANGES = ("request_changes", "Changes are requested")
    SELECT = ("select", "A proposal is selected")
    REJECT = ("reject", "A proposal is rejected")
    START_PILOT = ("start_pilot", "A pilot starts")
    SUSPEND = ("suspend", "A pilot is suspended")
    RESUME = ("resume", "A pilot resumes")
    APPROVE_PRODUCTION = ("approve_production", "Production is approved")
    DISCONTINUE = ("discontinue", "A use case is discontinued")
    REVIEW_SAVED = ("review_saved", "A reviewer saves a review")
    REVIEWER_ASSIGNED = ("reviewer_assigned", "A committee member is assigned to a proposal")
    RETURN_FILED = ("return_filed", "A progress return is filed")
    SERIOUS_INCIDENT = ("serious_incident", "A return reports a high or critical incident")
    BOUNDARY_BREACHED = ("boundary_breached", "A return breaches its sandbox plan's boundary")
    RETURN_COMMENTED = ("return_commented", "The regulator comments on a return")
    INCIDENT_RESOLVED = ("incident_resolved", "An incident is closed")
    MESSAGE_FROM_INSTITUTION = ("message_from_institution", "The institution posts a message")
    MESSAGE_FROM_REGULATOR = ("message_from_regulator", "The regulator posts a message")
    INTERNAL_NOTE = ("internal_note", "The regulator posts an internal note")
    DOCUMENT_FROM_INSTITUTION = ("document_from_institution", "The institution adds a document")
    DOCUMENT_FROM_REGULATOR = ("document_from_regulator", "The regulator adds a document")
    MILESTONE_SAVED = ("milestone_saved", "A milestone is set or updated")
    EVIDENCE_REVIEWED = ("evidence_reviewed", "The regulator marks AI evidence reviewed")
    EVIDENCE_COMMENTED = ("evidence_commented", "The regulator comments on AI evidence")
    REPORT_ISSUED = ("report_issued", "A requested report is ready")
    RETURN_SCHEDULE_SET = ("return_schedule_set", "A pilot's reporting schedule is set")
    RETURN_REQUESTED = ("return_requested", "A return is asked for, or falls due after a milestone")
    RETURN_WAIVED = ("return_waived", "An expected return is waived")
    RETURN_DUE = ("return_due", "An expected return falls due soon (the daily reminder)")
    RETURN_OVERDUE = ("return_overdue", "An expected return is overdue")
    RETURN_ESCALATED = ("return_escalated", "An expected return is past the escalation threshold")
    INCIDENT_REPORTED = ("incident_reported", "A low or medium incident is reported on its own")
    URGENT_INCIDENT = ("urgent_incident", "A high or critical incident is reported on its own")
    INCIDENT_ACKNOWLEDGED = ("incident_acknowledged", "The regulator acknowledges an incident")
    CLOCK_DUE_SOON = ("clock_due_soon", "A stage clock falls due soon (daily check)")
    CLOCK_OVERDUE = ("clock_overdue", "A stage clock is overdue (daily check)")


class Audience(LabelledEnum):
    """People by role and relation to what happened."""

    LEAD_STAFF = ("lead_staff", "Lead regulator's staff of the programme")
    REMIT_STAFF = (
        "remit_staff",
        "Participating regulators' staff, where their regulator supervises the institution",
    )
    INSTITUTION = ("institution", "The institution's users")
    PARTNERS = ("partners", "The technology partners' users")
    REVIEWERS = (
        "reviewers",
        "Reviewers who scored it, and on a committee's cohort those assigned to it (not recused)",
    )
    ASSIGNEE = ("assignee", "The reviewer assigned")
    SUPERVISORS = (
        "supervisors",
        "Supervisors of the lead regulator and of the institution's regulator",
    )
    REQUESTER = ("requester", "Whoever asked for it")
    ADMINS = ("admins", "Administrators")


@dataclass(frozen=True)
class Rule:
    trigger: Trigger
    kind: str
    audiences: tuple[Audience, ...]


A = Audience
T = Trigger
_DECIDED = (A.REVIEWERS, A.SUPERVISORS)

# fmt: off
RULES: tuple[Rule, ...] = (
    Rule(T.DRAFT_CREATED, "draft_created", (A.INSTITUTION,)),
    Rule(T.SUBMIT, "proposal_received", (A.LEAD_STAFF, A.REMIT_STAFF)),
    Rule(T.RESUBMIT, "proposal_received", (A.LEAD_STAFF, A.REMIT_STAFF, A.REVIEWERS)),
    Rule(T.WITHDRAW, "withdrawn", (A.LEAD_STAFF, A.REMIT_STAFF, A.REVIEWERS, A.SUPERVISORS)),
    Rule(T.WITHDRAW, "partner_update", (A.PARTNERS,)),
    Rule(T.START_REVIEW, "review_started", (A.INSTITUTION,)),
    Rule(T.REQUEST_CHANGES, "changes_requested", (A.INSTITUTION,)),
    Rule(T.SELECT, "proposal_decided", (A.INSTITUTION,)),
    Rule(T.SELECT, "partner_update", (A.PARTNERS,)),
    Rule(T.SELECT, "decision_recorded", _DECIDED),
    Rule(T.REJECT, "proposal_decided", (A.INSTITUTION,)),
    Rule(T.REJECT, "partner_update", (A.PARTNERS,)),
    Rule(T.REJECT, "decision_recorded", _DECIDED),
    Rule(T.START_PILOT, "pilot_decided", (A.INSTITUTION,)),
    Rule(T.START_PILOT, "partner_update", (A.PARTNERS,)),
    Rule(T.START_PILOT, "decision_recorded", (A.SUPERVISORS,)),
    Rule(T.SUSPEND, "pilot_decided", (A.INSTITUTION,)),
    Rule(T.SUSPEND, "partner_update", (A.PARTNERS,)),
    Rule(T.SUSPEND, "decision_recorded", (A.LEAD_STAFF, A.SUPERVISORS)),
    Rule(T.RESUME, "pilot_decided", (A.INSTITUTION,)),
    Rule(T.RESUME, "partner_update", (A.PARTNERS,)),
    Rule(T.RESUME, "decision_recorded", (A.LEAD_STAFF, A.SUPERVISORS)),
    Rule(T.APPROVE_PRODUCTION, "pilot_decided", (A.INSTITUTION,)),
    Rule(T.APPROVE_PRODUCTION, "partner_update", (A.PARTNERS,)),
    Rule(T.APPROVE_PRODUCTION, "decision_recorded", _DECIDED),
    Rule(T.DISCONTINUE, "pilot_decided", (A.INSTITUTION,)),
    Rule(T.DISCONTINUE, "partner_update", (A.PARTNERS,)),
    Rule(T.DISCONTINUE, "decision_recorded", (A.LEAD_STAFF, A.SUPERVISORS)),
    Rule(T.REVIEW_SAVED, "review_saved", (A.REVIEWERS,)),
    Rule(T.REVIEWER_ASSIGNED, "review_assigned", (A.ASSIGNEE,)),
    Rule(T.RETURN_FILED, "return_filed", (A.LEAD_STAFF, A.REMIT_STAFF)),
    Rule(T.SERIOUS_INCIDENT, "incident_reported", (A.LEAD_STAFF, A.SUPERVISORS, A.ADMINS)),
    Rule(T.BOUNDARY_BREACHED, "boundary_breached", (A.LEAD_STAFF, A.REMIT_STAFF, A.SUPERVISORS)),
    Rule(T.RETURN_COMMENTED, "return_comment", (A.INSTITUTION,)),
    Rule(T.INCIDENT_RESOLVED, "incident_resolved", (A.INSTITUTION, A.LEAD_STAFF)),
    Rule(T.MESSAGE_FROM_INSTITUTION, "message", (A.LEAD_STAFF, A.REMIT_STAFF, A.REVIEWERS)),
    Rule(T.MESSAGE_FROM_REGULATOR, "message", (A.INSTITUTION, A.LEAD_STAFF, A.REMIT_STAFF)),
    Rule(T.INTERNAL_NOTE, "internal_note",
         (A.LEAD_STAFF, A.REMIT_STAFF, A.REVIEWERS, A.SUPERVISORS)),
    Rule(T.DOCUMENT_FROM_INSTITUTION, "document", (A.LEAD_STAFF, A.REMIT_STAFF, A.REVIEWERS)),
    Rule(T.DOCUMENT_FROM_REGULATOR, "document", (A.INSTITUTION,)),
    Rule(T.MILESTONE_SAVED, "milestone", (A.INSTITUTION,)),
    Rule(T.EVIDENCE_REVIEWED, "evidence_review", (A.INSTITUTION,)),
    Rule(T.EVIDENCE_COMMENTED, "evidence_review", (A.INSTITUTION,)),
    Rule(T.REPORT_ISSUED, "report_ready", (A.REQUESTER,)),
    Rule(T.RETURN_SCHEDULE_SET, "return_schedule", (A.INSTITUTION,)),
    Rule(T.RETURN_REQUESTED, "return_requested", (A.INSTITUTION,)),
    Rule(T.RETURN_WAIVED, "return_schedule", (A.INSTITUTION,)),
    Rule(T.RETURN_DUE, "return_due", (A.INSTITUTION,)),
    Rule(T.RETURN_OVERDUE, "return_overdue", (A.INSTITUTION, A.LEAD_STAFF)),
    Rule(T.RETURN_ESCALATED, "return_escalated", (A.SUPERVISORS,)),
    Rule(T.INCIDENT_REPORTED, "incident_logged", (A.LEAD_STAFF, A.REMIT_STAFF)),
    Rule(T.URGENT_INCIDENT, "incident_urgent", (A.LEAD_STAFF,)),
    Rule(T.URGENT_INCIDENT, "incident_reported", (A.SUPERVISORS, A.ADMINS)),
    Rule(T.INCIDENT_ACKNOWLEDGED, "incident_acknowledged", (A.INSTITUTION,)),
    # The regulator's own clocks are regulator-only occurrences: institutions hear of their
    # clock (the answer to a change request) and their pilot's.
    Rule(T.CLOCK_DUE_SOON, "clock_due_soon", (A.LEAD_STAFF, A.INSTITUTION)),
    Rule(T.CLOCK_OVERDUE, "clock_overdue", (A.LEAD_STAFF, A.INSTITUTION)),
)
# fmt: on

assert all(rule.kind in KIND for rule in RULES), "every rule names a known kind"
assert {t.name for t in TRANSITIONS} <= {t.value for t in Trigger}, "every transition is a trigger"


def rules_for(trigger: Trigger) -> list[Rule]:
    return [rule for rule in RULES if rule.trigger is trigger]


@dataclass
class Occurrence:
    """One thing that happened, ready to tell people of: what the notification says, where it
    links to, and what a recipient must be able to see."""

    trigger: Trigger
    key: str
    actor_id: int | None
    # Plain text, or a Text rendered in each recipient's language (tracker.notifications.text).
    title: str | Text
    endpoint: str
    url_params: dict[str, Any] = field(default_factory=dict)
    body: str | Text = ""
    anchor: str = ""
    use_case: UseCase | None = None
    report_id: int | None = None
    requester_id: int | None = None
    # A committee's assignment: told to the reviewer, an external expert included, who sees
    # the proposal on the committee's pages rather than the use case's (so ``use_case`` is
    # left empty and the page it links to checks the assignment).
    assignee_id: int | None = None
    # Internal notes: the regulator side only.
    regulator_only: bool = False


def _active(role: Role) -> sa.ColumnElement[bool]:
    return sa.and_(User.role == role, User.active.is_(True))


def audience_filter(audience: Audience, occurrence: Occurrence) -> sa.ColumnElement[bool]:
    """A WHERE clause on users: the people of ``audience`` for this occurrence."""
    use_case = occurrence.use_case
    if audience is Audience.REQUESTER:
        if occurrence.requester_id is None:
            return sa.false()
        return sa.and_(User.id == occurrence.requester_id, User.active.is_(True))
    if audience is Audience.ASSIGNEE:
        if occurrence.assignee_id is None:
            return sa.false()
        return sa.and_(User.id == occurrence.assignee_id, User.active.is_(True))
    if audience is Audience.ADMINS:
        return _active(Role.ADMIN)
    if use_case is None:
        return sa.false()
    programme = use_case.cohort.programme
    supervised_by = use_case.institution.regulator_id
    if audience is Audience.LEAD_STAFF:
        return sa.and_(_active(Role.REGULATOR), User.regulator_id == programme.lead_regulator_id)
    if audience is Audience.REMIT_STAFF:
        participants = [r.id for r in programme.participants if r.id != programme.lead_regulator_id]
        if supervised_by is None or supervised_by not in participants:
            return sa.false()
        return sa.and_(_active(Role.REGULATOR), User.regulator_id == supervised_by)
    if audience is Audience.INSTITUTION:
        return sa.and_(_active(Role.INSTITUTION), User.institution_id == use_case.institution_id)
    if audience is Audience.PARTNERS:
        partner_ids = [p.id for p in use_case.partners]
        return sa.and_(_active(Role.INSTITUTION), User.institution_id.in_(partner_ids))
    if audience is Audience.REVIEWERS:
        from tracker.committee.models import Assignment, Declaration

        return sa.and_(
            User.active.is_(True),
            sa.or_(
                User.id.in_(sa.select(Review.reviewer_id).where(Review.use_case_id == use_case.id)),
                User.id.in_(
                    sa.select(Assignment.reviewer_id).where(
                        Assignment.use_case_id == use_case.id,
                        Assignment.declaration != Declaration.CONFLICT,
                    )
                ),
            ),
        )
    if audience is Audience.SUPERVISORS:
        regulators = {programme.lead_regulator_id, supervised_by} - {None}
        return sa.and_(_active(Role.SUPERVISOR), User.regulator_id.in_(regulators))
    raise AssertionError(audience)


def recipients(occurrence: Occurrence) -> list[tuple[User, str]]:
    """The people to tell and the kind each is told under, first rule first, each person once,
    never the actor and never anyone who may not see it now."""
    from tracker.notifications.permissions import may_see_occurrence

    chosen: list[tuple[User, str]] = []
    seen: set[int] = set()
    for rule in rules_for(occurrence.trigger):
        for audience in rule.audiences:
            users: Iterable[User] = db.session.scalars(
                sa.select(User).where(audience_filter(audience, occurrence)).order_by(User.id)
            )
            for user in users:
                if user.id in seen or user.id == occurrence.actor_id:
                    continue
                seen.add(user.id)
                if may_see_occurrence(user, occurrence):
                    chosen.append((user, rule.kind))
    return chosen
