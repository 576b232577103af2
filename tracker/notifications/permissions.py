"""What a user may be told and may open. A notification is its recipient's alone, and is shown
or sent only while its recipient may still see what it is about."""

from __future__ import annotations

import sqlalchemy as sa

from tracker.auth.models import User
from tracker.auth.permissions import can_administer
from tracker.extensions import db
from tracker.notifications.models import Notification
from tracker.notifications.recipients import Occurrence
from tracker.reports.models import IssuedReport
from tracker.reports.permissions import visible_reports
from tracker.usecases import permissions as usecase_permissions
from tracker.usecases.models import UseCase


def may_see_occurrence(user: User, occurrence: Occurrence) -> bool:
    """Whether ``user`` may be told of it now (when the event is dispatched)."""
    if not user.active:
        return False
    if occurrence.regulator_only and not usecase_permissions.can_see_internal(user):
        return False
    if occurrence.use_case is not None and not usecase_permissions.can_view(
        user, occurrence.use_case
    ):
        return False
    if occurrence.report_id is not None:
        return bool(
            db.session.scalar(
                sa.select(
                    sa.exists().where(
                        IssuedReport.id == occurrence.report_id, visible_reports(user)
                    )
                )
            )
        )
    return True


def visible_to(user: User) -> sa.ColumnElement[bool]:
    """A WHERE clause on notifications: the user's own that they may still see, checked again
    each time they are listed, counted or sent."""
    if not user.is_authenticated or not user.active:
        return sa.false()
    clauses: list[sa.ColumnElement[bool]] = [
        Notification.user_id == user.id,
        sa.or_(
            Notification.use_case_id.is_(None),
            Notification.use_case_id.in_(
                sa.select(UseCase.id).where(usecase_permissions.visible_filter(user))
            ),
        ),
        sa.or_(
            Notification.report_id.is_(None),
            Notification.report_id.in_(sa.select(IssuedReport.id).where(visible_reports(user))),
        ),
    ]
    if not usecase_permissions.can_see_internal(user):
        clauses.append(Notification.regulator_only.is_(False))
    return sa.and_(*clauses)


def can_see_recipients_table(user: User) -> bool:
    return can_administer(user)


def can_see_local_outbox(user: User, demo_mode: bool) -> bool:
    """The local outbox holds everyone's e-mail: admins only, and only in demo mode."""
    return demo_mode and can_administer(user)
