"""Changes to use cases. Every function flushes and never commits: the view commits once.

Concurrency: ``UseCase.version`` is SQLAlchemy's version column, so every UPDATE of a use case
carries ``WHERE version = <the version read>``. A writer that lost a race gets ``StaleDataError``
from the flush, which is turned into ``ConflictError`` for the view to explain.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

import filetype
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm.exc import StaleDataError

from tracker.auth.models import User
from tracker.extensions import db, utcnow
from tracker.institutions.models import Institution, InstitutionKind
from tracker.programmes.models import Cohort
from tracker.usecases.models import (
    Audience,
    Document,
    FieldChange,
    Incident,
    KpiValue,
    Message,
    Milestone,
    MilestoneStatus,
    ProgressReturn,
    Rag,
    ReturnComment,
    Review,
    ReviewScore,
    Severity,
    Stage,
    StageTransition,
    Technique,
    UseCase,
)
from tracker.usecases.workflow import Transition, is_allowed


class ConflictError(Exception):
    """The use case changed since the user opened it."""

    message = (
        "This use case was changed by someone else since you opened it. Nothing was saved; "
        "your input is still in the form. Check the current state, then submit again."
    )


class NotAllowedError(Exception):
    """The action is not allowed for this user at this stage."""


class UploadError(ValueError):
    """An uploaded file was refused; the message says why."""


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ConflictError from exc


def _check_version(use_case: UseCase, expected_version: int) -> None:
    if use_case.version != expected_version:
        raise ConflictError


# Proposal fields the institution edits, in form order, with how a value is shown in history.
PROPOSAL_FIELDS: tuple[str, ...] = (
    "cohort_id",
    "category_id",
    "title",
    "summary",
    "problem_statement",
    "technique",
    "data_used",
    "personal_data",
    "audience",
    "safeguards",
    "kpis",
    "gpu_hours",
)

FIELD_LABELS = {
    "cohort_id": "Cohort",
    "category_id": "Category",
    "title": "Title",
    "summary": "Summary",
    "problem_statement": "Problem statement",
    "technique": "GenAI technique",
    "data_used": "Data used",
    "personal_data": "Personal data",
    "audience": "Audience",
    "safeguards": "Safeguards",
    "kpis": "KPIs",
    "gpu_hours": "GPU hours",
    "partners": "Technology partners",
    # Terms a transition records with the stage change.
    "pilot_started_on": "Pilot start",
    "pilot_duration_weeks": "Duration (weeks)",
    "pilot_limits": "Customer or exposure limits",
    "pilot_data_scope": "Data scope",
    "exit_outcome": "Outcome against KPIs",
    "exit_lessons": "Lessons learned",
    "exit_conditions": "Conditions",
}


@dataclass(frozen=True)
class ProposalData:
    cohort_id: int
    category_id: int
    title: str
    summary: str
    problem_statement: str
    technique: Technique
    data_used: str
    personal_data: bool
    audience: Audience
    safeguards: str
    kpis: str
    gpu_hours: int | None
    partner_ids: tuple[int, ...]


def _show(use_case: UseCase, field: str) -> str:
    """A field's current value as text for the edit history."""
    if field == "cohort_id":
        return str(db.session.get(Cohort, use_case.cohort_id) or "")
    if field == "category_id":
        from tracker.institutions.models import Category

        return str(db.session.get(Category, use_case.category_id) or "")
    if field == "partners":
        return ", ".join(p.name for p in use_case.partners)
    value = getattr(use_case, field)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value is None:
        return ""
    return value.label if hasattr(value, "label") else str(value)


def _partners(ids: tuple[int, ...]) -> list[Institution]:
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Institution)
            .where(Institution.id.in_(ids))
            .where(Institution.kind == InstitutionKind.TECH_PARTNER)
            .order_by(Institution.name)
        )
    )


def create_draft(user: User, data: ProposalData) -> UseCase:
    """A new draft proposal for the user's institution."""
    assert user.institution_id is not None
    use_case = UseCase(
        institution_id=user.institution_id,
        created_by_id=user.id,
        stage=Stage.DRAFT,
        **{f: getattr(data, f) for f in PROPOSAL_FIELDS},
    )
    use_case.partners = _partners(data.partner_ids)
    db.session.add(use_case)
    db.session.flush()
    db.session.add(
        StageTransition(
            use_case=use_case, action="create", from_stage=None, to_stage=Stage.DRAFT, actor=user
        )
    )
    db.session.flush()
    current_app.logger.info("use case %s drafted by user=%s", use_case.id, user.id)
    return use_case


