"""Who may do what over the API: a literal table of endpoint × token with the expected status.

The external expert's token (made before its owner became one) opens nothing: 401.

The use case is Harbour Bank's pilot in the HKMA's programme, with Kowloon AI Labs named as its
technology partner. The IA's reviewer works in another programme; the HKMA's supervisor reads
and reports but does not act as the regulator."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests import factories as f
from tests.api.conftest import Api, make_token, pilot, return_body
from tests.conftest import World
from tracker.api.models import TokenScope
from tracker.auth.models import Role
from tracker.extensions import db, utcnow
from tracker.usecases.models import UseCase


def _token(world: World, name: str) -> str:
    past = utcnow() - timedelta(minutes=1)
    users = {
        "bank": world.bank_user,
        "other bank": world.other_bank_user,
        "partner": world.partner_user,
        "regulator": world.reviewer,
        "other programme's regulator": world.ia_reviewer,
        "supervisor": world.supervisor,
    }
    if name in users:
        return make_token(users[name])
    if name == "bank, read-only":
        return make_token(world.bank_user, TokenScope.READ)
    if name == "bank, expired":
        return make_token(world.bank_user, expires_at=past)
    if name == "bank, revoked":
        return make_token(world.bank_user, revoked_at=past)
    if name == "external expert":
        # Experts cannot make tokens; this one was made while its owner worked for the partner,
        # before they joined a committee as an external expert: it no longer opens anything.
        user = f.create_user(Role.INSTITUTION, institution=world.partner, email="ex@example.com")
        secret = make_token(user)
        user.role = Role.EXPERT
        db.session.commit()
        return secret
    raise AssertionError(name)


def incident_body() -> dict[str, Any]:
    """An incident an hour ago, reported on its own."""
    occurred = (utcnow() - timedelta(hours=1)).replace(microsecond=0)
    return {"severity": "high", "occurred_at": occurred.isoformat() + "Z", "description": "Outage"}


def _request(name: str, world: World, uc: UseCase) -> tuple[str, str, dict[str, Any] | None, dict]:
    base = f"/use-cases/{uc.id}"
    v1 = {"if_match": '"1"'}
    requests: dict[str, tuple[str, str, dict[str, Any] | None, dict]] = {
        "GET use case": ("GET", base, None, {}),
        "GET history": ("GET", f"{base}/history", None, {}),
        "GET returns": ("GET", f"{base}/returns", None, {}),
        "GET documents": ("GET", f"{base}/documents", None, {}),
        "GET evidence": ("GET", f"{base}/evidence", None, {}),
        "GET plan": ("GET", f"{base}/plan", None, {}),
        "GET plan versions": ("GET", f"{base}/plan/versions", None, {}),
        "POST return": ("POST", f"{base}/returns", return_body(uc), {}),
        "POST message": ("POST", f"{base}/messages", {"body": "Hello"}, {}),
        "GET incidents": ("GET", f"{base}/incidents", None, {}),
        "POST incident": ("POST", f"{base}/incidents", incident_body(), {}),
        "POST milestone": (
            "POST",
            f"{base}/milestones",
            {"title": "Go-live", "planned_on": "2030-01-01", "status": "planned"},
            {},
        ),
        "POST suspend": ("POST", f"{base}/transitions/suspend", {"reason": "Incident"}, v1),
        "POST withdraw": ("POST", f"{base}/transitions/withdraw", {"reason": "Stop"}, v1),
        "PATCH use case": ("PATCH", base, {"title": "Renamed"}, v1),
        "GET review": ("GET", f"{base}/review", None, {}),
        "PUT review": ("PUT", f"{base}/review", {"scores": []}, {}),
        "POST cohort report": (
            "POST",
            "/reports",
            {"kind": "cohort", "subject_id": world.cohort.id},
            {},
        ),
    }
    return requests[name]


# The plan's endpoints are read on a pilot with an agreed plan (without one: 404 to all).
PLANNED = {"GET plan", "GET plan versions"}

# fmt: off
TABLE = [
    # endpoint              token                           status
    ("GET use case",        "bank",                         200),
    ("GET use case",        "other bank",                   404),
    ("GET use case",        "partner",                      200),
    ("GET use case",        "regulator",                    200),
    ("GET use case",        "other programme's regulator",  404),
    ("GET use case",        "supervisor",                   200),
    ("GET use case",        "bank, read-only",              200),
    ("GET use case",        "bank, expired",                401),
    ("GET use case",        "bank, revoked",                401),
    ("GET use case",        "external expert",              401),
    ("GET evidence",        "external expert",              401),
    ("GET plan",            "external expert",              401),
    ("GET incidents",       "external expert",              401),
    ("POST return",         "external expert",              401),
    ("POST incident",       "external expert",              401),
    ("POST cohort report",  "external expert",              401),
    ("GET history",         "bank",                         200),
    ("GET history",         "other bank",                   404),
    ("GET history",         "other programme's regulator",  404),
    ("GET returns",         "partner",                      200),
    ("GET returns",         "other bank",                   404),
    ("GET returns",         "supervisor",                   200),
    ("GET documents",       "other bank",                   404),
    ("GET documents",       "regulator",                    200),
    ("GET evidence",        "bank",                         200),
    ("GET evidence",        "other bank",                   404),
    ("GET evidence",        "partner",                      200),
    ("GET evidence",        "regulator",                    200),
    ("GET evidence",        "other programme's regulator",  404),
    ("GET evidence",        "supervisor",                   200),
    ("GET evidence",        "bank, read-only",              200),
    ("GET evidence",        "bank, expired",                401),
    ("GET plan",            "bank",                         200),
    ("GET plan",            "other bank",                   404),
    ("GET plan",            "partner",                      200),
    ("GET plan",            "regulator",                    200),
    ("GET plan",            "other programme's regulator",  404),
    ("GET plan",            "supervisor",                   200),
    ("GET plan",            "bank, read-only",              200),
    ("GET plan",            "bank, expired",                401),
    ("GET plan",            "bank, revoked",                401),
    ("GET plan versions",   "bank",                         200),
    ("GET plan versions",   "other bank",                   404),
    ("GET plan versions",   "partner",                      200),
    ("GET plan versions",   "regulator",                    200),
    ("GET plan versions",   "other programme's regulator",  404),
    ("GET plan versions",   "supervisor",                   200),
    ("GET plan versions",   "bank, read-only",              200),
    ("GET plan versions",   "bank, expired",                401),
    ("GET plan versions",   "bank, revoked",                401),
    ("POST return",         "bank",                         201),
    ("POST return",         "bank, read-only",              403),
    ("POST return",         "other bank",                   404),
    ("POST return",         "partner",                      403),
    ("POST return",         "regulator",                    403),
    ("POST return",         "other programme's regulator",  404),
    ("POST return",         "supervisor",                   403),
    ("POST return",         "bank, expired",                401),
    ("POST return",         "bank, revoked",                401),
    ("POST message",        "bank",                         201),
    ("POST message",        "regulator",                    201),
    ("POST message",        "bank, read-only",              403),
    ("POST message",        "partner",                      403),
    ("POST message",        "supervisor",                   403),
    ("POST message",        "other bank",                   404),
    ("POST message",        "other programme's regulator",  404),
    ("POST milestone",      "regulator",                    201),
    ("POST milestone",      "bank",                         403),
    ("POST milestone",      "supervisor",                   403),
    ("POST milestone",      "other programme's regulator",  404),
    ("POST suspend",        "regulator",                    200),
    ("POST suspend",        "bank",                         403),
    ("POST suspend",        "supervisor",                   403),
    ("POST suspend",        "other programme's regulator",  404),
    ("POST withdraw",       "bank",                         200),
    ("POST withdraw",       "bank, read-only",              403),
    ("POST withdraw",       "partner",                      403),
    ("POST withdraw",       "regulator",                    403),
    ("POST withdraw",       "other bank",                   404),
    ("PATCH use case",      "bank",                         403),  # a pilot is not editable
    ("PATCH use case",      "other bank",                   404),
    ("GET review",          "regulator",                    200),
    ("GET review",          "supervisor",                   200),
    ("GET review",          "bank",                         403),
    ("GET review",          "partner",                      403),
    ("GET review",          "other programme's regulator",  404),
    ("PUT review",          "regulator",                    403),  # a pilot is past review
    ("PUT review",          "bank",                         403),
    ("PUT review",          "other programme's regulator",  404),
    ("POST cohort report",  "supervisor",                   202),
    ("POST cohort report",  "regulator",                    202),
    ("POST cohort report",  "bank",                         404),
    ("POST cohort report",  "other programme's regulator",  404),
    ("POST cohort report",  "bank, read-only",              403),
    ("GET incidents",       "partner",                      200),
    ("GET incidents",       "supervisor",                   200),
    ("GET incidents",       "other bank",                   404),
    ("POST incident",       "bank",                         201),
    ("POST incident",       "bank, read-only",              403),
    ("POST incident",       "other bank",                   404),
    ("POST incident",       "partner",                      403),
    ("POST incident",       "regulator",                    403),
    ("POST incident",       "other programme's regulator",  404),
    ("POST incident",       "supervisor",                   403),
]
# fmt: on


@pytest.mark.parametrize(("endpoint", "token", "status"), TABLE)
def test_endpoint_by_token(client, world: World, endpoint: str, token: str, status: int):
    uc = pilot(world, partners=[world.partner])
    if endpoint in PLANNED:
        f.create_agreed_plan(uc, world.bank_user, world.reviewer)
        db.session.commit()
    method, path, body, headers = _request(endpoint, world, uc)
    api = Api(client, _token(world, token))
    response = api.call(method, path, body, **headers)
    assert response.status_code == status, response.get_data(as_text=True)
    if status >= 400:
        assert response.mimetype == "application/problem+json"
        assert response.json["status"] == status


# fmt: off
LIST_TABLE = [
    # token                           use cases listed
    ("bank",                          ["pilot", "draft"]),
    ("other bank",                    []),
    ("partner",                       ["pilot"]),      # the draft names it too, but is private
    ("regulator",                     ["pilot"]),
    ("other programme's regulator",   []),
    ("supervisor",                    ["pilot"]),
]
# fmt: on


@pytest.mark.parametrize(("token", "listed"), LIST_TABLE)
def test_the_list_holds_what_the_pages_show(client, world: World, token: str, listed: list[str]):
    pilot(world, title="pilot", partners=[world.partner])
    f.create_use_case(
        world.cohort, world.bank, world.category, title="draft", partners=[world.partner]
    )
    db.session.commit()
    response = Api(client, _token(world, token)).get("/use-cases")
    assert response.status_code == 200
    assert sorted(i["title"] for i in response.json["items"]) == sorted(listed)
