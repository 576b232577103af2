"""What the plan commands record; notifications and webhooks subscribe as to any use-case
event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from tracker.events import UseCaseEvent


@dataclass(frozen=True)
class PlanEvent(UseCaseEvent):
    version_number: int = 0


@dataclass(frozen=True)
class PlanDrafted(PlanEvent):
    action: ClassVar[str] = "plan.draft"


@dataclass(frozen=True)
class PlanSubmitted(PlanEvent):
    action: ClassVar[str] = "plan.submit"


@dataclass(frozen=True)
class PlanAgreed(PlanEvent):
    action: ClassVar[str] = "plan.agree"


@dataclass(frozen=True)
class PlanChangesRequested(PlanEvent):
    action: ClassVar[str] = "plan.request_changes"


@dataclass(frozen=True)
class BoundaryBreached(UseCaseEvent):
    action: ClassVar[str] = "plan.boundary_breached"
    return_id: int = 0
    breach_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class BreachDecided(UseCaseEvent):
    action: ClassVar[str] = "plan.breach_decided"
    breach_id: int = 0
