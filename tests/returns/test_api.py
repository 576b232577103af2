"""Incidents over the API: reported on their own with an Idempotency-Key, listed with those of
returns, refused with field errors as the page refuses them."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from tests.api.conftest import Api, make_token, pilot, return_body
from tests.conftest import World
from tracker.extensions import db, utcnow
from tracker.notifications.models import Notification
from tracker.usecases.models import Incident


def test_the_bank_reports_an_incident_over_the_api_once(client, world: World) -> None:  # type: ignore[no-untyped-def]
    uc = pilot(world, partners=[world.partner])
    bank = Api(client, make_token(world.bank_user))
    occurred = (utcnow() - timedelta(hours=2)).replace(microsecond=0)
    body = {
        "severity": "critical",
        "occurred_at": occurred.isoformat() + "+00:00",
        "description": "Model leaked an account number in a reply.",
        "customers_affected": 1,
        "remediation": "Output filter tightened.",
    }
    first = bank.post(f"/use-cases/{uc.id}/incidents", body, idempotency_key="incident-1")
    assert first.status_code == 201, first.get_data(as_text=True)
    again = bank.post(f"/use-cases/{uc.id}/incidents", body, idempotency_key="incident-1")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(sa.select(sa.func.count(Incident.id))) == 1
    got = first.json
    assert got["return_id"] is None and got["customers_affected"] == 1
    assert got["occurred_at"] == occurred.isoformat() + "Z"
    reported = datetime.fromisoformat(got["reported_at"].replace("Z", ""))
    acknowledge_by = datetime.fromisoformat(got["acknowledge_by"].replace("Z", ""))
    assert acknowledge_by - reported == timedelta(hours=24)
    assert first.headers["Location"].endswith(f"/use-cases/{uc.id}/incidents/{got['id']}")
    assert bank.get(f"/use-cases/{uc.id}/incidents/{got['id']}").json == got
    kinds = set(db.session.scalars(sa.select(Notification.kind)))
    assert "incident_urgent" in kinds

    bank.post(f"/use-cases/{uc.id}/returns", return_body(uc))
    listed = Api(client, make_token(world.partner_user)).get(f"/use-cases/{uc.id}/incidents")
    assert listed.status_code == 200
    assert [i["id"] for i in listed.json] == [got["id"]]


def test_a_refused_report_names_the_fields(client, world: World) -> None:  # type: ignore[no-untyped-def]
    uc = pilot(world)
    bank = Api(client, make_token(world.bank_user))
    future = (utcnow() + timedelta(hours=2)).isoformat() + "Z"
    response = bank.post(
        f"/use-cases/{uc.id}/incidents",
        {"severity": "high", "occurred_at": future, "description": " "},
    )
    assert response.status_code in (400, 422)
    errors = response.json["errors"]
    assert set(errors) == {"occurred_at", "description"}
    naive = bank.post(
        f"/use-cases/{uc.id}/incidents",
        {"severity": "high", "occurred_at": "2026-01-01T10:00:00", "description": "x"},
    )
    assert naive.status_code in (400, 422)
    assert "occurred_at" in naive.json["errors"]
    assert db.session.scalar(sa.select(sa.func.count(Incident.id))) == 0


def test_another_institutions_incident_is_not_found(client, world: World) -> None:  # type: ignore[no-untyped-def]
    own = pilot(world)
    other = Api(client, make_token(world.other_bank_user))
    assert other.get(f"/use-cases/{own.id}/incidents").status_code == 404
