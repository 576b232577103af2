"""The plan commands: what a plan needs, who drafts, submits and agrees it, amendments, and the
pilot start that waits for an agreed plan."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from tests import factories as f
from tests.conftest import World
from tracker.clock import local_today
from tracker.extensions import db
from tracker.plans import queries, services
from tracker.plans.models import Direction, PlanStatus
from tracker.plans.services import KpiInput
from tracker.rules import ConflictError, NotAllowedError, RuleError
from tracker.usecases import services as uc_services
from tracker.usecases.models import Stage
from tracker.usecases.workflow import BY_NAME


def _selected(world: World):  # type: ignore[no-untyped-def]
    return f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SELECTED)


def test_a_plan_without_boundaries_is_refused(world: World) -> None:
    uc = _selected(world)
    data = f.plan_data(customer_cap=None, exposure_limit=None, other_limits="", duration_weeks=None)
    with pytest.raises(RuleError) as refused:
        services.save_draft(uc, world.bank_user, data)
    assert (
        "give a customer cap, an exposure limit or other limits"
        in (refused.value.errors["customer_cap"][0])
    )
    assert "from 1 to 156 weeks" in refused.value.errors["duration_weeks"][0]
    assert queries.plan_of(uc.id) is None


def test_every_safeguard_heading_and_the_exit_strategy_are_required(world: World) -> None:
    uc = _selected(world)
    blank = {
        name: ""
        for name in (
            "safeguard_boundary",
            "safeguard_customer_protection",
            "safeguard_risk_controls",
            "safeguard_readiness",
            "exit_strategy",
            "channels",
            "geographies",
        )
    }
    with pytest.raises(RuleError) as refused:
        services.save_draft(uc, world.bank_user, f.plan_data(**blank))
    assert set(refused.value.errors) == set(blank)


@pytest.mark.parametrize(
    ("direction", "baseline", "target", "message"),
    [
        (Direction.HIGHER, "50", "40", "Higher is better, so the target cannot be below"),
        (Direction.LOWER, "10", "12.5", "Lower is better, so the target cannot be above"),
    ],
)
def test_a_kpi_target_in_the_wrong_direction_is_refused(
    world: World, direction: Direction, baseline: str, target: str, message: str
) -> None:
    uc = _selected(world)
    kpi = KpiInput("Hit rate", "%", direction, Decimal(baseline), Decimal(target))
    with pytest.raises(RuleError) as refused:
        services.save_draft(uc, world.bank_user, f.plan_data(kpis=(kpi,)))
    assert refused.value.errors["kpis.0.target"][0].startswith(message)


def test_a_kpi_needs_its_direction_baseline_and_target_and_a_plan_needs_a_kpi(
    world: World,
) -> None:
    uc = _selected(world)
    with pytest.raises(RuleError) as refused:
        services.save_draft(uc, world.bank_user, f.plan_data(kpis=()))
    assert "at least one KPI" in refused.value.errors["__all__"][0]
    empty = KpiInput("Hit rate", "", None, None, None)
    with pytest.raises(RuleError) as refused:
        services.save_draft(uc, world.bank_user, f.plan_data(kpis=(empty,)))
    assert set(refused.value.errors) == {"kpis.0.direction", "kpis.0.baseline", "kpis.0.target"}


def test_only_the_institution_drafts_and_only_the_regulator_agrees(world: World) -> None:
    uc = _selected(world)
    for user in (world.reviewer, world.other_bank_user, world.partner_user, world.supervisor):
        with pytest.raises(NotAllowedError):
            services.save_draft(uc, user, f.plan_data())
    version = services.save_draft(uc, world.bank_user, f.plan_data())
    services.submit(uc, version, world.bank_user, version.lock_version)
    for user in (world.bank_user, world.ia_reviewer, world.supervisor):
        with pytest.raises(NotAllowedError):
            services.agree(uc, version, user, version.lock_version)
    services.agree(uc, version, world.sfc_reviewer, version.lock_version)  # a participant
    assert version.status is PlanStatus.AGREED


def test_changes_requested_need_a_reason_and_reopen_the_draft(world: World) -> None:
    uc = _selected(world)
    version = services.save_draft(uc, world.bank_user, f.plan_data())
    services.submit(uc, version, world.bank_user, version.lock_version)
    with pytest.raises(RuleError) as refused:
        services.request_changes(uc, version, world.reviewer, version.lock_version, " ")
    assert refused.value.errors["reason"] == ["Say what should change."]
    with pytest.raises(RuleError):  # the draft is waiting for the regulator
        services.save_draft(uc, world.bank_user, f.plan_data(), version.lock_version)
    services.request_changes(uc, version, world.reviewer, version.lock_version, "Lower the cap.")
    assert version.status is PlanStatus.CHANGES_REQUESTED
    again = services.save_draft(
        uc, world.bank_user, f.plan_data(customer_cap=200), version.lock_version
    )
    assert again.id == version.id and again.number == 1 and again.customer_cap == 200


def test_a_stale_draft_is_a_conflict(world: World) -> None:
    uc = _selected(world)
    version = services.save_draft(uc, world.bank_user, f.plan_data())
    seen = version.lock_version
    services.save_draft(uc, world.bank_user, f.plan_data(objectives="Changed."), seen)
    with pytest.raises(ConflictError):
        services.save_draft(uc, world.bank_user, f.plan_data(objectives="Mine."), seen)
    with pytest.raises(ConflictError):
        services.submit(uc, version, world.bank_user, seen)


def test_the_pilot_starts_only_on_an_agreed_plan_and_takes_its_terms(world: World) -> None:
    uc = _selected(world)
    start = BY_NAME["start_pilot"]
    with pytest.raises(RuleError) as refused:
        uc_services.apply_transition(
            uc, start, world.reviewer, uc.version, {"pilot_started_on": local_today()}
        )
    assert "agreed sandbox plan" in refused.value.errors["__all__"][0]
    version = services.save_draft(
        uc,
        world.bank_user,
        f.plan_data(duration_weeks=20, customer_cap=500, exposure_limit=Decimal("10000000")),
    )
    services.submit(uc, version, world.bank_user, version.lock_version)
    with pytest.raises(RuleError):  # submitted is not agreed
        uc_services.apply_transition(
            uc, start, world.reviewer, uc.version, {"pilot_started_on": local_today()}
        )
    services.agree(uc, version, world.reviewer, version.lock_version)
    row = uc_services.apply_transition(
        uc, start, world.reviewer, uc.version, {"pilot_started_on": local_today()}
    )
    assert uc.stage is Stage.PILOT and uc.pilot_duration_weeks == 20
    assert uc.pilot_limits == (
        "At most 500 customers.\nExposure at most HK$10,000,000.\n"
        "Analysts of one fraud centre only."
    )
    assert uc.pilot_data_scope == "Hotline transcripts only."
    assert row.details["plan_version"] == 1 and row.details["pilot_duration_weeks"] == 20


def test_an_amendment_is_in_force_only_once_agreed(world: World, freeze_time) -> None:  # type: ignore[no-untyped-def]
    freeze_time(datetime(2025, 1, 6, 2, 0))
    uc = f.create_use_case(
        world.cohort, world.bank, world.category, stage=Stage.PILOT, pilot_started_on=None
    )
    first = f.create_agreed_plan(uc, world.bank_user, world.reviewer, duration_weeks=26)
    freeze_time(datetime(2025, 3, 3, 2, 0))
    amendment = services.save_draft(uc, world.bank_user, f.plan_data(duration_weeks=30))
    assert amendment.number == 2
    services.submit(uc, amendment, world.bank_user, amendment.lock_version)
    assert queries.version_in_force(uc.id).id == first.id  # type: ignore[union-attr]
    assert uc.pilot_duration_weeks == 26
    freeze_time(datetime(2025, 3, 10, 2, 0))
    services.agree(uc, amendment, world.reviewer, amendment.lock_version)
    db.session.flush()
    assert queries.version_in_force(uc.id).id == amendment.id  # type: ignore[union-attr]
    assert uc.pilot_duration_weeks == 30  # the stage clocks read the plan in force from here
    between = queries.version_in_force(uc.id, datetime(2025, 3, 5))
    assert between is not None and between.id == first.id
    changed = queries.differences(first, amendment)
    assert [c.label for c in changed] == ["Duration (weeks)"]
    assert changed[0].lines == (("-", "26"), ("+", "30"))