def update_proposal(
    use_case: UseCase, user: User, data: ProposalData, expected_version: int
) -> list[FieldChange]:
    """Apply the institution's edits; once a proposal has been submitted, every changed field
    is recorded with its old and new value."""
    _check_version(use_case, expected_version)
    if data.cohort_id != use_case.cohort_id and use_case.stage is not Stage.DRAFT:
        # Repeats the view's check: a proposal the regulator has seen stays in its programme.
        raise NotAllowedError("a submitted proposal cannot change cohort")
    before = {f: _show(use_case, f) for f in (*PROPOSAL_FIELDS, "partners")}
    for field in PROPOSAL_FIELDS:
        setattr(use_case, field, getattr(data, field))
    use_case.partners = _partners(data.partner_ids)
    _flush()  # the version check happens here; relationship-backed values now read new ids
    after = {f: _show(use_case, f) for f in before}
    changed = [f for f in before if before[f] != after[f]]
    if not changed:
        return []
    use_case.updated_at = utcnow()
    changes: list[FieldChange] = []
    if use_case.submitted_at is not None:
        changes = [
            FieldChange(
                use_case_id=use_case.id,
                actor=user,
                field=f,
                old_value=before[f],
                new_value=after[f],
            )
            for f in changed
        ]
        db.session.add_all(changes)
    _flush()
    current_app.logger.info(
        "use case %s edited by user=%s (%d recorded changes)", use_case.id, user.id, len(changes)
    )
    return changes


def apply_transition(
    use_case: UseCase,
    transition: Transition,
    user: User,
    expected_version: int,
    fields: dict[str, Any] | None = None,
    reason: str | None = None,
) -> StageTransition:
    """Move the use case along ``transition`` and record it. ``fields`` holds what the
    transition requires (pilot terms, exit report), stored on the use case and in the history."""
    _check_version(use_case, expected_version)
    if not is_allowed(transition, use_case, user):
        raise NotAllowedError(transition.name)
    fields = fields or {}
    from_stage = use_case.stage
    now = utcnow()
    for name, value in fields.items():
        setattr(use_case, name, value)
    use_case.stage = transition.target
    use_case.stage_changed_at = now
    if transition.target is Stage.SUBMITTED and use_case.submitted_at is None:
        use_case.submitted_at = now
    record = StageTransition(
        use_case=use_case,
        action=transition.name,
        from_stage=from_stage,
        to_stage=transition.target,
        actor=user,
        at=now,
        reason=(reason or "").strip() or None,
        details={k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()},
    )
    db.session.add(record)
    _flush()
    current_app.logger.info(
        "use case %s %s -> %s by user=%s (%s)",
        use_case.id,
        from_stage.value,
        transition.target.value,
        user.id,
        transition.name,
    )
    return record


def save_review(
    use_case: UseCase,
    reviewer: User,
    scores: dict[int, tuple[int, str]],
    overall_comment: str,
) -> Review:
    """Create or replace this reviewer's scores for the proposal."""
    review = db.session.scalar(
        sa.select(Review).where(
            Review.use_case_id == use_case.id, Review.reviewer_id == reviewer.id
        )
    )
    if review is None:
        review = Review(use_case_id=use_case.id, reviewer=reviewer)
        db.session.add(review)
    review.overall_comment = overall_comment.strip()
    review.at = utcnow()
    existing = {s.criterion_id: s for s in review.scores}
    for criterion_id, (score, comment) in scores.items():
        row = existing.get(criterion_id)
        if row is None:
            review.scores.append(
                ReviewScore(criterion_id=criterion_id, score=score, comment=comment.strip())
            )
        else:
            row.score, row.comment = score, comment.strip()
    db.session.flush()
    current_app.logger.info("use case %s scored by user=%s", use_case.id, reviewer.id)
    return review


def save_milestone(
    use_case: UseCase,
    milestone: Milestone | None,
    *,
    title: str,
    planned_on: date,
    actual_on: date | None,
    status: MilestoneStatus,
    expected_version: int = 0,
) -> Milestone:
    """Add a milestone, or update one the user saw at ``expected_version``."""
    if milestone is None:
        milestone = Milestone(use_case_id=use_case.id)
        db.session.add(milestone)
    elif milestone.version != expected_version:
        raise ConflictError
    milestone.title = title.strip()
    milestone.planned_on = planned_on
    milestone.actual_on = actual_on
    milestone.status = status
    _flush()
    return milestone


@dataclass(frozen=True)
class IncidentData:
    description: str
    severity: Severity
    customer_impact: str
    remediation: str
    occurred_on: date | None = None


@dataclass(frozen=True)
class ReturnData:
    period_start: date
    period_end: date
    rag: Rag
    narrative: str
    attested_by_name: str
    attested_by_title: str
    kpi_values: tuple[tuple[str, str], ...]
    incidents: tuple[IncidentData, ...]


