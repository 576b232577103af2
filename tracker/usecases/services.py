"""Commands on use cases. Each is complete: typed input, its own permission check and every
rule, a ``RuleError`` with per-field messages when the input breaks one, a flush (never a commit:
the unit of work commits once) and the domain events it records.

Concurrency: ``UseCase.version`` is SQLAlchemy's version column, so every UPDATE of a use case
carries ``WHERE version = <the version read>``. The version the user's form carried is checked
first of all, so a user whose form went stale learns that the use case changed (409), whatever
the change made of their permission; a writer that lost a race at flush time gets the same.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import filetype
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm.exc import StaleDataError

from tracker import events
from tracker.auth.models import User
from tracker.clock import local_date, local_today
from tracker.clocks import services as clock_services
from tracker.committee import rules as committee_rules
from tracker.extensions import db, utcnow
from tracker.i18n import N_, gettext, number
from tracker.i18n import gettext as _
from tracker.institutions.models import Category, Institution, InstitutionKind
from tracker.plans.queries import parse_number
from tracker.programmes.models import Cohort
from tracker.returns import schedule
from tracker.rules import ConflictError, LastChange, NotAllowedError, RuleError
from tracker.usecases import permissions
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
from tracker.usecases.workflow import BY_NAME, Needs, Transition, is_allowed, on_side

__all__ = ["ConflictError", "NotAllowedError", "RuleError"]


class UploadError(RuleError):
    """An uploaded file was refused; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__({"file": message}, action="use_case.document")


def last_change(use_case: UseCase) -> LastChange | None:
    """The most recent recorded change of the use case: its latest transition or edit."""
    transition = db.session.scalar(
        sa.select(StageTransition)
        .where(StageTransition.use_case_id == use_case.id)
        .order_by(StageTransition.at.desc(), StageTransition.id.desc())
        .limit(1)
    )
    edit = db.session.scalar(
        sa.select(FieldChange)
        .where(FieldChange.use_case_id == use_case.id)
        .order_by(FieldChange.at.desc(), FieldChange.id.desc())
        .limit(1)
    )
    if edit is not None and (transition is None or edit.at > transition.at):
        return LastChange(
            what=_("%(field)s was edited", field=field_label(edit.field)),
            by=edit.actor.name if edit.actor else _("someone"),
            at=edit.at,
        )
    if transition is None:
        return None
    done = BY_NAME.get(transition.action)
    what = (
        _("%(action)s (now %(stage)s)", action=done.label, stage=transition.to_stage.label)
        if done is not None
        else _("Stage became %(stage)s", stage=transition.to_stage.label)
    )
    return LastChange(
        what=what, by=transition.actor.name if transition.actor else _("someone"), at=transition.at
    )


def _flush(use_case: UseCase | None = None, action: str = "") -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        latest = None
        if use_case is not None:
            fresh = db.session.get(UseCase, use_case.id)
            latest = last_change(fresh) if fresh is not None else None
        raise ConflictError(latest, action) from exc


def _check_version(use_case: UseCase, expected_version: int, action: str) -> None:
    if use_case.version != expected_version:
        raise ConflictError(last_change(use_case), action)


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
    "cohort_id": N_("Cohort"),
    "category_id": N_("Category"),
    "title": N_("Title"),
    "summary": N_("Summary"),
    "problem_statement": N_("Problem statement"),
    "technique": N_("GenAI technique"),
    "data_used": N_("Data used"),
    "personal_data": N_("Personal data"),
    "audience": N_("Audience"),
    "safeguards": N_("Safeguards"),
    "kpis": N_("KPIs"),
    "gpu_hours": N_("GPU hours"),
    "partners": N_("Technology partners"),
    # Terms a transition records with the stage change.
    "pilot_started_on": N_("Pilot start"),
    "pilot_duration_weeks": N_("Duration (weeks)"),
    "pilot_limits": N_("Customer or exposure limits"),
    "pilot_data_scope": N_("Data scope"),
    "exit_outcome": N_("Outcome against KPIs"),
    "exit_lessons": N_("Lessons learned"),
    "exit_conditions": N_("Conditions"),
    # What a transition was decided from (``apply_transition``'s context).
    "incident_id": N_("Decided from incident no."),
}


def field_label(name: str) -> str:
    """A field's label in the page's language (the name itself for a field with none)."""
    label = FIELD_LABELS.get(name)
    return gettext(label) if label else name


def _day(value: date) -> str:
    """A date in a message, as the pages write it in the page's language."""
    from babel.dates import format_date

    from tracker.i18n import CHINESE, is_chinese

    if is_chinese():
        return str(format_date(value, "long", locale=CHINESE))
    return f"{value:%d %b %Y}"


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


