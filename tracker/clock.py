"""The current date where the regulator is, for due dates and day counts."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def local_today() -> date:
    """Today in the configured time zone (Hong Kong by default)."""
    return datetime.now(ZoneInfo(current_app.config["TRACKER_TIMEZONE"])).date()
