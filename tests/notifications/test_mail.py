"""E-mail through a real SMTP server started by the test: what arrives (headers, both parts,
the link, one-click unsubscribe), a server that is down, a rollback, a duplicate dispatch, a
bounce, accounts that cannot receive, visibility that changed before the send, the digest."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.notifications.conftest import (
    Clock,
    People,
    SmtpServer,
    mails,
    parts,
    run,
    told,
    use_case_at,
)
from tracker import events
from tracker.auth.models import User
from tracker.extensions import db, utcnow
from tracker.notifications import jobs, services
from tracker.notifications.mail import MailServer, read_unsubscribe_token
from tracker.notifications.models import Delivery, MailStatus, Notification, OutboundMail
from tracker.unit_of_work import unit_of_work
from tracker.usecases import services as usecase_services
from tracker.usecases.models import Stage, StageTransition, UseCase
from tracker.usecases.workflow import BY_NAME

BASE = "http://127.0.0.1:5000"


def submit(p: People, uc: UseCase) -> None:
    run(lambda: usecase_services.apply_transition(uc, BY_NAME["submit"], p.bank_user, uc.version))


def request_changes(p: People, uc: UseCase, reason: str = "Describe the human fallback.") -> None:
    run(
        lambda: usecase_services.apply_transition(
            uc, BY_NAME["request_changes"], p.reviewer, uc.version, reason=reason
        )
    )


def test_a_submitted_proposal_emails_the_lead_regulators_staff(people: People, smtp: SmtpServer):
    uc = use_case_at(people, Stage.DRAFT, title="Fraud triage <assistant> & co")
    submit(people, uc)

    assert sorted(r[0] for r in smtp.inbox.recipients) == [
        "colleague@hkma.example.com",
        "reviewer@example.com",
    ]
    message = smtp.inbox.by_recipient("reviewer@example.com")[0]
    assert message["Subject"] == "New proposal: Fraud triage <assistant> & co"
    assert message["From"] == "Sandbox Tracker <tracker@localhost>"
    assert "reviewer@example.com" in message["To"]
    assert message["Message-ID"]
    assert message["Auto-Submitted"] == "auto-generated"
    link = f"{BASE}/use-cases/{uc.id}#timeline-h"
    text, html = parts(message)
    assert link in text and "Harbour Bank" in text
    assert f'href="{link}"' in html
    assert "Fraud triage &lt;assistant&gt; &amp; co" in html  # escaped in HTML only
    # An optional kind: RFC 8058 one-click unsubscribe.
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith(f"{BASE}/notifications/unsubscribe/")
    token = unsubscribe.rsplit("/", 1)[1]
    assert read_unsubscribe_token(token) == (people.reviewer.id, "proposal_received")
    assert unsubscribe in text and unsubscribe in html

    sent = mails()
    assert [m.status for m in sent] == [MailStatus.SENT, MailStatus.SENT]
    assert all(m.attempts == 1 and m.outcome.startswith("Accepted by 127.0.0.1") for m in sent)
    assert {m.message_id for m in sent} == {m["Message-ID"].strip() for m in smtp.inbox.messages}


def test_requested_changes_email_the_bank_the_reason_without_unsubscribe(
    people: People, smtp: SmtpServer
):
    uc = use_case_at(people, Stage.UNDER_REVIEW)
    request_changes(people, uc, reason="Say how a customer reaches a human.")
    assert sorted(r[0] for r in smtp.inbox.recipients) == [
        "bank@example.com",
        "colleague@bank.example.com",
    ]
    for message in smtp.inbox.messages:
        text, html = parts(message)
        assert "Say how a customer reaches a human." in text
        assert "Say how a customer reaches a human." in html
        # A decision on one's own proposal cannot be turned off.
        assert message["List-Unsubscribe"] is None
        assert "/notifications/unsubscribe/" not in text


def test_a_rolled_back_command_queues_nothing(people: People, smtp: SmtpServer):
    uc = use_case_at(people, Stage.DRAFT)
    with pytest.raises(RuntimeError), unit_of_work("test"):
        usecase_services.apply_transition(uc, BY_NAME["submit"], people.bank_user, uc.version)
        db.session.flush()
        raise RuntimeError("something after the command failed")
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0
    assert mails() == []
    assert smtp.inbox.messages == []
    assert db.session.get(UseCase, uc.id).stage is Stage.DRAFT


def test_a_duplicate_dispatch_sends_one_email(people: People, smtp: SmtpServer):
    uc = use_case_at(people, Stage.DRAFT)
    submit(people, uc)
    event = events.UseCaseMoved(
        actor_id=people.bank_user.id,
        use_case_id=uc.id,
        transition="submit",
        from_stage="draft",
        to_stage="submitted",
    )
    events.dispatch([event])
    events.dispatch([event])
    assert len(smtp.inbox.messages) == 2  # one each for the two HKMA reviewers
    assert len(mails()) == 2
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 2


def test_a_job_run_again_sends_nothing_again(people: People, smtp: SmtpServer, clock: Clock):
    submit(people, use_case_at(people, Stage.DRAFT))
    for mail in mails():
        assert jobs.deliver(mail.id) is None
    clock.at(clock.now + timedelta(days=1))
    assert jobs.sweep() == []
    assert len(smtp.inbox.messages) == 2


def test_smtp_down_is_retried_with_back_off_and_delivered_when_it_comes_up(
    people: People, app: Flask, monkeypatch: pytest.MonkeyPatch, clock: Clock
):
    server = SmtpServer()  # not started yet: nothing listens on its port
    monkeypatch.setitem(app.config, "TRACKER_MAIL_URL", server.url)
    start = clock.now
    uc = use_case_at(people, Stage.UNDER_REVIEW)
    request_changes(people, uc)

    waiting = mails()
    ids = [m.id for m in waiting]
    assert [m.status for m in waiting] == [MailStatus.QUEUED, MailStatus.QUEUED]
    assert waiting[0].attempts == 1
    assert "ConnectionRefusedError" in waiting[0].outcome
    assert waiting[0].next_attempt_at == start + timedelta(seconds=30)
    # Not due yet: the sweep leaves it alone, and a job arriving early does nothing.
    clock.at(start + timedelta(seconds=20))
    assert jobs.sweep() == []
    assert jobs.deliver(ids[0]) is None
    assert mails()[0].attempts == 1

    # Still down at the next attempt: the wait doubles.
    later = clock.at(start + timedelta(seconds=31))
    assert jobs.sweep() == ids
    again = mails()[0]
    assert again.status is MailStatus.QUEUED and again.attempts == 2
    assert again.next_attempt_at == later + timedelta(seconds=60)

    server.start()
    try:
        clock.at(later + timedelta(seconds=61))
        assert jobs.sweep() == ids
        assert [m.status for m in mails()] == [MailStatus.SENT, MailStatus.SENT]
        assert mails()[0].attempts == 3
        assert len(server.inbox.messages) == 2
        # Nothing more to do, and nothing sent twice.
        clock.at(later + timedelta(days=1))
        assert jobs.sweep() == []
        assert len(server.inbox.messages) == 2
    finally:
        server.stop()


def test_back_off_doubles_up_to_an_hour():
    assert [jobs.retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 8, 20)] == [
        30,
        60,
        120,
        240,
        3600,
        3600,
    ]


def test_a_bounced_address_is_recorded_and_not_retried(
    people: People, smtp: SmtpServer, clock: Clock
):
    smtp.inbox.refuse.add("bank@example.com")
    request_changes(people, use_case_at(people, Stage.UNDER_REVIEW))
    outcome = {m.user_id: m for m in mails()}
    bounced = outcome[people.bank_user.id]
    assert bounced.status is MailStatus.FAILED
    assert bounced.outcome.startswith("Bounced:") and "550" in bounced.outcome
    assert bounced.to_address == "bank@example.com"
    assert outcome[people.bank_colleague.id].status is MailStatus.SENT
    clock.at(clock.now + timedelta(days=1))
    assert jobs.sweep() == []
    # The notification itself is still in the centre.
    assert told(people) == {
        "bank_user": "changes_requested",
        "bank_colleague": "changes_requested",
    }


def test_accounts_that_cannot_receive_are_recorded(
    people: People, app: Flask, monkeypatch: pytest.MonkeyPatch, clock: Clock
):
    """Deactivated between the event and the send, or without an address: not sent, and said
    so on the row."""
    server = SmtpServer()
    monkeypatch.setitem(app.config, "TRACKER_MAIL_URL", server.url)
    request_changes(people, use_case_at(people, Stage.UNDER_REVIEW))
    colleague = db.session.get(User, people.bank_colleague.id)
    colleague.active = False
    # The sign-in form refuses an empty address; an account imported without one has none.
    db.session.execute(sa.update(User).where(User.id == people.bank_user.id).values(email=""))
    db.session.commit()
    server.start()
    clock.at(clock.now + timedelta(hours=2))
    try:
        jobs.sweep()
    finally:
        server.stop()
    outcome = {m.user_id: m for m in mails()}
    assert outcome[people.bank_colleague.id].status is MailStatus.SKIPPED
    assert outcome[people.bank_colleague.id].outcome == "Not sent: the account is deactivated."
    assert outcome[people.bank_user.id].status is MailStatus.SKIPPED
    assert outcome[people.bank_user.id].outcome == "Not sent: the account has no e-mail address."
    assert server.inbox.messages == []


def test_what_is_sent_is_what_the_recipient_may_see_then(
    people: People, app: Flask, monkeypatch: pytest.MonkeyPatch, clock: Clock
):
    """The partner was named when the pilot started; it is no longer named when the server comes
    back: its e-mail is not sent, and the centre no longer shows the notification."""
    run(
        lambda: services.set_preferences(
            people.partner_user, {"partner_update": Delivery.IMMEDIATE}
        )
    )
    server = SmtpServer()
    monkeypatch.setitem(app.config, "TRACKER_MAIL_URL", server.url)
    uc = use_case_at(people, Stage.PILOT)
    run(
        lambda: usecase_services.apply_transition(
            uc, BY_NAME["suspend"], people.reviewer, uc.version, reason="Incident review."
        )
    )
    assert told(people)["partner_user"] == "partner_update"
    uc = db.session.get(UseCase, uc.id)
    uc.partners = []
    db.session.commit()
    server.start()
    clock.at(clock.now + timedelta(hours=2))
    try:
        jobs.sweep()
    finally:
        server.stop()
    outcome = {m.user_id: m for m in mails()}
    partner_mail = outcome[people.partner_user.id]
    assert partner_mail.status is MailStatus.SKIPPED
    assert partner_mail.outcome == "Not sent: the recipient may no longer see what it was about."
    assert "partner@example.com" not in [r[0] for r in server.inbox.recipients]
    assert outcome[people.bank_user.id].status is MailStatus.SENT
    assert services.unread_count(people.partner_user) == 0


def _hk(day: str, hour: int) -> datetime:
    """A naive-UTC time that is ``hour`` o'clock in Hong Kong on ``day``."""
    return datetime.fromisoformat(day) + timedelta(hours=hour - 8)


