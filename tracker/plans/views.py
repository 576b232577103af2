"""Sandbox plan pages: the plan in force with the version waiting for agreement, the form the
institution drafts in, the regulator's decisions, and each version with what it changed. Every
view loads, authorises, then acts."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from tracker.i18n import gettext as _
from tracker.plans import forms, permissions, queries, services
from tracker.plans import notifications as _notifications  # noqa: F401  (who is told)
from tracker.plans.models import (
    BreachDecision,
    Direction,
    PlanStatus,
    ReportingFrequency,
    SandboxPlanVersion,
)
from tracker.rules import ConflictError, RuleError
from tracker.unit_of_work import unit_of_work
from tracker.usecases import queries as uc_queries
from tracker.usecases.models import UseCase
from tracker.web import rule_errors_onto

bp = Blueprint("plans", __name__, url_prefix="/use-cases")

MIN_KPI_ROWS = 4
MIN_MILESTONE_ROWS = 4
EXTRA_ROWS = 2


@bp.app_template_filter("plan_limits")
def plan_limits(version: SandboxPlanVersion) -> str:
    return queries.limits_text(version).replace("\n", " ")


@bp.app_template_filter("plan_number")
def plan_number(value: Decimal | None) -> str:
    return queries.number(value)


@bp.app_template_filter("hkd")
def hkd(value: Decimal | None) -> str:
    return queries.money(value)


def _load(id: int) -> tuple[UseCase, Any]:
    use_case = uc_queries.get_visible_or_404(id, current_user)
    return use_case, queries.plan_of(use_case.id)


def _visible_versions(use_case: UseCase, plan: Any) -> list[SandboxPlanVersion]:
    if plan is None:
        return []
    return [v for v in plan.versions if permissions.can_see_version(current_user, use_case, v)]


def _in_force(plan: Any) -> SandboxPlanVersion | None:
    agreed = [v for v in plan.versions if v.status is PlanStatus.AGREED] if plan else []
    return max(agreed, key=lambda v: (v.agreed_at, v.number)) if agreed else None


def _render_page(
    use_case: UseCase,
    plan: Any,
    agree_form: forms.AgreeForm | None = None,
    changes_form: forms.RequestChangesForm | None = None,
    conflict: ConflictError | None = None,
    status: int = 200,
    deciding: tuple[int, forms.BreachDecisionForm] | None = None,
) -> tuple[str, int]:
    user = current_user
    breaches = queries.breaches_of(use_case.id)
    breach_forms: dict[int, forms.BreachDecisionForm] = {}
    if permissions.can_decide_plan(user, use_case):
        for breach in breaches:
            if breach.is_open:
                form = forms.BreachDecisionForm(formdata=None, prefix=f"breach-{breach.id}")
                form.version.data = str(breach.lock_version)
                form.use_case_version.data = str(use_case.version)
                breach_forms[breach.id] = form
        if deciding is not None and deciding[0] in breach_forms:
            breach_forms[deciding[0]] = deciding[1]
    in_force = _in_force(plan)
    pending = services.open_version(plan)
    if pending is not None and not permissions.can_see_version(user, use_case, pending):
        pending = None
    may_decide = (
        pending is not None
        and pending.status is PlanStatus.SUBMITTED
        and permissions.can_decide_plan(user, use_case)
    )
    may_draft = permissions.can_draft_plan(user, use_case)
    if may_decide and pending is not None:
        agree_form = agree_form or forms.AgreeForm(formdata=None, prefix="agree")
        changes_form = changes_form or forms.RequestChangesForm(formdata=None, prefix="changes")
        for f in (agree_form, changes_form):
            f.version.data = str(pending.lock_version)
    html = render_template(
        "plans/plan.html",
        use_case=use_case,
        in_force=in_force,
        pending=pending,
        versions=list(reversed(_visible_versions(use_case, plan))),
        changes=queries.differences(in_force, pending) if in_force and pending else [],
        may_draft=may_draft and (pending is None or pending.status.is_open),
        may_submit=may_draft and pending is not None and pending.status.is_open,
        agree_form=agree_form if may_decide else None,
        changes_form=changes_form if may_decide else None,
        conflict=conflict,
        sections=queries.SECTIONS,
        breaches=breaches,
        breach_forms=breach_forms,
    )
    return html, status


@bp.get("/<int:id>/plan")
@login_required
def plan(id: int) -> tuple[str, int]:
    """The sandbox plan: the version in force, the version waiting for agreement (with what it
    changes), and every version."""
    use_case, found = _load(id)
    return _render_page(use_case, found)


@bp.get("/<int:id>/plan/versions/<int:number>")
@login_required
def version(id: int, number: int) -> str:
    """One version of the plan, with what it changed from the version before it."""
    use_case, found = _load(id)
    visible = _visible_versions(use_case, found)
    chosen = next((v for v in visible if v.number == number), None)
    if chosen is None:
        abort(404)
    earlier = [v for v in visible if v.number < number and v.status is PlanStatus.AGREED]
    previous = earlier[-1] if earlier else None
    return render_template(
        "plans/version.html",
        use_case=use_case,
        version=chosen,
        previous=previous,
        changes=queries.differences(previous, chosen) if previous else [],
        sections=queries.SECTIONS,
    )


_ROW = re.compile(r"^(kpi|milestone)_(\d+)-")


def _posted_rows() -> tuple[int, int]:
    """How many KPI and milestone rows the submitted form had."""
    counts = {"kpi": 0, "milestone": 0}
    for key in request.form:
        match = _ROW.match(key)
        if match:
            counts[match[1]] = max(counts[match[1]], int(match[2]) + 1)
    return min(counts["kpi"], 40), min(counts["milestone"], 40)


def _fill(form: Any, version: SandboxPlanVersion) -> None:
    for name in (*services.TEXT_FIELDS, "duration_weeks", "customer_cap", "report_due_days"):
        form[name].data = getattr(version, name)
    form.exposure_limit.data = version.exposure_limit
    form.report_frequency.data = version.report_frequency.value
    for sub, kpi in zip(form.kpi_forms(), version.kpis, strict=False):
        sub.form.name.data, sub.form.unit.data = kpi.name, kpi.unit
        sub.form.direction.data = kpi.direction.value if kpi.direction else ""
        sub.form.baseline.data, sub.form.target.data = kpi.baseline, kpi.target
    for sub, milestone in zip(form.milestone_forms(), version.milestones, strict=False):
        sub.form.title.data, sub.form.planned_on.data = milestone.title, milestone.planned_on


def _data(form: Any) -> tuple[services.PlanData, list[Any], list[Any]]:
    kpis = [sub.form for sub in form.kpi_forms() if not sub.form.is_blank]
    milestones = [sub.form for sub in form.milestone_forms() if not sub.form.is_blank]
    data = services.PlanData(
        **{name: form[name].data or "" for name in services.TEXT_FIELDS},
        duration_weeks=form.duration_weeks.data,
        customer_cap=form.customer_cap.data,
        exposure_limit=form.exposure_limit.data,
        report_frequency=(
            ReportingFrequency(form.report_frequency.data) if form.report_frequency.data else None
        ),
        report_due_days=form.report_due_days.data,
        milestones=tuple(
            services.MilestoneInput(title=m.title.data or "", planned_on=m.planned_on.data)
            for m in milestones
        ),
        kpis=tuple(
            services.KpiInput(
                name=k.name.data or "",
                unit=k.unit.data or "",
                direction=Direction(k.direction.data) if k.direction.data else None,
                baseline=k.baseline.data,
                target=k.target.data,
            )
            for k in kpis
        ),
    )
    return data, kpis, milestones


@bp.route("/<int:id>/plan/edit", methods=["GET", "POST"])
@login_required
def edit(id: int) -> str | Response | tuple[str, int]:
    """The institution drafts the plan, or an amendment of the plan in force, or the version the
    regulator sent back."""
    use_case, found = _load(id)
    if not permissions.can_draft_plan(current_user, use_case):
        abort(403)
    pending = services.open_version(found)
    if request.method == "GET" and pending is not None and not pending.status.is_open:
        flash(_("The plan is waiting for the regulator's agreement."), "info")
        return redirect(url_for("plans.plan", id=use_case.id))
    start_from = pending or _in_force(found)
    if request.method == "POST":
        kpi_rows, milestone_rows = _posted_rows()
    else:
        kpi_rows = max(MIN_KPI_ROWS, len(start_from.kpis) + EXTRA_ROWS if start_from else 0)
        milestone_rows = max(
            MIN_MILESTONE_ROWS, len(start_from.milestones) + EXTRA_ROWS if start_from else 0
        )
    form = forms.plan_form_class(kpi_rows, milestone_rows)()
    status = 200
    conflict = None
    if request.method == "GET":
        if start_from is not None:
            _fill(form, start_from)
        else:
            form.data_scope.data = use_case.data_used
            for sub, name in zip(form.kpi_forms(), use_case.kpi_list, strict=False):
                sub.form.name.data = name
        form.version.data = str(pending.lock_version) if pending else ""
    elif form.validate_on_submit():
        data, kpis, milestones = _data(form)
        try:
            with unit_of_work():
                saved = services.save_draft(
                    use_case, current_user, data, expected_version=form.carried_version()
                )
        except RuleError as exc:
            prefixes = {f"kpis.{n}": k for n, k in enumerate(kpis)}
            prefixes |= {f"milestones.{n}": m for n, m in enumerate(milestones)}
            rule_errors_onto(form, exc, prefixes)
            status = 400
        except ConflictError as exc:
            _use_case, found = _load(id)
            pending = services.open_version(found)
            form.version.data = str(pending.lock_version) if pending else ""
            conflict, status = exc, 409
        else:
            flash(
                _(
                    "%(version)s of the plan saved as a draft. Submit it when it is ready.",
                    version=saved.label,
                ),
                "success",
            )
            return redirect(url_for("plans.plan", id=use_case.id))
    else:
        status = 400
    return render_template(
        "plans/form.html",
        form=form,
        use_case=use_case,
        pending=pending,
        amending=_in_force(found),
        conflict=conflict,
    ), status


def _pending_or_404(use_case: UseCase, found: Any) -> SandboxPlanVersion:
    pending = services.open_version(found)
    if pending is None or not permissions.can_see_version(current_user, use_case, pending):
        abort(404)
    return pending


@bp.post("/<int:id>/plan/submit")
@login_required
def submit(id: int) -> Response | tuple[str, int]:
    """The institution sends its draft for agreement."""
    use_case, found = _load(id)
    if not permissions.can_draft_plan(current_user, use_case):
        abort(403)
    form = forms.SubmitForm()
    if not form.validate_on_submit():
        abort(400)
    pending = _pending_or_404(use_case, found)
    try:
        with unit_of_work():
            services.submit(use_case, pending, current_user, form.expected_version())
    except RuleError as exc:
        flash(" ".join(m for ms in exc.errors.values() for m in ms), "danger")
    except ConflictError as exc:
        return _render_page(use_case, queries.plan_of(use_case.id), conflict=exc, status=409)
    else:
        flash(
            _("%(version)s of the plan submitted to the regulator.", version=pending.label),
            "success",
        )
    return redirect(url_for("plans.plan", id=use_case.id))


def _decide(id: int, agreeing: bool) -> Response | tuple[str, int]:
    use_case, found = _load(id)
    if not permissions.can_decide_plan(current_user, use_case):
        abort(403)
    agree_form = forms.AgreeForm(prefix="agree") if agreeing else None
    changes_form = None if agreeing else forms.RequestChangesForm(prefix="changes")
    form: Any = agree_form or changes_form
    if not form.version.data:
        abort(400)
    pending = _pending_or_404(use_case, found)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                if agreeing:
                    services.agree(
                        use_case, pending, current_user, form.expected_version(), form.note.data
                    )
                else:
                    services.request_changes(
                        use_case, pending, current_user, form.expected_version(), form.reason.data
                    )
        except RuleError as exc:
            rule_errors_onto(form, exc)
        except ConflictError as exc:
            return _render_page(use_case, queries.plan_of(use_case.id), conflict=exc, status=409)
        else:
            flash(
                _("%(version)s of the plan agreed: it is in force from now.", version=pending.label)
                if agreeing
                else _("Changes requested; the institution has been told why."),
                "success",
            )
            return redirect(url_for("plans.plan", id=use_case.id))
    return _render_page(use_case, found, agree_form, changes_form, status=400)


@bp.post("/<int:id>/plan/agree")
@login_required
def agree(id: int) -> Response | tuple[str, int]:
    """The regulator agrees the submitted version."""
    return _decide(id, agreeing=True)


@bp.post("/<int:id>/plan/request-changes")
@login_required
def request_changes(id: int) -> Response | tuple[str, int]:
    """The regulator sends the submitted version back with its reason."""
    return _decide(id, agreeing=False)


@bp.post("/<int:id>/plan/breaches/<int:breach_id>/decide")
@login_required
def decide_breach(id: int, breach_id: int) -> Response | tuple[str, int]:
    """The regulator's decision on a boundary breach: accept with an agreed amendment, suspend
    or discontinue."""
    use_case, found = _load(id)
    breach = next((b for b in queries.breaches_of(use_case.id) if b.id == breach_id), None)
    if breach is None:
        abort(404)
    if not permissions.can_decide_plan(current_user, use_case):
        abort(403)
    form = forms.BreachDecisionForm(prefix=f"breach-{breach.id}")
    if not form.version.data or not form.use_case_version.data:
        abort(400)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.decide_breach(
                    use_case,
                    breach,
                    current_user,
                    BreachDecision(form.decision.data),
                    form.reason.data or "",
                    form.expected_version(),
                    form.carried_use_case_version(),
                )
        except RuleError as exc:
            rule_errors_onto(form, exc)
        except ConflictError as exc:
            fresh = uc_queries.get_visible_or_404(id, current_user)
            return _render_page(fresh, queries.plan_of(fresh.id), conflict=exc, status=409)
        else:
            flash(
                _(
                    "Decision recorded: %(decision)s.",
                    decision=BreachDecision(form.decision.data).label.lower(),
                ),
                "success",
            )
            return redirect(url_for("plans.plan", id=use_case.id, _anchor="breaches"))
    return _render_page(use_case, found, status=400, deciding=(breach.id, form))
