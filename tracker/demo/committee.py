"""The committee's part of the demo, replayed through the committee's commands on the seeder's
timeline: Cohort 2's committee is set up, its criteria weighted, twelve proposals assigned, the
members declare their interests (one conflict, recused) and score (one disagreement), and the
SFC records its determination on the securities firm's Sandbox++ proposal before the joint
selection. What the content says is in ``tracker.demo.content.committee``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Protocol

import sqlalchemy as sa

from tracker.auth.models import User
from tracker.committee import services
from tracker.committee.models import Assignment, ConflictWith, Decision
from tracker.demo.content import committee as content
from tracker.demo.content.reference import COHORT_2, PLUS_COHORT, REVIEWER_EMAILS
from tracker.demo.spec import DemoUseCase, days_before
from tracker.extensions import db
from tracker.organisations.models import Institution
from tracker.programmes.models import Cohort
from tracker.usecases import services as usecase_services
from tracker.usecases.models import UseCase


class Scheduler(Protocol):
    def at(self, moment: datetime, action: Callable[[], None]) -> None: ...


def _use_case(cohort: Cohort, title: str) -> UseCase:
    found = db.session.scalar(
        sa.select(UseCase).where(UseCase.cohort_id == cohort.id, UseCase.title == title)
    )
    if found is None:
        raise ValueError(f"demo committee: no proposal “{title}” in {cohort}")
    return found


def schedule(
    timeline: Scheduler,
    cohorts: dict[tuple[str, str], Cohort],
    users: dict[str, User],
    specs: list[DemoUseCase],
    today: date,
    replayed: set[str],
) -> None:
    """Add the committee's history to the timeline, unless it is already there."""
    cohort = cohorts[COHORT_2]
    chair = users[content.CHAIR_EMAIL]
    submitted = {
        s.title: next(step.at for step in s.steps if step.action == "submit")
        for s in specs
        if s.cohort == COHORT_2 and s.steps
    }
    if cohort.committee is None and set(content.SCORING) <= set(submitted):
        _schedule_committee(timeline, cohort, chair, users, submitted, today)
    institution, title, at, reasons, conditions = content.SFC_DETERMINATION
    if title in replayed:

        def determine() -> None:
            plus = cohorts[PLUS_COHORT]
            use_case = _use_case(plus, title)
            assert db.session.get(Institution, use_case.institution_id).name == institution  # type: ignore[union-attr]
            services.record_determination(
                users[REVIEWER_EMAILS["SFC"]],
                use_case,
                Decision.SUPPORT_WITH_CONDITIONS,
                reasons,
                conditions,
            )

        timeline.at(at, determine)


def _schedule_committee(
    timeline: Scheduler,
    cohort: Cohort,
    chair: User,
    users: dict[str, User],
    submitted: dict[str, datetime],
    today: date,
) -> None:
    def set_up() -> None:
        emails = (content.CHAIR_EMAIL, *content.MEMBER_EMAILS, content.EXPERT_EMAIL)
        services.save_committee(
            chair,
            cohort,
            services.CommitteeData(
                member_ids=tuple(users[e].id for e in emails),
                quorum=content.QUORUM,
                review_days=content.REVIEW_DAYS,
                places=content.PLACES,
            ),
        )
        services.save_criteria(
            chair,
            cohort,
            [
                services.CriterionData(c.id, weight, r1, r3, r5)
                for c, (weight, r1, r3, r5) in zip(cohort.criteria, content.CRITERIA, strict=True)
            ],
        )

    timeline.at(days_before(today, content.SET_UP_DAYS_AGO, 9), set_up)
    assigned_at = days_before(today, content.ASSIGNED_DAYS_AGO, 10)
    scored_at = days_before(today, content.SCORED_DAYS_AGO, 15)
    for title, scorings in content.SCORING.items():
        # A proposal submitted after the committee's first round is assigned when it arrives.
        when = max(assigned_at, submitted[title] + timedelta(hours=2))
        timeline.at(when, _assign(cohort, chair, users, title, scorings))
        timeline.at(when + timedelta(hours=20), _declare(cohort, users, title, scorings))
        timeline.at(
            max(scored_at, when + timedelta(days=2)), _score(cohort, users, title, scorings)
        )


def _assign(
    cohort: Cohort,
    chair: User,
    users: dict[str, User],
    title: str,
    scorings: tuple[content.Scoring, ...],
) -> Callable[[], None]:
    def act() -> None:
        use_case = _use_case(cohort, title)
        services.assign(chair, use_case, tuple(users[s.reviewer].id for s in scorings))

    return act


def _assignment(use_case: UseCase, user: User) -> Assignment:
    found = db.session.scalar(
        sa.select(Assignment).where(
            Assignment.use_case_id == use_case.id, Assignment.reviewer_id == user.id
        )
    )
    assert found is not None
    return found


def _declare(
    cohort: Cohort, users: dict[str, User], title: str, scorings: tuple[content.Scoring, ...]
) -> Callable[[], None]:
    def act() -> None:
        use_case = _use_case(cohort, title)
        conflict = content.CONFLICTS.get(title)
        for s in scorings:
            reviewer = users[s.reviewer]
            if conflict is not None and conflict.reviewer == s.reviewer:
                partner = next(p for p in use_case.partners if p.name == conflict.partner)
                data = services.DeclarationData(
                    True, ConflictWith.PARTNER, partner.id, conflict.note
                )
            else:
                data = services.DeclarationData(conflict=False)
            services.declare(reviewer, _assignment(use_case, reviewer), data)

    return act


def _score(
    cohort: Cohort, users: dict[str, User], title: str, scorings: tuple[content.Scoring, ...]
) -> Callable[[], None]:
    def act() -> None:
        use_case = _use_case(cohort, title)
        criteria = [c.id for c in cohort.criteria]
        for s in scorings:
            if s.scores is None:
                continue
            usecase_services.save_review(
                use_case,
                users[s.reviewer],
                {c: (score, "") for c, score in zip(criteria, s.scores, strict=True)},
                s.comment,
            )

    return act
