"""Invitations: an administrator opens an account, its owner chooses the password through an
e-mailed link (single-use, 7 days); the list shows who has not accepted; invite again."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.accounts.conftest import MOMENT, NEW_PASSWORD, SmtpServer, link_in, mail_to, signed_in
from tests.conftest import World
from tracker.auth.models import AccountToken, User
from tracker.extensions import db

Freeze = Callable[[datetime], datetime]
EMAIL = "chan.tai.man@example.com"


def _invite(admin: FlaskClient, world: World) -> User:
    response = admin.post(
        "/admin/users/new",
        data={
            "email": EMAIL,
            "name": "Chan Tai Man",
            "role": "regulator",
            "regulator_id": str(world.hkma.id),
            "institution_id": "",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == EMAIL))
    assert user is not None
    return user


def _status(admin: FlaskClient, user: User) -> str:
    html = admin.get("/admin/users/").get_data(as_text=True)
    row = html.split(f"/admin/users/{user.id}/edit", 1)[0].rsplit("<tr>", 1)[1]
    found = re.search(r"data-invitation>\s*(.*?)\s*</div>", row, re.S)
    return re.sub(r"\s+", " ", found.group(1)) if found else ""


def _sign_in(app: Flask, password: str) -> bool:
    response = app.test_client().post("/login", data={"email": EMAIL, "password": password})
    return response.status_code == 302


def test_invitation_accepted(
    app: Flask, admin_client: FlaskClient, world: World, smtp: SmtpServer, freeze_time: Freeze
) -> None:
    freeze_time(MOMENT)
    user = _invite(admin_client, world)
    message = mail_to(smtp, EMAIL)
    assert message["Subject"] == "You are invited to Sandbox Tracker"
    path = link_in(message)
    assert path.startswith("/invitation/")
    # 9 March 2026 09:00 in Hong Kong: seven days on.
    assert "09 Mar 2026 09:00" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert _status(admin_client, user) == (
        "Invited, not yet accepted: the link expires 09 Mar 2026 09:00"
    )
    assert f"/admin/users/{user.id}/invite" in admin_client.get("/admin/users/").get_data(
        as_text=True
    )

    visitor = app.test_client()
    page = visitor.get(path)
    assert page.status_code == 200
    assert "Welcome, Chan Tai Man" in page.get_data(as_text=True)
    done = visitor.post(path, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert (done.status_code, done.headers["Location"]) == (302, "/login")
    assert _sign_in(app, NEW_PASSWORD)
    assert _status(admin_client, user) == ""
    assert f"/admin/users/{user.id}/invite" not in admin_client.get("/admin/users/").get_data(
        as_text=True
    )
    # Used once, the link is gone.
    assert visitor.get(path).status_code == 404


def test_an_expired_invitation_and_a_new_one(
    app: Flask, admin_client: FlaskClient, world: World, smtp: SmtpServer, freeze_time: Freeze
) -> None:
    freeze_time(MOMENT)
    user = _invite(admin_client, world)
    old = link_in(mail_to(smtp, EMAIL))
    freeze_time(MOMENT + timedelta(days=7))
    visitor = app.test_client()
    page = visitor.get(old)
    assert page.status_code == 404
    assert "Ask an administrator to send you a new invitation" in page.get_data(as_text=True)
    assert _status(admin_client, user) == "Invitation expired 09 Mar 2026 09:00, not accepted"

    response = admin_client.post(f"/admin/users/{user.id}/invite", follow_redirects=True)
    assert f"A new invitation is on its way to {EMAIL}." in response.get_data(as_text=True)
    assert len(smtp.inbox.by_recipient(EMAIL)) == 2
    new = link_in(smtp.inbox.by_recipient(EMAIL)[1])
    assert new != old
    assert _status(admin_client, user) == (
        "Invited, not yet accepted: the link expires 16 Mar 2026 09:00"
    )
    done = visitor.post(new, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert _sign_in(app, NEW_PASSWORD)


def test_inviting_again_voids_the_earlier_link(
    app: Flask, admin_client: FlaskClient, world: World, smtp: SmtpServer
) -> None:
    user = _invite(admin_client, world)
    first = link_in(mail_to(smtp, EMAIL))
    admin_client.post(f"/admin/users/{user.id}/invite")
    assert app.test_client().get(first).status_code == 404
    tokens = list(db.session.scalars(sa.select(AccountToken).order_by(AccountToken.id)))
    assert [t.revoked_at is not None for t in tokens] == [True, False]


def test_no_invitation_for_someone_who_accepted(
    admin_client: FlaskClient, world: World, smtp: SmtpServer
) -> None:
    response = admin_client.post(f"/admin/users/{world.bank_user.id}/invite", follow_redirects=True)
    assert f"{world.bank_user.name} has already accepted the invitation." in response.get_data(
        as_text=True
    )
    assert smtp.inbox.messages == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccountToken)) == 0


def test_an_invited_user_cannot_sign_in_before_accepting(
    app: Flask, admin_client: FlaskClient, world: World
) -> None:
    _invite(admin_client, world)
    for password in ("", " ", "anything-at-all-here"):
        assert not _sign_in(app, password)


def test_a_deactivated_invitee_cannot_accept(
    app: Flask, admin_client: FlaskClient, world: World, smtp: SmtpServer
) -> None:
    user = _invite(admin_client, world)
    path = link_in(mail_to(smtp, EMAIL))
    admin_client.post(f"/admin/users/{user.id}/deactivate")
    visitor = app.test_client()
    assert visitor.get(path).status_code == 404
    response = visitor.post(path, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 404
    db.session.refresh(user)
    assert not user.has_password
    refused = admin_client.post(f"/admin/users/{user.id}/invite", follow_redirects=True)
    assert "Reactivate the account before inviting" in refused.get_data(as_text=True)


def test_the_invitation_waits_in_the_outbox_without_a_mail_server(
    admin_client: FlaskClient, world: World
) -> None:
    """``make run`` has no mail server: the e-mail, link included, is in the local outbox."""
    from tracker.notifications.models import MailStatus, OutboundMail

    _invite(admin_client, world)
    mail = db.session.scalar(sa.select(OutboundMail))
    assert mail is not None and mail.status is MailStatus.SENT
    assert "/invitation/" in mail.raw
    assert signed_in(admin_client)


def test_the_recipients_page_lists_the_account_emails(admin_client: FlaskClient) -> None:
    page = admin_client.get("/notifications/who-is-told").get_data(as_text=True)
    assert "E-mails about the account itself" in page
    assert "You are invited to Sandbox Tracker" in page
    assert "Reset your Sandbox Tracker password" in page


def test_the_user_list_loads_invitations_in_one_query(
    admin_client: FlaskClient, world: World
) -> None:
    from tests.admin.test_queries import count_queries
    from tracker.auth import services
    from tracker.auth.models import Role
    from tracker.auth.services import AccountData
    from tracker.unit_of_work import unit_of_work

    def invite(n: int) -> None:
        with unit_of_work("test"):
            services.invite_user(
                world.admin,
                AccountData(f"new{n}@example.com", f"Newcomer {n}", Role.REGULATOR, world.hkma.id),
            )

    invite(0)
    with count_queries() as few:
        assert admin_client.get("/admin/users/").status_code == 200
    for n in range(1, 4):
        invite(n)
    with count_queries() as many:
        page = admin_client.get("/admin/users/").get_data(as_text=True)
    assert page.count("Invited, not yet accepted") == 4
    assert len(many) == len(few), "\n".join(many)


def test_an_invitation_is_not_sent_once_the_password_is_set(world: World) -> None:
    """The password was set (by an administrator, say) before the queue got to the e-mail:
    the dead link is not sent."""
    from tracker.auth import services
    from tracker.auth.models import TokenPurpose
    from tracker.notifications.models import MailStatus, OutboundMail
    from tracker.unit_of_work import unit_of_work

    assert world.bank_user.has_password
    with unit_of_work("test"):
        services._send_link(world.bank_user, TokenPurpose.INVITATION, world.admin)
    db.session.expire_all()
    mail = db.session.scalar(sa.select(OutboundMail))
    assert mail is not None
    assert mail.status is MailStatus.SKIPPED
    assert mail.outcome == "Not sent: the account has a password already."
