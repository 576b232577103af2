"""A cohort's selection committee: its members (regulator staff and external experts), who is
assigned to review which proposal and what they declared about conflicts of interest, each
participating regulator's determination on a proposal it supervises, and the committee's
decisions on the slate. Declarations, determinations and slate decisions are kept as written:
a later determination is a new row, the latest per regulator being the one that counts."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.enums import LabelledEnum
from tracker.extensions import Base, enum_column, utcnow
from tracker.organisations.models import Institution, Regulator
from tracker.programmes.models import Cohort
from tracker.usecases.models import UseCase

DEFAULT_QUORUM = 2
DEFAULT_REVIEW_DAYS = 14


class Committee(Base):
    """The committee that selects a cohort's proposals, and how it works."""

    __tablename__ = "committee"
    __table_args__ = (
        sa.CheckConstraint("quorum >= 1", "quorum"),
        sa.CheckConstraint("review_days BETWEEN 1 AND 365", "review_days"),
        sa.CheckConstraint("places IS NULL OR places >= 0", "places"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id"), unique=True)
    # Complete, non-conflicted reviews a proposal needs before it can be selected.
    quorum: Mapped[int] = mapped_column(default=DEFAULT_QUORUM)
    # An assignment is due this many calendar days after it is made.
    review_days: Mapped[int] = mapped_column(default=DEFAULT_REVIEW_DAYS)
    # How many proposals the cohort can take; None while undecided.
    places: Mapped[int | None]
    # Reviewers see each other's scores only once they have submitted their own.
    blind: Mapped[bool] = mapped_column(default=True)
    # The institution sees the scores and reviewers' names with its feedback.
    share_scores: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="committee")
    members: Mapped[list[CommitteeMember]] = relationship(
        back_populates="committee", order_by="CommitteeMember.id", cascade="all, delete-orphan"
    )

    def has_member(self, user: User) -> bool:
        return any(m.user_id == user.id for m in self.members)


class CommitteeMember(Base):
    __tablename__ = "committee_member"
    __table_args__ = (
        sa.UniqueConstraint("committee_id", "user_id", name="uq_committee_member_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(sa.ForeignKey("committee.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    committee: Mapped[Committee] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class Declaration(LabelledEnum):
    PENDING = ("pending", "Not yet declared")
    NO_CONFLICT = ("no_conflict", "No conflict")
    CONFLICT = ("conflict", "Conflict declared: recused")


class ConflictWith(LabelledEnum):
    INSTITUTION = ("institution", "The applying institution")
    PARTNER = ("partner", "A technology partner named on the proposal")


class Assignment(Base):
    """A committee member asked to review one proposal, with their declaration of interests."""

    __tablename__ = "review_assignment"
    __table_args__ = (
        sa.UniqueConstraint("use_case_id", "reviewer_id", name="uq_review_assignment_reviewer"),
        sa.CheckConstraint(
            "(declaration = 'conflict' AND conflict_with IS NOT NULL)"
            " OR (declaration != 'conflict' AND conflict_with IS NULL)",
            "conflict_detail",
        ),
        sa.CheckConstraint("declaration = 'pending' OR declared_at IS NOT NULL", "declared_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(sa.ForeignKey("use_case.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_on: Mapped[date]
    declaration: Mapped[Declaration] = mapped_column(
        enum_column(Declaration, "declaration"), default=Declaration.PENDING
    )
    conflict_with: Mapped[ConflictWith | None] = mapped_column(
        enum_column(ConflictWith, "conflict_with")
    )
    conflict_partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("institution.id"))
    conflict_note: Mapped[str] = mapped_column(sa.Text, default="")
    declared_at: Mapped[datetime | None]

    use_case: Mapped[UseCase] = relationship()
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id])
    conflict_partner: Mapped[Institution | None] = relationship()

    @property
    def declared(self) -> bool:
        return self.declaration is not Declaration.PENDING

    @property
    def recused(self) -> bool:
        return self.declaration is Declaration.CONFLICT


class Decision(LabelledEnum):
    SUPPORT = ("support", "Support")
    SUPPORT_WITH_CONDITIONS = ("support_with_conditions", "Support with conditions")
    OBJECT = ("object", "Object")


class Determination(Base):
    """A participating regulator's own determination on a proposal from a firm it supervises."""

    __tablename__ = "regulator_determination"
    __table_args__ = (
        sa.CheckConstraint(
            "decision != 'support_with_conditions' OR conditions != ''", "conditions"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(sa.ForeignKey("use_case.id"), index=True)
    regulator_id: Mapped[int] = mapped_column(sa.ForeignKey("regulator.id"))
    decision: Mapped[Decision] = mapped_column(enum_column(Decision, "decision"))
    reasons: Mapped[str] = mapped_column(sa.Text)
    conditions: Mapped[str] = mapped_column(sa.Text, default="")
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    regulator: Mapped[Regulator] = relationship()
    by: Mapped[User | None] = relationship()


class Outcome(LabelledEnum):
    SELECTED = ("selected", "Selected")
    RESERVE = ("reserve", "Reserve list")
    NOT_SELECTED = ("not_selected", "Not selected")


class SlateEntry(Base):
    """The committee's decision on one proposal of a slate, with the reason on record and the
    feedback written for the applicant. A proposal on the reserve list may later be decided
    again: the latest entry counts."""

    __tablename__ = "slate_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id"), index=True)
    use_case_id: Mapped[int] = mapped_column(sa.ForeignKey("use_case.id"), index=True)
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, "outcome"))
    rank: Mapped[int | None]
    weighted_mean: Mapped[float | None] = mapped_column(sa.Float)
    reason: Mapped[str] = mapped_column(sa.Text)
    feedback: Mapped[str] = mapped_column(sa.Text, default="")
    override_reason: Mapped[str | None] = mapped_column(sa.Text)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    decided_by: Mapped[User | None] = relationship()
