"""Account commands: creating and changing accounts, passwords, sessions.

Each command checks the actor's permission and every rule, raises ``RuleError`` with a message
per field, flushes and records an event; the caller's unit of work commits.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from tracker.admin.permissions import Area, can_deactivate_user, can_enter
from tracker.auth.models import Role, User
from tracker.auth.passwords import hash_password, needs_rehash, password_problems, verify_password
from tracker.extensions import db, utcnow
from tracker.organisations.models import Institution, Regulator
from tracker.organisations.queries import is_taken
from tracker.organisations.services import record_changed
from tracker.rules import NotAllowedError, RuleCollector, RuleError


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
    return user


def revoke_sessions(user: User) -> None:
    """Invalidate every session cookie issued to this user."""
    user.session_version += 1
    db.session.flush()


@dataclass(frozen=True)
class AccountData:
    """What an administrator (or the command line) types for an account."""

    email: str
    name: str
    role: Role
    regulator_id: int | None = None
    institution_id: int | None = None


def _allow(actor: User | None, action: str) -> None:
    # No actor means the operator at the command line (or the seeders), who already holds
    # the keys to the database.
    if actor is not None and not can_enter(actor, Area.USERS):
        raise NotAllowedError(action)


def _check_account(
    rules: RuleCollector, data: AccountData, current: User | None, actor: User | None
) -> tuple[str, str, int | None, int | None]:
    """Every rule on an account's details; returns the email, name and organisation to store
    (only the organisation the role calls for is kept, as the database also checks)."""
    email, name = normalise_email(data.email), data.name.strip()
    if rules.check(bool(email), "email", "Enter an email address.") and rules.check(
        len(email) <= 254, "email", "Use at most 254 characters."
    ):
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            rules.add("email", "Enter a valid email address.")
        else:
            rules.check(
                not is_taken(User.email, email, exclude_id=current.id if current else None),
                "email",
                "Another account already uses this email address.",
            )
    if rules.check(bool(name), "name", "Enter a name."):
        rules.check(len(name) <= 200, "name", "Use at most 200 characters.")
    if current is not None and actor is not None and current.id == actor.id:
        rules.check(
            data.role is Role.ADMIN, "role", "You cannot remove your own administrator role."
        )
    regulator_id = institution_id = None
    if data.role in (Role.REGULATOR, Role.SUPERVISOR):
        regulator_id = data.regulator_id
        rules.check(
            regulator_id is not None and db.session.get(Regulator, regulator_id) is not None,
            "regulator_id",
            "Choose the regulator this person works for.",
        )
    elif data.role is Role.INSTITUTION:
        institution_id = data.institution_id
        rules.check(
            institution_id is not None and db.session.get(Institution, institution_id) is not None,
            "institution_id",
            "Choose the institution this person works for.",
        )
    elif data.role is Role.EXPERT:
        # Independent, or of an institution (a university, a technology partner): never of
        # a regulator, whose staff sit on committees as regulator staff.
        institution_id = data.institution_id
        rules.check(
            institution_id is None or db.session.get(Institution, institution_id) is not None,
            "institution_id",
            "Choose the institution this expert works for, or none.",
        )
    return email, name, regulator_id, institution_id


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    role: Role,
    regulator_id: int | None = None,
    institution_id: int | None = None,
    actor: User | None = None,
) -> User:
    """Create an account with an initial password that meets the policy."""
    _allow(actor, "user.create")
    data = AccountData(email, name, role, regulator_id, institution_id)
    rules = RuleError.collect("user.create")
    email, name, regulator_id, institution_id = _check_account(rules, data, None, actor)
    for problem in password_problems(password, email=email, name=name):
        rules.add("password", problem)
    rules.raise_if_any()
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        role=role,
        regulator_id=regulator_id,
        institution_id=institution_id,
    )
    db.session.add(user)
    db.session.flush()
    record_changed(actor, "user", user.id, "create")
    return user


def update_user(actor: User, user: User, data: AccountData, new_password: str | None) -> None:
    """Update an account. A new password (checked against the policy) signs the user out of
    every session."""
    _allow(actor, "user.update")
    rules = RuleError.collect("user.update")
    email, name, regulator_id, institution_id = _check_account(rules, data, user, actor)
    if new_password:
        for problem in password_problems(new_password, email=email, name=name):
            rules.add("new_password", problem)
    rules.raise_if_any()
    user.email, user.name, user.role = email, name, data.role
    user.regulator_id, user.institution_id = regulator_id, institution_id
    db.session.flush()
    if new_password:
        user.password_hash = hash_password(new_password)
        revoke_sessions(user)
    record_changed(actor, "user", user.id, "update")


def set_user_active(actor: User, user: User, active: bool) -> None:
    """Deactivate an account, revoking every session it holds, or reactivate it. Nobody
    deactivates their own account (that would lock them out)."""
    change = "reactivate" if active else "deactivate"
    _allow(actor, f"user.{change}")
    if not active and not can_deactivate_user(actor, user):
        raise RuleError("You cannot deactivate your own account.", "user.deactivate")
    user.active = active
    if not active:
        revoke_sessions(user)
    db.session.flush()
    record_changed(actor, "user", user.id, change)


def change_password(user: User, current_password: str, new_password: str) -> None:
    """The signed-in user changes their own password: the current one first, then the policy.
    Every other session is signed out."""
    rules = RuleError.collect("auth.password_change")
    if not verify_password(user.password_hash, current_password):
        rules.add("current_password", "The current password is not correct.")
    else:
        for problem in password_problems(new_password, email=user.email, name=user.name):
            rules.add("new_password", problem)
    rules.raise_if_any()
    user.password_hash = hash_password(new_password)
    revoke_sessions(user)
    record_changed(user, "user", user.id, "password")
