"""Reminders of expected returns, taken by a periodic job: the institution before the due date
(7 and 1 days before, by default), both sides once it is overdue, and the supervisors after the
escalation threshold (14 days overdue).

Each step of each expected return is taken once: its ``ReturnReminder`` row (unique per return
and step) is committed with the notifications it makes and their e-mails, so a job run again, a
second scheduler or a worker killed and restarted sends nothing twice; e-mails committed but not
yet handed to the queue are picked up by the mail sweep.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from huey import crontab
from sqlalchemy.exc import IntegrityError

from tracker import events, jobs
from tracker.clock import local_today, utcnow
from tracker.extensions import db
from tracker.i18n import N_, N_plural
from tracker.notifications import jobs as mail_jobs
from tracker.notifications import services as notifications
from tracker.notifications.recipients import Occurrence, Trigger
from tracker.notifications.text import Lowered, Named, Plural, Text, _l
from tracker.returns import events as return_events
from tracker.returns.models import ExpectedReturn, ExpectedStatus, ReturnReminder
from tracker.unit_of_work import unit_of_work
from tracker.usecases.models import UseCase
from tracker.usecases.workflow import PILOT_STAGES

log = logging.getLogger(__name__)

# Days before the due date the institution is reminded; overridden by the app's
# ``TRACKER_RETURN_REMIND_DAYS`` (e.g. ``(10, 3, 1)``).
REMIND_DAYS = (7, 1)
# Days overdue after which the supervisors are told (``TRACKER_RETURN_ESCALATE_DAYS``).
ESCALATE_DAYS = 14
# Local hour from which the day's reminders go (the job runs every hour; nobody is e-mailed
# at midnight, and a worker down at that hour catches up at the next).
REMIND_HOUR = 9

OVERDUE = "overdue"
ESCALATED = "escalated"


def remind_days() -> tuple[int, ...]:
    return tuple(current_app.config.get("TRACKER_RETURN_REMIND_DAYS", REMIND_DAYS))


def escalate_days() -> int:
    return int(current_app.config.get("TRACKER_RETURN_ESCALATE_DAYS", ESCALATE_DAYS))


def steps_due(expected: ExpectedReturn, today: date) -> list[str]:
    """The steps whose day has come: the nearest reminder before the due date (an earlier one
    missed is not sent late), or once overdue the notice and, past the threshold, the
    escalation."""
    left = (expected.due_on - today).days
    if left > 0:
        reached = [d for d in remind_days() if left <= d]
        return [f"before:{min(reached)}"] if reached else []
    if left == 0:
        return []
    steps = [OVERDUE]
    if -left >= escalate_days():
        steps.append(ESCALATED)
    return steps


def occurrence(expected: ExpectedReturn, step: str, today: date) -> Occurrence:
    """What a reminder step tells, and whom (by its trigger in the recipients table); the texts
    are rendered in each recipient's language (tracker/notifications/text.py)."""
    use_case = expected.use_case
    period = {
        "reference": use_case.reference,
        "start": expected.period_start,
        "end": expected.period_end,
        "source": Lowered(expected.source),
    }
    what = (
        _l(
            "%(reference)s: the progress return for %(start)s to %(end)s (%(source)s), "
            "covering: %(request)s",
            request=expected.request,
            **period,
        )
        if expected.request
        else _l(
            "%(reference)s: the progress return for %(start)s to %(end)s (%(source)s)", **period
        )
    )
    body: Text
    if step == ESCALATED:
        trigger, title = Trigger.RETURN_ESCALATED, N_("Progress return overdue, escalated")
        late = Plural(*N_plural("%(num)d day", "%(num)d days"), expected.days_overdue(today))
        body = _l(
            "%(what)s, was due on %(due)s and is %(late)s overdue. %(institution)s has been "
            "reminded.",
            what=what,
            due=expected.due_on,
            late=late,
            institution=Named(use_case.institution),
        )
    elif step == OVERDUE:
        trigger, title = Trigger.RETURN_OVERDUE, N_("Progress return overdue")
        body = _l("%(what)s, was due on %(due)s.", what=what, due=expected.due_on)
    else:
        trigger, title = Trigger.RETURN_DUE, N_("Progress return due soon")
        when = Plural(*N_plural("in %(num)d day.", "in %(num)d days."), expected.days_left(today))
        body = _l(
            "%(what)s, is due on %(due)s, %(when)s", what=what, due=expected.due_on, when=when
        )
    return Occurrence(
        trigger=trigger,
        key=f"return_reminder:{expected.id}:{step}",
        actor_id=None,
        title=_l("%(what)s: %(title)s", what=_l(title), title=use_case.title),
        body=body,
        endpoint="usecases.detail",
        url_params={"id": use_case.id},
        anchor="expected-returns",
        use_case=use_case,
    )


