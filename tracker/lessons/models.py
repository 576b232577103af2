"""The lessons register: what a pilot, its returns or its exit taught, tagged by theme from a
fixed list (and, through its use case, by category and technique), so that regulator staff can
search across cohorts and draft good-practice publications."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.enums import LabelledEnum
from tracker.extensions import Base, enum_column, utcnow
from tracker.usecases.models import ProgressReturn, UseCase


class Theme(LabelledEnum):
    GUARDRAILS = ("guardrails", "Guardrails")
    FINE_TUNING = ("fine_tuning", "Fine-tuning")
    DATA = ("data", "Data")
    EVALUATION = ("evaluation", "Evaluation")
    HUMAN_OVERSIGHT = ("human_oversight", "Human oversight")
    CUSTOMER_OUTCOMES = ("customer_outcomes", "Customer outcomes")
    GOVERNANCE = ("governance", "Governance")
    SECURITY = ("security", "Security and adversarial testing")


class LessonStatus(LabelledEnum):
    PROPOSED = ("proposed", "Proposed by the institution")
    RECORDED = ("recorded", "Recorded by the regulator")


class Lesson(Base):
    __tablename__ = "lesson"
    __table_args__ = (
        # Recorded means by someone at some time.
        sa.CheckConstraint(
            "status != 'recorded' OR (recorded_at IS NOT NULL AND recorded_by_id IS NOT NULL)",
            "recorded_by_and_at",
        ),
        sa.Index("ix_lesson_status_recorded_at", "status", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(sa.ForeignKey("use_case.id"), index=True)
    # The progress return the lesson comes from; none for a lesson of the exit or the pilot.
    return_id: Mapped[int | None] = mapped_column(sa.ForeignKey("progress_return.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    text: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[LessonStatus] = mapped_column(enum_column(LessonStatus, "status"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime | None]
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    use_case: Mapped[UseCase] = relationship()
    progress_return: Mapped[ProgressReturn | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    themes: Mapped[list[LessonTheme]] = relationship(
        cascade="all, delete-orphan", order_by="LessonTheme.theme"
    )

    @property
    def theme_list(self) -> list[Theme]:
        return sorted((t.theme for t in self.themes), key=lambda t: list(Theme).index(t))


class LessonTheme(Base):
    __tablename__ = "lesson_theme"
    __table_args__ = (sa.Index("ix_lesson_theme_theme", "theme", "lesson_id"),)

    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lesson.id"), primary_key=True)
    theme: Mapped[Theme] = mapped_column(enum_column(Theme, "theme"), primary_key=True)