def show_value(field: str, value: Any, shown: bool = False) -> str:
    """A proposal field's value as text, as the edit history records it (in English, whatever
    the editor's language), or with ``shown`` as a page shows it (in the page's language)."""
    if field == "cohort_id":
        return str(db.session.get(Cohort, value) or "") if value is not None else ""
    if field == "category_id":
        return str(db.session.get(Category, value) or "") if value is not None else ""
    if field == "partners":
        return ", ".join(p.name for p in value)
    if isinstance(value, bool):
        if shown:
            return _("Yes") if value else _("No")
        return "Yes" if value else "No"
    if value is None:
        return ""
    if hasattr(value, "english"):
        return str(value.label if shown else value.english)
    return str(value)


def _show(use_case: UseCase, field: str, shown: bool = False) -> str:
    """A field's current value as text for the edit history (or, ``shown``, for a page)."""
    value = use_case.partners if field == "partners" else getattr(use_case, field)
    return show_value(field, value, shown)


def differences(use_case: UseCase, data: ProposalData) -> list[tuple[str, str, str]]:
    """(label, current value, proposed value) for each field where ``data`` differs from the use
    case as it is now: shown beside the form after an edit conflict."""
    rows = []
    for name in (*PROPOSAL_FIELDS, "partners"):
        proposed = _partners(data.partner_ids) if name == "partners" else getattr(data, name)
        current, mine = _show(use_case, name, shown=True), show_value(name, proposed, shown=True)
        if current != mine:
            rows.append((field_label(name), current, mine))
    return rows


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


def _text(value: str | None) -> str:
    return (value or "").strip()


LONG_TEXT = 20_000  # narratives, summaries, reasons
SHORT_TEXT = 500  # titles, KPI values
NAME = 200  # names and job titles


def _short_enough(rules: Any, field: str, value: str | None, limit: int) -> None:
    rules.check(
        len(_text(value)) <= limit,
        field,
        _("This is at most %(limit)s characters long.", limit=number(limit)),
    )


def _check_proposal(
    rules: Any, data: ProposalData, use_case: UseCase | None, cohort: Cohort | None
) -> None:
    """The rules every proposal meets, whether new or edited."""
    for name, message in (
        ("title", N_("Give a title.")),
        ("summary", N_("Give a summary.")),
        ("problem_statement", N_("Give the problem statement.")),
        ("data_used", N_("Give the data used.")),
        ("safeguards", N_("Give the safeguards.")),
        ("kpis", N_("Give at least one KPI.")),
    ):
        rules.check(bool(_text(getattr(data, name))), name, gettext(message))
    _short_enough(rules, "title", data.title, SHORT_TEXT)
    for name in ("summary", "problem_statement", "data_used", "safeguards", "kpis"):
        _short_enough(rules, name, getattr(data, name), LONG_TEXT)
    rules.check(
        data.gpu_hours is None or 0 <= data.gpu_hours <= 10_000_000,
        "gpu_hours",
        _("Give a number of GPU hours from 0 to 10,000,000."),
    )
    category = db.session.get(Category, data.category_id)
    kept = use_case is not None and use_case.category_id == data.category_id
    rules.check(
        category is not None and (category.active or kept),
        "category_id",
        _("Choose one of the listed categories."),
    )
    rules.check(cohort is not None, "cohort_id", _("Choose one of the listed cohorts."))
    known = {p.id for p in _partners(data.partner_ids)}
    if use_case is not None:
        known |= {p.id for p in use_case.partners}
    rules.check(
        set(data.partner_ids) <= known,
        "partner_ids",
        _("Choose technology partners from the list."),
    )


def create_draft(user: User, data: ProposalData) -> UseCase:
    """A new draft proposal for the user's institution, in a cohort open to it."""
    if not permissions.can_propose(user):
        raise NotAllowedError("use_case.create")
    assert user.institution_id is not None
    rules = RuleError.collect("use_case.create")
    cohort = db.session.get(Cohort, data.cohort_id)
    _check_proposal(rules, data, None, cohort)
    if cohort is not None:
        rules.check(
            permissions.can_propose_in(user, cohort),
            "cohort_id",
            _("This cohort is not open for applications from your institution."),
        )
    rules.raise_if_any()
    use_case = UseCase(
        institution_id=user.institution_id,
        created_by_id=user.id,
        stage=Stage.DRAFT,
        **{f: getattr(data, f) for f in PROPOSAL_FIELDS},
    )
    use_case.title = _text(data.title)
    use_case.partners = _partners(data.partner_ids)
    db.session.add(use_case)
    db.session.flush()
    db.session.add(
        StageTransition(
            use_case=use_case, action="create", from_stage=None, to_stage=Stage.DRAFT, actor=user
        )
    )
    db.session.flush()
    events.record(events.DraftCreated(actor_id=user.id, use_case_id=use_case.id))
    return use_case


