"""The read side of the lessons register: a use case's lessons (its page, the exit report), the
search across cohorts, and the recorded lessons of a programme as at a date (the programme
report's "Lessons and good practice")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from tracker.auth.models import User
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.i18n import local_name
from tracker.institutions.models import Category
from tracker.lessons.models import Lesson, LessonStatus, LessonTheme, Theme
from tracker.programmes.models import Cohort
from tracker.returns.dates import day
from tracker.usecases.models import Technique, UseCase
from tracker.usecases.permissions import visible_filter


@dataclass(frozen=True)
class LessonView:
    id: int
    version: int
    title: str
    text: str
    themes: tuple[Theme, ...]
    status: LessonStatus
    use_case_id: int
    use_case_reference: str
    use_case_title: str
    institution: str
    cohort: str
    category: str
    technique: str
    source: str  # "Progress return for …" or "Pilot and exit"
    proposed_by: str
    recorded_by: str | None
    recorded_at: datetime | None

    @property
    def recorded(self) -> bool:
        return self.status is LessonStatus.RECORDED


def _options() -> list[Any]:
    return [
        joinedload(Lesson.use_case).options(
            joinedload(UseCase.cohort),
            joinedload(UseCase.category),
            joinedload(UseCase.institution),
        ),
        joinedload(Lesson.progress_return),
        joinedload(Lesson.created_by),
        joinedload(Lesson.recorded_by),
        selectinload(Lesson.themes),
    ]


def view(lesson: Lesson, local: Callable[[datetime], datetime] = lambda v: v) -> LessonView:
    uc = lesson.use_case
    source = (
        _(
            "Progress return for %(start)s to %(end)s",
            start=day(lesson.progress_return.period_start),
            end=day(lesson.progress_return.period_end),
        )
        if lesson.progress_return is not None
        else _("Pilot and exit")
    )
    return LessonView(
        id=lesson.id,
        version=lesson.version,
        title=lesson.title,
        text=lesson.text,
        themes=tuple(lesson.theme_list),
        status=lesson.status,
        use_case_id=uc.id,
        use_case_reference=uc.reference,
        use_case_title=uc.title,
        institution=uc.institution.display_name,
        cohort=local_name(uc.cohort),
        category=local_name(uc.category),
        technique=uc.technique.label,
        source=source,
        proposed_by=lesson.created_by.name if lesson.created_by else "—",
        recorded_by=lesson.recorded_by.name if lesson.recorded_by else None,
        recorded_at=local(lesson.recorded_at) if lesson.recorded_at else None,
    )


def lessons_for_use_case(
    use_case_id: int, moment: datetime | None = None, *, include_proposed: bool = False
) -> tuple[LessonView, ...]:
    """The use case's lessons recorded by the regulator by ``moment`` (None: now), oldest
    first; with ``include_proposed``, also those the institution proposed and not yet recorded
    (for the institution and the regulator, never for partners or reports)."""
    query = sa.select(Lesson).where(Lesson.use_case_id == use_case_id).options(*_options())
    if moment is not None:
        query = query.where(Lesson.recorded_at < moment)
    elif not include_proposed:
        query = query.where(Lesson.status == LessonStatus.RECORDED)
    query = query.order_by(Lesson.created_at, Lesson.id)
    return tuple(view(lesson) for lesson in db.session.scalars(query))


@dataclass(frozen=True)
class LessonFilters:
    q: str = ""
    theme: Theme | None = None
    category_id: int | None = None
    technique: Technique | None = None
    cohort_id: int | None = None
    include_proposed: bool = False


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_select(user: User, filters: LessonFilters) -> sa.Select[Any]:
    """Lessons of the use cases the user may see, newest recorded first, filtered."""
    query = (
        sa.select(Lesson)
        .join(UseCase, UseCase.id == Lesson.use_case_id)
        .where(visible_filter(user))
        .options(*_options())
    )
    if not filters.include_proposed:
        query = query.where(Lesson.status == LessonStatus.RECORDED)
    if filters.q:
        pattern = _like(filters.q)
        query = query.where(
            sa.or_(
                Lesson.title.ilike(pattern, escape="\\"),
                Lesson.text.ilike(pattern, escape="\\"),
            )
        )
    if filters.theme is not None:
        query = query.where(
            Lesson.id.in_(
                sa.select(LessonTheme.lesson_id).where(LessonTheme.theme == filters.theme)
            )
        )
    if filters.category_id is not None:
        query = query.where(UseCase.category_id == filters.category_id)
    if filters.technique is not None:
        query = query.where(UseCase.technique == filters.technique)
    if filters.cohort_id is not None:
        query = query.where(UseCase.cohort_id == filters.cohort_id)
    return query.order_by(Lesson.created_at.desc(), Lesson.id.desc())


def programme_lessons(
    programme_id: int, moment: datetime, local: Callable[[datetime], datetime] = lambda v: v
) -> tuple[LessonView, ...]:
    """The programme's lessons recorded by ``moment``, by theme order then date: the programme
    report's "Lessons and good practice"."""
    query = (
        sa.select(Lesson)
        .join(UseCase, UseCase.id == Lesson.use_case_id)
        .join(Cohort, Cohort.id == UseCase.cohort_id)
        .where(Cohort.programme_id == programme_id, Lesson.recorded_at < moment)
        .options(*_options())
        .order_by(Lesson.recorded_at, Lesson.id)
    )
    return tuple(view(lesson, local) for lesson in db.session.scalars(query))


def categories() -> list[Category]:
    return list(db.session.scalars(sa.select(Category).order_by(Category.name)))
