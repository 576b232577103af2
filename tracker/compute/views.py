"""Pages of the compute ledger: a use case's GPU hours requested, allocated and used, with the
regulator's tranche form and the institution's usage form; the programme's totals."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from tracker.auth.permissions import Permission, has
from tracker.clock import local_today
from tracker.compute import forms, permissions, queries, services
from tracker.extensions import db
from tracker.formutil import options
from tracker.i18n import gettext as _
from tracker.i18n import number
from tracker.programmes.models import Programme
from tracker.programmes.permissions import can_view_programme
from tracker.returns.dates import period
from tracker.rules import RuleError
from tracker.unit_of_work import unit_of_work
from tracker.usecases import queries as usecase_queries
from tracker.usecases.models import UseCase
from tracker.web import parse_id, rule_errors_onto

bp = Blueprint("compute", __name__)


def _usage_form(use_case: UseCase, form: forms.UsageForm | None = None) -> forms.UsageForm:
    form = form or forms.UsageForm()
    form.return_id.choices = options(
        [("", _("None"))]
        + [(str(r.id), period(r.period_start, r.period_end)) for r in reversed(use_case.returns)]
    )
    return form


def _render(
    use_case: UseCase,
    allocation_form: forms.AllocationForm | None = None,
    usage_form: forms.UsageForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    may_allocate = permissions.can_allocate(current_user, use_case)
    may_report = permissions.can_report_usage(current_user, use_case)
    if may_report and usage_form is None:
        usage_form = _usage_form(use_case)
        last = use_case.returns[-1] if use_case.returns else None
        ledger_now = queries.ledger(use_case)
        usage_form.period_start.data = (
            ledger_now.usage[-1].period_end + timedelta(days=1)
            if ledger_now.usage
            else use_case.pilot_started_on
        )
        usage_form.period_end.data = last.period_end if last else local_today()
    if may_allocate and allocation_form is None:
        allocation_form = forms.AllocationForm()
        allocation_form.granted_on.data = local_today()
    return render_template(
        "compute/ledger.html",
        use_case=use_case,
        ledger=queries.ledger(use_case),
        allocation_form=allocation_form if may_allocate else None,
        usage_form=usage_form if may_report else None,
    ), status


@bp.get("/use-cases/<int:id>/compute")
@login_required
def ledger(id: int) -> tuple[str, int]:
    """GPU hours requested in the proposal, allocated by the regulator and used per period."""
    return _render(usecase_queries.get_visible_or_404(id, current_user))


@bp.post("/use-cases/<int:id>/compute/allocations")
@login_required
def allocate(id: int) -> Response | tuple[str, int]:
    """Regulator staff allocate a tranche of GPU hours."""
    use_case = usecase_queries.get_visible_or_404(id, current_user)
    if not permissions.can_allocate(current_user, use_case):
        abort(403)
    form = forms.AllocationForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.allocate(
                    use_case,
                    current_user,
                    form.granted_on.data,
                    form.hours.data,
                    form.note.data or "",
                )
        except RuleError as exc:
            rule_errors_onto(form, exc)
        else:
            flash(_("%(hours)s GPU hours allocated.", hours=number(form.hours.data)), "success")
            return redirect(url_for("compute.ledger", id=id))
    return _render(use_case, allocation_form=form, status=400)


@bp.post("/use-cases/<int:id>/compute/usage")
@login_required
def report_usage(id: int) -> Response | tuple[str, int]:
    """The institution reports the GPU hours used in a period."""
    use_case = usecase_queries.get_visible_or_404(id, current_user)
    if not permissions.can_report_usage(current_user, use_case):
        abort(403)
    form = _usage_form(use_case)
    if form.validate_on_submit():
        data = services.UsageData(
            period_start=form.period_start.data,
            period_end=form.period_end.data,
            hours_used=form.hours_used.data,
            return_id=parse_id(form.return_id.data),
            over_use_reason=form.over_use_reason.data or "",
        )
        try:
            with unit_of_work():
                services.report_usage(use_case, current_user, data)
        except RuleError as exc:
            rule_errors_onto(form, exc)
        else:
            flash(_("GPU hours used recorded."), "success")
            return redirect(url_for("compute.ledger", id=id))
    return _render(use_case, usage_form=form, status=400)


@bp.get("/programmes/<int:id>/compute")
@login_required
def programme(id: int) -> str:
    """GPU hours requested, allocated and used across the programme, by cohort and category."""
    item = db.get_or_404(Programme, id)
    if not (has(current_user, Permission.VIEW_ALL) or has(current_user, Permission.VIEW_REMIT)):
        abort(403)
    if not can_view_programme(current_user, item):
        abort(404)
    return render_template(
        "compute/programme.html", programme=item, totals=queries.programme_totals(item)
    )
