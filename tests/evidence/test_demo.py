"""The demo's AI evidence, compute and lessons: recorded through the commands, dated within the
pilots, and present for every production case of Cohort 1."""

from __future__ import annotations

import sqlalchemy as sa

from tracker.compute.queries import ledger
from tracker.demo.seed import seed_demo
from tracker.evidence.models import ActivityKind, EvidenceActivity, EvidenceEntry
from tracker.evidence.queries import evidence_as_at
from tracker.extensions import db
from tracker.lessons.models import Lesson, LessonStatus
from tracker.programmes.models import Cohort
from tracker.usecases.models import Stage, UseCase


def test_every_cohort_1_production_case_has_reviewed_iterations() -> None:
    seed_demo()
    db.session.commit()
    cases = list(
        db.session.scalars(
            sa.select(UseCase)
            .join(Cohort)
            .where(Cohort.name == "Cohort 1", UseCase.stage == Stage.PRODUCTION)
        )
    )
    assert len(cases) == 5
    for uc in cases:
        register = evidence_as_at(uc.id)
        assert len(register) >= 2, uc.title
        assert all(v.reviewed for v in register), uc.title
        assert all(e.derived for v in register for e in v.evaluations)
        # Each later iteration does at least as well as the first.
        assert register[-1].passed >= register[0].passed
        pilot = next(t.at for t in uc.transitions if t.to_stage is Stage.PILOT)
        assert all(pilot < v.recorded_at < uc.stage_changed_at for v in register)
    kinds = [a.kind for a in db.session.scalars(sa.select(EvidenceActivity))]
    assert ActivityKind.REVIEW_CLEARED in kinds
    # Compute: every Cohort 1 pilot allocated and used, one beyond its allocation with a reason.
    ledgers = {uc.title: ledger(uc) for uc in cases}
    assert all(lg.allocated > 0 and lg.used > 0 for lg in ledgers.values())
    over = [lg for lg in ledgers.values() if lg.remaining < 0]
    assert len(over) == 1 and over[0].usage[-1].over_use_reason
    assert all(u.return_id is not None for lg in ledgers.values() for u in lg.usage)
    # Lessons across both cohorts, one from a return, one still proposed.
    lessons = list(db.session.scalars(sa.select(Lesson)))
    cohorts = {lesson.use_case.cohort.name for lesson in lessons}
    assert {"Cohort 1", "Cohort 2"} <= cohorts
    assert any(lesson.return_id for lesson in lessons)
    assert [lesson.status for lesson in lessons].count(LessonStatus.PROPOSED) == 1
    before = db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceEntry))
    again = seed_demo()
    db.session.commit()
    assert again.created["AI evidence entries"] == 0
    assert again.created["compute ledger rows"] == 0
    assert again.created["lessons"] == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceEntry)) == before
