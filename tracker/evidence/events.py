"""What the evidence commands record; subscribers run after the commit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from tracker.events import UseCaseEvent


@dataclass(frozen=True)
class EvidenceSaved(UseCaseEvent):
    action: ClassVar[str] = "use_case.evidence"
    entry_id: int = 0
    revision: int = 0
    review_cleared: bool = False


@dataclass(frozen=True)
class EvidenceCommented(UseCaseEvent):
    action: ClassVar[str] = "use_case.evidence_comment"
    entry_id: int = 0
    activity_id: int = 0

    @property
    def revision_or_comment(self) -> str:
        return f"comment{self.activity_id}"


@dataclass(frozen=True)
class EvidenceReviewed(UseCaseEvent):
    action: ClassVar[str] = "use_case.evidence_reviewed"
    entry_id: int = 0
    revision: int = 0

    @property
    def revision_or_comment(self) -> str:
        return f"revision{self.revision}"
