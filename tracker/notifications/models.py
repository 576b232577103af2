"""Notifications, each user's choices per kind, and the e-mail outbox.

``kind`` is a plain string naming an entry of ``kinds.KINDS``: a new kind (a return falling due,
a password reset) is a new entry there, never a change to these tables.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import AccountToken, User
from tracker.enums import LabelledEnum
from tracker.extensions import Base, enum_column, utcnow


class Delivery(LabelledEnum):
    """How a user is told of one kind: every choice but ``OFF`` shows in the centre."""

    IMMEDIATE = ("immediate", "At once, by e-mail")
    DIGEST = ("digest", "In the daily digest e-mail")
    OFF = ("off", "Not at all")


class MailStatus(LabelledEnum):
    QUEUED = ("queued", "Waiting to be sent")
    SENDING = ("sending", "Being sent")
    SENT = ("sent", "Sent")
    FAILED = ("failed", "Not delivered")
    SKIPPED = ("skipped", "Not sent")


class Notification(Base):
    """One person told of one event. A person is told of an event once."""

    __tablename__ = "notification"
    __table_args__ = (
        sa.UniqueConstraint("event_key", "user_id", name="uq_notification_event_user"),
        sa.Index("ix_notification_user_read", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    # What happened, unique per event (``message:12``, ``transition:40``).
    event_key: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # What the notification is about, checked again whenever it is shown or sent: someone who
    # may no longer see the use case (or the report) is no longer shown what it said.
    use_case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("use_case.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("issued_report.id"))
    regulator_only: Mapped[bool] = mapped_column(default=False)
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    # The page it links to, as an endpoint and its arguments.
    endpoint: Mapped[str] = mapped_column(sa.String(80))
    url_params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    anchor: Mapped[str] = mapped_column(sa.String(40), default="")
    delivery: Mapped[Delivery] = mapped_column(enum_column(Delivery, "delivery"))
    # The e-mail that carries it (its own, or a digest), once there is one.
    mail_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbound_mail.id"), index=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    @property
    def unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(Base):
    """A user's choice for one kind; without a row the kind's default applies."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    delivery: Mapped[Delivery] = mapped_column(enum_column(Delivery, "delivery"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OutboundMail(Base):
    """One e-mail to send: of one notification, or one user's digest of a day (the
    notifications it carries point at it). The row is the truth: ``key`` is unique, so an event
    dispatched twice queues one e-mail; a job sends it once (claimed with a conditional UPDATE),
    a sweep re-queues what a dead worker left, and the outcome stays on the row."""

    __tablename__ = "outbound_mail"
    __table_args__ = (sa.Index("ix_outbound_mail_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # ``notification:<id>``, ``digest:<user id>:<day>`` or ``account:<token id>``.
    key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    digest_day: Mapped[date | None]
    # An account e-mail (a password-reset or invitation link) carries no notification.
    account_token_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account_token.id"))
    status: Mapped[MailStatus] = mapped_column(
        enum_column(MailStatus, "status"), default=MailStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # Recorded when it is sent (the address may change before then).
    to_address: Mapped[str] = mapped_column(sa.String(254), default="")
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    message_id: Mapped[str] = mapped_column(sa.String(200), default="")
    outcome: Mapped[str] = mapped_column(sa.Text, default="")
    # The message as sent (the local outbox shows it when no mail server is configured).
    raw: Mapped[str] = mapped_column(sa.Text, default="", deferred=True)

    user: Mapped[User] = relationship()
    notifications: Mapped[list[Notification]] = relationship(order_by="Notification.created_at")
    account_token: Mapped[AccountToken | None] = relationship()

    @property
    def is_digest(self) -> bool:
        return self.digest_day is not None
