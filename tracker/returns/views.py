"""Pages of the reporting schedule, requested returns and the incident register, on the
use-case blueprint. Every view loads (404 where the user may not see the use case), authorises,
then runs one command in a unit of work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from tracker.auth.models import User
from tracker.clock import local_today, utcnow
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.returns import forms, incidents, schedule
from tracker.returns.dates import day
from tracker.returns.models import ExpectedReturn, Frequency
from tracker.rules import ConflictError, RuleError
from tracker.unit_of_work import unit_of_work
from tracker.usecases import permissions, queries, services
from tracker.usecases.blueprint import bp
from tracker.usecases.forms import ResolveIncidentForm
from tracker.usecases.models import Incident, Severity, UseCase
from tracker.web import rule_errors_onto


def page_context(use_case: UseCase, user: User) -> dict[str, Any]:
    """What the use-case page shows of the schedule, expected returns and incidents."""
    today = local_today()
    expected = schedule.expected_returns(use_case)
    return {
        "return_schedule": schedule.schedule_of(use_case),
        "expected_returns": expected,
        "incident_register": incidents.register(use_case),
        "can_manage_schedule": schedule.can_manage(user, use_case),
        "can_request_return": schedule.can_manage(user, use_case)
        and use_case.stage.value in ("pilot", "suspended"),
        "can_report_incident": incidents.can_report(user, use_case),
        "now_utc": utcnow(),
        "today": today,
    }


def open_expected(use_case: UseCase) -> list[ExpectedReturn]:
    """The returns still expected, shown on the return form: the one filed fulfils each whose
    period it reaches."""
    return [e for e in schedule.expected_returns(use_case) if e.is_open]


def _to_utc(local: datetime | None) -> datetime | None:
    """A local time typed in a form, as the naive UTC the database keeps."""
    if local is None:
        return None
    zone = ZoneInfo(current_app.config["TRACKER_TIMEZONE"])
    return local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


# ---------------------------------------------------------------- schedule


def _from_plan(form: forms.ScheduleForm, use_case: UseCase) -> None:
    """A first schedule starts from the reporting schedule of the sandbox plan in force: its
    frequency (fortnightly periods as dates every 14 days to the planned end) and the days
    allowed to file. Staff check it and save it."""
    from tracker.plans.models import ReportingFrequency
    from tracker.plans.queries import version_in_force

    plan = version_in_force(use_case.id)
    if plan is None:
        return
    form.days_to_file.data = plan.report_due_days
    start, end = use_case.pilot_started_on, schedule.pilot_end(use_case)
    if plan.report_frequency is ReportingFrequency.FORTNIGHTLY and start and end:
        form.frequency.data = Frequency.DATES.value
        form.report_dates.data = [
            start + timedelta(days=14 * k - 1) for k in range(1, (end - start).days // 14 + 1)
        ]
    elif plan.report_frequency is ReportingFrequency.QUARTERLY:
        form.frequency.data = Frequency.QUARTERLY.value
    else:
        form.frequency.data = Frequency.MONTHLY.value


@bp.route("/<int:id>/schedule", methods=["GET", "POST"])
@login_required
def return_schedule(id: int) -> str | Response | tuple[str, int]:
    """Set or change the pilot's reporting schedule (regulator staff)."""
    use_case = queries.get_visible_or_404(id, current_user)
    if not schedule.can_manage(current_user, use_case):
        abort(403)
    current = schedule.schedule_of(use_case)
    form = forms.ScheduleForm()
    if request.method == "GET":
        form.version.data = str(current.version if current else 0)
        if current is not None:
            form.frequency.data = current.frequency.value
            form.first_period_start.data = current.first_period_start
            form.report_dates.data = current.dates
            form.days_to_file.data = current.days_to_file
            form.milestone_days.data = current.milestone_days
            form.ends_on.data = current.ends_on
        else:
            form.first_period_start.data = use_case.pilot_started_on
            form.ends_on.data = schedule.pilot_end(use_case)
            _from_plan(form, use_case)
    status = 200
    context: dict[str, Any] = {}
    if form.validate_on_submit():
        dates = form.report_dates.data if isinstance(form.report_dates.data, list) else []
        data = schedule.ScheduleData(
            frequency=Frequency(form.frequency.data),
            first_period_start=form.first_period_start.data,
            ends_on=form.ends_on.data,
            report_dates=tuple(dates),
            days_to_file=form.days_to_file.data,
            milestone_days=form.milestone_days.data,
        )
        try:
            with unit_of_work():
                schedule.set_return_schedule(
                    use_case, current_user, data, expected_version=form.expected_version()
                )
        except RuleError as exc:
            rule_errors_onto(form, exc)
        except ConflictError as exc:
            db.session.expire_all()
            use_case = queries.get_visible_or_404(id, current_user)
            current = schedule.schedule_of(use_case)
            form.version.data = str(current.version if current else 0)
            status = 409
            context = {
                "conflict": exc,
                "conflict_can_retry": schedule.can_manage(current_user, use_case),
            }
        else:
            flash(_("Reporting schedule saved. The expected returns are listed below."), "success")
            return redirect(url_for("usecases.detail", id=id) + "#expected-returns")
    elif request.method == "POST":
        status = 400
    return render_template(
        "returns/schedule.html", form=form, use_case=use_case, current=current, **context
    ), status


