"""Report downloads, the report register and the check of a PDF against it."""

from __future__ import annotations

import io
from dataclasses import dataclass

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from tracker.extensions import db
from tracker.i18n import current_language, normalise
from tracker.i18n import gettext as _
from tracker.pagecache import cached_page
from tracker.reports import services
from tracker.reports.forms import GenerateForm, VerifyForm, local_today
from tracker.reports.models import IssuedReport, ReportKind, ReportRequest
from tracker.reports.permissions import can_generate, can_see_subject, visible_reports
from tracker.rules import RuleError
from tracker.unit_of_work import unit_of_work
from tracker.web import rule_errors_onto

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _kind(kind: ReportKind | str) -> ReportKind:
    if isinstance(kind, ReportKind):
        return kind
    return services.SLUGS.get(kind) or ReportKind(kind)


@dataclass(frozen=True)
class DownloadButton:
    """What the ``report_button`` macro needs to draw the form."""

    url: str
    slug: str
    label: str
    today: str


@bp.app_template_global("can_generate_report")
def can_generate_report(kind: ReportKind | str, subject_id: int) -> bool:
    """Whether the signed-in user may issue this report (a Jinja global for templates)."""
    the_kind = _kind(kind)
    subject = services.load_subject(the_kind, subject_id)
    return subject is not None and can_generate(current_user, the_kind, subject)


@bp.app_template_global("report_download")
def report_download(kind: ReportKind | str, subject_id: int) -> DownloadButton | None:
    """The download form's details, or None when the user may not issue this report."""
    the_kind = _kind(kind)
    if not can_generate_report(the_kind, subject_id):
        return None
    slug = services.SLUG_OF[the_kind]
    return DownloadButton(
        url=url_for("reports.generate", slug=slug, subject_id=subject_id),
        slug=slug,
        label=the_kind.label,
        today=local_today().isoformat(),
    )


def _pdf(report: IssuedReport, data: bytes) -> Response:
    return send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=report.download_name,
    )


@bp.get("/")
@login_required
@cached_page
def register() -> str:
    """The report register: every issued report the user may see, newest first."""
    page = db.paginate(
        sa.select(IssuedReport)
        .where(visible_reports(current_user))
        .options(joinedload(IssuedReport.generated_by))
        .order_by(IssuedReport.generated_at.desc(), IssuedReport.id.desc()),
        per_page=current_app.config["TRACKER_PAGE_SIZE"],
        error_out=False,
    )
    return render_template("reports/register.html", page=page)


@bp.get("/<int:report_id>/download")
@login_required
def download(report_id: int) -> Response:
    """Exactly the bytes that were issued under this register entry."""
    report = db.session.scalar(
        sa.select(IssuedReport).where(IssuedReport.id == report_id, visible_reports(current_user))
    )
    if report is None:
        abort(404)
    return _pdf(report, report.data)


@bp.route(
    "/<any(cohort, programme, institution, 'use-case', exit, 'exit-proof'):slug>/<int:subject_id>",
    methods=["GET", "POST"],
)
@login_required
def generate(slug: str, subject_id: int) -> Response | str:
    """Ask for a report on a cohort, programme, institution or use case. It is produced in the
    background; the answer is the page that follows its progress."""
    kind = services.SLUGS[slug]
    subject = services.load_subject(kind, subject_id)
    if subject is None:
        abort(404)
    if not can_generate(current_user, kind, subject):
        abort(403 if can_see_subject(current_user, kind, subject) else 404)
    form = GenerateForm()
    if not form.is_submitted():
        form.language.data = current_language()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                report_request = services.request_report(
                    current_user,
                    kind,
                    subject,
                    form.as_at.data,
                    normalise(form.language.data) or current_language(),
                )
        except RuleError as exc:
            rule_errors_onto(form, exc)
        else:
            return redirect(url_for("reports.progress", request_id=report_request.id))
    return render_template(
        "reports/generate.html", form=form, kind=kind, slug=slug, subject=subject
    )


def _own_request_or_404(request_id: int) -> ReportRequest:
    """A report request, to the user who asked for it (and administrators); others get 404."""
    wanted = db.session.get(ReportRequest, request_id)
    if wanted is None or not (wanted.requested_by_id == current_user.id or current_user.is_admin):
        abort(404)
    return wanted


@bp.get("/requests/<int:request_id>")
@login_required
def progress(request_id: int) -> str:
    """A requested report: its progress while it is produced, then its download."""
    wanted = _own_request_or_404(request_id)
    subject = services.load_subject(wanted.kind, wanted.subject_id)
    return render_template(
        "reports/progress.html",
        report_request=wanted,
        subject=subject,
        slug=services.SLUG_OF[wanted.kind],
    )


@bp.get("/requests/<int:request_id>/status")
@login_required
def progress_status(request_id: int) -> Response:
    """The request's state as JSON, for the progress page to follow without reloading."""
    wanted = _own_request_or_404(request_id)
    return jsonify(
        status=wanted.status.value,
        label=wanted.status.label,
        step=_(wanted.step) if wanted.step else "",
        steps_done=wanted.steps_done,
        error=wanted.error,
        download=(
            url_for("reports.download", report_id=wanted.issued_report.id)
            if wanted.issued_report
            else None
        ),
    )


@bp.route("/verify", methods=["GET", "POST"])
@login_required
def verify() -> str:
    """Check whether an uploaded PDF is one the register issued, unchanged."""
    form = VerifyForm()
    checked = False
    match: IssuedReport | None = None
    may_download = False
    if form.validate_on_submit():
        checked = True
        match = services.find_issued(form.pdf.data.read())
        if match is not None:
            may_download = (
                db.session.scalar(
                    sa.select(IssuedReport.id).where(
                        IssuedReport.id == match.id, visible_reports(current_user)
                    )
                )
                is not None
            )
    return render_template(
        "reports/verify.html",
        form=form,
        checked=checked,
        match=match,
        may_download=may_download,
    )
