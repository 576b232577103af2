"""The compute ledger of a use case: GPU hours requested in the proposal (``UseCase.gpu_hours``),
allocated by the regulator in tranches, and used per period as the institution reports it.
Both kinds of row are append-only: a correction is a further row, so the ledger as at any past
date is the rows recorded by then."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.extensions import Base, utcnow
from tracker.usecases.models import HistoryIsAppendOnlyError, ProgressReturn

__all__ = ["ComputeAllocation", "ComputeUsage", "HistoryIsAppendOnlyError"]


class ComputeAllocation(Base):
    """A tranche of GPU hours the regulator allocated to a pilot."""

    __tablename__ = "compute_allocation"
    __table_args__ = (sa.CheckConstraint("hours > 0", "hours"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(sa.ForeignKey("use_case.id"), index=True)
    granted_on: Mapped[date]
    hours: Mapped[int]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    recorded_by: Mapped[User | None] = relationship()


class ComputeUsage(Base):
    """GPU hours used in one period, reported by the institution."""

    __tablename__ = "compute_usage"
    __table_args__ = (
        sa.CheckConstraint("hours_used >= 0", "hours_used"),
        sa.CheckConstraint("period_end >= period_start", "period"),
        sa.UniqueConstraint("use_case_id", "period_start", name="uq_compute_usage_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(sa.ForeignKey("use_case.id"), index=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    hours_used: Mapped[int]
    # The progress return of the same period, when the institution names it.
    return_id: Mapped[int | None] = mapped_column(sa.ForeignKey("progress_return.id"))
    # Why the hours used went beyond those allocated; required when they did.
    over_use_reason: Mapped[str] = mapped_column(sa.Text, default="")
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    reported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    reported_by: Mapped[User | None] = relationship()
    progress_return: Mapped[ProgressReturn | None] = relationship()


def _refuse_change(_mapper: object, _connection: object, target: object) -> None:
    raise HistoryIsAppendOnlyError(f"{type(target).__name__} rows are never updated or deleted")


for _ledger_model in (ComputeAllocation, ComputeUsage):
    sa.event.listen(_ledger_model, "before_update", _refuse_change)
    sa.event.listen(_ledger_model, "before_delete", _refuse_change)
