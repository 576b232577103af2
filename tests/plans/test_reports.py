"""Reports as at a date show the plan version in force at that date, not a later amendment."""

from __future__ import annotations

from datetime import date, datetime

from tests import factories as f
from tests.conftest import World
from tracker.plans import services
from tracker.reports import data
from tracker.reports.data import AsAt
from tracker.usecases.models import Stage

ZONE = "Asia/Hong_Kong"


def test_a_report_as_at_a_date_shows_the_plan_in_force_then(world: World, freeze_time) -> None:  # type: ignore[no-untyped-def]
    freeze_time(datetime(2025, 1, 6, 2, 0))
    uc = f.create_use_case(
        world.cohort,
        world.bank,
        world.category,
        stage=Stage.PILOT,
        pilot_started_on=date(2025, 1, 6),
    )
    f.create_agreed_plan(uc, world.bank_user, world.reviewer, duration_weeks=26)
    freeze_time(datetime(2025, 3, 10, 2, 0))
    amendment = services.save_draft(
        uc, world.bank_user, f.plan_data(duration_weeks=30, geographies="Hong Kong and Macao")
    )
    services.submit(uc, amendment, world.bank_user, amendment.lock_version)
    services.agree(uc, amendment, world.reviewer, amendment.lock_version)
    freeze_time(datetime(2025, 4, 1, 2, 0))

    def terms(day: date) -> data.PilotTerms:
        details = data.use_case_report(uc, AsAt.for_day(day, ZONE)).use_case.details
        assert details is not None and details.pilot_terms is not None
        return details.pilot_terms

    before = terms(date(2025, 3, 9))
    assert (before.plan_version, before.duration_weeks) == (1, 26)
    assert before.plan_agreed_on == date(2025, 1, 6)
    assert ("Geographies", "Hong Kong") in before.plan_sections
    after = terms(date(2025, 3, 10))
    assert (after.plan_version, after.duration_weeks) == (2, 30)
    assert ("Geographies", "Hong Kong and Macao") in after.plan_sections
