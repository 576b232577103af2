"""What each role may do, as data, and the predicates built on it."""

from __future__ import annotations

import enum

from tracker.auth.models import Role, User


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


def can_administer(user: User) -> bool:
    return has(user, Permission.ADMINISTER)
