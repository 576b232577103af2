"""Stage clocks driven through the workflow commands with frozen time: working days across
Hong Kong holidays, stop-the-clock while changes are requested, as-at dates, settings that fall
back from cohort to programme to the built-in allowances."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests import factories as f
from tests.conftest import World
from tracker.auth.models import User
from tracker.clocks import services as clock_services
from tracker.clocks.clocks import BUILT_IN, Allowance, ClockStatus, decided_within_time
from tracker.clocks.models import ClockSettings, RegulatorClosure
from tracker.clocks.services import ClockSetting, clocks_of
from tracker.extensions import db
from tracker.programmes.models import Cohort
from tracker.rules import ConflictError, NotAllowedError, RuleError
from tracker.unit_of_work import unit_of_work
from tracker.usecases import services
from tracker.usecases.models import Stage, UseCase
from tracker.usecases.workflow import BY_NAME

Freeze = Callable[[datetime], datetime]


def at(day: date) -> datetime:
    """10:00 in Hong Kong on ``day``, as the naive UTC the tracker stores."""
    return datetime.combine(day, time(2, 0))


def move(
    freeze: Freeze, use_case: UseCase, name: str, user: User, day: date, **fields: Any
) -> None:
    freeze(at(day))
    with unit_of_work():
        services.apply_transition(
            use_case, BY_NAME[name], user, use_case.version, fields, reason="Because."
        )


def by_name(use_case: UseCase, as_at: date | None = None) -> dict[str, Any]:
    return {c.kind.name: c for c in clocks_of(use_case, as_at)}


@pytest.fixture
def draft(world: World) -> UseCase:
    uc = f.create_use_case(world.cohort, world.bank, world.category)
    db.session.commit()
    return uc


def test_review_clocks_stop_while_changes_are_requested(
    world: World, draft: UseCase, freeze_time: Freeze
):
    uc = draft
    # Submitted on the Friday before Lunar New Year (17–19 February 2026).
    move(freeze_time, uc, "submit", world.bank_user, date(2026, 2, 13))
    clocks = by_name(uc)
    assert clocks["submitted"].status is ClockStatus.RUNNING
    # 16, 20, 23–27 February, 2, 3 and 4 March: ten working days.
    assert clocks["submitted"].due_on == date(2026, 3, 4)
    assert uc.clock_due_on == date(2026, 3, 4)

    move(freeze_time, uc, "start_review", world.reviewer, date(2026, 3, 2))
    clocks = by_name(uc)
    assert clocks["submitted"].status is ClockStatus.FINISHED
    assert clocks["submitted"].days_used == 8
    assert clocks["submitted"].within_time
    # Thirty working days, skipping Good Friday, Easter Monday and Ching Ming (3, 6, 7 April).
    assert clocks["under_review"].due_on == date(2026, 4, 16)
    assert uc.clock_due_on == date(2026, 4, 16)

    move(freeze_time, uc, "request_changes", world.reviewer, date(2026, 3, 16))
    freeze_time(at(date(2026, 3, 25)))
    clocks = by_name(uc)
    review = clocks["under_review"]
    assert review.status is ClockStatus.PAUSED
    assert review.paused_since == date(2026, 3, 16)
    assert review.days_used == 10  # 3–6, 9–13 and 16 March
    assert review.days_left == 20
    assert review.due_on is None
    applicant = clocks["changes_requested"]
    assert applicant.status is ClockStatus.RUNNING
    assert applicant.days_used == 7
    assert applicant.due_on == date(2026, 4, 16)
    assert uc.clock_due_on == date(2026, 4, 16)

    # Resubmitted: the submission clock resumes with its two days left (2 and 8 April).
    move(freeze_time, uc, "resubmit", world.bank_user, date(2026, 4, 1))
    clocks = by_name(uc)
    assert clocks["submitted"].status is ClockStatus.RUNNING
    assert clocks["submitted"].due_on == date(2026, 4, 8)
    assert clocks["changes_requested"].status is ClockStatus.FINISHED
    assert clocks["changes_requested"].within_time
    assert uc.clock_due_on == date(2026, 4, 8)

    # The review resumes with twenty days left; Labour Day (1 May) does not count.
    move(freeze_time, uc, "start_review", world.reviewer, date(2026, 4, 8))
    assert by_name(uc)["under_review"].due_on == date(2026, 5, 7)
    assert uc.clock_due_on == date(2026, 5, 7)

    freeze_time(at(date(2026, 5, 12)))
    review = by_name(uc)["under_review"]
    assert review.overdue
    assert review.days_used == 33
    assert review.due_on == date(2026, 5, 7)

    f.create_review(uc, world.reviewer)
    db.session.commit()
    move(freeze_time, uc, "select", world.reviewer, date(2026, 5, 12))
    clocks = by_name(uc)
    assert clocks["under_review"].status is ClockStatus.FINISHED
    assert clocks["under_review"].finished_on == date(2026, 5, 12)
    assert not decided_within_time(list(clocks.values()))
    assert uc.clock_due_on is None

    # As at an earlier day the history reads as it stood then.
    earlier = by_name(uc, date(2026, 3, 20))
    assert earlier["under_review"].status is ClockStatus.PAUSED
    assert earlier["under_review"].days_used == 10
    assert "changes_requested" in earlier
    assert set(by_name(uc, date(2026, 2, 20))) == {"submitted"}
    assert by_name(uc, date(2026, 2, 20))["submitted"].days_used == 2
    assert by_name(uc, date(2026, 2, 12)) == {}


def test_a_regulator_closure_moves_the_due_date(world: World, draft: UseCase, freeze_time: Freeze):
    move(freeze_time, draft, "submit", world.bank_user, date(2026, 2, 13))
    assert draft.clock_due_on == date(2026, 3, 4)
    freeze_time(at(date(2026, 2, 16)))
    with unit_of_work():
        clock_services.add_closure(
            world.admin,
            clock_services.ClosureData(world.hkma.id, date(2026, 2, 23), "Black rainstorm"),
        )
    db.session.refresh(draft)
    assert draft.clock_due_on == date(2026, 3, 5)
    closure = db.session.query(RegulatorClosure).one()
    with unit_of_work():
        clock_services.remove_closure(world.admin, closure)
    db.session.refresh(draft)
    assert draft.clock_due_on == date(2026, 3, 4)


def test_an_other_regulators_closure_changes_nothing(
    world: World, draft: UseCase, freeze_time: Freeze
):
    move(freeze_time, draft, "submit", world.bank_user, date(2026, 2, 13))
    with unit_of_work():
        clock_services.add_closure(
            world.admin, clock_services.ClosureData(world.ia.id, date(2026, 2, 23), "Office move")
        )
    db.session.refresh(draft)
    assert draft.clock_due_on == date(2026, 3, 4)


def test_a_cohort_without_settings_uses_the_built_in_allowances(world: World):
    resolved = clock_services.cohort_allowances(world.cohort)
    assert {n: r.allowance for n, r in resolved.items()} == BUILT_IN
    assert {r.source for r in resolved.values()} == {"built-in"}
    assert BUILT_IN["submitted"] == Allowance(10, True)
    assert BUILT_IN["under_review"] == Allowance(30, True)
    assert BUILT_IN["changes_requested"] == Allowance(20, True)
    assert BUILT_IN["pilot"] == Allowance(182, False)


def test_cohort_settings_fall_back_to_the_programme_then_built_in(
    world: World, draft: UseCase, freeze_time: Freeze
):
    with unit_of_work():
        clock_services.save_clock_settings(
            world.admin,
            {"submitted": ClockSetting(15, None), "under_review": ClockSetting(21, None)},
            None,
            programme=world.programme,
        )
    with unit_of_work():
        clock_services.save_clock_settings(
            world.reviewer,
            {"submitted": ClockSetting(20, False)},
            None,
            cohort=world.cohort,
        )
    resolved = clock_services.cohort_allowances(world.cohort)
    assert resolved["submitted"].allowance == Allowance(20, False)
    assert resolved["submitted"].source == "cohort"
    assert resolved["under_review"].allowance == Allowance(21, True)
    assert resolved["under_review"].source == "programme"
    assert resolved["changes_requested"].source == "built-in"
    # Twenty calendar days from 13 February, holidays and all.
    move(freeze_time, draft, "submit", world.bank_user, date(2026, 2, 13))
    assert draft.clock_due_on == date(2026, 3, 5)


def test_changing_settings_moves_running_clocks(world: World, draft: UseCase, freeze_time: Freeze):
    move(freeze_time, draft, "submit", world.bank_user, date(2026, 2, 13))
    with unit_of_work():
        clock_services.save_clock_settings(
            world.reviewer, {"submitted": ClockSetting(5, None)}, None, cohort=world.cohort
        )
    db.session.refresh(draft)
    assert draft.clock_due_on == date(2026, 2, 25)  # 16, 20, 23, 24, 25 February


def test_settings_rules_and_stale_versions(world: World):
    with pytest.raises(RuleError) as caught:
        clock_services.save_clock_settings(
            world.admin,
            {"submitted": ClockSetting(0, None), "pilot": ClockSetting(9999, False)},
            None,
            cohort=world.cohort,
        )
    assert set(caught.value.errors) == {"submitted_days", "pilot_days"}
    db.session.rollback()
    with unit_of_work():
        row = clock_services.save_clock_settings(
            world.admin, {"submitted": ClockSetting(7, None)}, None, cohort=world.cohort
        )
    assert row.version == 1
    # A form opened before the first save carried no version: it is stale now.
    with pytest.raises(ConflictError):
        clock_services.save_clock_settings(
            world.admin, {"submitted": ClockSetting(8, None)}, None, cohort=world.cohort
        )
    db.session.rollback()
    assert db.session.query(ClockSettings).one().submitted_days == 7


def test_who_may_change_clocks(world: World):
    with pytest.raises(NotAllowedError):
        clock_services.save_clock_settings(world.bank_user, {}, None, cohort=world.cohort)
    with pytest.raises(NotAllowedError):
        clock_services.save_clock_settings(world.ia_reviewer, {}, None, cohort=world.cohort)
    # Participating regulator staff set up cohorts; only the lead sets programme defaults.
    with pytest.raises(NotAllowedError):
        clock_services.save_clock_settings(world.sfc_reviewer, {}, None, programme=world.programme)
    with pytest.raises(NotAllowedError):
        clock_services.add_closure(
            world.reviewer,
            clock_services.ClosureData(world.hkma.id, date(2026, 2, 23), "Typhoon"),
        )


def test_closure_rules(world: World):
    with unit_of_work():
        clock_services.add_closure(
            world.admin, clock_services.ClosureData(world.hkma.id, date(2026, 2, 23), "Typhoon")
        )
    with pytest.raises(RuleError) as caught:
        clock_services.add_closure(
            world.admin, clock_services.ClosureData(world.hkma.id, date(2026, 2, 23), "Again")
        )
    assert "already recorded" in caught.value.errors["on"][0]
    with pytest.raises(RuleError) as caught:
        clock_services.add_closure(
            world.admin, clock_services.ClosureData(None, date(2026, 2, 21), " ")
        )
    assert set(caught.value.errors) == {"regulator_id", "on", "name"}


def test_pilot_clock_runs_for_the_agreed_duration_and_pauses_when_suspended(
    world: World, freeze_time: Freeze
):
    freeze_time(at(date(2026, 2, 20)))
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SELECTED)
    # The duration comes from the agreed sandbox plan.
    f.create_agreed_plan(uc, world.bank_user, world.reviewer, duration_weeks=10)
    db.session.commit()
    move(
        freeze_time,
        uc,
        "start_pilot",
        world.reviewer,
        date(2026, 3, 2),
        pilot_started_on=date(2026, 3, 2),
    )
    assert uc.clock_due_on == date(2026, 5, 11)  # seventy calendar days
    move(freeze_time, uc, "suspend", world.reviewer, date(2026, 3, 12))
    assert uc.clock_due_on is None
    pilot = by_name(uc, date(2026, 3, 20))["pilot"]
    assert pilot.status is ClockStatus.PAUSED
    assert pilot.days_used == 10
    move(freeze_time, uc, "resume", world.reviewer, date(2026, 3, 22))
    assert uc.clock_due_on == date(2026, 5, 21)  # ten days later than planned


def test_the_applicant_clock_starts_afresh_for_each_request(
    world: World, draft: UseCase, freeze_time: Freeze
):
    uc = draft
    move(freeze_time, uc, "submit", world.bank_user, date(2026, 6, 1))
    move(freeze_time, uc, "start_review", world.reviewer, date(2026, 6, 2))
    move(freeze_time, uc, "request_changes", world.reviewer, date(2026, 6, 3))
    move(freeze_time, uc, "resubmit", world.bank_user, date(2026, 6, 10))
    move(freeze_time, uc, "start_review", world.reviewer, date(2026, 6, 11))
    move(freeze_time, uc, "request_changes", world.reviewer, date(2026, 6, 15))
    applicant = by_name(uc, date(2026, 6, 15))["changes_requested"]
    assert applicant.started_on == date(2026, 6, 15)
    assert applicant.days_used == 0
    # 20 working days from Monday 15 June, skipping Dragon Boat (19 June) and 1 July.
    assert uc.clock_due_on == date(2026, 7, 15)
    assert uc.clock_due_on == date(2026, 6, 15) + timedelta(days=30)


def test_the_daily_check_is_a_periodic_job(app: object) -> None:
    from tracker.jobs import huey

    names = {task.__name__ for task in huey._registry._periodic_tasks}
    assert "daily_clock_check" in names


def test_the_institution_dashboard_says_when_the_answer_is_due(
    app: Any, world: World, draft: UseCase, freeze_time: Freeze
) -> None:
    from tests.conftest import login

    move(freeze_time, draft, "submit", world.bank_user, date(2026, 6, 1))
    move(freeze_time, draft, "start_review", world.reviewer, date(2026, 6, 2))
    move(freeze_time, draft, "request_changes", world.reviewer, date(2026, 6, 3))
    client = app.test_client()
    login(client, world.bank_user)
    html = client.get("/dashboard").get_data(as_text=True)
    # 20 working days from 3 June, skipping Dragon Boat (19 June) and 1 July.
    assert "answer due by 03 Jul 2026" in html


def test_the_refresh_command_fills_due_dates_after_an_upgrade(
    app: Any, world: World, draft: UseCase, freeze_time: Freeze
) -> None:
    move(freeze_time, draft, "submit", world.bank_user, date(2026, 2, 13))
    db.session.execute(sa.update(UseCase).values(clock_due_on=None))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["clocks", "refresh"])
    assert result.exit_code == 0, result.output
    assert "for 1 use case in a stage" in result.output
    db.session.refresh(draft)
    assert draft.clock_due_on == date(2026, 3, 4)


def test_the_daily_check_fills_due_dates_nobody_refreshed(
    world: World, draft: UseCase, freeze_time: Freeze
) -> None:
    """A deployment that upgraded without ``clocks refresh`` heals at the next morning check."""
    from tracker.clocks.jobs import daily_clock_check

    move(freeze_time, draft, "submit", world.bank_user, date(2026, 2, 13))
    db.session.execute(sa.update(UseCase).values(clock_due_on=None))
    db.session.commit()
    freeze_time(at(date(2026, 2, 16)))
    daily_clock_check.call_local()
    db.session.refresh(draft)
    assert draft.clock_due_on == date(2026, 3, 4)


def test_a_change_of_settings_refreshes_many_use_cases_in_few_queries(
    world: World, freeze_time: Freeze
) -> None:
    from tests.usecases.test_query_counts import count_queries

    freeze_time(at(date(2026, 2, 13)))
    for _ in range(12):
        f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    admin_id, cohort_id = world.admin.id, world.cohort.id
    admin, cohort = db.session.get(User, admin_id), db.session.get(Cohort, cohort_id)
    assert admin is not None and cohort is not None
    with count_queries() as statements, unit_of_work():
        clock_services.save_clock_settings(
            admin, {"submitted": ClockSetting(5, None)}, None, cohort=cohort
        )
    # The settings, the use cases with their history, cohorts and programmes, the settings in
    # force and the closures; then one UPDATE for all twelve.
    assert len(statements) <= 10, "\n".join(s[:90] for s in statements)
    db.session.expire_all()
    rows = db.session.execute(sa.select(UseCase.clock_due_on, UseCase.version)).all()
    # Their version does not move: a form open on one of them does not go stale.
    assert set(rows) == {(date(2026, 2, 25), 1)}
