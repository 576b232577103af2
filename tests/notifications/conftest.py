"""Fixtures for notification tests: more people around the world's programme, a use case naming
the partner, commands run in a unit of work, and a real SMTP server that keeps what it receives.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask

from tests import factories as f
from tests.conftest import World
from tracker.auth.models import Role, User
from tracker.extensions import db, utcnow
from tracker.notifications import jobs as mail_jobs
from tracker.notifications.models import Notification, OutboundMail
from tracker.unit_of_work import unit_of_work
from tracker.usecases.models import Stage, UseCase


@dataclass
class People:
    """The world, with a second user at the bank and a second HKMA reviewer."""

    w: World
    bank_colleague: User
    hkma_colleague: User

    def __getattr__(self, name: str) -> Any:
        return getattr(self.w, name)

    def everyone(self) -> dict[str, User]:
        return {
            "admin": self.w.admin,
            "reviewer": self.w.reviewer,
            "hkma_colleague": self.hkma_colleague,
            "sfc_reviewer": self.w.sfc_reviewer,
            "ia_reviewer": self.w.ia_reviewer,
            "supervisor": self.w.supervisor,
            "bank_user": self.w.bank_user,
            "bank_colleague": self.bank_colleague,
            "other_bank_user": self.w.other_bank_user,
            "partner_user": self.w.partner_user,
        }


@pytest.fixture
def people(world: World) -> People:
    p = People(
        w=world,
        bank_colleague=f.create_user(
            Role.INSTITUTION, institution=world.bank, email="colleague@bank.example.com"
        ),
        hkma_colleague=f.create_user(
            Role.REGULATOR, regulator=world.hkma, email="colleague@hkma.example.com"
        ),
    )
    db.session.commit()
    return p


def use_case_at(p: People, stage: Stage, **kw: Any) -> UseCase:
    """The bank's use case naming the partner, at ``stage`` (made directly: no events)."""
    uc = f.create_use_case(p.cohort, p.bank, p.category, stage=stage, partners=[p.partner], **kw)
    db.session.commit()
    return uc


def run(command: Callable[[], Any]) -> Any:
    """Run a command as an adapter does: one unit of work, events after the commit."""
    with unit_of_work("test"):
        result = command()
    return result


def told(p: People) -> dict[str, str]:
    """Who was told, by name in ``People.everyone``, and the kind they were told under (kinds
    joined by "+" for someone told twice, of two things that happened)."""
    db.session.expire_all()
    names = {u.id: name for name, u in p.everyone().items()}
    kinds: dict[str, list[str]] = {}
    for row in db.session.execute(sa.select(Notification.user_id, Notification.kind)):
        kinds.setdefault(names.get(row.user_id, f"user {row.user_id}"), []).append(row.kind)
    return {name: "+".join(sorted(k)) for name, k in kinds.items()}


def mails() -> list[OutboundMail]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboundMail).order_by(OutboundMail.id)))


# ---------------------------------------------------------------- a real SMTP server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Inbox:
    """What the SMTP server received, and switches to make it refuse."""

    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # addresses answered 550
    arrived: threading.Event = field(default_factory=threading.Event)

    def by_recipient(self, address: str) -> list[EmailMessage]:
        return [
            m for m, rcpt in zip(self.messages, self.recipients, strict=True) if address in rcpt
        ]


class Handler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook names)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.inbox.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.inbox.messages.append(message)
        self.inbox.recipients.append(list(envelope.rcpt_tos))
        self.inbox.arrived.set()
        return "250 Message accepted"


class SmtpServer:
    """An aiosmtpd server on a free port, started and stopped by the test."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(Handler(self.inbox), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """A running SMTP server, and the app sending to it."""
    server = SmtpServer()
    server.start()
    monkeypatch.setitem(app.config, "TRACKER_MAIL_URL", server.url)
    monkeypatch.setitem(app.config, "TRACKER_MAIL_TIMEOUT_SECONDS", 5)
    try:
        yield server
    finally:
        server.stop()


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


class Clock:
    """The time the mail jobs read, moved by the test."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def at(self, when: datetime) -> datetime:
        self.now = when
        return when


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    frozen = Clock()
    monkeypatch.setattr(mail_jobs, "utcnow", frozen)
    return frozen
