"""KPIs as data: returns report a number against each KPI of the plan in force (with an
optional note); the use-case page draws each series against its target with the table beside;
a KPI worse in two returns running is flagged."""

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
from tracker.plans import queries
from tracker.plans.models import Direction
from tracker.rules import RuleError
from tracker.usecases import services
from tracker.usecases.models import Rag, Stage, UseCase

KPIS = ("Analyst hours saved per week", "False-positive rate")


def _pilot(world: World, weeks_ago: int = 20) -> UseCase:
    uc = f.create_use_case(
        world.cohort,
        world.bank,
        world.category,
        stage=Stage.PILOT,
        pilot_started_on=date.today() - timedelta(weeks=weeks_ago),
    )
    f.create_agreed_plan(uc, world.bank_user, world.reviewer)
    return uc


def _file(uc: UseCase, world: World, values: tuple[str, str], notes: tuple[str, ...] = ()) -> Any:
    start = uc.next_return_start
    assert start is not None
    return services.file_return(
        uc,
        world.bank_user,
        services.ReturnData(
            period_start=start,
            period_end=start + timedelta(days=13),
            rag=Rag.GREEN,
            narrative="On track.",
            attested_by_name="A. Manager",
            attested_by_title="CRO",
            kpi_values=tuple(zip(KPIS, values, strict=True)),
            incidents=(),
            kpi_notes=notes,
        ),
    )


def test_a_return_records_numbers_against_the_plans_kpis(world: World) -> None:
    uc = _pilot(world)
    filed = _file(uc, world, ("1,250.5", "12%"), ("Two teams only.",))
    db.session.flush()
    plan_kpis = queries.version_in_force(uc.id).kpis  # type: ignore[union-attr]
    assert [(v.kpi, v.number, v.value, v.plan_kpi_id) for v in filed.kpi_values] == [
        (KPIS[0], Decimal("1250.5"), "Two teams only.", plan_kpis[0].id),
        (KPIS[1], Decimal("12"), "", plan_kpis[1].id),
    ]


@pytest.mark.parametrize("typed", ["about ten", "", "1.2.3", "NaN"])
def test_a_value_that_is_not_a_number_is_refused(world: World, typed: str) -> None:
    uc = _pilot(world)
    with pytest.raises(RuleError) as refused:
        _file(uc, world, (typed, "3"))
    assert refused.value.errors["kpi_0"][0].startswith("Report a number")
    assert uc.returns == []


def test_the_return_form_keeps_what_was_typed(client: FlaskClient, world: World) -> None:
    uc = _pilot(world)
    db.session.commit()
    login(client, world.bank_user)
    page = client.get(f"/use-cases/{uc.id}/returns/new").get_data(as_text=True)
    assert "Analyst hours saved per week (h), target 40, higher is better" in page
    start = uc.next_return_start
    assert start is not None
    response = client.post(
        f"/use-cases/{uc.id}/returns/new",
        data={
            "period_start": start.isoformat(),
            "period_end": (start + timedelta(days=13)).isoformat(),
            "rag": "green",
            "narrative": "On track.",
            "attested_by_name": "A. Manager",
            "attested_by_title": "CRO",
            "attest": "y",
            "kpi_0": "about ten",
            "kpi_0_note": "Estimated.",
            "kpi_1": "8",
            "kpi_1_note": "",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Report a number, for example 12.5." in page
    assert 'value="about ten"' in page and 'value="Estimated."' in page


def test_the_page_shows_each_series_against_its_target(client: FlaskClient, world: World) -> None:
    uc = _pilot(world)
    for values in (("10", "25"), ("20", "22"), ("15", "24"), ("12", "26")):
        _file(uc, world, values)
    db.session.commit()
    series = {s.name: s for s in queries.kpi_series(uc.id, uc.returns)}
    hours, false_positives = series[KPIS[0]], series[KPIS[1]]
    assert [p.number for p in hours.points] == [10, 20, 15, 12]
    assert hours.moving_away  # 20 → 15 → 12, higher is better, short of 40
    assert false_positives.moving_away  # 22 → 24 → 26, lower is better, above 10
    login(client, world.reviewer)
    page = client.get(f"/use-cases/{uc.id}").get_data(as_text=True)
    assert "KPIs against target" in page and "data-kpi-chart=" in page
    assert "vendor/chartjs/chart.umd.min.js" in page
    assert page.count("Moving away from target") == 2


@pytest.mark.parametrize(
    ("direction", "numbers", "flagged"),
    [
        (Direction.HIGHER, ["10", "9", "8"], True),
        (Direction.HIGHER, ["10", "9", "9"], False),  # not worse the second time
        (Direction.HIGHER, ["50", "45", "41"], False),  # still above the target of 40
        (Direction.LOWER, ["5", "6", "7"], True),
        (Direction.LOWER, ["7", "6", "7"], False),
        (Direction.HIGHER, ["9", "8"], False),  # one return running only
    ],
)
def test_moving_away_means_worse_two_returns_running_and_short_of_target(
    direction: Direction, numbers: list[str], flagged: bool
) -> None:
    target = Decimal(40) if direction is Direction.HIGHER else Decimal(2)
    assert queries.moving_away(direction, target, [Decimal(n) for n in numbers]) is flagged


def test_the_dashboard_flags_kpis_moving_away_for_whom_may_see_them(
    client: FlaskClient, world: World
) -> None:
    worse = _pilot(world)
    for values in (("30", "12"), ("25", "14"), ("20", "15")):
        _file(worse, world, values)
    better = _pilot(world)
    for values in (("10", "25"), ("20", "20"), ("30", "15")):
        _file(better, world, values)
    db.session.commit()
    items, total = queries.kpis_moving_away(world.reviewer, sa.true())
    assert total == 2
    assert {(k.use_case.id, k.kpi, k.numbers) for k in items} == {
        (worse.id, KPIS[0], (30, 25, 20)),
        (worse.id, KPIS[1], (12, 14, 15)),
    }
    login(client, world.reviewer)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "KPIs moving away from target" in page and "30 → 25 → 20" in page
    assert queries.kpis_moving_away(world.ia_reviewer, sa.true()) == ([], 0)
