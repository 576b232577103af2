"""The plan pages: drafting on the form (bad input refused, what was typed kept), submitting,
agreeing, asking for changes, the differences between versions, and a bounded query count."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tests.usecases.test_query_counts import count_queries
from tracker.extensions import db
from tracker.plans import queries
from tracker.plans.models import PlanStatus
from tracker.usecases.models import Stage, UseCase


def _form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "objectives": "Cut triage time.",
        "success_measures": "Targets met.",
        "methodology": "Shadow run, then live.",
        "duration_weeks": "26",
        "customer_cap": "500",
        "exposure_limit": "HK$10,000,000",
        "other_limits": "",
        "data_scope": "Hotline transcripts.",
        "channels": "Staff tools",
        "geographies": "Hong Kong",
        "safeguard_boundary": "Stops on a severe incident.",
        "safeguard_customer_protection": "Human review.",
        "safeguard_risk_controls": "Sampling.",
        "safeguard_readiness": "Named owner.",
        "report_frequency": "monthly",
        "report_due_days": "14",
        "exit_strategy": "Manual process.",
        "kpi_0-name": "Triage minutes",
        "kpi_0-unit": "min",
        "kpi_0-direction": "lower",
        "kpi_0-baseline": "18",
        "kpi_0-target": "6",
        "kpi_1-name": "",
        "kpi_1-unit": "",
        "kpi_1-direction": "",
        "kpi_1-baseline": "",
        "kpi_1-target": "",
        "milestone_0-title": "Shadow run done",
        "milestone_0-planned_on": "2025-03-01",
        "milestone_1-title": "",
        "milestone_1-planned_on": "",
        "version": "",
    }
    data.update(overrides)
    return data


def _selected(world: World) -> UseCase:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SELECTED)
    db.session.commit()
    return uc


def test_bad_input_is_refused_with_clear_messages_and_kept(client: FlaskClient, world: World):
    uc = _selected(world)
    login(client, world.bank_user)
    response = client.post(
        f"/use-cases/{uc.id}/plan/edit",
        data=_form(
            **{"kpi_0-baseline": "eighteen", "kpi_0-target": "20", "customer_cap": ""},
            exposure_limit="",
            other_limits="",
        ),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Give a number, for example 12.5." in page
    assert 'value="eighteen"' in page and "Cut triage time." in page
    assert queries.plan_of(uc.id) is None
    response = client.post(
        f"/use-cases/{uc.id}/plan/edit",
        data=_form(**{"kpi_0-target": "20", "customer_cap": ""}, exposure_limit=""),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Lower is better, so the target cannot be above the baseline (18)." in page
    assert "give a customer cap, an exposure limit or other limits" in page
    assert 'value="20"' in page


def test_draft_submit_agree_then_amend_with_changes_requested(client: FlaskClient, world: World):
    uc = _selected(world)
    login(client, world.bank_user)
    assert client.get(f"/use-cases/{uc.id}/plan/edit").status_code == 200
    assert client.post(f"/use-cases/{uc.id}/plan/edit", data=_form()).status_code == 302
    version = queries.plan_of(uc.id).versions[0]  # type: ignore[union-attr]
    assert version.exposure_limit == 10_000_000 and version.kpis[0].target == 6
    assert [m.title for m in version.milestones] == ["Shadow run done"]
    response = client.post(f"/use-cases/{uc.id}/plan/submit", data={"version": "1"})
    assert response.status_code == 302
    client.post("/logout")

    login(client, world.reviewer)
    page = client.get(f"/use-cases/{uc.id}/plan").get_data(as_text=True)
    assert "Agree version 1" in page
    stale = client.post(f"/use-cases/{uc.id}/plan/agree", data={"agree-version": "1"})
    assert stale.status_code == 409  # submitting moved the version on
    agreed = client.post(
        f"/use-cases/{uc.id}/plan/agree", data={"agree-version": "2", "agree-note": "Fine."}
    )
    assert agreed.status_code == 302
    assert queries.version_in_force(uc.id) is not None
    client.post("/logout")

    login(client, world.bank_user)
    amended = _form(duration_weeks="30", version="")
    assert client.post(f"/use-cases/{uc.id}/plan/edit", data=amended).status_code == 302
    client.post(f"/use-cases/{uc.id}/plan/submit", data={"version": "1"})
    client.post("/logout")

    login(client, world.reviewer)
    page = client.get(f"/use-cases/{uc.id}/plan").get_data(as_text=True)
    assert "Version 1 stays in force until this version is agreed" in page
    assert "Removed: </span>− 26" in page and "Added: </span>+ 30" in page
    refused = client.post(f"/use-cases/{uc.id}/plan/request-changes", data={"changes-version": "2"})
    assert refused.status_code == 400
    assert "Say what should change." in refused.get_data(as_text=True)
    sent_back = client.post(
        f"/use-cases/{uc.id}/plan/request-changes",
        data={"changes-version": "2", "changes-reason": "Why four more weeks?"},
    )
    assert sent_back.status_code == 302
    db.session.expire_all()
    plan = queries.plan_of(uc.id)
    assert plan is not None
    assert [v.status for v in plan.versions] == [PlanStatus.AGREED, PlanStatus.CHANGES_REQUESTED]
    assert queries.version_in_force(uc.id).number == 1  # type: ignore[union-attr]
    page = client.get(f"/use-cases/{uc.id}/plan/versions/2").get_data(as_text=True)
    assert "Why four more weeks?" in page and "Changes from version 1" in page


def test_the_plan_page_reads_a_bounded_number_of_queries(client: FlaskClient, world: World):
    counts = []
    for amendments in (1, 6):
        uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.PILOT)
        for n in range(amendments):
            f.create_agreed_plan(uc, world.bank_user, world.reviewer, duration_weeks=20 + n)
        db.session.commit()
        login(client, world.reviewer)
        with count_queries() as statements:
            assert client.get(f"/use-cases/{uc.id}/plan").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 20
