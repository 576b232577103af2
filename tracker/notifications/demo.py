"""Demo notifications, made from the demo's history through the recipients table: every move
of stage, message, return and comment the demo seeded tells the people the table names, dated
when it happened. Older ones are read, but for each user's newest few; none is e-mailed (it is
the past)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from tracker.committee.models import Assignment
from tracker.extensions import db, utcnow
from tracker.notifications import services
from tracker.notifications.models import Notification
from tracker.notifications.recipients import Occurrence
from tracker.notifications.subscribers import (
    assignment_occurrence,
    comment_occurrence,
    message_occurrence,
    moved_occurrence,
    return_occurrences,
)
from tracker.usecases.models import Message, ProgressReturn, ReturnComment, StageTransition

# Notifications older than this are shown as read in the demo.
UNREAD_FOR = timedelta(days=21)
KEEP_UNREAD = 3


def seed_notifications() -> int:
    """Tell the demo's users of the demo's history (adding only what is missing). Flushes; the
    caller commits. How many notifications there are."""
    dated: list[tuple[Occurrence, datetime]] = []
    for moved in db.session.scalars(sa.select(StageTransition).order_by(StageTransition.id)):
        occurrence = moved_occurrence(moved)
        if occurrence is not None:
            dated.append((occurrence, moved.at))
    for message in db.session.scalars(sa.select(Message).order_by(Message.id)):
        dated.append((message_occurrence(message), message.at))
    for filed in db.session.scalars(sa.select(ProgressReturn).order_by(ProgressReturn.id)):
        for occurrence in return_occurrences(filed, filed.submitted_by_id):
            dated.append((occurrence, filed.submitted_at))
    for comment in db.session.scalars(sa.select(ReturnComment).order_by(ReturnComment.id)):
        dated.append((comment_occurrence(comment), comment.at))
    for assignment in db.session.scalars(sa.select(Assignment).order_by(Assignment.id)):
        dated.append((assignment_occurrence(assignment), assignment.assigned_at))
    for occurrence, at in dated:
        services.notify(occurrence, at=at, mail=False)
    db.session.flush()
    # Each user's newest few stay unread, so every demo centre shows some.
    newest = (
        sa.select(
            Notification.id,
            sa.func.row_number()
            .over(partition_by=Notification.user_id, order_by=Notification.created_at.desc())
            .label("rank"),
        )
        .where(Notification.read_at.is_(None))
        .subquery()
    )
    read_before = utcnow() - UNREAD_FOR
    for notification in db.session.scalars(
        sa.select(Notification)
        .join(newest, newest.c.id == Notification.id)
        .where(newest.c.rank > KEEP_UNREAD, Notification.created_at < read_before)
    ):
        notification.read_at = notification.created_at + timedelta(hours=4)
    db.session.flush()
    return int(db.session.scalar(sa.select(sa.func.count(Notification.id))) or 0)
