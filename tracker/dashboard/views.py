"""Dashboards by role, the pipeline board, and the cohort and institution lists."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@login_required
def index() -> str:
    """The signed-in user's dashboard."""
    return render_template("dashboard/index.html")


@bp.get("/board")
@login_required
def board() -> str:
    """Pipeline board."""
    return render_template("dashboard/index.html")


@bp.get("/cohorts/")
@login_required
def cohorts() -> str:
    """Cohorts."""
    return render_template("dashboard/index.html")


@bp.get("/institutions/")
@login_required
def institutions() -> str:
    """Institutions."""
    return render_template("dashboard/index.html")
