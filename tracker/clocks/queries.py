"""The read side of the clocks for lists, the board and the dashboard: conditions on
``UseCase.clock_due_on`` (served by its index), never a clock computed per row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from tracker.auth.models import User
from tracker.clock import local_today
from tracker.clocks.calendar import WorkingCalendar
from tracker.enums import LabelledEnum
from tracker.extensions import db
from tracker.usecases.models import UseCase
from tracker.usecases.workspace import visible_in_index_order


class ClockFilter(LabelledEnum):
    RUNNING = ("running", "A clock is running")
    DUE_SOON = ("due_soon", "Due soon")
    OVERDUE = ("overdue", "Overdue")


def due_soon_days() -> int:
    return int(current_app.config.get("TRACKER_CLOCK_DUE_SOON_DAYS", 5))


def due_soon_until(today: date | None = None) -> date:
    """The last day "due soon" reaches: that many Hong Kong working days ahead. Lists span
    several regulators, so their closures do not shift it; each due date already counts them."""
    return WorkingCalendar().add_working_days(today or local_today(), due_soon_days())


def condition(kind: ClockFilter, today: date | None = None) -> sa.ColumnElement[bool]:
    """Use cases whose running clock matches ``kind`` as at ``today``."""
    today = today or local_today()
    if kind is ClockFilter.OVERDUE:
        return UseCase.clock_due_on < today
    if kind is ClockFilter.DUE_SOON:
        return UseCase.clock_due_on.between(today, due_soon_until(today))
    return UseCase.clock_due_on.is_not(None)


def is_overdue(use_case: UseCase, today: date) -> bool:
    return use_case.clock_due_on is not None and use_case.clock_due_on < today


def is_due_soon(use_case: UseCase, today: date, until: date) -> bool:
    return use_case.clock_due_on is not None and today <= use_case.clock_due_on <= until


@dataclass
class ClockWatch:
    """The dashboard's clocks: the soonest overdue or due-soon use cases, and how many of each."""

    items: list[UseCase]
    overdue_total: int
    due_soon_total: int
    today: date
    until: date

    @property
    def total(self) -> int:
        return self.overdue_total + self.due_soon_total


def watch(user: User, scope: sa.ColumnElement[bool], limit: int = 8) -> ClockWatch:
    """Use cases the user may see within ``scope`` whose running clock is overdue or due soon,
    soonest first, in one query read from the (clock_due_on, id) index and stopped early."""
    today = local_today()
    until = due_soon_until(today)
    overdue = sa.case((UseCase.clock_due_on < today, 1), else_=0)
    stmt = (
        sa.select(UseCase, sa.func.count().over(), sa.func.sum(overdue).over())
        .where(visible_in_index_order(user), scope, UseCase.clock_due_on <= until)
        .options(joinedload(UseCase.institution), joinedload(UseCase.category))
        .order_by(UseCase.clock_due_on.asc(), UseCase.id.asc())
        .limit(limit)
    )
    rows = db.session.execute(stmt).unique().all()
    total, late = (int(rows[0][1]), int(rows[0][2] or 0)) if rows else (0, 0)
    return ClockWatch(
        items=[row[0] for row in rows],
        overdue_total=late,
        due_soon_total=total - late,
        today=today,
        until=until,
    )
