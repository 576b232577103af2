"""E-mail in the background: the job that sends one outbox row (queued by whoever committed
the row, once committed), the sweep that re-queues what is due or what a dead worker left, and
the daily digest.

An outbox row moves QUEUED → SENDING → SENT, or FAILED (the address bounced) or SKIPPED (no
address, a deactivated account, nothing the recipient may still see). The job claims it with one
conditional UPDATE, so a row marked SENDING or SENT is never taken by a second worker; a row
whose worker died stays SENDING until its claim is stale, and the sweep hands it on. When the
mail server is down the row goes back to QUEUED with its next attempt later each time (and the
job is retried by the queue with the same back-off).

SMTP cannot be exactly-once: a worker killed after the server accepted a message and before
the row says SENT sends it again after the claim goes stale. The window is the time between the
server's reply and one UPDATE; the Message-ID is the same on both copies, so a receiver can tell.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from huey import crontab

from tracker import jobs
from tracker.auth.models import TokenPurpose, User
from tracker.extensions import db, utcnow
from tracker.notifications import services
from tracker.notifications.mail import MailServer, compose, compose_account, is_permanent
from tracker.notifications.models import MailStatus, Notification, OutboundMail
from tracker.notifications.permissions import visible_to
from tracker.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 3600
QUEUE_RETRIES = 8
# Hosts' clocks differ a little: a job arriving this much before its row is due still runs.
CLOCK_SLACK = timedelta(seconds=2)


class MailServerUnavailableError(Exception):
    """The mail server could not take the message now; the row waits for its next attempt."""


def retry_delay(attempts: int) -> timedelta:
    """Back-off after the ``attempts``-th failed attempt: 30 s, 1 min, 2 min… at most an hour."""
    return timedelta(
        seconds=min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)
    )


def _claim(mail_id: int, now: datetime) -> bool:
    """Take the row if it waits and is due, or if the worker that took it stopped long ago. A
    retry is due at its ``next_attempt_at``: the queue's retry and the sweep may both bring it,
    and only the first that finds it due tries."""
    stale_before = now - timedelta(seconds=current_app.config["TRACKER_JOB_STALE_SECONDS"])
    with unit_of_work("mail.claim"):
        claimed = db.session.execute(
            sa.update(OutboundMail)
            .where(
                OutboundMail.id == mail_id,
                sa.or_(
                    sa.and_(
                        OutboundMail.status == MailStatus.QUEUED,
                        OutboundMail.next_attempt_at <= now + CLOCK_SLACK,
                    ),
                    sa.and_(
                        OutboundMail.status == MailStatus.SENDING,
                        OutboundMail.claimed_at < stale_before,
                    ),
                ),
            )
            .values(status=MailStatus.SENDING, attempts=OutboundMail.attempts + 1, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def _finish(mail_id: int, status: MailStatus, outcome: str, **values: object) -> None:
    db.session.rollback()
    with unit_of_work("mail.finish"):
        db.session.execute(
            sa.update(OutboundMail)
            .where(OutboundMail.id == mail_id, OutboundMail.status == MailStatus.SENDING)
            .values(status=status, outcome=outcome[:2000], **values)
            .execution_options(synchronize_session=False)
        )
    level = logging.INFO if status is MailStatus.SENT else logging.WARNING
    log.log(level, "mail %s %s: %s", mail_id, status.value, outcome)


def _release(mail_id: int, attempts: int, now: datetime, error: str) -> datetime:
    later = now + retry_delay(attempts)
    outcome = f"Attempt {attempts} failed, next after {later:%Y-%m-%d %H:%M:%S} UTC: {error}"
    db.session.rollback()
    with unit_of_work("mail.retry"):
        db.session.execute(
            sa.update(OutboundMail)
            .where(OutboundMail.id == mail_id, OutboundMail.status == MailStatus.SENDING)
            .values(status=MailStatus.QUEUED, next_attempt_at=later, outcome=outcome[:2000])
            .execution_options(synchronize_session=False)
        )
    return later


def deliver(mail_id: int, now: datetime | None = None) -> MailStatus | None:
    """Send one outbox row if nobody else is, or has. Its final status, or None when another
    worker has it or it is done. Raises ``MailServerUnavailableError`` when the server is down
    (the row is queued again for later)."""
    now = now or utcnow()
    if not _claim(mail_id, now):
        return None
    mail = db.session.get(OutboundMail, mail_id)
    assert mail is not None
    user = db.session.get(User, mail.user_id)
    if user is None or not user.active:
        _finish(mail_id, MailStatus.SKIPPED, "Not sent: the account is deactivated.")
        return MailStatus.SKIPPED
    if not user.email:
        _finish(mail_id, MailStatus.SKIPPED, "Not sent: the account has no e-mail address.")
        return MailStatus.SKIPPED
    account_link = mail.account_token
    if account_link is not None:
        dead = ""
        if not account_link.usable(now):
            dead = "Not sent: the link was used, replaced by a newer one or has expired."
        elif account_link.purpose is TokenPurpose.INVITATION and user.has_password:
            dead = "Not sent: the account has a password already."
        if dead:
            _finish(mail_id, MailStatus.SKIPPED, dead)
            return MailStatus.SKIPPED
        message = compose_account(mail, user, account_link)
    else:
        # What the recipient may see now, not when the event happened.
        items = list(
            db.session.scalars(
                sa.select(Notification)
                .where(Notification.mail_id == mail_id, visible_to(user))
                .order_by(Notification.created_at, Notification.id)
            )
        )
        if not items:
            _finish(
                mail_id,
                MailStatus.SKIPPED,
                "Not sent: the recipient may no longer see what it was about.",
            )
            return MailStatus.SKIPPED
        message = compose(mail, user, items)
    attempts, to_address = mail.attempts, user.email
    db.session.rollback()  # only read: no transaction stays open while the server is talked to
    raw = message.as_string()
    if account_link is not None and current_app.config["TRACKER_MAIL_URL"]:
        # A sent link is the owner's alone: the copy kept here must not open their account.
        # (The local outbox keeps it whole: without a mail server it is the only way to read.)
        raw = "(An account e-mail with a single-use link: not kept once sent.)"
    sent = {
        "sent_at": utcnow(),
        "to_address": to_address,
        "subject": str(message["Subject"])[:300],
        "message_id": str(message["Message-ID"])[:200],
        "raw": raw,
    }
    url = current_app.config["TRACKER_MAIL_URL"]
    if not url:
        log.info(
            "mail kept in the local outbox",
            extra={"mail": mail_id, "to": to_address, "subject": sent["subject"]},
        )
        _finish(
            mail_id,
            MailStatus.SENT,
            "Kept in the local outbox: TRACKER_MAIL_URL is not set.",
            **sent,
        )
        return MailStatus.SENT
    server = MailServer.from_url(url)
    try:
        server.send(message, timeout=current_app.config["TRACKER_MAIL_TIMEOUT_SECONDS"])
    except Exception as exc:  # noqa: BLE001 (every failure is recorded on the row)
        if is_permanent(exc):
            _finish(mail_id, MailStatus.FAILED, f"Bounced: {exc}", to_address=to_address)
            return MailStatus.FAILED
        later = _release(mail_id, attempts, now, f"{type(exc).__name__}: {exc}")
        log.warning("mail %s not sent (%s); next attempt after %s", mail_id, exc, later)
        raise MailServerUnavailableError(str(exc)) from exc
    _finish(mail_id, MailStatus.SENT, f"Accepted by {server.host}:{server.port}.", **sent)
    return MailStatus.SENT


@jobs.app_job(retries=QUEUE_RETRIES, retry_delay=FIRST_RETRY_SECONDS, retry_backoff=2)
def send_mail(mail_id: int) -> None:
    deliver(mail_id)


def send_all(mail_ids: list[int]) -> None:
    """Hand committed outbox rows to the queue (call after the commit: a job must find its row)."""
    for mail_id in mail_ids:
        send_mail(mail_id)


def due_mail(now: datetime) -> list[int]:
    """Rows to hand to a worker: waiting and due (a retry whose job is gone, a job lost before a
    worker took it), or claimed by a worker that stopped."""
    stale_before = now - timedelta(seconds=current_app.config["TRACKER_JOB_STALE_SECONDS"])
    ids = list(
        db.session.scalars(
            sa.select(OutboundMail.id)
            .where(
                sa.or_(
                    sa.and_(
                        OutboundMail.status == MailStatus.QUEUED,
                        OutboundMail.next_attempt_at <= now,
                    ),
                    sa.and_(
                        OutboundMail.status == MailStatus.SENDING,
                        OutboundMail.claimed_at < stale_before,
                    ),
                )
            )
            .order_by(OutboundMail.id)
        )
    )
    db.session.rollback()  # only read: end the transaction before the jobs run
    return ids


def sweep() -> list[int]:
    """Queue a job for every row that is due; the claim makes a duplicate job harmless."""
    ids = due_mail(utcnow())
    if ids:
        log.info("re-queueing mail %s", ids)
    for mail_id in ids:
        send_mail(mail_id)
    return ids


@jobs.app_periodic(jobs.every_minute())
def sweep_mail() -> None:
    """Re-queue mail that is due or whose worker vanished."""
    sweep()


def digests(now: datetime | None = None) -> list[int]:
    """From ``TRACKER_MAIL_DIGEST_HOUR`` local time on, queue the day's digest of each user with
    digest notifications waiting (once a day: a run that finds the digest made adds nothing)."""
    now = now or utcnow()
    local = now.replace(tzinfo=UTC).astimezone(ZoneInfo(current_app.config["TRACKER_TIMEZONE"]))
    if local.hour < current_app.config["TRACKER_MAIL_DIGEST_HOUR"]:
        return []
    with unit_of_work("notification.digest"):
        ids = [m.id for m in services.queue_digests(local.date(), before=now)]
    send_all(ids)
    return ids


@jobs.app_periodic(crontab(minute="5"))
def send_digests() -> None:
    """Every hour: the digests of the day, once the digest hour has come."""
    digests()
