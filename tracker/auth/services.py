"""Account operations. Services flush; the caller commits."""

from __future__ import annotations

import sqlalchemy as sa

from tracker import events
from tracker.auth.models import Role, User
from tracker.auth.passwords import hash_password, needs_rehash, verify_password
from tracker.extensions import db, utcnow


def normalise_email(email: str) -> str:
    return email.strip().lower()


def load_user(session_id: str) -> User | None:
    """Flask-Login loader: the id carries the session version, so revoked sessions fail."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


def find_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """Return the active user for these credentials, or None. Unknown emails cost the same."""
    user = find_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.flush()
    events.record(events.SignedIn(actor_id=user.id))
    return user


def revoke_sessions(user: User) -> None:
    """Invalidate every session cookie issued to this user."""
    user.session_version += 1
    db.session.flush()


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    role: Role,
    regulator_id: int | None = None,
    institution_id: int | None = None,
) -> User:
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        password_hash=hash_password(password),
        role=role,
        regulator_id=regulator_id,
        institution_id=institution_id,
    )
    db.session.add(user)
    db.session.flush()
    return user


def change_password(user: User, new_password: str) -> None:
    user.password_hash = hash_password(new_password)
    revoke_sessions(user)
