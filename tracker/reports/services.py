"""Issuing reports: a request (a command, answered at once), then a worker prepares the data,
renders the PDF and keeps it in the register. ``issue`` does all three in this process for the
command line and tests. Flushes, never commits: the job and the unit of work commit."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from tracker import events, i18n
from tracker.auth.models import User
from tracker.auth.permissions import Permission, has
from tracker.committee.reports import committee_record
from tracker.exits import data as exit_data
from tracker.extensions import db, utcnow
from tracker.institutions.models import Institution
from tracker.programmes.models import Cohort, Programme
from tracker.reports import data, layout
from tracker.reports.models import IssuedReport, ReportKind, ReportRequest, RequestStatus
from tracker.reports.permissions import MODELS, Subject, can_generate
from tracker.rules import NotAllowedError, RuleError
from tracker.usecases.models import UseCase
from tracker.usecases.permissions import visible_filter

log = logging.getLogger(__name__)

COMMAND_LINE = "Command line"

# URL slugs of the kinds, as used by the web routes and the CLI.
SLUGS: dict[str, ReportKind] = {
    "cohort": ReportKind.COHORT,
    "programme": ReportKind.PROGRAMME,
    "institution": ReportKind.INSTITUTION,
    "use-case": ReportKind.USE_CASE,
    "exit": ReportKind.EXIT,
    "exit-proof": ReportKind.EXIT_PROOF,
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
) -> tuple[layout.AnyReport, dict[str, Any]]:
    """The report's data, and the parameters that record how it was scoped."""
    if kind is ReportKind.EXIT and isinstance(subject, UseCase):
        return exit_data.exit_report(subject, as_at), {}
    if kind is ReportKind.EXIT_PROOF and isinstance(subject, UseCase):
        return exit_data.proof_of_activities(subject, as_at), {}
    if kind is ReportKind.COHORT and isinstance(subject, Cohort):
        return data.cohort_report(subject, as_at), {}
    if kind is ReportKind.PROGRAMME and isinstance(subject, Programme):
        return data.programme_report(subject, as_at), {}
    if kind is ReportKind.INSTITUTION and isinstance(subject, Institution):
        visible, scope = _institution_scope(user)
        return data.institution_report(subject, as_at, visible, scope), {"scope": scope}
    if kind is ReportKind.USE_CASE and isinstance(subject, UseCase):
        report = data.use_case_report(subject, as_at)
        if user is None or not user.is_institution_user:
            # Reviewers' declarations and regulators' determinations are the regulator's.
            committee = committee_record(subject.id, as_at.cutoff, as_at.local)
            report = dataclasses.replace(report, committee=committee)
        return report, {}
    raise TypeError(f"a {kind.label} cannot be made from {type(subject).__name__}")


def _today_or(as_at: date | None, now: datetime | None = None) -> date:
    """The as-at day for a request: refused (as a rule) when it is in the future."""
    try:
        return data.AsAt.for_day(as_at, current_app.config["TRACKER_TIMEZONE"], now).day
    except data.ReportError as exc:
        raise RuleError({"as_at": str(exc)}, "report.request") from exc


def report_language(code: str | None) -> str:
    """The Babel code of a report's language (``en``, ``zh-Hant``, ``zh_Hant``…); English when
    none is given. Raises ``ValueError`` for any other language."""
    if not code:
        return i18n.ENGLISH
    language = i18n.normalise(code)
    if language is None:
        raise ValueError(code)
    return language


def _new_request(
    kind: ReportKind,
    subject: Subject,
    as_at: date | None,
    user: User | None,
    language: str | None = None,
) -> ReportRequest:
    day = _today_or(as_at)
    if isinstance(subject, UseCase):
        created = data.AsAt.for_day(day, current_app.config["TRACKER_TIMEZONE"]).local_date(
            subject.created_at
        )
        if created > day:
            raise RuleError(
                {"as_at": f"{subject.reference} was not yet created on {day:%d %b %Y}."},
                "report.request",
            )
        if kind in exit_data.EXIT_KINDS:
            refusal = exit_data.exit_refusal(subject)
            if refusal is not None:
                raise RuleError(refusal, "report.request")
            try:
                exit_data.decision(
                    subject, data.AsAt.for_day(day, current_app.config["TRACKER_TIMEZONE"])
                )
            except data.ReportError as exc:
                raise RuleError({"as_at": str(exc)}, "report.request") from exc
    request = ReportRequest(
        kind=kind,
        subject_id=subject.id,
        as_at=day,
        requested_by_id=user.id if user else None,
        status=RequestStatus.QUEUED,
        language=report_language(language),
    )
    db.session.add(request)
    db.session.flush()
    return request


def request_report(
    user: User,
    kind: ReportKind,
    subject: Subject,
    as_at: date | None,
    language: str | None = None,
) -> ReportRequest:
    """Ask for a report in ``language`` (English by default): answered at once; a worker
    produces it (``ReportRequested``)."""
    if not can_generate(user, kind, subject):
        raise NotAllowedError("report.request")
    request = _new_request(kind, subject, as_at, user, language)
    request.queued_at = utcnow()  # the subscriber queues it once this is committed
    events.record(
        events.ReportRequested(
            actor_id=user.id,
            request_id=request.id,
            kind=str(kind.value),
            subject_id=subject.id,
            as_at=request.as_at,
        )
    )
    return request


def request_system_report(
    kind: ReportKind, subject: Subject, as_at: date | None, language: str | None = None
) -> ReportRequest:
    """Ask for a report as the system (the command line, which may issue any report); the
    caller produces it in-process, so nothing is queued."""
    return _new_request(kind, subject, as_at, None, language)


