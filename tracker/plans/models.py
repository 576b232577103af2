"""A use case's sandbox plan and its versions. A version is drafted by the institution,
submitted, then agreed by the regulator or sent back with a reason; the version in force at a
moment is the latest one agreed by then. Agreed versions are never changed: an amendment is a
new version."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.enums import LabelledEnum
from tracker.extensions import Base, enum_column, utcnow
from tracker.i18n import gettext

if TYPE_CHECKING:
    from tracker.usecases.models import UseCase


class PlanStatus(LabelledEnum):
    DRAFT = ("draft", "Draft")
    SUBMITTED = ("submitted", "Submitted for agreement")
    CHANGES_REQUESTED = ("changes_requested", "Changes requested")
    AGREED = ("agreed", "Agreed")

    @property
    def is_open(self) -> bool:
        """The institution may still edit the version."""
        return self in (PlanStatus.DRAFT, PlanStatus.CHANGES_REQUESTED)


class ReportingFrequency(LabelledEnum):
    FORTNIGHTLY = ("fortnightly", "Fortnightly")
    MONTHLY = ("monthly", "Monthly")
    QUARTERLY = ("quarterly", "Quarterly")


class Direction(LabelledEnum):
    HIGHER = ("higher", "Higher is better")
    LOWER = ("lower", "Lower is better")


class SandboxPlan(Base):
    """One per use case: the versions hang from it."""

    __tablename__ = "sandbox_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(sa.ForeignKey("use_case.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[SandboxPlanVersion]] = relationship(
        back_populates="plan", order_by="SandboxPlanVersion.number"
    )


class SandboxPlanVersion(Base):
    __tablename__ = "sandbox_plan_version"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "number", name="uq_sandbox_plan_version_number"),
        sa.CheckConstraint("duration_weeks BETWEEN 1 AND 156", "duration"),
        sa.CheckConstraint("customer_cap IS NULL OR customer_cap >= 0", "customer_cap"),
        sa.CheckConstraint("exposure_limit IS NULL OR exposure_limit >= 0", "exposure_limit"),
        sa.CheckConstraint("status != 'agreed' OR agreed_at IS NOT NULL", "agreed_at"),
        sa.CheckConstraint("report_due_days BETWEEN 1 AND 60", "report_due_days"),
        # The plan in force at a moment: the latest agreed version of each plan by then.
        sa.Index("ix_sandbox_plan_version_agreed", "plan_id", "agreed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("sandbox_plan.id"), index=True)
    number: Mapped[int]
    status: Mapped[PlanStatus] = mapped_column(
        enum_column(PlanStatus, "status"), default=PlanStatus.DRAFT
    )
    # Version 1 of a pilot that started before plans were kept: its terms were carried over
    # from the pilot's free-text limits and data scope, so the other sections are blank.
    carried_over: Mapped[bool] = mapped_column(default=False)

    objectives: Mapped[str] = mapped_column(sa.Text, default="")
    success_measures: Mapped[str] = mapped_column(sa.Text, default="")
    methodology: Mapped[str] = mapped_column(sa.Text, default="")
    # Test boundaries.
    duration_weeks: Mapped[int]
    customer_cap: Mapped[int | None]
    exposure_limit: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 2))  # HK$
    other_limits: Mapped[str] = mapped_column(sa.Text, default="")
    data_scope: Mapped[str] = mapped_column(sa.Text, default="")
    channels: Mapped[str] = mapped_column(sa.Text, default="")
    geographies: Mapped[str] = mapped_column(sa.Text, default="")
    # The four safeguards of the HKMA's Fintech Supervisory Sandbox.
    safeguard_boundary: Mapped[str] = mapped_column(sa.Text, default="")
    safeguard_customer_protection: Mapped[str] = mapped_column(sa.Text, default="")
    safeguard_risk_controls: Mapped[str] = mapped_column(sa.Text, default="")
    safeguard_readiness: Mapped[str] = mapped_column(sa.Text, default="")
    # Reporting schedule: a return per period, due so many days after the period ends.
    report_frequency: Mapped[ReportingFrequency] = mapped_column(
        enum_column(ReportingFrequency, "report_frequency"), default=ReportingFrequency.MONTHLY
    )
    report_due_days: Mapped[int] = mapped_column(default=14)
    exit_strategy: Mapped[str] = mapped_column(sa.Text, default="")

    drafted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    agreed_at: Mapped[datetime | None]
    # The regulator's reason when it asked for changes, or its note on agreeing.
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")

    # Two people acting on one version at once: the second is told.
    lock_version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": lock_version}

    plan: Mapped[SandboxPlan] = relationship(back_populates="versions")
    drafted_by: Mapped[User | None] = relationship(foreign_keys=[drafted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    milestones: Mapped[list[PlanMilestone]] = relationship(
        order_by="PlanMilestone.position", cascade="all, delete-orphan"
    )
    kpis: Mapped[list[PlanKpi]] = relationship(
        order_by="PlanKpi.position", cascade="all, delete-orphan"
    )

    @property
    def label(self) -> str:
        return gettext("Version %(num)d", num=self.number)


class PlanMilestone(Base):
    """A milestone the plan sets out (planned), apart from the regulator's tracked milestones."""

    __tablename__ = "plan_milestone"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("sandbox_plan_version.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(200))
    planned_on: Mapped[date]


class PlanKpi(Base):
    """A KPI of the plan: returns report a number against it. A KPI keeps its name across
    versions, so its series runs on through amendments."""

    __tablename__ = "plan_kpi"
    __table_args__ = (
        # Carried-over KPIs (free text before plans) have no direction, baseline or target.
        sa.CheckConstraint(
            "direction IS NULL OR target IS NULL OR baseline IS NULL"
            " OR (direction = 'higher' AND target >= baseline)"
            " OR (direction = 'lower' AND target <= baseline)",
            "target_direction",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("sandbox_plan_version.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    # Text: KPIs carried over from proposals may be longer than a new one may be.
    name: Mapped[str] = mapped_column(sa.Text)
    unit: Mapped[str] = mapped_column(sa.String(40), default="")
    direction: Mapped[Direction | None] = mapped_column(enum_column(Direction, "direction"))
    baseline: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 4))
    target: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 4))


