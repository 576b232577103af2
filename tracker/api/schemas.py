"""The API's request and response bodies as marshmallow schemas: they validate what comes in
and, through flask-smorest, are the OpenAPI document's components."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from tracker.api.models import TokenScope
from tracker.clocks.queries import ClockFilter
from tracker.plans.models import Direction
from tracker.programmes.models import CohortStatus
from tracker.reports.models import ReportKind, RequestStatus
from tracker.usecases.models import Audience, MilestoneStatus, Rag, Severity, Stage, Technique
from tracker.web import MAX_ID


def _storable(value: str) -> None:
    """Text every database keeps: no NUL (PostgreSQL refuses it) and valid Unicode."""
    if "\x00" in value:
        raise ma.ValidationError("Text cannot contain the NUL character.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ma.ValidationError("Text must be valid Unicode.") from exc


def Text(*, max_length: int | None = None, **kw: Any) -> fields.String:  # noqa: N802
    checks: list[Any] = [_storable]
    if max_length is not None:
        checks.append(validate.Length(max=max_length))
    return fields.String(validate=checks, **kw)


def Id(*, strict: bool = True, **kw: Any) -> fields.Integer:  # noqa: N802
    """An id: a JSON integer in bodies (``strict``), digits in a query string."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), strict=strict, **kw)


def DecimalText(  # noqa: N802
    *, allow_none: bool = False, description: str = "", **kw: Any
) -> fields.Decimal:
    """A decimal out as a JSON string (``"12.5000"``), so that no digit is lost to a float
    (the document adds ``null`` to the type where it may be null)."""
    metadata: dict[str, Any] = {
        "type": "string",
        "format": "decimal",
        "example": "12.5000",
    }
    if description:
        metadata["description"] = description
    return fields.Decimal(as_string=True, allow_none=allow_none, metadata=metadata, **kw)


class UtcDateTime(fields.DateTime):
    """Timestamps are stored as naive UTC; they go out as RFC 3339 with ``Z``."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return str(value.isoformat().replace("+00:00", "Z"))


def NameOf(attribute: str, **kw: Any) -> fields.Function:  # noqa: N802
    """The name of the person in ``attribute``, or null where nobody is recorded (the system,
    or history older than the accounts)."""

    def name(obj: Any) -> str | None:
        person = getattr(obj, attribute)
        return person.name if person is not None else None

    return fields.Function(name, metadata={"type": ["string", "null"]}, **kw)


class Schema(ma.Schema):
    class Meta:
        ordered = True


class Named(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


# ---------------------------------------------------------------- use cases


class UseCaseSummary(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True, metadata={"example": "UC-00042"})
    title = fields.String(required=True)
    stage = fields.Enum(Stage, by_value=True, required=True)
    stage_label = fields.String(attribute="stage.label", required=True)
    institution = fields.Nested(Named, required=True)
    cohort_id = fields.Integer(required=True)
    category_id = fields.Integer(required=True)
    stage_changed_at = UtcDateTime(required=True)
    submitted_at = UtcDateTime(required=True, allow_none=True)
    updated_at = UtcDateTime(required=True)
    clock_due_on = fields.Date(
        required=True,
        allow_none=True,
        metadata={"description": "When the stage clock running now falls due (none if none)."},
    )
    version = fields.Integer(required=True, metadata={"description": "The ETag's value."})


class UseCasePage(Schema):
    items = fields.List(fields.Nested(UseCaseSummary), required=True)
    next_cursor = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Pass as `cursor` for the next page; null on the last page."},
    )


class PlanKpiOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(
        required=True, metadata={"description": "Name it exactly so in a return's `kpi_values`."}
    )
    unit = fields.String(required=True)
    direction = fields.Enum(
        Direction,
        by_value=True,
        required=True,
        allow_none=True,
        metadata={"description": "Which way is better; null for a KPI carried over from text."},
    )
    baseline = DecimalText(required=True, allow_none=True)
    target = DecimalText(required=True, allow_none=True)


class UseCaseDetail(UseCaseSummary):
    summary = fields.String(required=True)
    problem_statement = fields.String(required=True)
    technique = fields.Enum(Technique, by_value=True, required=True)
    data_used = fields.String(required=True)
    personal_data = fields.Boolean(required=True)
    audience = fields.Enum(Audience, by_value=True, required=True)
    safeguards = fields.String(required=True)
    kpis = fields.List(
        fields.String(),
        attribute="kpi_list",
        required=True,
        metadata={
            "description": "The proposal's KPIs, in words. Returns name these only while no "
            "sandbox plan is agreed (`plan_kpis` is null)."
        },
    )
    plan_kpis = fields.List(
        fields.Nested(PlanKpiOut),
        required=True,
        allow_none=True,
        dump_only=True,
        metadata={
            "description": "The KPIs of the sandbox plan in force: a return reports a number "
            "for each, by name and in this order. Null while no plan is agreed. The whole "
            "plan is at `/use-cases/{id}/plan`."
        },
    )
    gpu_hours = fields.Integer(required=True, allow_none=True)
    partners = fields.List(fields.Nested(Named), required=True)
    pilot_started_on = fields.Date(required=True, allow_none=True)
    pilot_duration_weeks = fields.Integer(required=True, allow_none=True)
    pilot_limits = fields.String(required=True, allow_none=True)
    pilot_data_scope = fields.String(required=True, allow_none=True)
    exit_outcome = fields.String(required=True, allow_none=True)
    exit_lessons = fields.String(required=True, allow_none=True)
    exit_conditions = fields.String(required=True, allow_none=True)
    next_return_start = fields.Date(
        required=True,
        allow_none=True,
        metadata={"description": "The first day the next progress return covers."},
    )
    allowed_transitions = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "Transitions your token's user may take now, by name."},
    )


class ListQuery(Schema):
    """The list page's filters, a cursor and a page size. Newest change first."""

    q = Text(max_length=200, metadata={"description": "Title, institution or UC-00042."})
    programme = Id(strict=False)
    cohort = Id(strict=False)
    stage = fields.Enum(Stage, by_value=True)
    category = Id(strict=False)
    institution = Id(strict=False)
    clock = fields.Enum(
        ClockFilter,
        by_value=True,
        metadata={"description": "Use cases whose stage clock is running, due soon or overdue."},
    )
    cursor = fields.String(validate=validate.Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class ProposalInput(Schema):
    cohort_id = Id(required=True)
    category_id = Id(required=True)
    title = Text(required=True, max_length=500)
    summary = Text(load_default="")
    problem_statement = Text(load_default="")
    technique = fields.Enum(Technique, by_value=True, required=True)
    data_used = Text(load_default="")
    personal_data = fields.Boolean(load_default=False)
    audience = fields.Enum(Audience, by_value=True, required=True)
    safeguards = Text(load_default="")
    kpis = fields.List(
        Text(max_length=1000),
        load_default=list,
        metadata={"description": "One entry per KPI; each return reports a value for each."},
    )
    gpu_hours = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=0, max=10_000_000)
    )
    partner_ids = fields.List(Id(), load_default=list)


