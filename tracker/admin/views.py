"""Administration of reference data and accounts (being built)."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required

from tracker.auth.permissions import can_administer

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_admin() -> None:
    if not can_administer(current_user):
        abort(403)


@bp.get("/regulators/")
def regulators() -> str:
    return "regulators"


@bp.get("/programmes/")
def programmes() -> str:
    return "programmes"


@bp.get("/cohorts/")
def cohorts() -> str:
    return "cohorts"


@bp.get("/institutions/")
def institutions() -> str:
    return "institutions"


@bp.get("/categories/")
def categories() -> str:
    return "categories"


@bp.get("/users/")
def users() -> str:
    return "users"
