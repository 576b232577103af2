"""Issuing reports: build the data, render the PDF, keep it in the register. Flushes, never
commits: the caller commits once the PDF is safely produced."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app

from tracker.auth.models import User
from tracker.auth.permissions import Permission, has
from tracker.extensions import db, utcnow
from tracker.institutions.models import Institution
from tracker.programmes.models import Cohort, Programme
from tracker.reports import data, layout
from tracker.reports.models import IssuedReport, ReportKind
from tracker.reports.permissions import MODELS, Subject
from tracker.usecases.models import UseCase
from tracker.usecases.permissions import visible_filter

log = logging.getLogger(__name__)

COMMAND_LINE = "Command line"

# URL slugs of the four kinds, as used by the web routes and the CLI.
SLUGS: dict[str, ReportKind] = {
    "cohort": ReportKind.COHORT,
    "programme": ReportKind.PROGRAMME,
    "institution": ReportKind.INSTITUTION,
    "use-case": ReportKind.USE_CASE,
}
SLUG_OF: dict[ReportKind, str] = {kind: slug for slug, kind in SLUGS.items()}


def load_subject(kind: ReportKind, subject_id: int) -> Subject | None:
    return cast("Subject | None", db.session.get(MODELS[kind], subject_id))


def reference_for(report_id: int, year: int) -> str:
    """The register reference printed in every page footer, e.g. ``TR-2026-000123``."""
    return f"TR-{year}-{report_id:06d}"


def describe(user: User | None) -> str:
    """How the issuer is named on the cover and in the PDF metadata."""
    if user is None:
        return COMMAND_LINE
    organisation = f", {user.organisation}" if user.organisation else ""
    return f"{user.name} ({user.role.label}{organisation})"


def _institution_scope(user: User | None) -> tuple[sa.ColumnElement[bool], str]:
    if user is None or has(user, Permission.VIEW_ALL):
        return sa.true(), "All use cases the institution leads or is a partner on."
    if user.is_institution_user:
        return visible_filter(user), "The institution's own use cases, as its users see them."
    regulator = user.regulator.code if user.regulator else "the issuer's regulator"
    return (
        visible_filter(user),
        f"Use cases in the remit of {regulator}: programmes {regulator} leads or takes part in.",
    )


def build(
    kind: ReportKind, subject: Subject, as_at: data.AsAt, user: User | None
) -> tuple[data.ReportData, dict[str, Any]]:
    """The report's data, and the parameters that record how it was scoped."""
    if kind is ReportKind.COHORT and isinstance(subject, Cohort):
        return data.cohort_report(subject, as_at), {}
    if kind is ReportKind.PROGRAMME and isinstance(subject, Programme):
        return data.programme_report(subject, as_at), {}
    if kind is ReportKind.INSTITUTION and isinstance(subject, Institution):
        visible, scope = _institution_scope(user)
        return data.institution_report(subject, as_at, visible, scope), {"scope": scope}
    if kind is ReportKind.USE_CASE and isinstance(subject, UseCase):
        return data.use_case_report(subject, as_at), {}
    raise TypeError(f"a {kind.label} cannot be made from {type(subject).__name__}")


def issue(
    kind: ReportKind,
    subject: Subject,
    *,
    as_at: date | None,
    user: User | None,
    progress: Callable[[str], None] | None = None,
    now: datetime | None = None,
) -> IssuedReport:
    """Produce the PDF and add it to the register. ``user`` None means the command line.

    The register row is flushed first so that its reference, which every page prints, exists
    before rendering. Raises ``data.ReportError`` for a date the report cannot be made for.
    """
    config = current_app.config
    now = now or utcnow()
    at = data.AsAt.for_day(as_at, config["TRACKER_TIMEZONE"], now)
    if progress is not None:
        progress("collecting the figures")
    report, scope = build(kind, subject, at, user)

    row = IssuedReport(
        reference=f"pending-{secrets.token_hex(12)}",
        kind=kind,
        subject_id=subject.id,
        title=report.title[:400],
        as_at=at.day,
        parameters={
            "kind": kind.value,
            "subject_id": subject.id,
            "as_at": at.day.isoformat(),
            "timezone": config["TRACKER_TIMEZONE"],
            "classification": config["TRACKER_CLASSIFICATION"],
            "issued_from": "command line" if user is None else "web",
            **scope,
        },
        generated_by_id=user.id if user else None,
        issuer_regulator_id=user.regulator_id if user else None,
        issuer_institution_id=user.institution_id if user else None,
        generated_at=now,
        sha256="",
        size=0,
        data=b"",
    )
    db.session.add(row)
    db.session.flush()
    generated_local = at.local(now)
    row.reference = reference_for(row.id, generated_local.year)
    imprint = data.Imprint(
        reference=row.reference,
        generated_at=generated_local,
        generated_by=describe(user),
        classification=config["TRACKER_CLASSIFICATION"],
        timezone=config["TRACKER_TIMEZONE"],
    )
    pdf = layout.render(report, imprint, cjk_font=config["TRACKER_CJK_FONT"], progress=progress)
    row.data = pdf
    row.size = len(pdf)
    row.sha256 = hashlib.sha256(pdf).hexdigest()
    db.session.flush()
    log.info(
        "report %s issued: %s on %s #%s as at %s by %s (%d bytes, sha256 %s)",
        row.reference,
        kind.value,
        type(subject).__name__,
        subject.id,
        at.day.isoformat(),
        describe(user),
        row.size,
        row.sha256,
    )
    return row


def find_issued(pdf: bytes) -> IssuedReport | None:
    """The register entry whose bytes are exactly ``pdf``, if any."""
    digest = hashlib.sha256(pdf).hexdigest()
    candidates = db.session.scalars(
        sa.select(IssuedReport).where(IssuedReport.sha256 == digest, IssuedReport.size == len(pdf))
    )
    # The stored bytes are compared too, so even a hash collision could not pass.
    return next((r for r in candidates if r.data == pdf), None)
