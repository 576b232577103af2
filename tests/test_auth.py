"""Signing in and out, throttling, sessions, password storage, create-user."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests import factories as f
from tests.conftest import World, login, make_app
from tracker.auth import services as auth_services
from tracker.auth.models import Role, User
from tracker.auth.passwords import hash_password, password_problems, verify_password
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
    # The CSRF token carries the second it was signed: the same page a second later differs.
    def page(response, email: str) -> str:  # type: ignore[no-untyped-def]
        html = response.get_data(as_text=True).replace(email, "EMAIL")
        return re.sub(r'(name="csrf_token"[^>]*value=)"[^"]+"', r"\1", html)

    assert page(wrong, world.reviewer.email) == page(unknown, "nobody@example.com")


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
    assert again.exit_code != 0 and "already uses this email" in again.output
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


def _slow_checks(monkeypatch, seconds: float = 0.2) -> list[str]:  # type: ignore[no-untyped-def]
    """Make every password check take ``seconds`` (as argon2 does in production) and record it,
    so parallel attempts overlap while their passwords are being checked."""
    checked: list[str] = []
    real = auth_services.verify_password

    def slow(password_hash, password):  # type: ignore[no-untyped-def]
        checked.append(password)
        time.sleep(seconds)
        return real(password_hash, password)

    monkeypatch.setattr(auth_services, "verify_password", slow)
    return checked


def _parallel(app, count: int, email: str, address=lambda n: "10.1.1.1"):  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(count)

    def attempt(n: int) -> int:
        client = app.test_client()
        barrier.wait(timeout=30)
        response = client.post(
            "/login",
            data={"email": email, "password": f"guess-{n}"},
            environ_base={"REMOTE_ADDR": address(n)},
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(attempt, range(count)))


def test_parallel_attempts_from_one_address_never_check_more_passwords_than_the_limit(
    database_url, monkeypatch
):
    app = make_app(database_url, LOGIN_RATE_LIMIT="5 per 15 minutes")
    checked = _slow_checks(monkeypatch)
    statuses = _parallel(app, 20, "someone@example.com")
    assert len(checked) == 5
    assert statuses.count(200) == 5 and statuses.count(429) == 15


def test_parallel_attempts_on_one_account_from_many_addresses_hold_the_limit(
    database_url, monkeypatch
):
    app = make_app(database_url, LOGIN_RATE_LIMIT="5 per 15 minutes")
    checked = _slow_checks(monkeypatch)
    statuses = _parallel(app, 20, "target@example.com", address=lambda n: f"10.2.0.{n + 1}")
    assert len(checked) == 5
    assert statuses.count(429) == 15


def test_successful_sign_ins_do_not_count(database_url, world: World):
    app = make_app(database_url, LOGIN_RATE_LIMIT="2 per 15 minutes")
    with app.app_context():
        for _ in range(4):
            client = app.test_client()
            assert _attempt(client, world.reviewer.email, f.PASSWORD).status_code == 302
        client = app.test_client()
        assert _attempt(client, world.reviewer.email, "wrong").status_code == 200


def test_a_locked_account_is_explained_with_the_wait_and_the_way_out(database_url, world: World):
    app = make_app(database_url, LOGIN_RATE_LIMIT="2 per 15 minutes")
    with app.app_context():
        for n in range(2):
            client = app.test_client()
            client.post(
                "/login",
                data={"email": world.reviewer.email, "password": "guess"},
                environ_base={"REMOTE_ADDR": f"10.3.0.{n + 1}"},
            )
        locked = app.test_client().post(
            "/login",
            data={"email": world.reviewer.email, "password": "guess"},
            environ_base={"REMOTE_ADDR": "10.3.0.9"},
        )
    assert locked.status_code == 429
    text = _error_text(locked)
    assert "Too many failed sign-ins for this account." in text
    assert "wait 15 minutes, then try again" in text
    assert "a new password by e-mail" in text and "ask an administrator to set one" in text
    assert "this address" not in text
    # An unknown e-mail gets the same page, so the lock tells nobody an account exists.
    with app.app_context():
        for n in range(3):
            unknown = app.test_client().post(
                "/login",
                data={"email": "nobody@example.com", "password": "guess"},
                environ_base={"REMOTE_ADDR": f"10.4.0.{n + 1}"},
            )
    assert unknown.status_code == 429
    assert _error_text(unknown).replace("nobody@example.com", "E") == text.replace(
        world.reviewer.email, "E"
    )


def test_a_stranger_cannot_lock_the_owner_out_of_a_browser_they_signed_in_on(
    database_url, world: World
):
    app = make_app(database_url, LOGIN_RATE_LIMIT="3 per 15 minutes")
    with app.app_context():
        owner = app.test_client()
        assert _attempt(owner, world.reviewer.email, f.PASSWORD).status_code == 302
        owner.post("/logout", data={})
        assert owner.get_cookie("tracker_device", path="/login") is not None
        for n in range(5):
            app.test_client().post(
                "/login",
                data={"email": world.reviewer.email, "password": "guess"},
                environ_base={"REMOTE_ADDR": f"10.5.0.{n + 1}"},
            )
        stranger = app.test_client().post(
            "/login",
            data={"email": world.reviewer.email, "password": f.PASSWORD},
            environ_base={"REMOTE_ADDR": "10.5.0.99"},
        )
        assert stranger.status_code == 429
        # The owner's browser counts its own failures, not the strangers'.
        assert _attempt(owner, world.reviewer.email, f.PASSWORD).status_code == 302


def test_a_device_cookie_for_another_account_or_forged_gives_no_way_round(
    database_url, world: World
):
    app = make_app(database_url, LOGIN_RATE_LIMIT="2 per 15 minutes")
    with app.app_context():
        mine = app.test_client()
        assert _attempt(mine, world.supervisor.email, f.PASSWORD).status_code == 302
        cookie = mine.get_cookie("tracker_device", path="/login")
        assert cookie is not None
        for n in range(2):
            app.test_client().post(
                "/login",
                data={"email": world.reviewer.email, "password": "guess"},
                environ_base={"REMOTE_ADDR": f"10.6.0.{n + 1}"},
            )
        for value in (cookie.value, cookie.value[:-2] + "xx"):
            other = app.test_client()
            other.set_cookie("tracker_device", value, domain="localhost", path="/login")
            assert _attempt(other, world.reviewer.email, f.PASSWORD).status_code == 429


def test_client_supplied_forwarded_for_entries_do_not_change_the_limit_key(database_url):
    # Behind one proxy, only the address the proxy appended (the right-most entry) counts.
    app = make_app(database_url, LOGIN_RATE_LIMIT="3 per 15 minutes", PROXY_COUNT=1)
    with app.app_context():
        statuses = []
        for n in range(4):
            response = app.test_client().post(
                "/login",
                data={"email": f"user{n}@example.com", "password": "guess"},
                headers={"X-Forwarded-For": f"198.51.100.{n + 1}, 203.0.113.7"},
                environ_base={"REMOTE_ADDR": "127.0.0.1"},
            )
            statuses.append(response.status_code)
    assert statuses == [200, 200, 200, 429]


# NIST SP 800-63B: length, then no common, breached-pattern or personal passwords. The user is
# "Chan Tai Man" <chan.taiman@harbour-bank.example>.
POLICY: list[tuple[str, bool]] = [
    ("aaaaaaaaaaaa", False),  # a repeat
    ("123456789012", False),  # a sequence
    ("password1234", False),  # the most common password, padded
    ("Password123!", False),  # the same with the usual "complexity"
    ("qwertyuiop12", False),  # a keyboard walk
    ("iloveyou2026", False),
    ("sandboxtracker1", False),  # the service's name
    ("chan.taiman-2026", False),  # the e-mail's local part
    ("harbour-bank-secret", False),  # the e-mail's domain
    ("TaiMan-is-my-name", False),  # the user's name
    ("short-pass", False),  # under 12 characters
    ("x" * 201, False),  # over 200
    ("correct-horse-battery", True),
    ("maple-orbit-lantern", True),
    ("Tr0ub4dor&3-kettle", True),
    ("雨後的港灣燈火閃爍不停", False),  # under 12 characters, whatever the script
    ("雨後的港灣燈火閃爍不停的夜晚", True),
]


@pytest.mark.parametrize(("password", "accepted"), POLICY)
def test_password_policy(password: str, accepted: bool) -> None:
    problems = password_problems(
        password, email="chan.taiman@harbour-bank.example", name="Chan Tai Man"
    )
    assert (problems == []) is accepted, problems


def test_changing_to_a_guessable_password_is_refused_beside_the_field(client, world: World):
    login(client, world.reviewer)
    response = client.post(
        "/account",
        data={
            "current_password": f.PASSWORD,
            "new_password": "aaaaaaaaaaaa",
            "confirm": "aaaaaaaaaaaa",
        },
    )
    assert response.status_code == 200
    assert "This password is too easy to guess." in _error_text(response)
    db.session.refresh(world.reviewer)
    assert verify_password(world.reviewer.password_hash, f.PASSWORD)


def test_create_user_command_refuses_a_guessable_password(app, world: World):
    result = app.test_cli_runner().invoke(
        args=["create-user", "--email", "weak@example.com", "--name", "Weak"],
        input="password1234\npassword1234\n",
    )
    assert result.exit_code != 0
    assert "too easy to guess" in result.output
    assert db.session.query(User).filter_by(email="weak@example.com").first() is None


SIGN_IN_UNLIMITED = """
import sys
from tests.conftest import make_app
app = make_app(sys.argv[1], RATELIMIT_ENABLED=False)
response = app.test_client().post("/login", data={"email": sys.argv[2], "password": sys.argv[3]})
print(response.status_code)
"""


def test_sign_in_works_with_rate_limiting_switched_off(database_url: str, world: World) -> None:
    # A process of its own: the limiter is shared by every app of a process, and this one must
    # be the only app, as in a deployment that switches limits off.
    import subprocess
    import sys

    from tests.conftest import ROOT

    done = subprocess.run(
        [sys.executable, "-c", SIGN_IN_UNLIMITED, database_url, world.reviewer.email, f.PASSWORD],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout.strip().splitlines()[-1:] == ["302"], done.stderr[-2000:]


def test_guessing_the_current_password_on_the_account_page_is_throttled(
    app, client, world: World
) -> None:  # type: ignore[no-untyped-def]
    # A stolen session must not be a way to find the password: wrong guesses count as failed
    # sign-ins of the account, and the limit applies.
    app.config["TRACKER_LOGIN_RATE_LIMIT"] = "3 per 15 minutes"
    try:
        login(client, world.reviewer)
        wrong = {
            "current_password": "not-the-password",
            "new_password": "an entirely new passphrase 42",
            "confirm": "an entirely new passphrase 42",
        }
        statuses = [client.post("/account", data=wrong).status_code for _ in range(4)]
        assert statuses[-1] == 429
        page = client.post("/account", data={**wrong, "current_password": f.PASSWORD})
        assert page.status_code == 429  # even the right one waits: the count is full
        assert "Too many wrong passwords" in page.get_data(as_text=True)
    finally:
        app.config["TRACKER_LOGIN_RATE_LIMIT"] = "10 per 15 minutes"
