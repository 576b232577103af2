"""The events of expected returns and incidents reported on their own (recorded with
``tracker.events.record``, handed to subscribers after the commit)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from tracker.events import UseCaseEvent


@dataclass(frozen=True)
class ReturnScheduleSet(UseCaseEvent):
    action: ClassVar[str] = "return_schedule.set"
    schedule_id: int = 0


@dataclass(frozen=True)
class ReturnRequested(UseCaseEvent):
    """An expected return outside the schedule: asked for ad hoc, or due after a milestone."""

    action: ClassVar[str] = "expected_return.request"
    expected_return_id: int = 0


@dataclass(frozen=True)
class ExpectedReturnWaived(UseCaseEvent):
    action: ClassVar[str] = "expected_return.waive"
    expected_return_id: int = 0


@dataclass(frozen=True)
class ReturnReminded(UseCaseEvent):
    """A reminder step taken by the daily job (its notifications are made with it)."""

    action: ClassVar[str] = "expected_return.remind"
    expected_return_id: int = 0
    step: str = ""


@dataclass(frozen=True)
class IncidentReported(UseCaseEvent):
    action: ClassVar[str] = "incident.report"
    incident_id: int = 0


@dataclass(frozen=True)
class IncidentAcknowledged(UseCaseEvent):
    action: ClassVar[str] = "incident.acknowledge"
    incident_id: int = 0
