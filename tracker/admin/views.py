"""Administration of reference data and accounts: regulators, programmes, cohorts,
institutions, categories and users. Records are deactivated, never deleted, because history
points to them.

Each view authorises the area first, before loading anything, so the answer never depends on
whether an id exists (403 for a user who may not enter the area, 404 for a missing record);
then it loads, parses the form and runs one command from the record's own domain inside the
unit of work, putting a ``RuleError`` back beside the fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required, login_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response
from wtforms import Field

from tracker.admin.forms import (
    CategoryForm,
    CohortEditForm,
    CohortForm,
    InstitutionForm,
    ProgrammeForm,
    RegulatorForm,
    UserCreateForm,
    UserEditForm,
    chosen_requirements,
    two_factor_policy_form,
)
from tracker.admin.permissions import Area, can_deactivate_user, can_edit_cohort, can_enter
from tracker.auth import queries as auth_queries
from tracker.auth import services as auth_services
from tracker.auth import throttle
from tracker.auth.forms import EmptyForm
from tracker.auth.models import User
from tracker.auth.views import MUST_ENROL
from tracker.extensions import db, utcnow
from tracker.i18n import N_, local_name
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.organisations import queries as organisation_queries
from tracker.organisations import services as organisation_services
from tracker.organisations.models import Category, Institution, Regulator
from tracker.programmes import queries as programme_queries
from tracker.programmes import services as programme_services
from tracker.programmes.models import Cohort, CohortStatus, Programme
from tracker.programmes.permissions import can_view_cohort
from tracker.rules import RuleError
from tracker.unit_of_work import unit_of_work
from tracker.web import page_arg, rule_errors_onto

bp = Blueprint("admin", __name__, url_prefix="/admin")

T = TypeVar("T")
# The commands check uniqueness first; this covers a rival request saving between check and
# commit.
_TAKEN = _l("Another record was saved with this value a moment ago. Choose another.")
Record = Regulator | Programme | Institution | Category


@dataclass(frozen=True)
class AreaPage:
    """How an area is named on its pages and where its list lives. ``done`` holds, for each
    action, the whole sentence that reports it (``%(name)s`` is the record), so that each is
    translated as one sentence."""

    title: str
    noun: str
    endpoint: str
    new_title: str
    edit_title: str
    done: dict[str, str]


AREA_PAGES: dict[Area, AreaPage] = {
    Area.REGULATORS: AreaPage(
        _l("Regulators"),
        "regulator",
        "admin.regulators",
        _l("New regulator"),
        _l("Edit regulator"),
        {
            "created": N_("The regulator “%(name)s” has been created."),
            "updated": N_("The regulator “%(name)s” has been updated."),
            "deactivated": N_("The regulator “%(name)s” has been deactivated."),
            "reactivated": N_("The regulator “%(name)s” has been reactivated."),
        },
    ),
    Area.PROGRAMMES: AreaPage(
        _l("Programmes"),
        "programme",
        "admin.programmes",
        _l("New programme"),
        _l("Edit programme"),
        {
            "created": N_("The programme “%(name)s” has been created."),
            "updated": N_("The programme “%(name)s” has been updated."),
            "deactivated": N_("The programme “%(name)s” has been deactivated."),
            "reactivated": N_("The programme “%(name)s” has been reactivated."),
        },
    ),
    Area.COHORTS: AreaPage(
        _l("Cohorts"),
        "cohort",
        "admin.cohorts",
        _l("New cohort"),
        _l("Edit cohort"),
        {
            "created": N_("The cohort “%(name)s” has been created."),
            "updated": N_("The cohort “%(name)s” has been updated."),
            "closed": N_("The cohort “%(name)s” has been closed."),
        },
    ),
    Area.INSTITUTIONS: AreaPage(
        _l("Institutions"),
        "institution",
        "admin.institutions",
        _l("New institution"),
        _l("Edit institution"),
        {
            "created": N_("The institution “%(name)s” has been created."),
            "updated": N_("The institution “%(name)s” has been updated."),
            "deactivated": N_("The institution “%(name)s” has been deactivated."),
            "reactivated": N_("The institution “%(name)s” has been reactivated."),
        },
    ),
    Area.CATEGORIES: AreaPage(
        _l("Categories"),
        "category",
        "admin.categories",
        _l("New category"),
        _l("Edit category"),
        {
            "created": N_("The category “%(name)s” has been created."),
            "updated": N_("The category “%(name)s” has been updated."),
            "deactivated": N_("The category “%(name)s” has been deactivated."),
            "reactivated": N_("The category “%(name)s” has been reactivated."),
        },
    ),
    Area.USERS: AreaPage(
        _l("Users"),
        "user",
        "admin.users",
        _l("New user"),
        _l("Edit user"),
        {
            "updated": N_("The user “%(name)s” has been updated."),
            "deactivated": N_("The user “%(name)s” has been deactivated."),
            "reactivated": N_("The user “%(name)s” has been reactivated."),
        },
    ),
}


# Helpers shared by the six areas ------------------------------------------------------------


def _enter(area: Area) -> None:
    """Refuse the whole area, before any record is loaded, to a user who may not enter it."""
    if not can_enter(current_user, area):
        abort(403)


def _run(form: FlaskForm, unique_field: Field, command: Callable[[], T]) -> T | None:
    """Run one command in the unit of work. A refusal goes back onto the form; should another
    request take the same name between the command's check and the commit, the message goes
    beside ``unique_field`` instead of failing."""
    try:
        with unit_of_work():
            return command()
    except RuleError as exc:
        rule_errors_onto(form, exc)
    except IntegrityError:
        unique_field.errors = [*unique_field.errors, _TAKEN]
    return None


def _form_page(area: Area, form: FlaskForm, record: Any = None) -> str:
    page = AREA_PAGES[area]
    title = page.edit_title if record is not None else page.new_title
    return render_template("admin/form.html", form=form, page=page, title=title, record=record)


def _done(area: Area, action: str, label: str) -> Response:
    page = AREA_PAGES[area]
    flash(_(page.done[action], name=label), "success")
    return redirect(url_for(page.endpoint))


def _edit_record(
    area: Area,
    form: FlaskForm,
    record: Record | Cohort | User | None,
    unique_field: Field,
    save: Callable[[], Record | Cohort | User],
) -> str | Response:
    """The create and edit flow every area shares: parse, run the command, redirect."""
    if form.validate_on_submit():
        saved = _run(form, unique_field, save)
        if saved is not None:
            return _done(area, "updated" if record is not None else "created", str(saved))
    return _form_page(area, form, record)


def _set_active(
    area: Area, model: type[Record], record_id: int, action: str, command: Callable[..., None]
) -> Response:
    """Deactivate or reactivate a reference record (POST only, behind CSRF)."""
    _enter(area)
    record = db.get_or_404(model, record_id)
    if EmptyForm().validate_on_submit():
        with unit_of_work():
            command(current_user, record, action == "reactivate")
        return _done(area, f"{action}d", str(record))
    return redirect(url_for(AREA_PAGES[area].endpoint))


# Regulators ---------------------------------------------------------------------------------


@bp.get("/regulators/")
@login_required
def regulators() -> str:
    """Every regulator, active or not."""
    _enter(Area.REGULATORS)
    return render_template("admin/regulators.html", regulators=organisation_queries.regulators())


@bp.route("/regulators/new", methods=["GET", "POST"])
@bp.route("/regulators/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def regulator_form(record_id: int | None = None) -> str | Response:
    """Create a regulator, or edit one."""
    _enter(Area.REGULATORS)
    regulator = db.get_or_404(Regulator, record_id) if record_id else None
    form = RegulatorForm(regulator)
    return _edit_record(
        Area.REGULATORS,
        form,
        regulator,
        form.code,
        lambda: organisation_services.save_regulator(current_user, regulator, form.to_input()),
    )


@bp.post("/regulators/<int:record_id>/<any(deactivate, reactivate):action>")
@login_required
def regulator_active(record_id: int, action: str) -> Response:
    """Deactivate or reactivate a regulator. Its programmes, institutions and staff remain."""
    return _set_active(
        Area.REGULATORS, Regulator, record_id, action, organisation_services.set_active
    )


# Programmes ---------------------------------------------------------------------------------


@bp.get("/programmes/")
@login_required
def programmes() -> str:
    """Every programme with its regulators and sectors."""
    _enter(Area.PROGRAMMES)
    return render_template("admin/programmes.html", programmes=programme_queries.programmes())


@bp.route("/programmes/new", methods=["GET", "POST"])
@bp.route("/programmes/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def programme_form(record_id: int | None = None) -> str | Response:
    """Create a programme, or edit one."""
    _enter(Area.PROGRAMMES)
    programme = db.get_or_404(Programme, record_id) if record_id else None
    form = ProgrammeForm(programme)
    return _edit_record(
        Area.PROGRAMMES,
        form,
        programme,
        form.name,
        lambda: programme_services.save_programme(current_user, programme, form.to_input()),
    )


@bp.post("/programmes/<int:record_id>/<any(deactivate, reactivate):action>")
@login_required
def programme_active(record_id: int, action: str) -> Response:
    """Deactivate or reactivate a programme. Its cohorts and use cases remain."""
    return _set_active(
        Area.PROGRAMMES, Programme, record_id, action, programme_services.set_programme_active
    )


# Cohorts ------------------------------------------------------------------------------------


def _cohort_or_404(record_id: int, loaded: Cohort | None = None) -> Cohort:
    """A cohort the user may know of: outside their remit it does not exist for them."""
    cohort = loaded if loaded is not None else db.session.get(Cohort, record_id)
    if cohort is None or not can_view_cohort(current_user, cohort):
        abort(404)
    return cohort


def _with_chinese_name(cohort: Cohort, form: CohortForm) -> Cohort:
    """The cohort's Chinese name, saved beside the command that created or changed it (in the
    same unit of work); the form keeps it within the column's length."""
    name_zh = (form.name_zh.data or "").strip() or None
    if cohort.name_zh != name_zh:
        cohort.name_zh = name_zh
        db.session.flush()
    return cohort