def update_proposal(
    use_case: UseCase, user: User, data: ProposalData, expected_version: int
) -> list[FieldChange]:
    """Apply the institution's edits; once a proposal has been submitted, every changed field
    is recorded with its old and new value. A submitted proposal stays in its cohort."""
    action = "use_case.edit"
    _check_version(use_case, expected_version, action)
    if not permissions.can_edit(user, use_case):
        raise NotAllowedError(action)
    rules = RuleError.collect(action)
    cohort = db.session.get(Cohort, data.cohort_id)
    _check_proposal(rules, data, use_case, cohort)
    if cohort is not None:
        rules.check(
            permissions.can_move_to(user, use_case, cohort),
            "cohort_id",
            _(
                "This proposal cannot move to that cohort: a submitted proposal stays in its "
                "cohort, and a draft moves only to a cohort open to your institution."
            ),
        )
    rules.raise_if_any()
    before = {f: _show(use_case, f) for f in (*PROPOSAL_FIELDS, "partners")}
    for field in PROPOSAL_FIELDS:
        setattr(use_case, field, getattr(data, field))
    use_case.title = _text(data.title)
    use_case.partners = _partners(data.partner_ids)
    _flush(use_case, action)  # the version check happens here; relationships now read new ids
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
    _flush(use_case, action)
    events.record(
        events.ProposalEdited(actor_id=user.id, use_case_id=use_case.id, fields=tuple(changed))
    )
    return changes


def _check_transition_fields(
    rules: Any, use_case: UseCase, transition: Transition, fields: dict[str, Any]
) -> None:
    for name in transition.fields:
        value = fields.get(name)
        rules.check(
            value is not None and value != "",
            name,
            _("Give the %(field)s.", field=field_label(name).lower()),
        )
    unexpected = set(fields) - set(transition.fields)
    if unexpected:
        rules.add(
            "__all__",
            _(
                "%(action)s does not record %(fields)s.",
                action=transition.label,
                fields=", ".join(sorted(unexpected)),
            ),
        )
    if transition.needs is Needs.PILOT_TERMS:
        started = fields.get("pilot_started_on")
        selected_on = local_date(use_case.stage_changed_at)
        if isinstance(started, date):
            rules.check(
                started >= selected_on,
                "pilot_started_on",
                _(
                    "The pilot cannot start before the use case was selected (%(day)s).",
                    day=_day(selected_on),
                ),
            )
        elif started is not None:
            rules.add("pilot_started_on", _("Give the start as a date."))
    for name in transition.fields:
        value = fields.get(name)
        if isinstance(value, str):
            _short_enough(rules, name, value, LONG_TEXT)


