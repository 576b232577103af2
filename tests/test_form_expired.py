"""A form refused for its expired security token keeps what was typed and, from our own
pages, offers to submit it again with a fresh token."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, csrf_token, make_app
from tracker.extensions import db
from tracker.usecases.models import Message, Stage, UseCase

ORIGIN = {"Origin": "http://localhost"}


@pytest.fixture
def csrf_app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app


def _sign_in(client: FlaskClient, email: str) -> None:
    token = csrf_token(client.get("/login").get_data(as_text=True))
    data = {"email": email, "password": f.PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data).status_code == 302


@pytest.fixture
def use_case(world: World) -> UseCase:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    return uc


def _hidden(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))


def test_the_text_is_kept_and_can_be_submitted_again(
    csrf_app: Flask, world: World, use_case: UseCase
) -> None:
    client = csrf_app.test_client()
    _sign_in(client, world.reviewer.email)
    url = f"/use-cases/{use_case.id}/messages"
    typed = {"internal": "institution", "body": "Please send\nthe model card.", "csrf_token": "x"}
    response = client.post(url, data=typed, headers=ORIGIN)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Form expired" in page
    assert "Please send\nthe model card." in page  # shown, to copy
    assert f'action="{url}"' in page and "Submit again" in page
    again = _hidden(page)
    assert again["body"] == "Please send\nthe model card." and again["internal"] == "institution"
    assert again["csrf_token"] != "x"

    assert client.post(url, data=again, headers=ORIGIN).status_code == 302
    message = db.session.query(Message).one()
    assert message.body == "Please send\nthe model card." and message.internal is False


def test_a_post_from_another_site_is_not_offered_again(
    csrf_app: Flask, world: World, use_case: UseCase
) -> None:
    client = csrf_app.test_client()
    _sign_in(client, world.reviewer.email)
    response = client.post(
        f"/use-cases/{use_case.id}/messages",
        data={"internal": "institution", "body": "Written elsewhere"},
        headers={"Origin": "https://attacker.example"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Submit again" not in page
    assert 'name="body"' not in page and "Written elsewhere" not in page


def test_passwords_are_never_written_back_into_the_page(csrf_app: Flask, world: World) -> None:
    client = csrf_app.test_client()
    response = client.post(
        "/login",
        data={"email": world.reviewer.email, "password": "s3cret-typed-pw"},
        headers=ORIGIN,
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "s3cret-typed-pw" not in page
    assert "Submit again" not in page
    assert world.reviewer.email in page


def test_the_form_expired_page_in_chinese(csrf_app: Flask, world: World, use_case: UseCase) -> None:
    from tests.i18n.helpers import english_left

    client = csrf_app.test_client()
    _sign_in(client, world.reviewer.email)
    client.get("/use-cases/?lang=zh-Hant")  # the session keeps the language
    url = f"/use-cases/{use_case.id}/messages"
    typed = {"internal": "institution", "body": "請提交模型卡。", "csrf_token": "x"}
    response = client.post(url, data=typed, headers=ORIGIN)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "表格已過期" in page and "再次提交" in page
    assert "請提交模型卡。" in page
    # The menu's role label is the accounts area's to translate.
    assert (
        english_left(page, allowed=("Regulator staff", world.reviewer.name, "Asia/Hong_Kong")) == []
    )