def test_the_daily_digest_gathers_the_days_notifications_once(people: People, smtp: SmtpServer):
    run(lambda: services.set_preferences(people.reviewer, {"proposal_received": Delivery.DIGEST}))
    first, second = use_case_at(people, Stage.DRAFT), use_case_at(people, Stage.DRAFT)
    submit(people, first)
    submit(people, second)
    # The colleague chose nothing: two e-mails at once. The reviewer chose the digest: none yet.
    assert smtp.inbox.by_recipient("reviewer@example.com") == []
    assert len(smtp.inbox.by_recipient("colleague@hkma.example.com")) == 2

    now = utcnow()
    today = (now + timedelta(hours=8)).date().isoformat()
    before_hour = max(_hk(today, 7), now)
    if (before_hour + timedelta(hours=8)).hour < 8:
        assert jobs.digests(before_hour) == []
    at = max(_hk(today, 9), now + timedelta(minutes=1))
    queued = jobs.digests(at)
    assert len(queued) == 1
    digest = smtp.inbox.by_recipient("reviewer@example.com")
    assert len(digest) == 1
    text, html = parts(digest[0])
    assert digest[0]["Subject"] == "Your daily digest: 2 updates"
    assert f"/use-cases/{first.id}" in text and f"/use-cases/{second.id}" in html
    token = digest[0]["List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]
    assert read_unsubscribe_token(token) == (people.reviewer.id, "digest")
    # Run again the same day: nothing more.
    assert jobs.digests(at + timedelta(hours=1)) == []
    assert len(smtp.inbox.by_recipient("reviewer@example.com")) == 1


def test_without_a_mail_server_messages_stay_in_the_local_outbox(
    people: People, caplog: pytest.LogCaptureFixture
):
    request_changes(people, use_case_at(people, Stage.UNDER_REVIEW))
    kept = mails()
    assert [m.status for m in kept] == [MailStatus.SENT, MailStatus.SENT]
    assert all(m.outcome == "Kept in the local outbox: TRACKER_MAIL_URL is not set." for m in kept)
    raw = db.session.scalar(sa.select(OutboundMail.raw).where(OutboundMail.id == kept[0].id))
    assert "Describe the human fallback." in raw and "text/html" in raw
    assert "mail kept in the local outbox" in caplog.text


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com:2525", ("smtp", "mail.example.com", 2525, "", "")),
        ("smtp://mail.example.com", ("smtp", "mail.example.com", 25, "", "")),
        (
            "smtps://me%40x.org:p%3Ass@mail.example.com",
            ("smtps", "mail.example.com", 465, "me@x.org", "p:ss"),
        ),
        (
            "smtp+starttls://u:p@mail.example.com:587",
            ("smtp+starttls", "mail.example.com", 587, "u", "p"),
        ),
    ],
)
def test_mail_urls(url: str, expected: tuple[str, str, int, str, str]):
    server = MailServer.from_url(url)
    assert (server.scheme, server.host, server.port, server.username, server.password) == expected


