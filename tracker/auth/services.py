"""Account commands: creating and inviting accounts, changing them, passwords and password
resets, sessions, and two-factor sign-in.

Each command checks the actor's permission and every rule, raises ``RuleError`` with a message
per field, flushes and records an event; the caller's unit of work commits.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy.orm import joinedload

from tracker import events
from tracker.admin.permissions import Area, can_deactivate_user, can_enter
from tracker.auth import links, totp
from tracker.auth.models import (
    AccountToken,
    RecoveryCode,
    Role,
    TokenPurpose,
    TwoFactorRequirement,
    User,
)
from tracker.auth.passwords import hash_password, needs_rehash, password_problems, verify_password
from tracker.extensions import db, utcnow
from tracker.i18n import gettext as _
from tracker.notifications.kinds import ACCOUNT_MAIL
from tracker.organisations.models import Institution, Regulator
from tracker.organisations.queries import is_taken
from tracker.organisations.services import record_changed
from tracker.rules import NotAllowedError, RuleCollector, RuleError
from tracker.sealed import UnreadableSealedValueError

log = logging.getLogger(__name__)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def load_user(session_id: str) -> User | None:
    """Flask-Login loader: the id carries the session version, so revoked sessions fail."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    # With the organisation every page's header names: one query, not two.
    user = db.session.get(
        User,
        int(user_id),
        options=[joinedload(User.regulator), joinedload(User.institution)],
    )
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


def find_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def check_password(email: str, password: str) -> User | None:
    """The active user for these credentials, or None. Unknown emails, and accounts with no
    password yet, cost the same time. Signs nobody in: a second factor may follow."""
    user = find_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.flush()
    return user


