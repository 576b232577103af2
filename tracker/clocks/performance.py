"""Clock performance for reports: how many proposals the regulator decided within its clocks,
as at a date. Pure data (no reportlab); the report layout only prints it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from tracker.clock import local_date
from tracker.clocks.clocks import ClockStatus, decided_within_time
from tracker.clocks.services import ClockReader
from tracker.i18n import gettext as _
from tracker.usecases.models import Stage, UseCase

# Moving to one of these is the regulator's decision on a proposal.
DECISIONS = frozenset({Stage.SELECTED, Stage.REJECTED})


@dataclass(frozen=True)
class ClockPerformance:
    decided: int  # proposals decided by the date
    decided_within_time: int  # of those, decided with every regulator clock within its allowance
    open_reviews: int  # proposals with a regulator clock running or paused at the date
    overdue_reviews: int  # of those, a regulator clock already past its allowance

    @property
    def sentence(self) -> str:
        if not self.open_reviews:
            return _(
                "Decided within time: %(within)d of %(decided)d.",
                within=self.decided_within_time,
                decided=self.decided,
            )
        return _(
            "Decided within time: %(within)d of %(decided)d. Still in review: %(open)d, of "
            "which overdue: %(overdue)d.",
            within=self.decided_within_time,
            decided=self.decided,
            open=self.open_reviews,
            overdue=self.overdue_reviews,
        )


def _decided_by(use_case: UseCase, day: date) -> bool:
    return any(t.to_stage in DECISIONS and local_date(t.at) <= day for t in use_case.transitions)


def performance(
    use_cases: Sequence[UseCase], day: date, reader: ClockReader | None = None
) -> ClockPerformance:
    """Clock performance of these use cases (``transitions`` and ``cohort.programme`` loaded)
    at the end of ``day``, from their stage history."""
    if not use_cases:
        return ClockPerformance(0, 0, 0, 0)
    reader = reader or ClockReader(use_cases)
    decided = within = open_reviews = overdue = 0
    for use_case in use_cases:
        clocks = [c for c in reader.clocks(use_case, day) if c.kind.side == "regulator"]
        if not clocks:
            continue
        if _decided_by(use_case, day):
            decided += 1
            within += decided_within_time(clocks)
        elif any(c.status is not ClockStatus.FINISHED for c in clocks):
            open_reviews += 1
            overdue += any(c.overdue for c in clocks)
    return ClockPerformance(decided, within, open_reviews, overdue)
