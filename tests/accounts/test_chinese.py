"""The sign-in, password, two-factor, account and API token pages in Traditional Chinese
(issue 15), and how a request's language is chosen: a link's ``?lang=``, the saved preference,
the session's switch, the browser's ``Accept-Language``."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as f
from tests.accounts.conftest import MOMENT, code_now, enrol
from tests.conftest import World, csrf_token, login, make_app
from tests.i18n.helpers import english_left
from tracker.auth import links, services
from tracker.auth.models import User
from tracker.extensions import db
from tracker.navigation import NAV, SETUP_NAV
from tracker.rules import RuleError
from tracker.unit_of_work import unit_of_work

PO = Path(__file__).resolve().parents[2] / "tracker/translations/zh_Hant/LC_MESSAGES/messages.po"
Freeze = Callable[[datetime], datetime]

# Shown on the pages as they are in any language: the time zone's name, the authenticator
# apps' names, the test data.
KEPT = (
    "Asia/Hong_Kong",
    "FreeOTP",
    "Google Authenticator",
    "Microsoft Authenticator",
    "1Password",
    "aaa",  # a password's characters, quoted by the policy's message
)


# Shared parts of these pages that other areas translate (the navigation, the forms' error
# summary, WTForms' messages): allowed in English only while the catalogue has no translation.
ELSEWHERE = (
    "There is a problem",
    "Please correct the fields marked below. Nothing has been saved yet.",
    "This field is required.",
    *(label for items in (*NAV.values(), *SETUP_NAV.values()) for _endpoint, label in items),
)


@functools.cache
def _not_yet_translated() -> tuple[str, ...]:
    with PO.open("rb") as handle:
        catalogue = read_po(handle)
    translated = {
        message.id
        for message in catalogue
        if message.id
        and any(message.string if isinstance(message.string, tuple) else (message.string,))
    }
    left = {text for text in ELSEWHERE if text not in translated}
    return tuple(sorted(left, key=len, reverse=True))


def _chinese(html: str, *allowed: str) -> list[str]:
    return english_left(html, allowed=(*KEPT, *allowed, *_not_yet_translated()))


def _lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match, html[:200]
    return match.group(1)


def _shown(user: User) -> tuple[str, ...]:
    """Test data a signed-in page shows: the user's name, e-mail and organisation."""
    return (user.name, user.email, str(user.organisation or ""))


def _prefer_chinese(user: User) -> None:
    with unit_of_work("test"):
        services.set_language(user, "zh_Hant")


