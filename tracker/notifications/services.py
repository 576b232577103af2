"""Notification commands: tell the people the table names, mark read, choose how to be told,
unsubscribe, and gather the daily digests. Each flushes; the caller's unit of work commits, and
only then does the caller hand the e-mails queued to the job queue (``jobs.send_mail``)."""

from __future__ import annotations

import logging
from datetime import date, datetime

import sqlalchemy as sa

from tracker import i18n
from tracker.auth.models import User
from tracker.extensions import db, utcnow
from tracker.i18n import gettext as _
from tracker.i18n import ngettext
from tracker.notifications.kinds import KIND, Kind
from tracker.notifications.mail import DIGEST
from tracker.notifications.models import (
    Delivery,
    Notification,
    NotificationPreference,
    OutboundMail,
)
from tracker.notifications.permissions import visible_to
from tracker.notifications.recipients import Occurrence, recipients
from tracker.notifications.text import render
from tracker.rules import NotAllowedError, RuleError

log = logging.getLogger(__name__)


def deliveries(user_ids: list[int], kinds: set[str]) -> dict[tuple[int, str], Delivery]:
    """Each user's choice per kind, where they made one."""
    if not user_ids or not kinds:
        return {}
    rows = db.session.execute(
        sa.select(
            NotificationPreference.user_id,
            NotificationPreference.kind,
            NotificationPreference.delivery,
        ).where(
            NotificationPreference.user_id.in_(user_ids), NotificationPreference.kind.in_(kinds)
        )
    )
    return {(r.user_id, r.kind): r.delivery for r in rows}


def effective(kind: Kind, chosen: Delivery | None) -> Delivery:
    """The choice that applies: a mandatory kind is never off."""
    if kind.urgent:
        return Delivery.IMMEDIATE
    delivery = chosen or kind.default
    if kind.mandatory and delivery is Delivery.OFF:
        return kind.default
    return delivery


def notify(
    occurrence: Occurrence, at: datetime | None = None, mail: bool = True
) -> list[Notification]:
    """Tell everyone the table names for this occurrence, once each: a second dispatch of the
    same event finds them told and adds nothing. Queues an e-mail for those who chose one at
    once (unless ``mail`` is false: the demo's past is not e-mailed); each notification's
    ``mail_id`` names its e-mail, for the caller to send once the transaction is committed."""
    told = recipients(occurrence)
    if not told:
        return []
    already = set(
        db.session.scalars(
            sa.select(Notification.user_id).where(
                Notification.event_key == occurrence.key,
                Notification.user_id.in_([u.id for u, _ in told]),
            )
        )
    )
    choices = deliveries([u.id for u, _ in told], {kind for _, kind in told})
    created: list[Notification] = []
    for user, kind_name in told:
        if user.id in already:
            continue
        delivery = effective(KIND[kind_name], choices.get((user.id, kind_name)))
        if delivery is Delivery.OFF:
            continue
        # Rendered in the recipient's language and kept as sent (see notifications.text).
        with i18n.language(getattr(user, "language", None)):
            title, body = render(occurrence.title), render(occurrence.body)
        notification = Notification(
            user_id=user.id,
            kind=kind_name,
            event_key=occurrence.key,
            actor_id=occurrence.actor_id,
            use_case_id=occurrence.use_case.id if occurrence.use_case else None,
            report_id=occurrence.report_id,
            regulator_only=occurrence.regulator_only,
            title=title[:300],
            body=body,
            endpoint=occurrence.endpoint,
            url_params=occurrence.url_params,
            anchor=occurrence.anchor,
            delivery=delivery,
            created_at=at or utcnow(),
        )
        db.session.add(notification)
        created.append(notification)
    db.session.flush()
    for n in created:
        if mail and n.delivery is Delivery.IMMEDIATE:
            _queue_mail(f"notification:{n.id}", n.user_id, [n])
    return created


def _queue_mail(
    key: str, user_id: int, items: list[Notification], day: date | None = None
) -> OutboundMail:
    mail = OutboundMail(key=key, user_id=user_id, digest_day=day, subject=items[0].title[:300])
    db.session.add(mail)
    db.session.flush()
    for item in items:
        item.mail_id = mail.id
    return mail


def mark_read(user: User, notification: Notification) -> None:
    if notification.user_id != user.id:
        raise NotAllowedError("notification.read")
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; how many were."""
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def preferences(user: User) -> dict[str, Delivery]:
    """The user's choice for every kind, defaults included."""
    chosen = deliveries([user.id], set(KIND))
    return {k.name: effective(k, chosen.get((user.id, k.name))) for k in KIND.values()}


def set_preferences(user: User, choices: dict[str, Delivery]) -> None:
    """Record the user's choices; a mandatory kind cannot be turned off."""
    rules = RuleError.collect("notification.preferences")
    for name, delivery in choices.items():
        kind = KIND.get(name)
        if kind is None:
            rules.add(name, _("There is no such kind of notification."))
        elif delivery not in kind.choices:
            rules.add(name, _("This one cannot be turned off: it is a decision on your proposal."))
    rules.raise_if_any()
    existing = {
        p.kind: p
        for p in db.session.scalars(
            sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    for name, delivery in choices.items():
        row = existing.get(name)
        if row is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=name, delivery=delivery))
        elif row.delivery is not delivery:
            row.delivery = delivery
    db.session.flush()


def unsubscribe(user: User, kind_name: str) -> list[str]:
    """Turn off e-mail of one optional kind, or (``DIGEST``) of every optional kind now sent in
    the digest. The kinds turned off; a mandatory kind stays on."""
    current = preferences(user)
    if kind_name == DIGEST:
        names = [n for n, d in current.items() if d is Delivery.DIGEST and not KIND[n].mandatory]
    else:
        kind = KIND.get(kind_name)
        if kind is None or kind.mandatory:
            raise RuleError(
                _("This notification cannot be turned off."), "notification.unsubscribe"
            )
        names = [kind_name]
    set_preferences(user, dict.fromkeys(names, Delivery.OFF))
    return names


def queue_digests(day: date, before: datetime) -> list[OutboundMail]:
    """One digest e-mail per user for ``day``, carrying their unread digest notifications made
    before ``before`` that no e-mail carries yet. A user whose digest of the day exists keeps the
    later ones for the next day's."""
    pending = sa.and_(
        Notification.delivery == Delivery.DIGEST,
        Notification.mail_id.is_(None),
        Notification.read_at.is_(None),
        Notification.created_at < before,
    )
    user_ids = list(db.session.scalars(sa.select(Notification.user_id).where(pending).distinct()))
    done = set(
        db.session.scalars(
            sa.select(OutboundMail.user_id).where(
                OutboundMail.digest_day == day, OutboundMail.user_id.in_(user_ids)
            )
        )
    )
    mails: list[OutboundMail] = []
    for user_id in sorted(set(user_ids) - done):
        user = db.session.get(User, user_id)
        if user is None:
            continue
        items = list(
            db.session.scalars(
                sa.select(Notification)
                .where(pending, Notification.user_id == user_id, visible_to(user))
                .order_by(Notification.created_at)
            )
        )
        if not items:
            continue
        mail = _queue_mail(f"digest:{user_id}:{day.isoformat()}", user_id, items, day)
        with i18n.language(user.language):
            mail.subject = ngettext(
                "Your daily digest: %(num)d update",
                "Your daily digest: %(num)d updates",
                len(items),
            )
        mails.append(mail)
    return mails


def unread_count(user: User) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                visible_to(user), Notification.read_at.is_(None)
            )
        )
        or 0
    )
