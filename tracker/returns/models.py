"""A pilot's reporting schedule, the returns the regulator expects of it, and the reminders
sent about each (one row per reminder step, so a step is never sent twice)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.enums import LabelledEnum
from tracker.extensions import Base, enum_column, utcnow
from tracker.i18n import gettext as _
from tracker.returns.dates import day
from tracker.text import plural
from tracker.usecases.models import Milestone, ProgressReturn, UseCase


class Frequency(LabelledEnum):
    MONTHLY = ("monthly", "Monthly")
    QUARTERLY = ("quarterly", "Quarterly")
    DATES = ("dates", "On given dates")

    @property
    def months(self) -> int | None:
        return {"monthly": 1, "quarterly": 3}.get(str(self.value))


class Source(LabelledEnum):
    SCHEDULE = ("schedule", "Reporting schedule")
    AD_HOC = ("ad_hoc", "Requested by the regulator")
    MILESTONE = ("milestone", "Milestone reached")


class ExpectedStatus(LabelledEnum):
    OPEN = ("open", "Open")
    FILED = ("filed", "Filed")
    WAIVED = ("waived", "Waived")


class ReturnSchedule(Base):
    """How often a pilot reports: a period per month or quarter from ``first_period_start``, or
    periods ending on the given dates, each return due ``days_to_file`` days after its period
    ends, up to ``ends_on``. ``milestone_days`` set: a milestone marked done makes a return due
    that many days later."""

    __tablename__ = "return_schedule"
    __table_args__ = (
        sa.CheckConstraint("days_to_file BETWEEN 0 AND 90", "days_to_file"),
        sa.CheckConstraint(
            "milestone_days IS NULL OR milestone_days BETWEEN 0 AND 90", "milestone_days"
        ),
        sa.CheckConstraint("ends_on >= first_period_start", "span"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(sa.ForeignKey("use_case.id"), unique=True)
    frequency: Mapped[Frequency] = mapped_column(enum_column(Frequency, "frequency"))
    first_period_start: Mapped[date]
    ends_on: Mapped[date]
    # Period ends, ISO dates, when the frequency is DATES.
    report_dates: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    days_to_file: Mapped[int] = mapped_column(default=14)
    milestone_days: Mapped[int | None]
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    use_case: Mapped[UseCase] = relationship()
    set_by: Mapped[User | None] = relationship()

    @property
    def dates(self) -> list[date]:
        return sorted(date.fromisoformat(d) for d in self.report_dates or [])

    def describe(self) -> str:
        values = {
            "due": plural(self.days_to_file, "%(num)d day", "%(num)d days"),
            "end": day(self.ends_on),
            "after": plural(self.milestone_days or 0, "%(num)d day", "%(num)d days"),
        }
        milestones = self.milestone_days is not None
        if self.frequency is Frequency.DATES:
            values["dates"] = ", ".join(day(d) for d in self.dates) or _("no dates")
            if milestones:
                return _(
                    "Periods ending %(dates)s, each return due %(due)s after its period, "
                    "until %(end)s; a return %(after)s after each milestone reached.",
                    **values,
                )
            return _(
                "Periods ending %(dates)s, each return due %(due)s after its period, "
                "until %(end)s.",
                **values,
            )
        values["frequency"] = self.frequency.label
        values["start"] = day(self.first_period_start)
        if milestones:
            return _(
                "%(frequency)s from %(start)s, each return due %(due)s after its period, "
                "until %(end)s; a return %(after)s after each milestone reached.",
                **values,
            )
        return _(
            "%(frequency)s from %(start)s, each return due %(due)s after its period, "
            "until %(end)s.",
            **values,
        )


class ExpectedReturn(Base):
    """One return the regulator expects: from the schedule, asked for ad hoc, or due after a
    milestone. It is filed by the first progress return whose period reaches its period end."""

    __tablename__ = "expected_return"
    __table_args__ = (
        sa.CheckConstraint("period_end >= period_start", "period"),
        sa.CheckConstraint("(status = 'filed') = (return_id IS NOT NULL)", "filed_return"),
        sa.CheckConstraint("source != 'milestone' OR milestone_id IS NOT NULL", "milestone"),
        sa.UniqueConstraint("milestone_id", name="uq_expected_return_milestone"),
        # Reminders and the dashboard read the open ones in due order.
        sa.Index("ix_expected_return_status_due", "status", "due_on", "use_case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(sa.ForeignKey("use_case.id"), index=True)
    source: Mapped[Source] = mapped_column(enum_column(Source, "source"))
    period_start: Mapped[date]
    period_end: Mapped[date]
    due_on: Mapped[date]
    status: Mapped[ExpectedStatus] = mapped_column(
        enum_column(ExpectedStatus, "status"), default=ExpectedStatus.OPEN
    )
    # What an ad-hoc request asks the return to cover.
    request: Mapped[str] = mapped_column(sa.Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    milestone_id: Mapped[int | None] = mapped_column(sa.ForeignKey("milestone.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    return_id: Mapped[int | None] = mapped_column(sa.ForeignKey("progress_return.id"), index=True)
    closed_at: Mapped[datetime | None]
    # Why it was waived (by the regulator, or replaced by a new schedule).
    waiver: Mapped[str] = mapped_column(sa.Text, default="")
    waived_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    use_case: Mapped[UseCase] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    waived_by: Mapped[User | None] = relationship(foreign_keys=[waived_by_id])
    milestone: Mapped[Milestone | None] = relationship()
    filed_return: Mapped[ProgressReturn | None] = relationship()
    reminders: Mapped[list[ReturnReminder]] = relationship(
        back_populates="expected_return", order_by="ReturnReminder.sent_at"
    )

    @property
    def is_open(self) -> bool:
        return self.status is ExpectedStatus.OPEN

    def days_overdue(self, today: date) -> int:
        return (today - self.due_on).days if self.is_open and today > self.due_on else 0

    def is_overdue(self, today: date) -> bool:
        return self.days_overdue(today) > 0

    def days_left(self, today: date) -> int:
        return (self.due_on - today).days


class ReturnReminder(Base):
    """A reminder step taken for an expected return (``before:7``, ``before:1``, ``overdue``,
    ``escalated``): recorded with the notifications it sends, once."""

    __tablename__ = "return_reminder"
    __table_args__ = (
        sa.UniqueConstraint("expected_return_id", "step", name="uq_return_reminder_step"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    expected_return_id: Mapped[int] = mapped_column(sa.ForeignKey("expected_return.id"))
    step: Mapped[str] = mapped_column(sa.String(20))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipients: Mapped[int] = mapped_column(default=0)

    expected_return: Mapped[ExpectedReturn] = relationship(back_populates="reminders")

    @property
    def label(self) -> str:
        if self.step.startswith("before:"):
            days = int(self.step.split(":", 1)[1])
            return plural(days, "Reminder %(num)d day before", "Reminder %(num)d days before")
        labels = {"overdue": _("Overdue notice"), "escalated": _("Escalated to supervisors")}
        return labels.get(self.step, self.step)
