"""Who reaches which plan URL. The table is written out by hand, not derived from the code.

Columns as in tests/usecases/test_isolation.py: the bank that leads the use case, a competitor
bank, the named technology partner, HKMA staff (lead regulator), IA staff (no part in the
programme), an HKMA supervisor, an admin and an anonymous visitor. The use case is piloting on
an agreed version 1 whose customer cap a return breached, with version 2 drafted and not yet
submitted. POSTs are sent without
content: 400 means the request passed the access checks and failed validation; 403 and 404 mean
it was stopped before. External experts (the committee branch) get a column at merge: none.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tracker.extensions import db
from tracker.plans import queries, services
from tracker.usecases import services as uc_services
from tracker.usecases.models import Rag, Stage

USERS = ("bank", "other_bank", "partner", "reviewer", "ia", "supervisor", "admin", "anon")
WORLD_ATTR = {
    "bank": "bank_user",
    "other_bank": "other_bank_user",
    "partner": "partner_user",
    "reviewer": "reviewer",
    "ia": "ia_reviewer",
    "supervisor": "supervisor",
    "admin": "admin",
}

# fmt: off
TABLE: list[tuple[str, str, tuple[int, ...]]] = [
    #                                                   bank othr prtn  hkma  ia  sup  adm anon
    ("GET", "/use-cases/{uc}/plan",                    (200, 404, 200, 200, 404, 200, 200, 302)),
    ("GET", "/use-cases/{uc}/plan/versions/1",         (200, 404, 200, 200, 404, 200, 200, 302)),
    # Version 2 is the bank's draft: nobody else knows it exists.
    ("GET", "/use-cases/{uc}/plan/versions/2",         (200, 404, 404, 404, 404, 404, 404, 302)),
    ("GET", "/use-cases/{uc}/plan/versions/3",         (404, 404, 404, 404, 404, 404, 404, 302)),
    ("GET", "/use-cases/{uc}/plan/edit",               (200, 404, 403, 403, 404, 403, 403, 302)),
    ("POST", "/use-cases/{uc}/plan/edit",              (400, 404, 403, 403, 404, 403, 403, 302)),
    ("POST", "/use-cases/{uc}/plan/submit",            (400, 404, 403, 403, 404, 403, 403, 302)),
    ("POST", "/use-cases/{uc}/plan/agree",             (403, 404, 403, 400, 404, 403, 403, 302)),
    ("POST", "/use-cases/{uc}/plan/request-changes",   (403, 404, 403, 400, 404, 403, 403, 302)),
    ("POST", "/use-cases/{uc}/plan/breaches/{breach}/decide",
                                                       (403, 404, 403, 400, 404, 403, 403, 302)),
    ("POST", "/use-cases/{uc}/plan/breaches/999999/decide",
                                                       (404, 404, 404, 404, 404, 404, 404, 302)),
    ("GET", "/use-cases/999999/plan",                  (404, 404, 404, 404, 404, 404, 404, 302)),
]
# fmt: on

CASES = [
    (method, url, user, status)
    for method, url, row in TABLE
    for user, status in zip(USERS, row, strict=True)
]


@pytest.fixture
def piloting(world: World) -> dict[str, int]:
    uc = f.create_use_case(
        world.cohort, world.bank, world.category, stage=Stage.PILOT, partners=[world.partner]
    )
    f.create_agreed_plan(uc, world.bank_user, world.reviewer, customer_cap=10)
    assert uc.pilot_started_on is not None
    uc_services.file_return(
        uc,
        world.bank_user,
        uc_services.ReturnData(
            period_start=uc.pilot_started_on,
            period_end=uc.pilot_started_on,
            rag=Rag.RED,
            narrative="Over the cap.",
            attested_by_name="A. Manager",
            attested_by_title="CRO",
            kpi_values=(("Analyst hours saved per week", "1"), ("False-positive rate", "2")),
            incidents=(),
            customers_reached=11,
        ),
    )
    services.save_draft(uc, world.bank_user, f.plan_data(duration_weeks=30))
    db.session.commit()
    (breach,) = queries.breaches_of(uc.id)
    return {"uc": uc.id, "breach": breach.id}


@pytest.mark.parametrize(("method", "url", "user", "status"), CASES)
def test_plan_access(
    client: FlaskClient,
    world: World,
    piloting: dict[str, int],
    method: str,
    url: str,
    user: str,
    status: int,
) -> None:
    if user != "anon":
        login(client, getattr(world, WORLD_ATTR[user]))
    response = client.open(url.format(**piloting), method=method)
    assert response.status_code == status
