"""Reports over the API: ask for one (answered at once, produced by a worker), follow the
request, then download the PDF exactly as the register keeps it."""

from __future__ import annotations

import io
from typing import Any

import sqlalchemy as sa
from flask import abort, send_file, url_for
from werkzeug.wrappers import Response

from tracker import i18n
from tracker.api.blueprint import bp, current_api_user, errors, reply
from tracker.api.schemas import ReportRequestInput, ReportRequestOut
from tracker.api.usecases import IDEMPOTENCY, LOCATION
from tracker.extensions import db
from tracker.reports import services
from tracker.reports.models import IssuedReport, ReportRequest
from tracker.reports.permissions import can_generate, can_see_subject, visible_reports
from tracker.unit_of_work import unit_of_work


@bp.route("/reports", methods=["POST"], tags=["Reports"])
@bp.arguments(ReportRequestInput)
@bp.response(202, ReportRequestOut, headers=LOCATION)
@bp.doc(parameters=[IDEMPOTENCY])
@errors(400, 401, 403, 404, 413, 429)
def request_report(data: dict[str, Any]) -> Response:
    """Ask for a cohort, programme, institution or use-case report as at a day (today by
    default). Follow the Location until `status` is `done`, then download `report`."""
    user = current_api_user()
    kind = services.SLUGS[data["kind"]]
    subject = services.load_subject(kind, data["subject_id"])
    if subject is None:
        abort(404)
    if not can_generate(user, kind, subject):
        abort(403 if can_see_subject(user, kind, subject) else 404)
    # The API answers in English (its rule messages too); the report is written in the
    # language asked for.
    with i18n.language(i18n.ENGLISH), unit_of_work("api.report.request"):
        wanted = services.request_report(user, kind, subject, data["as_at"], data["language"])
        location = url_for("api.get_report_request", request_id=wanted.id)
        return reply(202, ReportRequestOut().dump(wanted), location=location)


@bp.route("/reports/requests/<apiid:request_id>", tags=["Reports"])
@bp.response(200, ReportRequestOut)
@errors(401, 404, 429)
def get_report_request(request_id: int) -> Response:
    """A report you asked for: queued, running, done (with the report) or failed."""
    user = current_api_user()
    wanted = db.session.get(ReportRequest, request_id)
    if wanted is None or not (wanted.requested_by_id == user.id or user.is_admin):
        abort(404)
    return reply(200, ReportRequestOut().dump(wanted))


@bp.route("/reports/<apiid:report_id>/pdf", tags=["Reports"])
@bp.response(200, description="The PDF as issued", content_type="application/pdf")
@errors(401, 404, 429)
def download_report(report_id: int) -> Response:
    """An issued report you may see, byte for byte as the register keeps it."""
    report = db.session.scalar(
        sa.select(IssuedReport).where(
            IssuedReport.id == report_id, visible_reports(current_api_user())
        )
    )
    if report is None:
        abort(404)
    response = send_file(
        io.BytesIO(report.data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{report.reference}.pdf",
    )
    return response