@pytest.mark.parametrize("url", ["http://mail.example.com", "smtp://", "mail.example.com:25"])
def test_unsupported_mail_urls_are_refused(url: str):
    with pytest.raises(ValueError, match="TRACKER_MAIL_URL"):
        MailServer.from_url(url)


def test_two_dispatches_racing_tell_each_person_once(
    people: People, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
):
    """The other dispatch commits its notification between this one's check and its insert:
    the unique (event, recipient) refuses the second, and the retry finds everyone told."""
    from tracker.notifications import subscribers

    uc = use_case_at(people, Stage.DRAFT)
    submit(people, uc)
    key = db.session.scalar(sa.select(Notification.event_key))
    db.session.execute(sa.delete(Notification).where(Notification.user_id == people.reviewer.id))
    db.session.commit()
    real = services.deliveries
    raced: list[bool] = []

    def deliveries_after_the_other_commits(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not raced:
            raced.append(True)
            with db.engine.begin() as conn:
                conn.execute(
                    sa.insert(Notification).values(
                        user_id=people.reviewer.id,
                        kind="proposal_received",
                        event_key=key,
                        created_at=utcnow(),
                        regulator_only=False,
                        title="From the other dispatch",
                        body="",
                        endpoint="usecases.detail",
                        url_params={"id": uc.id},
                        anchor="",
                        delivery="immediate",
                    )
                )
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "deliveries", deliveries_after_the_other_commits)
    moved = db.session.scalar(sa.select(StageTransition).where(StageTransition.action == "submit"))
    subscribers.tell([subscribers.moved_occurrence(moved)])
    assert raced
    rows = db.session.execute(sa.select(Notification.user_id, Notification.title)).all()
    assert sorted(r.user_id for r in rows) == sorted([people.reviewer.id, people.hkma_colleague.id])
