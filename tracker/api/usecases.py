"""Use cases over the API: the list (the list page's filters, keyset pagination), a use case
with its history, drafts, transitions, returns, incidents and milestones. Each write loads the
use case as its page does (invisible: 404), then runs the page's command in one unit of work."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from tracker.api.blueprint import (
    IDEMPOTENCY_KEY,
    bp,
    current_api_user,
    errors,
    if_match,
    reply,
)
from tracker.api.schemas import (
    CommentInput,
    CommentOut,
    History,
    IncidentOut,
    IncidentReportInput,
    ListQuery,
    MilestoneInput,
    MilestoneOut,
    PlanKpiOut,
    ProposalChanges,
    ProposalInput,
    ResolutionInput,
    ReturnInput,
    ReturnOut,
    ReviewInput,
    ReviewOut,
    TransitionInput,
    UseCaseDetail,
    UseCasePage,
)
from tracker.clock import local_today
from tracker.extensions import db
from tracker.plans.queries import version_in_force
from tracker.returns import incidents as incident_register
from tracker.rules import RuleError
from tracker.unit_of_work import unit_of_work
from tracker.usecases import permissions, queries, services, workflow
from tracker.usecases.listing import ListFilters, use_case_select
from tracker.usecases.models import FieldChange, Incident, Milestone, ProgressReturn, UseCase

IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "description": "The ETag of the record as you read it.",
    "schema": {"type": "string"},
}
IF_MATCH_OPTIONAL = {**IF_MATCH, "required": False}
IDEMPOTENCY = {
    "in": "header",
    "name": IDEMPOTENCY_KEY,
    "required": True,
    "description": "A key of your choosing (a UUID) for this request: a retry with the same "
    "key gets the first answer and acts once.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
}
ETAG = {"ETag": {"description": "The version to send in If-Match", "schema": {"type": "string"}}}
LOCATION = {"Location": {"description": "The new record", "schema": {"type": "string"}}}


def _use_case(id: int) -> UseCase:
    return queries.get_visible_or_404(id, current_api_user())


def detail_body(use_case: UseCase) -> dict[str, Any]:
    body: dict[str, Any] = UseCaseDetail().dump(use_case)
    in_force = version_in_force(use_case.id)
    body["plan_kpis"] = PlanKpiOut(many=True).dump(in_force.kpis) if in_force else None
    body["allowed_transitions"] = [
        t.name for t in workflow.allowed_transitions(use_case, current_api_user())
    ]
    return body


# ---------------------------------------------------------------- the list


def _cursors() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="api.use-case-cursor")


def _cursor_of(use_case: UseCase) -> str:
    return str(_cursors().dumps([use_case.updated_at.isoformat(), use_case.id]))


def _after(cursor: str) -> sa.ColumnElement[bool]:
    """Use cases after the cursor's, newest change first (keyset on updated_at, id)."""
    try:
        stamp, last_id = _cursors().loads(cursor)
        updated_at = datetime.fromisoformat(stamp)
        if not isinstance(last_id, int):
            raise TypeError(last_id)
    except (BadSignature, ValueError, TypeError) as exc:
        raise RuleError({"cursor": "This cursor is not one the API gave."}) from exc
    return sa.or_(
        UseCase.updated_at < updated_at,
        sa.and_(UseCase.updated_at == updated_at, UseCase.id < last_id),
    )


def _next_args(cursor: str) -> dict[str, Any]:
    args: dict[str, Any] = {**request.args.to_dict(), "cursor": cursor}
    return args


@bp.route("/use-cases", tags=["Use cases"])
@bp.arguments(ListQuery, location="query", as_kwargs=True)
@bp.response(200, UseCasePage)
@errors(401, 429)
def list_use_cases(limit: int, cursor: str | None = None, **given: Any) -> Response:
    """Use cases you may see, newest change first, with the list page's filters. Follow
    `next_cursor` for the next page."""
    filters, _ignored = ListFilters.from_args(
        {k: (v.value if hasattr(v, "value") else str(v)) for k, v in given.items()}
    )
    extra = [_after(cursor)] if cursor else []
    select = (
        use_case_select(current_api_user(), filters, *extra)
        .order_by(None)
        .order_by(UseCase.updated_at.desc(), UseCase.id.desc())
        .limit(limit + 1)
    )
    found = list(db.session.scalars(select).unique())
    page, more = found[:limit], len(found) > limit
    next_cursor = _cursor_of(page[-1]) if more else None
    body = UseCasePage().dump({"items": page, "next_cursor": next_cursor})
    response = reply(200, body)
    if next_cursor:
        link = url_for("api.list_use_cases", **_next_args(next_cursor))
        response.headers["Link"] = f'<{link}>; rel="next"'

    return response


