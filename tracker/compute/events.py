"""What the compute commands record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from tracker.events import UseCaseEvent


@dataclass(frozen=True)
class ComputeAllocated(UseCaseEvent):
    action: ClassVar[str] = "use_case.compute_allocation"
    allocation_id: int = 0
    hours: int = 0


@dataclass(frozen=True)
class ComputeUsageReported(UseCaseEvent):
    action: ClassVar[str] = "use_case.compute_usage"
    usage_id: int = 0
    hours: int = 0
    over_allocation: bool = False
