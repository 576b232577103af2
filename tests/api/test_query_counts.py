"""The API's reading endpoints issue a number of SQL queries that does not grow with the data."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests import factories as f
from tests.api.conftest import Api
from tests.conftest import World
from tests.usecases.test_query_counts import count_queries
from tracker.extensions import db, utcnow
from tracker.unit_of_work import unit_of_work
from tracker.usecases import services
from tracker.usecases.models import Rag, Severity, Stage, UseCase


def _pilot_with_returns(world: World, returns: int) -> UseCase:
    start = utcnow().date() - timedelta(days=7 * returns + 7)
    uc = f.create_use_case(
        world.cohort,
        world.bank,
        world.category,
        stage=Stage.PILOT,
        pilot_started_on=start,
        partners=[world.partner],
    )
    for n in range(returns):
        with unit_of_work():
            services.file_return(
                uc,
                world.bank_user,
                services.ReturnData(
                    period_start=start + timedelta(days=7 * n),
                    period_end=start + timedelta(days=7 * n + 6),
                    rag=Rag.GREEN,
                    narrative="Week",
                    attested_by_name="A",
                    attested_by_title="CRO",
                    kpi_values=tuple((k, str(n)) for k in uc.kpi_list),
                    incidents=(
                        services.IncidentData(
                            "Glitch", Severity.LOW, "", "", start + timedelta(days=7 * n)
                        ),
                    ),
                ),
            )
    db.session.commit()
    return uc


def _queries(api: Api, path: str) -> int:
    api.get(path)  # the token's last use is written once a minute: not part of the count
    with count_queries() as statements:
        assert api.get(path).status_code == 200
    return len(statements)


@pytest.mark.parametrize(
    "path",
    [
        "/use-cases/{id}",
        "/use-cases/{id}/returns",
        "/use-cases/{id}/incidents",
        "/use-cases/{id}/history",
    ],
)
def test_a_use_case_read_is_bounded_whatever_its_returns(world: World, api_as, path: str):
    api: Api = api_as(world.bank_user)
    small = _pilot_with_returns(world, 1)
    large = _pilot_with_returns(world, 8)
    assert _queries(api, path.format(id=small.id)) == _queries(api, path.format(id=large.id))


def test_the_list_is_bounded_whatever_its_length(world: World, api_as):
    api: Api = api_as(world.bank_user)
    for _ in range(3):
        f.create_use_case(world.cohort, world.bank, world.category, partners=[world.partner])
    db.session.commit()
    few = _queries(api, "/use-cases")
    for _ in range(30):
        f.create_use_case(world.cohort, world.bank, world.category, partners=[world.partner])
    db.session.commit()
    assert _queries(api, "/use-cases") == few <= 6
