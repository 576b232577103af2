"""The report register: every PDF issued, kept byte for byte with its fingerprint."""

from __future__ import annotations

import re
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
    EXIT = ("exit", "Exit report")
    EXIT_PROOF = ("exit_proof", "Written proof of activities")


# The word for each kind in download names, e.g. ``Cohort-1-progress-2026-12-01-TR-….pdf``.
_FILE_WORDS = {
    ReportKind.COHORT: "progress",
    ReportKind.PROGRAMME: "programme",
    ReportKind.INSTITUTION: "institution",
    ReportKind.USE_CASE: "use-case",
    ReportKind.EXIT: "exit-report",
    ReportKind.EXIT_PROOF: "proof-of-activities",
}
# Anything but letters and digits (of any script) separates words in a file name: this drops
# path separators, quotes, controls and bidi overrides (U+202E) that could spoof the name.
_NOT_A_WORD = re.compile(r"[\W_]+")
# Characters of the subject kept in a file name: with CJK (3 bytes each in UTF-8) and the rest
# of the name it stays under the 255 bytes file systems allow.
_SUBJECT_CHARS = 60


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
    # The request it answers: a request is registered once.
    request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report_request.id"), unique=True)
    # A use-case report issued while the use case was still a draft stays its institution's own,
    # whatever the use case becomes later: visibility follows what the report covered.
    on_draft: Mapped[bool] = mapped_column(default=False)
    # The language the PDF is written in (Babel code: "en" or "zh_Hant").
    language: Mapped[str] = mapped_column(sa.String(16), default="en", server_default="en")
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)

    generated_by: Mapped[User | None] = relationship()

    @property
    def download_name(self) -> str:
        """The file name for a download: subject, kind, as-at date and reference, e.g.
        ``GenA-I-Sandbox-Cohort-1-progress-2026-12-01-TR-2026-000001.pdf``. Letters of any
        script are kept; Flask sends an ASCII fallback beside the UTF-8 ``filename*``."""
        # After the kind ("Cohort progress report: …", or in Chinese "批次進度報告：…").
        subject = re.split(r": |：", self.title, maxsplit=1)[-1] or self.title
        words: list[str] = []
        for word in filter(None, _NOT_A_WORD.split(subject)):
            if len("-".join([*words, word])) > _SUBJECT_CHARS:
                if not words:
                    words.append(word[:_SUBJECT_CHARS])
                break
            words.append(word)
        stem = "-".join([*words, _FILE_WORDS[self.kind], self.as_at.isoformat(), self.reference])
        return f"{stem}.pdf"


class RequestStatus(LabelledEnum):
    QUEUED = ("queued", "Waiting for a worker")
    RUNNING = ("running", "Being produced")
    DONE = ("done", "Ready")
    FAILED = ("failed", "Failed")


class ReportRequest(Base):
    """A report someone asked for. A worker produces it in the background; the register entry
    appears only once the PDF is complete. The request's id gives the report its reference, so a
    request that is produced twice (a worker killed mid-way, a job run again) is registered once."""

    __tablename__ = "report_request"
    __table_args__ = (sa.Index("ix_report_request_status_heartbeat", "status", "heartbeat_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReportKind] = mapped_column(enum_column(ReportKind, "kind"))
    subject_id: Mapped[int]
    # The as-at day, resolved when asked for: a report asked for today is as at today.
    as_at: Mapped[date]
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id"), index=True
    )
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When it was last handed to the queue (the sweep re-queues what waits too long).
    queued_at: Mapped[datetime | None]
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, "status"), default=RequestStatus.QUEUED
    )
    step: Mapped[str] = mapped_column(sa.String(200), default="")
    steps_done: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(sa.Text, default="")
    # The language asked for (Babel code: "en" or "zh_Hant"); the worker renders in it.
    language: Mapped[str] = mapped_column(sa.String(16), default="en", server_default="en")

    requested_by: Mapped[User | None] = relationship()
    issued_report: Mapped[IssuedReport | None] = relationship(
        primaryjoin="IssuedReport.request_id == ReportRequest.id", viewonly=True, uselist=False
    )

    @property
    def finished(self) -> bool:
        return self.status in (RequestStatus.DONE, RequestStatus.FAILED)