# ---------------------------------------------------------------- one use case


@bp.route("/use-cases/<apiid:id>", tags=["Use cases"])
@bp.response(200, UseCaseDetail, headers=ETAG)
@errors(401, 404, 429)
def get_use_case(id: int) -> Response:
    """A use case as you may see it, with the transitions you may take now. The ETag is its
    version: send it back in If-Match when you change it."""
    use_case = _use_case(id)
    return reply(200, detail_body(use_case), etag=use_case.version)


@bp.route("/use-cases/<apiid:id>/history", tags=["Use cases"])
@bp.response(200, History)
@errors(401, 404, 429)
def get_history(id: int) -> Response:
    """Every change of stage (who, when, why, the terms recorded) and every edit after the
    first submission, oldest first."""
    use_case = _use_case(id)
    edits = db.session.scalars(
        sa.select(FieldChange)
        .where(FieldChange.use_case_id == use_case.id)
        .options(joinedload(FieldChange.actor))
        .order_by(FieldChange.at, FieldChange.id)
    )
    return reply(200, History().dump({"transitions": use_case.transitions, "edits": edits}))


def _proposal(data: dict[str, Any], base: UseCase | None = None) -> services.ProposalData:
    """The command's input: the request's fields over the use case's current ones."""
    current: dict[str, Any] = {}
    if base is not None:
        current = {name: getattr(base, name) for name in services.PROPOSAL_FIELDS}
        current["kpis"] = base.kpi_list
        current["partner_ids"] = [p.id for p in base.partners]
    merged = {**current, **data}
    return services.ProposalData(
        cohort_id=merged["cohort_id"],
        category_id=merged["category_id"],
        title=merged["title"],
        summary=merged["summary"],
        problem_statement=merged["problem_statement"],
        technique=merged["technique"],
        data_used=merged["data_used"],
        personal_data=merged["personal_data"],
        audience=merged["audience"],
        safeguards=merged["safeguards"],
        kpis="\n".join(k.strip() for k in merged["kpis"] if k.strip()),
        gpu_hours=merged["gpu_hours"],
        partner_ids=tuple(dict.fromkeys(merged["partner_ids"])),
    )


@bp.route("/use-cases", methods=["POST"], tags=["Use cases"])
@bp.arguments(ProposalInput)
@bp.response(201, UseCaseDetail, headers={**ETAG, **LOCATION})
@bp.doc(parameters=[IDEMPOTENCY])
@errors(400, 401, 403, 413, 429)
def create_use_case(data: dict[str, Any]) -> Response:
    """Draft a proposal for your institution (the proposal form's command)."""
    with unit_of_work("api.use_case.create"):
        use_case = services.create_draft(current_api_user(), _proposal(data))
        location = url_for("api.get_use_case", id=use_case.id)
        return reply(201, detail_body(use_case), location=location, etag=use_case.version)


@bp.route("/use-cases/<apiid:id>", methods=["PATCH"], tags=["Use cases"])
@bp.arguments(ProposalChanges(partial=True))
@bp.response(200, UseCaseDetail, headers=ETAG)
@bp.doc(parameters=[IF_MATCH])
@errors(401, 403, 404, 409, 413, 428, 429)
def update_use_case(data: dict[str, Any], id: int) -> Response:
    """Edit a draft, or a proposal the regulator asked you to change. Only the fields sent
    change; after the first submission each change is recorded in the history."""
    use_case = _use_case(id)
    version = if_match()
    assert version is not None
    with unit_of_work("api.use_case.edit"):
        services.update_proposal(use_case, current_api_user(), _proposal(data, use_case), version)
    fresh = _use_case(id)
    return reply(200, detail_body(fresh), etag=fresh.version)


