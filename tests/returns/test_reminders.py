"""Reminders of expected returns, end to end through a real SMTP server: the bank before the
due date, both sides once overdue, the supervisor after the escalation threshold; each step
once, whatever reruns or crashes."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from tests import factories as f
from tests.notifications.conftest import People, SmtpServer, mails, run
from tracker.extensions import db
from tracker.notifications import jobs as mail_jobs
from tracker.notifications.models import MailStatus, Notification
from tracker.returns import reminders, schedule
from tracker.returns.models import ExpectedReturn, ExpectedStatus, Frequency, ReturnReminder
from tracker.usecases import services
from tracker.usecases.models import Rag, Stage, UseCase

BANK = ["bank@example.com", "colleague@bank.example.com"]
HKMA = ["colleague@hkma.example.com", "reviewer@example.com"]


def hk_morning(day: date) -> datetime:
    """10:00 in Hong Kong, as naive UTC."""
    return datetime(day.year, day.month, day.day, 2, 0)


@pytest.fixture
def pilot(people: People, freeze_time) -> UseCase:  # type: ignore[no-untyped-def]
    """A pilot from 1 January 2026 reporting monthly, each return due 14 days after its
    month: January's falls due on 14 February."""
    freeze_time(hk_morning(date(2026, 1, 5)))
    uc = f.create_use_case(
        people.cohort,
        people.bank,
        people.category,
        stage=Stage.PILOT,
        partners=[people.partner],
        pilot_started_on=date(2026, 1, 1),
        pilot_duration_weeks=26,
        title="Card fraud triage",
    )
    db.session.commit()
    data = schedule.ScheduleData(Frequency.MONTHLY, None)
    run(lambda: schedule.set_return_schedule(uc, people.reviewer, data))
    return uc


def subjects(smtp: SmtpServer, address: str) -> list[str]:
    return [str(m["Subject"]) for m in smtp.inbox.by_recipient(address)]


def recipients_of(smtp: SmtpServer, subject: str) -> list[str]:
    return sorted(
        rcpt[0]
        for m, rcpt in zip(smtp.inbox.messages, smtp.inbox.recipients, strict=True)
        if str(m["Subject"]).startswith(subject)
    )


def test_an_overdue_return_reminds_the_bank(
    people: People, pilot: UseCase, smtp: SmtpServer, freeze_time
) -> None:  # type: ignore[no-untyped-def]
    january = db.session.scalars(
        sa.select(ExpectedReturn).order_by(ExpectedReturn.due_on).limit(1)
    ).one()
    assert (january.period_start, january.period_end, january.due_on) == (
        date(2026, 1, 1),
        date(2026, 1, 31),
        date(2026, 2, 14),
    )

    freeze_time(hk_morning(date(2026, 2, 7)))  # seven days before
    reminders.hourly()
    assert recipients_of(smtp, "Progress return due soon") == BANK
    message = smtp.inbox.by_recipient("bank@example.com")[-1]
    assert "due on 14 Feb 2026, in 7 days" in message.get_body(("plain",)).get_content()

    freeze_time(hk_morning(date(2026, 2, 15)))  # a day late
    reminders.hourly()
    assert recipients_of(smtp, "Progress return overdue: Card fraud triage") == sorted(BANK + HKMA)
    text = smtp.inbox.by_recipient("bank@example.com")[-1].get_body(("plain",)).get_content()
    assert "was due on 14 Feb 2026" in text
    assert f"/use-cases/{pilot.id}#expected-returns" in text
    # The partner and other regulators hear nothing of it.
    for address in ("partner@example.com", "sfc@example.com", "other@example.com"):
        assert smtp.inbox.by_recipient(address) == []

    freeze_time(hk_morning(date(2026, 2, 28)))  # 14 days late: the supervisor
    reminders.hourly()
    assert recipients_of(smtp, "Progress return overdue, escalated") == ["super@example.com"]
    assert all(m.status is MailStatus.SENT for m in mails())


def test_each_step_is_sent_once_however_often_the_job_runs(
    people: People, pilot: UseCase, smtp: SmtpServer, freeze_time
) -> None:  # type: ignore[no-untyped-def]
    freeze_time(hk_morning(date(2026, 2, 13)))  # one day before: only the nearest reminder
    assert [step for _, step in reminders.hourly()] == ["before:1"]
    assert reminders.hourly() == []
    freeze_time(datetime(2026, 2, 13, 8, 0))  # later the same day
    assert reminders.hourly() == []
    assert recipients_of(smtp, "Progress return due soon") == BANK
    steps = db.session.scalars(sa.select(ReturnReminder.step)).all()
    assert steps == ["before:1"]


def test_nothing_is_sent_before_the_reminder_hour(
    people: People, pilot: UseCase, smtp: SmtpServer, freeze_time
) -> None:  # type: ignore[no-untyped-def]
    freeze_time(datetime(2026, 2, 14, 20, 0))  # 04:00 on 15 February in Hong Kong
    assert reminders.hourly() == []
    assert smtp.inbox.by_recipient("bank@example.com") == subjects_before(smtp)


