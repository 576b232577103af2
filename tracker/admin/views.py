"""Administration of reference data and accounts: regulators, programmes, cohorts,
institutions, categories and users. Records are deactivated, never deleted, because history
points to them. Each view loads, authorises against ``tracker.admin.permissions``, then acts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user, login_required, login_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms import Field

from tracker.admin import queries, services
from tracker.admin.forms import (
    CategoryForm,
    CohortEditForm,
    CohortForm,
    InstitutionForm,
    ProgrammeForm,
    RegulatorForm,
    UserCreateForm,
    UserEditForm,
)
from tracker.admin.permissions import (
    Area,
    can_create_cohort_in,
    can_deactivate_user,
    can_edit_cohort,
    can_enter,
    can_move_cohort,
)
from tracker.auth.forms import EmptyForm
from tracker.auth.models import User
from tracker.extensions import db
from tracker.institutions.models import Category, Institution
from tracker.programmes.models import Cohort, CohortStatus, Programme, Regulator
from tracker.web import page_arg

bp = Blueprint("admin", __name__, url_prefix="/admin")

T = TypeVar("T")
# Validation checks uniqueness first; this covers a rival request saving between check and commit.
_TAKEN = "Another record was saved with this value a moment ago. Choose another."
Record = Regulator | Programme | Institution | Category


@dataclass(frozen=True)
class AreaPage:
    """How an area is named on its pages and where its list lives."""

    title: str
    noun: str
    endpoint: str


AREA_PAGES: dict[Area, AreaPage] = {
    Area.REGULATORS: AreaPage("Regulators", "regulator", "admin.regulators"),
    Area.PROGRAMMES: AreaPage("Programmes", "programme", "admin.programmes"),
    Area.COHORTS: AreaPage("Cohorts", "cohort", "admin.cohorts"),
    Area.INSTITUTIONS: AreaPage("Institutions", "institution", "admin.institutions"),
    Area.CATEGORIES: AreaPage("Categories", "category", "admin.categories"),
    Area.USERS: AreaPage("Users", "user", "admin.users"),
}


# Helpers shared by the six areas ------------------------------------------------------------


def _authorise(allowed: bool) -> None:
    if not allowed:
        abort(403)


def _log(action: str, noun: str, record_id: int) -> None:
    current_app.logger.info(
        "admin: %s %s id=%s by user=%s", action, noun, record_id, current_user.id
    )


def _save(field: Field, message: str, action: Callable[[], T]) -> T | None:
    """Run a service and commit. Should another request take the same name between validation
    and commit, roll back and put ``message`` beside ``field`` instead of failing."""
    try:
        result = action()
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        field.errors = [*field.errors, message]
        return None
    return result


def _form_page(area: Area, form: FlaskForm, record: Any = None) -> str:
    page = AREA_PAGES[area]
    title = f"Edit {page.noun}" if record is not None else f"New {page.noun}"
    return render_template("admin/form.html", form=form, page=page, title=title, record=record)


def _done(area: Area, action: str, record_id: int, label: str) -> Response:
    page = AREA_PAGES[area]
    _log(action, page.noun, record_id)
    flash(f"The {page.noun} “{label}” has been {action}.", "success")
    return redirect(url_for(page.endpoint))


def _edit_record(
    area: Area,
    form: FlaskForm,
    record: Record | Cohort | User | None,
    unique_field: Field,
    save: Callable[[], Record | Cohort | User],
) -> str | Response:
    """The create and edit flow every area shares: validate, save, commit, log, redirect."""
    if form.validate_on_submit():
        saved = _save(unique_field, _TAKEN, save)
        if saved is not None:
            return _done(area, "updated" if record is not None else "created", saved.id, str(saved))
    return _form_page(area, form, record)


def _set_active(area: Area, model: type[Record], record_id: int, action: str) -> Response:
    """Deactivate or reactivate a reference record (POST only, behind CSRF)."""
    record = db.get_or_404(model, record_id)
    _authorise(can_enter(current_user, area))
    if EmptyForm().validate_on_submit():
        services.set_active(record, action == "reactivate")
        db.session.commit()
        return _done(area, f"{action}d", record.id, str(record))
    return redirect(url_for(AREA_PAGES[area].endpoint))


# Regulators ---------------------------------------------------------------------------------


@bp.get("/regulators/")
@login_required
def regulators() -> str:
    """Every regulator, active or not."""
    _authorise(can_enter(current_user, Area.REGULATORS))
    return render_template("admin/regulators.html", regulators=queries.regulators())


@bp.route("/regulators/new", methods=["GET", "POST"])
@bp.route("/regulators/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def regulator_form(record_id: int | None = None) -> str | Response:
    """Create a regulator, or edit one."""
    regulator = db.get_or_404(Regulator, record_id) if record_id else None
    _authorise(can_enter(current_user, Area.REGULATORS))
    form = RegulatorForm(regulator)
    return _edit_record(
        Area.REGULATORS,
        form,
        regulator,
        form.code,
        lambda: services.save_regulator(
            regulator,
            code=form.code.data,
            name_en=form.name_en.data,
            name_zh=form.name_zh.data or None,
        ),
    )


@bp.post("/regulators/<int:record_id>/<any(deactivate, reactivate):action>")
@login_required
def regulator_active(record_id: int, action: str) -> Response:
    """Deactivate or reactivate a regulator. Its programmes, institutions and staff remain."""
    return _set_active(Area.REGULATORS, Regulator, record_id, action)


# Programmes ---------------------------------------------------------------------------------


@bp.get("/programmes/")
@login_required
def programmes() -> str:
    """Every programme with its regulators and sectors."""
    _authorise(can_enter(current_user, Area.PROGRAMMES))
    return render_template("admin/programmes.html", programmes=queries.programmes())


@bp.route("/programmes/new", methods=["GET", "POST"])
@bp.route("/programmes/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def programme_form(record_id: int | None = None) -> str | Response:
    """Create a programme, or edit one."""
    programme = db.get_or_404(Programme, record_id) if record_id else None
    _authorise(can_enter(current_user, Area.PROGRAMMES))
    form = ProgrammeForm(programme)
    return _edit_record(
        Area.PROGRAMMES,
        form,
        programme,
        form.name,
        lambda: services.save_programme(programme, form.to_data()),
    )


@bp.post("/programmes/<int:record_id>/<any(deactivate, reactivate):action>")
@login_required
def programme_active(record_id: int, action: str) -> Response:
    """Deactivate or reactivate a programme. Its cohorts and use cases remain."""
    return _set_active(Area.PROGRAMMES, Programme, record_id, action)


# Cohorts ------------------------------------------------------------------------------------


@bp.get("/cohorts/")
@login_required
def cohorts() -> str:
    """Cohorts the user may manage: all for administrators, those in remit for regulator staff."""
    _authorise(can_enter(current_user, Area.COHORTS))
    rows = queries.cohorts(current_user)
    return render_template(
        "admin/cohorts.html",
        cohorts=rows,
        use_case_counts=queries.use_case_counts([c.id for c in rows]),
        can_create=bool(queries.manageable_programmes(current_user)),
        can_edit=lambda cohort: can_edit_cohort(current_user, cohort),
    )


@bp.route("/cohorts/new", methods=["GET", "POST"])
@login_required
def cohort_new() -> str | Response:
    """Create a cohort in a programme the user may manage, with the default criteria."""
    _authorise(can_enter(current_user, Area.COHORTS))
    form = CohortForm(current_user, status=CohortStatus.PLANNING)
    if not form.programmes:
        # Regulator staff with no programme in remit have nothing to set up here.
        _authorise(can_enter(current_user, Area.PROGRAMMES))
        flash("Create a programme first: every cohort belongs to one.", "info")
        return redirect(url_for("admin.programme_form"))
    if form.validate_on_submit():
        programme = form.programme
        _authorise(programme is not None and can_create_cohort_in(current_user, programme))
        data = form.to_data()
        cohort = _save(form.name, _TAKEN, lambda: services.create_cohort(data))
        if cohort is not None:
            return _done(Area.COHORTS, "created", cohort.id, cohort.name)
    return _form_page(Area.COHORTS, form)


@bp.route("/cohorts/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def cohort_edit(record_id: int) -> str | Response:
    """Edit a cohort's dates, status, return interval and selection criteria."""
    cohort = db.first_or_404(
        db.select(Cohort)
        .where(Cohort.id == record_id)
        .options(
            selectinload(Cohort.criteria),
            selectinload(Cohort.programme).selectinload(Programme.participants),
        )
    )
    _authorise(can_edit_cohort(current_user, cohort))
    form = CohortEditForm(current_user, cohort)
    if form.validate_on_submit():
        programme = form.programme
        _authorise(programme is not None and can_move_cohort(current_user, cohort, programme))
        data, criteria = form.to_data(), form.criteria
        saved = _save(form.name, _TAKEN, lambda: services.update_cohort(cohort, data, criteria))
        if saved is not None:
            return _done(Area.COHORTS, "updated", saved.id, saved.name)
    return _form_page(Area.COHORTS, form, cohort)