@bp.route("/use-cases/<apiid:id>/transitions/<name>", methods=["POST"], tags=["Use cases"])
@bp.arguments(TransitionInput)
@bp.response(200, UseCaseDetail, headers=ETAG)
@bp.doc(parameters=[IF_MATCH, IDEMPOTENCY])
@errors(400, 401, 403, 404, 409, 413, 428, 429)
def transition(data: dict[str, Any], id: int, name: str) -> Response:
    """Take a workflow transition by name (`submit`, `start_review`, `start_pilot`, …): the
    same table and command as the buttons on the use-case page."""
    use_case = _use_case(id)
    action = workflow.BY_NAME.get(name)
    if action is None:
        abort(404)
    version = if_match()
    assert version is not None
    reason = data.pop("reason", "")
    fields = {n: data.get(n) for n in action.fields} | data
    with unit_of_work(f"api.use_case.{name}"):
        services.apply_transition(use_case, action, current_api_user(), version, fields, reason)
        fresh = _use_case(id)
        return reply(200, detail_body(fresh), etag=fresh.version)


# ---------------------------------------------------------------- reviews


def _review_body(use_case: UseCase) -> dict[str, Any]:
    user = current_api_user()
    mine = next((r for r in use_case.reviews if r.reviewer_id == user.id), None)
    body: dict[str, Any] = ReviewOut().dump(
        {
            "criteria": use_case.cohort.criteria,
            "scores": mine.scores if mine is not None else [],
            "overall_comment": mine.overall_comment if mine is not None else "",
            "at": mine.at if mine is not None else None,
        }
    )
    return body


def _review_errors(exc: RuleError, use_case: UseCase) -> RuleError:
    """The command names a criterion's score ``score_<id>``; this API names them in
    ``scores``, with the criterion."""
    names = {c.id: c.name for c in use_case.cohort.criteria}
    renamed: dict[str, list[str]] = {}
    for field, messages in exc.errors.items():
        if field.startswith("score_") and field[6:].isdigit():
            criterion = names.get(int(field[6:]), field[6:])
            renamed.setdefault("scores", []).extend(f"{criterion}: {m}" for m in messages)
        else:
            renamed.setdefault(field, []).extend(messages)
    return RuleError(renamed, exc.action)


@bp.route("/use-cases/<apiid:id>/review", tags=["Reviews"])
@bp.response(200, ReviewOut)
@errors(401, 403, 404, 429)
def get_review(id: int) -> Response:
    """The cohort's selection criteria and your scores (regulator side only)."""
    use_case = _use_case(id)
    if not permissions.can_see_internal(current_api_user()):
        abort(403)
    return reply(200, _review_body(use_case))


@bp.route("/use-cases/<apiid:id>/review", methods=["PUT"], tags=["Reviews"])
@bp.arguments(ReviewInput)
@bp.response(200, ReviewOut)
@bp.doc(parameters=[IF_MATCH_OPTIONAL])
@errors(401, 403, 404, 409, 413, 428, 429)
def save_review(data: dict[str, Any], id: int) -> Response:
    """Score a proposal under review against its cohort's criteria (one review per reviewer:
    sending it again replaces yours). With If-Match, only if the use case is unchanged."""
    use_case = _use_case(id)
    version = if_match(required=False)
    scores = {s["criterion_id"]: (s["score"], s["comment"]) for s in data["scores"]}
    try:
        with unit_of_work("api.use_case.review"):
            services.save_review(
                use_case, current_api_user(), scores, data["overall_comment"], version
            )
    except RuleError as exc:
        raise _review_errors(exc, use_case) from exc
    return reply(200, _review_body(_use_case(id)))


# ---------------------------------------------------------------- returns and incidents


def _return(use_case: UseCase, return_id: int) -> ProgressReturn:
    found = next((r for r in use_case.returns if r.id == return_id), None)
    if found is None:
        abort(404)
    return found


@bp.route("/use-cases/<apiid:id>/returns", tags=["Returns and incidents"])
@bp.response(200, ReturnOut(many=True))
@errors(401, 404, 429)
def list_returns(id: int) -> Response:
    """The progress returns filed for the use case, oldest period first."""
    return reply(200, ReturnOut(many=True).dump(_use_case(id).returns))


@bp.route("/use-cases/<apiid:id>/returns/<apiid:return_id>", tags=["Returns and incidents"])
@bp.response(200, ReturnOut)
@errors(401, 404, 429)
def get_return(id: int, return_id: int) -> Response:
    """One progress return with its KPI values, incidents and the regulator's comments."""
    return reply(200, ReturnOut().dump(_return(_use_case(id), return_id)))


