"""Demo exits: the HKMA issues the exit report of each of Cohort 1's production cases a
fortnight after its approval (and the written proof of activities for one, which its bank asked
for), then one exit report is published with both sides' consent and a public abstract. Through
the report and publication commands under the frozen clock; adds only what is missing."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tracker import clock
from tracker.auth.models import Role, User
from tracker.demo.content.reference import REVIEWER_EMAILS, SANDBOX
from tracker.exits import services as exit_services
from tracker.extensions import db
from tracker.programmes.models import Cohort, Programme
from tracker.reports import services as report_services
from tracker.reports.models import IssuedReport, ReportKind
from tracker.usecases.models import Stage, UseCase

PUBLISHED = "Scam-call transcript triage for the fraud hotline"
ABSTRACT = (
    "A retail bank tested a fine-tuned language model that reads scam-call transcripts from "
    "its fraud hotline, classifies the scam typology and drafts the case note for an analyst "
    "to check. Over the pilot analysts' triage time fell and the model's classifications "
    "matched a general model ten times its size once code-mixed Cantonese was in the training "
    "data. Amounts and account numbers in case notes are copied from the transcript, never "
    "generated. The regulator approved production on condition that a person keeps signing "
    "off every case note and that the model is validated again each quarter."
)
PROOF_FOR = PUBLISHED


def _institution_user(use_case: UseCase) -> User | None:
    return db.session.scalars(
        sa.select(User)
        .where(User.institution_id == use_case.institution_id, User.role == Role.INSTITUTION)
        .order_by(User.id)
    ).first()


def _issued(use_case: UseCase, kind: ReportKind) -> bool:
    return (
        db.session.scalar(
            sa.select(IssuedReport.id)
            .where(IssuedReport.kind == kind, IssuedReport.subject_id == use_case.id)
            .limit(1)
        )
        is not None
    )


def seed_exits() -> int:
    """Issue the demo exit PDFs and publish one; how many PDFs were issued."""
    reviewer = db.session.scalar(sa.select(User).where(User.email == REVIEWER_EMAILS["HKMA"]))
    if reviewer is None:
        return 0
    cases = db.session.scalars(
        sa.select(UseCase)
        .join(Cohort)
        .join(Programme)
        .where(
            Programme.name == SANDBOX,
            Cohort.name == "Cohort 1",
            UseCase.stage == Stage.PRODUCTION,
        )
        .order_by(UseCase.id)
    ).all()
    latest = clock.utcnow() - timedelta(minutes=20)
    issued = 0
    for use_case in cases:
        moment = min(use_case.stage_changed_at + timedelta(days=14), latest)
        kinds = [ReportKind.EXIT] + ([ReportKind.EXIT_PROOF] if use_case.title == PROOF_FOR else [])
        for kind in kinds:
            if _issued(use_case, kind):
                continue
            with clock.frozen_at(moment):
                report_services.issue(kind, use_case, as_at=None, user=reviewer)
            issued += 1
        if use_case.title == PUBLISHED:
            _publish(use_case, reviewer)
    return issued


def _publish(use_case: UseCase, reviewer: User) -> None:
    """Both sides consent a week after the exit report, then the HKMA publishes it."""
    record = exit_services.publication_of(use_case.id)
    owner = _institution_user(use_case)
    if owner is None or (record is not None and record.published):
        return
    assert record is None or not record.published
    base = min(
        use_case.stage_changed_at + timedelta(days=21), clock.utcnow() - timedelta(minutes=15)
    )
    with clock.frozen_at(base):
        record = exit_services.consent(use_case, owner, record.version if record else 0)
    with clock.frozen_at(base + timedelta(minutes=5)):
        record = exit_services.consent(use_case, reviewer, record.version)
    with clock.frozen_at(base + timedelta(minutes=10)):
        exit_services.publish(use_case, reviewer, ABSTRACT, record.version)
