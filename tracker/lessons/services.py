"""Commands of the lessons register: regulator staff record a lesson, an institution proposes
one for its own use case, and regulator staff record a proposed lesson (as they read it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from tracker import events
from tracker.auth.models import User
from tracker.events import UseCaseEvent
from tracker.extensions import db, utcnow
from tracker.i18n import gettext as _
from tracker.i18n import number
from tracker.lessons import permissions
from tracker.lessons.models import Lesson, LessonStatus, LessonTheme, Theme
from tracker.rules import ConflictError, NotAllowedError, RuleError
from tracker.usecases.models import ProgressReturn, UseCase

TITLE = 200
LONG_TEXT = 20_000


@dataclass(frozen=True)
class LessonSaved(UseCaseEvent):
    action: ClassVar[str] = "use_case.lesson"
    lesson_id: int = 0
    status: str = ""


@dataclass(frozen=True)
class LessonData:
    title: str
    text: str
    themes: tuple[Theme, ...]
    return_id: int | None = None


def add_lesson(use_case: UseCase, user: User, data: LessonData) -> Lesson:
    """Regulator staff record a lesson; the institution proposes one for its own use case."""
    action = "use_case.lesson"
    if permissions.can_record(user, use_case):
        status = LessonStatus.RECORDED
    elif permissions.can_propose(user, use_case):
        status = LessonStatus.PROPOSED
    else:
        raise NotAllowedError(action)
    rules = RuleError.collect(action)
    title, text = data.title.strip(), data.text.strip()
    rules.check(bool(title), "title", _("Give the lesson a short title."))
    rules.check(len(title) <= TITLE, "title", _("At most %(limit)s characters.", limit=TITLE))
    rules.check(bool(text), "text", _("Write the lesson."))
    rules.check(
        len(text) <= LONG_TEXT, "text", _("At most %(limit)s characters.", limit=number(LONG_TEXT))
    )
    rules.check(bool(data.themes), "themes", _("Choose at least one theme."))
    if data.return_id is not None:
        found = db.session.scalar(
            sa.select(ProgressReturn.id).where(
                ProgressReturn.id == data.return_id, ProgressReturn.use_case_id == use_case.id
            )
        )
        rules.check(found is not None, "return_id", _("Choose a progress return of this use case."))
    rules.raise_if_any()
    now = utcnow()
    lesson = Lesson(
        use_case_id=use_case.id,
        return_id=data.return_id,
        title=title,
        text=text,
        status=status,
        created_at=now,
        created_by_id=user.id,
        recorded_at=now if status is LessonStatus.RECORDED else None,
        recorded_by_id=user.id if status is LessonStatus.RECORDED else None,
        themes=[LessonTheme(theme=t) for t in dict.fromkeys(data.themes)],
    )
    db.session.add(lesson)
    db.session.flush()
    events.record(
        LessonSaved(
            actor_id=user.id, use_case_id=use_case.id, lesson_id=lesson.id, status=str(status.value)
        )
    )
    return lesson


def record_proposed(lesson: Lesson, use_case: UseCase, user: User, expected_version: int) -> Lesson:
    """Regulator staff record a lesson the institution proposed, as they read it."""
    action = "use_case.lesson"
    if lesson.use_case_id != use_case.id:
        raise NotAllowedError(action)
    if lesson.version != expected_version:
        raise ConflictError(action=action)
    if not permissions.can_record(user, use_case):
        raise NotAllowedError(action)
    if lesson.status is LessonStatus.RECORDED:
        raise RuleError(_("This lesson is already recorded."), action)
    lesson.status = LessonStatus.RECORDED
    lesson.recorded_at = utcnow()
    lesson.recorded_by_id = user.id
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise ConflictError(action=action) from exc
    events.record(
        LessonSaved(
            actor_id=user.id,
            use_case_id=use_case.id,
            lesson_id=lesson.id,
            status=str(LessonStatus.RECORDED.value),
        )
    )
    return lesson