@bp.route("/<int:id>/expected-returns/request", methods=["GET", "POST"])
@login_required
def request_return(id: int) -> str | Response | tuple[str, int]:
    """Ask the institution for a return outside the schedule, due on a given date."""
    use_case = queries.get_visible_or_404(id, current_user)
    if not schedule.can_manage(current_user, use_case):
        abort(403)
    form = forms.RequestForm()
    if request.method == "GET":
        form.period_start.data = use_case.next_return_start
        form.period_end.data = local_today()
    status = 200
    if form.validate_on_submit():
        data = schedule.RequestData(
            period_start=form.period_start.data,
            period_end=form.period_end.data,
            due_on=form.due_on.data,
            request=form.request.data or "",
        )
        try:
            with unit_of_work():
                schedule.request_return(use_case, current_user, data)
        except RuleError as exc:
            rule_errors_onto(form, exc)
            status = 400
        else:
            flash(_("Return requested. The institution has been told."), "success")
            return redirect(url_for("usecases.detail", id=id) + "#expected-returns")
    elif request.method == "POST":
        status = 400
    return render_template("returns/request.html", form=form, use_case=use_case), status


def _expected_or_404(use_case: UseCase, expected_id: int) -> ExpectedReturn:
    expected = db.session.get(ExpectedReturn, expected_id)
    if expected is None or expected.use_case_id != use_case.id:
        abort(404)
    return expected


@bp.route("/<int:id>/expected-returns/<int:expected_id>/waive", methods=["GET", "POST"])
@login_required
def waive_return(id: int, expected_id: int) -> str | Response | tuple[str, int]:
    """No longer expect a return, with the reason on record (regulator staff)."""
    use_case = queries.get_visible_or_404(id, current_user)
    expected = _expected_or_404(use_case, expected_id)
    if not schedule.can_waive(current_user, use_case):
        abort(403)
    form = forms.WaiveForm()
    if request.method == "GET":
        if not expected.is_open:
            abort(403)
        form.version.data = str(expected.version)
    status = 200
    context: dict[str, Any] = {}
    if form.validate_on_submit():
        try:
            with unit_of_work():
                schedule.waive(
                    expected, current_user, form.reason.data or "", form.expected_version()
                )
        except RuleError as exc:
            rule_errors_onto(form, exc)
            status = 400
        except ConflictError as exc:
            db.session.expire_all()
            expected = _expected_or_404(use_case, expected_id)
            form.version.data = str(expected.version)
            status = 409
            context = {"conflict": exc, "conflict_can_retry": expected.is_open}
        else:
            flash(_("The return is no longer expected."), "success")
            return redirect(url_for("usecases.detail", id=id) + "#expected-returns")
    elif request.method == "POST":
        status = 400
    return render_template(
        "returns/waive.html", form=form, use_case=use_case, expected=expected, **context
    ), status


# ---------------------------------------------------------------- incidents


