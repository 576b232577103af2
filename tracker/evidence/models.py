"""The AI evidence register: one entry per model iteration of a use case, with its evaluations,
the documents it cites, every saved revision (so a report can show the entry as it stood on a
past date) and the regulator's comments and review marks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.enums import LabelledEnum
from tracker.extensions import Base, db, enum_column, utcnow
from tracker.usecases.models import Document, HistoryIsAppendOnlyError, Technique

__all__ = ["HistoryIsAppendOnlyError"]


class Hosting(LabelledEnum):
    """Where the model runs."""

    ON_PREMISES = ("on_premises", "On-premises")
    APPROVED_CLOUD = ("approved_cloud", "HKMA-approved cloud")
    AISC = ("aisc", "Cyberport AI Supercomputing Centre")
    VENDOR = ("vendor", "Vendor-hosted service")


class Direction(LabelledEnum):
    """Which side of the threshold passes."""

    HIGHER = ("higher", "At or above the threshold passes")
    LOWER = ("lower", "At or below the threshold passes")


class Outcome(LabelledEnum):
    PASS = ("pass", "Pass")
    FAIL = ("fail", "Fail")


class ActivityKind(LabelledEnum):
    COMMENT = ("comment", "Comment")
    REVIEWED = ("reviewed", "Marked reviewed")
    REVIEW_CLEARED = ("review_cleared", "Review mark cleared by an edit")


evidence_document = sa.Table(
    "evidence_document",
    db.metadata,
    sa.Column("entry_id", sa.ForeignKey("evidence_entry.id"), primary_key=True),
    sa.Column("document_id", sa.ForeignKey("document.id"), primary_key=True, index=True),
)


class EvidenceEntry(Base):
    """One model iteration of a use case, as the institution describes it now."""

    __tablename__ = "evidence_entry"
    __table_args__ = (
        sa.UniqueConstraint("use_case_id", "iteration", name="uq_evidence_entry_iteration"),
        sa.CheckConstraint("iteration >= 1", "iteration"),
        # Reviewed means by someone at some time: both or neither.
        sa.CheckConstraint(
            "(reviewed_at IS NULL) = (reviewed_by_id IS NULL)", "reviewed_by_and_at"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(sa.ForeignKey("use_case.id"), index=True)
    iteration: Mapped[int]
    model_name: Mapped[str] = mapped_column(sa.String(200))
    model_version: Mapped[str] = mapped_column(sa.String(100))
    provider: Mapped[str] = mapped_column(sa.String(200))
    technique: Mapped[Technique] = mapped_column(enum_column(Technique, "technique"))
    hosting: Mapped[Hosting] = mapped_column(enum_column(Hosting, "hosting"))
    guardrails: Mapped[str] = mapped_column(sa.Text, default="")
    red_teaming: Mapped[str] = mapped_column(sa.Text, default="")
    bias_testing: Mapped[str] = mapped_column(sa.Text, default="")
    human_oversight: Mapped[str] = mapped_column(sa.Text, default="")
    drift_monitoring: Mapped[str] = mapped_column(sa.Text, default="")
    limitations: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    evaluations: Mapped[list[EvidenceEvaluation]] = relationship(
        back_populates="entry",
        order_by="EvidenceEvaluation.position",
        cascade="all, delete-orphan",
    )
    documents: Mapped[list[Document]] = relationship(
        secondary=evidence_document, order_by="Document.filename"
    )

    @property
    def title(self) -> str:
        # In English: notifications store it (the pages show EntryView.title, translated).
        return f"Iteration {self.iteration}: {self.model_name} {self.model_version}"


class EvidenceEvaluation(Base):
    """One evaluation of an iteration: a metric measured on a dataset, against a threshold."""

    __tablename__ = "evidence_evaluation"
    __table_args__ = (
        # A threshold is met or missed by a result: never a threshold alone.
        sa.CheckConstraint("threshold IS NULL OR result IS NOT NULL", "threshold_needs_result"),
        sa.CheckConstraint("threshold IS NULL OR direction IS NOT NULL", "threshold_direction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("evidence_entry.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    metric: Mapped[str] = mapped_column(sa.String(200))
    dataset: Mapped[str] = mapped_column(sa.String(300), default="")
    result: Mapped[float | None] = mapped_column(sa.Float)
    threshold: Mapped[float | None] = mapped_column(sa.Float)
    direction: Mapped[Direction | None] = mapped_column(enum_column(Direction, "direction"))
    # Given by the institution where no threshold decides it (a qualitative judgement).
    stated_outcome: Mapped[Outcome | None] = mapped_column(enum_column(Outcome, "stated_outcome"))

    entry: Mapped[EvidenceEntry] = relationship(back_populates="evaluations")

    @property
    def outcome(self) -> Outcome | None:
        return outcome_of(self.result, self.threshold, self.direction, self.stated_outcome)


def outcome_of(
    result: float | None,
    threshold: float | None,
    direction: Direction | None,
    stated: Outcome | None,
) -> Outcome | None:
    """Pass or fail: from the result against the threshold when both are given, else as
    stated."""
    if result is not None and threshold is not None and direction is not None:
        met = result >= threshold if direction is Direction.HIGHER else result <= threshold
        return Outcome.PASS if met else Outcome.FAIL
    return stated


class EvidenceRevision(Base):
    """The entry as saved, every time it is saved. Append-only: a report as at a past date
    shows the last revision saved by then."""

    __tablename__ = "evidence_revision"
    __table_args__ = (
        sa.UniqueConstraint("entry_id", "number", name="uq_evidence_revision_number"),
        sa.Index("ix_evidence_revision_entry_at", "entry_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("evidence_entry.id"))
    number: Mapped[int]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    actor: Mapped[User | None] = relationship()


class EvidenceActivity(Base):
    """A regulator's comment on an entry, its review mark, or the clearing of that mark by an
    edit. Append-only."""

    __tablename__ = "evidence_activity"
    __table_args__ = (sa.Index("ix_evidence_activity_entry_at", "entry_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("evidence_entry.id"))
    kind: Mapped[ActivityKind] = mapped_column(enum_column(ActivityKind, "kind"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    # The revision the activity concerns (the one reviewed, or the edit that cleared a review).
    revision_number: Mapped[int | None]

    actor: Mapped[User | None] = relationship()


def _refuse_change(_mapper: object, _connection: object, target: object) -> None:
    raise HistoryIsAppendOnlyError(f"{type(target).__name__} rows are never updated or deleted")


for _history_model in (EvidenceRevision, EvidenceActivity):
    sa.event.listen(_history_model, "before_update", _refuse_change)
    sa.event.listen(_history_model, "before_delete", _refuse_change)