class ProposalChanges(ProposalInput):
    """The fields of a proposal to change; those not sent keep their values."""


class TransitionInput(Schema):
    reason = Text(
        load_default="",
        metadata={
            "description": "Required by request_changes, reject, withdraw, suspend, "
            "resume, discontinue and resubmit; an optional note otherwise."
        },
    )
    pilot_started_on = fields.Date(
        metadata={
            "description": "start_pilot; the duration, limits and data scope are the agreed "
            "sandbox plan's"
        }
    )
    exit_outcome = Text(metadata={"description": "approve_production"})
    exit_lessons = Text(metadata={"description": "approve_production"})
    exit_conditions = Text(metadata={"description": "approve_production"})


class HistoryEntry(Schema):
    id = fields.Integer(required=True)
    action = fields.String(required=True)
    from_stage = fields.Enum(Stage, by_value=True, required=True, allow_none=True)
    to_stage = fields.Enum(Stage, by_value=True, required=True)
    actor = NameOf("actor", required=True)
    at = UtcDateTime(required=True)
    reason = fields.String(required=True, allow_none=True)
    details = fields.Dict(required=True)


class FieldChangeEntry(Schema):
    id = fields.Integer(required=True)
    field = fields.String(required=True)
    old_value = fields.String(required=True, allow_none=True)
    new_value = fields.String(required=True, allow_none=True)
    actor = NameOf("actor", required=True)
    at = UtcDateTime(required=True)


class History(Schema):
    transitions = fields.List(fields.Nested(HistoryEntry), required=True)
    edits = fields.List(
        fields.Nested(FieldChangeEntry),
        required=True,
        metadata={"description": "Edits made after the proposal was first submitted."},
    )


# ---------------------------------------------------------------- returns and incidents


class KpiValueOut(Schema):
    position = fields.Integer(required=True)
    kpi = fields.String(required=True)
    value = fields.String(
        required=True,
        metadata={"description": "The note beside the number (before plans: the value)."},
    )
    number = DecimalText(
        required=True,
        allow_none=True,
        description="The number reported against the sandbox plan's KPI.",
    )


