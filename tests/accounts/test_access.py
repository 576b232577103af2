"""Who may open the account pages: literal tables of role x URL -> status, and CSRF on the
forms anyone may post (signed out)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import World, csrf_token, login, make_app
from tracker.auth import services
from tracker.auth.links import token_for
from tracker.auth.models import TokenPurpose
from tracker.extensions import db
from tracker.unit_of_work import unit_of_work

ROLES = ("admin", "reviewer", "supervisor", "bank_user", None)
BAD = "0" * 64

# Signed-in users are sent on from the signed-out pages (302); a link that opens nothing is 404
# for whoever is signed out; the two-factor pages are for any signed-in user.
GET_TABLE: list[tuple[str, tuple[int, int, int, int, int]]] = [
    ("/login/forgot", (302, 302, 302, 302, 200)),
    ("/login/code", (302, 302, 302, 302, 302)),
    (f"/login/reset/{BAD}", (302, 302, 302, 302, 404)),
    (f"/invitation/{BAD}", (302, 302, 302, 302, 404)),
    ("/account/two-factor", (200, 200, 200, 200, 302)),
]
# POSTs with empty forms: a form re-renders with its errors (200, or 400 for the two-factor
# forms, whose pages are GET-only), an action redirects (302).
POST_TABLE: list[tuple[str, tuple[int, int, int, int, int]]] = [
    ("/login/forgot", (302, 302, 302, 302, 200)),
    ("/login/code", (302, 302, 302, 302, 302)),
    (f"/login/reset/{BAD}", (302, 302, 302, 302, 404)),
    (f"/invitation/{BAD}", (302, 302, 302, 302, 404)),
    ("/account/two-factor/start", (302, 302, 302, 302, 302)),
    ("/account/two-factor/confirm", (400, 400, 400, 400, 302)),
    ("/account/two-factor/recovery-codes", (400, 400, 400, 400, 302)),
    ("/account/two-factor/disable", (400, 400, 400, 400, 302)),
]


def _cases(table: list[tuple[str, tuple[int, int, int, int, int]]]) -> list[object]:
    return [
        pytest.param(url, role, status, id=f"{url}-{role or 'anonymous'}")
        for url, statuses in table
        for role, status in zip(ROLES, statuses, strict=True)
    ]


@pytest.mark.parametrize(("url", "role", "status"), _cases(GET_TABLE))
def test_get(client: FlaskClient, world: World, url: str, role: str | None, status: int) -> None:
    if role is not None:
        login(client, getattr(world, role))
    assert client.get(url).status_code == status


@pytest.mark.parametrize(("url", "role", "status"), _cases(POST_TABLE))
def test_post(client: FlaskClient, world: World, url: str, role: str | None, status: int) -> None:
    if role is not None:
        login(client, getattr(world, role))
    response = client.post(url, data={"email": "", "code": "", "confirmation": ""})
    assert response.status_code == status
    if status == 302 and role is None and "/account/" in url:
        assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    "url",
    ["/account/two-factor/start", "/account/two-factor/confirm", "/account/two-factor/disable"],
)
def test_changes_are_post_only(client: FlaskClient, world: World, url: str) -> None:
    login(client, world.bank_user)
    assert client.get(url).status_code == 405


@pytest.fixture
def csrf_app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app


def test_the_signed_out_forms_need_their_token(csrf_app: Flask, world: World) -> None:
    with unit_of_work("test"):
        link = services._send_link(world.bank_user, TokenPurpose.PASSWORD_RESET, None)
    reset = f"/login/reset/{token_for(link.nonce)}"
    client = csrf_app.test_client()
    password = "lantern-orchard-velvet-42"
    # The reset first: asking for a link afterwards replaces this one.
    for url, data in [
        (reset, {"new_password": password, "confirm": password}),
        ("/login/forgot", {"email": world.bank_user.email}),
    ]:
        refused = client.post(url, data=data)
        assert refused.status_code == 400, url
        assert "Form expired" in refused.get_data(as_text=True)
        page = client.get(url)
        assert page.status_code == 200, (url, page.status_code)
        token = csrf_token(page.get_data(as_text=True))
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 302, url
    db.session.expire_all()
    assert link.used_at is not None
