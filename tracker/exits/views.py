"""The exit page of a use case (its exit PDFs and their publication) and the public pages of
published exit reports, which need no sign-in."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from tracker.exits import services
from tracker.exits.data import exit_refusal
from tracker.exits.forms import ConsentForm, PublishForm
from tracker.exits.models import ExitPublication
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.reports.models import IssuedReport, ReportKind
from tracker.reports.permissions import EXIT_KINDS, visible_reports
from tracker.rules import ConflictError, NotAllowedError, RuleError
from tracker.unit_of_work import unit_of_work
from tracker.usecases import queries as usecase_queries
from tracker.usecases.models import UseCase
from tracker.usecases.permissions import can_see_internal, is_owner
from tracker.web import rule_errors_onto

bp = Blueprint("exits", __name__)


def _exit_use_case(id: int) -> UseCase:
    """The use case for its exit page: the lead institution and the regulator side; partners
    are refused (403), whoever may not see it gets 404."""
    use_case = usecase_queries.get_visible_or_404(id, current_user)
    if not (is_owner(current_user, use_case) or can_see_internal(current_user)):
        abort(403)
    return use_case


def _render(
    use_case: UseCase, publish_form: PublishForm | None = None, status: int = 200
) -> tuple[str, int]:
    record = services.publication_of(use_case.id)
    version = str(record.version if record else 0)
    consent_form = ConsentForm(version=version)
    publish_form = publish_form or PublishForm(version=version)
    publish_form.version.data = version
    issued = list(
        db.session.scalars(
            sa.select(IssuedReport)
            .where(
                IssuedReport.kind.in_(EXIT_KINDS),
                IssuedReport.subject_id == use_case.id,
                visible_reports(current_user),
            )
            .order_by(IssuedReport.generated_at.desc(), IssuedReport.id.desc())
        )
    )
    return render_template(
        "exits/use_case.html",
        use_case=use_case,
        refusal=exit_refusal(use_case),
        record=record,
        side=services.side_of(current_user, use_case),
        issued=issued,
        has_exit_report=any(r.kind is ReportKind.EXIT for r in issued),
        consent_form=consent_form,
        publish_form=publish_form,
    ), status


@bp.get("/use-cases/<int:id>/exit")
@login_required
def use_case_exit(id: int) -> tuple[str, int]:
    """The exit of one use case: its exit report and written proof, and their publication."""
    return _render(_exit_use_case(id))


def _command(id: int, change: str) -> Response | tuple[str, int]:
    use_case = _exit_use_case(id)
    form = PublishForm() if change == "publish" else ConsentForm()
    if not form.validate_on_submit():
        return _render(use_case, form if isinstance(form, PublishForm) else None, status=400)
    try:
        with unit_of_work():
            if change == "consent":
                services.consent(use_case, current_user, form.expected_version())
            elif change == "withdraw":
                services.withdraw(use_case, current_user, form.expected_version())
            else:
                assert isinstance(form, PublishForm)
                services.publish(
                    use_case, current_user, form.abstract.data or "", form.expected_version()
                )
    except NotAllowedError:
        abort(403)
    except ConflictError:
        flash(
            _(
                "The publication record changed since you read it: nothing was saved. "
                "Read it again below."
            ),
            "danger",
        )
        fresh = usecase_queries.get_visible_or_404(id, current_user)
        kept = form if isinstance(form, PublishForm) else None
        return _render(fresh, kept, status=409)
    except RuleError as exc:
        if isinstance(form, PublishForm):
            rule_errors_onto(form, exc)
            return _render(use_case, form, status=400)
        flash(str(exc), "danger")
        return _render(use_case, status=400)
    flash(
        {
            "consent": _("Consent to publication recorded."),
            "withdraw": _("Consent to publication withdrawn."),
            "publish": _("The exit report's abstract is published."),
        }[change],
        "success",
    )
    return redirect(url_for("exits.use_case_exit", id=id))


@bp.post("/use-cases/<int:id>/exit/consent")
@login_required
def consent(id: int) -> Response | tuple[str, int]:
    """Record the user's side's consent to publishing the exit report."""
    return _command(id, "consent")


@bp.post("/use-cases/<int:id>/exit/withdraw")
@login_required
def withdraw(id: int) -> Response | tuple[str, int]:
    """Withdraw the user's side's consent before publication."""
    return _command(id, "withdraw")


@bp.post("/use-cases/<int:id>/exit/publish")
@login_required
def publish(id: int) -> Response | tuple[str, int]:
    """Regulator staff publish the abstract once both sides consented."""
    return _command(id, "publish")


def _published() -> sa.Select[ExitPublication]:
    return (
        sa.select(ExitPublication)
        .where(ExitPublication.published_at.is_not(None))
        .options(
            joinedload(ExitPublication.use_case).options(
                joinedload(UseCase.institution), joinedload(UseCase.category)
            ),
            joinedload(ExitPublication.report),
        )
    )


@bp.get("/published/")
def published_index() -> str:
    """Every published exit report's abstract, newest first. No sign-in."""
    rows = db.session.scalars(
        _published().order_by(ExitPublication.published_at.desc(), ExitPublication.id.desc())
    ).all()
    return render_template("exits/published_index.html", publications=rows)


@bp.get("/published/<slug>")
def published(slug: str) -> str:
    """One published exit report's public abstract. No sign-in."""
    row = db.session.scalar(_published().where(ExitPublication.slug == slug))
    if row is None:
        abort(404)
    return render_template("exits/published.html", publication=row)
