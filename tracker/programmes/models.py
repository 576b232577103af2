"""Programmes, cohorts and the selection criteria a cohort scores proposals on. Regulators and
sectors live in ``tracker.organisations.models`` (re-exported here for existing imports)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.enums import LabelledEnum
from tracker.extensions import Base, db, enum_column, utcnow
from tracker.i18n import local_name
from tracker.organisations.models import Regulator, Sector

if TYPE_CHECKING:
    from tracker.committee.models import Committee
    from tracker.usecases.models import UseCase


__all__ = [
    "DEFAULT_CRITERIA",
    "Cohort",
    "CohortStatus",
    "Programme",
    "Regulator",
    "SelectionCriterion",
    "Sector",
    "programme_regulator",
]


class CohortStatus(LabelledEnum):
    PLANNING = ("planning", "Planning")
    OPEN = ("open", "Open for applications")
    SELECTION = ("selection", "Selection")
    PILOTING = ("piloting", "Piloting")
    CLOSED = ("closed", "Closed")


DEFAULT_CRITERIA = (
    "Innovation",
    "Technical sophistication",
    "Contribution to the industry",
    "Adherence to fair-use principles",
)

programme_regulator = sa.Table(
    "programme_regulator",
    db.metadata,
    sa.Column("programme_id", sa.ForeignKey("programme.id"), primary_key=True),
    sa.Column("regulator_id", sa.ForeignKey("regulator.id"), primary_key=True),
)


class Programme(Base):
    __tablename__ = "programme"
    __table_args__ = (
        sa.CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", "dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    name_zh: Mapped[str | None] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    lead_regulator_id: Mapped[int] = mapped_column(sa.ForeignKey("regulator.id"), index=True)
    sectors: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    active: Mapped[bool] = mapped_column(default=True)

    lead_regulator: Mapped[Regulator] = relationship(foreign_keys=[lead_regulator_id])
    participants: Mapped[list[Regulator]] = relationship(
        secondary=programme_regulator, order_by="Regulator.code"
    )
    cohorts: Mapped[list[Cohort]] = relationship(
        back_populates="programme", order_by="Cohort.applications_open_on, Cohort.id"
    )

    @property
    def regulator_ids(self) -> set[int]:
        """The lead regulator and every participating regulator."""
        return {self.lead_regulator_id, *(r.id for r in self.participants)}

    @property
    def sector_labels(self) -> list[str]:
        return [Sector(s).label for s in self.sectors or []]

    def __str__(self) -> str:
        return local_name(self) if self.name else ""


class Cohort(Base):
    __tablename__ = "cohort"
    __table_args__ = (
        sa.UniqueConstraint("programme_id", "name", name="uq_cohort_programme_name"),
        sa.CheckConstraint(
            "applications_close_on IS NULL OR applications_open_on IS NULL"
            " OR applications_close_on >= applications_open_on",
            "window",
        ),
        sa.CheckConstraint(
            "pilot_ends_on IS NULL OR pilot_starts_on IS NULL OR pilot_ends_on >= pilot_starts_on",
            "pilot_period",
        ),
        sa.CheckConstraint("return_interval_days > 0", "return_interval"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    name_zh: Mapped[str | None] = mapped_column(sa.String(120))
    applications_open_on: Mapped[date | None]
    applications_close_on: Mapped[date | None]
    selection_on: Mapped[date | None]
    pilot_starts_on: Mapped[date | None]
    pilot_ends_on: Mapped[date | None]
    status: Mapped[CohortStatus] = mapped_column(
        enum_column(CohortStatus, "status"), default=CohortStatus.PLANNING
    )
    # Pilots in this cohort file a progress return every this many days.
    return_interval_days: Mapped[int] = mapped_column(default=30)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    programme: Mapped[Programme] = relationship(back_populates="cohorts")
    criteria: Mapped[list[SelectionCriterion]] = relationship(
        back_populates="cohort", order_by="SelectionCriterion.position"
    )
    use_cases: Mapped[list[UseCase]] = relationship(back_populates="cohort")
    committee: Mapped[Committee | None] = relationship(back_populates="cohort", uselist=False)

    @property
    def active(self) -> bool:
        return self.status is not CohortStatus.CLOSED

    def __str__(self) -> str:
        """The programme and the cohort ("programme — cohort"), named in the page's language."""
        return f"{local_name(self.programme)} — {local_name(self) if self.name else ''}"


class SelectionCriterion(Base):
    __tablename__ = "selection_criterion"
    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "name", name="uq_criterion_cohort_name"),
        sa.CheckConstraint("weight BETWEEN 0 AND 100", "weight"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[int] = mapped_column(default=0)
    # How much the criterion counts in the weighted mean; the cohort's weights never sum to 0.
    weight: Mapped[int] = mapped_column(default=1, server_default="1")
    # What a score of 1, 3 and 5 means, shown beside the scoring form.
    rubric_1: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    rubric_3: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    rubric_5: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    cohort: Mapped[Cohort] = relationship(back_populates="criteria")