def apply_transition(
    use_case: UseCase,
    transition: Transition,
    user: User,
    expected_version: int,
    fields: dict[str, Any] | None = None,
    reason: str | None = None,
    context: dict[str, Any] | None = None,
    override_reason: str | None = None,
) -> StageTransition:
    """Move the use case along ``transition`` and record it. ``fields`` holds what the
    transition records (pilot terms, exit report), stored on the use case and in the history;
    ``context`` what the history links the move to (``{"incident_id": 12}``). Selecting over a
    participating regulator's objection needs ``override_reason`` (the note stands for it when
    none is given apart)."""
    action = f"use_case.{transition.name}"
    _check_version(use_case, expected_version, action)
    if use_case.stage not in transition.sources or not on_side(user, use_case, transition.side):
        raise NotAllowedError(action)
    rules = RuleError.collect(action)
    if not is_allowed(transition, use_case, user):
        rules.add(
            "__all__",
            transition.guard_hint or _("%(action)s is not possible now.", action=transition.label),
        )
    fields = {
        name: value.strip() if isinstance(value, str) else value
        for name, value in (fields or {}).items()
    }
    reason = _text(reason)
    if transition.reason_required:
        rules.check(bool(reason), "reason", _("Give the reason."))
    _short_enough(rules, "reason", reason, LONG_TEXT)
    _check_transition_fields(rules, use_case, transition, fields)
    decided: dict[str, Any] = {}
    if transition.target in (Stage.SELECTED, Stage.REJECTED):
        decided = committee_rules.check_decision(
            rules,
            use_case,
            user,
            selecting=transition.target is Stage.SELECTED,
            override_reason=override_reason if override_reason is not None else reason,
        )
    rules.raise_if_any()
    recorded = dict(fields)
    if transition.needs is Needs.PILOT_TERMS:
        from tracker.plans.services import terms_for_start

        # The duration, limits and data scope of the agreed plan, and its version number.
        recorded |= terms_for_start(use_case)
    from_stage = use_case.stage
    now = utcnow()
    for name, value in recorded.items():
        if name != "plan_version":
            setattr(use_case, name, value)
    use_case.stage = transition.target
    use_case.stage_changed_at = now
    if transition.target is Stage.SUBMITTED and use_case.submitted_at is None:
        use_case.submitted_at = now
    if transition.target is Stage.SELECTED and use_case.selected_at is None:
        use_case.selected_at = now
    record = StageTransition(
        use_case=use_case,
        action=transition.name,
        from_stage=from_stage,
        to_stage=transition.target,
        actor=user,
        at=now,
        reason=reason or None,
        details={
            **{k: v.isoformat() if isinstance(v, date) else v for k, v in recorded.items()},
            **(context or {}),
            **decided,
        },
    )
    db.session.add(record)
    with db.session.no_autoflush:
        clock_services.refresh(use_case, {*use_case.transitions, record})
    _flush(use_case, action)
    events.record(
        events.UseCaseMoved(
            actor_id=user.id,
            use_case_id=use_case.id,
            transition=transition.name,
            from_stage=str(from_stage.value),
            to_stage=str(transition.target.value),
        )
    )
    return record


def save_review(
    use_case: UseCase,
    reviewer: User,
    scores: dict[int, tuple[int, str]],
    overall_comment: str,
    expected_version: int | None = None,
) -> Review:
    """Create or replace this reviewer's scores for the proposal: a score from 1 to 5 for every
    criterion of the cohort, while the proposal is under review."""
    action = "use_case.review"
    if expected_version is not None:
        _check_version(use_case, expected_version, action)
    committee_rules.check_scoring_allowed(use_case, reviewer)
    if not permissions.can_review(reviewer, use_case):
        raise NotAllowedError(action)
    rules = RuleError.collect(action)
    for criterion in use_case.cohort.criteria:
        given = scores.get(criterion.id)
        rules.check(
            given is not None and 1 <= given[0] <= 5,
            f"score_{criterion.id}",
            _("Score this criterion from 1 to 5."),
        )
    unknown = set(scores) - {c.id for c in use_case.cohort.criteria}
    rules.check(not unknown, "__all__", _("Score only the cohort's criteria."))
    rules.raise_if_any()
    review = db.session.scalar(
        sa.select(Review).where(
            Review.use_case_id == use_case.id, Review.reviewer_id == reviewer.id
        )
    )
    if review is None:
        review = Review(use_case_id=use_case.id, reviewer=reviewer)
        db.session.add(review)
    review.overall_comment = _text(overall_comment)
    review.at = utcnow()
    existing = {s.criterion_id: s for s in review.scores}
    for criterion_id, (score, comment) in scores.items():
        row = existing.get(criterion_id)
        if row is None:
            review.scores.append(
                ReviewScore(criterion_id=criterion_id, score=score, comment=_text(comment))
            )
        else:
            row.score, row.comment = score, _text(comment)
    db.session.flush()
    events.record(events.ReviewSaved(actor_id=reviewer.id, use_case_id=use_case.id))
    return review


