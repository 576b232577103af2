"""The working-day calendar: weekends, Hong Kong's holidays, regulator closures, a year the
holiday library does not know."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from tests.conftest import World
from tests.usecases.test_query_counts import count_queries
from tracker.clocks import calendar
from tracker.clocks.calendar import (
    WorkingCalendar,
    add_working_days,
    calendar_for,
    hong_kong_holidays,
    is_working_day,
    working_days_between,
)
from tracker.clocks.models import RegulatorClosure
from tracker.extensions import db


@pytest.fixture
def fresh_holidays() -> Iterator[None]:
    """Forget the cached holiday years and the warnings given, before and after the test."""
    hong_kong_holidays.cache_clear()
    calendar._warned_years.clear()
    yield
    hong_kong_holidays.cache_clear()
    calendar._warned_years.clear()


HK = WorkingCalendar()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 2, 13), True),  # Friday before Lunar New Year
        (date(2026, 2, 14), False),  # Saturday
        (date(2026, 2, 17), False),  # Lunar New Year's Day
        (date(2026, 2, 18), False),
        (date(2026, 2, 19), False),
        (date(2026, 2, 20), True),
        (date(2026, 4, 3), False),  # Good Friday (a general holiday, not statutory)
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2026, 4, 7), False),  # Ching Ming observed
        (date(2026, 12, 24), True),
        (date(2026, 12, 25), False),  # Christmas Day
        (date(2026, 12, 28), True),
        (date(2025, 12, 26), False),  # first weekday after Christmas
        (date(2025, 7, 1), False),  # HKSAR Establishment Day
    ],
)
def test_hong_kong_working_days(day: date, working: bool):
    assert HK.is_working_day(day) is working
    assert is_working_day(None, day) is working


def test_adding_working_days_across_lunar_new_year_and_christmas():
    assert HK.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 16)
    assert HK.add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 20)
    assert HK.working_days_between(date(2026, 2, 13), date(2026, 2, 20)) == 2
    assert HK.add_working_days(date(2026, 12, 23), 2) == date(2026, 12, 28)
    # 24, 28, 29, 30, 31 December and 4 January (New Year's Day is a holiday).
    assert HK.working_days_between(date(2026, 12, 23), date(2027, 1, 4)) == 6
    # Day 0 is the start itself; nothing is counted backwards.
    assert HK.add_working_days(date(2026, 2, 14), 0) == date(2026, 2, 14)
    assert HK.working_days_between(date(2026, 2, 20), date(2026, 2, 13)) == 0


def test_counting_and_adding_agree_over_two_years():
    start = date(2025, 12, 19)
    for n in range(0, 520, 7):
        end = HK.add_working_days(start, n)
        assert HK.working_days_between(start, end) == n
        if n:
            assert HK.is_working_day(end)
            assert HK.working_days_between(start, end - timedelta(days=1)) == n - 1
    # 2026 has 261 weekdays, 14 of its general holidays fall on one.
    assert HK.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 261 - 14


def test_a_closure_moves_only_its_regulators_dates(world: World):
    db.session.add(
        RegulatorClosure(regulator_id=world.hkma.id, on=date(2026, 2, 16), name="Typhoon No. 8")
    )
    db.session.commit()
    assert add_working_days(world.hkma, date(2026, 2, 13), 1) == date(2026, 2, 20)
    assert add_working_days(world.sfc, date(2026, 2, 13), 1) == date(2026, 2, 16)
    assert add_working_days(None, date(2026, 2, 13), 1) == date(2026, 2, 16)
    assert working_days_between(world.hkma.id, date(2026, 2, 13), date(2026, 2, 20)) == 1
    assert calendar_for(world.hkma).closed_because(date(2026, 2, 16)) == "Typhoon No. 8"


def test_a_calendar_reads_its_closures_once(world: World):
    for d in (date(2026, 3, 2), date(2026, 6, 1), date(2026, 9, 1)):
        db.session.add(RegulatorClosure(regulator_id=world.hkma.id, on=d, name="Closed"))
    db.session.commit()
    hkma_id = world.hkma.id
    with count_queries() as statements:
        cal = calendar_for(hkma_id)
        total = cal.working_days_between(date(2025, 12, 31), date(2026, 12, 31))
        cal.add_working_days(date(2026, 1, 1), 200)
    assert len(statements) == 1
    assert total == 261 - 14 - 3


def test_a_year_the_library_does_not_cover_counts_weekends_only(
    fresh_holidays: None, caplog: pytest.LogCaptureFixture
):
    with caplog.at_level(logging.WARNING, logger="tracker.clocks.calendar"):
        # 25 December 2205 is a Wednesday: with no holiday list it is a working day.
        assert HK.is_working_day(date(2205, 12, 25))
        assert HK.add_working_days(date(2205, 12, 23), 2) == date(2205, 12, 25)
        assert HK.working_days_between(date(2205, 1, 1), date(2205, 12, 31)) == 260
    warnings = [r for r in caplog.records if "2205" in r.getMessage()]
    assert len(warnings) == 1
    assert "Monday to Friday only" in warnings[0].getMessage()


def test_a_failing_holiday_library_never_fails_a_count(
    fresh_holidays: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    def broken(**_kw: object) -> None:
        raise RuntimeError("holiday data unavailable")

    monkeypatch.setattr(calendar.holidays, "HK", broken)
    with caplog.at_level(logging.WARNING, logger="tracker.clocks.calendar"):
        assert HK.is_working_day(date(2026, 12, 25))
    assert any("could not be computed" in r.getMessage() for r in caplog.records)
    assert any("Monday to Friday only" in r.getMessage() for r in caplog.records)


def test_a_clock_running_into_an_unknown_year_still_counts(
    fresh_holidays: None, caplog: pytest.LogCaptureFixture
):
    with caplog.at_level(logging.WARNING, logger="tracker.clocks.calendar"):
        # Monday 27 December 2100 is a holiday; 2101 is beyond the library: weekdays only.
        end = HK.add_working_days(date(2100, 12, 20), 10)
        assert HK.working_days_between(date(2100, 12, 20), end) == 10
    assert end == date(2101, 1, 4)
    assert [r.getMessage() for r in caplog.records if "2101" in r.getMessage()] == [
        "No Hong Kong public holidays are known for 2101: working days that year are Monday "
        "to Friday only"
    ]
