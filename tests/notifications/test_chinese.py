"""E-mails and notifications in the recipient's language: a user who reads Traditional Chinese
(``User.language = "zh_Hant"``) is told in Chinese, subject and body, through the real SMTP
server; a user who reads English (or chose nothing) in English."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask.testing import FlaskClient

from tests.conftest import login
from tests.i18n.scan import is_prose
from tests.notifications.conftest import People, SmtpServer, parts, run, use_case_at
from tests.notifications.test_mail import _hk, submit
from tracker.auth import services as auth_services
from tracker.extensions import db, utcnow
from tracker.notifications import jobs, services
from tracker.notifications.mail import unsubscribe_token
from tracker.notifications.models import Delivery, Notification
from tracker.usecases.models import Stage

TITLE = "Fraud triage assistant"


def _lines_in_english(text: str, allowed: tuple[str, ...]) -> list[str]:
    left = []
    for line in text.splitlines():
        for allowance in allowed:
            line = line.replace(allowance, " ")
        if is_prose(line):
            left.append(line)
    return left


def test_a_chinese_reader_gets_a_chinese_email_and_an_english_reader_an_english_one(
    people: People, smtp: SmtpServer
) -> None:
    people.reviewer.language = "zh_Hant"
    db.session.commit()
    uc = use_case_at(people, Stage.DRAFT, title=TITLE)
    submit(people, uc)

    chinese = smtp.inbox.by_recipient("reviewer@example.com")[0]
    assert chinese["Subject"] == f"新建議書：{TITLE}"
    text, html = parts(chinese)
    assert f"{people.reviewer.name}：" in text
    assert "開啟：" in text and "沙盒追蹤系統。閣下的通知：" in text
    assert "選擇通知方式：" in text and "停止接收「" in text
    assert '<html lang="zh-Hant">' in html and "在系統中開啟" in html
    allowed = (
        TITLE,
        people.reviewer.name,
        uc.reference,
        "Harbour Bank",
        "GenA.I. Sandbox",
        "Cohort 1",
    )
    body = "\n".join(line for line in text.splitlines() if "://" not in line)
    assert _lines_in_english(body, allowed) == []

    english = smtp.inbox.by_recipient("colleague@hkma.example.com")[0]
    assert english["Subject"] == f"New proposal: {TITLE}"
    text, html = parts(english)
    assert "Open it: " in text and "Sandbox Tracker. Your notifications: " in text
    assert '<html lang="en">' in html and "Open it in the tracker" in html
    assert "新建議書" not in text

    # The notification centre keeps what each was told, in their language.
    titles = dict(
        db.session.execute(
            sa.select(Notification.user_id, Notification.title).where(
                Notification.use_case_id == uc.id
            )
        ).all()
    )
    assert titles[people.reviewer.id] == f"新建議書：{TITLE}"
    assert titles[people.hkma_colleague.id] == f"New proposal: {TITLE}"


def test_the_daily_digest_follows_the_readers_language(people: People, smtp: SmtpServer) -> None:
    people.reviewer.language = "zh_Hant"
    db.session.commit()
    run(lambda: services.set_preferences(people.reviewer, {"proposal_received": Delivery.DIGEST}))
    submit(people, use_case_at(people, Stage.DRAFT, title=TITLE))
    now = utcnow()
    today = (now + timedelta(hours=8)).date().isoformat()
    jobs.digests(max(_hk(today, 9), now + timedelta(minutes=1)))
    digest = smtp.inbox.by_recipient("reviewer@example.com")[0]
    assert digest["Subject"] == "閣下的每日摘要：1 項更新"
    text, html = parts(digest)
    assert "閣下" in text and "的每日摘要：1 項更新。" in text
    assert "停止接收每日摘要" in html


def test_a_password_reset_follows_the_readers_language(people: People, smtp: SmtpServer) -> None:
    people.reviewer.language = "zh_Hant"
    db.session.commit()
    run(lambda: auth_services.request_password_reset(people.reviewer.email))
    message = smtp.inbox.by_recipient("reviewer@example.com")[0]
    assert message["Subject"] == "重設閣下的沙盒追蹤系統密碼"
    text, html = parts(message)
    assert "有人（相信是閣下）要求重設" in text and "請在此設定新密碼：" in text
    assert '<html lang="zh-Hant">' in html and "設定新密碼" in html
    run(lambda: auth_services.request_password_reset(people.hkma_colleague.email))
    english = smtp.inbox.by_recipient("colleague@hkma.example.com")[0]
    assert english["Subject"] == "Reset your Sandbox Tracker password"
    text, _html = parts(english)
    assert "Someone, probably you, asked to reset the password" in text


def test_the_notification_pages_in_chinese(people: People, client: FlaskClient) -> None:
    from tests.i18n.helpers import english_left

    people.reviewer.language = "zh_Hant"
    db.session.commit()
    submit(people, use_case_at(people, Stage.DRAFT, title=TITLE))
    login(client, people.reviewer)
    token = unsubscribe_token(people.reviewer.id, "proposal_received")
    allowed = (TITLE, "GenA.I. Sandbox", "Cohort 1", "Harbour Bank", people.reviewer.name)
    for url, phrase in (
        ("/notifications/", "全部標示為已讀"),
        ("/notifications/preferences", "閣下對每類通知的選擇"),
        (f"/notifications/unsubscribe/{token}", "停止接收"),
    ):
        html = client.get(url).get_data(as_text=True)
        assert phrase in html, url
        main = html[html.index("<main") : html.index("</main>")]
        assert english_left(main, allowed=allowed) == [], url
    client.post("/logout")
    login(client, people.admin)
    html = client.get("/notifications/who-is-told?lang=zh-Hant").get_data(as_text=True)
    main = html[html.index("<main") : html.index("</main>")]
    assert "誰會收到甚麼通知" in main
    # The sign-out message is the accounts area's.
    assert english_left(main, allowed=("You have been signed out.",)) == []
