"""A use case's sandbox plan over the API (read only): the version in force now or at a past
moment, with the KPIs a return reports against, and every version the caller may see. Loaded
as the plan pages load it (a use case you may not see: 404; a draft never submitted: only its
institution)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort
from marshmallow import fields
from werkzeug.wrappers import Response

from tracker.api.blueprint import bp, current_api_user, errors, reply
from tracker.api.evidence import EvidenceQuery, _moment
from tracker.api.schemas import DecimalText, NameOf, PlanKpiOut, Schema, UtcDateTime
from tracker.api.usecases import ETAG, _use_case
from tracker.plans import permissions, queries
from tracker.plans.models import PlanStatus, ReportingFrequency, SandboxPlanVersion


class Section(fields.Nested):
    """A nested section of the version drawn from the version's own columns."""

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        return obj


class BoundariesOut(Schema):
    duration_weeks = fields.Integer(required=True)
    customer_cap = fields.Integer(
        required=True,
        allow_none=True,
        metadata={
            "description": "Customers the test may reach; returns then give "
            "`customers_reached`. Null: no cap."
        },
    )
    exposure_limit = DecimalText(
        required=True,
        allow_none=True,
        description="HK$; returns then give `exposure_used`. Null: no limit.",
    )
    other_limits = fields.String(required=True)
    data_scope = fields.String(required=True)
    channels = fields.String(required=True)
    geographies = fields.String(required=True)


class SafeguardsOut(Schema):
    """The four safeguards of the HKMA's Fintech Supervisory Sandbox."""

    boundary = fields.String(attribute="safeguard_boundary", required=True)
    customer_protection = fields.String(attribute="safeguard_customer_protection", required=True)
    risk_controls = fields.String(attribute="safeguard_risk_controls", required=True)
    readiness = fields.String(attribute="safeguard_readiness", required=True)


class ReportingOut(Schema):
    frequency = fields.Enum(
        ReportingFrequency, by_value=True, attribute="report_frequency", required=True
    )
    days_to_file = fields.Integer(
        attribute="report_due_days",
        required=True,
        metadata={"description": "Each return is due this many days after its period ends."},
    )


class PlanMilestoneOut(Schema):
    title = fields.String(required=True)
    planned_on = fields.Date(required=True)


class PlanVersionOut(Schema):
    number = fields.Integer(required=True)
    status = fields.Enum(PlanStatus, by_value=True, required=True)
    carried_over = fields.Boolean(
        required=True,
        metadata={
            "description": "Version 1 of a pilot begun before plans were kept: its terms came "
            "from the pilot's free text and its other sections are blank."
        },
    )
    objectives = fields.String(required=True)
    success_measures = fields.String(required=True)
    methodology = fields.String(required=True)
    kpis = fields.List(
        fields.Nested(PlanKpiOut),
        required=True,
        metadata={"description": "A return reports a number for each, by name, in this order."},
    )
    boundaries = Section(BoundariesOut, required=True)
    safeguards = Section(SafeguardsOut, required=True)
    reporting = Section(ReportingOut, required=True)
    milestones = fields.List(fields.Nested(PlanMilestoneOut), required=True)
    exit_strategy = fields.String(required=True)
    drafted_by = NameOf("drafted_by", required=True)
    created_at = UtcDateTime(required=True)
    updated_at = UtcDateTime(required=True)
    submitted_at = UtcDateTime(required=True, allow_none=True)
    decided_by = NameOf("decided_by", required=True)
    decided_at = UtcDateTime(required=True, allow_none=True)
    agreed_at = UtcDateTime(
        required=True,
        allow_none=True,
        metadata={"description": "When it came into force; an amendment replaces it when agreed."},
    )
    decision_note = fields.String(
        required=True,
        metadata={"description": "The regulator's reason for asking changes, or its note."},
    )


class PlanVersionEntry(PlanVersionOut):
    in_force = fields.Boolean(required=True, metadata={"description": "The version in force now."})


def _visible(use_case_id: int, use_case: Any) -> list[SandboxPlanVersion]:
    plan = queries.plan_of(use_case_id)
    if plan is None:
        return []
    user = current_api_user()
    return [v for v in plan.versions if permissions.can_see_version(user, use_case, v)]


@bp.route("/use-cases/<apiid:id>/plan", tags=["Sandbox plan"])
@bp.arguments(EvidenceQuery, location="query", as_kwargs=True)
@bp.response(200, PlanVersionOut, headers=ETAG)
@errors(401, 404, 422, 429)
def get_plan(id: int, as_at: datetime | None = None) -> Response:
    """The sandbox plan in force (the version agreed most recently), or the one in force at a
    past moment: its KPIs are those a return reports against, its boundaries those a return's
    `customers_reached` and `exposure_used` are held to. 404 while no version is agreed. The
    ETag is the version's number: it changes when an amendment comes into force."""
    use_case = _use_case(id)
    if not permissions.can_view_plan(current_api_user(), use_case):
        abort(404)
    version = queries.version_in_force(use_case.id, _moment(as_at))
    if version is None:
        abort(404)
    body: dict[str, Any] = PlanVersionOut().dump(version)
    return reply(200, body, etag=version.number)


@bp.route("/use-cases/<apiid:id>/plan/versions", tags=["Sandbox plan"])
@bp.response(200, PlanVersionEntry(many=True))
@errors(401, 404, 429)
def list_plan_versions(id: int) -> Response:
    """Every version of the plan you may see, oldest first: agreed, sent back, waiting for
    agreement, and (to its institution only) the draft not yet submitted."""
    use_case = _use_case(id)
    visible = _visible(use_case.id, use_case)
    agreed = [v for v in visible if v.status is PlanStatus.AGREED]
    in_force = max(agreed, key=lambda v: (v.agreed_at, v.number)) if agreed else None
    body = [{**PlanVersionOut().dump(v), "in_force": v is in_force} for v in visible]
    return reply(200, body)
