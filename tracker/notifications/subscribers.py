"""The subscribers: each domain event, once committed, becomes what the recipients table tells
people of. Each runs its own unit of work, so the notifications and their outbox rows are
committed together, and the rows go to the job queue only after that commit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tracker import events
from tracker.auth.models import User
from tracker.committee import events as committee_events
from tracker.committee.models import Assignment
from tracker.evidence.events import EvidenceCommented, EvidenceReviewed
from tracker.evidence.models import EvidenceActivity, EvidenceEntry
from tracker.extensions import db
from tracker.i18n import N_
from tracker.notifications import jobs, services
from tracker.notifications.recipients import Occurrence, Trigger
from tracker.notifications.text import Text, _l, cohort_name, joined
from tracker.reports.models import IssuedReport, ReportRequest
from tracker.unit_of_work import unit_of_work
from tracker.usecases.models import (
    Document,
    Incident,
    Message,
    Milestone,
    ProgressReturn,
    ReturnComment,
    Review,
    Severity,
    StageTransition,
    UseCase,
)

log = logging.getLogger(__name__)

E = TypeVar("E", bound=events.Event)
SERIOUS = (Severity.HIGH, Severity.CRITICAL)
EXCERPT = 600


def excerpt(text: str | None) -> str:
    text = (text or "").strip()
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def tell(occurrences: list[Occurrence]) -> None:
    """Record the notifications in one transaction. Two dispatches of one event racing each
    other: the loser's insert breaks the unique (event, recipient) and it runs again, finding
    everyone told."""
    for attempt in (1, 2):
        try:
            with unit_of_work("notification.notify"):
                mail_ids = [
                    n.mail_id
                    for occurrence in occurrences
                    for n in services.notify(occurrence)
                    if n.mail_id is not None
                ]
            jobs.send_all(mail_ids)
            return
        except IntegrityError:
            if attempt == 2:
                raise
            log.info("notifications raced for %s; trying again", [o.key for o in occurrences])


@events.subscribe(events.AccountMailQueued)
def send_account_mail(event: events.AccountMailQueued) -> None:
    """A password-reset or invitation e-mail goes to the queue once its row is committed."""
    jobs.send_all([event.mail_id])


def _subscriber(event_type: type[E]) -> Callable[[Callable[[E], list[Occurrence]]], None]:
    """Register ``build`` (event → occurrences) as a subscriber of ``event_type``."""

    def register(build: Callable[[E], list[Occurrence]]) -> None:
        def handle(event: E) -> None:
            occurrences = build(event)
            if occurrences:
                tell(occurrences)

        handle.__name__ = f"notify_{build.__name__}"
        events.subscribe(event_type)(handle)

    return register


def _use_case(use_case_id: int) -> UseCase | None:
    return db.session.get(UseCase, use_case_id)


def _detail(
    use_case: UseCase,
    trigger: Trigger,
    key: str,
    actor_id: int | None,
    title: str,
    body: str | Text = "",
    anchor: str = "",
    regulator_only: bool = False,
) -> Occurrence:
    """``title`` is a message of the catalogue (marked with ``N_``), shown before the use
    case's title."""
    return Occurrence(
        trigger=trigger,
        key=key,
        actor_id=actor_id,
        title=_l("%(what)s: %(title)s", what=_l(title), title=use_case.title),
        body=body,
        endpoint="usecases.detail",
        url_params={"id": use_case.id},
        anchor=anchor,
        use_case=use_case,
        regulator_only=regulator_only,
    )


@_subscriber(events.DraftCreated)
def draft_created(event: events.DraftCreated) -> list[Occurrence]:
    use_case = _use_case(event.use_case_id)
    if use_case is None:
        return []
    author = db.session.get(User, event.actor_id) if event.actor_id else None
    started = (
        _l("%(reference)s was started by %(name)s.", reference=use_case.reference, name=author.name)
        if author
        else _l("%(reference)s was started.", reference=use_case.reference)
    )
    return [
        _detail(
            use_case,
            Trigger.DRAFT_CREATED,
            f"draft:{use_case.id}",
            event.actor_id,
            N_("New draft"),
            started,
        )
    ]


