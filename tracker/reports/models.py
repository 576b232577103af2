"""The report register: every PDF issued, kept byte for byte with its fingerprint."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.enums import LabelledEnum
from tracker.extensions import Base, enum_column, utcnow


class ReportKind(LabelledEnum):
    COHORT = ("cohort", "Cohort progress report")
    PROGRAMME = ("programme", "Programme report")
    INSTITUTION = ("institution", "Institution report")
    USE_CASE = ("use_case", "Use-case report")


class IssuedReport(Base):
    """A report as issued. Never updated: the bytes and hash are what the recipient received."""

    __tablename__ = "issued_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(32), unique=True)
    kind: Mapped[ReportKind] = mapped_column(enum_column(ReportKind, "kind"))
    subject_id: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(400))
    as_at: Mapped[date]
    parameters: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    generated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # The issuer's organisation when the report was issued: who may see it later follows the
    # remit it was made for, even if the issuer moves to another organisation.
    issuer_regulator_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("regulator.id"), index=True
    )
    issuer_institution_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("institution.id"), index=True
    )
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)

    generated_by: Mapped[User | None] = relationship()
