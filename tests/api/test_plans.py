"""The sandbox plan over the API: the version in force (now, or at a past moment) with the KPIs
a return must name, the versions each side may see, the use case's ``plan_kpis``, and a return
that names other KPIs refused with the plan's names."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from tests import factories as f
from tests.api.conftest import Api, pilot, return_body
from tests.api.test_query_counts import _queries
from tests.conftest import World
from tracker.api.models import TokenScope
from tracker.extensions import db, utcnow
from tracker.plans import services as plan_services
from tracker.plans.models import Direction
from tracker.plans.services import KpiInput
from tracker.usecases.models import UseCase

HOURS = KpiInput("Analyst hours saved per week", "h", Direction.HIGHER, Decimal(0), Decimal(40))
FALSE_POSITIVES = KpiInput("False-positive rate", "%", Direction.LOWER, Decimal(30), Decimal(10))
COMPLAINTS = KpiInput("Complaints per 1,000 calls", "", Direction.LOWER, Decimal("2.5"), Decimal(1))


def _planned(world: World, **overrides: object) -> UseCase:
    uc = pilot(world, partners=[world.partner])
    f.create_agreed_plan(uc, world.bank_user, world.reviewer, **overrides)
    db.session.commit()
    return uc


def _amend(world: World, uc: UseCase, agree: bool = True, submit: bool = True) -> None:
    version = plan_services.save_draft(
        uc, world.bank_user, f.plan_data(kpis=(HOURS, COMPLAINTS), customer_cap=500)
    )
    if submit:
        plan_services.submit(uc, version, world.bank_user, version.lock_version)
    if agree:
        plan_services.agree(uc, version, world.reviewer, version.lock_version)
    db.session.commit()


def test_the_plan_in_force_with_its_kpis_boundaries_and_schedule(world: World, api_as):
    uc = _planned(world, customer_cap=1200, exposure_limit=Decimal("5000000"))
    response = api_as(world.bank_user, TokenScope.READ).get(f"/use-cases/{uc.id}/plan")
    assert response.status_code == 200, response.json
    assert response.headers["ETag"] == '"1"'
    plan = response.json
    assert (plan["number"], plan["status"], plan["carried_over"]) == (1, "agreed", False)
    assert plan["agreed_at"].endswith("Z")
    assert plan["kpis"] == [
        {
            "id": plan["kpis"][0]["id"],
            "name": "Analyst hours saved per week",
            "unit": "h",
            "direction": "higher",
            "baseline": "0.0000",
            "target": "40.0000",
        },
        {
            "id": plan["kpis"][1]["id"],
            "name": "False-positive rate",
            "unit": "%",
            "direction": "lower",
            "baseline": "30.0000",
            "target": "10.0000",
        },
    ]
    assert plan["boundaries"] == {
        "duration_weeks": 26,
        "customer_cap": 1200,
        "exposure_limit": "5000000.00",
        "other_limits": "Analysts of one fraud centre only.",
        "data_scope": "Hotline transcripts only.",
        "channels": "Internal staff tools",
        "geographies": "Hong Kong",
    }
    assert plan["safeguards"]["customer_protection"] == "A person reviews every outcome."
    assert plan["reporting"] == {"frequency": "monthly", "days_to_file": 14}
    assert plan["milestones"][0]["title"] == "Shadow run complete"
    assert plan["drafted_by"] == world.bank_user.name
    assert plan["decided_by"] == world.reviewer.name


def test_as_at_gives_the_version_in_force_then(world: World, api_as):
    uc = pilot(world, partners=[world.partner])
    first = f.create_agreed_plan(uc, world.bank_user, world.reviewer)
    first.agreed_at = utcnow() - timedelta(days=10)
    db.session.commit()
    _amend(world, uc)
    api: Api = api_as(world.partner_user)
    now = api.get(f"/use-cases/{uc.id}/plan")
    assert now.json["number"] == 2 and now.headers["ETag"] == '"2"'
    assert [k["name"] for k in now.json["kpis"]] == [HOURS.name, COMPLAINTS.name]
    assert now.json["boundaries"]["customer_cap"] == 500

    five_days_ago = (utcnow() - timedelta(days=5)).replace(microsecond=0)
    # RFC 3339 with any offset: 08:00 in Hong Kong is midnight UTC.
    in_hong_kong = (five_days_ago + timedelta(hours=8)).isoformat() + "%2B08:00"
    then = api.get(f"/use-cases/{uc.id}/plan?as_at={in_hong_kong}")
    assert then.status_code == 200, then.json
    assert then.json["number"] == 1 and then.headers["ETag"] == '"1"'
    assert [k["name"] for k in then.json["kpis"]] == [HOURS.name, FALSE_POSITIVES.name]
    eleven_days_ago = (utcnow() - timedelta(days=11)).replace(microsecond=0).isoformat() + "Z"
    assert api.get(f"/use-cases/{uc.id}/plan?as_at={eleven_days_ago}").status_code == 404
    naive = api.get(f"/use-cases/{uc.id}/plan?as_at=2026-01-01T00:00:00")
    assert naive.status_code == 422 and "as_at" in naive.json["errors"]


def test_no_agreed_plan_is_404_and_no_versions(world: World, api_as):
    uc = pilot(world)
    api: Api = api_as(world.bank_user)
    missing = api.get(f"/use-cases/{uc.id}/plan")
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"
    assert api.get(f"/use-cases/{uc.id}/plan/versions").json == []
    assert api.get(f"/use-cases/{uc.id}").json["plan_kpis"] is None


def test_a_draft_is_listed_to_its_institution_only(world: World, api_as):
    uc = _planned(world)
    _amend(world, uc, agree=False, submit=False)
    path = f"/use-cases/{uc.id}/plan/versions"
    bank = api_as(world.bank_user).get(path).json
    assert [(v["number"], v["status"], v["in_force"]) for v in bank] == [
        (1, "agreed", True),
        (2, "draft", False),
    ]
    assert [k["name"] for k in bank[1]["kpis"]] == [HOURS.name, COMPLAINTS.name]
    for other in (world.reviewer, world.partner_user, world.supervisor):
        assert [v["number"] for v in api_as(other).get(path).json] == [1]
    # The plan in force stays version 1 until the amendment is agreed.
    assert api_as(world.bank_user).get(f"/use-cases/{uc.id}/plan").json["number"] == 1


def test_a_submitted_amendment_is_listed_to_the_regulator(world: World, api_as):
    uc = _planned(world)
    _amend(world, uc, agree=False)
    listed = api_as(world.reviewer).get(f"/use-cases/{uc.id}/plan/versions").json
    assert [(v["status"], v["in_force"]) for v in listed] == [
        ("agreed", True),
        ("submitted", False),
    ]


def test_the_use_case_names_the_plans_kpis_apart_from_the_proposals(world: World, api_as):
    uc = _planned(world)
    detail = api_as(world.bank_user).get(f"/use-cases/{uc.id}").json
    assert detail["kpis"] == uc.kpi_list
    assert [k["name"] for k in detail["plan_kpis"]] == [HOURS.name, FALSE_POSITIVES.name]
    assert detail["plan_kpis"][1]["direction"] == "lower"


def test_a_return_naming_the_proposals_kpis_is_told_the_plans(world: World, api_as):
    uc = _planned(world)
    api: Api = api_as(world.bank_user)
    wrong = return_body(uc, kpi_values=[{"kpi": "Hours saved", "value": "12"}])
    refused = api.post(f"/use-cases/{uc.id}/returns", wrong)
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    errors = refused.json["errors"]
    (summary,) = errors["kpi_values"]
    assert "sandbox plan in force (version 1)" in summary
    assert f'"{HOURS.name}", "{FALSE_POSITIVES.name}"' in summary
    assert f'Missing: "{HOURS.name}", "{FALSE_POSITIVES.name}"' in summary
    assert 'Not a KPI of the plan: "Hours saved"' in summary
    assert errors["kpi_values.0.kpi"] == [f'Expected "{HOURS.name}" here.']

    plan = api.get(f"/use-cases/{uc.id}/plan").json
    right = return_body(uc, kpi_values=[{"kpi": k["name"], "value": "12"} for k in plan["kpis"]])
    filed = api.post(f"/use-cases/{uc.id}/returns", right)
    assert filed.status_code == 201, filed.json
    assert [(v["kpi"], v["number"]) for v in filed.json["kpi_values"]] == [
        (HOURS.name, "12.0000"),
        (FALSE_POSITIVES.name, "12.0000"),
    ]


def test_too_many_kpis_are_named_at_their_position(world: World, api_as):
    uc = _planned(world)
    names = [HOURS.name, FALSE_POSITIVES.name, "Extra"]
    body = return_body(uc, kpi_values=[{"kpi": n, "value": "1"} for n in names])
    refused = api_as(world.bank_user).post(f"/use-cases/{uc.id}/returns", body)
    assert refused.status_code == 422
    assert set(refused.json["errors"]) == {"kpi_values", "kpi_values.2.kpi"}
    assert 'Not a KPI of the plan: "Extra"' in refused.json["errors"]["kpi_values"][0]


def test_reading_the_plan_is_bounded_whatever_its_versions(world: World, api_as):
    api: Api = api_as(world.bank_user)
    one, many = _planned(world), _planned(world)
    for _ in range(3):
        _amend(world, many)
    _amend(world, many, agree=False, submit=False)
    for path in ("/use-cases/{id}/plan", "/use-cases/{id}/plan/versions", "/use-cases/{id}"):
        assert _queries(api, path.format(id=one.id)) == _queries(api, path.format(id=many.id))
