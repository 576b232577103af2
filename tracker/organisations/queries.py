"""Read side of organisations: the lists, the choices forms offer and the uniqueness lookup the
commands use. Every list loads what its table shows in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, joinedload
from wtforms import SelectChoice

from tracker.extensions import db
from tracker.formutil import options
from tracker.i18n import gettext as _
from tracker.i18n import local_name
from tracker.organisations.models import Category, Institution, Regulator


def regulators() -> Sequence[Regulator]:
    return db.session.scalars(sa.select(Regulator).order_by(Regulator.code)).all()


def institutions() -> Sequence[Institution]:
    return db.session.scalars(
        sa.select(Institution).options(joinedload(Institution.regulator)).order_by(Institution.name)
    ).all()


def categories() -> Sequence[Category]:
    return db.session.scalars(sa.select(Category).order_by(Category.name)).all()


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
    return name if active else _("%(name)s (inactive)", name=name)


def regulator_choices(keep: Collection[int] = ()) -> list[SelectChoice]:
    """Active regulators, plus any inactive one a record already points to (``keep``)."""
    rows = db.session.scalars(
        sa.select(Regulator)
        .where(sa.or_(Regulator.active, Regulator.id.in_(list(keep))))
        .order_by(Regulator.code)
    )
    return options(
        (r.id, _with_inactive_marked(f"{r.code} — {local_name(r)}", r.active)) for r in rows
    )


def institution_choices(keep: Collection[int] = ()) -> list[SelectChoice]:
    rows = db.session.scalars(
        sa.select(Institution)
        .where(sa.or_(Institution.active, Institution.id.in_(list(keep))))
        .order_by(Institution.name)
    )
    return options((i.id, _with_inactive_marked(local_name(i), i.active)) for i in rows)
