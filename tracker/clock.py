"""The current date where the regulator is, and day counts, the same on every page and report."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TRACKER_TIMEZONE"])


def local_today() -> date:
    """Today in the configured time zone (Hong Kong by default)."""
    return datetime.now(_zone()).date()


def local_date(stored: datetime) -> date:
    """The local calendar date of a stored naive-UTC timestamp."""
    return stored.replace(tzinfo=UTC).astimezone(_zone()).date()


def days_since(stored: datetime, today: date | None = None) -> int:
    """Calendar days from a stored timestamp's local date to today (as the PDF reports count)."""
    return max(0, ((today or local_today()) - local_date(stored)).days)
