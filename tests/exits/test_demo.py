"""The demo's exits: an exit report for each of Cohort 1's production cases, one published."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask.testing import FlaskClient

from tracker.demo import seed_demo
from tracker.demo.exits import PUBLISHED
from tracker.exits.models import ExitPublication
from tracker.extensions import db
from tracker.programmes.models import Cohort
from tracker.reports.models import IssuedReport, ReportKind
from tracker.usecases.models import Stage, UseCase


def test_demo_exit_reports_and_one_publication(client: FlaskClient) -> None:
    seed_demo()
    db.session.commit()
    production = db.session.scalars(
        sa.select(UseCase)
        .join(Cohort)
        .where(Cohort.name == "Cohort 1", UseCase.stage == Stage.PRODUCTION)
    ).all()
    assert production
    for uc in production:
        reports = db.session.scalars(
            sa.select(IssuedReport).where(
                IssuedReport.kind == ReportKind.EXIT, IssuedReport.subject_id == uc.id
            )
        ).all()
        assert len(reports) >= 1, uc.title
        report = reports[0]
        assert hashlib.sha256(report.data).hexdigest() == report.sha256
        assert report.generated_at > uc.stage_changed_at
    published = db.session.scalars(
        sa.select(ExitPublication).where(ExitPublication.published_at.is_not(None))
    ).all()
    assert [p.use_case.title for p in published] == [PUBLISHED]
    page = client.get(f"/published/{published[0].slug}")
    assert page.status_code == 200 and published[0].report.reference in page.get_data(as_text=True)
    # Seeding again adds nothing.
    before = db.session.scalar(sa.select(sa.func.count()).select_from(IssuedReport))
    seed_demo()
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IssuedReport)) == before
