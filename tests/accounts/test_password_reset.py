"""Password reset by an e-mailed, single-use, expiring link: end to end through a real SMTP
server, the same answer for every address, throttling, and what using the link ends."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as f
from tests.accounts.conftest import (
    MOMENT,
    NEW_PASSWORD,
    SmtpServer,
    code_now,
    enrol,
    link_in,
    mail_to,
    signed_in,
)
from tests.conftest import World, login, make_app
from tracker.auth import links, services
from tracker.auth.models import AccountToken, Role, TokenPurpose
from tracker.extensions import db
from tracker.notifications.models import MailStatus, OutboundMail
from tracker.unit_of_work import unit_of_work

Freeze = Callable[[datetime], datetime]


def _ask(client: FlaskClient, email: str) -> tuple[int, str, str]:
    """Ask for a link; the status, where it leads, and the page shown there."""
    response = client.post("/login/forgot", data={"email": email})
    followed = client.get(response.headers.get("Location", "/login"))
    return (
        response.status_code,
        response.headers.get("Location", ""),
        # The CSRF token carries the second it was signed: the same page a second later differs.
        re.sub(r'(name="csrf_token"[^>]*value=)"[^"]+"', r"\1", followed.get_data(as_text=True)),
    )


def _can_sign_in(app: Flask, email: str, password: str) -> bool:
    response = app.test_client().post("/login", data={"email": email, "password": password})
    return response.status_code == 302


def test_reset_end_to_end_through_smtp(app: Flask, world: World, smtp: SmtpServer) -> None:
    user = world.reviewer
    elsewhere = app.test_client()
    login(elsewhere, user)
    client = app.test_client()
    assert "Forgot your password?" in client.get("/login").get_data(as_text=True)

    status, location, page = _ask(client, "  Reviewer@Example.com ")
    assert (status, location) == (302, "/login")
    assert "If an active account uses this address" in page

    message = mail_to(smtp, user.email)
    assert message["Subject"] == "Reset your Sandbox Tracker password"
    assert message["List-Unsubscribe"] is None  # not optional: nothing to unsubscribe from
    path = link_in(message)
    assert path.startswith("/login/reset/")
    # The database holds the token's hash, never the token, nor the sent message.
    token = path.rsplit("/", 1)[1]
    row = db.session.scalar(sa.select(AccountToken))
    assert (
        row is not None
        and row.token_hash == links.digest(token)
        and token not in str([row.nonce, row.token_hash])
    )
    mail = db.session.scalar(sa.select(OutboundMail))
    assert mail is not None and mail.status is MailStatus.SENT and token not in mail.raw

    form = client.get(path)
    assert form.status_code == 200
    assert "Choose a new password" in form.get_data(as_text=True)
    weak = client.post(path, data={"new_password": "password1234", "confirm": "password1234"})
    assert weak.status_code == 200
    assert "too easy to guess" in weak.get_data(as_text=True)

    done = client.post(path, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert (done.status_code, done.headers["Location"]) == (302, "/login")
    assert not _can_sign_in(app, user.email, f.PASSWORD)
    assert _can_sign_in(app, user.email, NEW_PASSWORD)
    assert not signed_in(elsewhere)  # every other session ended

    # The link works once.
    assert client.get(path).status_code == 404
    again = client.post(path, data={"new_password": "another-" + NEW_PASSWORD, "confirm": "x"})
    assert again.status_code == 404
    assert "This link no longer works" in again.get_data(as_text=True)
    assert _can_sign_in(app, user.email, NEW_PASSWORD)


def test_an_expired_link_fails(
    app: Flask, client: FlaskClient, world: World, smtp: SmtpServer, freeze_time: Freeze
) -> None:
    freeze_time(MOMENT)
    _ask(client, world.reviewer.email)
    path = link_in(mail_to(smtp, world.reviewer.email))
    freeze_time(MOMENT + timedelta(minutes=59))
    assert client.get(path).status_code == 200
    freeze_time(MOMENT + timedelta(minutes=60))
    assert client.get(path).status_code == 404
    response = client.post(path, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 404
    assert _can_sign_in(app, world.reviewer.email, f.PASSWORD)


def test_using_a_link_voids_the_users_other_links(
    app: Flask, client: FlaskClient, world: World, smtp: SmtpServer
) -> None:
    _ask(client, world.reviewer.email)
    first = link_in(smtp.inbox.messages[0])
    _ask(client, world.reviewer.email)
    second = link_in(smtp.inbox.messages[1])
    # A newer link replaces the older one.
    assert client.get(first).status_code == 404
    # An invitation still outstanding (made directly here) is void too once a reset is used.
    with unit_of_work("test"):
        invitation = services._send_link(world.reviewer, TokenPurpose.INVITATION, world.admin)
    done = client.post(second, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    db.session.refresh(invitation)
    assert invitation.revoked_at is not None
    assert services.usable_link(second.rsplit("/", 1)[1], TokenPurpose.PASSWORD_RESET) is None


def test_every_address_gets_the_same_answer(app: Flask, world: World, smtp: SmtpServer) -> None:
    gone = f.create_user(Role.INSTITUTION, institution=world.bank, email="gone@example.com")
    gone.active = False
    db.session.commit()
    addresses = {
        "existing": world.bank_user.email,
        "unknown": "nobody@example.com",
        "deactivated": gone.email,
        "not an address": "not an address",
    }
    answers = {name: _ask(app.test_client(), email) for name, email in addresses.items()}
    assert len(set(answers.values())) == 1, answers
    # Only the active account was written to.
    assert [m["To"] for m in smtp.inbox.messages] == [f"{world.bank_user.name} <bank@example.com>"]


def test_every_address_costs_the_request_the_same_work(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page only hands the address to the queue: the lookup happens in the job, so the
    response's timing cannot tell an account exists."""
    queued: list[str] = []
    monkeypatch.setattr("tracker.auth.views.jobs.request_password_reset", queued.append)
    for email in (world.bank_user.email, "nobody@example.com"):
        assert app.test_client().post("/login/forgot", data={"email": email}).status_code == 302
    assert queued == [world.bank_user.email, "nobody@example.com"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccountToken)) == 0


