"""The demo content as data: one module per programme cohort, each declaring its cohort and
the use cases in it with their whole history. Nothing here touches the database."""

from __future__ import annotations

from datetime import date

from tracker.demo.content import cohort1, cohort2, committee, sandbox_plus
from tracker.demo.spec import CohortSpec, DemoUseCase


def cohort_specs(today: date) -> list[CohortSpec]:
    return [cohort1.COHORT, cohort2.cohort(today), sandbox_plus.COHORT]


def demo_use_cases(today: date) -> list[DemoUseCase]:
    return [
        *cohort1.use_cases(),
        *cohort2.use_cases(today),
        *committee.use_cases(today),
        *sandbox_plus.use_cases(),
    ]
