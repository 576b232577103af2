"""The use-case list (being built)."""

from __future__ import annotations

from flask_login import login_required

from tracker.usecases.blueprint import bp


@bp.get("/")
@login_required
def index() -> str:
    return "list"
