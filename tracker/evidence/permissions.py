"""Who may read and change a use case's AI evidence. Pure predicates over the user and the use
case; seeing the use case is seeing its evidence (partners and supervisors read it)."""

from __future__ import annotations

from tracker.auth.models import User
from tracker.usecases import permissions as uc
from tracker.usecases.models import UseCase
from tracker.usecases.workflow import SELECTED_OR_LATER


def can_view(user: User, use_case: UseCase) -> bool:
    return uc.can_view(user, use_case)


def can_record(user: User, use_case: UseCase) -> bool:
    """The institution records its model iterations once the use case is selected."""
    return uc.is_active_owner(user, use_case) and use_case.stage in SELECTED_OR_LATER


def can_review(user: User, use_case: UseCase) -> bool:
    """Regulator staff of the programme comment on entries and mark them reviewed."""
    return uc.can_act_as_regulator(user, use_case) and use_case.stage in SELECTED_OR_LATER