def record_step(expected: ExpectedReturn, step: str, today: date, mail: bool = True) -> list[int]:
    """Record the step and tell its people (flushes; the caller commits): the e-mails queued,
    to send once committed. A step taken already breaks the unique (return, step) here."""
    reminder = ReturnReminder(expected_return_id=expected.id, step=step, sent_at=utcnow())
    db.session.add(reminder)
    db.session.flush()
    told = notifications.notify(occurrence(expected, step, today), mail=mail)
    reminder.recipients = len(told)
    events.record(
        return_events.ReturnReminded(
            actor_id=None,
            use_case_id=expected.use_case_id,
            expected_return_id=expected.id,
            step=step,
        )
    )
    return [n.mail_id for n in told if n.mail_id is not None]


def take_step(expected_id: int, step: str, today: date) -> list[int]:
    """Take one step in its own transaction; the e-mails are queued after the commit. Nothing
    when the step was taken already (by this run or another)."""
    try:
        with unit_of_work("expected_return.remind"):
            expected = db.session.get(ExpectedReturn, expected_id)
            if expected is None or not expected.is_open:
                return []
            mail_ids = record_step(expected, step, today)
    except IntegrityError:
        log.info("reminder %s of expected return %s was already taken", step, expected_id)
        return []
    mail_jobs.send_all(mail_ids)
    return mail_ids


def remind(today: date | None = None) -> list[tuple[int, str]]:
    """Take every reminder step whose day has come and that was not taken yet; the steps
    taken."""
    today = today or local_today()
    horizon = today.toordinal() + max(remind_days(), default=0)
    rows = list(
        db.session.execute(
            sa.select(ExpectedReturn.id, ExpectedReturn.due_on)
            .join(UseCase, UseCase.id == ExpectedReturn.use_case_id)
            .where(
                ExpectedReturn.status == ExpectedStatus.OPEN,
                ExpectedReturn.due_on <= date.fromordinal(horizon),
                UseCase.stage.in_(PILOT_STAGES),
            )
            .order_by(ExpectedReturn.due_on, ExpectedReturn.id)
        )
    )
    ids = [r.id for r in rows]
    taken = (
        {
            (r.expected_return_id, r.step)
            for r in db.session.execute(
                sa.select(ReturnReminder.expected_return_id, ReturnReminder.step).where(
                    ReturnReminder.expected_return_id.in_(ids)
                )
            )
        }
        if ids
        else set()
    )
    expected_by_id = (
        {
            e.id: e
            for e in db.session.scalars(sa.select(ExpectedReturn).where(ExpectedReturn.id.in_(ids)))
        }
        if ids
        else {}
    )
    due = [
        (expected_id, step)
        for expected_id in ids
        for step in steps_due(expected_by_id[expected_id], today)
        if (expected_id, step) not in taken
    ]
    db.session.rollback()  # only read: each step runs in its own transaction
    done = []
    for expected_id, step in due:
        take_step(expected_id, step, today)
        done.append((expected_id, step))
    return done


def hourly(now: datetime | None = None) -> list[tuple[int, str]]:
    """From ``REMIND_HOUR`` local time on, the day's reminders (once: a later run finds them
    taken)."""
    now = now or utcnow()
    zone = ZoneInfo(current_app.config["TRACKER_TIMEZONE"])
    local = now.replace(tzinfo=UTC).astimezone(zone)
    if local.hour < int(current_app.config.get("TRACKER_RETURN_REMIND_HOUR", REMIND_HOUR)):
        return []
    return remind(local.date())


@jobs.app_periodic(crontab(minute="20"))
def remind_expected_returns() -> None:
    """Every hour: the reminders of returns due soon or overdue, once the hour has come."""
    hourly()
