"""The API's reference page (Redoc, vendored, over the OpenAPI document) and its data
dictionary of returns, incidents and problem types. Public: they hold no data."""

from __future__ import annotations

from flask import Blueprint, render_template
from werkzeug.wrappers import Response

from tracker.api.problems import TITLES
from tracker.i18n import N_
from tracker.usecases.models import MilestoneStatus, Rag, Severity, Stage
from tracker.usecases.workflow import TRANSITIONS

bp = Blueprint("api_docs", __name__, url_prefix="/api/docs")

# Redoc styles itself with inline <style> and runs its search in a worker from a blob; scripts
# still load only from this site.
REFERENCE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


# The problem types' titles, for the data dictionary read by people: the JSON keeps them in
# English (tracker/api/problems.py); a Chinese page shows a translation beside them.
PROBLEM_TITLES = (
    N_("The request breaks a rule"),
    N_("The record changed since you read it"),
    N_("If-Match is required"),
    N_("Not allowed"),
    N_("A valid token is required"),
    N_("Not found"),
    N_("Idempotency-Key used for another request"),
    N_("A request with this Idempotency-Key is in progress"),
    N_("Idempotency-Key is required"),
    N_("Request too large"),
    N_("Too many requests"),
)


@bp.get("/")
def reference() -> Response:
    """The API reference, rendered from /api/v1/openapi.json."""
    response = Response(render_template("api/reference.html"), mimetype="text/html")
    response.headers["Content-Security-Policy"] = REFERENCE_CSP
    return response


@bp.get("/data")
def data_dictionary() -> str:
    """What each field of a return and an incident means, the values it takes, its rules."""
    return render_template(
        "api/data_dictionary.html",
        rags=list(Rag),
        severities=list(Severity),
        milestone_statuses=list(MilestoneStatus),
        stages=list(Stage),
        transitions=TRANSITIONS,
        problems=TITLES,
    )