def signed_in(user: User) -> None:
    """Record a completed sign-in (after the second factor, where there is one)."""
    user.last_login_at = utcnow()
    db.session.flush()


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
    if rules.check(bool(email), "email", _("Enter an email address.")) and rules.check(
        len(email) <= 254, "email", _("Use at most 254 characters.")
    ):
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            rules.add("email", _("Enter a valid email address."))
        else:
            rules.check(
                not is_taken(User.email, email, exclude_id=current.id if current else None),
                "email",
                _("Another account already uses this email address."),
            )
    if rules.check(bool(name), "name", _("Enter a name.")):
        rules.check(len(name) <= 200, "name", _("Use at most 200 characters."))
    if current is not None and actor is not None and current.id == actor.id:
        rules.check(
            data.role is Role.ADMIN, "role", _("You cannot remove your own administrator role.")
        )
    regulator_id = institution_id = None
    if data.role in (Role.REGULATOR, Role.SUPERVISOR):
        regulator_id = data.regulator_id
        rules.check(
            regulator_id is not None and db.session.get(Regulator, regulator_id) is not None,
            "regulator_id",
            _("Choose the regulator this person works for."),
        )
    elif data.role is Role.INSTITUTION:
        institution_id = data.institution_id
        rules.check(
            institution_id is not None and db.session.get(Institution, institution_id) is not None,
            "institution_id",
            _("Choose the institution this person works for."),
        )
    elif data.role is Role.EXPERT:
        # Independent, or of an institution (a university, a technology partner): never of
        # a regulator, whose staff sit on committees as regulator staff.
        institution_id = data.institution_id
        rules.check(
            institution_id is None or db.session.get(Institution, institution_id) is not None,
            "institution_id",
            _("Choose the institution this expert works for, or none."),
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
    """Create an account with an initial password that meets the policy (the command line's
    first administrator, the demo accounts). Administrators invite people instead."""
    _allow(actor, "user.create")
    data = AccountData(email, name, role, regulator_id, institution_id)
    rules = RuleError.collect("user.create")
    email, name, regulator_id, institution_id = _check_account(rules, data, None, actor)
    for problem in password_problems(password, email=email, name=name):
        rules.add("password", problem)
    rules.raise_if_any()
    user = _add_user(email, name, hash_password(password), role, regulator_id, institution_id)
    record_changed(actor, "user", user.id, "create")
    return user


def _add_user(
    email: str,
    name: str,
    password_hash: str,
    role: Role,
    regulator_id: int | None,
    institution_id: int | None,
) -> User:
    user = User(
        email=email,
        name=name,
        password_hash=password_hash,
        role=role,
        regulator_id=regulator_id,
        institution_id=institution_id,
    )
    db.session.add(user)
    db.session.flush()
    return user


def invite_user(actor: User, data: AccountData) -> User:
    """Create an account without a password and e-mail its owner a link to set one (valid for
    ``TRACKER_INVITATION_DAYS``). Nobody but the owner ever knows the password."""
    _allow(actor, "user.invite")
    rules = RuleError.collect("user.invite")
    email, name, regulator_id, institution_id = _check_account(rules, data, None, actor)
    rules.raise_if_any()
    user = _add_user(email, name, "", data.role, regulator_id, institution_id)
    record_changed(actor, "user", user.id, "invite")
    _send_link(user, TokenPurpose.INVITATION, actor)
    return user


def resend_invitation(actor: User, user: User) -> AccountToken:
    """A new invitation link for someone who has not accepted yet; earlier links stop
    working."""
    _allow(actor, "user.invite")
    if user.has_password:
        raise RuleError(
            _("%(name)s has already accepted the invitation.", name=user.name), "user.invite"
        )
    if not user.active:
        raise RuleError(_("Reactivate the account before inviting its owner again."), "user.invite")
    record_changed(actor, "user", user.id, "invite_again")
    return _send_link(user, TokenPurpose.INVITATION, actor)


def _lifetime(purpose: TokenPurpose) -> timedelta:
    config = current_app.config
    if purpose is TokenPurpose.INVITATION:
        return timedelta(days=config["TRACKER_INVITATION_DAYS"])
    return timedelta(minutes=config["TRACKER_PASSWORD_RESET_MINUTES"])


def _revoke_links(user: User, purposes: tuple[TokenPurpose, ...]) -> None:
    """Void every link of these purposes the user has not used."""
    db.session.execute(
        sa.update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose.in_(purposes),
            AccountToken.used_at.is_(None),
            AccountToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _send_link(user: User, purpose: TokenPurpose, actor: User | None) -> AccountToken:
    """A new link of ``purpose`` replacing the user's earlier ones, and its e-mail in the
    outbox (sent once the unit of work commits)."""
    from tracker.notifications.models import OutboundMail

    _revoke_links(user, (purpose,))
    now = utcnow()
    nonce = links.new_nonce()
    token = AccountToken(
        user_id=user.id,
        purpose=purpose,
        nonce=nonce,
        token_hash=links.digest(links.token_for(nonce)),
        created_at=now,
        expires_at=now + _lifetime(purpose),
        created_by_id=actor.id if actor else None,
    )
    db.session.add(token)
    db.session.flush()
    mail = OutboundMail(
        key=f"account:{token.id}",
        user_id=user.id,
        account_token_id=token.id,
        subject=ACCOUNT_MAIL[str(purpose.value)].subject,
        created_at=now,
        next_attempt_at=now,
    )
    db.session.add(mail)
    db.session.flush()
    events.record(
        events.AccountMailQueued(
            actor_id=actor.id if actor else None,
            mail_id=mail.id,
            user_id=user.id,
            kind=str(purpose.value),
        )
    )
    return token


def request_password_reset(email: str) -> AccountToken | None:
    """Someone typed ``email`` on the "forgot your password" page. An active account with that
    address gets a reset link by e-mail; any other address gets nothing. The caller answers
    the same either way (and runs this in the background, so neither does its timing tell)."""
    user = find_by_email(email)
    if user is None or not user.active or not user.email:
        current_app.logger.info("password reset asked for an address with no active account")
        return None
    return _send_link(user, TokenPurpose.PASSWORD_RESET, None)


def usable_link(token: str, purpose: TokenPurpose) -> AccountToken | None:
    """The link this token opens, while it is unused, not replaced, not expired, and its
    account active; otherwise None."""
    if not token or len(token) > 128:
        return None
    link = db.session.scalar(
        sa.select(AccountToken).where(
            AccountToken.token_hash == links.digest(token), AccountToken.purpose == purpose
        )
    )
    if link is None or not link.usable(utcnow()) or not link.user.active:
        return None
    if purpose is TokenPurpose.INVITATION and link.user.has_password:
        return None
    return link


def set_password_by_link(token: str, purpose: TokenPurpose, new_password: str) -> User:
    """Set a password through a reset or invitation link: the link is used up, every other
    link of the user is void, and every session of the user is signed out."""
    action = f"auth.{purpose.value}"
    link = usable_link(token, purpose)
    if link is None:
        raise RuleError(
            _("This link has expired or has already been used. Ask for a new one."), action
        )
    user = link.user
    rules = RuleError.collect(action)
    for problem in password_problems(new_password, email=user.email, name=user.name):
        rules.add("new_password", problem)
    rules.raise_if_any()
    # A conditional UPDATE: of two requests racing with one link, one sets the password.
    used = db.session.execute(
        sa.update(AccountToken)
        .where(
            AccountToken.id == link.id,
            AccountToken.used_at.is_(None),
            AccountToken.revoked_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if not used.rowcount:  # type: ignore[attr-defined]
        raise RuleError(
            _("This link has expired or has already been used. Ask for a new one."), action
        )
    _revoke_links(user, tuple(TokenPurpose))
    user.password_hash = hash_password(new_password)
    revoke_sessions(user)
    change = "invitation_accepted" if purpose is TokenPurpose.INVITATION else "password_reset"
    record_changed(user, "user", user.id, change)
    return user


def pending_invitations(user_ids: list[int]) -> dict[int, AccountToken]:
    """The latest invitation of each of these users who has not accepted one (used or not,
    expired or not: the list shows which)."""
    if not user_ids:
        return {}
    rows = db.session.scalars(
        sa.select(AccountToken)
        .join(User, User.id == AccountToken.user_id)
        .where(
            AccountToken.user_id.in_(user_ids),
            AccountToken.purpose == TokenPurpose.INVITATION,
            AccountToken.revoked_at.is_(None),
            User.password_hash == "",
        )
        .order_by(AccountToken.created_at, AccountToken.id)
    )
    return {row.user_id: row for row in rows}


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
        raise RuleError(_("You cannot deactivate your own account."), "user.deactivate")
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
        rules.add("current_password", _("The current password is not correct."))
    else:
        for problem in password_problems(new_password, email=user.email, name=user.name):
            rules.add("new_password", problem)
    rules.raise_if_any()
    user.password_hash = hash_password(new_password)
    revoke_sessions(user)
    record_changed(user, "user", user.id, "password")


def set_language(user: User, code: str) -> None:
    """The user's interface language, for their pages, e-mails and reports."""
    from tracker.i18n import LANGUAGES, normalise

    language = normalise(code)
    if language not in LANGUAGES:
        rules = RuleError.collect("auth.set_language")
        rules.add("language", _("Choose English or Traditional Chinese."))
        rules.raise_if_any()
    if user.language != language:
        user.language = language
        record_changed(user, "user", user.id, "language")


# Two-factor sign-in ---------------------------------------------------------------------------


def required_roles() -> set[Role]:
    """The roles whose users must sign in with a second factor."""
    values = set(
        db.session.scalars(
            sa.select(TwoFactorRequirement.role).where(TwoFactorRequirement.required)
        )
    )
    return {role for role in Role if role.value in values}


def two_factor_required(user: User) -> bool:
    return user.role in required_roles()


def set_two_factor_requirements(actor: User, required: Mapping[Role, bool]) -> list[Role]:
    """Set which roles must use a second factor. Users of a role newly required who have not
    enrolled are signed out, so their next sign-in takes them to enrolment; returns the roles
    newly required."""
    _allow(actor, "user.two_factor_policy")
    before = required_roles()
    rows = {r.role: r for r in db.session.scalars(sa.select(TwoFactorRequirement))}
    now = utcnow()
    for role, value in required.items():
        row = rows.get(str(role.value))
        if row is None:
            row = TwoFactorRequirement(role=str(role.value), required=value)
            db.session.add(row)
        elif row.required == value:
            continue
        row.required, row.changed_at, row.changed_by_id = value, now, actor.id
    db.session.flush()
    added = [role for role in Role if required.get(role) and role not in before]
    if added:
        db.session.execute(
            sa.update(User)
            .where(User.role.in_(added), User.totp_enabled_at.is_(None))
            .values(session_version=User.session_version + 1)
            .execution_options(synchronize_session=False)
        )
    record_changed(actor, "two_factor_policy", 0, "update")
    return added


def start_two_factor(user: User) -> str:
    """Begin enrolment: a new secret waits for its first code. Starting again replaces a
    secret that was never confirmed."""
    if user.two_factor_enabled:
        raise RuleError(_("Two-factor sign-in is already on."), "auth.two_factor_start")
    user.totp_secret = totp.new_secret()
    user.totp_enabled_at, user.totp_last_step = None, None
    db.session.flush()
    return user.totp_secret


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = totp.new_recovery_codes()
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=totp.recovery_digest(code)) for code in codes
    )
    db.session.flush()
    return codes


def confirm_two_factor(user: User, code: str) -> list[str]:
    """Finish enrolment with a first code from the app; returns the recovery codes, shown to
    the user this once."""
    action = "auth.two_factor_confirm"
    if user.two_factor_enabled:
        raise RuleError(_("Two-factor sign-in is already on."), action)
    try:
        secret = user.totp_secret
    except UnreadableSealedValueError:
        secret = None
    if secret is None:
        raise RuleError(_("Start the set-up again: no secret is waiting."), action)
    step = totp.matching_step(secret, code, utcnow(), None)
    if step is None:
        raise RuleError(
            {"code": _("This code is not correct. Type the 6 digits the app shows now.")}, action
        )
    user.totp_enabled_at, user.totp_last_step = utcnow(), step
    codes = _new_recovery_codes(user)
    record_changed(user, "user", user.id, "two_factor_on")
    return codes


def verify_second_factor(user: User, code: str) -> str | None:
    """Check a sign-in's second factor: a current code from the app (each accepted once) or an
    unused recovery code (used up). Returns "totp" or "recovery", or None when neither."""
    if not user.two_factor_enabled:
        return None
    if totp.looks_like_recovery_code(code):
        row = db.session.scalar(
            sa.select(RecoveryCode).where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == totp.recovery_digest(code),
                RecoveryCode.used_at.is_(None),
            )
        )
        if row is None:
            return None
        spent = db.session.execute(
            sa.update(RecoveryCode)
            .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if not spent.rowcount:  # type: ignore[attr-defined]
            return None
        record_changed(user, "user", user.id, "recovery_code_used")
        return "recovery"
    try:
        secret = user.totp_secret
    except UnreadableSealedValueError:
        # SECRET_KEY changed since enrolment: no code can match (fail closed); a recovery code
        # or an admin's reset of the second factor still lets the user in.
        log.warning("TOTP secret of user %s cannot be opened with this SECRET_KEY", user.id)
        return None
    if secret is None:
        return None
    step = totp.matching_step(secret, code, utcnow(), user.totp_last_step)
    if step is None:
        return None
    # A conditional UPDATE: two requests racing with one code cannot both pass.
    updated = db.session.execute(
        sa.update(User)
        .where(
            User.id == user.id,
            sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if not updated.rowcount:  # type: ignore[attr-defined]
        return None
    user.totp_last_step = step
    return "totp"


def unused_recovery_codes(user: User) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def _confirm_identity(user: User, secret: str, action: str) -> None:
    """A current code, a recovery code or the password, for turning protection down."""
    if verify_password(user.password_hash, secret):
        return
    if verify_second_factor(user, secret) is None:
        raise RuleError({"confirmation": _("This is not your password or a current code.")}, action)


def new_recovery_codes(user: User, confirmation: str) -> list[str]:
    """Replace the recovery codes (the old ones stop working), confirmed by a code or the
    password."""
    action = "auth.recovery_codes"
    if not user.two_factor_enabled:
        raise RuleError(_("Two-factor sign-in is off."), action)
    _confirm_identity(user, confirmation, action)
    codes = _new_recovery_codes(user)
    record_changed(user, "user", user.id, "recovery_codes_renewed")
    return codes


def _clear_two_factor(user: User) -> None:
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()


def disable_two_factor(user: User, confirmation: str) -> None:
    """The user turns two-factor sign-in off, confirmed by a current code or the password."""
    action = "auth.two_factor_off"
    if not user.two_factor_enabled:
        raise RuleError(_("Two-factor sign-in is already off."), action)
    _confirm_identity(user, confirmation, action)
    _clear_two_factor(user)
    record_changed(user, "user", user.id, "two_factor_off")


def reset_two_factor(actor: User, user: User) -> None:
    """An administrator takes a user's second factor away (a lost phone and no recovery code
    left): the user is signed out everywhere and, where their role requires it, enrols again
    at the next sign-in."""
    _allow(actor, "user.two_factor_reset")
    if not user.two_factor_enabled and user.totp_secret is None:
        raise RuleError(
            _("%(name)s has no two-factor sign-in to reset.", name=user.name),
            "user.two_factor_reset",
        )
    _clear_two_factor(user)
    revoke_sessions(user)
    record_changed(actor, "user", user.id, "two_factor_reset")
