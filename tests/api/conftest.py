"""Fixtures for the API tests: tokens for the world's users, a client that speaks JSON with a
bearer token, use cases at the stages the tests need, and a live server for tests over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as f
from tests.browser.live_server import serving
from tests.conftest import World
from tracker.api import tokens
from tracker.api.models import TokenScope
from tracker.auth.models import User
from tracker.extensions import db, utcnow
from tracker.usecases.models import Stage, UseCase


def make_token(
    user: User, scope: TokenScope = TokenScope.WRITE, days: int | None = 30, **changes: Any
) -> str:
    """A token for ``user``, committed; ``changes`` set columns afterwards (expires_at, …)."""
    token, secret = tokens.create_token(user, "test", scope, days)
    for name, value in changes.items():
        setattr(token, name, value)
    db.session.commit()
    return secret


@dataclass
class Api:
    """A test client that sends a bearer token, JSON bodies and an Idempotency-Key on POST."""

    client: FlaskClient
    token: str

    def call(self, method: str, path: str, json: Any = None, **headers: str) -> Any:
        sent = {"Authorization": f"Bearer {self.token}", **_header_names(headers)}
        if method == "POST":
            sent.setdefault("Idempotency-Key", str(uuid.uuid4()))
        return self.client.open("/api/v1" + path, method=method, json=json, headers=sent)

    def get(self, path: str, **headers: str) -> Any:
        return self.call("GET", path, **headers)

    def post(self, path: str, json: Any = None, **headers: str) -> Any:
        return self.call("POST", path, json if json is not None else {}, **headers)

    def patch(self, path: str, json: Any, **headers: str) -> Any:
        return self.call("PATCH", path, json, **headers)


def _header_names(headers: dict[str, str]) -> dict[str, str]:
    """``if_match="…"`` as ``If-Match: …``."""
    return {"-".join(p.capitalize() for p in k.split("_")): v for k, v in headers.items()}


@pytest.fixture
def api_as(client: FlaskClient):  # type: ignore[no-untyped-def]
    def _as(user: User, scope: TokenScope = TokenScope.WRITE) -> Api:
        return Api(client, make_token(user, scope))

    return _as


def pilot(world: World, **kw: Any) -> UseCase:
    """The bank's use case in a pilot that began 40 days ago."""
    kw.setdefault("pilot_started_on", utcnow().date() - timedelta(days=40))
    use_case = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.PILOT, **kw)
    db.session.commit()
    return use_case


def return_body(use_case: UseCase, **changes: Any) -> dict[str, Any]:
    """A complete return for the use case's first period: 30 days from the pilot start."""
    assert use_case.pilot_started_on is not None
    start = use_case.pilot_started_on
    body: dict[str, Any] = {
        "period_start": start.isoformat(),
        "period_end": (start + timedelta(days=29)).isoformat(),
        "rag": "green",
        "narrative": "On track.",
        "attested_by_name": "Ada Chan",
        "attested_by_title": "Chief Risk Officer",
        "attested": True,
        "kpi_values": [{"kpi": k, "value": "12"} for k in use_case.kpi_list],
        "incidents": [],
    }
    body.update(changes)
    return body


@pytest.fixture(scope="session")
def api_server(
    app: Flask, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The application served over HTTP by werkzeug in its own process, on a free port, against
    the test database; yields its base URL."""
    # The fuzzer sends thousands of requests a minute with one token.
    with serving(
        database_url, tmp_path_factory.mktemp("api-server"), TRACKER_API_RATE_LIMIT="100000/minute"
    ) as url:
        yield url