class IncidentOut(Schema):
    id = fields.Integer(required=True)
    return_id = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "The return that reported it; null if reported on its own."},
    )
    description = fields.String(required=True)
    severity = fields.Enum(Severity, by_value=True, required=True)
    customer_impact = fields.String(required=True)
    customers_affected = fields.Integer(required=True, allow_none=True)
    remediation = fields.String(required=True)
    occurred_on = fields.Date(required=True, allow_none=True)
    occurred_at = UtcDateTime(required=True, allow_none=True)
    reported_at = UtcDateTime(required=True, allow_none=True)
    acknowledge_by = UtcDateTime(
        required=True,
        allow_none=True,
        metadata={"description": "The regulator's response clock: acknowledge by then."},
    )
    acknowledged_at = UtcDateTime(required=True, allow_none=True)
    resolved_on = fields.Date(required=True, allow_none=True)
    resolution = fields.String(required=True)


class IncidentReportInput(Schema):
    """An incident reported the moment it happens, outside any return."""

    severity = fields.Enum(Severity, by_value=True, required=True)
    occurred_at = fields.AwareDateTime(
        required=True, metadata={"description": "When it happened, with its UTC offset."}
    )
    description = Text(required=True)
    customers_affected = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=0, max=100_000_000)
    )
    customer_impact = Text(load_default="")
    remediation = Text(load_default="")


class CommentOut(Schema):
    id = fields.Integer(required=True)
    author = fields.String(attribute="author.name", required=True)
    at = UtcDateTime(required=True)
    body = fields.String(required=True)


class ReturnOut(Schema):
    id = fields.Integer(required=True)
    use_case_id = fields.Integer(required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    rag = fields.Enum(Rag, by_value=True, required=True)
    narrative = fields.String(required=True)
    attested_by_name = fields.String(required=True)
    attested_by_title = fields.String(required=True)
    submitted_by = NameOf("submitted_by", required=True)
    submitted_at = UtcDateTime(required=True)
    kpi_values = fields.List(fields.Nested(KpiValueOut), required=True)
    incidents = fields.List(fields.Nested(IncidentOut), required=True)
    comments = fields.List(fields.Nested(CommentOut), required=True)
    customers_reached = fields.Integer(required=True, allow_none=True)
    exposure_used = DecimalText(required=True, allow_none=True, description="HK$.")


class KpiValueInput(Schema):
    kpi = Text(required=True, max_length=1000)
    value = Text(
        required=True,
        max_length=500,
        metadata={"description": "A number against each KPI of the plan in force."},
    )
    note = Text(load_default="", max_length=500)


class IncidentInput(Schema):
    description = Text(required=True)
    severity = fields.Enum(Severity, by_value=True, required=True)
    occurred_on = fields.Date(required=True)
    customer_impact = Text(load_default="")
    remediation = Text(load_default="")


class ReturnInput(Schema):
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    rag = fields.Enum(Rag, by_value=True, required=True)
    narrative = Text(required=True)
    attested_by_name = Text(required=True, max_length=200)
    attested_by_title = Text(required=True, max_length=200)
    attested = fields.Boolean(
        required=True,
        metadata={"description": "The named senior manager attests the return: must be true."},
    )
    kpi_values = fields.List(
        fields.Nested(KpiValueInput),
        required=True,
        validate=validate.Length(max=100),
        metadata={
            "description": "A number for each KPI of the sandbox plan in force (`plan_kpis` of "
            "the use case, or `kpis` of its plan), named and ordered as there; before a plan "
            "is agreed, a value for each of the proposal's `kpis`."
        },
    )
    incidents = fields.List(
        fields.Nested(IncidentInput), load_default=list, validate=validate.Length(max=100)
    )
    customers_reached = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=100_000_000),
        metadata={"description": "Required where the sandbox plan caps customers."},
    )
    exposure_used = fields.Decimal(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "HK$, 0 or more; required where the sandbox plan limits exposure."
        },
    )


class CommentInput(Schema):
    body = Text(required=True)


class ResolutionInput(Schema):
    resolved_on = fields.Date(required=True)
    resolution = Text(required=True)


# ---------------------------------------------------------------- reviews


class ScoreInput(Schema):
    criterion_id = Id(required=True)
    score = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = Text(load_default="")


class ReviewInput(Schema):
    scores = fields.List(
        fields.Nested(ScoreInput),
        required=True,
        validate=validate.Length(max=50),
        metadata={"description": "A score from 1 to 5 for each of the cohort's criteria."},
    )
    overall_comment = Text(load_default="")


class ScoreOut(Schema):
    criterion_id = fields.Integer(required=True)
    score = fields.Integer(required=True)
    comment = fields.String(required=True)


