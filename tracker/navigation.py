"""The main navigation, by role, as data."""

from __future__ import annotations

from flask import g

from tracker.auth.models import Role, User
from tracker.usecases.permissions import can_propose, can_propose_in
from tracker.usecases.queries import open_cohorts

NAV: dict[Role, tuple[tuple[str, str], ...]] = {
    Role.ADMIN: (
        ("dashboard.index", "Dashboard"),
        ("usecases.index", "Use cases"),
        ("dashboard.board", "Pipeline"),
        ("dashboard.cohorts", "Cohorts"),
        ("dashboard.institutions", "Institutions"),
        ("lessons.search", "Lessons"),
        ("reports.register", "Reports"),
    ),
    Role.REGULATOR: (
        ("dashboard.index", "Dashboard"),
        ("usecases.queue", "Review queue"),
        ("committee.my_reviews", "My reviews"),
        ("usecases.index", "Use cases"),
        ("dashboard.board", "Pipeline"),
        ("dashboard.cohorts", "Cohorts"),
        ("dashboard.institutions", "Institutions"),
        ("lessons.search", "Lessons"),
        ("reports.register", "Reports"),
    ),
    Role.SUPERVISOR: (
        ("dashboard.index", "Dashboard"),
        ("usecases.index", "Use cases"),
        ("dashboard.board", "Pipeline"),
        ("dashboard.cohorts", "Cohorts"),
        ("dashboard.institutions", "Institutions"),
        ("lessons.search", "Lessons"),
        ("reports.register", "Reports"),
    ),
    Role.INSTITUTION: (
        ("dashboard.index", "Dashboard"),
        ("usecases.index", "Our use cases"),
        ("usecases.new", "New proposal"),
        ("reports.register", "Reports"),
    ),
    Role.EXPERT: (("committee.my_reviews", "My reviews"),),
}

ADMIN_NAV: tuple[tuple[str, str], ...] = (
    ("admin.regulators", "Regulators"),
    ("admin.programmes", "Programmes"),
    ("admin.cohorts", "Cohorts"),
    ("admin.institutions", "Institutions"),
    ("admin.categories", "Categories"),
    ("admin.users", "Users"),
    ("clocks.closures", "Working-day calendar"),
    ("notifications.recipients", "Who is told of what"),
)


# Set-up pages by role, shown in a menu of their own.
SETUP_NAV: dict[Role, tuple[tuple[str, str], ...]] = {
    Role.ADMIN: ADMIN_NAV,
    Role.REGULATOR: (("admin.cohorts", "Cohorts"), ("admin.categories", "Categories")),
    Role.SUPERVISOR: (),
    Role.INSTITUTION: (),
    Role.EXPERT: (),
}


def setup_nav_items(user: User) -> tuple[tuple[str, str], ...]:
    return SETUP_NAV[user.role]


def may_start_proposal(user: User) -> bool:
    """Whether "New proposal" leads anywhere: the user may propose (not a technology partner,
    not a deactivated institution) and an open cohort takes proposals from their institution.
    Worked out once per request, as the menu and the page both ask."""
    if not can_propose(user):
        return False
    if "may_start_proposal" not in g:
        g.may_start_proposal = any(can_propose_in(user, c) for c in open_cohorts())
    return bool(g.may_start_proposal)


def nav_items(user: User) -> tuple[tuple[str, str], ...]:
    """The user's menu: "New proposal" only when it leads to a cohort open to them."""
    items = NAV[user.role]
    if user.is_institution_user and not may_start_proposal(user):
        items = tuple(item for item in items if item[0] != "usecases.new")
    return items
