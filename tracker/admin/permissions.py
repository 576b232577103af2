"""Who may enter each administration area, as data, and the predicates built on it."""

from __future__ import annotations

import enum

from tracker.auth.models import User
from tracker.auth.permissions import Permission, has
from tracker.programmes.models import Cohort, Programme
from tracker.programmes.permissions import can_manage_cohort


class Area(enum.Enum):
    REGULATORS = "regulators"
    PROGRAMMES = "programmes"
    COHORTS = "cohorts"
    INSTITUTIONS = "institutions"
    CATEGORIES = "categories"
    USERS = "users"


# Holding any one of these permissions opens an area. Regulator staff keep the use-case
# categories and set up cohorts; which cohorts is a rule on the cohort (``can_edit_cohort``).
AREA_ACCESS: dict[Area, frozenset[Permission]] = {
    Area.REGULATORS: frozenset({Permission.ADMINISTER}),
    Area.PROGRAMMES: frozenset({Permission.ADMINISTER}),
    Area.COHORTS: frozenset({Permission.ADMINISTER, Permission.ACT_AS_REGULATOR}),
    Area.INSTITUTIONS: frozenset({Permission.ADMINISTER}),
    Area.CATEGORIES: frozenset({Permission.ADMINISTER, Permission.ACT_AS_REGULATOR}),
    Area.USERS: frozenset({Permission.ADMINISTER}),
}


def can_enter(user: User, area: Area) -> bool:
    """May the user list, create, edit and (de)activate records of this area at all."""
    return any(has(user, permission) for permission in AREA_ACCESS[area])


def can_create_cohort_in(user: User, programme: Programme) -> bool:
    return can_enter(user, Area.COHORTS) and can_manage_cohort(user, None, programme)


def can_edit_cohort(user: User, cohort: Cohort) -> bool:
    return can_enter(user, Area.COHORTS) and can_manage_cohort(user, cohort, None)


def can_move_cohort(user: User, cohort: Cohort, programme: Programme) -> bool:
    """Moving a cohort to another programme takes it out of the first programme's regulators'
    hands: only an admin or staff of the lead regulator of the programme it leaves may."""
    if programme.id == cohort.programme_id:
        return can_edit_cohort(user, cohort)
    if has(user, Permission.ADMINISTER):
        return True
    return (
        can_edit_cohort(user, cohort)
        and can_create_cohort_in(user, programme)
        and user.regulator_id == cohort.programme.lead_regulator_id
    )


def can_deactivate_user(actor: User, user: User) -> bool:
    """Administrators deactivate accounts, never their own (that would lock them out)."""
    return can_enter(actor, Area.USERS) and actor.id != user.id
