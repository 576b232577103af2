"""User accounts and roles."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.enums import LabelledEnum
from tracker.extensions import Base, enum_column, utcnow
from tracker.organisations.models import Institution, Regulator
from tracker.sealed import seal, unseal


class Role(LabelledEnum):
    ADMIN = ("admin", "Administrator")
    REGULATOR = ("regulator", "Regulator staff")
    SUPERVISOR = ("supervisor", "Supervisor")
    INSTITUTION = ("institution", "Institution user")
    # Sits on selection committees; sees only the proposals assigned to them.
    EXPERT = ("expert", "External expert")


class User(UserMixin, Base):
    __tablename__ = "user_account"
    __table_args__ = (
        # A user belongs to exactly the organisation their role calls for.
        sa.CheckConstraint(
            "(role = 'admin' AND regulator_id IS NULL AND institution_id IS NULL)"
            " OR (role IN ('regulator', 'supervisor') AND regulator_id IS NOT NULL"
            " AND institution_id IS NULL)"
            " OR (role = 'institution' AND institution_id IS NOT NULL AND regulator_id IS NULL)"
            # An external expert: independent, or of an institution (an academic or a
            # technology partner's employee), never of a regulator.
            " OR (role = 'expert' AND regulator_id IS NULL)",
            "organisation",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # Empty until the user sets a password (an invited user who has not accepted yet).
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    regulator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regulator.id"), index=True)
    institution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("institution.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Part of the session identifier: bumping it revokes every session of this user.
    session_version: Mapped[int] = mapped_column(default=1)
    # The interface language the user chose (Babel code, tracker/i18n.py): their pages, their
    # e-mails and the default language of reports they ask for. None: the browser's.
    language: Mapped[str | None] = mapped_column(sa.String(16))
    # Two-factor sign-in (TOTP, RFC 6238): a secret without ``totp_enabled_at`` is an enrolment
    # waiting for its first code. The last time step accepted, so a code is never used twice.
    # The secret is stored sealed (tracker/sealed.py): a copy of the database makes no codes.
    # It is opened only when used (``totp_secret``), so loading a user never needs the key.
    totp_secret_sealed: Mapped[str | None] = mapped_column("totp_secret", sa.String(255))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    regulator: Mapped[Regulator | None] = relationship()
    institution: Mapped[Institution | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    @property
    def totp_secret(self) -> str | None:
        """The TOTP secret in clear; raises ``UnreadableSealedValueError`` if ``SECRET_KEY`` changed
        since it was sealed."""
        return None if self.totp_secret_sealed is None else unseal(self.totp_secret_sealed)

    @totp_secret.setter
    def totp_secret(self, value: str | None) -> None:
        self.totp_secret_sealed = None if value is None else seal(value)

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None and self.totp_secret_sealed is not None

    @property
    def organisation(self) -> Regulator | Institution | None:
        return self.regulator or self.institution

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_regulator_staff(self) -> bool:
        return self.role is Role.REGULATOR

    @property
    def is_supervisor(self) -> bool:
        return self.role is Role.SUPERVISOR

    @property
    def is_institution_user(self) -> bool:
        return self.role is Role.INSTITUTION

    @property
    def is_expert(self) -> bool:
        return self.role is Role.EXPERT

    @property
    def is_regulator_side(self) -> bool:
        """Regulator staff or supervisors: people who work inside a regulator's remit."""
        return self.role in (Role.REGULATOR, Role.SUPERVISOR)

    def __str__(self) -> str:
        return self.name


class TokenPurpose(LabelledEnum):
    PASSWORD_RESET = ("password_reset", "Password reset")
    INVITATION = ("invitation", "Invitation")


class AccountToken(Base):
    """A single-use link sent by e-mail: to set a new password, or to accept an invitation.

    Only the SHA-256 of the token is stored. The token itself is an HMAC of ``nonce`` under the
    application's secret key, so the mail job can put it in the e-mail after the commit, while
    a copy of the database alone gives nobody a usable link."""

    __tablename__ = "account_token"
    __table_args__ = (sa.Index("ix_account_token_user_purpose", "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    purpose: Mapped[TokenPurpose] = mapped_column(enum_column(TokenPurpose, "purpose"))
    nonce: Mapped[str] = mapped_column(sa.String(64))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # Replaced by a newer link, or made void when another link of the user was used.
    revoked_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at


class RecoveryCode(Base):
    """One single-use recovery code for two-factor sign-in, stored as its SHA-256 (the codes
    are random and long, so a fast hash is enough)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class TwoFactorRequirement(Base):
    """Whether the users of a role must sign in with a second factor. The role is stored as its
    value, so a new role needs no change here: without a row, it is not required."""

    __tablename__ = "two_factor_requirement"

    role: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    required: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
