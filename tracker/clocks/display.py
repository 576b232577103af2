"""What a page shows of the stage clocks, and to whom.

Institution users see their own clock (the answer to a change request) and the pilot's in
full, and the regulator's clocks as a due date only: how the regulator performs against its
clocks (days used, lateness) is internal to the regulator side."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.auth.models import User
from tracker.clocks.clocks import Clock
from tracker.clocks.services import ClockReader
from tracker.usecases.models import UseCase


@dataclass(frozen=True)
class ClockRow:
    clock: Clock
    # Whether the user sees days used, days left and lateness (else the due date alone).
    full: bool


def sees_performance(user: User, clock: Clock) -> bool:
    return not user.is_institution_user or clock.kind.side != "regulator"


def for_page(use_case: UseCase, user: User) -> list[ClockRow]:
    """The use case's clocks for its page (``transitions`` loaded); none for a draft."""
    if not use_case.is_proposal:
        return []
    clocks = ClockReader([use_case]).clocks(use_case)
    return [ClockRow(c, sees_performance(user, c)) for c in clocks]
