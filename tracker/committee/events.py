"""What the committee's commands record (handed to subscribers after the commit)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from tracker.events import Event, UseCaseEvent


@dataclass(frozen=True)
class CommitteeSaved(Event):
    action: ClassVar[str] = "committee.save"
    cohort_id: int = 0

    @property
    def subject(self) -> str:
        return f"cohort:{self.cohort_id}"


@dataclass(frozen=True)
class CriteriaWeighted(CommitteeSaved):
    action: ClassVar[str] = "committee.criteria"


@dataclass(frozen=True)
class ReviewerAssigned(UseCaseEvent):
    action: ClassVar[str] = "committee.assign"
    assignment_id: int = 0


@dataclass(frozen=True)
class InterestsDeclared(UseCaseEvent):
    action: ClassVar[str] = "committee.declare"
    assignment_id: int = 0
    conflict: bool = False


@dataclass(frozen=True)
class DeterminationRecorded(UseCaseEvent):
    action: ClassVar[str] = "committee.determination"
    determination_id: int = 0


@dataclass(frozen=True)
class SlateDecided(CommitteeSaved):
    action: ClassVar[str] = "committee.slate"
    entries: int = 0