def save_milestone(
    use_case: UseCase,
    milestone: Milestone | None,
    *,
    user: User,
    title: str,
    planned_on: date,
    actual_on: date | None,
    status: MilestoneStatus,
    expected_version: int = 0,
    expected_use_case_version: int | None = None,
) -> Milestone:
    """Add a milestone, or update one the user saw at ``expected_version`` (and its use case at
    ``expected_use_case_version``). A milestone has a reached date exactly when it is done."""
    action = "use_case.milestone"
    if milestone is not None and milestone.use_case_id != use_case.id:
        raise NotAllowedError(action)
    if expected_use_case_version is not None:
        _check_version(use_case, expected_use_case_version, action)
    if milestone is not None and milestone.version != expected_version:
        raise ConflictError(action=action)
    if not permissions.can_manage_milestones(user, use_case):
        raise NotAllowedError(action)
    rules = RuleError.collect(action)
    rules.check(bool(_text(title)), "title", _("Give the milestone a name."))
    _short_enough(rules, "title", title, NAME)
    if status is MilestoneStatus.DONE:
        rules.check(
            actual_on is not None, "actual_on", _("Give the date the milestone was reached.")
        )
    else:
        rules.check(
            actual_on is None,
            "actual_on",
            _(
                "A milestone that is %(status)s has no reached date: clear the date or mark it "
                "done.",
                status=status.label.lower(),
            ),
        )
    if actual_on is not None:
        rules.check(
            actual_on <= local_today(), "actual_on", _("The actual date cannot be in the future.")
        )
    rules.raise_if_any()
    if milestone is None:
        milestone = Milestone(use_case_id=use_case.id)
        db.session.add(milestone)
    milestone.title = _text(title)
    milestone.planned_on = planned_on
    milestone.actual_on = actual_on
    milestone.status = status
    _flush(None, action)
    schedule.milestone_saved(milestone, user)
    events.record(
        events.MilestoneSaved(actor_id=user.id, use_case_id=use_case.id, milestone_id=milestone.id)
    )
    return milestone


@dataclass(frozen=True)
class IncidentData:
    description: str
    severity: Severity | None
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
    # (KPI, value as typed): a number against each KPI of the plan in force.
    kpi_values: tuple[tuple[str, str], ...]
    incidents: tuple[IncidentData, ...]
    attested: bool = True
    # An optional note beside each value, in the same order.
    kpi_notes: tuple[str, ...] = ()
    # Against the plan's customer cap and exposure limit: required where the plan sets them.
    customers_reached: int | None = None
    exposure_used: Decimal | None = None


MAX_KPI_NUMBER = Decimal("1e14")


def return_plan(use_case: UseCase) -> Any:
    """The plan version a return reports against (its KPIs and boundaries): the one in force;
    None for a pilot without a plan, which reports its proposal's KPIs as text."""
    from tracker.plans.queries import version_in_force

    return version_in_force(use_case.id)


def _check_limits(rules: Any, plan: Any, data: ReturnData) -> None:
    """Customers reached and exposure used, where the plan caps them: a figure over the cap is
    accepted (it is what happened) and flagged as a breach once filed."""
    if data.customers_reached is not None:
        rules.check(
            0 <= data.customers_reached <= 100_000_000,
            "customers_reached",
            _("Give a number of customers from 0 to 100,000,000."),
        )
    elif plan is not None and plan.customer_cap is not None:
        rules.add(
            "customers_reached",
            _(
                "Give the customers reached so far: the plan caps them at %(cap)s.",
                cap=number(plan.customer_cap),
            ),
        )
    if data.exposure_used is not None:
        rules.check(
            Decimal(0) <= data.exposure_used < MAX_KPI_NUMBER,
            "exposure_used",
            _("Give the exposure used in HK$, 0 or more."),
        )
    elif plan is not None and plan.exposure_limit is not None:
        rules.add(
            "exposure_used",
            _(
                "Give the exposure used so far: the plan limits it to HK$%(limit)s.",
                limit=number(plan.exposure_limit, 0),
            ),
        )


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def _name_the_kpis(rules: Any, plan: Any, expected: list[str], given: list[str]) -> None:
    """KPI values that do not name the KPIs a return reports against: say which those are (the
    plan in force's, or the proposal's before plans), what is missing, what is not one, and at
    each position the name expected there."""
    if plan is not None:
        message = _(
            "Report a number for each KPI of the sandbox plan in force (version %(number)s), "
            "named as the plan names them and in its order: %(kpis)s.",
            number=plan.number,
            kpis=_quoted(expected),
        )
    else:
        message = _(
            "Report a value for each of the proposal's KPIs, in its order: %(kpis)s.",
            kpis=_quoted(expected),
        )
    missing = [name for name in expected if name not in given]
    unknown = [name for name in dict.fromkeys(given) if name not in expected]
    if missing:
        message += " " + _("Missing: %(kpis)s.", kpis=_quoted(missing))
    if unknown:
        message += " " + (
            _("Not a KPI of the plan: %(kpis)s.", kpis=_quoted(unknown))
            if plan is not None
            else _("Not a KPI of the proposal: %(kpis)s.", kpis=_quoted(unknown))
        )
    rules.add("kpi_values", message)
    for position, name in enumerate(given):
        if position >= len(expected):
            rules.add(
                f"kpi_{position}_name",
                _('Not expected: the KPIs end at "%(kpi)s".', kpi=expected[-1])
                if expected
                else _("There are no KPIs to report."),
            )
        elif name != expected[position]:
            rules.add(f"kpi_{position}_name", _('Expected "%(kpi)s" here.', kpi=expected[position]))


