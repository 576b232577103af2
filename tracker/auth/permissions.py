"""What each role may do, as data, and the predicates built on it."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TypeVar

from flask import g, has_app_context

from tracker.auth.models import Role, User

T = TypeVar("T")


class Permission(enum.Enum):
    ADMINISTER = "administer"  # reference data and accounts
    VIEW_ALL = "view_all"  # every programme, regardless of remit
    VIEW_REMIT = "view_remit"  # programmes the user's regulator leads or joins
    ACT_AS_REGULATOR = "act_as_regulator"  # review, score, decide, follow pilots
    EXPORT_REPORTS = "export_reports"
    PROPOSE = "propose"  # draft and submit for one's own institution


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset({Permission.ADMINISTER, Permission.VIEW_ALL, Permission.EXPORT_REPORTS}),
    Role.REGULATOR: frozenset(
        {Permission.VIEW_REMIT, Permission.ACT_AS_REGULATOR, Permission.EXPORT_REPORTS}
    ),
    Role.SUPERVISOR: frozenset({Permission.VIEW_REMIT, Permission.EXPORT_REPORTS}),
    Role.INSTITUTION: frozenset({Permission.PROPOSE}),
    # Deny by default: what an external expert sees comes from their committee assignments
    # alone (``tracker.committee.permissions``), never from a role-wide permission.
    Role.EXPERT: frozenset(),
}


def has(user: User, permission: Permission) -> bool:
    return user.is_authenticated and user.active and permission in ROLE_PERMISSIONS[user.role]


def per_user(name: str, user: User, build: Callable[[], T]) -> T:
    """``build()`` once per app context (a request, a job) for this user as they are now.

    For the SQL clauses that say what a user may see: they depend on nothing but who the user
    is (id, role, organisation, whether active), the database answers them when a query runs,
    and a page's dozen queries would otherwise build and traverse the same clause a dozen
    times. A changed role or organisation is another key, so it builds afresh."""
    if not has_app_context() or not user.is_authenticated:
        return build()
    key = (name, user.id, user.role, user.regulator_id, user.institution_id, user.active)
    memo: dict[tuple[object, ...], object] = g.setdefault("_per_user", {})
    if key not in memo:
        memo[key] = build()
    return memo[key]  # type: ignore[return-value]


def can_administer(user: User) -> bool:
    return has(user, Permission.ADMINISTER)
