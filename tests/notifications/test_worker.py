"""A real worker process against Redis: killed while e-mails are queued and one is being sent,
then started again, it loses none and sends none twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask

from tests import factories as f
from tests.conftest import ROOT, make_app, page_cache_for
from tests.notifications.conftest import Handler, SmtpServer
from tracker import jobs as queue
from tracker.auth.models import Role
from tracker.extensions import db
from tracker.notifications import jobs
from tracker.notifications.models import MailStatus, OutboundMail
from tracker.unit_of_work import unit_of_work
from tracker.usecases import services
from tracker.usecases.models import Stage
from tracker.usecases.workflow import BY_NAME

REDIS = "redis://127.0.0.1:6379/7"
BANK_USERS = 6
STALE_SECONDS = 2


class SlowHandler(Handler):
    """Takes a moment over each message; a message whose sender vanished meanwhile is not
    accepted (its DATA never got the 250)."""

    started = 0

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        SlowHandler.started += 1
        await asyncio.sleep(0.6)
        return await super().handle_DATA(server, session, envelope)


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    flask = Path(sys.executable).with_name("flask")
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [str(flask), "--app", "tracker", "worker", "--workers", "1", "--no-scheduler"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@pytest.mark.slow
@pytest.mark.xdist_group("processes")
def test_killing_the_worker_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path, app: Flask
) -> None:
    store = redis.Redis.from_url(REDIS)
    store.ping()  # Redis runs on the development and CI machines; fail loudly if it does not.
    store.flushdb()  # database 7 is this test's own
    server = SmtpServer()
    SlowHandler.started = 0
    server.controller = Controller(
        SlowHandler(server.inbox), hostname="127.0.0.1", port=server.port
    )
    server.controller.start()
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    settings = {
        "QUEUE_URL": REDIS,
        "MAIL_URL": server.url,
        "JOB_STALE_SECONDS": STALE_SECONDS,
    }
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")},
        "TRACKER_DATABASE_URL": url,
        "TRACKER_PAGE_CACHE_URL": page_cache_for(url),
        "TRACKER_SECRET_KEY": "test-secret-key",
        "TRACKER_LOG_FORMAT": "text",
        **{f"TRACKER_{k}": str(v) for k, v in settings.items()},
    }
    log = tmp_path / "worker.log"
    worker: subprocess.Popen[bytes] | None = None
    queued = make_app(url, **settings)
    try:
        with queued.app_context():
            db.create_all()
            hkma = f.create_regulator("HKMA")
            programme = f.create_programme(hkma)
            cohort = f.create_cohort(programme)
            bank = f.create_institution(hkma, name="Harbour Bank")
            reviewer = f.create_user(Role.REGULATOR, regulator=hkma)
            for n in range(BANK_USERS):
                f.create_user(Role.INSTITUTION, institution=bank, email=f"bank{n}@example.com")
            uc = f.create_use_case(cohort, bank, f.create_category(), stage=Stage.UNDER_REVIEW)
            db.session.commit()
            with unit_of_work("test"):
                services.apply_transition(
                    uc, BY_NAME["request_changes"], reviewer, uc.version, reason="More detail."
                )
            ids = list(db.session.scalars(sa.select(OutboundMail.id).order_by(OutboundMail.id)))
            assert len(ids) == BANK_USERS
            assert server.inbox.messages == []  # queued in Redis, not sent in-process

            worker = start_worker(env, log)
            wait_for(lambda: SlowHandler.started >= 3, 60, "the third e-mail in flight")
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
            delivered = len(server.inbox.messages)
            assert 2 <= delivered < BANK_USERS

            def statuses() -> list[MailStatus]:
                db.session.expire_all()
                return list(db.session.scalars(sa.select(OutboundMail.status)))

            assert MailStatus.SENDING in statuses()  # the one it was sending when killed

            worker = start_worker(env, log)
            time.sleep(STALE_SECONDS + 0.5)
            jobs.sweep()  # what the scheduler does every minute
            wait_for(lambda: statuses() == [MailStatus.SENT] * BANK_USERS, 90, "every e-mail sent")
            time.sleep(1)  # anything left would arrive now
            received = [m["Message-ID"].strip() for m in server.inbox.messages]
            rows = {m.id: m.message_id for m in db.session.scalars(sa.select(OutboundMail))}
            assert sorted(received) == sorted(rows.values())  # each once, none lost
            assert len(set(received)) == BANK_USERS
            assert sorted(r[0] for r in server.inbox.recipients) == [
                f"bank{n}@example.com" for n in range(BANK_USERS)
            ]
    finally:
        if worker is not None and worker.poll() is None:
            worker.send_signal(signal.SIGINT)
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        server.stop()
        store.flushdb()
        queue.init_app(app)  # the rest of the session queues in-process again
        with queued.app_context():
            db.session.remove()
            db.engine.dispose()
