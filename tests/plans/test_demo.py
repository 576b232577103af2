"""The demo's plans: every pilot started on an agreed plan, one plan was amended after the
regulator asked for a change, one boundary breach was accepted with an amendment, and the
returns carry numbers against the plans' KPIs."""

from __future__ import annotations

import sqlalchemy as sa

from tests.test_demo import seeded  # noqa: F401  (the fixture)
from tracker.demo.plans import AMENDED, BREACHED
from tracker.demo.seed import SeedResult
from tracker.extensions import db
from tracker.plans import queries
from tracker.plans.models import BreachDecision, PlanStatus
from tracker.usecases.models import KpiValue, UseCase


def test_the_demo_runs_its_pilots_on_agreed_plans(seeded: SeedResult) -> None:  # noqa: F811
    piloted = db.session.scalars(
        sa.select(UseCase).where(UseCase.pilot_started_on.is_not(None))
    ).all()
    assert piloted
    for uc in piloted:
        plan = queries.plan_of(uc.id)
        assert plan is not None and plan.versions[0].status is PlanStatus.AGREED, uc.title
        start = next(t for t in uc.transitions if t.action == "start_pilot")
        assert plan.versions[0].agreed_at is not None and plan.versions[0].agreed_at < start.at
        assert all(k.target is not None for k in plan.versions[0].kpis), uc.title

    amended = db.session.scalars(sa.select(UseCase).where(UseCase.title == AMENDED)).one()
    versions = queries.plan_of(amended.id).versions  # type: ignore[union-attr]
    assert [v.status for v in versions] == [PlanStatus.AGREED, PlanStatus.AGREED]
    assert "Tsuen Wan" in versions[1].other_limits and "training" in versions[1].other_limits

    breached = db.session.scalars(sa.select(UseCase).where(UseCase.title == BREACHED)).one()
    (breach,) = queries.breaches_of(breached.id)
    assert breach.decision is BreachDecision.AMENDED and breach.amendment is not None
    assert breach.amendment.customer_cap is not None
    assert breach.amendment.customer_cap >= breach.reported

    numbers = db.session.scalars(sa.select(KpiValue.number)).all()
    assert numbers and all(n is not None for n in numbers)
