"""The whole lifecycle through the web interface, as the users would do it."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from tests import factories as f
from tests.conftest import World, local_today, login
from tests.usecases.helpers import act, proposal_form
from tracker.extensions import db
from tracker.usecases.models import (
    FieldChange,
    Incident,
    KpiValue,
    ProgressReturn,
    Stage,
    StageTransition,
    UseCase,
)


def _use_case(use_case_id: int) -> UseCase:
    db.session.expire_all()
    uc = db.session.get(UseCase, use_case_id)
    assert uc is not None
    return uc


def test_proposal_to_production(client, world: World):
    today = local_today()
    # The bank drafts and submits.
    login(client, world.bank_user)
    response = client.post("/use-cases/new", data=proposal_form(world))
    assert response.status_code == 302
    uc_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    uc = _use_case(uc_id)
    assert uc.stage is Stage.DRAFT
    assert [p.name for p in uc.partners] == ["Kowloon AI Labs"]
    assert uc.personal_data is True and uc.gpu_hours == 1200
    assert act(client, uc_id, "submit").status_code == 302
    assert _use_case(uc_id).stage is Stage.SUBMITTED
    client.post("/logout", data={})

    # The reviewer reviews, asks for a change; the bank answers.
    login(client, world.reviewer)
    assert act(client, uc_id, "start_review").status_code == 302
    assert act(client, uc_id, "request_changes", reason="State the KPI targets.").status_code == 302
    client.post("/logout", data={})
    login(client, world.bank_user)
    form = proposal_form(world, kpis="Detection rate ≥ 95%\nFalse alarms < 2 per 1,000 calls")
    form["version"] = _use_case(uc_id).version
    assert client.post(f"/use-cases/{uc_id}/edit", data=form).status_code == 302
    assert act(client, uc_id, "resubmit", reason="Targets added.").status_code == 302
    client.post("/logout", data={})

    # Review again, score, select, start the pilot.
    login(client, world.reviewer)
    assert act(client, uc_id, "start_review").status_code == 302
    page = client.get(f"/use-cases/{uc_id}").get_data(as_text=True)
    assert "Select is not available yet" in page
    criteria = world.cohort.criteria
    scores = {f"score_{c.id}": str(4) for c in criteria}
    scores.update({f"comment_{c.id}": "Solid." for c in criteria})
    assert client.post(f"/use-cases/{uc_id}/review", data=scores).status_code == 302
    assert act(client, uc_id, "select", reason="Strong industry value.").status_code == 302
    db.session.expire_all()
    use_case = db.session.get(UseCase, uc_id)
    f.create_agreed_plan(
        use_case,
        world.bank_user,
        world.reviewer,
        customer_cap=None,
        exposure_limit=None,
        other_limits="At most 500 customers.",
    )
    db.session.commit()
    response = act(client, uc_id, "start_pilot", pilot_started_on=today.isoformat())
    assert response.status_code == 302
    client.post("/logout", data={})

    # The bank files a progress return with KPI values and an incident.
    login(client, world.bank_user)
    response = client.post(
        f"/use-cases/{uc_id}/returns/new",
        data={
            "period_start": today.isoformat(),
            "period_end": today.isoformat(),
            "rag": "amber",
            "narrative": "Detection is good; false alarms high at night.",
            "kpi_0": "96%",
            "kpi_1": "3.1",
            "incident_0-description": "A genuine customer was flagged.",
            "incident_0-severity": "low",
            "incident_0-occurred_on": today.isoformat(),
            "incident_0-customer_impact": "Call transferred to an agent.",
            "incident_0-remediation": "Threshold tuned.",
            "attested_by_name": "Mary Chan",
            "attested_by_title": "Chief Risk Officer",
            "attest": "y",
        },
    )
    assert response.status_code == 302
    client.post("/logout", data={})

    # The reviewer approves production with an exit report.
    login(client, world.reviewer)
    response = act(
        client,
        uc_id,
        "approve_production",
        exit_outcome="Detection 96% against a 95% target.",
        exit_lessons="Tune thresholds per shift.",
        exit_conditions="Quarterly model validation.",
    )
    assert response.status_code == 302
    uc = _use_case(uc_id)
    assert uc.stage is Stage.PRODUCTION
    assert uc.exit_conditions == "Quarterly model validation."

    history = db.session.scalars(
        sa.select(StageTransition)
        .where(StageTransition.use_case_id == uc_id)
        .order_by(StageTransition.id)
    ).all()
    assert [(t.action, t.actor.email) for t in history] == [
        ("create", "bank@example.com"),
        ("submit", "bank@example.com"),
        ("start_review", "reviewer@example.com"),
        ("request_changes", "reviewer@example.com"),
        ("resubmit", "bank@example.com"),
        ("start_review", "reviewer@example.com"),
        ("select", "reviewer@example.com"),
        ("start_pilot", "reviewer@example.com"),
        ("approve_production", "reviewer@example.com"),
    ]
    assert history[3].reason == "State the KPI targets."
    assert history[7].details["pilot_limits"] == "At most 500 customers."
    assert history[7].details["plan_version"] == 1
    change = db.session.scalars(
        sa.select(FieldChange).where(FieldChange.use_case_id == uc_id)
    ).one()
    assert change.field == "kpis" and "≥ 95%" in (change.new_value or "")
    filed = db.session.scalars(sa.select(ProgressReturn)).one()
    # Numbers against the plan's KPIs (a typed "96%" is the number 96); no notes were given.
    assert [
        (v.kpi, v.number, v.value)
        for v in db.session.scalars(sa.select(KpiValue).order_by(KpiValue.position))
    ] == [
        ("Analyst hours saved per week", 96, ""),
        ("False-positive rate", Decimal("3.1"), ""),
    ]
    assert db.session.scalars(sa.select(Incident)).one().return_id == filed.id

    page = client.get(f"/use-cases/{uc_id}").get_data(as_text=True)
    for text in (
        "Pilot → Production",
        "Under review → Changes requested",
        "Changed KPIs",
        "Progress return",
        "Scored the proposal",
        world.bank_user.name,
        world.reviewer.name,
    ):
        assert text in page, text
