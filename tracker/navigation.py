"""The main navigation, by role, as data."""

from __future__ import annotations

from flask import g

from tracker.auth.models import Role, User
from tracker.i18n import N_, gettext
from tracker.usecases.permissions import can_propose, can_propose_in
from tracker.usecases.queries import open_cohorts

NAV: dict[Role, tuple[tuple[str, str], ...]] = {
    Role.ADMIN: (
        ("dashboard.index", N_("Dashboard")),
        ("usecases.index", N_("Use cases")),
        ("dashboard.board", N_("Pipeline")),
        ("dashboard.cohorts", N_("Cohorts")),
        ("dashboard.institutions", N_("Institutions")),
        ("lessons.search", N_("Lessons")),
        ("reports.register", N_("Reports")),
    ),
    Role.REGULATOR: (
        ("dashboard.index", N_("Dashboard")),
        ("usecases.queue", N_("Review queue")),
        ("committee.my_reviews", N_("My reviews")),
        ("usecases.index", N_("Use cases")),
        ("dashboard.board", N_("Pipeline")),
        ("dashboard.cohorts", N_("Cohorts")),
        ("dashboard.institutions", N_("Institutions")),
        ("lessons.search", N_("Lessons")),
        ("reports.register", N_("Reports")),
    ),
    Role.SUPERVISOR: (
        ("dashboard.index", N_("Dashboard")),
        ("usecases.index", N_("Use cases")),
        ("dashboard.board", N_("Pipeline")),
        ("dashboard.cohorts", N_("Cohorts")),
        ("dashboard.institutions", N_("Institutions")),
        ("lessons.search", N_("Lessons")),
        ("reports.register", N_("Reports")),
    ),
    Role.INSTITUTION: (
        ("dashboard.index", N_("Dashboard")),
        ("usecases.index", N_("Our use cases")),
        ("usecases.new", N_("New proposal")),
        ("reports.register", N_("Reports")),
    ),
    Role.EXPERT: (("committee.my_reviews", N_("My reviews")),),
}

ADMIN_NAV: tuple[tuple[str, str], ...] = (
    ("admin.regulators", N_("Regulators")),
    ("admin.programmes", N_("Programmes")),
    ("admin.cohorts", N_("Cohorts")),
    ("admin.institutions", N_("Institutions")),
    ("admin.categories", N_("Categories")),
    ("admin.users", N_("Users")),
    ("clocks.closures", N_("Working-day calendar")),
    ("notifications.recipients", N_("Who is told of what")),
)


# Set-up pages by role, shown in a menu of their own.
SETUP_NAV: dict[Role, tuple[tuple[str, str], ...]] = {
    Role.ADMIN: ADMIN_NAV,
    Role.REGULATOR: (("admin.cohorts", N_("Cohorts")), ("admin.categories", N_("Categories"))),
    Role.SUPERVISOR: (),
    Role.INSTITUTION: (),
    Role.EXPERT: (),
}


def _translated(items: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The labels in the page's language (they are marked with ``N_`` where defined)."""
    return tuple((endpoint, gettext(label)) for endpoint, label in items)


def setup_nav_items(user: User) -> tuple[tuple[str, str], ...]:
    return _translated(SETUP_NAV[user.role])


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
    return _translated(items)
