"""What the stage clocks and the working-day calendar keep: each regulator's own closure days,
and the clock allowances set on a programme (its defaults) or a cohort (its own)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.extensions import Base, utcnow
from tracker.organisations.models import Regulator

# The clocks a setting row can hold, in the order of the lifecycle (``Phase.clock`` names them).
CLOCK_NAMES: tuple[str, ...] = ("submitted", "under_review", "changes_requested", "pilot")
MAX_CLOCK_DAYS = 730


class RegulatorClosure(Base):
    """A day a regulator's office is closed beyond weekends and public holidays: a typhoon
    signal No. 8 or black rainstorm closure, an office move. Its stage clocks do not count it."""

    __tablename__ = "regulator_closure"
    __table_args__ = (sa.UniqueConstraint("regulator_id", "on", name="uq_regulator_closure_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    regulator_id: Mapped[int] = mapped_column(sa.ForeignKey("regulator.id"), index=True)
    on: Mapped[date]
    name: Mapped[str] = mapped_column(sa.String(200))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    regulator: Mapped[Regulator] = relationship()
    created_by: Mapped[User | None] = relationship()


def _allowance_checks() -> tuple[sa.CheckConstraint, ...]:
    checks: list[sa.CheckConstraint] = []
    for name in CLOCK_NAMES:
        checks.append(
            sa.CheckConstraint(
                f"{name}_days IS NULL OR ({name}_days > 0 AND {name}_days <= {MAX_CLOCK_DAYS})",
                f"{name}_days",
            )
        )
    return tuple(checks)


class ClockSettings(Base):
    """The days each stage clock allows, for a programme (defaults for its cohorts) or one
    cohort. An empty field inherits: cohort → programme → the built-in allowance."""

    __tablename__ = "clock_settings"
    __table_args__ = (
        sa.CheckConstraint("(programme_id IS NULL) != (cohort_id IS NULL)", "one_scope"),
        *_allowance_checks(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("programme.id"), unique=True)
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohort.id"), unique=True)
    submitted_days: Mapped[int | None]
    submitted_working: Mapped[bool | None]
    under_review_days: Mapped[int | None]
    under_review_working: Mapped[bool | None]
    changes_requested_days: Mapped[int | None]
    changes_requested_working: Mapped[bool | None]
    pilot_days: Mapped[int | None]
    pilot_working: Mapped[bool | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Two people editing the same settings: the second is told (409), as for use cases.
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}
