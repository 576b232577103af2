"""Read side of the administration pages: the lists, the choices in forms and the lookups that
validation needs. Every list loads what its table shows in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import InstrumentedAttribute, joinedload, selectinload
from wtforms import SelectChoice

from tracker.auth.models import User
from tracker.extensions import db
from tracker.formutil import options
from tracker.institutions.models import Category, Institution
from tracker.programmes.models import Cohort, Programme, Regulator, SelectionCriterion
from tracker.programmes.permissions import remit_programme_ids
from tracker.usecases.models import ReviewScore, UseCase

USERS_PER_PAGE = 50


def regulators() -> Sequence[Regulator]:
    return db.session.scalars(sa.select(Regulator).order_by(Regulator.code)).all()


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


def institutions() -> Sequence[Institution]:
    return db.session.scalars(
        sa.select(Institution).options(joinedload(Institution.regulator)).order_by(Institution.name)
    ).all()


def categories() -> Sequence[Category]:
    return db.session.scalars(sa.select(Category).order_by(Category.name)).all()


def users(page: int) -> Pagination:
    return db.paginate(
        sa.select(User)
        .options(joinedload(User.regulator), joinedload(User.institution))
        .order_by(User.active.desc(), User.name, User.id),
        page=page,
        per_page=USERS_PER_PAGE,
        error_out=False,
    )


def is_taken(
    column: InstrumentedAttribute[str],
    value: str,
    *,
    exclude_id: int | None = None,
    scope: sa.ColumnElement[bool] | None = None,
) -> bool:
    """Does another record already hold ``value`` in ``column``, ignoring case."""
    model: Any = column.class_
    query = sa.select(model.id).where(sa.func.lower(column) == value.lower())
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    if scope is not None:
        query = query.where(scope)
    return db.session.scalar(query.limit(1)) is not None


def _with_inactive_marked(name: str, active: bool) -> str:
    return name if active else f"{name} (inactive)"


def regulator_choices(keep: Collection[int] = ()) -> list[SelectChoice]:
    """Active regulators, plus any inactive one a record already points to (``keep``)."""
    rows = db.session.scalars(
        sa.select(Regulator)
        .where(sa.or_(Regulator.active, Regulator.id.in_(list(keep))))
        .order_by(Regulator.code)
    )
    return options((r.id, _with_inactive_marked(f"{r.code} — {r.name_en}", r.active)) for r in rows)


def institution_choices(keep: Collection[int] = ()) -> list[SelectChoice]:
    rows = db.session.scalars(
        sa.select(Institution)
        .where(sa.or_(Institution.active, Institution.id.in_(list(keep))))
        .order_by(Institution.name)
    )
    return options((i.id, _with_inactive_marked(i.name, i.active)) for i in rows)


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
    query = sa.select(UseCase.id).where(UseCase.cohort_id == cohort.id).limit(1)
    return db.session.scalar(query) is not None