# What the institution is told of each transition, before the reason.
MOVED_TITLES: dict[str, str] = {
    "submit": N_("New proposal"),
    "resubmit": N_("Proposal resubmitted"),
    "withdraw": N_("Withdrawn"),
    "start_review": N_("Review started"),
    "request_changes": N_("Changes requested"),
    "select": N_("Selected for a pilot"),
    "reject": N_("Not selected"),
    "start_pilot": N_("Pilot started"),
    "suspend": N_("Pilot suspended"),
    "resume": N_("Pilot resumed"),
    "approve_production": N_("Approved for production"),
    "discontinue": N_("Discontinued"),
}


def moved_occurrence(moved: StageTransition) -> Occurrence | None:
    """What a move of stage tells, from its history row."""
    use_case = moved.use_case
    if moved.action not in MOVED_TITLES:
        return None
    body: str | Text = _l(
        "%(reference)s, %(institution)s, %(cohort)s.",
        reference=use_case.reference,
        institution=use_case.institution.name,
        cohort=cohort_name(use_case.cohort),
    )
    if moved.reason:
        body = joined(body, f"\n\n{excerpt(moved.reason)}")
    return _detail(
        use_case,
        Trigger(moved.action),
        f"transition:{moved.id}",
        moved.actor_id,
        MOVED_TITLES[moved.action],
        body,
        anchor="timeline-h",
    )


@_subscriber(events.UseCaseMoved)
def use_case_moved(event: events.UseCaseMoved) -> list[Occurrence]:
    # The history row of this move: the newest of its kind on the use case.
    moved = db.session.scalar(
        sa.select(StageTransition)
        .where(
            StageTransition.use_case_id == event.use_case_id,
            StageTransition.action == event.transition,
        )
        .order_by(StageTransition.id.desc())
        .limit(1)
    )
    occurrence = moved_occurrence(moved) if moved is not None else None
    return [occurrence] if occurrence else []


@_subscriber(events.ReviewSaved)
def review_saved(event: events.ReviewSaved) -> list[Occurrence]:
    use_case = _use_case(event.use_case_id)
    review = db.session.scalar(
        sa.select(Review).where(
            Review.use_case_id == event.use_case_id, Review.reviewer_id == event.actor_id
        )
    )
    if use_case is None or review is None:
        return []
    return [
        _detail(
            use_case,
            Trigger.REVIEW_SAVED,
            f"review:{review.id}:{review.at.isoformat()}",
            event.actor_id,
            N_("Review saved"),
            _l(
                "%(name)s scored %(reference)s: %(total)s in all.",
                name=review.reviewer.name,
                reference=use_case.reference,
                total=review.total,
            ),
            anchor="reviews",
        )
    ]


@_subscriber(events.ReturnFiled)
def return_filed(event: events.ReturnFiled) -> list[Occurrence]:
    filed = db.session.get(ProgressReturn, event.return_id)
    return return_occurrences(filed, event.actor_id) if filed is not None else []


def return_occurrences(filed: ProgressReturn, actor_id: int | None) -> list[Occurrence]:
    """A filed return, and its serious incidents if it reports any."""
    use_case = filed.use_case
    params = {"id": use_case.id, "return_id": filed.id}
    period = _l("%(start)s to %(end)s", start=filed.period_start, end=filed.period_end)
    occurrences = [
        Occurrence(
            trigger=Trigger.RETURN_FILED,
            key=f"return:{filed.id}",
            actor_id=actor_id,
            title=_l("Progress return filed: %(title)s", title=use_case.title),
            body=_l(
                "%(reference)s: %(period)s, rated %(rag)s.",
                reference=use_case.reference,
                period=period,
                rag=filed.rag,
            ),
            endpoint="usecases.return_detail",
            url_params=params,
            use_case=use_case,
        )
    ]
    serious = [i for i in filed.incidents if i.severity in SERIOUS]
    if serious:
        lines: list[str | Text] = []
        for i in serious:
            lines += [
                "\n",
                _l("- %(severity)s: %(text)s", severity=i.severity, text=excerpt(i.description)),
            ]
        occurrences.append(
            Occurrence(
                trigger=Trigger.SERIOUS_INCIDENT,
                key=f"incident:{filed.id}",
                actor_id=actor_id,
                title=_l("Serious incident reported: %(title)s", title=use_case.title),
                body=joined(
                    _l(
                        "%(reference)s, return for %(period)s:",
                        reference=use_case.reference,
                        period=period,
                    ),
                    *lines,
                ),
                endpoint="usecases.return_detail",
                url_params=params,
                use_case=use_case,
            )
        )
    return occurrences