def _page(client: FlaskClient, url: str, status: int = 200, **kwargs: object) -> str:
    response = client.get(url, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == status, url
    return response.get_data(as_text=True)


# The pages ----------------------------------------------------------------------------------


def test_sign_in_page_and_a_failed_attempt_in_chinese(client: FlaskClient, world: World) -> None:
    page = _page(client, "/login?lang=zh-Hant")
    assert _lang(page) == "zh-Hant"
    assert "登入" in page and "忘記密碼？" in page
    assert _chinese(page) == []
    failed = client.post(
        "/login", data={"email": world.reviewer.email, "password": "not-the-password"}
    ).get_data(as_text=True)
    assert "電郵或密碼不正確。" in failed
    assert _chinese(failed) == []
    empty = client.post("/login", data={"email": "", "password": ""}).get_data(as_text=True)
    assert _chinese(empty) == []


def test_refused_sign_ins_are_explained_in_chinese(database_url: str, world: World) -> None:
    app = make_app(database_url, LOGIN_RATE_LIMIT="2 per 15 minutes")
    chinese = {"Accept-Language": "zh-HK"}
    with app.app_context():
        for n in range(2):
            app.test_client().post(
                "/login",
                data={"email": world.reviewer.email, "password": "guess"},
                headers=chinese,
                environ_base={"REMOTE_ADDR": f"10.3.0.{n + 1}"},
            )
        account = app.test_client().post(
            "/login",
            data={"email": world.reviewer.email, "password": "guess"},
            headers=chinese,
            environ_base={"REMOTE_ADDR": "10.3.0.9"},
        )
        # The second address already tried once: its next two attempts fill its count.
        network = [
            app.test_client().post(
                "/login",
                data={"email": f"someone{n}@example.com", "password": "guess"},
                headers=chinese,
                environ_base={"REMOTE_ADDR": "10.3.0.2"},
            )
            for n in range(2)
        ][-1]
    assert account.status_code == network.status_code == 429
    locked = account.get_data(as_text=True)
    assert "此帳戶登入失敗的次數過多。" in locked and "請等候 15 分鐘後再試。" in locked
    assert "透過電郵設定新密碼" in locked
    assert _chinese(locked) == []
    busy = network.get_data(as_text=True)
    assert "閣下的網絡登入失敗的次數過多。" in busy
    assert _chinese(busy) == []


def test_forgot_password_page_in_chinese(client: FlaskClient, world: World) -> None:
    page = _page(client, "/login/forgot?lang=zh-Hant")
    assert "忘記密碼？" in page and "發送連結" in page
    assert _chinese(page) == []
    refused = client.post("/login/forgot", data={"email": ""}).get_data(as_text=True)
    assert "請輸入閣下的電郵地址。" in refused
    assert _chinese(refused) == []
    sent = client.post(
        "/login/forgot", data={"email": world.bank_user.email}, follow_redirects=True
    ).get_data(as_text=True)
    assert "設定新密碼連結的電郵正在發送中" in sent
    assert _chinese(sent) == []


def _reset_path(user: User) -> str:
    with unit_of_work("test"):
        token = services.request_password_reset(user.email)
    assert token is not None
    return f"/login/reset/{links.token_for(token.nonce)}"


def test_reset_page_and_its_errors_in_chinese(client: FlaskClient, world: World) -> None:
    path = _reset_path(world.bank_user)
    page = _page(client, path + "?lang=zh-Hant")
    assert "設定新密碼" in page and "可使用一次" in page
    assert _chinese(page, world.bank_user.email) == []
    weak = client.post(path, data={"new_password": "aaaaaaaaaaaa", "confirm": "aaaaaaaaaaaa"})
    text = weak.get_data(as_text=True)
    assert "此密碼太容易被猜到。" in text
    assert _chinese(text, world.bank_user.email) == []
    differ = client.post(
        path, data={"new_password": "lantern-orchard-velvet-42", "confirm": "something-else"}
    ).get_data(as_text=True)
    assert "兩次輸入的密碼不相同。" in differ
    invalid = _page(client, "/login/reset/" + "0" * 64, status=404)
    assert "此連結已失效" in invalid
    assert _chinese(invalid) == []


def test_invitation_page_in_chinese(client: FlaskClient, world: World) -> None:
    with unit_of_work("test"):
        user = services.invite_user(
            world.admin,
            services.AccountData(
                email="new@example.com",
                name="陳大文",
                role=world.bank_user.role,
                institution_id=world.bank.id,
            ),
        )
    token = db.session.scalar(
        db.select(services.AccountToken).where(services.AccountToken.user_id == user.id)
    )
    assert token is not None
    page = _page(client, f"/invitation/{links.token_for(token.nonce)}?lang=zh-Hant")
    assert "歡迎，陳大文" in page and "設定密碼" in page
    assert _chinese(page, "new@example.com") == []


def test_two_factor_pages_in_chinese(
    client: FlaskClient, world: World, freeze_time: Freeze
) -> None:
    freeze_time(MOMENT)
    user = world.bank_user
    _prefer_chinese(user)
    login(client, user)
    off = _page(client, "/account/two-factor")
    assert "雙重認證登入<strong>未啟用</strong>" in off
    assert _chinese(off, *_shown(user)) == []
    started = client.post(
        "/account/two-factor/start", data={"csrf_token": csrf_token(off)}, follow_redirects=True
    ).get_data(as_text=True)
    assert "掃描此 QR 碼" in started
    assert _chinese(started, *_shown(user)) == []
    wrong = client.post(
        "/account/two-factor/confirm", data={"csrf_token": csrf_token(started), "code": "000000"}
    ).get_data(as_text=True)
    assert "驗證碼不正確" in wrong
    assert _chinese(wrong, *_shown(user)) == []
    db.session.refresh(user)
    done = client.post(
        "/account/two-factor/confirm",
        data={"csrf_token": csrf_token(started), "code": code_now(user)},
    ).get_data(as_text=True)
    assert "閣下的備用碼" in done and "雙重認證登入已啟用。" in done
    codes = re.findall(r"<li>([0-9a-z-]+)</li>", done)
    assert len(codes) == 10
    assert _chinese(done, *_shown(user), *codes) == []
    enabled = _page(client, "/account/two-factor")
    assert "尚餘 10 個未使用的備用碼。" in enabled
    assert _chinese(enabled, *_shown(user)) == []


def test_two_factor_sign_in_page_in_chinese(
    client: FlaskClient, world: World, freeze_time: Freeze
) -> None:
    freeze_time(MOMENT)
    user = world.reviewer
    enrol(user)
    client.get("/login?lang=zh-Hant")
    response = client.post("/login", data={"email": user.email, "password": f.PASSWORD})
    assert response.headers["Location"].endswith("/login/code")
    page = _page(client, "/login/code")
    assert "輸入驗證碼" in page
    assert _chinese(page, *_shown(user)) == []
    wrong = client.post("/login/code", data={"code": "000000"}).get_data(as_text=True)
    assert "驗證碼不正確或已被使用。" in wrong
    assert _chinese(wrong, *_shown(user)) == []


def test_account_page_in_chinese(client: FlaskClient, world: World) -> None:
    user = world.reviewer
    _prefer_chinese(user)
    login(client, user)
    page = _page(client, "/account")
    assert _lang(page) == "zh-Hant"
    assert "閣下的帳戶" in page and "監管機構職員" in page and "更改密碼" in page
    assert _chinese(page, *_shown(user)) == []
    wrong = client.post(
        "/account",
        data={
            "csrf_token": csrf_token(page),
            "current_password": "not-it",
            "new_password": "lantern-orchard-velvet-42",
            "confirm": "lantern-orchard-velvet-42",
        },
    ).get_data(as_text=True)
    assert "現有密碼不正確。" in wrong
    assert _chinese(wrong, *_shown(user)) == []


def test_the_language_is_chosen_and_saved_on_the_account_page(
    app: Flask, client: FlaskClient, world: World
) -> None:
    user = world.supervisor
    login(client, user)
    page = _page(client, "/account")
    assert '<option lang="zh-Hant" value="zh_Hant">繁體中文</option>' in page
    saved = client.post(
        "/account/language",
        data={"csrf_token": csrf_token(page), "language": "zh_Hant"},
        follow_redirects=True,
    ).get_data(as_text=True)
    db.session.refresh(user)
    assert user.language == "zh_Hant"
    assert "閣下的語言設定已儲存。" in saved and _lang(saved) == "zh-Hant"
    assert 'selected value="zh_Hant"' in saved
    assert _chinese(saved, *_shown(user)) == []
    # Saved: another browser, in English, shows the account in Chinese once signed in.
    other = app.test_client()
    login(other, user)
    elsewhere = _page(other, "/account", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert _lang(elsewhere) == "zh-Hant"
    back = client.post(
        "/account/language",
        data={"csrf_token": csrf_token(saved), "language": "en"},
        follow_redirects=True,
    ).get_data(as_text=True)
    db.session.refresh(user)
    assert user.language == "en" and "Your language is saved." in back and _lang(back) == "en"
    refused = client.post(
        "/account/language", data={"csrf_token": csrf_token(back), "language": "fr"}
    )
    assert refused.status_code == 400
    db.session.refresh(user)
    assert user.language == "en"


def test_set_language_refuses_other_languages(world: World) -> None:
    with pytest.raises(RuleError) as refused:
        services.set_language(world.reviewer, "fr")
    assert refused.value.errors == {"language": ["Choose English or Traditional Chinese."]}


def test_token_pages_in_chinese(client: FlaskClient, world: World) -> None:
    user = world.bank_user
    _prefer_chinese(user)
    login(client, user)
    account = _page(client, "/account")
    assert "閣下沒有 API 權杖。" in account
    refused = client.post(
        "/account/api-tokens/",
        data={"csrf_token": csrf_token(account), "name": "", "scope": "read"},
    )
    assert refused.status_code == 400
    form = refused.get_data(as_text=True)
    assert "新增 API 權杖" in form and "請為權杖命名。" in form
    assert _chinese(form, *_shown(user)) == []
    created = client.post(
        "/account/api-tokens/",
        data={
            "csrf_token": csrf_token(account),
            "name": "申報系統",
            "scope": "write",
            "expires_in_days": "30",
        },
    ).get_data(as_text=True)
    assert "已建立 API 權杖" in created and "讀寫" in created
    assert _chinese(created, *_shown(user)) == []
    listed = _page(client, "/account")
    assert "申報系統" in listed and "有效" in listed
    assert _chinese(listed, *_shown(user)) == []
    token_id = re.search(r"/account/api-tokens/(\d+)/revoke", listed)
    assert token_id
    revoked = client.post(
        f"/account/api-tokens/{token_id.group(1)}/revoke",
        data={"csrf_token": csrf_token(listed)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "權杖「申報系統」已撤銷。" in revoked
    assert _chinese(revoked, *_shown(user)) == []


def test_api_reference_and_data_dictionary_in_chinese(client: FlaskClient) -> None:
    from tracker.usecases.models import MilestoneStatus, Rag, Severity, Stage
    from tracker.usecases.workflow import TRANSITIONS

    reference = _page(client, "/api/docs/?lang=zh-Hant")
    assert _lang(reference) == "zh-Hant" and "數據字典" in reference
    assert _chinese(reference) == []
    data = _page(client, "/api/docs/data")
    assert "API 數據字典" in data and "請求違反規則" in data
    # The labels of stages, statuses and transitions are translated where they are defined.
    labels = [m.english for e in (Rag, Severity, MilestoneStatus, Stage) for m in e]
    labels += [t.label for t in TRANSITIONS]
    assert (
        _chinese(data, *sorted(labels, key=len, reverse=True), "Idempotency-Key", "If-Match") == []
    )


# Which language a request gets --------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("zh-HK", "zh-Hant"),
        ("zh-HK,zh;q=0.9,en;q=0.8", "zh-Hant"),
        ("zh-TW", "zh-Hant"),
        ("zh-Hant", "zh-Hant"),
        ("zh-Hant-HK,en;q=0.5", "zh-Hant"),
        ("zh-CN", "en"),
        ("zh-CN,zh;q=0.9", "en"),
        ("en", "en"),
        ("en-GB,zh-HK;q=0.5", "en"),
        ("", "en"),
    ],
)
def test_the_browser_language_chooses_the_sign_in_page(
    client: FlaskClient, header: str, lang: str
) -> None:
    page = _page(client, "/login", headers={"Accept-Language": header} if header else {})
    assert _lang(page) == lang
    assert ("忘記密碼？" in page) is (lang == "zh-Hant")
    assert ("Forgot your password?" in page) is (lang == "en")


def test_a_link_with_lang_opens_in_chinese_and_the_session_keeps_it(client: FlaskClient) -> None:
    english = {"Accept-Language": "en-GB"}
    page = _page(client, "/login/forgot?lang=zh-Hant", headers=english)
    assert _lang(page) == "zh-Hant" and "發送連結" in page
    # The next page, without the argument, stays in the language of the link.
    assert _lang(_page(client, "/login", headers=english)) == "zh-Hant"
    back = _page(client, "/login?lang=en", headers={"Accept-Language": "zh-HK"})
    assert _lang(back) == "en" and "Forgot your password?" in back


def test_the_saved_preference_wins_over_the_browser(client: FlaskClient, world: World) -> None:
    user = world.reviewer
    _prefer_chinese(user)
    login(client, user)
    page = _page(client, "/account", headers={"Accept-Language": "en-GB,en"})
    assert _lang(page) == "zh-Hant" and "閣下的帳戶" in page
    with unit_of_work("test"):
        services.set_language(user, "en")
    page = _page(client, "/account", headers={"Accept-Language": "zh-HK"})
    assert _lang(page) == "en" and "Your account" in page


def _switch(client: FlaskClient, page: str, lang: str, next_url: str) -> str:
    response = client.post(
        "/language", data={"csrf_token": csrf_token(page), "lang": lang, "next": next_url}
    )
    assert response.status_code == 303
    return str(response.headers["Location"])


def test_the_navigation_switch_saves_the_language_of_a_signed_in_user(
    app: Flask, client: FlaskClient, world: World
) -> None:
    user = world.supervisor
    login(client, user)
    page = _page(client, "/account")
    assert _lang(page) == "en"
    assert _switch(client, page, "zh_Hant", "/account?lang=en") == "/account"
    db.session.refresh(user)
    assert user.language == "zh_Hant"
    assert _lang(_page(client, "/account")) == "zh-Hant"
    # Saved for the user: another browser, in English, shows Chinese once signed in.
    other = app.test_client()
    login(other, user)
    assert _lang(_page(other, "/account", headers={"Accept-Language": "en"})) == "zh-Hant"


def test_the_navigation_switch_keeps_the_language_for_the_session_when_signed_out(
    app: Flask, client: FlaskClient, world: World
) -> None:
    page = _page(client, "/login")
    assert _switch(client, page, "zh_Hant", "/login/forgot") == "/login/forgot"
    forgot = _page(client, "/login/forgot")
    assert _lang(forgot) == "zh-Hant" and "發送連結" in forgot
    # Nobody's preference changed, and another browser is still in English.
    assert db.session.scalar(db.select(db.func.count()).where(User.language.is_not(None))) == 0
    assert _lang(_page(app.test_client(), "/login")) == "en"


def test_the_switch_saves_nothing_without_its_csrf_token(database_url: str, world: World) -> None:
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        sign_in = _page(client, "/login")
        client.post(
            "/login",
            data={
                "csrf_token": csrf_token(sign_in),
                "email": world.reviewer.email,
                "password": f.PASSWORD,
            },
        )
        page = _page(client, "/account")
        refused = client.post("/language", data={"lang": "zh_Hant", "next": "/account"})
        assert refused.status_code in (303, 400)
        assert _lang(_page(client, "/account")) == "en"
        assert _switch(client, page, "zh_Hant", "/account") == "/account"
        assert _lang(_page(client, "/account")) == "zh-Hant"
    db.session.expire_all()
    assert db.session.get(User, world.reviewer.id).language == "zh_Hant"  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", ["invitation", "password_reset"])
def test_account_emails_read_in_chinese(app: Flask, world: World, kind: str) -> None:
    from flask import render_template

    from tracker.i18n import language

    user = world.bank_user
    context = {
        "user": user,
        "link": "https://tracker.example/link",
        "expires_at": MOMENT,
        "sign_in_url": "https://tracker.example/login",
    }
    with app.test_request_context("/"), language("zh_Hant"):
        text = render_template(f"auth/email/{kind}.txt", **context)
        html = render_template(f"auth/email/{kind}.html", **context)
    assert "沙盒追蹤系統" in text and "可使用一次" in text and "登入：" in text
    shown = text.replace(user.name, "").replace(user.email, "")
    assert re.search(r"[A-Za-z]{4,}", re.sub(r"https://\S+|Asia/Hong_Kong", "", shown)) is None
    assert _lang(html) == "zh-Hant"
    assert _chinese(html, user.name, user.email) == []
    with app.test_request_context("/"):
        english = render_template(f"auth/email/{kind}.txt", **context)
    assert f"Hello {user.name}," in english and "Sandbox Tracker. Sign in: " in english