def file_return(use_case: UseCase, user: User, data: ReturnData) -> ProgressReturn:
    """Record a progress return with its KPI values and incidents. The use case's version moves
    on too, so two returns filed at the same moment for the same period cannot both land."""
    use_case.updated_at = utcnow()
    filed = ProgressReturn(
        use_case_id=use_case.id,
        period_start=data.period_start,
        period_end=data.period_end,
        rag=data.rag,
        narrative=data.narrative.strip(),
        attested_by_name=data.attested_by_name.strip(),
        attested_by_title=data.attested_by_title.strip(),
        submitted_by=user,
    )
    db.session.add(filed)
    _flush()
    for position, (kpi, value) in enumerate(data.kpi_values):
        db.session.add(
            KpiValue(return_id=filed.id, position=position, kpi=kpi, value=value.strip())
        )
    for incident in data.incidents:
        db.session.add(
            Incident(
                use_case_id=use_case.id,
                return_id=filed.id,
                description=incident.description.strip(),
                severity=incident.severity,
                customer_impact=incident.customer_impact.strip(),
                remediation=incident.remediation.strip(),
                occurred_on=incident.occurred_on,
            )
        )
    _flush()
    current_app.logger.info(
        "use case %s return %s filed by user=%s", use_case.id, filed.id, user.id
    )
    return filed


def resolve_incident(incident: Incident, user: User, resolved_on: date, resolution: str) -> None:
    """Close an incident, once: the date, the note and who closed it are kept."""
    # One UPDATE that only matches an open incident: two people closing it at once cannot
    # both succeed, and the first note is never overwritten.
    closed = db.session.execute(
        sa.update(Incident)
        .where(Incident.id == incident.id, Incident.resolved_on.is_(None))
        .values(resolved_on=resolved_on, resolution=resolution.strip(), resolved_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError
    db.session.expire(incident)
    current_app.logger.info(
        "incident %s of use case %s resolved by user=%s",
        incident.id,
        incident.use_case_id,
        user.id,
    )


def comment_on_return(progress_return: ProgressReturn, user: User, body: str) -> ReturnComment:
    comment = ReturnComment(return_id=progress_return.id, author=user, body=body.strip())
    db.session.add(comment)
    db.session.flush()
    return comment


def post_message(use_case: UseCase, user: User, body: str, internal: bool) -> Message:
    # Only the regulator side may mark a message internal; the view enforces it, this repeats it.
    message = Message(
        use_case_id=use_case.id,
        author=user,
        body=body.strip(),
        internal=internal and not user.is_institution_user,
    )
    db.session.add(message)
    db.session.flush()
    current_app.logger.info("use case %s message by user=%s", use_case.id, user.id)
    return message


# Accepted uploads: detected type -> (content type, the extensions a name may carry).
ALLOWED_UPLOADS: dict[str, tuple[str, frozenset[str]]] = {
    "pdf": ("application/pdf", frozenset({"pdf"})),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        frozenset({"docx"}),
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        frozenset({"xlsx"}),
    ),
    "doc": ("application/msword", frozenset({"doc"})),
    "xls": ("application/vnd.ms-excel", frozenset({"xls"})),
    "png": ("image/png", frozenset({"png"})),
    "jpg": ("image/jpeg", frozenset({"jpg", "jpeg"})),
    "gif": ("image/gif", frozenset({"gif"})),
    "webp": ("image/webp", frozenset({"webp"})),
}

_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def sanitise_filename(name: str, extension: str) -> str:
    """Keep a readable name (Chinese included) without paths, control or reserved characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = _UNSAFE_NAME.sub("_", stem).strip(" ._")[:150]
    return f"{stem or 'document'}.{extension}"


def add_document(
    use_case: UseCase, user: User, filename: str, content: bytes, description: str = ""
) -> Document:
    """Store an uploaded file after checking its size and that its content is an allowed type
    matching its extension."""
    limit = int(current_app.config["TRACKER_MAX_UPLOAD_BYTES"])
    if not content:
        raise UploadError("The file is empty.")
    if len(content) > limit:
        raise UploadError(f"The file is larger than the {limit // (1024 * 1024)} MB limit.")
    kind = filetype.guess(content)
    detected = kind.extension if kind else None
    if detected == "jpeg":
        detected = "jpg"
    if detected not in ALLOWED_UPLOADS:
        raise UploadError(
            "Only PDF, Word, Excel and image files (PNG, JPEG, GIF, WebP) are accepted."
        )
    content_type, extensions = ALLOWED_UPLOADS[detected]
    given = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if given not in extensions:
        raise UploadError(
            f"The file's content is {detected.upper()} but its name ends in “.{given}”. "
            "Rename it or upload the right file."
        )
    document = Document(
        use_case_id=use_case.id,
        filename=sanitise_filename(filename, given),
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        description=description.strip(),
        data=content,
        uploaded_by=user,
    )
    db.session.add(document)
    db.session.flush()
    current_app.logger.info(
        "use case %s document %s uploaded by user=%s", use_case.id, document.id, user.id
    )
    return document
