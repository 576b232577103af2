"""The current time and date where the regulator is, and day counts, the same on every page and
report.

Everything reads the time through ``utcnow()`` and ``local_today()``, so the clock can be set:
``with frozen_at(datetime(2025, 3, 1, 2, 0)):`` makes both answer for that moment (naive UTC)
until the block ends. The demo seeder replays history through the commands at its own dates
this way, and tests freeze time with it (the ``freeze_time`` fixture). The setting is a
context variable, so it holds for the current thread or task only, never for other requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

_frozen: ContextVar[datetime | None] = ContextVar("tracker_frozen_now", default=None)


@contextmanager
def frozen_at(moment: datetime) -> Iterator[datetime]:
    """Make ``utcnow()`` return ``moment`` (a naive UTC time) and ``local_today()`` its local
    date inside the block; blocks nest, and the previous setting comes back on exit."""
    if moment.tzinfo is not None:
        raise ValueError("frozen_at takes a naive UTC datetime, as the database stores")
    token = _frozen.set(moment)
    try:
        yield moment
    finally:
        _frozen.reset(token)


def frozen_moment() -> datetime | None:
    """The moment the clock is frozen at, or ``None`` while it runs."""
    return _frozen.get()


def utcnow() -> datetime:
    """Naive UTC now: every timestamp is stored as naive UTC and shown in local time."""
    frozen = _frozen.get()
    if frozen is not None:
        return frozen
    return datetime.now(UTC).replace(tzinfo=None)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TRACKER_TIMEZONE"])


def local_today() -> date:
    """Today in the configured time zone (Hong Kong by default)."""
    return local_date(utcnow())


def local_date(stored: datetime, zone: ZoneInfo | None = None) -> date:
    """The local calendar date of a stored naive-UTC timestamp (in ``zone``, or the app's)."""
    return stored.replace(tzinfo=UTC).astimezone(zone or _zone()).date()


def days_since(stored: datetime, today: date | None = None, zone: ZoneInfo | None = None) -> int:
    """Calendar days from a stored timestamp's local date to today (as the PDF reports count).
    Given ``today`` and ``zone`` it needs no app (a streamed export runs after the request)."""
    return max(0, ((today or local_today()) - local_date(stored, zone)).days)
