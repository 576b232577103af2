"""The publication record of a use case's exit report: both sides' consent, then publication.

One row per use case. Consent is recorded (who, when) for the institution and for the
regulator; either may withdraw it before publication; once both have consented regulator staff
publish it with an abstract they write. The published page shows only the abstract and the
register reference of the exit report published (a verifiable PDF)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.extensions import Base
from tracker.reports.models import IssuedReport
from tracker.usecases.models import UseCase


class ExitPublication(Base):
    __tablename__ = "exit_publication"
    __table_args__ = (
        # Published means by someone, with both consents and a report.
        sa.CheckConstraint(
            "published_at IS NULL OR (published_by_id IS NOT NULL AND report_id IS NOT NULL"
            " AND institution_consent_at IS NOT NULL AND regulator_consent_at IS NOT NULL)",
            "published_with_consent",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(sa.ForeignKey("use_case.id"), unique=True)
    institution_consent_at: Mapped[datetime | None]
    institution_consent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    regulator_consent_at: Mapped[datetime | None]
    regulator_consent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # The public abstract, written by the regulator when publishing.
    abstract: Mapped[str] = mapped_column(sa.Text, default="")
    slug: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("issued_report.id"))
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    use_case: Mapped[UseCase] = relationship()
    report: Mapped[IssuedReport | None] = relationship()
    institution_consent_by: Mapped[User | None] = relationship(
        foreign_keys=[institution_consent_by_id]
    )
    regulator_consent_by: Mapped[User | None] = relationship(foreign_keys=[regulator_consent_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    @property
    def published(self) -> bool:
        return self.published_at is not None

    @property
    def both_consented(self) -> bool:
        return self.institution_consent_at is not None and self.regulator_consent_at is not None
