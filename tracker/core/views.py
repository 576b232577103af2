"""Health check and the site root."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, url_for
from werkzeug.wrappers import Response

from tracker.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when the database answers, 503 with the reason when it does not."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        db.session.rollback()
        current_app.logger.warning("health check failed: %s", exc)
        reason = type(exc).__name__ + ": " + str(exc).splitlines()[0][:200]
        return jsonify(status="error", database="unreachable", reason=reason), 503
    return jsonify(status="ok", database="ok"), 200


@bp.get("/")
def index() -> Response:
    """Send everyone to their dashboard (which asks for sign-in first)."""
    return redirect(url_for("dashboard.index"))
