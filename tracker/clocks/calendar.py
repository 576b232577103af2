"""The working-day calendar of each regulator: Monday to Friday, less Hong Kong's general holidays
(the ``holidays`` library's statutory and bank holidays, as offices close for them) and the
regulator's own closures (typhoon and black-rainstorm days, office closures) that admins keep.

Build a ``WorkingCalendar`` once per request or job (``calendar_for``: one query for the
closures) and ask it as often as needed; the module-level functions do that for a single answer.

Counting rule, the same everywhere: ``working_days_between(a, b)`` counts the working days
*after* ``a`` up to and including ``b``, so a clock started on a Friday has used one working day
on the Monday. ``add_working_days(start, n)`` is the first day on which that count reaches ``n``.

A year the holiday library does not cover (before 1946 or after 2100 at present) counts weekends
only, with one warning in the log per year, rather than failing a page.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import holidays
import sqlalchemy as sa

from tracker.extensions import db
from tracker.organisations.models import Regulator

log = logging.getLogger(__name__)

__all__ = [
    "WorkingCalendar",
    "add_days",
    "add_working_days",
    "calendar_for",
    "calendars_for",
    "days_between",
    "holiday_names",
    "hong_kong_holidays",
    "is_working_day",
    "working_days_between",
]

_CATEGORIES = holidays.HK.supported_categories  # statutory ("public") and general ("optional")
_warned_years: set[int] = set()


@functools.lru_cache(maxsize=256)
def hong_kong_holidays(year: int) -> dict[date, str]:
    """Hong Kong's general holidays in ``year`` by date; empty (weekends only, with a warning
    logged once) for a year the library does not cover or cannot compute."""
    try:
        calendar = holidays.HK(years=year, categories=_CATEGORIES)
        covered = calendar.start_year <= year <= calendar.end_year
        days = {d: str(name) for d, name in calendar.items()} if covered else {}
    except Exception:  # a library fault must not stop a page: weekends only, and say so
        log.exception("Hong Kong holidays for %s could not be computed", year)
        covered, days = False, {}
    if not covered and year not in _warned_years:
        _warned_years.add(year)
        log.warning(
            "No Hong Kong public holidays are known for %s: working days that year are "
            "Monday to Friday only",
            year,
        )
    return days


def holiday_names(year: int, chinese: bool = False) -> dict[date, str]:
    """Hong Kong's general holidays in ``year`` with their names for a page: in Traditional
    Chinese (the library's ``zh_HK`` names) on a Chinese page, else English."""
    days = hong_kong_holidays(year)
    if not chinese or not days:
        return days
    try:
        named = holidays.HK(years=year, categories=_CATEGORIES, language="zh_HK")
        return {d: str(named.get(d) or name) for d, name in days.items()}
    except Exception:  # noqa: BLE001 - the English names will do
        log.exception("Chinese names of Hong Kong holidays for %s could not be read", year)
        return days


@dataclass(frozen=True)
class WorkingCalendar:
    """One regulator's working days (or Hong Kong's, with no ``regulator_id``)."""

    regulator_id: int | None = None
    closures: dict[date, str] = field(default_factory=dict)

    def closed_because(self, day: date) -> str | None:
        """Why ``day`` is not a working day (``None`` if it is)."""
        if day.weekday() >= 5:
            return "Weekend"
        holiday = hong_kong_holidays(day.year).get(day)
        if holiday is not None:
            return holiday
        return self.closures.get(day)

    def is_working_day(self, day: date) -> bool:
        return self.closed_because(day) is None

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``; 0 when ``end <= start``."""
        if end <= start:
            return 0
        # Whole weeks hold five weekdays; only the holidays and closures among them are looked
        # up, so a long span costs no more than a short one.
        days = (end - start).days
        weeks, rest = divmod(days, 7)
        weekdays = weeks * 5
        for offset in range(1, rest + 1):
            if (start + timedelta(days=offset)).weekday() < 5:
                weekdays += 1
        closed = {
            d
            for year in range(start.year, end.year + 1)
            for d in hong_kong_holidays(year)
            if start < d <= end and d.weekday() < 5
        }
        closed.update(d for d in self.closures if start < d <= end and d.weekday() < 5)
        return weekdays - len(closed)

    def add_working_days(self, start: date, n: int) -> date:
        """The first day on which ``n`` working days have passed since ``start`` (``start``
        itself for ``n <= 0``); always a working day when ``n > 0``."""
        day = start
        left = n
        while left > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def next_working_day(self, day: date) -> date:
        """``day`` if it is a working day, else the next one."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day


def _regulator_id(regulator: Regulator | int | None) -> int | None:
    return regulator.id if isinstance(regulator, Regulator) else regulator


def calendars_for(regulator_ids: Iterable[int | None]) -> dict[int | None, WorkingCalendar]:
    """The calendars of several regulators with one query for all their closures."""
    from tracker.clocks.models import RegulatorClosure

    wanted = set(regulator_ids)
    closures: dict[int | None, dict[date, str]] = {i: {} for i in wanted}
    ids = [i for i in wanted if i is not None]
    if ids:
        rows = db.session.execute(
            sa.select(
                RegulatorClosure.regulator_id, RegulatorClosure.on, RegulatorClosure.name
            ).where(RegulatorClosure.regulator_id.in_(ids))
        )
        for regulator_id, on, name in rows:
            closures[regulator_id][on] = name
    return {i: WorkingCalendar(i, closures[i]) for i in wanted}


def calendar_for(regulator: Regulator | int | None) -> WorkingCalendar:
    """A regulator's calendar (Hong Kong's alone for ``None``), its closures read once."""
    regulator_id = _regulator_id(regulator)
    return calendars_for([regulator_id])[regulator_id]


def is_working_day(regulator: Regulator | int | None, day: date) -> bool:
    """Whether the regulator's office works on ``day``."""
    return calendar_for(regulator).is_working_day(day)


def add_working_days(regulator: Regulator | int | None, start: date, n: int) -> date:
    """The day ``n`` of the regulator's working days after ``start``."""
    return calendar_for(regulator).add_working_days(start, n)


def working_days_between(regulator: Regulator | int | None, start: date, end: date) -> int:
    """The regulator's working days after ``start`` up to and including ``end``."""
    return calendar_for(regulator).working_days_between(start, end)


def days_between(start: date, end: date) -> int:
    """Calendar days after ``start`` up to and including ``end`` (0 when ``end <= start``)."""
    return max(0, (end - start).days)


def add_days(start: date, n: int) -> date:
    return start + timedelta(days=max(0, n))
