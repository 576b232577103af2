"""Health check and the site root."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, url_for
from werkzeug.wrappers import Response

from tracker.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when the database answers, 503 naming only the failing part when it does not.

    Anyone may call this, so the answer names the part ("database") and never its host, port,
    role or driver message: those go to the log for the operator."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        db.session.rollback()
        current_app.logger.warning("health check failed: database", exc_info=True)
        return jsonify(status="unavailable", reason="database"), 503
    return jsonify(status="ok", database="ok"), 200


@bp.get("/")
def index() -> Response:
    """Send everyone to their dashboard (which asks for sign-in first)."""
    return redirect(url_for("dashboard.index"))
