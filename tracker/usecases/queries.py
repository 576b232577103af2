"""Read side of use cases, shared by views, dashboards and reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import joinedload, selectinload

from tracker.auth.models import User
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.institutions.models import Institution, InstitutionKind
from tracker.programmes.models import Cohort, CohortStatus, Programme
from tracker.usecases import permissions
from tracker.usecases.models import (
    Document,
    FieldChange,
    Incident,
    Message,
    ProgressReturn,
    ReturnComment,
    Review,
    ReviewScore,
    StageTransition,
    UseCase,
)
from tracker.usecases.services import _day, field_label


def get_visible_or_404(use_case_id: int, user: User) -> UseCase:
    """The use case with what its page shows, or 404 — also when the user may not see it, so
    that another institution's records are not revealed to exist."""
    use_case = db.session.scalar(
        sa.select(UseCase)
        .where(UseCase.id == use_case_id)
        .options(
            joinedload(UseCase.cohort).options(
                joinedload(Cohort.programme).selectinload(Programme.participants),
                selectinload(Cohort.criteria),
            ),
            joinedload(UseCase.institution),
            joinedload(UseCase.category),
            selectinload(UseCase.partners),
            selectinload(UseCase.reviews)
            .selectinload(Review.scores)
            .joinedload(ReviewScore.criterion),
            selectinload(UseCase.reviews).joinedload(Review.reviewer),
            selectinload(UseCase.milestones),
            selectinload(UseCase.returns).selectinload(ProgressReturn.kpi_values),
            selectinload(UseCase.returns)
            .selectinload(ProgressReturn.incidents)
            .joinedload(Incident.resolved_by),
            selectinload(UseCase.returns).joinedload(ProgressReturn.submitted_by),
            selectinload(UseCase.returns)
            .selectinload(ProgressReturn.comments)
            .joinedload(ReturnComment.author),
            selectinload(UseCase.transitions).joinedload(StageTransition.actor),
        )
    )
    if use_case is None or not permissions.can_view(user, use_case):
        abort(404)
    return use_case


def open_cohorts() -> list[Cohort]:
    """Cohorts taking applications, for the proposal form."""
    return list(
        db.session.scalars(
            sa.select(Cohort)
            .join(Cohort.programme)
            .where(Cohort.status == CohortStatus.OPEN, Programme.active.is_(True))
            .options(joinedload(Cohort.programme))
            .order_by(Programme.name, Cohort.name)
        )
    )


def technology_partners() -> list[Institution]:
    return list(
        db.session.scalars(
            sa.select(Institution)
            .where(Institution.kind == InstitutionKind.TECH_PARTNER, Institution.active.is_(True))
            .order_by(Institution.name)
        )
    )


def documents(use_case: UseCase) -> list[Document]:
    return list(
        db.session.scalars(
            sa.select(Document)
            .where(Document.use_case_id == use_case.id)
            .options(joinedload(Document.uploaded_by))
            .order_by(Document.uploaded_at.desc())
        )
    )


def messages(use_case: UseCase, user: User) -> list[Message]:
    """Messages the user may read: internal ones only for the regulator side."""
    query = sa.select(Message).where(Message.use_case_id == use_case.id)
    if not permissions.can_see_internal(user):
        query = query.where(Message.internal.is_(False))
    return list(db.session.scalars(query.options(joinedload(Message.author)).order_by(Message.at)))


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    # transition, edit, message, return, comment, document, review, determination, created
    kind: str
    actor: str
    title: str
    body: str = ""
    internal: bool = False
    anchor: str = ""


def timeline(
    use_case: UseCase, user: User, docs: list[Document], visible_messages: list[Message]
) -> list[TimelineEntry]:
    """Everything on record about the use case, newest first, as this user may see it.
    ``docs`` and ``visible_messages`` are the lists the page already loaded."""
    entries: list[TimelineEntry] = []
    for t in use_case.transitions:
        title = (
            _("Draft created")
            if t.from_stage is None
            else f"{t.from_stage.label} → {t.to_stage.label}"
        )
        body = t.reason or ""
        if t.details:
            terms = [f"{field_label(k)}: {_shown(v)}" for k, v in t.details.items()]
            body = "\n".join(filter(None, [body, *terms]))
        entries.append(TimelineEntry(t.at, "transition", _name(t.actor), title, body))
    changes = db.session.scalars(
        sa.select(FieldChange)
        .where(FieldChange.use_case_id == use_case.id)
        .options(joinedload(FieldChange.actor))
    )
    for c in changes:
        entries.append(
            TimelineEntry(
                c.at,
                "edit",
                _name(c.actor),
                _("Changed %(field)s", field=field_label(c.field)),
                _("Before: %(before)s", before=c.old_value or "—")
                + "\n"
                + _("After: %(after)s", after=c.new_value or "—"),
            )
        )
    for m in visible_messages:
        entries.append(
            TimelineEntry(
                m.at,
                "message",
                _name(m.author),
                _("Internal note") if m.internal else _("Message"),
                m.body,
                internal=m.internal,
            )
        )
    for r in use_case.returns:
        entries.append(
            TimelineEntry(
                r.submitted_at,
                "return",
                _name(r.submitted_by),
                _(
                    "Progress return %(start)s – %(end)s: %(status)s",
                    start=_day(r.period_start),
                    end=_day(r.period_end),
                    status=r.rag.label,
                ),
                r.narrative,
                anchor=f"return-{r.id}",
            )
        )
        for comment in r.comments:
            entries.append(
                TimelineEntry(
                    comment.at,
                    "comment",
                    _name(comment.author),
                    _("Comment on the return to %(day)s", day=_day(r.period_end)),
                    comment.body,
                    anchor=f"return-{r.id}",
                )
            )
    for d in docs:
        entries.append(
            TimelineEntry(
                d.uploaded_at,
                "document",
                _name(d.uploaded_by),
                _("Uploaded %(file)s", file=d.filename),
            )
        )
    if permissions.can_see_internal(user):
        from tracker.committee.rules import committee_determinations, others_scores_visible

        for det in committee_determinations(use_case.id):
            conditions = (
                "\n\n" + _("Conditions: %(conditions)s", conditions=det.conditions)
                if det.conditions
                else ""
            )
            entries.append(
                TimelineEntry(
                    det.at,
                    "determination",
                    _name(det.by),
                    _(
                        "%(regulator)s determination: %(decision)s",
                        regulator=det.regulator.code,
                        decision=det.decision.label,
                    ),
                    det.reasons + conditions,
                    internal=True,
                    anchor="committee",
                )
            )
        see_others = others_scores_visible(user, use_case)
        for review in use_case.reviews:
            if not see_others and review.reviewer_id != user.id:
                continue  # blind scoring, or a recused reviewer
            entries.append(
                TimelineEntry(
                    review.at,
                    "review",
                    _name(review.reviewer),
                    _("Scored the proposal: %(total)s points", total=review.total),
                    review.overall_comment,
                    internal=True,
                )
            )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def _shown(value: object) -> str:
    """A recorded term as people read it: ISO dates (as the history stores them) as 30 Nov 2026."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return _day(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def _name(user: User | None) -> str:
    return user.name if user is not None else _("System")
