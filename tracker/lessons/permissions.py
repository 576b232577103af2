"""Who may read, record, propose and search lessons."""

from __future__ import annotations

from tracker.auth.models import User
from tracker.auth.permissions import Permission, has
from tracker.usecases import permissions as uc
from tracker.usecases.models import UseCase
from tracker.usecases.workflow import SELECTED_OR_LATER


def can_view(user: User, use_case: UseCase) -> bool:
    return uc.can_view(user, use_case)


def can_record(user: User, use_case: UseCase) -> bool:
    """Regulator staff of the programme record lessons from any proposal they handle (a review
    teaches too), its returns and its exit."""
    return uc.can_act_as_regulator(user, use_case) and use_case.is_proposal


def can_propose(user: User, use_case: UseCase) -> bool:
    """The institution proposes lessons of its own use case once it is selected."""
    return uc.is_active_owner(user, use_case) and use_case.stage in SELECTED_OR_LATER


def can_search(user: User) -> bool:
    """The register across cohorts is for the regulator side (staff and supervisors)."""
    return has(user, Permission.VIEW_ALL) or has(user, Permission.VIEW_REMIT)