def _check_return(rules: Any, use_case: UseCase, data: ReturnData, today: date, plan: Any) -> None:
    earliest = use_case.next_return_start
    if earliest is not None and data.period_start < earliest:
        rules.add(
            "period_start",
            _(
                "The period starts on or after %(day)s, the pilot start or the day after the last "
                "return's period.",
                day=_day(earliest),
            ),
        )
    rules.check(
        data.period_end >= data.period_start,
        "period_end",
        _("The period cannot end before it starts."),
    )
    rules.check(data.period_end <= today, "period_end", _("The period cannot end in the future."))
    rules.check(bool(_text(data.narrative)), "narrative", _("Give the narrative."))
    rules.check(
        bool(_text(data.attested_by_name)), "attested_by_name", _("Name the senior manager.")
    )
    rules.check(
        bool(_text(data.attested_by_title)),
        "attested_by_title",
        _("Give the senior manager's title."),
    )
    rules.check(data.attested, "attest", _("The return must be attested."))
    _short_enough(rules, "narrative", data.narrative, LONG_TEXT)
    _short_enough(rules, "attested_by_name", data.attested_by_name, NAME)
    _short_enough(rules, "attested_by_title", data.attested_by_title, NAME)
    _check_limits(rules, plan, data)
    plan_kpis = list(plan.kpis) if plan is not None else None
    expected = [k.name for k in plan_kpis] if plan_kpis is not None else use_case.kpi_list
    given = [kpi for kpi, _value in data.kpi_values]
    if given != expected:
        _name_the_kpis(rules, plan, expected, given)
    for position, (_kpi, value) in enumerate(data.kpi_values):
        if plan_kpis is None:  # a pilot without a plan (none starts so now): text as before
            rules.check(bool(_text(value)), f"kpi_{position}", _("Report a value."))
            _short_enough(rules, f"kpi_{position}", value, SHORT_TEXT)
            continue
        number = parse_number(value)
        if not _text(value):
            rules.add(f"kpi_{position}", _("Report a number."))
        elif number is None:
            rules.add(f"kpi_{position}", _("Report a number, for example 12.5."))
        elif not -MAX_KPI_NUMBER < number < MAX_KPI_NUMBER:
            rules.add(f"kpi_{position}", _("This number is too large."))
    rules.check(
        len(data.kpi_notes) <= len(data.kpi_values), "__all__", _("A note belongs to a KPI value.")
    )
    for position, note in enumerate(data.kpi_notes):
        _short_enough(rules, f"kpi_{position}_note", note, SHORT_TEXT)
    pilot_start = use_case.pilot_started_on
    for n, incident in enumerate(data.incidents):
        where = f"incidents.{n}"
        rules.check(
            bool(_text(incident.description)), f"{where}.description", _("Describe the incident.")
        )
        for name in ("description", "customer_impact", "remediation"):
            _short_enough(rules, f"{where}.{name}", getattr(incident, name), LONG_TEXT)
        rules.check(
            incident.severity is not None,
            f"{where}.severity",
            _("Give the severity of this incident."),
        )
        occurred = incident.occurred_on
        if occurred is None:
            rules.add(f"{where}.occurred_on", _("Give the date the incident occurred."))
        elif occurred > today:
            rules.add(f"{where}.occurred_on", _("The date cannot be in the future."))
        elif occurred > data.period_end:
            rules.add(
                f"{where}.occurred_on",
                _("An incident in this return occurred by the end of its period."),
            )
        elif pilot_start is not None and occurred < pilot_start:
            rules.add(
                f"{where}.occurred_on",
                _(
                    "The pilot started on %(day)s; an incident of the pilot cannot be earlier.",
                    day=_day(pilot_start),
                ),
            )


