"""The demo's notifications: made from its history through the recipients table, some unread
in every demo user's centre, none e-mailed, and seeding twice adds nothing."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from flask.testing import FlaskClient

from tests.conftest import login
from tracker.auth.models import Role, User
from tracker.demo import DEMO_PASSWORD, demo_accounts, seed_demo
from tracker.extensions import db
from tracker.notifications import services
from tracker.notifications.models import Notification, OutboundMail
from tracker.usecases.models import Message, UseCase


def test_every_demo_user_has_notifications_and_none_is_emailed(client: FlaskClient):
    seed_demo()
    db.session.commit()
    users = list(
        db.session.scalars(
            sa.select(User).where(User.email.in_([a.email for a in demo_accounts()]))
        )
    )
    assert len(users) == len(demo_accounts())
    for user in users:
        assert services.unread_count(user) > 0, user.email
    assert db.session.scalar(sa.select(sa.func.count(OutboundMail.id))) == 0
    # Some are read already: the demo's past.
    assert db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(Notification.read_at.is_not(None))
    )
    total = db.session.scalar(sa.select(sa.func.count(Notification.id)))
    seed_demo()
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == total

    bank = next(u for u in users if u.role is Role.INSTITUTION)
    login(client, bank.email, DEMO_PASSWORD)
    page = client.get("/notifications/?show=all").get_data(as_text=True)
    assert "Notifications" in page


def test_demo_notifications_keep_to_visibility(client: FlaskClient):
    """No institution user holds a notification of an internal note or of another
    institution's use case."""
    seed_demo()
    db.session.commit()
    rows = db.session.execute(
        sa.select(User, Notification, UseCase)
        .join(Notification, Notification.user_id == User.id)
        .join(UseCase, UseCase.id == Notification.use_case_id)
        .where(User.role == Role.INSTITUTION)
    ).all()
    assert rows
    internal = set(db.session.scalars(sa.select(Message.id).where(Message.internal.is_(True))))
    kinds: Counter[str] = Counter()
    for user, notification, use_case in rows:
        kinds[notification.kind] += 1
        assert not notification.regulator_only
        assert notification.event_key not in {f"message:{i}" for i in internal}
        named = user.institution_id in {p.id for p in use_case.partners}
        assert user.institution_id == use_case.institution_id or (
            named and use_case.submitted_at is not None
        )
    assert kinds["changes_requested"] and kinds["message"]