@dataclass(frozen=True)
class Prepared:
    """Everything a report's PDF is made of, read from the database: rendering it needs no
    database (and so holds no lock)."""

    report: layout.AnyReport
    imprint: data.Imprint
    parameters: dict[str, Any]
    title: str
    on_draft: bool
    generated_at: datetime
    generated_by_id: int | None
    issuer_regulator_id: int | None
    issuer_institution_id: int | None
    language: str = i18n.ENGLISH


def prepare(request: ReportRequest, now: datetime | None = None) -> Prepared:
    """Read the figures of a requested report, in the request's language (every label and
    name the builders take is in it). Raises ``data.ReportError`` when the report cannot be
    made for its date, ``LookupError`` when its subject no longer exists."""
    with i18n.language(request.language):
        return _prepare(request, now)


def _prepare(request: ReportRequest, now: datetime | None = None) -> Prepared:
    config = current_app.config
    now = now or utcnow()
    subject = load_subject(request.kind, request.subject_id)
    if subject is None:
        raise LookupError(f"{request.kind.label} #{request.subject_id} does not exist")
    user = request.requested_by
    at = data.AsAt.for_day(request.as_at, config["TRACKER_TIMEZONE"], now)
    report, scope = build(request.kind, subject, at, user)
    generated_local = at.local(now)
    imprint = data.Imprint(
        reference=reference_for(request.id, generated_local.year),
        generated_at=generated_local,
        generated_by=describe(user),
        classification=config["TRACKER_CLASSIFICATION"],
        timezone=config["TRACKER_TIMEZONE"],
    )
    return Prepared(
        report=report,
        imprint=imprint,
        parameters={
            "kind": request.kind.value,
            "subject_id": subject.id,
            "as_at": at.day.isoformat(),
            "timezone": config["TRACKER_TIMEZONE"],
            "classification": config["TRACKER_CLASSIFICATION"],
            "issued_from": "command line" if user is None else "web",
            **scope,
        },
        title=report.title[:400],
        on_draft=isinstance(subject, UseCase) and not subject.is_proposal,
        generated_at=now,
        generated_by_id=user.id if user else None,
        issuer_regulator_id=user.regulator_id if user else None,
        issuer_institution_id=user.institution_id if user else None,
        language=i18n.normalise(request.language) or i18n.ENGLISH,
    )


def render(prepared: Prepared, progress: Callable[[str], None] | None = None) -> bytes:
    """The PDF, laid out in the report's language (every gettext in the stories follows)."""
    with i18n.language(prepared.language):
        return layout.render(
            prepared.report,
            prepared.imprint,
            cjk_font=current_app.config["TRACKER_CJK_FONT"],
            progress=progress,
            language=prepared.language,
        )


class AlreadyRegisteredError(Exception):
    """Another worker registered this request first."""


def register(request: ReportRequest, prepared: Prepared, pdf: bytes) -> IssuedReport:
    """Keep the PDF in the register under its request's reference and close the request,
    unless another worker did so first (``AlreadyRegisteredError``)."""
    row = IssuedReport(
        request_id=request.id,
        reference=prepared.imprint.reference,
        kind=request.kind,
        subject_id=request.subject_id,
        title=prepared.title,
        as_at=request.as_at,
        parameters=prepared.parameters,
        generated_by_id=prepared.generated_by_id,
        issuer_regulator_id=prepared.issuer_regulator_id,
        issuer_institution_id=prepared.issuer_institution_id,
        generated_at=prepared.generated_at,
        on_draft=prepared.on_draft,
        language=prepared.language,
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        data=pdf,
    )
    db.session.add(row)
    try:
        db.session.flush()  # issued_report.request_id is unique: a second registration fails
    except IntegrityError as exc:
        raise AlreadyRegisteredError(request.id) from exc
    request.status = RequestStatus.DONE
    request.finished_at = utcnow()
    request.step = i18n.N_("ready")
    db.session.flush()
    events.record(
        events.ReportIssued(
            actor_id=prepared.generated_by_id,
            request_id=request.id,
            report_id=row.id,
            reference=row.reference,
        )
    )
    log.info(
        "report %s issued: %s #%s as at %s by %s (%d bytes, sha256 %s)",
        row.reference,
        request.kind.value,
        request.subject_id,
        request.as_at.isoformat(),
        prepared.imprint.generated_by,
        row.size,
        row.sha256,
    )
    return row


def issue(
    kind: ReportKind,
    subject: Subject,
    *,
    as_at: date | None,
    user: User | None,
    progress: Callable[[str], None] | None = None,
    now: datetime | None = None,
    language: str | None = None,
) -> IssuedReport:
    """Request, produce and register a report in this process (the command line, tests).
    ``user`` None means the command line. Raises ``data.ReportError`` for a date the report
    cannot be made for."""
    try:
        request = _new_request(kind, subject, as_at, user, language)
    except RuleError as exc:
        raise data.ReportError(str(exc)) from exc
    request.status = RequestStatus.RUNNING
    request.attempts = 1
    request.started_at = utcnow()
    if progress is not None:
        progress("collecting the figures")
    prepared = prepare(request, now)
    return register(request, prepared, render(prepared, progress))


def find_issued(pdf: bytes) -> IssuedReport | None:
    """The register entry whose bytes are exactly ``pdf``, if any."""
    digest = hashlib.sha256(pdf).hexdigest()
    candidates = db.session.scalars(
        sa.select(IssuedReport).where(IssuedReport.sha256 == digest, IssuedReport.size == len(pdf))
    )
    # The stored bytes are compared too, so even a hash collision could not pass.
    return next((r for r in candidates if r.data == pdf), None)