@bp.get("/cohorts/")
@login_required
def cohorts() -> str:
    """Cohorts the user may manage: all for administrators, those in remit for regulator staff."""
    _enter(Area.COHORTS)
    rows = programme_queries.cohorts(current_user)
    return render_template(
        "admin/cohorts.html",
        cohorts=rows,
        use_case_counts=programme_queries.use_case_counts([c.id for c in rows]),
        can_create=bool(programme_queries.manageable_programmes(current_user)),
        can_edit=lambda cohort: can_edit_cohort(current_user, cohort),
    )


@bp.route("/cohorts/new", methods=["GET", "POST"])
@login_required
def cohort_new() -> str | Response:
    """Create a cohort in a programme the user may manage, with the default criteria."""
    _enter(Area.COHORTS)
    form = CohortForm(current_user, status=CohortStatus.PLANNING)
    if not form.programmes:
        # Regulator staff with no programme in remit have nothing to set up here.
        _enter(Area.PROGRAMMES)
        flash(_("Create a programme first: every cohort belongs to one."), "info")
        return redirect(url_for("admin.programme_form"))
    if form.validate_on_submit():
        cohort = _run(
            form,
            form.name,
            lambda: _with_chinese_name(
                programme_services.create_cohort(current_user, form.to_input()), form
            ),
        )
        if cohort is not None:
            return _done(Area.COHORTS, "created", local_name(cohort))
    return _form_page(Area.COHORTS, form)