class ReviewOut(Schema):
    criteria = fields.List(fields.Nested(Named), required=True)
    scores = fields.List(
        fields.Nested(ScoreOut), required=True, metadata={"description": "Your scores, if any."}
    )
    overall_comment = fields.String(required=True)
    at = UtcDateTime(required=True, allow_none=True)


# ---------------------------------------------------------------- milestones


class MilestoneOut(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    planned_on = fields.Date(required=True)
    actual_on = fields.Date(required=True, allow_none=True)
    status = fields.Enum(MilestoneStatus, by_value=True, required=True)
    version = fields.Integer(required=True, metadata={"description": "The ETag's value."})


class MilestoneInput(Schema):
    title = Text(required=True, max_length=200)
    planned_on = fields.Date(required=True)
    actual_on = fields.Date(load_default=None, allow_none=True)
    status = fields.Enum(MilestoneStatus, by_value=True, required=True)


# ---------------------------------------------------------------- documents and messages


class DocumentOut(Schema):
    id = fields.Integer(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    description = fields.String(required=True)
    has_scripts = fields.Boolean(
        required=True,
        metadata={
            "description": "A PDF that would run JavaScript or launch a program: open "
            "it with care (the pages warn too)."
        },
    )
    uploaded_by = NameOf("uploaded_by", required=True)
    uploaded_at = UtcDateTime(required=True)


class DocumentUpload(Schema):
    description = Text(load_default="", max_length=300)


class MessageOut(Schema):
    id = fields.Integer(required=True)
    author = fields.String(attribute="author.name", required=True)
    at = UtcDateTime(required=True)
    body = fields.String(required=True)
    internal = fields.Boolean(required=True)


class MessageInput(Schema):
    body = Text(required=True)
    internal = fields.Boolean(
        load_default=False, metadata={"description": "Regulator side only: an internal note."}
    )


# ---------------------------------------------------------------- reference data


class CohortOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    name_zh = fields.String(
        allow_none=True, metadata={"description": "The cohort's name in Chinese, if it has one."}
    )
    programme = fields.Nested(Named, required=True)
    status = fields.Enum(CohortStatus, by_value=True, required=True)
    open_to_you = fields.Boolean(
        required=True, metadata={"description": "Your institution may propose in this cohort."}
    )


class Me(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True)
    organisation = fields.String(required=True, allow_none=True)
    scope = fields.Enum(TokenScope, by_value=True, required=True)
    token_expires_at = UtcDateTime(required=True, allow_none=True)


# ---------------------------------------------------------------- reports

# Every kind the register issues, the exit report and written proof of activities included.
REPORT_SLUGS = ("cohort", "programme", "institution", "use-case", "exit", "exit-proof")
# The languages a report can be written in, as a request may spell them.
REPORT_LANGUAGES = ("en", "zh-Hant", "zh_Hant")


class ReportRequestInput(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(REPORT_SLUGS))
    subject_id = Id(required=True)
    as_at = fields.Date(load_default=None, allow_none=True)
    language = fields.String(
        load_default="en",
        validate=validate.OneOf(REPORT_LANGUAGES),
        metadata={
            "description": "The report's language: `en` (English, the default) or `zh-Hant` "
            "(Traditional Chinese; `zh_Hant` is accepted too)."
        },
    )


class IssuedReportOut(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    title = fields.String(required=True)
    sha256 = fields.String(required=True)
    size = fields.Integer(required=True)
    generated_at = UtcDateTime(required=True)
    language = fields.String(required=True)


class ReportRequestOut(Schema):
    id = fields.Integer(required=True)
    kind = fields.Enum(ReportKind, by_value=True, required=True)
    subject_id = fields.Integer(required=True)
    as_at = fields.Date(required=True)
    language = fields.String(required=True)
    status = fields.Enum(RequestStatus, by_value=True, required=True)
    step = fields.String(required=True)
    error = fields.String(required=True)
    requested_at = UtcDateTime(required=True)
    finished_at = UtcDateTime(required=True, allow_none=True)
    report = fields.Nested(
        IssuedReportOut, attribute="issued_report", required=True, allow_none=True
    )


class WebhookInput(Schema):
    url = Text(
        required=True, max_length=500, metadata={"example": "https://ops.bank.example/tracker"}
    )


class WebhookOut(Schema):
    url = fields.String(required=True)
    created_at = UtcDateTime(required=True)
    secret = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "The signing secret, given once when the webhook is created; "
            "null afterwards."
        },
    )


class Problem(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={
            "description": "Messages by field (`incidents.0.severity`); `__all__` for the "
            "request as a whole."
        },
    )
    last_change = fields.Dict(allow_none=True)
