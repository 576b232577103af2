"""The notification centre over HTTP: the unread count in the navigation, the list and its
filters, mark read (POST with CSRF, 404 for another's), choices per kind, one-click unsubscribe
without signing in, the recipients table for admins and the demo outbox."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token, login, make_app
from tests.notifications.conftest import People, run, use_case_at
from tracker.auth.models import User
from tracker.extensions import db
from tracker.notifications import services
from tracker.notifications.mail import unsubscribe_token
from tracker.notifications.models import Delivery, Notification
from tracker.usecases import services as usecase_services
from tracker.usecases.models import Stage
from tracker.usecases.workflow import BY_NAME


def _notify_bank(p: People, *reasons: str) -> list[int]:
    """Requests for changes to new use cases: one notification each for the bank users."""
    for reason in reasons:
        uc = use_case_at(p, Stage.UNDER_REVIEW, title=f"Use case: {reason}")
        run(
            lambda uc=uc, reason=reason: usecase_services.apply_transition(
                uc, BY_NAME["request_changes"], p.reviewer, uc.version, reason=reason
            )
        )
    return list(
        db.session.scalars(
            sa.select(Notification.id)
            .where(Notification.user_id == p.bank_user.id)
            .order_by(Notification.id)
        )
    )


def sign_in(client: FlaskClient, user: User) -> None:
    client.post("/logout")
    login(client, user)


def unread_badge(html: str) -> str | None:
    match = re.search(r"Notifications <span[^>]*>(\d+)<", html)
    return match.group(1) if match else None


def test_the_navigation_counts_unread_notifications(people: People, client: FlaskClient):
    _notify_bank(people, "First", "Second")
    login(client, people.bank_user)
    assert unread_badge(client.get("/dashboard").get_data(as_text=True)) == "2"
    sign_in(client, people.other_bank_user)
    assert unread_badge(client.get("/dashboard").get_data(as_text=True)) is None


def test_list_filters_and_mark_read(people: People, client: FlaskClient):
    first, second = _notify_bank(people, "Describe the fallback", "Add the bias audit")
    talk = use_case_at(people, Stage.UNDER_REVIEW, title="Voice biometrics")
    run(lambda: usecase_services.post_message(talk, people.reviewer, "Hello from HKMA", False))
    login(client, people.bank_user)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Describe the fallback" in page and "Add the bias audit" in page
    assert "Hello from HKMA" in page
    only = client.get("/notifications/?kind=message").get_data(as_text=True)
    assert "Hello from HKMA" in only and "Changes requested:" not in only

    response = client.post(f"/notifications/{first}/read", data={"show": "unread"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/notifications/?show=unread")
    unread = client.get("/notifications/").get_data(as_text=True)
    assert "Describe the fallback" not in unread and "Add the bias audit" in unread
    assert "Describe the fallback" in client.get("/notifications/?show=all").get_data(as_text=True)

    opened = client.post(f"/notifications/{second}/read", data={"open": "1"})
    assert opened.status_code == 302 and "/use-cases/" in opened.headers["Location"]

    assert client.post("/notifications/read-all").status_code == 302
    assert services.unread_count(people.bank_user) == 0
    assert "Nothing unread" in client.get("/notifications/").get_data(as_text=True)


def test_changes_are_post_only_and_another_users_notification_is_not_found(
    people: People, client: FlaskClient
):
    (mine,) = _notify_bank(people, "Only one")
    login(client, people.bank_user)
    assert client.get(f"/notifications/{mine}/read").status_code == 405
    assert client.get("/notifications/read-all").status_code == 405
    sign_in(client, people.bank_colleague)
    assert client.post(f"/notifications/{mine}/read").status_code == 404
    assert client.post("/notifications/999999/read").status_code == 404
    assert db.session.get(Notification, mine).read_at is None


@pytest.fixture
def csrf_client(database_url: str) -> Iterator[FlaskClient]:
    """A client of an app that checks CSRF tokens, as production does."""
    checked: Flask = make_app(database_url, WTF_CSRF_ENABLED=True)
    yield checked.test_client()


def test_mark_read_needs_the_form_token(people: People, csrf_client: FlaskClient):
    (mine,) = _notify_bank(people, "Token please")
    page = csrf_client.get("/login").get_data(as_text=True)
    csrf_client.post(
        "/login",
        data={
            "email": people.bank_user.email,
            "password": "correct-horse-battery",
            "csrf_token": csrf_token(page),
        },
    )
    assert csrf_client.post(f"/notifications/{mine}/read").status_code == 400
    listing = csrf_client.get("/notifications/").get_data(as_text=True)
    response = csrf_client.post(
        f"/notifications/{mine}/read", data={"csrf_token": csrf_token(listing)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Notification, mine).read_at is not None


def test_preferences_per_kind_and_decisions_cannot_be_turned_off(
    people: People, client: FlaskClient
):
    login(client, people.bank_user)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert 'id="message-2"' in page  # an optional kind offers "off"…
    assert 'id="changes_requested-2"' not in page  # …a decision on one's proposal does not
    choices = {k: d.value for k, d in services.preferences(people.bank_user).items()}
    refused = client.post(
        "/notifications/preferences", data={**choices, "changes_requested": "off"}
    )
    assert refused.status_code == 200  # the form again, with the error
    assert services.preferences(people.bank_user)["changes_requested"] is Delivery.IMMEDIATE
    saved = client.post(
        "/notifications/preferences", data={**choices, "message": "off", "milestone": "immediate"}
    )
    assert saved.status_code == 302
    now = services.preferences(people.bank_user)
    assert now["message"] is Delivery.OFF and now["milestone"] is Delivery.IMMEDIATE
    # Off means not told at all; a decision on one's proposal still comes.
    uc = use_case_at(people, Stage.UNDER_REVIEW)
    run(lambda: usecase_services.post_message(uc, people.reviewer, "Ping", False))
    _notify_bank(people, "Still told")
    kinds = db.session.scalars(
        sa.select(Notification.kind).where(Notification.user_id == people.bank_user.id)
    ).all()
    assert kinds == ["changes_requested"]


def test_a_mandatory_kind_cannot_be_turned_off_by_the_command(people: People):
    with pytest.raises(services.RuleError):
        services.set_preferences(people.bank_user, {"proposal_decided": Delivery.OFF})


def test_one_click_unsubscribe_without_signing_in_or_a_form_token(
    people: People, csrf_client: FlaskClient
):
    token = unsubscribe_token(people.reviewer.id, "proposal_received")
    asked = csrf_client.get(f"/notifications/unsubscribe/{token}")
    assert asked.status_code == 200 and "Unsubscribe" in asked.get_data(as_text=True)
    assert services.preferences(people.reviewer)["proposal_received"] is Delivery.IMMEDIATE
    # What a mail client sends for RFC 8058.
    done = csrf_client.post(
        f"/notifications/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}
    )
    assert done.status_code == 200
    db.session.expire_all()
    assert services.preferences(people.reviewer)["proposal_received"] is Delivery.OFF


@pytest.mark.parametrize(
    "token",
    [
        "forged",
        "WzEsInByb3Bvc2FsX3JlY2VpdmVkIl0.aaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ],
)
def test_a_forged_unsubscribe_token_is_refused(people: People, client: FlaskClient, token: str):
    assert client.post(f"/notifications/unsubscribe/{token}").status_code == 404
    assert services.preferences(people.reviewer)["proposal_received"] is Delivery.IMMEDIATE


def test_a_signed_token_for_no_such_kind_is_refused(people: People, client: FlaskClient):
    token = unsubscribe_token(people.reviewer.id, "everything")
    assert client.post(f"/notifications/unsubscribe/{token}").status_code == 404


def test_a_token_signed_with_another_key_is_refused(people: People, client: FlaskClient):
    from itsdangerous import URLSafeSerializer

    token = URLSafeSerializer("another-key", salt="notifications.unsubscribe").dumps(
        [people.reviewer.id, "proposal_received"]
    )
    assert client.post(f"/notifications/unsubscribe/{token}").status_code == 404
    assert services.preferences(people.reviewer)["proposal_received"] is Delivery.IMMEDIATE


def test_unsubscribing_from_a_mandatory_kind_changes_nothing(people: People, client: FlaskClient):
    token = unsubscribe_token(people.bank_user.id, "changes_requested")
    assert client.post(f"/notifications/unsubscribe/{token}").status_code == 400
    assert services.preferences(people.bank_user)["changes_requested"] is Delivery.IMMEDIATE


def test_the_digest_unsubscribe_turns_off_the_optional_digest_kinds(
    people: People, client: FlaskClient
):
    token = unsubscribe_token(people.reviewer.id, "digest")
    assert client.post(f"/notifications/unsubscribe/{token}").status_code == 200
    after = services.preferences(people.reviewer)
    assert after["document"] is Delivery.OFF  # was in the digest by default
    assert after["proposal_received"] is Delivery.IMMEDIATE  # was sent at once


def test_the_recipients_table_is_for_admins(people: People, client: FlaskClient):
    login(client, people.admin)
    page = client.get("/notifications/who-is-told").get_data(as_text=True)
    assert "Changes are requested" in page and "The institution&#39;s users" in page
    assert "cannot be turned off" in page
    sign_in(client, people.reviewer)
    assert client.get("/notifications/who-is-told").status_code == 403


def test_the_local_outbox_is_an_admin_page_in_demo_mode_only(
    people: People, client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
):
    _notify_bank(people, "Shown in the outbox")
    login(client, people.admin)
    assert client.get("/notifications/outbox").status_code == 404
    monkeypatch.setitem(app.config, "TRACKER_DEMO_MODE", True)
    page = client.get("/notifications/outbox").get_data(as_text=True)
    assert "bank@example.com" in page and "Kept in the local outbox" in page
    mail_id = re.search(r'/notifications/outbox/(\d+)"', page).group(1)  # type: ignore[union-attr]
    one = client.get(f"/notifications/outbox/{mail_id}").get_data(as_text=True)
    assert "Shown in the outbox" in one and "List-Unsubscribe" not in one
    sign_in(client, people.reviewer)
    assert client.get("/notifications/outbox").status_code == 404


def test_unsubscribe_is_the_only_route_without_a_form_token(app: Flask):
    from tracker.extensions import csrf

    assert csrf._exempt_views == {"tracker.notifications.views.unsubscribe"}


def test_the_list_issues_the_same_queries_however_many_notifications(
    people: People, client: FlaskClient
):
    statements: list[str] = []

    def count() -> int:
        statements.clear()
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert client.get("/notifications/?show=all").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        return len(statements)

    def record(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    _notify_bank(people, "One")
    login(client, people.bank_user)
    few = count()
    _notify_bank(people, *(f"Reason {n}" for n in range(12)))
    assert count() == few <= 6  # sign-in check, unread count, the page and its total