def file_return(
    use_case: UseCase,
    user: User,
    data: ReturnData,
    today: date | None = None,
    expected_version: int | None = None,
) -> ProgressReturn:
    """Record a progress return with its KPI values and incidents, for the period after the
    last one and up to today. The use case's version moves on too, so two returns filed at the
    same moment for the same period cannot both land."""
    action = "use_case.return"
    today = today or local_today()
    if expected_version is not None:
        _check_version(use_case, expected_version, action)
    if not permissions.can_file_return(user, use_case, today):
        raise NotAllowedError(action)
    rules = RuleError.collect(action)
    plan = return_plan(use_case)
    plan_kpis = list(plan.kpis) if plan is not None else None
    _check_return(rules, use_case, data, today, plan)
    rules.raise_if_any()
    use_case.updated_at = utcnow()
    if use_case.last_return_end is None or data.period_end > use_case.last_return_end:
        use_case.last_return_end = data.period_end
    # Through the relationship, so ``use_case.returns`` (and the next period's start) include
    # this return for the rest of the unit of work.
    filed = ProgressReturn(
        use_case=use_case,
        period_start=data.period_start,
        period_end=data.period_end,
        rag=data.rag,
        narrative=_text(data.narrative),
        attested_by_name=_text(data.attested_by_name),
        attested_by_title=_text(data.attested_by_title),
        submitted_by=user,
        customers_reached=data.customers_reached,
        exposure_used=data.exposure_used,
    )
    db.session.add(filed)
    _flush(use_case, action)
    notes = (*data.kpi_notes, *([""] * len(data.kpi_values)))
    for position, (kpi, value) in enumerate(data.kpi_values):
        if plan_kpis is None:
            row = KpiValue(position=position, kpi=kpi, value=_text(value))
        else:
            row = KpiValue(
                position=position,
                kpi=kpi,
                value=_text(notes[position]),
                plan_kpi_id=plan_kpis[position].id,
                number=parse_number(value),
            )
        row.return_id = filed.id
        db.session.add(row)
    incidents = [
        Incident(
            use_case_id=use_case.id,
            return_id=filed.id,
            description=_text(incident.description),
            severity=incident.severity,
            customer_impact=_text(incident.customer_impact),
            remediation=_text(incident.remediation),
            occurred_on=incident.occurred_on,
            reported_at=filed.submitted_at,
            reported_by_id=user.id,
        )
        for incident in data.incidents
    ]
    db.session.add_all(incidents)
    _flush(use_case, action)
    schedule.fulfil(filed)
    if plan is not None:
        from tracker.plans.services import record_breaches

        record_breaches(use_case, filed, plan, user)
    events.record(
        events.ReturnFiled(
            actor_id=user.id,
            use_case_id=use_case.id,
            return_id=filed.id,
            incident_ids=tuple(i.id for i in incidents),
        )
    )
    return filed


def resolve_incident(
    incident: Incident, user: User, resolved_on: date | None, resolution: str
) -> None:
    """Close an incident, once: the date, the note and who closed it are kept."""
    action = "use_case.incident_resolved"
    use_case = db.session.get(UseCase, incident.use_case_id)
    if use_case is None or not permissions.can_resolve_incident(user, use_case):
        raise NotAllowedError(action)
    if incident.resolved:
        raise ConflictError(action=action)
    rules = RuleError.collect(action)
    occurred = incident.occurred_on or (
        incident.progress_return.period_start if incident.progress_return else None
    )
    if resolved_on is None:
        rules.add("resolved_on", _("Give the date it was resolved."))
    elif resolved_on > local_today():
        rules.add("resolved_on", _("The date cannot be in the future."))
    elif occurred and resolved_on < occurred:
        rules.add("resolved_on", _("An incident cannot be resolved before it occurred."))
    rules.check(bool(_text(resolution)), "resolution", _("Say how it was resolved."))
    _short_enough(rules, "resolution", resolution, LONG_TEXT)
    rules.raise_if_any()
    # One UPDATE that only matches an open incident: two people closing it at once cannot
    # both succeed, and the first note is never overwritten.
    closed = db.session.execute(
        sa.update(Incident)
        .where(Incident.id == incident.id, Incident.resolved_on.is_(None))
        .values(resolved_on=resolved_on, resolution=_text(resolution), resolved_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError(action=action)
    db.session.expire(incident)
    events.record(
        events.IncidentResolved(
            actor_id=user.id, use_case_id=incident.use_case_id, incident_id=incident.id
        )
    )


def comment_on_return(progress_return: ProgressReturn, user: User, body: str) -> ReturnComment:
    """The regulator's comment on a filed return."""
    action = "use_case.return_comment"
    if not permissions.can_comment_on_return(user, progress_return.use_case):
        raise NotAllowedError(action)
    rules = RuleError.collect(action)
    rules.check(bool(_text(body)), "body", _("Write the comment."))
    _short_enough(rules, "body", body, LONG_TEXT)
    rules.raise_if_any()
    comment = ReturnComment(return_id=progress_return.id, author=user, body=_text(body))
    db.session.add(comment)
    db.session.flush()
    events.record(
        events.ReturnCommented(
            actor_id=user.id, use_case_id=progress_return.use_case_id, return_id=progress_return.id
        )
    )
    return comment


def post_message(use_case: UseCase, user: User, body: str, internal: bool) -> Message:
    """A message on the use case; only the regulator side may keep one internal."""
    action = "use_case.message"
    if not permissions.can_message(user, use_case):
        raise NotAllowedError(action)
    rules = RuleError.collect(action)
    rules.check(bool(_text(body)), "body", _("Write the message."))
    _short_enough(rules, "body", body, LONG_TEXT)
    rules.check(
        not internal or permissions.can_see_internal(user),
        "internal",
        _("Only the regulator can keep internal notes."),
    )
    rules.raise_if_any()
    message = Message(use_case_id=use_case.id, author=user, body=_text(body), internal=internal)
    db.session.add(message)
    db.session.flush()
    events.record(
        events.MessagePosted(
            actor_id=user.id, use_case_id=use_case.id, message_id=message.id, internal=internal
        )
    )
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
    """Keep a readable name (Chinese included) without paths, control or reserved characters.

    Invisible format characters go too: a right-to-left override (U+202E) or another bidi
    control would let ``invoice‮fdp.exe`` display as ``invoiceexe.pdf``; zero-width characters
    would let two different names look the same."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        "_" if unicodedata.category(ch) == "Cc" else ch
        for ch in name
        if unicodedata.category(ch) != "Cf"
    )
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = _UNSAFE_NAME.sub("_", stem).strip(" ._")[:150]
    return f"{stem or 'document'}.{extension}"


# PDF names that make a viewer run code: JavaScript actions and launching a program.
_PDF_ACTIVE_NAMES = frozenset({b"JavaScript", b"JS", b"Launch"})
_PDF_NAME = re.compile(rb"/([A-Za-z0-9#]+)")
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)
_PDF_INFLATE_LIMIT = 64 * 1024 * 1024  # bytes inflated in all, so a zip bomb costs little


def _names(data: bytes) -> set[bytes]:
    """The PDF names in ``data``, with ``#xx`` escapes decoded (``/J#61vaScript``)."""
    found = set()
    for raw in _PDF_NAME.findall(data):
        try:
            found.add(re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m[1], 16)]), raw))
        except ValueError:
            continue
    return found


