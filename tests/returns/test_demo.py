"""The demo's schedules, request, incidents reported on their own and reminders."""

from __future__ import annotations

import sqlalchemy as sa

from tracker.demo import DATA_CUTOFF, seed_demo
from tracker.demo.schedules import CANTONESE, PHISHING, SME
from tracker.extensions import db
from tracker.notifications.models import Notification, OutboundMail
from tracker.returns.models import ExpectedReturn, ExpectedStatus, ReturnSchedule, Source
from tracker.usecases.models import Incident, Stage, StageTransition, UseCase


def by_title(title: str) -> UseCase:
    return db.session.scalars(sa.select(UseCase).where(UseCase.title == title)).one()


def test_the_demo_shows_schedules_requests_incidents_and_reminders() -> None:
    seed_demo()
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(ReturnSchedule.id))) == 2
    phishing = by_title(PHISHING)
    expected = db.session.scalars(
        sa.select(ExpectedReturn).where(ExpectedReturn.use_case_id == phishing.id)
    ).all()
    overdue = [e for e in expected if e.is_overdue(DATA_CUTOFF)]
    assert len(overdue) == 1
    assert [r.step for r in overdue[0].reminders] == ["before:7", "before:1", "overdue"]
    assert any(e.status is ExpectedStatus.FILED and e.return_id for e in expected)
    assert any(e.source is Source.MILESTONE for e in expected)
    told = db.session.scalars(
        sa.select(Notification.kind).where(Notification.kind.like("return_%"))
    ).all()
    assert {"return_due", "return_overdue", "return_escalated"} <= set(told)
    # History is not e-mailed.
    assert db.session.scalar(sa.select(sa.func.count(OutboundMail.id))) == 0

    request = db.session.scalars(
        sa.select(ExpectedReturn).where(
            ExpectedReturn.use_case_id == by_title(CANTONESE).id,
            ExpectedReturn.source == Source.AD_HOC,
        )
    ).one()
    assert request.is_open and "fee table" in request.request

    acknowledged = db.session.scalars(
        sa.select(Incident).where(Incident.use_case_id == phishing.id, Incident.return_id.is_(None))
    ).one()
    assert acknowledged.acknowledged and acknowledged.resolved
    sme = by_title(SME)
    assert sme.stage is Stage.SUSPENDED
    reported = db.session.scalars(
        sa.select(Incident).where(Incident.use_case_id == sme.id, Incident.return_id.is_(None))
    ).one()
    suspension = db.session.get(StageTransition, reported.suspension_id)
    assert suspension is not None and suspension.action == "suspend"
    assert suspension.details == {"incident_id": reported.id}

    # Seeding again adds nothing.
    before = db.session.scalar(sa.select(sa.func.count(ExpectedReturn.id)))
    seed_demo()
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(ExpectedReturn.id))) == before
