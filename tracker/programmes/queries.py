"""Read side of programmes and cohorts: the lists, what a user may manage, and what the cohort
commands need to know about the use cases and scores inside a cohort."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from tracker.auth.models import User
from tracker.extensions import db
from tracker.programmes.models import Cohort, Programme, SelectionCriterion
from tracker.programmes.permissions import remit_programme_ids
from tracker.usecases.models import ReviewScore, UseCase


def programmes() -> Sequence[Programme]:
    return db.session.scalars(
        sa.select(Programme)
        .options(
            joinedload(Programme.lead_regulator),
            selectinload(Programme.participants),
            selectinload(Programme.cohorts),
        )
        .order_by(Programme.name)
    ).all()


def cohorts(user: User) -> Sequence[Cohort]:
    """Every cohort for administrators; for regulator staff only those in their remit."""
    query = (
        sa.select(Cohort)
        .join(Cohort.programme)
        .options(
            joinedload(Cohort.programme).joinedload(Programme.lead_regulator),
            joinedload(Cohort.programme).selectinload(Programme.participants),
            selectinload(Cohort.criteria),
        )
        .order_by(Programme.name, Cohort.applications_open_on, Cohort.id)
    )
    remit = remit_programme_ids(user)
    if remit is not None:
        query = query.where(Cohort.programme_id.in_(remit))
    return db.session.scalars(query).all()


def cohort_for_edit(cohort_id: int) -> Cohort | None:
    """A cohort with its criteria and its programme's regulators, as the edit page needs."""
    return db.session.scalar(
        sa.select(Cohort)
        .where(Cohort.id == cohort_id)
        .options(
            selectinload(Cohort.criteria),
            selectinload(Cohort.programme).selectinload(Programme.participants),
        )
    )


def use_case_counts(cohort_ids: Collection[int]) -> dict[int, int]:
    """How many proposals each cohort holds, in one query (drafts are the institutions' own
    until submitted, so they are not counted)."""
    if not cohort_ids:
        return {}
    rows = db.session.execute(
        sa.select(UseCase.cohort_id, sa.func.count(UseCase.id))
        .where(UseCase.cohort_id.in_(cohort_ids), UseCase.proposals())
        .group_by(UseCase.cohort_id)
    ).all()
    return {cohort_id: count for cohort_id, count in rows}


def manageable_programmes(user: User, keep: Collection[int] = ()) -> Sequence[Programme]:
    """Active programmes in which the user may set up cohorts, plus those in ``keep``."""
    query = (
        sa.select(Programme)
        .where(sa.or_(Programme.active, Programme.id.in_(list(keep))))
        .options(selectinload(Programme.participants))
        .order_by(Programme.name)
    )
    remit = remit_programme_ids(user)
    if remit is not None:
        query = query.where(Programme.id.in_(remit))
    return db.session.scalars(query).all()


def scored_criteria(cohort: Cohort) -> dict[int, int]:
    """Criterion id -> number of review scores given against it, for this cohort."""
    rows = db.session.execute(
        sa.select(SelectionCriterion.id, sa.func.count(ReviewScore.id))
        .join(ReviewScore, ReviewScore.criterion_id == SelectionCriterion.id)
        .where(SelectionCriterion.cohort_id == cohort.id)
        .group_by(SelectionCriterion.id)
    ).all()
    return {criterion_id: count for criterion_id, count in rows}


def has_use_cases(cohort: Cohort) -> bool:
    """Whether any use case, draft or proposal, belongs to the cohort."""
    query = sa.select(UseCase.id).where(UseCase.cohort_id == cohort.id).limit(1)
    return db.session.scalar(query) is not None
