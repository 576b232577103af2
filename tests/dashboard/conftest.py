"""A sandbox with use cases in every situation the workspace shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from tests import factories as f
from tests.conftest import World, local_today
from tracker.extensions import db
from tracker.institutions.models import Category
from tracker.usecases.models import (
    Milestone,
    MilestoneStatus,
    ProgressReturn,
    Rag,
    Stage,
    UseCase,
)


@dataclass
class Cases:
    """Use cases around ``world``: HKMA programme cases and one in the IA programme."""

    pilot: UseCase  # Harbour Bank, pilot, return overdue, Kowloon AI Labs as partner
    pilot_on_time: UseCase  # Lion Rock Bank, pilot, recent return filed
    submitted: UseCase  # Harbour Bank
    under_review: UseCase  # Lion Rock Bank
    changes: UseCase  # Harbour Bank, changes requested
    draft: UseCase  # Harbour Bank
    production: UseCase  # Lion Rock Bank
    elsewhere: UseCase  # Lion Rock Bank in the IA programme, pilot, return overdue
    late_milestone: Milestone  # on ``pilot``
    risk: Category


def add_return(use_case: UseCase, period_end: date) -> ProgressReturn:
    ret = ProgressReturn(
        use_case=use_case,
        period_start=period_end - timedelta(days=29),
        period_end=period_end,
        rag=Rag.GREEN,
        narrative="On track.",
        attested_by_name="Chan Tai Man",
        attested_by_title="Chief Risk Officer",
    )
    db.session.add(ret)
    # As ``file_return`` keeps it.
    use_case.last_return_end = max(period_end, use_case.last_return_end or period_end)
    db.session.flush()
    return ret


@pytest.fixture
def cases(world: World) -> Cases:
    today = local_today()
    risk = f.create_category("Risk management", name_zh="風險管理")
    pilot = f.create_use_case(
        world.cohort,
        world.bank,
        world.category,
        stage=Stage.PILOT,
        title="Deepfake voice detection",
        partners=[world.partner],
        pilot_started_on=today - timedelta(days=60),
    )
    pilot_on_time = f.create_use_case(
        world.cohort,
        world.other_bank,
        risk,
        stage=Stage.PILOT,
        title="Credit memo drafting",
        pilot_started_on=today - timedelta(days=50),
    )
    add_return(pilot_on_time, today - timedelta(days=5))
    late = Milestone(
        use_case=pilot,
        title="Red-team exercise",
        planned_on=today - timedelta(days=3),
        status=MilestoneStatus.PLANNED,
    )
    done = Milestone(
        use_case=pilot,
        title="Model card",
        planned_on=today - timedelta(days=10),
        status=MilestoneStatus.DONE,
    )
    db.session.add_all([late, done])
    c = Cases(
        pilot=pilot,
        pilot_on_time=pilot_on_time,
        submitted=f.create_use_case(
            world.cohort, world.bank, risk, stage=Stage.SUBMITTED, title="AML alert triage"
        ),
        under_review=f.create_use_case(
            world.cohort,
            world.other_bank,
            world.category,
            stage=Stage.UNDER_REVIEW,
            title="Mule account detection",
        ),
        changes=f.create_use_case(
            world.cohort,
            world.bank,
            world.category,
            stage=Stage.CHANGES_REQUESTED,
            title="Scam call warnings",
        ),
        draft=f.create_use_case(world.cohort, world.bank, risk, title="Complaint summaries"),
        production=f.create_use_case(
            world.cohort,
            world.other_bank,
            risk,
            stage=Stage.PRODUCTION,
            title="Policy assistant",
        ),
        elsewhere=f.create_use_case(
            world.other_cohort,
            world.other_bank,
            world.category,
            stage=Stage.PILOT,
            title="Claims fraud screening",
            pilot_started_on=today - timedelta(days=90),
        ),
        late_milestone=late,
        risk=risk,
    )
    db.session.commit()
    return c
