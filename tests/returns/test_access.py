"""Who reaches the schedule, expected-return and incident URLs. Written out by hand.

Columns as in ``tests/usecases/test_isolation.py``: the bank that leads the piloting use case, a
competitor bank, the named technology partner, HKMA staff (lead regulator), IA staff (no part in
the programme), an HKMA supervisor, an admin, an anonymous visitor. POSTs carry no content: 400
means the request passed the access checks and failed validation."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests import factories as f
from tests.conftest import World, local_today, login
from tracker.extensions import db, utcnow
from tracker.institutions.models import Institution
from tracker.returns.models import ExpectedReturn, Source
from tracker.usecases.models import Incident, ProgressReturn, Rag, Severity, Stage

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

U = "/use-cases/{uc}"
# fmt: off
TABLE: list[tuple[str, str, tuple[int, ...]]] = [
    ("GET", U + "/schedule", (403, 404, 403, 200, 404, 403, 403, 302)),
    ("POST", U + "/schedule", (403, 404, 403, 400, 404, 403, 403, 302)),
    ("GET", U + "/expected-returns/request", (403, 404, 403, 200, 404, 403, 403, 302)),
    ("POST", U + "/expected-returns/request", (403, 404, 403, 400, 404, 403, 403, 302)),
    ("GET", U + "/expected-returns/{exp}/waive", (403, 404, 403, 200, 404, 403, 403, 302)),
    ("POST", U + "/expected-returns/{exp}/waive", (403, 404, 403, 400, 404, 403, 403, 302)),
    ("GET", U + "/expected-returns/{other_exp}/waive", (404, 404, 404, 404, 404, 404, 404, 302)),
    ("GET", U + "/incidents", (200, 404, 200, 200, 404, 200, 200, 302)),
    ("GET", U + "/incidents/new", (200, 404, 403, 403, 404, 403, 403, 302)),
    ("POST", U + "/incidents/new", (400, 404, 403, 403, 404, 403, 403, 302)),
    ("GET", U + "/incidents/{inc}", (200, 404, 200, 200, 404, 200, 200, 302)),
    ("GET", U + "/incidents/{ret_inc}", (200, 404, 200, 200, 404, 200, 200, 302)),
    ("GET", U + "/incidents/{other_inc}", (404, 404, 404, 404, 404, 404, 404, 302)),
    ("GET", U + "/incidents/999999", (404, 404, 404, 404, 404, 404, 404, 302)),
    ("POST", U + "/incidents/{inc}/resolve", (400, 404, 403, 400, 404, 403, 403, 302)),
    ("GET", U + "/incidents/{inc}/suspend", (403, 404, 403, 200, 404, 403, 403, 302)),
    ("POST", U + "/incidents/{inc}/suspend", (403, 404, 403, 400, 404, 403, 403, 302)),
    ("POST", U + "/incidents/{other_inc}/suspend", (404, 404, 404, 404, 404, 404, 404, 302)),
    # An empty acknowledgement is a valid one: HKMA staff acknowledge (302), once.
    ("POST", U + "/incidents/{inc}/acknowledge", (403, 404, 403, 302, 404, 403, 403, 302)),
    ("POST", U + "/incidents/{ret_inc}/acknowledge", (403, 404, 403, 403, 404, 403, 403, 302)),
]
# fmt: on


def _pilot(world: World, institution: Institution, partners: list[Institution]) -> dict[str, int]:
    uc = f.create_use_case(
        world.cohort, institution, world.category, stage=Stage.PILOT, partners=partners
    )
    expected = ExpectedReturn(
        use_case_id=uc.id,
        source=Source.AD_HOC,
        period_start=uc.pilot_started_on,
        period_end=local_today() - timedelta(days=1),
        due_on=local_today() + timedelta(days=7),
        request="Losses avoided.",
    )
    now = utcnow()
    incident = Incident(
        use_case_id=uc.id,
        description="Wrong fee quoted",
        severity=Severity.CRITICAL,
        occurred_on=local_today(),
        occurred_at=now - timedelta(hours=1),
        reported_at=now,
        acknowledge_by=now + timedelta(hours=24),
    )
    db.session.add_all([expected, incident])
    db.session.flush()
    return {"uc": uc.id, "exp": expected.id, "inc": incident.id}


def _return_incident(uc_id: int) -> int:
    uc_return = ProgressReturn(
        use_case_id=uc_id,
        period_start=local_today() - timedelta(days=30),
        period_end=local_today() - timedelta(days=1),
        rag=Rag.AMBER,
        narrative="n",
        attested_by_name="A",
        attested_by_title="CRO",
    )
    db.session.add(uc_return)
    db.session.flush()
    incident = Incident(
        use_case_id=uc_id,
        return_id=uc_return.id,
        description="In a return",
        severity=Severity.LOW,
        occurred_on=uc_return.period_start,
        reported_at=datetime(2026, 1, 1),
    )
    db.session.add(incident)
    db.session.flush()
    return incident.id


@pytest.fixture
def ids(world: World) -> dict[str, int]:
    own = _pilot(world, world.bank, [world.partner])
    other = _pilot(world, world.other_bank, [])
    own["ret_inc"] = _return_incident(own["uc"])
    db.session.commit()
    return {**own, "other_exp": other["exp"], "other_inc": other["inc"]}


@pytest.mark.parametrize(("method", "template", "expected"), TABLE)
def test_access_table(app, world: World, ids: dict[str, int], method, template, expected):  # type: ignore[no-untyped-def]
    url = template.format(**ids)
    for who, status in zip(USERS, expected, strict=True):
        client = app.test_client()
        if who != "anon":
            login(client, getattr(world, WORLD_ATTR[who]))
        response = client.open(url, method=method, data={})
        assert response.status_code == status, f"{who} {method} {url}"
