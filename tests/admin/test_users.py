"""Accounts: create, edit, passwords, deactivation that signs the user out, self-protection."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as f
from tests.admin.test_reference_data import error_beside
from tests.conftest import World, login
from tracker.auth.models import AccountToken, Role, TokenPurpose, User
from tracker.extensions import db
from tracker.notifications.models import MailStatus, OutboundMail

NEW_PASSWORD = "a-long-new-passphrase"


def _user_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "email": "  Chan.Tai.Man@Example.COM ",
        "name": "Chan Tai Man",
        "role": "institution",
        "regulator_id": "",
        "institution_id": "",
    }
    data.update(overrides)
    return data


def _user_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) or 0


def _can_sign_in(app: Flask, email: str, password: str) -> bool:
    response = app.test_client().post("/login", data={"email": email, "password": password})
    return response.status_code == 302


def test_create_user(app: Flask, admin_client: FlaskClient, world: World) -> None:
    data = _user_data(institution_id=str(world.bank.id), regulator_id=str(world.hkma.id))
    response = admin_client.post("/admin/users/new", data=data)
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "chan.tai.man@example.com"))
    assert user is not None
    assert user.role is Role.INSTITUTION
    assert user.institution_id == world.bank.id
    assert user.regulator_id is None  # only the organisation the role calls for is kept
    # Nobody typed a password: the owner is invited to choose one (tests/accounts).
    assert user.password_hash == ""
    assert not user.has_password
    invitation = db.session.scalar(sa.select(AccountToken).where(AccountToken.user_id == user.id))
    assert invitation is not None and invitation.purpose is TokenPurpose.INVITATION
    mail = db.session.scalar(sa.select(OutboundMail).where(OutboundMail.user_id == user.id))
    assert mail is not None and mail.account_token_id == invitation.id
    assert mail.status is MailStatus.SENT  # to the local outbox: no mail server in this test
    assert not _can_sign_in(app, "chan.tai.man@example.com", "")
    assert not _can_sign_in(app, "chan.tai.man@example.com", "initial-passphrase-1")


def test_the_create_form_asks_for_no_password(admin_client: FlaskClient, world: World) -> None:
    html = admin_client.get("/admin/users/new").get_data(as_text=True)
    assert 'type="password"' not in html


def test_duplicate_email_ignores_case(admin_client: FlaskClient, world: World) -> None:
    before = _user_count()
    data = _user_data(email="BANK@example.com", institution_id=str(world.bank.id))
    response = admin_client.post("/admin/users/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_beside(html, "email") == "Another account already uses this email address."
    assert 'value="Chan Tai Man"' in html
    assert _user_count() == before


def test_invalid_email(admin_client: FlaskClient, world: World) -> None:
    before = _user_count()
    data = _user_data(email="not-an-email", institution_id=str(world.bank.id))
    html = admin_client.post("/admin/users/new", data=data).get_data(as_text=True)
    assert error_beside(html, "email") == "Enter a valid email address."
    assert 'value="not-an-email"' in html
    assert _user_count() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundMail)) == 0


def test_organisation_must_match_the_role(admin_client: FlaskClient, world: World) -> None:
    html = admin_client.post("/admin/users/new", data=_user_data(role="supervisor")).get_data(
        as_text=True
    )
    assert error_beside(html, "regulator_id") == "Choose the regulator this person works for."
    html = admin_client.post("/admin/users/new", data=_user_data(role="institution")).get_data(
        as_text=True
    )
    assert error_beside(html, "institution_id") == "Choose the institution this person works for."


def test_regulator_staff_account(admin_client: FlaskClient, world: World) -> None:
    data = _user_data(
        email="reviewer2@example.com",
        role="regulator",
        regulator_id=str(world.sfc.id),
        institution_id=str(world.bank.id),
    )
    assert admin_client.post("/admin/users/new", data=data).status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "reviewer2@example.com"))
    assert user is not None
    assert (user.role, user.regulator_id, user.institution_id) == (
        Role.REGULATOR,
        world.sfc.id,
        None,
    )


def _edit_data(user: User, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "regulator_id": str(user.regulator_id or ""),
        "institution_id": str(user.institution_id or ""),
        "new_password": "",
    }
    data.update(overrides)
    return data


def test_edit_user_keeps_password_unless_given(
    app: Flask, admin_client: FlaskClient, world: World
) -> None:
    user = world.other_bank_user
    data = _edit_data(user, name="Wong Siu Ming", institution_id=str(world.bank.id))
    assert admin_client.post(f"/admin/users/{user.id}/edit", data=data).status_code == 302
    db.session.refresh(user)
    assert user.name == "Wong Siu Ming"
    assert user.institution_id == world.bank.id
    assert _can_sign_in(app, user.email, f.PASSWORD)

    data = _edit_data(user, new_password=NEW_PASSWORD)
    assert admin_client.post(f"/admin/users/{user.id}/edit", data=data).status_code == 302
    assert not _can_sign_in(app, user.email, f.PASSWORD)
    assert _can_sign_in(app, user.email, NEW_PASSWORD)


def test_edit_user_own_email_is_not_a_duplicate(admin_client: FlaskClient, world: World) -> None:
    user = world.supervisor
    data = _edit_data(user, email="SUPER@example.com")
    assert admin_client.post(f"/admin/users/{user.id}/edit", data=data).status_code == 302
    data = _edit_data(user, email="bank@example.com")
    html = admin_client.post(f"/admin/users/{user.id}/edit", data=data).get_data(as_text=True)
    assert error_beside(html, "email") == "Another account already uses this email address."


def test_deactivating_a_user_signs_them_out(
    app: Flask, admin_client: FlaskClient, world: World
) -> None:
    bank_client = app.test_client()
    login(bank_client, world.bank_user)
    assert bank_client.get("/dashboard").status_code == 200

    response = admin_client.post(f"/admin/users/{world.bank_user.id}/deactivate")
    assert response.status_code == 302

    response = bank_client.get("/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    db.session.refresh(world.bank_user)
    assert world.bank_user.active is False
    assert not _can_sign_in(app, world.bank_user.email, f.PASSWORD)

    admin_client.post(f"/admin/users/{world.bank_user.id}/reactivate")
    assert _can_sign_in(app, world.bank_user.email, f.PASSWORD)


def test_admin_cannot_deactivate_themself(admin_client: FlaskClient, world: World) -> None:
    html = admin_client.get("/admin/users/").get_data(as_text=True)
    assert f"/admin/users/{world.admin.id}/deactivate" not in html
    response = admin_client.post(f"/admin/users/{world.admin.id}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    db.session.refresh(world.admin)
    assert world.admin.active is True
    assert admin_client.get("/admin/users/").status_code == 200


def test_admin_cannot_drop_their_own_admin_role(admin_client: FlaskClient, world: World) -> None:
    data = _edit_data(world.admin, role="supervisor", regulator_id=str(world.hkma.id))
    html = admin_client.post(f"/admin/users/{world.admin.id}/edit", data=data).get_data(
        as_text=True
    )
    assert error_beside(html, "role") == "You cannot remove your own administrator role."
    db.session.refresh(world.admin)
    assert world.admin.role is Role.ADMIN


def test_user_list(admin_client: FlaskClient, world: World) -> None:
    html = admin_client.get("/admin/users/").get_data(as_text=True)
    assert "(you)" in html
    assert "bank@example.com" in html
    assert "Harbour Bank" in html
    assert 'data-confirm="Deactivate ' in html


def test_admin_changing_own_password_stays_signed_in(
    app: Flask, admin_client: FlaskClient, world: World
) -> None:
    other_session = app.test_client()
    login(other_session, world.admin)
    data = _edit_data(world.admin, new_password=NEW_PASSWORD)
    assert admin_client.post(f"/admin/users/{world.admin.id}/edit", data=data).status_code == 302
    assert admin_client.get("/admin/users/").status_code == 200
    assert other_session.get("/admin/users/").status_code == 302
    assert _can_sign_in(app, world.admin.email, NEW_PASSWORD)


def test_a_password_set_by_an_admin_must_not_be_guessable_or_personal(
    admin_client: FlaskClient, world: World
) -> None:
    user = world.bank_user
    before = user.password_hash
    for password, message in [
        ("aaaaaaaaaaaa", "This password is too easy to guess."),
        (f"{user.email}-2026", "Do not use your name or e-mail address in the password."),
    ]:
        data = _edit_data(user, new_password=password)
        html = admin_client.post(f"/admin/users/{user.id}/edit", data=data).get_data(as_text=True)
        assert error_beside(html, "new_password").startswith(message)
    db.session.refresh(user)
    assert user.password_hash == before


def test_a_new_password_lifts_the_account_lock(
    app: Flask, admin_client: FlaskClient, world: World
) -> None:
    for n in range(int(app.config["TRACKER_LOGIN_RATE_LIMIT"].split()[0])):
        app.test_client().post(
            "/login",
            data={"email": world.bank_user.email, "password": "guess"},
            environ_base={"REMOTE_ADDR": f"10.9.0.{n + 1}"},
        )
    assert not _can_sign_in(app, world.bank_user.email, f.PASSWORD)
    data = _edit_data(world.bank_user, new_password=NEW_PASSWORD)
    assert (
        admin_client.post(f"/admin/users/{world.bank_user.id}/edit", data=data).status_code == 302
    )
    assert _can_sign_in(app, world.bank_user.email, NEW_PASSWORD)
