"""Demo compute ledger: the HKMA allocates GPU hours at the Cyberport AI Supercomputing Centre
to each of Cohort 1's pilots in two tranches, and each institution reports the hours it used in
every period of its progress returns, through the compute commands under the frozen clock.
One pilot ran beyond its allocation and said why. Adds only what is missing."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa

from tracker import clock
from tracker.auth.models import Role, User
from tracker.compute import services
from tracker.compute.models import ComputeAllocation
from tracker.demo.content.reference import REVIEWER_EMAILS, SANDBOX
from tracker.extensions import db
from tracker.programmes.models import Cohort, Programme
from tracker.usecases.models import ProgressReturn, Stage, StageTransition, UseCase
from tracker.usecases.workflow import PILOT_OR_LATER

COHORT = "Cohort 1"
OVER_USE = "Mule account detection with transaction narratives"
OVER_USE_REASON = (
    "A second fine-tuning round after the adversarial tests in the third period; agreed with "
    "the HKMA case officer at the monthly meeting, a further tranche is requested."
)


def seed_compute() -> int:
    """Allocate and report Cohort 1's GPU hours; how many ledger rows were added."""
    cases = db.session.scalars(
        sa.select(UseCase)
        .join(Cohort)
        .join(Programme)
        .where(
            Programme.name == SANDBOX,
            Cohort.name == COHORT,
            UseCase.stage.in_(PILOT_OR_LATER),
            UseCase.gpu_hours.is_not(None),
        )
        .order_by(UseCase.id)
    )
    added = 0
    for use_case in cases:
        if db.session.scalar(
            sa.select(ComputeAllocation.id)
            .where(ComputeAllocation.use_case_id == use_case.id)
            .limit(1)
        ):
            continue
        started = db.session.scalar(
            sa.select(StageTransition.at).where(
                StageTransition.use_case_id == use_case.id,
                StageTransition.to_stage == Stage.PILOT,
            )
        )
        author = db.session.scalars(
            sa.select(User)
            .where(User.institution_id == use_case.institution_id, User.role == Role.INSTITUTION)
            .order_by(User.id)
        ).first()
        reviewer = db.session.scalar(
            sa.select(User).where(
                User.email == REVIEWER_EMAILS[use_case.cohort.programme.lead_regulator.code]
            )
        )
        if started is None or author is None or reviewer is None or not use_case.gpu_hours:
            continue
        added += _ledger(use_case, started, author, reviewer)
    return added


def _ledger(use_case: UseCase, started: datetime, author: User, reviewer: User) -> int:
    requested = use_case.gpu_hours or 0
    rng = random.Random(f"tracker-demo-compute:{use_case.title}")
    first = round(requested * 0.6, -1)
    second = round(requested * 0.4, -1)
    returns = list(use_case.returns)
    steps: list[tuple[datetime, Callable[[], object]]] = [
        (
            started + timedelta(days=1),
            lambda: services.allocate(
                use_case,
                reviewer,
                (started + timedelta(days=1)).date(),
                int(first),
                "First tranche at the AI Supercomputing Centre, for the first three months.",
            ),
        )
    ]
    if len(returns) >= 3:
        granted = returns[2].submitted_at - timedelta(days=2)
        steps.append(
            (
                granted,
                lambda: services.allocate(
                    use_case,
                    reviewer,
                    granted.date(),
                    int(second),
                    "Second tranche after the mid-pilot review of progress and use.",
                ),
            )
        )
    # The hours used spread over the returns, a little under the allocation (over it for one).
    budget = (first + second) * (1.12 if use_case.title == OVER_USE else rng.uniform(0.7, 0.9))
    weights = [rng.uniform(0.7, 1.3) for _ in returns]
    for filed, weight in zip(returns, weights, strict=True):
        hours = int(budget * weight / sum(weights))

        def report(filed: ProgressReturn = filed, hours: int = hours) -> object:
            allocated = services.allocated_hours(use_case.id)
            over = services.used_hours(use_case.id) + hours > allocated
            return services.report_usage(
                use_case,
                author,
                services.UsageData(
                    filed.period_start,
                    filed.period_end,
                    hours,
                    return_id=filed.id,
                    over_use_reason=OVER_USE_REASON if over else "",
                ),
            )

        steps.append((filed.submitted_at + timedelta(hours=1), report))
    for moment, step in sorted(steps, key=lambda s: s[0]):
        with clock.frozen_at(moment):
            step()
    return len(steps)
