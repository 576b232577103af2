"""Personal access tokens and the responses kept for idempotent POSTs."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.enums import LabelledEnum
from tracker.extensions import Base, enum_column, utcnow


class TokenScope(LabelledEnum):
    READ = ("read", "Read")
    WRITE = ("write", "Read and write")


class ApiToken(Base):
    """A personal access token. Only the SHA-256 of the secret is kept: the secret is shown
    once, when the token is created."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    # The first characters of the token, so that its owner can tell tokens apart in the list.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scope: Mapped[TokenScope] = mapped_column(enum_column(TokenScope, "scope"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    def usable(self, now: datetime) -> bool:
        """Not revoked, not expired, and its user still active (and not an external expert,
        whose role the API gives nothing: a token made before the role changed stops working)."""
        return (
            self.revoked_at is None
            and (self.expires_at is None or self.expires_at > now)
            and self.user.active
            and not self.user.is_expert
        )

    @property
    def can_write(self) -> bool:
        return self.scope is TokenScope.WRITE


class IdempotentResponse(Base):
    """The response to a POST sent with an ``Idempotency-Key``: a retry with the same key (from
    the same token) gets it again instead of acting twice. Kept in the same transaction as the
    change it answers for, so either both exist or neither does."""

    __tablename__ = "api_idempotent_response"
    __table_args__ = (
        sa.UniqueConstraint("token_id", "key", name="uq_api_idempotent_response_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(sa.ForeignKey("api_token.id"))
    key: Mapped[str] = mapped_column(sa.String(200))
    # SHA-256 of the method, path and body: the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[int]
    content_type: Mapped[str] = mapped_column(sa.String(100))
    body: Mapped[str] = mapped_column(sa.Text)
    location: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Webhook(Base):
    """Where an institution's system is told of what happens to its use cases. The secret
    signs every delivery (HMAC), so it is kept as it is, unlike a token's."""

    __tablename__ = "api_webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(sa.ForeignKey("institution.id"), unique=True)
    url: Mapped[str] = mapped_column(sa.String(500))
    secret: Mapped[str] = mapped_column(sa.String(64))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
