"""A use case through its pilot to production: an agreed plan with two KPIs, two returns with
numbers, an incident in a return and one reported on its own, milestones, a recorded lesson."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests import factories as f
from tests.conftest import World, local_today
from tests.reports.conftest import move
from tracker import clock
from tracker.extensions import db, utcnow
from tracker.lessons import services as lesson_services
from tracker.lessons.models import Theme
from tracker.usecases.models import (
    Incident,
    KpiValue,
    Milestone,
    MilestoneStatus,
    ProgressReturn,
    Rag,
    Severity,
    Stage,
    UseCase,
)

EXIT_DAYS_AGO = 3


@dataclass
class Exited:
    production: UseCase  # approved for production EXIT_DAYS_AGO days ago
    discontinued: UseCase
    pilot: UseCase  # still in its pilot: no exit report


def _returned(uc: UseCase, start: date, end: date, hours: str, fp: str, days_ago: int) -> None:
    r = ProgressReturn(
        use_case=uc,
        period_start=start,
        period_end=end,
        rag=Rag.GREEN,
        narrative="On track.",
        attested_by_name="Ada Chan",
        attested_by_title="Chief Risk Officer",
        submitted_at=utcnow() - timedelta(days=days_ago),
    )
    db.session.add(r)
    db.session.flush()
    db.session.add_all(
        [
            KpiValue(
                return_id=r.id,
                position=0,
                kpi="Analyst hours saved per week",
                value="",
                number=Decimal(hours),
            ),
            KpiValue(
                return_id=r.id, position=1, kpi="False-positive rate", value="", number=Decimal(fp)
            ),
        ]
    )


@pytest.fixture
def exited(world: World) -> Exited:
    w = world
    now = utcnow()
    with clock.frozen_at(now - timedelta(days=50)):
        uc = f.create_use_case(
            w.cohort,
            w.bank,
            w.category,
            stage=Stage.SELECTED,
            title="Hotline triage 熱線分流",
            partners=[w.partner],
        )
        uc.created_at = now - timedelta(days=60)
        f.create_agreed_plan(uc, w.bank_user, w.reviewer)
    uc.pilot_started_on = local_today() - timedelta(days=40)
    uc.pilot_duration_weeks = 26
    move(uc, Stage.PILOT, now - timedelta(days=40))
    db.session.add(
        Milestone(
            use_case=uc,
            title="Shadow run complete",
            planned_on=local_today() - timedelta(days=30),
            actual_on=local_today() - timedelta(days=29),
            status=MilestoneStatus.DONE,
            created_at=now - timedelta(days=45),
        )
    )
    _returned(
        uc, local_today() - timedelta(days=40), local_today() - timedelta(days=25), "12", "25", 20
    )
    _returned(
        uc, local_today() - timedelta(days=24), local_today() - timedelta(days=8), "44", "14", 6
    )
    db.session.add(
        Incident(
            use_case_id=uc.id,
            return_id=None,
            reported_at=now - timedelta(days=10),
            occurred_on=local_today() - timedelta(days=11),
            description="Transcript service outage for two hours.",
            severity=Severity.LOW,
        )
    )
    uc.exit_outcome = "Hours saved beat the target; false positives stayed above it."
    uc.exit_lessons = "Sample outputs daily."
    uc.exit_conditions = "Quarterly model validation reported to the HKMA."
    move(uc, Stage.PRODUCTION, now - timedelta(days=EXIT_DAYS_AGO))
    lesson_services.add_lesson(
        uc,
        w.reviewer,
        lesson_services.LessonData(
            "Sample outputs every day", "Daily sampling found drift early.", (Theme.EVALUATION,)
        ),
    )
    with clock.frozen_at(now - timedelta(days=40)):
        stopped = f.create_use_case(
            w.cohort, w.bank, w.category, stage=Stage.PILOT, title="Chatbot"
        )
    move(stopped, Stage.DISCONTINUED, now - timedelta(days=2), reason="Accuracy too low.")
    pilot = f.create_use_case(w.cohort, w.bank, w.category, stage=Stage.PILOT, title="Still going")
    db.session.commit()
    return Exited(production=uc, discontinued=stopped, pilot=pilot)