@_subscriber(events.ReturnCommented)
def return_commented(event: events.ReturnCommented) -> list[Occurrence]:
    comment = db.session.scalar(
        sa.select(ReturnComment)
        .where(ReturnComment.return_id == event.return_id)
        .order_by(ReturnComment.id.desc())
        .limit(1)
    )
    return [comment_occurrence(comment)] if comment is not None else []


def comment_occurrence(comment: ReturnComment) -> Occurrence:
    use_case = comment.progress_return.use_case
    return Occurrence(
        trigger=Trigger.RETURN_COMMENTED,
        key=f"return_comment:{comment.id}",
        actor_id=comment.author_id,
        title=_l("Comment on your progress return: %(title)s", title=use_case.title),
        body=f"{comment.author.name}: {excerpt(comment.body)}",
        endpoint="usecases.return_detail",
        url_params={"id": use_case.id, "return_id": comment.return_id},
        use_case=use_case,
    )


@_subscriber(events.IncidentResolved)
def incident_resolved(event: events.IncidentResolved) -> list[Occurrence]:
    incident = db.session.get(Incident, event.incident_id)
    if incident is None:
        return []
    use_case = _use_case(incident.use_case_id)
    if use_case is None:
        return []
    endpoint, params = "usecases.incident", {"id": use_case.id, "incident_id": incident.id}
    if incident.return_id is not None:
        endpoint, params = (
            "usecases.return_detail",
            {"id": use_case.id, "return_id": incident.return_id},
        )
    return [
        Occurrence(
            trigger=Trigger.INCIDENT_RESOLVED,
            key=f"incident_resolved:{incident.id}",
            actor_id=event.actor_id,
            title=_l("Incident closed: %(title)s", title=use_case.title),
            body=joined(
                _l(
                    "%(severity)s: %(text)s",
                    severity=incident.severity,
                    text=excerpt(incident.description),
                ),
                "\n\n",
                _l("Resolution: %(text)s", text=excerpt(incident.resolution)),
            ),
            endpoint=endpoint,
            url_params=params,
            use_case=use_case,
        )
    ]


@_subscriber(events.MessagePosted)
def message_posted(event: events.MessagePosted) -> list[Occurrence]:
    message = db.session.get(Message, event.message_id)
    return [message_occurrence(message)] if message is not None else []


def message_occurrence(message: Message) -> Occurrence:
    use_case = db.session.get(UseCase, message.use_case_id)
    assert use_case is not None
    if message.internal:
        trigger, title = Trigger.INTERNAL_NOTE, N_("Internal note")
    elif message.author.is_institution_user:
        trigger, title = Trigger.MESSAGE_FROM_INSTITUTION, N_("New message")
    else:
        trigger, title = Trigger.MESSAGE_FROM_REGULATOR, N_("New message")
    return _detail(
        use_case,
        trigger,
        f"message:{message.id}",
        message.author_id,
        title,
        f"{message.author.name}: {excerpt(message.body)}",
        anchor="messages",
        regulator_only=message.internal,
    )


@_subscriber(events.DocumentAdded)
def document_added(event: events.DocumentAdded) -> list[Occurrence]:
    document = db.session.get(Document, event.document_id)
    use_case = _use_case(event.use_case_id)
    if document is None or use_case is None:
        return []
    by_institution = document.uploaded_by is not None and document.uploaded_by.is_institution_user
    trigger = (
        Trigger.DOCUMENT_FROM_INSTITUTION if by_institution else Trigger.DOCUMENT_FROM_REGULATOR
    )
    added = (
        _l(
            "%(file)s was added by %(name)s.",
            file=document.filename,
            name=document.uploaded_by.name,
        )
        if document.uploaded_by
        else _l("%(file)s was added.", file=document.filename)
    )
    return [
        _detail(
            use_case,
            trigger,
            f"document:{document.id}",
            event.actor_id,
            N_("New document"),
            added,
            anchor="documents",
        )
    ]


