"""The AI evidence register over the API (read only): a use case's model iterations as they
stand now, or as they stood at a past moment, with their evaluations and the regulator's
review. Loaded as the pages load them (a use case you may not see: 404)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import abort
from marshmallow import Schema, fields
from werkzeug.wrappers import Response

from tracker.api.blueprint import bp, errors, reply
from tracker.api.schemas import UtcDateTime
from tracker.api.usecases import _use_case
from tracker.evidence.models import ActivityKind, Outcome
from tracker.evidence.queries import evidence_as_at


class EvaluationOut(Schema):
    metric = fields.String(required=True)
    dataset = fields.String(required=True)
    result = fields.Float(required=True, allow_none=True)
    threshold = fields.Float(required=True, allow_none=True)
    direction = fields.String(
        required=True,
        metadata={"description": "Which side of the threshold passes; empty without a threshold."},
    )
    outcome = fields.Enum(Outcome, by_value=True, required=True, allow_none=True)
    derived = fields.Boolean(
        required=True,
        metadata={"description": "True when the outcome follows from result and threshold."},
    )


class ActivityOut(Schema):
    kind = fields.Enum(ActivityKind, by_value=True, required=True)
    at = UtcDateTime(required=True)
    by = fields.String(required=True)
    body = fields.String(required=True)
    revision = fields.Integer(required=True, allow_none=True)


class NarrativeOut(Schema):
    title = fields.String(required=True)
    text = fields.String(required=True)


class DocumentLinkOut(Schema):
    id = fields.Integer(required=True)
    filename = fields.String(required=True)


class EvidenceOut(Schema):
    id = fields.Integer(attribute="entry_id", required=True)
    iteration = fields.Integer(required=True)
    model_name = fields.String(required=True)
    model_version = fields.String(required=True)
    provider = fields.String(required=True)
    technique = fields.String(required=True)
    hosting = fields.String(required=True, metadata={"description": "Where the model runs."})
    narratives = fields.Function(
        lambda view: [{"title": t, "text": x} for t, x in view.narratives],
        metadata={
            "description": "Guardrails, red-team and bias tests, human oversight, "
            "drift monitoring and known limitations, in that order."
        },
    )
    evaluations = fields.List(fields.Nested(EvaluationOut), required=True)
    documents = fields.List(fields.Nested(DocumentLinkOut), required=True)
    revision = fields.Integer(required=True)
    revised_at = UtcDateTime(required=True)
    revised_by = fields.String(required=True)
    recorded_at = UtcDateTime(required=True)
    reviewed_at = UtcDateTime(required=True, allow_none=True)
    reviewed_by = fields.String(required=True, allow_none=True)
    activity = fields.List(fields.Nested(ActivityOut), required=True)


class EvidenceQuery(Schema):
    as_at = fields.AwareDateTime(
        load_default=None,
        metadata={
            "description": "A past moment (RFC 3339 with offset): each entry as it "
            "stood then. Omit for now."
        },
    )


def _moment(as_at: datetime | None) -> datetime | None:
    if as_at is None:
        return None
    return as_at.astimezone(UTC).replace(tzinfo=None)


@bp.route("/use-cases/<apiid:id>/evidence", tags=["AI evidence"])
@bp.arguments(EvidenceQuery, location="query", as_kwargs=True)
@bp.response(200, EvidenceOut(many=True))
@errors(401, 404, 422, 429)
def list_evidence(id: int, as_at: datetime | None = None) -> Response:
    """The use case's AI evidence register, one entry per model iteration in order (a use
    case has a handful, so the list is not paged)."""
    use_case = _use_case(id)
    views = evidence_as_at(use_case.id, _moment(as_at))
    return reply(200, EvidenceOut(many=True).dump(views))


@bp.route("/use-cases/<apiid:id>/evidence/<apiid:entry_id>", tags=["AI evidence"])
@bp.response(200, EvidenceOut)
@errors(401, 404, 429)
def get_evidence(id: int, entry_id: int) -> Response:
    """One model iteration as it stands now."""
    use_case = _use_case(id)
    found = next((v for v in evidence_as_at(use_case.id) if v.entry_id == entry_id), None)
    if found is None:
        abort(404)
    body: dict[str, Any] = EvidenceOut().dump(found)
    return reply(200, body)