def subjects_before(smtp: SmtpServer) -> list:  # type: ignore[type-arg]
    """The schedule's own notice is all the bank received."""
    return [
        m
        for m in smtp.inbox.by_recipient("bank@example.com")
        if str(m["Subject"]).startswith("Reporting schedule")
    ]


def test_a_crash_after_the_commit_sends_nothing_twice(
    people: People,
    pilot: UseCase,
    smtp: SmtpServer,
    freeze_time,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    freeze_time(hk_morning(date(2026, 2, 15)))

    def killed(_ids: list[int]) -> None:
        raise RuntimeError("worker killed before handing the e-mails to the queue")

    with monkeypatch.context() as patched, pytest.raises(RuntimeError):
        patched.setattr(reminders.mail_jobs, "send_all", killed)
        reminders.remind()
    queued = [m for m in mails() if m.status is MailStatus.QUEUED]
    assert len(queued) == 4  # the bank's two users and the HKMA's two

    assert reminders.remind() == []  # the restarted job finds the step taken
    mail_jobs.sweep()  # the mail sweep sends what was committed
    assert recipients_of(smtp, "Progress return overdue") == sorted(BANK + HKMA)
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(Notification.kind == "return_overdue")
        )
        == 4
    )


def test_a_crash_before_the_commit_leaves_the_step_to_the_next_run(
    people: People,
    pilot: UseCase,
    smtp: SmtpServer,
    freeze_time,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    freeze_time(hk_morning(date(2026, 2, 15)))

    def broken(*_args: object, **_kw: object) -> list[Notification]:
        raise RuntimeError("database went away")

    with monkeypatch.context() as patched, pytest.raises(RuntimeError):
        patched.setattr(reminders.notifications, "notify", broken)
        reminders.remind()
    assert db.session.scalars(sa.select(ReturnReminder)).all() == []
    assert [step for _, step in reminders.remind()] == ["overdue"]
    assert recipients_of(smtp, "Progress return overdue") == sorted(BANK + HKMA)


def test_a_filed_return_fulfils_what_was_expected_and_stops_the_reminders(
    people: People, pilot: UseCase, smtp: SmtpServer, freeze_time
) -> None:  # type: ignore[no-untyped-def]
    freeze_time(hk_morning(date(2026, 2, 10)))
    uc = db.session.get(UseCase, pilot.id)
    assert uc is not None
    data = services.ReturnData(
        period_start=date(2026, 1, 1),
        period_end=date(2026, 2, 9),
        rag=Rag.GREEN,
        narrative="On track.",
        attested_by_name="Grace Ho",
        attested_by_title="Chief Risk Officer",
        kpi_values=tuple((k, "1") for k in uc.kpi_list),
        incidents=(),
    )
    filed = run(lambda: services.file_return(uc, people.bank_user, data))
    expected = db.session.scalars(sa.select(ExpectedReturn).order_by(ExpectedReturn.due_on)).all()
    assert [(e.period_end, e.status, e.return_id) for e in expected[:2]] == [
        (date(2026, 1, 31), ExpectedStatus.FILED, filed.id),
        (date(2026, 2, 28), ExpectedStatus.OPEN, None),  # not reached by the period
    ]
    freeze_time(hk_morning(date(2026, 2, 20)))
    assert reminders.hourly() == []
    assert recipients_of(smtp, "Progress return overdue") == []
    assert recipients_of(smtp, "Progress return due soon") == []


def test_a_suspended_pilots_returns_are_still_reminded_a_closed_ones_not(
    people: People, pilot: UseCase, smtp: SmtpServer, freeze_time
) -> None:  # type: ignore[no-untyped-def]
    uc = db.session.get(UseCase, pilot.id)
    assert uc is not None
    uc.stage = Stage.DISCONTINUED
    db.session.commit()
    freeze_time(hk_morning(date(2026, 2, 15)))
    assert reminders.hourly() == []
    uc.stage = Stage.SUSPENDED
    db.session.commit()
    assert [step for _, step in reminders.hourly()] == ["overdue"]


def test_a_chinese_reader_is_reminded_in_chinese_an_english_one_in_english(
    people: People, pilot: UseCase, smtp: SmtpServer, freeze_time
) -> None:  # type: ignore[no-untyped-def]
    """Each recipient's notification and e-mail are made in their own language."""
    from tests.i18n.helpers import english_left
    from tracker.auth.models import User

    bank_user = db.session.scalar(sa.select(User).filter_by(email="bank@example.com"))
    assert bank_user is not None
    bank_user.language = "zh_Hant"
    db.session.commit()
    freeze_time(hk_morning(date(2026, 2, 15)))  # a day late
    reminders.hourly()
    chinese = smtp.inbox.by_recipient("bank@example.com")[-1]
    assert str(chinese["Subject"]) == "進度申報表逾期：Card fraud triage"
    text = chinese.get_body(("plain",)).get_content()
    assert "原定於2026年2月14日到期" in text
    shown = text.replace("Card fraud triage", "").replace(pilot.reference, "")
    assert english_left(shown.split("http")[0], allowed=(bank_user.name,)) == []
    english = smtp.inbox.by_recipient("reviewer@example.com")[-1]
    assert str(english["Subject"]) == "Progress return overdue: Card fraud triage"
    assert "was due on 14 Feb 2026" in english.get_body(("plain",)).get_content()