def test_no_link_for_deactivated_accounts_or_accounts_without_address(world: World) -> None:
    world.bank_user.active = False
    # An account with no address at all (possible in data migrated from elsewhere).
    nameless = f.create_user(Role.INSTITUTION, institution=world.bank, email="x@example.com")
    nameless.email = ""
    db.session.commit()
    with unit_of_work("test"):
        assert services.request_password_reset(world.bank_user.email) is None
        assert services.request_password_reset("") is None
        assert services.request_password_reset("nobody@example.com") is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccountToken)) == 0


def test_a_link_stops_working_when_the_account_is_deactivated(
    client: FlaskClient, world: World, smtp: SmtpServer
) -> None:
    _ask(client, world.bank_user.email)
    path = link_in(mail_to(smtp, world.bank_user.email))
    with unit_of_work("test"):
        services.set_user_active(world.admin, world.bank_user, False)
    assert client.get(path).status_code == 404


def test_a_link_sent_after_deactivation_is_not_sent(world: World) -> None:
    """The mail job checks the account again: deactivated in between, nothing goes out."""
    from tracker.notifications import jobs as mail_jobs

    with unit_of_work("test"):
        token = services._send_link(world.bank_user, TokenPurpose.PASSWORD_RESET, None)
        mail = db.session.scalar(
            sa.select(OutboundMail).where(OutboundMail.account_token_id == token.id)
        )
        assert mail is not None
        mail_id = mail.id
        world.bank_user.active = False
        # Committed with the row, before the queue takes it: the subscriber sends it after
        # the commit and finds the account deactivated.
    db.session.expire_all()
    assert db.session.get(OutboundMail, mail_id).status is MailStatus.SKIPPED  # type: ignore[union-attr]
    assert mail_jobs.deliver(mail_id) is None  # done: a second job changes nothing


def test_asking_is_throttled_like_signing_in(database_url: str, world: World) -> None:
    app = make_app(database_url, LOGIN_RATE_LIMIT="2 per 15 minutes")
    with app.app_context():
        for email in (world.bank_user.email, "nobody@example.com"):
            answers = [
                app.test_client()
                .post(
                    "/login/forgot",
                    data={"email": email},
                    environ_base={"REMOTE_ADDR": f"10.4.{n}.{len(email)}"},
                )
                .status_code
                for n in range(3)
            ]
            # The same for an account and for an unknown address.
            assert answers == [302, 302, 429], email
        page = app.test_client().post(
            "/login/forgot",
            data={"email": "nobody@example.com"},
            environ_base={"REMOTE_ADDR": "10.5.0.1"},
        )
        assert "Too many attempts. Wait 15 minutes and try again." in page.get_data(as_text=True)
        # Resets are counted apart: the account's owner can still sign in.
        assert _can_sign_in(app, world.bank_user.email, f.PASSWORD)


def test_a_reset_does_not_skip_the_second_factor(
    app: Flask, client: FlaskClient, world: World, smtp: SmtpServer, freeze_time: Freeze
) -> None:
    freeze_time(MOMENT)
    enrol(world.reviewer)
    _ask(client, world.reviewer.email)
    path = link_in(mail_to(smtp, world.reviewer.email))
    client.post(path, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    response = client.post("/login", data={"email": world.reviewer.email, "password": NEW_PASSWORD})
    assert response.headers["Location"] == "/login/code"
    assert not signed_in(client)
    freeze_time(MOMENT + timedelta(minutes=1))
    response = client.post("/login/code", data={"code": code_now(world.reviewer)})
    assert response.status_code == 302
    assert signed_in(client)


def test_a_signed_in_user_opening_a_link_changes_nothing(
    app: Flask, world: World, smtp: SmtpServer
) -> None:
    stranger = app.test_client()
    _ask(stranger, world.reviewer.email)
    path = link_in(mail_to(smtp, world.reviewer.email))
    someone = app.test_client()
    login(someone, world.bank_user)
    response = someone.post(path, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert _can_sign_in(app, world.reviewer.email, f.PASSWORD)
    assert stranger.get(path).status_code == 200  # still unused


def test_a_link_raced_by_two_requests_sets_one_password(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second of two requests holding one link, past the first's check, is refused."""
    with unit_of_work("test"):
        link = services._send_link(world.bank_user, TokenPurpose.PASSWORD_RESET, None)
    token = links.token_for(link.nonce)
    with unit_of_work("test"):
        services.set_password_by_link(token, TokenPurpose.PASSWORD_RESET, NEW_PASSWORD)
    # As if the second request had loaded the link before the first one committed.
    monkeypatch.setattr(services, "usable_link", lambda _token, _purpose: link)
    with pytest.raises(services.RuleError), unit_of_work("test"):
        services.set_password_by_link(token, TokenPurpose.PASSWORD_RESET, "x-" + NEW_PASSWORD)
    db.session.expire_all()
    assert services.check_password(world.bank_user.email, NEW_PASSWORD) is not None