def _return_errors(exc: RuleError) -> RuleError:
    """The command's field names as this API names them."""
    renamed: dict[str, list[str]] = {}
    for field, messages in exc.errors.items():
        if field == "attest":
            field = "attested"
        elif field.startswith("kpi_") and field[4:].isdigit():
            field = f"kpi_values.{field[4:]}.value"
        elif field.startswith("kpi_") and field.endswith("_note") and field[4:-5].isdigit():
            field = f"kpi_values.{field[4:-5]}.note"
        elif field.startswith("kpi_") and field.endswith("_name") and field[4:-5].isdigit():
            field = f"kpi_values.{field[4:-5]}.kpi"
        renamed.setdefault(field, []).extend(messages)
    return RuleError(renamed, exc.action)


@bp.route("/use-cases/<apiid:id>/returns", methods=["POST"], tags=["Returns and incidents"])
@bp.arguments(ReturnInput)
@bp.response(201, ReturnOut, headers=LOCATION)
@bp.doc(parameters=[IF_MATCH_OPTIONAL, IDEMPOTENCY])
@errors(400, 401, 403, 404, 409, 413, 429)
def file_return(data: dict[str, Any], id: int) -> Response:
    """File a progress return during the pilot: a value for each KPI, any incidents, attested
    by a named senior manager. With If-Match, it is filed only if the use case is unchanged."""
    use_case = _use_case(id)
    version = if_match(required=False)
    filed_data = services.ReturnData(
        period_start=data["period_start"],
        period_end=data["period_end"],
        rag=data["rag"],
        narrative=data["narrative"],
        attested_by_name=data["attested_by_name"],
        attested_by_title=data["attested_by_title"],
        kpi_values=tuple((k["kpi"], k["value"]) for k in data["kpi_values"]),
        kpi_notes=tuple(k["note"] for k in data["kpi_values"]),
        customers_reached=data["customers_reached"],
        exposure_used=data["exposure_used"],
        incidents=tuple(services.IncidentData(**incident) for incident in data["incidents"]),
        attested=data["attested"],
    )
    try:
        with unit_of_work("api.use_case.return"):
            filed = services.file_return(
                use_case, current_api_user(), filed_data, local_today(), expected_version=version
            )
            location = url_for("api.get_return", id=id, return_id=filed.id)
            return reply(201, ReturnOut().dump(filed), location=location)
    except RuleError as exc:
        raise _return_errors(exc) from exc


@bp.route(
    "/use-cases/<apiid:id>/returns/<apiid:return_id>/comments",
    methods=["POST"],
    tags=["Returns and incidents"],
)
@bp.arguments(CommentInput)
@bp.response(201, CommentOut)
@bp.doc(parameters=[IDEMPOTENCY])
@errors(400, 401, 403, 404, 413, 429)
def comment_on_return(data: dict[str, Any], id: int, return_id: int) -> Response:
    """The regulator's comment on a filed return."""
    filed = _return(_use_case(id), return_id)
    with unit_of_work("api.use_case.return_comment"):
        comment = services.comment_on_return(filed, current_api_user(), data["body"])
        return reply(201, CommentOut().dump(comment))


@bp.route("/use-cases/<apiid:id>/incidents", tags=["Returns and incidents"])
@bp.response(200, IncidentOut(many=True))
@errors(401, 404, 429)
def list_incidents(id: int) -> Response:
    """Every incident of the use case, reported in a return or on its own, oldest first."""
    use_case = _use_case(id)
    return reply(200, IncidentOut(many=True).dump(use_case.incidents))


def _incident(use_case: UseCase, incident_id: int) -> Incident:
    found = incident_register.get_incident(use_case, incident_id)
    if found is None:
        abort(404)
    return found


@bp.route("/use-cases/<apiid:id>/incidents/<apiid:incident_id>", tags=["Returns and incidents"])
@bp.response(200, IncidentOut)
@errors(401, 404, 429)
def get_incident(id: int, incident_id: int) -> Response:
    """One incident, with its response clock and resolution."""
    return reply(200, IncidentOut().dump(_incident(_use_case(id), incident_id)))


