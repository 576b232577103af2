"""Personal access tokens: created (the secret shown once), found by the hash of the secret,
revoked, and revoked with their user.

The secret is 32 random bytes, so one unsalted SHA-256 is enough to keep it: a slow password
hash protects guessable secrets, and nobody can guess 256 random bits, while a fast hash lets a
request find its token by an indexed lookup. Flushes, never commits.

Two-factor sign-in does not apply here: a token is a credential of its own, made in a signed-in
session (past the second factor, where the user has one) and revocable on the account page."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from tracker.api.models import ApiToken, TokenScope
from tracker.auth.models import User
from tracker.extensions import db, utcnow
from tracker.i18n import gettext as _
from tracker.rules import NotAllowedError, RuleError

TOKEN_PREFIX = "stk_"  # noqa: S105 (the public prefix, not a secret)
MAX_DAYS = 366
# A token's last use is written at most this often, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()


def create_token(
    user: User, name: str, scope: TokenScope, days: int | None, now: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user`` and its secret, which is not kept and cannot be shown again."""
    action = "api_token.create"
    # External experts see only what is assigned to them, on the committee's pages: the API
    # gives them nothing, so they hold no token.
    if not user.active or user.is_expert:
        raise NotAllowedError(action)
    rules = RuleError.collect(action)
    name = (name or "").strip()
    rules.check(bool(name), "name", _("Name the token, e.g. after the system that will use it."))
    rules.check(len(name) <= 100, "name", _("The name is at most 100 characters."))
    rules.check(
        days is None or 1 <= days <= MAX_DAYS,
        "expires_in_days",
        _("A token lasts from 1 to %(max)d days.", max=MAX_DAYS),
    )
    rules.raise_if_any()
    now = now or utcnow()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        secret_hash=hash_secret(secret),
        scope=scope,
        created_at=now,
        expires_at=now + timedelta(days=days) if days else None,
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


def find_token(secret: str) -> ApiToken | None:
    """The token with this secret, whatever its state."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    return db.session.scalar(
        sa.select(ApiToken)
        .where(ApiToken.secret_hash == hash_secret(secret))
        .options(joinedload(ApiToken.user).joinedload(User.institution))
    )


def note_use(token: ApiToken, now: datetime) -> bool:
    """Record that the token was used, unless that was recorded a moment ago."""
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return False
    token.last_used_at = now
    db.session.flush()
    return True


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
        )
    )


def revoke_token(token: ApiToken, user: User, now: datetime | None = None) -> None:
    """The owner revokes one of their tokens; revoking twice changes nothing."""
    if token.user_id != user.id:
        raise NotAllowedError("api_token.revoke")
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        db.session.flush()


@sa.event.listens_for(Session, "before_flush")
def _revoke_with_user(session: Session, _context: Any, _instances: Any) -> None:
    """Deactivating a user revokes their tokens in the same transaction, wherever it is done."""
    deactivated = [
        obj.id
        for obj in session.dirty
        if isinstance(obj, User)
        and obj.id is not None
        and sa.inspect(obj).attrs.active.history.added == [False]
    ]
    if deactivated:
        with session.no_autoflush:
            session.execute(
                sa.update(ApiToken)
                .where(ApiToken.user_id.in_(deactivated), ApiToken.revoked_at.is_(None))
                .values(revoked_at=utcnow())
                .execution_options(synchronize_session=False)
            )
