"""Personal access tokens: kept only as a hash, created on the account page and on the command
line, scoped, expiring, revocable, revoked with their user; the API takes nothing but them (no
session cookie, no CSRF, no CORS) and limits each token's requests and body size."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from tests.api.conftest import Api, make_token, pilot
from tests.conftest import World, csrf_token, login, make_app
from tracker.api.models import ApiToken, TokenScope
from tracker.auth.services import set_user_active
from tracker.extensions import db, utcnow


def _tokens() -> list[ApiToken]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id)))


def test_only_the_hash_of_the_secret_is_kept(world: World, client):
    secret = make_token(world.bank_user)
    (token,) = _tokens()
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {token.secret_hash, token.prefix, token.name}
    assert secret.startswith(token.prefix) and len(secret) > 40
    assert Api(client, secret).get("/me").json["email"] == world.bank_user.email


def test_the_command_line_prints_a_token_once(world: World, app: Flask, client):
    result = app.test_cli_runner().invoke(
        args=[
            "api-token",
            "create",
            "--email",
            "bank@example.com",
            "--scope",
            "write",
            "--expires",
            "7",
        ]
    )
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert re.fullmatch(r"stk_[A-Za-z0-9_-]{40,}", secret)
    (token,) = _tokens()
    assert token.scope is TokenScope.WRITE
    assert token.expires_at is not None
    assert timedelta(days=6) < token.expires_at - utcnow() <= timedelta(days=7)
    me = Api(client, secret).get("/me").json
    assert me["scope"] == "write"
    unknown = app.test_cli_runner().invoke(args=["api-token", "create", "--email", "x@y.z"])
    assert unknown.exit_code != 0
    assert "No user" in unknown.output


def test_the_account_page_creates_lists_and_revokes_tokens(world: World, client):
    login(client, world.bank_user)
    page = client.get("/account")
    assert "API tokens" in page.get_data(as_text=True)
    created = client.post(
        "/account/api-tokens/",
        data={"name": "Returns system", "scope": "write", "expires_in_days": "30"},
    )
    assert created.status_code == 200
    html = created.get_data(as_text=True)
    secret = re.search(r'id="api-token-secret">(stk_[^<]+)<', html).group(1)
    api = Api(client.application.test_client(), secret)
    assert api.get("/me").status_code == 200
    listing = client.get("/account").get_data(as_text=True)
    assert "Returns system" in listing
    assert secret not in listing  # the secret is shown once only
    (token,) = _tokens()
    assert token.prefix in listing
    assert token.last_used_at is not None
    revoked = client.post(f"/account/api-tokens/{token.id}/revoke")
    assert revoked.status_code == 302
    assert api.get("/me").status_code == 401


def test_a_user_cannot_revoke_another_users_token(world: World, client):
    make_token(world.bank_user)
    (token,) = _tokens()
    login(client, world.other_bank_user)
    assert client.post(f"/account/api-tokens/{token.id}/revoke").status_code == 404
    assert _tokens()[0].revoked_at is None


def test_deactivating_the_user_revokes_their_tokens(world: World, client):
    secret = make_token(world.bank_user)
    other = make_token(world.other_bank_user)
    set_user_active(world.admin, world.bank_user, False)
    db.session.commit()
    tokens = _tokens()
    assert tokens[0].revoked_at is not None
    assert tokens[1].revoked_at is None
    response = Api(client, secret).get("/me")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    set_user_active(world.admin, world.bank_user, True)  # reactivation does not bring tokens back
    db.session.commit()
    assert Api(client, secret).get("/me").status_code == 401
    assert Api(client, other).get("/me").status_code == 200


def test_an_inactive_user_is_refused_even_before_revocation(world: World, client):
    secret = make_token(world.bank_user)
    db.session.execute(
        sa.text("UPDATE user_account SET active = false WHERE id = :id"), {"id": world.bank_user.id}
    )
    db.session.commit()
    assert Api(client, secret).get("/me").status_code == 401


def test_expired_and_unknown_tokens_are_401(world: World, client):
    expired = make_token(world.bank_user, expires_at=utcnow() - timedelta(seconds=1))
    for secret in (expired, "stk_" + "x" * 43, "not-a-token"):
        response = Api(client, secret).get("/me")
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
    assert client.get("/api/v1/me").status_code == 401


def test_the_session_cookie_is_never_accepted_nor_set(world: World, client):
    login(client, world.bank_user)
    assert client.get("/account").status_code == 200  # signed in on the pages
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers


def test_the_api_needs_no_csrf_token_and_sends_no_cors_headers(world: World, database_url):
    strict: Flask = make_app(database_url, WTF_CSRF_ENABLED=True)
    uc = pilot(world)
    secret = make_token(world.bank_user)
    client = strict.test_client()
    response = Api(client, secret).post(f"/use-cases/{uc.id}/messages", {"body": "Hello"})
    assert response.status_code == 201
    preflight = client.options(
        "/api/v1/me",
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"},
    )
    assert not any(h.lower().startswith("access-control-") for h, _value in preflight.headers)
    # The pages keep their CSRF protection.
    login_page = client.get("/login")
    assert csrf_token(login_page.get_data(as_text=True))
    assert client.post("/login", data={"email": "bank@example.com"}).status_code == 400


def test_each_token_has_its_own_rate_limit(world: World, app: Flask, client, monkeypatch):
    monkeypatch.setitem(app.config, "TRACKER_API_RATE_LIMIT", "3 per minute")
    first = Api(client, make_token(world.bank_user))
    second = Api(client, make_token(world.bank_user))
    assert [first.get("/me").status_code for _ in range(3)] == [200, 200, 200]
    limited = first.get("/me")
    assert limited.status_code == 429
    assert limited.mimetype == "application/problem+json"
    assert "Retry-After" in limited.headers
    assert second.get("/me").status_code == 200


def test_request_bodies_are_bounded(world: World, client):
    uc = pilot(world)
    api = Api(client, make_token(world.bank_user))
    response = api.post(f"/use-cases/{uc.id}/messages", {"body": "x" * (300 * 1024)})
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_a_read_token_reads_but_never_writes(world: World, client):
    uc = pilot(world)
    api = Api(client, make_token(world.bank_user, TokenScope.READ))
    assert api.get(f"/use-cases/{uc.id}").status_code == 200
    refused = api.post(f"/use-cases/{uc.id}/messages", {"body": "Hello"})
    assert refused.status_code == 403
    assert 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]