@bp.route("/use-cases/<apiid:id>/incidents", methods=["POST"], tags=["Returns and incidents"])
@bp.arguments(IncidentReportInput)
@bp.response(201, IncidentOut, headers=LOCATION)
@bp.doc(parameters=[IDEMPOTENCY])
@errors(400, 401, 403, 404, 413, 429)
def report_incident(data: dict[str, Any], id: int) -> Response:
    """The institution reports an incident of its pilot the moment it happens, outside any
    return. A high or critical one tells the lead regulator's staff at once and starts their
    response clock (``acknowledge_by``)."""
    use_case = _use_case(id)
    occurred = data["occurred_at"].astimezone(UTC).replace(tzinfo=None)
    report = incident_register.IncidentReport(
        severity=data["severity"],
        occurred_at=occurred,
        description=data["description"],
        customers_affected=data["customers_affected"],
        customer_impact=data["customer_impact"],
        remediation=data["remediation"],
    )
    with unit_of_work("api.incident.report"):
        incident = incident_register.report_incident(use_case, current_api_user(), report)
        location = url_for("api.get_incident", id=id, incident_id=incident.id)
        return reply(201, IncidentOut().dump(incident), location=location)


@bp.route(
    "/use-cases/<apiid:id>/incidents/<apiid:incident_id>/resolution",
    methods=["POST"],
    tags=["Returns and incidents"],
)
@bp.arguments(ResolutionInput)
@bp.response(200, IncidentOut)
@bp.doc(parameters=[IDEMPOTENCY])
@errors(400, 401, 403, 404, 409, 413, 429)
def resolve_incident(data: dict[str, Any], id: int, incident_id: int) -> Response:
    """Record that an open incident was resolved, when and how (once)."""
    incident = _incident(_use_case(id), incident_id)
    with unit_of_work("api.use_case.incident_resolved"):
        services.resolve_incident(
            incident, current_api_user(), data["resolved_on"], data["resolution"]
        )
        fresh = db.session.get(Incident, incident_id)
        return reply(200, IncidentOut().dump(fresh))


# ---------------------------------------------------------------- milestones


@bp.route("/use-cases/<apiid:id>/milestones", tags=["Milestones"])
@bp.response(200, MilestoneOut(many=True))
@errors(401, 404, 429)
def list_milestones(id: int) -> Response:
    """The use case's milestones by planned date."""
    return reply(200, MilestoneOut(many=True).dump(_use_case(id).milestones))


def _milestone(use_case: UseCase, milestone_id: int) -> Milestone:
    found = db.session.get(Milestone, milestone_id)
    if found is None or found.use_case_id != use_case.id:
        abort(404)
    return found


@bp.route("/use-cases/<apiid:id>/milestones/<apiid:milestone_id>", tags=["Milestones"])
@bp.response(200, MilestoneOut, headers=ETAG)
@errors(401, 404, 429)
def get_milestone(id: int, milestone_id: int) -> Response:
    """One milestone; its ETag is its version."""
    milestone = _milestone(_use_case(id), milestone_id)
    return reply(200, MilestoneOut().dump(milestone), etag=milestone.version)


@bp.route("/use-cases/<apiid:id>/milestones", methods=["POST"], tags=["Milestones"])
@bp.arguments(MilestoneInput)
@bp.response(201, MilestoneOut, headers={**ETAG, **LOCATION})
@bp.doc(parameters=[IDEMPOTENCY])
@errors(400, 401, 403, 404, 413, 429)
def add_milestone(data: dict[str, Any], id: int) -> Response:
    """The regulator adds a milestone to a selected or piloting use case."""
    use_case = _use_case(id)
    with unit_of_work("api.use_case.milestone"):
        milestone = services.save_milestone(use_case, None, user=current_api_user(), **data)
        location = url_for("api.get_milestone", id=id, milestone_id=milestone.id)
        return reply(201, MilestoneOut().dump(milestone), location=location, etag=milestone.version)


@bp.route(
    "/use-cases/<apiid:id>/milestones/<apiid:milestone_id>", methods=["PUT"], tags=["Milestones"]
)
@bp.arguments(MilestoneInput)
@bp.response(200, MilestoneOut, headers=ETAG)
@bp.doc(parameters=[IF_MATCH])
@errors(401, 403, 404, 409, 413, 428, 429)
def update_milestone(data: dict[str, Any], id: int, milestone_id: int) -> Response:
    """The regulator updates a milestone it read at the If-Match version."""
    use_case = _use_case(id)
    milestone = _milestone(use_case, milestone_id)
    version = if_match()
    assert version is not None
    with unit_of_work("api.use_case.milestone"):
        services.save_milestone(
            use_case, milestone, user=current_api_user(), expected_version=version, **data
        )
    fresh = _milestone(use_case, milestone_id)
    return reply(200, MilestoneOut().dump(fresh), etag=fresh.version)
