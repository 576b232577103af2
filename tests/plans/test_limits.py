"""Limits checked: returns report customers reached and exposure used; a return beyond the
plan's boundaries is flagged, the regulator is told, the dashboard shows it in red until the
regulator decides (accept with an agreed amendment, suspend or discontinue)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tracker.extensions import db
from tracker.notifications.models import Notification
from tracker.plans import queries, services
from tracker.plans.models import Boundary, BoundaryBreach, BreachDecision
from tracker.rules import RuleError
from tracker.unit_of_work import unit_of_work
from tracker.usecases import services as uc_services
from tracker.usecases.models import Rag, Stage, UseCase

KPIS = ("Analyst hours saved per week", "False-positive rate")


def _pilot(world: World) -> UseCase:
    uc = f.create_use_case(
        world.cohort,
        world.bank,
        world.category,
        stage=Stage.PILOT,
        pilot_started_on=date.today() - timedelta(weeks=20),
    )
    f.create_agreed_plan(
        uc, world.bank_user, world.reviewer, customer_cap=500, exposure_limit=Decimal(1_000_000)
    )
    return uc


def _data(uc: UseCase, **kw: Any) -> uc_services.ReturnData:
    start = uc.next_return_start
    assert start is not None
    return uc_services.ReturnData(
        period_start=start,
        period_end=start + timedelta(days=13),
        rag=Rag.AMBER,
        narrative="Busy month.",
        attested_by_name="A. Manager",
        attested_by_title="CRO",
        kpi_values=tuple(zip(KPIS, ("10", "20"), strict=True)),
        incidents=(),
        **kw,
    )


def test_returns_report_the_figures_the_plan_caps(world: World) -> None:
    uc = _pilot(world)
    with pytest.raises(RuleError) as refused:
        uc_services.file_return(uc, world.bank_user, _data(uc))
    assert refused.value.errors["customers_reached"] == [
        "Give the customers reached so far: the plan caps them at 500."
    ]
    assert "limits it to HK$1,000,000" in refused.value.errors["exposure_used"][0]
    filed = uc_services.file_return(
        uc, world.bank_user, _data(uc, customers_reached=480, exposure_used=Decimal("999999"))
    )
    assert (filed.customers_reached, filed.exposure_used) == (480, Decimal("999999"))
    assert queries.breaches_of(uc.id) == []


def test_a_breach_is_flagged_and_the_regulator_told(world: World) -> None:
    uc = _pilot(world)
    db.session.commit()
    with unit_of_work():
        filed = uc_services.file_return(
            uc, world.bank_user, _data(uc, customers_reached=620, exposure_used=Decimal(2_000_000))
        )
    breaches = queries.breaches_of(uc.id)
    assert {(b.boundary, b.reported, b.allowed) for b in breaches} == {
        (Boundary.CUSTOMERS, Decimal(620), Decimal(500)),
        (Boundary.EXPOSURE, Decimal(2_000_000), Decimal(1_000_000)),
    }
    assert all(b.return_id == filed.id and b.is_open for b in breaches)
    told = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "boundary_breached")
    ).all()
    assert {n.user_id for n in told} == {world.reviewer.id, world.supervisor.id}
    assert "620 customers reached; the plan caps them at 500." in told[0].body


def _breached(world: World) -> tuple[UseCase, BoundaryBreach]:
    uc = _pilot(world)
    uc_services.file_return(
        uc, world.bank_user, _data(uc, customers_reached=620, exposure_used=Decimal(10))
    )
    (breach,) = queries.breaches_of(uc.id)
    return uc, breach


def test_accepting_needs_an_agreed_amendment_covering_what_was_reported(world: World) -> None:
    uc, breach = _breached(world)
    decide = services.decide_breach
    with pytest.raises(RuleError) as refused:
        decide(uc, breach, world.reviewer, BreachDecision.AMENDED, "Fine.", 1, uc.version)
    assert "agreed since the breach" in refused.value.errors["decision"][0]
    too_small = f.plan_data(customer_cap=600, exposure_limit=Decimal(1_000_000))
    version = services.save_draft(uc, world.bank_user, too_small)
    services.submit(uc, version, world.bank_user, version.lock_version)
    services.agree(uc, version, world.reviewer, version.lock_version)
    with pytest.raises(RuleError):
        decide(uc, breach, world.reviewer, BreachDecision.AMENDED, "Fine.", 1, uc.version)
    enough = f.plan_data(customer_cap=700, exposure_limit=Decimal(1_000_000))
    version = services.save_draft(uc, world.bank_user, enough)
    services.submit(uc, version, world.bank_user, version.lock_version)
    services.agree(uc, version, world.reviewer, version.lock_version)
    with pytest.raises(RuleError) as refused:
        decide(uc, breach, world.reviewer, BreachDecision.AMENDED, " ", 1, uc.version)
    assert refused.value.errors["reason"] == ["Give the reason for the decision."]
    decide(uc, breach, world.reviewer, BreachDecision.AMENDED, "Cap raised.", 1, uc.version)
    assert breach.decision is BreachDecision.AMENDED and breach.amendment is version
    assert uc.stage is Stage.PILOT


@pytest.mark.parametrize(
    ("decision", "stage"),
    [
        (BreachDecision.SUSPENDED, Stage.SUSPENDED),
        (BreachDecision.DISCONTINUED, Stage.DISCONTINUED),
    ],
)
def test_suspending_or_discontinuing_moves_the_pilot_through_the_lifecycle(
    world: World, decision: BreachDecision, stage: Stage
) -> None:
    uc, breach = _breached(world)
    services.decide_breach(uc, breach, world.reviewer, decision, "Over the cap.", 1, uc.version)
    assert uc.stage is stage
    assert uc.transitions[-1].reason == "Over the cap."
    assert not breach.is_open


def test_the_dashboard_shows_open_breaches_in_red_until_decided(
    client: FlaskClient, world: World
) -> None:
    uc, breach = _breached(world)
    db.session.commit()
    login(client, world.reviewer)
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'class="table-danger"' in page and "Plan boundaries breached" in page
    detail = client.get(f"/use-cases/{uc.id}").get_data(as_text=True)
    assert "the regulator's decision is awaited" in detail
    prefix = f"breach-{breach.id}"
    refused = client.post(
        f"/use-cases/{uc.id}/plan/breaches/{breach.id}/decide",
        data={
            f"{prefix}-version": "1",
            f"{prefix}-use_case_version": str(uc.version),
            f"{prefix}-decision": "amended",
            f"{prefix}-reason": "Looks fine.",
        },
    )
    assert refused.status_code == 400
    assert "agreed since the breach" in refused.get_data(as_text=True)
    assert "Looks fine." in refused.get_data(as_text=True)
    decided = client.post(
        f"/use-cases/{uc.id}/plan/breaches/{breach.id}/decide",
        data={
            f"{prefix}-version": "1",
            f"{prefix}-use_case_version": str(uc.version),
            f"{prefix}-decision": "suspended",
            f"{prefix}-reason": "Over the cap.",
        },
    )
    assert decided.status_code == 302
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'class="table-danger"' not in page
    db.session.expire_all()
    assert db.session.get(UseCase, uc.id).stage is Stage.SUSPENDED  # type: ignore[union-attr]
