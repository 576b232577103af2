"""Who may read and add to a use case's compute ledger."""

from __future__ import annotations

from tracker.auth.models import User
from tracker.usecases import permissions as uc
from tracker.usecases.models import UseCase
from tracker.usecases.workflow import PILOT_OR_LATER, SELECTED_OR_LATER


def can_view(user: User, use_case: UseCase) -> bool:
    return uc.can_view(user, use_case)


def can_allocate(user: User, use_case: UseCase) -> bool:
    """Regulator staff of the programme allocate GPU hours to a selected use case."""
    return uc.can_act_as_regulator(user, use_case) and use_case.stage in SELECTED_OR_LATER


def can_report_usage(user: User, use_case: UseCase) -> bool:
    """The institution reports the hours it used once its pilot has started (the last period
    may be reported after the exit)."""
    return uc.is_active_owner(user, use_case) and use_case.stage in PILOT_OR_LATER
