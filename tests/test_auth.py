"""Signing in and out, throttling, sessions, password storage, create-user."""

from __future__ import annotations

import re

from tests import factories as f
from tests.conftest import World, login, make_app
from tracker.auth.models import Role, User
from tracker.auth.passwords import hash_password, verify_password
from tracker.extensions import db


def _attempt(client, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"email": email, "password": password})


def _error_text(response) -> str:  # type: ignore[no-untyped-def]
    page = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_wrong_password_and_unknown_email_get_the_same_answer(client, world: World):
    wrong = _attempt(client, world.reviewer.email, "not-the-password")
    unknown = _attempt(client, "nobody@example.com", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    assert "The email or password is not correct." in _error_text(wrong)
    # Apart from the email typed, which the form keeps, the two pages are identical.
    assert wrong.get_data(as_text=True).replace(world.reviewer.email, "EMAIL") == (
        unknown.get_data(as_text=True).replace("nobody@example.com", "EMAIL")
    )


def test_inactive_user_cannot_sign_in(client, world: World):
    world.reviewer.active = False
    db.session.commit()
    assert _attempt(client, world.reviewer.email, f.PASSWORD).status_code == 200


def test_sign_in_records_last_login_and_is_case_insensitive(client, world: World):
    assert _attempt(client, "REVIEWER@Example.com", f.PASSWORD).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, world.reviewer.id).last_login_at is not None  # type: ignore[union-attr]


def test_login_is_throttled_after_repeated_failures(database_url):
    app = make_app(database_url, LOGIN_RATE_LIMIT="3 per 15 minutes")
    with app.app_context():
        client = app.test_client()
        statuses = [_attempt(client, "someone@example.com", "wrong").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_throttle_applies_per_email_across_addresses(database_url):
    app = make_app(database_url, LOGIN_RATE_LIMIT="2 per 15 minutes")
    with app.app_context():
        statuses = []
        for n in range(3):
            client = app.test_client()
            response = client.post(
                "/login",
                data={"email": "target@example.com", "password": "guess"},
                environ_base={"REMOTE_ADDR": f"10.0.0.{n + 1}"},
            )
            statuses.append(response.status_code)
    assert statuses == [200, 200, 429]


def test_logout_revokes_the_session_cookie(app, world: World):
    client = app.test_client()
    login(client, world.reviewer)
    stolen = client.get_cookie("session")
    assert stolen is not None
    assert client.post("/logout", data={}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen.value, domain="localhost")
    response = thief.get("/dashboard")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_open_redirects_are_refused(client, world: World):
    response = client.post(
        "/login?next=https://evil.example/phish",
        data={"email": world.reviewer.email, "password": f.PASSWORD},
    )
    assert response.headers["Location"].endswith("/dashboard")
    client.post("/logout", data={})
    response = client.post(
        "/login?next=/use-cases/queue",
        data={"email": world.reviewer.email, "password": f.PASSWORD},
    )
    assert response.headers["Location"].endswith("/use-cases/queue")


def test_passwords_are_hashed_with_argon2id():
    stored = hash_password("a long passphrase")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "a long passphrase")
    assert not verify_password(stored, "another")
    assert not verify_password(None, "anything")


def test_production_hash_parameters_meet_owasp():
    from argon2 import PasswordHasher, extract_parameters

    params = extract_parameters(PasswordHasher().hash("x"))
    # OWASP: argon2id with at least m=19 MiB, t=2, p=1.
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2


def test_change_password_signs_out_other_sessions(app, world: World):
    first, second = app.test_client(), app.test_client()
    login(first, world.reviewer)
    login(second, world.reviewer)
    response = first.post(
        "/account",
        data={
            "current_password": f.PASSWORD,
            "new_password": "a-brand-new-passphrase",
            "confirm": "a-brand-new-passphrase",
        },
    )
    assert response.status_code == 302
    assert first.get("/dashboard").status_code == 200
    assert second.get("/dashboard").status_code == 302


def test_change_password_checks_the_current_one(client, world: World):
    login(client, world.reviewer)
    response = client.post(
        "/account",
        data={"current_password": "wrong", "new_password": "x" * 12, "confirm": "x" * 12},
    )
    assert "The current password is not correct." in response.get_data(as_text=True)


def test_create_user_command(app, world: World):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-user", "--email", "First.Admin@example.com", "--name", "First Admin"],
        input="a-strong-passphrase\na-strong-passphrase\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.query(User).filter_by(email="first.admin@example.com").one()
    assert user.role is Role.ADMIN
    assert verify_password(user.password_hash, "a-strong-passphrase")
    again = runner.invoke(
        args=["create-user", "--email", "first.admin@example.com", "--name", "X"],
        input="a-strong-passphrase\na-strong-passphrase\n",
    )
    assert again.exit_code != 0 and "already exists" in again.output
    staff = runner.invoke(
        args=[
            "create-user",
            "--email",
            "staff@example.com",
            "--name",
            "Staff",
            "--role",
            "regulator",
            "--regulator",
            "HKMA",
        ],
        input="a-strong-passphrase\na-strong-passphrase\n",
    )
    assert staff.exit_code == 0, staff.output
    short = runner.invoke(
        args=["create-user", "--email", "s@example.com", "--name", "S"], input="short\nshort\n"
    )
    assert short.exit_code != 0
