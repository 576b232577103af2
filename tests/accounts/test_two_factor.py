"""TOTP two-factor sign-in: enrolment with the QR code, the second step that signs nobody in
until it passes, recovery codes, codes refused a second time, throttling, the requirement by
role, turning it off and an administrator's reset."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as f
from tests.accounts.conftest import MOMENT, code_now, enrol, signed_in
from tests.conftest import World, login, make_app
from tracker.auth import services, totp
from tracker.auth.models import RecoveryCode, Role, User
from tracker.extensions import db, utcnow
from tracker.sealed import UnreadableSealedValueError
from tracker.unit_of_work import unit_of_work

Freeze = Callable[[datetime], datetime]


def _password(client: FlaskClient, user: User, next_url: str = "") -> str:
    url = f"/login?next={next_url}" if next_url else "/login"
    response = client.post(url, data={"email": user.email, "password": f.PASSWORD})
    assert response.status_code == 302
    return str(response.headers["Location"])


def test_enrolment_from_the_account_page(
    client: FlaskClient, world: World, freeze_time: Freeze
) -> None:
    freeze_time(MOMENT)
    user = world.bank_user
    login(client, user)
    page = client.get("/account").get_data(as_text=True)
    assert "Two-factor sign-in" in page and "Set it up" in page
    assert client.post("/account/two-factor/start").status_code == 302
    db.session.refresh(user)
    assert user.totp_secret and not user.two_factor_enabled
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert totp.grouped(user.totp_secret) in page
    assert "<svg" in page and 'class="segno"' in page  # the QR code, drawn in the page
    assert "http" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]  # nothing fetched

    wrong = client.post("/account/two-factor/confirm", data={"code": "000000"})
    assert wrong.status_code == 400
    assert "This code is not correct" in wrong.get_data(as_text=True)
    db.session.refresh(user)
    assert not user.two_factor_enabled

    done = client.post("/account/two-factor/confirm", data={"code": code_now(user)})
    assert done.status_code == 200
    html = done.get_data(as_text=True)
    shown = html.split("data-recovery-codes>", 1)[1].split("</ul>", 1)[0]
    codes = [c.strip() for c in shown.replace("<li>", "").split("</li>") if c.strip()]
    assert len(codes) == len(set(codes)) == 10
    db.session.refresh(user)
    assert user.two_factor_enabled
    stored = set(db.session.scalars(sa.select(RecoveryCode.code_hash)))
    assert stored == {totp.recovery_digest(c) for c in codes}  # hashes only
    # Shown once: the page does not show them again.
    assert codes[0] not in client.get("/account/two-factor").get_data(as_text=True)


def test_the_second_step_signs_in_only_when_passed(
    client: FlaskClient, world: World, freeze_time: Freeze
) -> None:
    freeze_time(MOMENT)
    user = world.reviewer
    enrol(user)
    freeze_time(MOMENT + timedelta(minutes=2))
    assert _password(client, user, "/use-cases/") == "/login/code"
    assert not signed_in(client)
    assert client.get("/").status_code == 302
    wrong = client.post("/login/code", data={"code": code_now(user, offset=-5)})
    assert wrong.status_code == 200
    assert "This code is not correct" in wrong.get_data(as_text=True)
    assert not signed_in(client)
    right = client.post("/login/code", data={"code": code_now(user)})
    assert (right.status_code, right.headers["Location"]) == (302, "/use-cases/")
    assert signed_in(client)
    db.session.refresh(user)
    assert user.last_login_at == MOMENT + timedelta(minutes=2)


def test_a_code_is_not_accepted_twice(app: Flask, world: World, freeze_time: Freeze) -> None:
    freeze_time(MOMENT)
    user = world.reviewer
    enrol(user)
    freeze_time(MOMENT + timedelta(minutes=2))
    code = code_now(user)
    first, second = app.test_client(), app.test_client()
    _password(first, user)
    _password(second, user)
    assert first.post("/login/code", data={"code": code}).status_code == 302
    # The same code, within its 30 seconds (or the next step's drift): refused.
    freeze_time(MOMENT + timedelta(minutes=2, seconds=20))
    assert second.post("/login/code", data={"code": code}).status_code == 200
    assert not signed_in(second)
    # An older code than the last one used is refused too, even within the drift allowed.
    freeze_time(MOMENT + timedelta(minutes=2, seconds=31))
    assert second.post("/login/code", data={"code": code}).status_code == 200
    assert second.post("/login/code", data={"code": code_now(user)}).status_code == 302


def test_a_recovery_code_works_once(app: Flask, world: World, freeze_time: Freeze) -> None:
    freeze_time(MOMENT)
    user = world.supervisor
    codes = enrol(user)
    client = app.test_client()
    _password(client, user)
    response = client.post("/login/code", data={"code": codes[3].upper().replace("-", " ")})
    assert response.status_code == 302
    assert signed_in(client)
    assert "9 recovery codes left" in client.get("/account").get_data(as_text=True)
    other = app.test_client()
    _password(other, user)
    assert other.post("/login/code", data={"code": codes[3]}).status_code == 200
    assert not signed_in(other)
    assert services.unused_recovery_codes(user) == 9


def test_guessing_codes_is_throttled(database_url: str, world: World, freeze_time: Freeze) -> None:
    freeze_time(MOMENT)
    app = make_app(database_url, LOGIN_RATE_LIMIT="2 per 15 minutes")
    with app.app_context():
        user = db.session.get(User, world.reviewer.id)
        assert user is not None
        enrol(user)
        client = app.test_client()
        _password(client, user)  # a right password gives its place back
        wrong = [client.post("/login/code", data={"code": "123456"}).status_code for _ in "ab"]
        assert wrong == [200, 200]
        refused = client.post("/login/code", data={"code": code_now(user)})
        assert refused.status_code == 429
        assert "Too many attempts" in refused.get_data(as_text=True)
        assert not signed_in(client)


def test_the_second_step_expires(client: FlaskClient, world: World, freeze_time: Freeze) -> None:
    freeze_time(MOMENT)
    enrol(world.reviewer)
    _password(client, world.reviewer)
    freeze_time(MOMENT + timedelta(minutes=6))
    response = client.post("/login/code", data={"code": code_now(world.reviewer)})
    assert (response.status_code, response.headers["Location"]) == (302, "/login")
    assert not signed_in(client)


def test_required_by_role_sends_to_enrolment_first(
    app: Flask, world: World, freeze_time: Freeze
) -> None:
    freeze_time(MOMENT)
    reviewer = app.test_client()
    login(reviewer, world.reviewer)
    admin = app.test_client()
    login(admin, world.admin)
    page = admin.get("/admin/users/two-factor").get_data(as_text=True)
    for role in Role:
        assert role.label in page  # every role, a new one included, can be required
    saved = admin.post(
        "/admin/users/two-factor", data={"role_regulator": "y", "role_supervisor": "y"}
    )
    assert saved.status_code == 302
    assert services.required_roles() == {Role.REGULATOR, Role.SUPERVISOR}
    assert '<input checked class="form-check-input" id="role_regulator"' in admin.get(
        "/admin/users/two-factor"
    ).get_data(as_text=True)
    # The reviewer had not enrolled: signed out, so the next sign-in leads to enrolment.
    assert not signed_in(reviewer)
    # Users of roles not required, and admins themselves, carry on.
    assert signed_in(admin)

    assert _password(reviewer, world.reviewer) == "/account/two-factor"
    for url in ("/", "/use-cases/", "/account", "/notifications/"):
        response = reviewer.get(url)
        assert (response.status_code, response.headers.get("Location")) == (
            302,
            "/account/two-factor",
        ), url
    # Nor can a token for the API be made meanwhile (it would skip the second factor).
    minted = reviewer.post("/account/api-tokens/", data={"name": "script", "scope": "read"})
    assert minted.headers["Location"] == "/account/two-factor"
    assert reviewer.post("/account/two-factor/start").status_code == 302
    db.session.refresh(world.reviewer)
    done = reviewer.post("/account/two-factor/confirm", data={"code": code_now(world.reviewer)})
    assert done.status_code == 200
    assert reviewer.get("/use-cases/").status_code == 200

    # Next time: password, then code.
    fresh = app.test_client()
    freeze_time(MOMENT + timedelta(minutes=1))
    assert _password(fresh, world.reviewer) == "/login/code"


def test_disable_needs_a_code_or_the_password(
    client: FlaskClient, world: World, freeze_time: Freeze
) -> None:
    freeze_time(MOMENT)
    user = world.bank_user
    login(client, user)
    enrol(user)
    refused = client.post("/account/two-factor/disable", data={"confirmation": "wrong"})
    assert refused.status_code == 400
    assert "This is not your password or a current code." in refused.get_data(as_text=True)
    db.session.refresh(user)
    assert user.two_factor_enabled
    freeze_time(MOMENT + timedelta(minutes=1))
    done = client.post("/account/two-factor/disable", data={"confirmation": f.PASSWORD})
    assert done.status_code == 302
    db.session.refresh(user)
    assert not user.two_factor_enabled and user.totp_secret is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0


def test_new_recovery_codes_replace_the_old(
    client: FlaskClient, world: World, freeze_time: Freeze
) -> None:
    freeze_time(MOMENT)
    user = world.bank_user
    login(client, user)
    old = enrol(user)
    freeze_time(MOMENT + timedelta(minutes=1))
    response = client.post(
        "/account/two-factor/recovery-codes", data={"confirmation": code_now(user)}
    )
    assert response.status_code == 200
    assert old[0] not in response.get_data(as_text=True)
    with unit_of_work("test"):
        assert services.verify_second_factor(user, old[0]) is None


def test_an_admin_resets_a_users_second_factor(
    app: Flask, admin_client: FlaskClient, world: World, freeze_time: Freeze
) -> None:
    freeze_time(MOMENT)
    user = world.bank_user
    enrol(user)
    freeze_time(MOMENT + timedelta(minutes=1))  # the enrolment's code is used up
    theirs = app.test_client()
    _password(theirs, user)
    theirs.post("/login/code", data={"code": code_now(user)})
    assert signed_in(theirs)
    listing = admin_client.get("/admin/users/").get_data(as_text=True)
    assert f"/admin/users/{user.id}/reset-two-factor" in listing
    response = admin_client.post(f"/admin/users/{user.id}/reset-two-factor")
    assert response.status_code == 302
    db.session.refresh(user)
    assert not user.two_factor_enabled
    assert not signed_in(theirs)
    # Their role does not require it: the password alone signs in again.
    assert _password(app.test_client(), user) == "/dashboard"
    # Nothing to reset now: said so, nothing changes.
    again = admin_client.post(f"/admin/users/{user.id}/reset-two-factor", follow_redirects=True)
    assert "has no two-factor sign-in to reset" in again.get_data(as_text=True)


def test_api_tokens_do_not_ask_for_a_second_factor(app: Flask, world: World) -> None:
    from tests.api.conftest import make_token

    enrol(world.reviewer)
    secret = make_token(world.reviewer)
    response = app.test_client().get(
        "/api/v1/use-cases", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200


def test_requiring_ones_own_role_leads_straight_to_enrolment(admin_client: FlaskClient) -> None:
    response = admin_client.post("/admin/users/two-factor", data={"role_admin": "y"})
    assert response.status_code == 302
    assert services.required_roles() == {Role.ADMIN}
    follow = admin_client.get(response.headers["Location"])
    assert (follow.status_code, follow.headers["Location"]) == (302, "/account/two-factor")
    page = admin_client.get("/account/two-factor").get_data(as_text=True)
    assert "nothing else is open until you have" in page


def test_lifting_the_requirement_frees_a_user_waiting_to_enrol(
    app: Flask, admin_client: FlaskClient, world: World
) -> None:
    admin_client.post("/admin/users/two-factor", data={"role_supervisor": "y"})
    supervisor = app.test_client()
    assert _password(supervisor, world.supervisor) == "/account/two-factor"
    assert supervisor.get("/account").headers["Location"] == "/account/two-factor"
    # (Only the CSRF token would be posted by a browser; an empty body reads as no submission.)
    admin_client.post("/admin/users/two-factor", data={"role_supervisor": ""})
    after = supervisor.get("/account")
    assert after.status_code == 200, after.headers.get("Location")


def test_the_secret_is_stored_sealed_and_a_changed_key_fails_closed(
    app: Flask, world: World
) -> None:
    """A copy of the database gives no TOTP secret; after SECRET_KEY changes the old secret
    opens for nobody, so a code is refused (never waved through) and loading the user still
    works."""
    user = world.reviewer
    services.start_two_factor(user)
    secret = user.totp_secret
    db.session.flush()
    stored = db.session.execute(
        sa.text("SELECT totp_secret FROM user_account WHERE id = :id"), {"id": user.id}
    ).scalar_one()
    assert secret and stored and secret not in stored
    code = totp.code_at_step(secret, totp.step_at(utcnow()))
    services.confirm_two_factor(user, code)
    original = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another-secret-key"
    try:
        db.session.expire_all()
        reloaded = db.session.get(User, user.id)
        assert reloaded is not None and reloaded.two_factor_enabled
        with pytest.raises(UnreadableSealedValueError):
            _ = reloaded.totp_secret
        later = totp.code_at_step(secret, totp.step_at(utcnow()) + 1)
        assert services.verify_second_factor(reloaded, later) is None
    finally:
        app.config["SECRET_KEY"] = original
