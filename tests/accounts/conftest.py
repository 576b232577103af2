"""Fixtures for account e-mails and two-factor sign-in: the real SMTP server of the
notification tests, the link read from a received e-mail, and TOTP codes at the frozen time."""

from __future__ import annotations

import re
from datetime import datetime
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient

from tests.conftest import World, login
from tests.notifications.conftest import SmtpServer, parts, smtp  # noqa: F401 (the fixture)
from tracker.auth import totp
from tracker.auth.models import User
from tracker.extensions import db, utcnow
from tracker.unit_of_work import unit_of_work

LINK_RE = re.compile(r"https?://[^\s\"<>]+/(?:login/reset|invitation)/[0-9a-f]+")
NEW_PASSWORD = "lantern-orchard-velvet-42"
MOMENT = datetime(2026, 3, 2, 1, 0)  # naive UTC, a Monday morning in Hong Kong


def link_in(message: EmailMessage) -> str:
    """The path of the one account link in the e-mail, the same in its text and HTML."""
    text, html = parts(message)
    found = set(LINK_RE.findall(text))
    assert len(found) == 1, text
    (url,) = found
    assert url in html
    return urlsplit(url).path


def mail_to(server: SmtpServer, address: str) -> EmailMessage:
    received = server.inbox.by_recipient(address)
    assert len(received) == 1, f"{len(received)} e-mails to {address}"
    return received[0]


def code_now(user: User, offset: int = 0) -> str:
    """The code the user's authenticator app shows at the tracker's (frozen) time."""
    assert user.totp_secret is not None
    return totp.code_at_step(user.totp_secret, totp.step_at(utcnow()) + offset)


def enrol(user: User) -> list[str]:
    """Turn two-factor sign-in on for ``user`` through the commands; the recovery codes."""
    from tracker.auth import services

    with unit_of_work("test"):
        services.start_two_factor(user)
    with unit_of_work("test"):
        codes = services.confirm_two_factor(user, code_now(user))
    db.session.refresh(user)
    return codes


def signed_in(client: FlaskClient) -> bool:
    return client.get("/account").status_code == 200


@pytest.fixture
def admin_client(client: FlaskClient, world: World) -> FlaskClient:
    login(client, world.admin)
    return client