@bp.get("/<int:id>/incidents")
@login_required
def incident_register(id: int) -> str:
    """Every incident of the use case: reported on its own or in a return."""
    use_case = queries.get_visible_or_404(id, current_user)
    return render_template(
        "returns/incidents.html",
        use_case=use_case,
        incident_register=incidents.register(use_case),
        can_report_incident=incidents.can_report(current_user, use_case),
        now_utc=utcnow(),
    )


@bp.route("/<int:id>/incidents/new", methods=["GET", "POST"])
@login_required
def report_incident(id: int) -> str | Response | tuple[str, int]:
    """Report an incident of the pilot the moment it happens (the institution)."""
    use_case = queries.get_visible_or_404(id, current_user)
    if not incidents.can_report(current_user, use_case):
        abort(403)
    form = forms.ReportIncidentForm()
    status = 200
    if form.validate_on_submit():
        data = incidents.IncidentReport(
            severity=Severity(form.severity.data),
            occurred_at=_to_utc(form.occurred_at.data),
            description=form.description.data or "",
            customers_affected=form.customers_affected.data,
            customer_impact=form.customer_impact.data or "",
            remediation=form.remediation.data or "",
        )
        try:
            with unit_of_work():
                incident = incidents.report_incident(use_case, current_user, data)
        except RuleError as exc:
            rule_errors_onto(form, exc)
            status = 400
        else:
            flash(
                _("Incident reported. The regulator has been told at once.")
                if incident.acknowledge_by
                else _("Incident reported."),
                "success",
            )
            return redirect(url_for("usecases.incident", id=id, incident_id=incident.id))
    elif request.method == "POST":
        status = 400
    ack_hours = {
        str(severity.value): int(within.total_seconds() // 3600)
        for severity, within in incidents.ACKNOWLEDGE_WITHIN.items()
    }
    return render_template(
        "returns/report_incident.html", form=form, use_case=use_case, ack_hours=ack_hours
    ), status


def _incident_or_404(use_case: UseCase, incident_id: int) -> Incident:
    incident = incidents.get_incident(use_case, incident_id)
    if incident is None:
        abort(404)
    return incident


def _render_incident(
    use_case: UseCase,
    incident: Incident,
    acknowledge_form: forms.AcknowledgeForm | None = None,
    resolve_form: ResolveIncidentForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    user = current_user
    may_ack = (
        not incident.in_return
        and not incident.acknowledged
        and incidents.can_acknowledge(user, use_case)
    )
    may_resolve = not incident.resolved and permissions.can_resolve_incident(user, use_case)
    html = render_template(
        "returns/incident.html",
        use_case=use_case,
        incident=incident,
        acknowledge_form=(acknowledge_form or forms.AcknowledgeForm(formdata=None))
        if may_ack
        else None,
        resolve_form=(resolve_form or ResolveIncidentForm(formdata=None)) if may_resolve else None,
        can_suspend=incidents.can_suspend_from(user, incident, use_case),
        now_utc=utcnow(),
    )
    return html, status


@bp.get("/<int:id>/incidents/<int:incident_id>")
@login_required
def incident(id: int, incident_id: int) -> tuple[str, int]:
    """One incident: what happened, the response clock, acknowledgement, resolution and any
    suspension it led to."""
    use_case = queries.get_visible_or_404(id, current_user)
    return _render_incident(use_case, _incident_or_404(use_case, incident_id))


@bp.post("/<int:id>/incidents/<int:incident_id>/acknowledge")
@login_required
def acknowledge_incident(id: int, incident_id: int) -> Response | tuple[str, int]:
    """The regulator acknowledges an incident: its response clock stops."""
    use_case = queries.get_visible_or_404(id, current_user)
    found = _incident_or_404(use_case, incident_id)
    if found.in_return or not incidents.can_acknowledge(current_user, use_case):
        abort(403)
    form = forms.AcknowledgeForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                incidents.acknowledge(found, current_user, form.note.data or "")
        except RuleError as exc:
            rule_errors_onto(form, exc)
        except ConflictError:
            db.session.expire_all()
            flash(
                _(
                    "Someone acknowledged this incident since you opened the page: their "
                    "acknowledgement is shown. Nothing was saved."
                ),
                "warning",
            )
            return _render_incident(use_case, _incident_or_404(use_case, incident_id), status=409)
        else:
            flash(_("Incident acknowledged: its response clock has stopped."), "success")
            return redirect(url_for("usecases.incident", id=id, incident_id=incident_id))
    return _render_incident(use_case, found, acknowledge_form=form, status=400)


def resolve_from_form(incident: Incident, form: ResolveIncidentForm) -> str | None:
    """Resolve ``incident`` from a submitted form, wherever the form was shown (a return's
    page, the incident's own): "done" (flashed), "conflict" (someone resolved it meanwhile:
    flashed, the session expired so the page shows their resolution, the note kept on the
    form), or None (invalid or refused: the messages are on the form)."""
    if not form.validate_on_submit():
        return None
    try:
        with unit_of_work():
            services.resolve_incident(
                incident, current_user, form.resolved_on.data, form.resolution.data or ""
            )
    except RuleError as exc:
        rule_errors_onto(form, exc)
        return None
    except ConflictError:
        db.session.expire_all()
        flash(
            _(
                "Someone recorded this incident as resolved since you opened the page: nothing "
                "was saved, and the resolution they recorded is shown. Your note is kept below."
            ),
            "warning",
        )
        return "conflict"
    flash(_("The incident is recorded as resolved."), "success")
    return "done"


@bp.post("/<int:id>/incidents/<int:incident_id>/resolve")
@login_required
def resolve_reported_incident(id: int, incident_id: int) -> Response | tuple[str, int]:
    """Record that an incident has been resolved, from its own page."""
    use_case = queries.get_visible_or_404(id, current_user)
    found = _incident_or_404(use_case, incident_id)
    if not permissions.can_resolve_incident(current_user, use_case):
        abort(403)
    form = ResolveIncidentForm()
    outcome = resolve_from_form(found, form)
    if outcome == "conflict":
        found = _incident_or_404(use_case, incident_id)
        return _render_incident(use_case, found, resolve_form=form, status=409)
    if outcome == "done":
        return redirect(url_for("usecases.incident", id=id, incident_id=incident_id))
    return _render_incident(use_case, found, resolve_form=form, status=400)


@bp.route("/<int:id>/incidents/<int:incident_id>/suspend", methods=["GET", "POST"])
@login_required
def suspend_for_incident(id: int, incident_id: int) -> str | Response | tuple[str, int]:
    """Suspend the pilot because of this incident, through the lifecycle's suspend action."""
    from tracker.usecases.forms import ReasonForm

    use_case = queries.get_visible_or_404(id, current_user)
    found = _incident_or_404(use_case, incident_id)
    if not permissions.can_act_as_regulator(current_user, use_case):
        abort(403)
    if request.method == "GET" and not incidents.can_suspend_from(current_user, found, use_case):
        abort(403)
    form = ReasonForm()
    if request.method == "GET":
        form.version.data = str(use_case.version)
        form.reason.data = (
            _(
                "%(severity)s incident of %(day)s: ",
                severity=found.severity.label,
                day=day(found.occurred_on),
            )
            if found.occurred_on
            else ""
        )
    status = 200
    context: dict[str, Any] = {}
    if form.validate_on_submit():
        try:
            with unit_of_work():
                incidents.suspend_for(
                    found, current_user, form.reason.data or "", form.expected_version()
                )
        except RuleError as exc:
            rule_errors_onto(form, exc)
            status = 400
        except ConflictError as exc:
            db.session.expire_all()
            use_case = queries.get_visible_or_404(id, current_user)
            found = _incident_or_404(use_case, incident_id)
            form.version.data = str(use_case.version)
            status = 409
            context = {
                "conflict": exc,
                "conflict_can_retry": incidents.can_suspend_from(current_user, found, use_case),
            }
        else:
            flash(
                _("The pilot is suspended. The history links the suspension to the incident."),
                "success",
            )
            return redirect(url_for("usecases.incident", id=id, incident_id=incident_id))
    elif request.method == "POST":
        status = 400
    return render_template(
        "returns/suspend.html", form=form, use_case=use_case, incident=found, **context
    ), status