@bp.route("/cohorts/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def cohort_edit(record_id: int) -> str | Response:
    """Edit a cohort's dates, status, return interval and selection criteria."""
    _enter(Area.COHORTS)
    cohort = _cohort_or_404(record_id, programme_queries.cohort_for_edit(record_id))
    if not can_edit_cohort(current_user, cohort):
        abort(403)
    form = CohortEditForm(current_user, cohort)
    if form.validate_on_submit():
        saved = _run(
            form,
            form.name,
            lambda: _with_chinese_name(
                programme_services.update_cohort(
                    current_user, cohort, form.to_input(), form.criteria
                ),
                form,
            ),
        )
        if saved is not None:
            return _done(Area.COHORTS, "updated", local_name(saved))
    return _form_page(Area.COHORTS, form, cohort)


@bp.post("/cohorts/<int:record_id>/close")
@login_required
def cohort_close(record_id: int) -> Response:
    """Deactivate a cohort by closing it. Its use cases and history stay as they are."""
    _enter(Area.COHORTS)
    cohort = _cohort_or_404(record_id)
    if EmptyForm().validate_on_submit():
        with unit_of_work():
            programme_services.close_cohort(current_user, cohort)
        return _done(Area.COHORTS, "closed", local_name(cohort))
    return redirect(url_for("admin.cohorts"))


# Institutions -------------------------------------------------------------------------------


@bp.get("/institutions/")
@login_required
def institutions() -> str:
    """Every institution and technology partner."""
    _enter(Area.INSTITUTIONS)
    return render_template(
        "admin/institutions.html", institutions=organisation_queries.institutions()
    )


@bp.route("/institutions/new", methods=["GET", "POST"])
@bp.route("/institutions/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def institution_form(record_id: int | None = None) -> str | Response:
    """Create an institution, or edit one."""
    _enter(Area.INSTITUTIONS)
    institution = db.get_or_404(Institution, record_id) if record_id else None
    form = InstitutionForm(institution)
    return _edit_record(
        Area.INSTITUTIONS,
        form,
        institution,
        form.name,
        lambda: organisation_services.save_institution(current_user, institution, form.to_input()),
    )


@bp.post("/institutions/<int:record_id>/<any(deactivate, reactivate):action>")
@login_required
def institution_active(record_id: int, action: str) -> Response:
    """Deactivate or reactivate an institution. Its use cases and users remain."""
    return _set_active(
        Area.INSTITUTIONS, Institution, record_id, action, organisation_services.set_active
    )


# Categories ---------------------------------------------------------------------------------


@bp.get("/categories/")
@login_required
def categories() -> str:
    """Use-case categories."""
    _enter(Area.CATEGORIES)
    return render_template("admin/categories.html", categories=organisation_queries.categories())


@bp.route("/categories/new", methods=["GET", "POST"])
@bp.route("/categories/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def category_form(record_id: int | None = None) -> str | Response:
    """Create a category, or edit one."""
    _enter(Area.CATEGORIES)
    category = db.get_or_404(Category, record_id) if record_id else None
    form = CategoryForm(category)
    return _edit_record(
        Area.CATEGORIES,
        form,
        category,
        form.name,
        lambda: organisation_services.save_category(current_user, category, form.to_input()),
    )


@bp.post("/categories/<int:record_id>/<any(deactivate, reactivate):action>")
@login_required
def category_active(record_id: int, action: str) -> Response:
    """Deactivate or reactivate a category. Use cases already filed under it keep it."""
    return _set_active(
        Area.CATEGORIES, Category, record_id, action, organisation_services.set_active
    )


# Users --------------------------------------------------------------------------------------


@bp.get("/users/")
@login_required
def users() -> str:
    """Every account, active first, a page at a time, with invitations not yet accepted."""
    _enter(Area.USERS)
    page = auth_queries.users(page_arg())
    return render_template(
        "admin/users.html",
        page=page,
        invitations=auth_services.pending_invitations([u.id for u in page.items]),
        now=utcnow(),
        can_deactivate=lambda user: can_deactivate_user(current_user, user),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def user_new() -> str | Response:
    """Create an account: its owner is e-mailed an invitation to choose the password."""
    _enter(Area.USERS)
    form = UserCreateForm(current_user)
    if form.validate_on_submit():
        saved = _run(
            form, form.email, lambda: auth_services.invite_user(current_user, form.to_input())
        )
        if saved is not None:
            flash(
                _(
                    "The user “%(name)s” has been created and invited by e-mail to "
                    "%(email)s to choose a password.",
                    name=saved.name,
                    email=saved.email,
                ),
                "success",
            )
            return redirect(url_for("admin.users"))
    return _form_page(Area.USERS, form)


@bp.post("/users/<int:record_id>/invite")
@login_required
def user_invite(record_id: int) -> Response:
    """Send a new invitation (the earlier links stop working)."""
    _enter(Area.USERS)
    user = db.get_or_404(User, record_id)
    if EmptyForm().validate_on_submit():
        try:
            with unit_of_work():
                auth_services.resend_invitation(current_user, user)
        except RuleError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("A new invitation is on its way to %(email)s.", email=user.email), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:record_id>/reset-two-factor")
@login_required
def user_reset_two_factor(record_id: int) -> Response:
    """Take a user's second factor away (a lost phone): they are signed out everywhere."""
    _enter(Area.USERS)
    user = db.get_or_404(User, record_id)
    if EmptyForm().validate_on_submit():
        try:
            with unit_of_work():
                auth_services.reset_two_factor(current_user, user)
        except RuleError as exc:
            flash(str(exc), "danger")
        else:
            flash(
                _(
                    "Two-factor sign-in of %(name)s has been reset; they have been signed out.",
                    name=user.name,
                ),
                "success",
            )
    return redirect(url_for("admin.users"))


@bp.route("/users/two-factor", methods=["GET", "POST"])
@login_required
def two_factor_policy() -> str | Response:
    """Which roles must sign in with a second factor."""
    _enter(Area.USERS)
    form = two_factor_policy_form(auth_services.required_roles())
    if form.validate_on_submit():
        with unit_of_work():
            added = auth_services.set_two_factor_requirements(
                current_user, chosen_requirements(form)
            )
        if current_user.role in added and not current_user.two_factor_enabled:
            # The actor's own session was among those ended: renew it, straight to enrolment.
            login_user(current_user)
            session[MUST_ENROL] = True
        if added:
            message = _(
                "The two-factor requirements have been saved. Users of a newly required role"
                " without two-factor sign-in have been signed out: they set it up when they next"
                " sign in."
            )
        else:
            message = _("The two-factor requirements have been saved.")
        flash(message, "success")
        return redirect(url_for("admin.two_factor_policy"))
    return render_template("admin/two_factor_policy.html", form=form, page=AREA_PAGES[Area.USERS])


@bp.route("/users/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def user_edit(record_id: int) -> str | Response:
    """Edit an account; optionally set a new password, which signs the user out everywhere
    and lifts a lock on the account's sign-in."""
    _enter(Area.USERS)
    user = db.get_or_404(User, record_id)
    form = UserEditForm(current_user, user)
    new_password = form.new_password.data or None

    def save() -> User:
        auth_services.update_user(current_user, user, form.to_input(), new_password)
        return user

    if form.validate_on_submit():
        saved = _run(form, form.email, save)
        if saved is not None:
            if new_password:
                throttle.clear_account(saved.email)
                if saved.id == current_user.id:
                    # The new password revoked every session, this one included: renew it.
                    login_user(saved)
            return _done(Area.USERS, "updated", saved.name)
    return _form_page(Area.USERS, form, user)


@bp.post("/users/<int:record_id>/<any(deactivate, reactivate):action>")
@login_required
def user_active(record_id: int, action: str) -> Response:
    """Deactivate an account (revoking its sessions at once) or reactivate it."""
    _enter(Area.USERS)
    user = db.get_or_404(User, record_id)
    if EmptyForm().validate_on_submit():
        try:
            with unit_of_work():
                auth_services.set_user_active(current_user, user, action == "reactivate")
        except RuleError as exc:
            flash(str(exc), "danger")
            return redirect(url_for("admin.users"))
        return _done(Area.USERS, f"{action}d", user.name)
    return redirect(url_for("admin.users"))
