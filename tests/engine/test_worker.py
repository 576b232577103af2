"""A real worker process against Redis: reports requested on the web are produced by it, and a
worker killed mid-way loses nothing and registers nothing twice once another takes over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from flask import Flask

from tests import factories as f
from tests.conftest import ROOT, World, login, make_app, page_cache_for
from tracker import jobs
from tracker.extensions import db
from tracker.reports import services
from tracker.reports.models import IssuedReport, ReportKind, ReportRequest, RequestStatus
from tracker.unit_of_work import unit_of_work
from tracker.usecases.models import Stage

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("redis-queue")]

QUEUE_URL = "redis://127.0.0.1:6379/3"


@pytest.fixture
def queue_app(app: Flask, database_url: str) -> Iterator[Flask]:
    """The app with its queue on Redis (emptied first); the tests' in-process queue after."""
    redis.Redis.from_url(QUEUE_URL).flushdb()
    yield make_app(database_url, QUEUE_URL=QUEUE_URL)
    jobs.init_app(app)


def _worker(database_url: str, log: Path) -> subprocess.Popen[bytes]:
    """A worker process; what it prints goes to ``log`` (appended), which a failed wait shows."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(
        TRACKER_DATABASE_URL=database_url,
        TRACKER_PAGE_CACHE_URL=page_cache_for(database_url),
        TRACKER_QUEUE_URL=QUEUE_URL,
        TRACKER_SECRET_KEY="test-secret-key",
        TRACKER_JOB_STALE_SECONDS="2",
        TRACKER_JOB_HEARTBEAT_SECONDS="1",
        TRACKER_LOG_FORMAT="text",
        PYTHONPATH=str(ROOT),
    )
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "tracker", "worker", "--workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _status(request_id: int) -> RequestStatus:
    db.session.expire_all()
    status = db.session.scalar(
        sa.select(ReportRequest.status).where(ReportRequest.id == request_id)
    )
    assert status is not None
    return status


def _wait_for(
    request_id: int, wanted: set[RequestStatus], seconds: float, log: Path
) -> RequestStatus:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = _status(request_id)
        if status in wanted:
            return status
        time.sleep(0.05)
    printed = log.read_text(errors="replace")[-4000:] if log.exists() else "(nothing)"
    raise AssertionError(
        f"request {request_id} still {_status(request_id)} after {seconds}s; the worker printed:\n"
        + printed
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _big_cohort(world: World, size: int) -> None:
    for _ in range(size):
        f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.UNDER_REVIEW)
    db.session.commit()


def test_a_worker_process_produces_what_the_web_asked_for(
    queue_app: Flask, database_url: str, world: World, tmp_path: Path
) -> None:
    _big_cohort(world, 600)
    log = tmp_path / "worker.log"
    client = queue_app.test_client()
    login(client, world.supervisor)
    started = time.monotonic()
    asked = client.post(f"/reports/cohort/{world.cohort.id}", data={})
    assert asked.status_code == 302
    assert time.monotonic() - started < 1.0  # answered at once: nothing was produced in it
    request_id = int(asked.headers["Location"].rsplit("/", 1)[1])
    assert _status(request_id) is RequestStatus.QUEUED
    worker = _worker(database_url, log)
    try:
        _wait_for(request_id, {RequestStatus.RUNNING}, 60, log)
        # Signing in while the PDF is laid out: no database lock is held by the worker.
        other = queue_app.test_client()
        login(other, world.reviewer)
        assert _status(request_id) is RequestStatus.RUNNING  # it was indeed during the render
        assert _wait_for(request_id, {RequestStatus.DONE, RequestStatus.FAILED}, 90, log) is (
            RequestStatus.DONE
        )
    finally:
        _stop(worker)
    page = client.get(asked.headers["Location"]).get_data(as_text=True)
    issued = db.session.scalars(sa.select(IssuedReport)).one()
    assert issued.reference in page
    assert client.get(f"/reports/{issued.id}/download").data[:5] == b"%PDF-"


def test_a_worker_killed_mid_way_loses_nothing_and_registers_once(
    queue_app: Flask, database_url: str, world: World, tmp_path: Path
) -> None:
    _big_cohort(world, 1000)
    log = tmp_path / "worker.log"
    with unit_of_work():
        request = services.request_report(world.supervisor, ReportKind.COHORT, world.cohort, None)
    request_id = request.id
    # What the queue held once the request was committed, for the log a failed wait prints.
    with log.open("a") as out:
        out.write(
            f"test: queue {type(jobs.huey.storage).__name__}, immediate {jobs.huey.immediate},"
            f" {jobs.huey.pending_count()} job(s) pending after the request\n"
        )
    first = _worker(database_url, log)
    try:
        # Up to the minute's sweep and a little more: under a full run's load the job has been
        # seen missing from the queue (the worker ran only its periodic jobs), and the sweep
        # queues again a request queued and never claimed, as it would in production.
        _wait_for(request_id, {RequestStatus.RUNNING}, 90, log)
        time.sleep(1)  # into the render
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        _stop(first)
    # Killed mid-way: nothing registered, the request left running by a worker now gone.
    assert _status(request_id) is RequestStatus.RUNNING
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IssuedReport)) == 0
    # Whatever the kill interrupted, a second worker (its scheduler's sweep) finishes the job.
    second = _worker(database_url, log)
    try:
        assert _wait_for(request_id, {RequestStatus.DONE, RequestStatus.FAILED}, 120, log) is (
            RequestStatus.DONE
        )
    finally:
        _stop(second)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IssuedReport)) == 1
    attempts = db.session.scalar(
        sa.select(ReportRequest.attempts).where(ReportRequest.id == request_id)
    )
    assert attempts == 2
