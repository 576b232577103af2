"""The main navigation, by role, as data."""

from __future__ import annotations

from tracker.auth.models import Role, User
from tracker.usecases.permissions import can_propose

NAV: dict[Role, tuple[tuple[str, str], ...]] = {
    Role.ADMIN: (
        ("dashboard.index", "Dashboard"),
        ("usecases.index", "Use cases"),
        ("dashboard.board", "Pipeline"),
        ("dashboard.cohorts", "Cohorts"),
        ("dashboard.institutions", "Institutions"),
        ("reports.register", "Reports"),
    ),
    Role.REGULATOR: (
        ("dashboard.index", "Dashboard"),
        ("usecases.queue", "Review queue"),
        ("usecases.index", "Use cases"),
        ("dashboard.board", "Pipeline"),
        ("dashboard.cohorts", "Cohorts"),
        ("dashboard.institutions", "Institutions"),
        ("reports.register", "Reports"),
    ),
    Role.SUPERVISOR: (
        ("dashboard.index", "Dashboard"),
        ("usecases.index", "Use cases"),
        ("dashboard.board", "Pipeline"),
        ("dashboard.cohorts", "Cohorts"),
        ("dashboard.institutions", "Institutions"),
        ("reports.register", "Reports"),
    ),
    Role.INSTITUTION: (
        ("dashboard.index", "Dashboard"),
        ("usecases.index", "Our use cases"),
        ("usecases.new", "New proposal"),
        ("reports.register", "Reports"),
    ),
}

ADMIN_NAV: tuple[tuple[str, str], ...] = (
    ("admin.regulators", "Regulators"),
    ("admin.programmes", "Programmes"),
    ("admin.cohorts", "Cohorts"),
    ("admin.institutions", "Institutions"),
    ("admin.categories", "Categories"),
    ("admin.users", "Users"),
)


# Set-up pages by role, shown in a menu of their own.
SETUP_NAV: dict[Role, tuple[tuple[str, str], ...]] = {
    Role.ADMIN: ADMIN_NAV,
    Role.REGULATOR: (("admin.cohorts", "Cohorts"), ("admin.categories", "Categories")),
    Role.SUPERVISOR: (),
    Role.INSTITUTION: (),
}


def setup_nav_items(user: User) -> tuple[tuple[str, str], ...]:
    return SETUP_NAV[user.role]


def nav_items(user: User) -> tuple[tuple[str, str], ...]:
    """The user's menu: "New proposal" only for those who may propose (not technology
    partners, not users of a deactivated institution)."""
    items = NAV[user.role]
    if user.is_institution_user and not can_propose(user):
        items = tuple(item for item in items if item[0] != "usecases.new")
    return items