@_subscriber(events.MilestoneSaved)
def milestone_saved(event: events.MilestoneSaved) -> list[Occurrence]:
    milestone = db.session.get(Milestone, event.milestone_id)
    if milestone is None:
        return []
    use_case = milestone.use_case
    return [
        _detail(
            use_case,
            Trigger.MILESTONE_SAVED,
            f"milestone:{milestone.id}:{milestone.version}",
            event.actor_id,
            N_("Milestone"),
            _l(
                "%(milestone)s: %(status)s, planned for %(day)s.",
                milestone=milestone.title,
                status=milestone.status,
                day=milestone.planned_on,
            ),
            anchor="milestones",
        )
    ]


def _evidence(
    event: EvidenceReviewed | EvidenceCommented, trigger: Trigger, title: str, body: str | Text
) -> list[Occurrence]:
    entry = db.session.get(EvidenceEntry, event.entry_id)
    use_case = _use_case(event.use_case_id)
    if entry is None or use_case is None:
        return []
    return [
        Occurrence(
            trigger=trigger,
            key=f"{trigger.value}:{entry.id}:{event.revision_or_comment}",
            actor_id=event.actor_id,
            title=_l(
                "%(what)s: %(entry)s · %(title)s",
                what=_l(title),
                entry=entry.title,
                title=use_case.title,
            ),
            body=body,
            endpoint="evidence.entry",
            url_params={"id": use_case.id, "entry_id": entry.id},
            anchor="comments",
            use_case=use_case,
        )
    ]


@_subscriber(EvidenceReviewed)
def evidence_reviewed(event: EvidenceReviewed) -> list[Occurrence]:
    return _evidence(
        event,
        Trigger.EVIDENCE_REVIEWED,
        N_("AI evidence reviewed"),
        _l(
            "The regulator marked revision %(revision)s of the entry reviewed.",
            revision=event.revision,
        ),
    )


@_subscriber(EvidenceCommented)
def evidence_commented(event: EvidenceCommented) -> list[Occurrence]:
    activity = db.session.get(EvidenceActivity, event.activity_id)
    return _evidence(
        event,
        Trigger.EVIDENCE_COMMENTED,
        N_("Comment on AI evidence"),
        excerpt(activity.body if activity else ""),
    )


@_subscriber(events.ReportIssued)
def report_issued(event: events.ReportIssued) -> list[Occurrence]:
    report = db.session.get(IssuedReport, event.report_id)
    request = db.session.get(ReportRequest, event.request_id)
    if report is None or request is None:
        return []
    return [
        Occurrence(
            trigger=Trigger.REPORT_ISSUED,
            key=f"report:{report.id}",
            # The requester is told even though the report is issued in their name.
            actor_id=None,
            title=_l("Report ready: %(title)s", title=report.title),
            body=_l("%(reference)s, as at %(day)s.", reference=report.reference, day=report.as_at),
            endpoint="reports.register",
            report_id=report.id,
            requester_id=request.requested_by_id,
        )
    ]


@_subscriber(committee_events.ReviewerAssigned)
def reviewer_assigned(event: committee_events.ReviewerAssigned) -> list[Occurrence]:
    assignment = db.session.get(Assignment, event.assignment_id)
    return [assignment_occurrence(assignment)] if assignment is not None else []


def assignment_occurrence(assignment: Assignment) -> Occurrence:
    """The reviewer is asked to declare their interests, then to review."""
    use_case = assignment.use_case
    return Occurrence(
        trigger=Trigger.REVIEWER_ASSIGNED,
        key=f"assignment:{assignment.id}",
        actor_id=assignment.assigned_by_id,
        title=_l("Assigned to review: %(reference)s", reference=use_case.reference),
        body=_l(
            "You are asked to review %(reference)s for the committee of %(cohort)s, by "
            "%(day)s. Declare your interests first: the proposal is shown once you have.",
            reference=use_case.reference,
            cohort=cohort_name(use_case.cohort),
            day=assignment.due_on,
        ),
        endpoint="committee.declare",
        url_params={"id": assignment.id},
        assignee_id=assignment.reviewer_id,
    )
