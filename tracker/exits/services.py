"""Commands of an exit report's publication (Art. 57(8): published only if both the provider
and the authority agree). The institution and regulator staff each record their side's
consent, and either may withdraw it before publication; regulator staff publish, with an
abstract they write, once both have consented and an exit report has been issued."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from tracker import events
from tracker.auth.models import User
from tracker.events import UseCaseEvent
from tracker.exits.data import EXIT_STAGES
from tracker.exits.models import ExitPublication
from tracker.extensions import db, utcnow
from tracker.i18n import gettext as _
from tracker.i18n import number
from tracker.reports.models import IssuedReport, ReportKind
from tracker.rules import ConflictError, NotAllowedError, RuleError
from tracker.usecases.models import UseCase
from tracker.usecases.permissions import can_act_as_regulator, is_active_owner

ABSTRACT = 4000
ACTION = "use_case.exit_publication"


@dataclass(frozen=True)
class ExitPublicationChanged(UseCaseEvent):
    action: ClassVar[str] = ACTION
    change: str = ""  # consented, withdrew, published
    side: str = ""  # institution or regulator


def publication_of(use_case_id: int) -> ExitPublication | None:
    return db.session.scalar(
        sa.select(ExitPublication).where(ExitPublication.use_case_id == use_case_id)
    )


def latest_exit_report(use_case_id: int) -> IssuedReport | None:
    """The exit report issued last on the use case: the one a publication points to."""
    return db.session.scalars(
        sa.select(IssuedReport)
        .where(IssuedReport.kind == ReportKind.EXIT, IssuedReport.subject_id == use_case_id)
        .order_by(IssuedReport.generated_at.desc(), IssuedReport.id.desc())
        .limit(1)
    ).first()


def side_of(user: User, use_case: UseCase) -> str | None:
    """Which side ``user`` consents for: the lead institution or the regulator, else None."""
    if is_active_owner(user, use_case):
        return "institution"
    if can_act_as_regulator(user, use_case):
        return "regulator"
    return None


def _current(use_case: UseCase, expected_version: int) -> ExitPublication:
    """The publication record as the user read it (version 0: none yet), or a conflict."""
    found = publication_of(use_case.id)
    if (found.version if found else 0) != expected_version:
        raise ConflictError(action=ACTION)
    if found is None:
        found = ExitPublication(use_case_id=use_case.id, abstract="")
        db.session.add(found)
    return found


def _open_for(use_case: UseCase, user: User) -> str:
    side = side_of(user, use_case)
    if side is None:
        raise NotAllowedError(ACTION)
    if use_case.stage not in EXIT_STAGES:
        raise RuleError(
            _(
                "Only the exit of a use case approved for production or discontinued "
                "can be published."
            ),
            ACTION,
        )
    return side


def _flush(change: str, side: str, use_case: UseCase, user: User) -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise ConflictError(action=ACTION) from exc
    events.record(
        ExitPublicationChanged(actor_id=user.id, use_case_id=use_case.id, change=change, side=side)
    )


def consent(use_case: UseCase, user: User, expected_version: int) -> ExitPublication:
    """Record the user's side's consent to publishing the exit report."""
    side = _open_for(use_case, user)
    record = _current(use_case, expected_version)
    if record.published:
        raise RuleError(_("The exit report is already published."), ACTION)
    now = utcnow()
    if side == "institution":
        if record.institution_consent_at is not None:
            raise RuleError(_("Your institution has already consented."), ACTION)
        record.institution_consent_at, record.institution_consent_by_id = now, user.id
    else:
        if record.regulator_consent_at is not None:
            raise RuleError(_("The regulator has already consented."), ACTION)
        record.regulator_consent_at, record.regulator_consent_by_id = now, user.id
    _flush("consented", side, use_case, user)
    return record


def withdraw(use_case: UseCase, user: User, expected_version: int) -> ExitPublication:
    """Withdraw the user's side's consent; only before publication."""
    side = _open_for(use_case, user)
    record = _current(use_case, expected_version)
    if record.published:
        raise RuleError(
            _("The exit report is already published: consent can no longer be withdrawn."),
            ACTION,
        )
    if side == "institution":
        if record.institution_consent_at is None:
            raise RuleError(_("Your institution has not consented."), ACTION)
        record.institution_consent_at = record.institution_consent_by_id = None
    else:
        if record.regulator_consent_at is None:
            raise RuleError(_("The regulator has not consented."), ACTION)
        record.regulator_consent_at = record.regulator_consent_by_id = None
    _flush("withdrew", side, use_case, user)
    return record


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def _slug(use_case: UseCase) -> str:
    words = _NOT_SLUG.sub("-", f"{use_case.reference} {use_case.title}".lower()).strip("-")
    return f"{words[:60].rstrip('-')}-{use_case.id}"


def publish(use_case: UseCase, user: User, abstract: str, expected_version: int) -> ExitPublication:
    """Regulator staff publish the latest exit report's abstract once both sides consented."""
    side = _open_for(use_case, user)
    if side != "regulator":
        raise NotAllowedError(ACTION)
    record = _current(use_case, expected_version)
    rules = RuleError.collect(ACTION)
    if record.published:
        raise RuleError(_("The exit report is already published."), ACTION)
    text = abstract.strip()
    rules.check(bool(text), "abstract", _("Write the abstract the public page shows."))
    rules.check(
        len(text) <= ABSTRACT,
        "abstract",
        _("At most %(limit)s characters.", limit=number(ABSTRACT)),
    )
    rules.check(
        record.institution_consent_at is not None,
        "abstract",
        _(
            "The institution has not consented to publication: an exit report is published only "
            "when both the institution and the regulator agree."
        ),
    )
    rules.check(
        record.regulator_consent_at is not None,
        "abstract",
        _("Record the regulator's consent before publishing."),
    )
    report = latest_exit_report(use_case.id)
    rules.check(report is not None, "abstract", _("Issue the exit report before publishing it."))
    rules.raise_if_any()
    assert report is not None
    record.abstract = text
    record.report_id = report.id
    record.slug = _slug(use_case)
    record.published_at = utcnow()
    record.published_by_id = user.id
    _flush("published", side, use_case, user)
    return record