def pdf_has_scripts(content: bytes) -> bool:
    """Whether a PDF asks its viewer to run JavaScript or launch a program, looking inside
    compressed object streams too."""
    if _names(content) & _PDF_ACTIVE_NAMES:
        return True
    budget = _PDF_INFLATE_LIMIT
    for stream in _PDF_STREAM.findall(content):
        if budget <= 0:
            return True  # too much hidden in streams to be sure: warn rather than pass
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(stream, budget)
        except zlib.error:
            continue
        budget -= len(inflated)
        if _names(inflated) & _PDF_ACTIVE_NAMES:
            return True
    return False


def add_document(
    use_case: UseCase, user: User, filename: str, content: bytes, description: str = ""
) -> Document:
    """Store an uploaded file after checking its size and that its content is an allowed type
    matching its extension. A PDF that would run scripts is kept (it is only ever downloaded)
    and marked (``has_scripts``), so the page warns beside it."""
    if not permissions.can_upload(user, use_case):
        raise NotAllowedError("use_case.document")
    limit = int(current_app.config["TRACKER_MAX_UPLOAD_BYTES"])
    if not content:
        raise UploadError(_("The file is empty."))
    if len(content) > limit:
        raise UploadError(
            _("The file is larger than the %(limit)s MB limit.", limit=limit // (1024 * 1024))
        )
    kind = filetype.guess(content)
    detected = kind.extension if kind else None
    if detected == "jpeg":
        detected = "jpg"
    if detected not in ALLOWED_UPLOADS:
        raise UploadError(
            _("Only PDF, Word, Excel and image files (PNG, JPEG, GIF, WebP) are accepted.")
        )
    content_type, extensions = ALLOWED_UPLOADS[detected]
    given = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if given not in extensions:
        raise UploadError(
            _(
                "The file's content is %(kind)s but its name ends in “.%(given)s”. Rename it or "
                "upload the right file.",
                kind=detected.upper(),
                given=given,
            )
        )
    document = Document(
        use_case_id=use_case.id,
        filename=sanitise_filename(filename, given),
        content_type=content_type,
        has_scripts=detected == "pdf" and pdf_has_scripts(content),
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        description=description.strip(),
        data=content,
        uploaded_by=user,
    )
    db.session.add(document)
    db.session.flush()
    events.record(
        events.DocumentAdded(actor_id=user.id, use_case_id=use_case.id, document_id=document.id)
    )
    return document
