"""Use-case pages (being built)."""

from __future__ import annotations

from flask_login import login_required

from tracker.usecases.blueprint import bp


@bp.get("/")
@login_required
def index() -> str:
    return "list"


@bp.get("/queue")
@login_required
def queue() -> str:
    return "queue"


@bp.get("/new")
@login_required
def new() -> str:
    return "new"
