"""Use-case pages (being built)."""

from __future__ import annotations

from flask_login import login_required

from tracker.usecases import listing as _listing  # noqa: F401  (registers the list routes)
from tracker.usecases.blueprint import bp


@bp.get("/queue")
@login_required
def queue() -> str:
    return "queue"


@bp.get("/new")
@login_required
def new() -> str:
    return "new"
