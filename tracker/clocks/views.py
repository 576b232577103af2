"""Pages of the working-day calendar (each regulator's closure days) and of the stage clock
settings of programmes and cohorts. Load, authorise, run one command in the unit of work."""

from __future__ import annotations

from datetime import date

import click
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask.cli import AppGroup
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from tracker.admin.permissions import Area, can_enter
from tracker.auth.forms import EmptyForm
from tracker.clock import local_today
from tracker.clocks import services
from tracker.clocks.calendar import holiday_names
from tracker.clocks.clocks import BUILT_IN, KINDS
from tracker.clocks.forms import ClockSettingsForm, ClosureForm
from tracker.clocks.models import ClockSettings, RegulatorClosure
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.i18n import is_chinese, local_name
from tracker.organisations import queries as organisation_queries
from tracker.programmes.models import Cohort, Programme
from tracker.programmes.permissions import can_view_cohort, can_view_programme
from tracker.rules import ConflictError, RuleError
from tracker.text import plural
from tracker.unit_of_work import unit_of_work
from tracker.web import rule_errors_onto

bp = Blueprint("clocks", __name__, url_prefix="/admin")


bp.add_app_template_global(services.can_edit_programme_clocks, "can_edit_programme_clocks")


def _enter_settings() -> None:
    """As in the administration area: who may set up no cohort gets 403 before any record
    is loaded."""
    if not can_enter(current_user, Area.COHORTS):
        abort(403)


def day(value: date) -> str:
    """A date as the pages write it in the request's language (the ``day`` filter)."""
    return str(current_app.jinja_env.filters["day"](value))


def _cohort_label(cohort: Cohort) -> str:
    return f"{local_name(cohort.programme)} — {local_name(cohort)}"


# Closures ----------------------------------------------------------------------------------


def _closure_page(form: ClosureForm, status: int = 200) -> tuple[str, int]:
    today = local_today()
    years = (today.year, today.year + 1)
    chinese = is_chinese()
    holidays = sorted((d, n) for y in years for d, n in holiday_names(y, chinese).items())
    return render_template(
        "clocks/closures.html",
        form=form,
        closures=services.closures(),
        holidays=holidays,
        years=years,
        remove_form=EmptyForm(),
    ), status


@bp.route("/closures/", methods=["GET", "POST"])
@login_required
def closures() -> tuple[str, int] | Response:
    """The regulators' closure days beside Hong Kong's public holidays; add a closure."""
    if not services.can_manage_closures(current_user):
        abort(403)
    form = ClosureForm(list(organisation_queries.regulators()))
    if form.validate_on_submit():
        try:
            with unit_of_work():
                closure = services.add_closure(current_user, form.to_input())
        except RuleError as exc:
            rule_errors_onto(form, exc)
            return _closure_page(form)
        flash(
            _(
                "%(regulator)s is closed on %(day)s: its clocks skip that day.",
                regulator=closure.regulator.code,
                day=day(closure.on),
            ),
            "success",
        )
        return redirect(url_for("clocks.closures"))
    return _closure_page(form)


@bp.post("/closures/<int:record_id>/remove")
@login_required
def closure_remove(record_id: int) -> Response:
    """Remove a closure day recorded in error (POST behind CSRF)."""
    if not services.can_manage_closures(current_user):
        abort(403)
    closure = db.get_or_404(RegulatorClosure, record_id)
    if EmptyForm().validate_on_submit():
        regulator, on = closure.regulator.code, day(closure.on)
        with unit_of_work():
            services.remove_closure(current_user, closure)
        flash(
            _(
                "The closure of %(regulator)s on %(day)s has been removed.",
                regulator=regulator,
                day=on,
            ),
            "success",
        )
    return redirect(url_for("clocks.closures"))


# Settings ----------------------------------------------------------------------------------


def _settings_page(
    form: ClockSettingsForm,
    title: str,
    back: str,
    scope_label: str,
    conflict: ConflictError | None = None,
    status: int = 200,
) -> tuple[str, int]:
    return render_template(
        "clocks/settings.html",
        form=form,
        title=title,
        back=back,
        scope_label=scope_label,
        conflict=conflict,
        kinds=KINDS,
        built_in=BUILT_IN,
    ), status


def _save(
    form: ClockSettingsForm,
    title: str,
    back: str,
    scope_label: str,
    programme: Programme | None = None,
    cohort: Cohort | None = None,
) -> tuple[str, int] | Response:
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.save_clock_settings(
                    current_user,
                    form.values(),
                    form.expected_version(),
                    programme=programme,
                    cohort=cohort,
                )
        except RuleError as exc:
            rule_errors_onto(form, exc)
            return _settings_page(form, title, back, scope_label)
        except ConflictError as exc:
            row = services.settings_row(programme, cohort)
            # Saving again applies the user's input over the current settings.
            form.version.data = str(row.version) if row is not None else ""
            return _settings_page(form, title, back, scope_label, conflict=exc, status=409)
        flash(_("The clocks of %(scope)s have been saved.", scope=scope_label), "success")
        return redirect(back)
    return _settings_page(form, title, back, scope_label)


@bp.route("/programmes/<int:record_id>/clocks", methods=["GET", "POST"])
@login_required
def programme_clocks(record_id: int) -> tuple[str, int] | Response:
    """The default stage clocks of a programme's cohorts."""
    _enter_settings()
    programme = db.session.get(Programme, record_id)
    if programme is None or not can_view_programme(current_user, programme):
        abort(404)
    if not services.can_edit_programme_clocks(current_user, programme):
        abort(403)
    row: ClockSettings | None = services.settings_row(programme=programme)
    form = ClockSettingsForm(row, services.resolve(None, None))
    return _save(
        form,
        _("Default clocks"),
        url_for("dashboard.programme", id=programme.id),
        local_name(programme),
        programme=programme,
    )


@bp.route("/cohorts/<int:record_id>/clocks", methods=["GET", "POST"])
@login_required
def cohort_clocks(record_id: int) -> tuple[str, int] | Response:
    """A cohort's own stage clocks; empty fields take the programme's defaults."""
    _enter_settings()
    cohort = db.session.get(Cohort, record_id)
    if cohort is None or not can_view_cohort(current_user, cohort):
        abort(404)
    if not services.can_edit_cohort_clocks(current_user, cohort):
        abort(403)
    row = services.settings_row(cohort=cohort)
    programme_row = services.settings_row(programme=cohort.programme)
    form = ClockSettingsForm(row, services.resolve(None, programme_row))
    return _save(
        form, _("Cohort clocks"), url_for("admin.cohorts"), _cohort_label(cohort), cohort=cohort
    )


# Command line ------------------------------------------------------------------------------

clocks_cli = AppGroup("clocks", help="Stage clocks and the working-day calendar.")


@clocks_cli.command("refresh")
def refresh_command() -> None:
    """Recompute every use case's clock due date (after an upgrade, or a change of holidays)."""
    with unit_of_work():
        n = services.refresh_all()
    use_cases = plural(n, "%(num)d use case", "%(num)d use cases")
    click.echo(f"Clock due dates recomputed for {use_cases} in a stage with a clock.")