class Boundary(LabelledEnum):
    CUSTOMERS = ("customers", "Customer cap")
    EXPOSURE = ("exposure", "Exposure limit")


class BreachDecision(LabelledEnum):
    AMENDED = ("amended", "Accepted with a plan amendment")
    SUSPENDED = ("suspended", "Pilot suspended")
    DISCONTINUED = ("discontinued", "Pilot discontinued")


class BoundaryBreach(Base):
    """A progress return that reported more than the plan in force allows. Open (shown in red)
    until the regulator records its decision."""

    __tablename__ = "boundary_breach"
    __table_args__ = (
        sa.UniqueConstraint("return_id", "boundary", name="uq_boundary_breach_return"),
        sa.CheckConstraint("(decision IS NULL) = (decided_at IS NULL)", "decided"),
        sa.CheckConstraint("decision != 'amended' OR amendment_id IS NOT NULL", "amendment"),
        # The dashboard's open breaches, oldest first, and their number: read from this index
        # (then each one's use case by its key), not from every visible use case in turn.
        sa.Index("ix_boundary_breach_open", "decision", "detected_at", "id", "use_case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(sa.ForeignKey("use_case.id"), index=True)
    return_id: Mapped[int] = mapped_column(sa.ForeignKey("progress_return.id"), index=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("sandbox_plan_version.id"))
    boundary: Mapped[Boundary] = mapped_column(enum_column(Boundary, "boundary"))
    reported: Mapped[Decimal] = mapped_column(sa.Numeric(18, 2))
    allowed: Mapped[Decimal] = mapped_column(sa.Numeric(18, 2))
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    decision: Mapped[BreachDecision | None] = mapped_column(enum_column(BreachDecision, "decision"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")
    # The agreed amendment that covers what was reported, when accepted.
    amendment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sandbox_plan_version.id"))
    lock_version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": lock_version}

    version: Mapped[SandboxPlanVersion] = relationship(foreign_keys=[version_id])
    amendment: Mapped[SandboxPlanVersion | None] = relationship(foreign_keys=[amendment_id])
    decided_by: Mapped[User | None] = relationship()
    use_case: Mapped[UseCase] = relationship()

    @property
    def is_open(self) -> bool:
        return self.decision is None