@bp.post("/cohorts/<int:record_id>/close")
@login_required
def cohort_close(record_id: int) -> Response:
    """Deactivate a cohort by closing it. Its use cases and history stay as they are."""
    cohort = db.get_or_404(Cohort, record_id)
    _authorise(can_edit_cohort(current_user, cohort))
    if EmptyForm().validate_on_submit():
        services.close_cohort(cohort)
        db.session.commit()
        return _done(Area.COHORTS, "closed", cohort.id, cohort.name)
    return redirect(url_for("admin.cohorts"))


# Institutions -------------------------------------------------------------------------------


@bp.get("/institutions/")
@login_required
def institutions() -> str:
    """Every institution and technology partner."""
    _authorise(can_enter(current_user, Area.INSTITUTIONS))
    return render_template("admin/institutions.html", institutions=queries.institutions())


@bp.route("/institutions/new", methods=["GET", "POST"])
@bp.route("/institutions/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def institution_form(record_id: int | None = None) -> str | Response:
    """Create an institution, or edit one."""
    institution = db.get_or_404(Institution, record_id) if record_id else None
    _authorise(can_enter(current_user, Area.INSTITUTIONS))
    form = InstitutionForm(institution)
    return _edit_record(
        Area.INSTITUTIONS,
        form,
        institution,
        form.name,
        lambda: services.save_institution(
            institution,
            name=form.name.data,
            name_zh=form.name_zh.data or None,
            kind=form.kind.data,
            regulator_id=form.regulator_id.data,
        ),
    )


@bp.post("/institutions/<int:record_id>/<any(deactivate, reactivate):action>")
@login_required
def institution_active(record_id: int, action: str) -> Response:
    """Deactivate or reactivate an institution. Its use cases and users remain."""
    return _set_active(Area.INSTITUTIONS, Institution, record_id, action)


# Categories ---------------------------------------------------------------------------------


@bp.get("/categories/")
@login_required
def categories() -> str:
    """Use-case categories."""
    _authorise(can_enter(current_user, Area.CATEGORIES))
    return render_template("admin/categories.html", categories=queries.categories())


@bp.route("/categories/new", methods=["GET", "POST"])
@bp.route("/categories/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def category_form(record_id: int | None = None) -> str | Response:
    """Create a category, or edit one."""
    category = db.get_or_404(Category, record_id) if record_id else None
    _authorise(can_enter(current_user, Area.CATEGORIES))
    form = CategoryForm(category)
    return _edit_record(
        Area.CATEGORIES,
        form,
        category,
        form.name,
        lambda: services.save_category(
            category,
            name=form.name.data,
            name_zh=form.name_zh.data or None,
            description=form.description.data or "",
        ),
    )


@bp.post("/categories/<int:record_id>/<any(deactivate, reactivate):action>")
@login_required
def category_active(record_id: int, action: str) -> Response:
    """Deactivate or reactivate a category. Use cases already filed under it keep it."""
    return _set_active(Area.CATEGORIES, Category, record_id, action)


# Users --------------------------------------------------------------------------------------


@bp.get("/users/")
@login_required
def users() -> str:
    """Every account, active first, a page at a time."""
    _authorise(can_enter(current_user, Area.USERS))
    page = queries.users(page_arg())
    return render_template(
        "admin/users.html",
        page=page,
        can_deactivate=lambda user: can_deactivate_user(current_user, user),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def user_new() -> str | Response:
    """Create an account with an initial password."""
    _authorise(can_enter(current_user, Area.USERS))
    form = UserCreateForm(current_user)
    return _edit_record(
        Area.USERS,
        form,
        None,
        form.email,
        lambda: services.create_user(
            email=form.email.data,
            name=form.name.data,
            password=form.password.data,
            role=form.role.data,
            regulator_id=form.regulator_id.data,
            institution_id=form.institution_id.data,
        ),
    )


@bp.route("/users/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def user_edit(record_id: int) -> str | Response:
    """Edit an account; optionally set a new password, which signs the user out everywhere."""
    user = db.get_or_404(User, record_id)
    _authorise(can_enter(current_user, Area.USERS))
    form = UserEditForm(current_user, user)

    def save() -> User:
        services.update_user(
            user,
            email=form.email.data,
            name=form.name.data,
            role=form.role.data,
            regulator_id=form.regulator_id.data,
            institution_id=form.institution_id.data,
            new_password=form.new_password.data or None,
        )
        return user

    if form.validate_on_submit():
        saved = _save(form.email, _TAKEN, save)
        if saved is not None:
            if saved.id == current_user.id and form.new_password.data:
                # The new password revoked every session, this one included: renew it.
                login_user(saved)
            return _done(Area.USERS, "updated", saved.id, saved.name)
    return _form_page(Area.USERS, form, user)


@bp.post("/users/<int:record_id>/<any(deactivate, reactivate):action>")
@login_required
def user_active(record_id: int, action: str) -> Response:
    """Deactivate an account (revoking its sessions at once) or reactivate it."""
    user = db.get_or_404(User, record_id)
    _authorise(can_enter(current_user, Area.USERS))
    if action == "deactivate" and not can_deactivate_user(current_user, user):
        flash("You cannot deactivate your own account.", "danger")
        return redirect(url_for("admin.users"))
    if EmptyForm().validate_on_submit():
        services.set_user_active(user, action == "reactivate")
        db.session.commit()
        return _done(Area.USERS, f"{action}d", user.id, user.name)
    return redirect(url_for("admin.users"))
