"""Reports in the background: the job that produces a requested report, the subscriber that
queues it after the request is committed, and the sweep that re-queues a request whose worker
vanished.

A request moves QUEUED → RUNNING → DONE (or FAILED). The job claims it with one conditional
UPDATE, so two workers never produce the same request at once; the figures are read, the read
transaction ends, and only then is the PDF laid out (no database lock is held while it is); the
register entry and the request's DONE are committed together, and the register takes a request
once (``issued_report.request_id`` is unique, and the request is closed only if it is still
running and unregistered), so a job run again, or a worker that was taken for dead and comes
back, registers nothing twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from tracker import events, jobs
from tracker.extensions import db, utcnow
from tracker.i18n import N_
from tracker.reports import services
from tracker.reports.data import ReportError
from tracker.reports.layout import FontNotFoundError
from tracker.reports.models import ReportRequest, RequestStatus
from tracker.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


def _claim(request_id: int, stale_before: datetime) -> bool:
    """Take the request if it is waiting, or running with a worker that stopped beating."""
    now = utcnow()
    with unit_of_work("report.claim"):
        claimed = db.session.execute(
            sa.update(ReportRequest)
            .where(
                ReportRequest.id == request_id,
                sa.or_(
                    ReportRequest.status == RequestStatus.QUEUED,
                    sa.and_(
                        ReportRequest.status == RequestStatus.RUNNING,
                        ReportRequest.heartbeat_at < stale_before,
                    ),
                ),
            )
            .values(
                status=RequestStatus.RUNNING,
                attempts=ReportRequest.attempts + 1,
                started_at=now,
                heartbeat_at=now,
                # Steps are kept in English (the worker's log speaks it) and shown translated.
                step=N_("collecting the figures"),
                steps_done=0,
            )
            .execution_options(synchronize_session=False)
        )
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def _beat(engine: sa.Engine, request_id: int, **values: object) -> None:
    # Its own short transaction on the engine: the job's session holds none while rendering.
    with engine.begin() as conn:
        conn.execute(
            sa.update(ReportRequest)
            .where(ReportRequest.id == request_id, ReportRequest.status == RequestStatus.RUNNING)
            .values(heartbeat_at=utcnow(), **values)
        )


@contextmanager
def _heartbeat(request_id: int, every: float) -> Iterator[None]:
    """Beat while the block runs, so the sweep knows the worker is alive. The thread has no app
    context: it is handed the engine, which is safe to share between threads."""
    engine = db.engine
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            try:
                _beat(engine, request_id)
            except Exception:  # noqa: BLE001 (a missed beat must not kill the render)
                log.warning("heartbeat of report request %s failed", request_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"report-{request_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _fail(request_id: int, message: str) -> None:
    db.session.rollback()
    with unit_of_work("report.fail"):
        db.session.execute(
            sa.update(ReportRequest)
            .where(ReportRequest.id == request_id, ReportRequest.status != RequestStatus.DONE)
            .values(status=RequestStatus.FAILED, error=message[:2000], finished_at=utcnow())
            .execution_options(synchronize_session=False)
        )


def _requeue(request_id: int, error: str) -> None:
    """Hand a request back to the queue (the job's retry will claim it again)."""
    db.session.rollback()
    with unit_of_work("report.retry"):
        db.session.execute(
            sa.update(ReportRequest)
            .where(ReportRequest.id == request_id, ReportRequest.status == RequestStatus.RUNNING)
            .values(status=RequestStatus.QUEUED, error=error[:2000], queued_at=utcnow())
            .execution_options(synchronize_session=False)
        )


# Failures that trying again does not mend: the request fails at once with this message.
PERMANENT = (ReportError, LookupError, FontNotFoundError)


def produce(request_id: int, progress: Callable[[str], None] | None = None) -> bool:
    """Produce a requested report if nobody else is, or has. True when this call registered it.
    ``progress`` also hears each step (the command line prints them)."""
    config = current_app.config
    stale_before = utcnow() - timedelta(seconds=config["TRACKER_JOB_STALE_SECONDS"])
    if not _claim(request_id, stale_before):
        return False
    engine = db.engine
    done = 0

    def step(name: str) -> None:
        nonlocal done
        done += 1
        _beat(engine, request_id, step=name[:200], steps_done=done)
        if progress is not None:
            progress(name)

    try:
        with _heartbeat(request_id, config["TRACKER_JOB_HEARTBEAT_SECONDS"]):
            request = db.session.get(ReportRequest, request_id)
            assert request is not None
            if progress is not None:
                progress("collecting the figures")
            prepared = services.prepare(request)
            db.session.rollback()  # end the read-only transaction: no lock held while rendering
            pdf = services.render(prepared, step)
        with unit_of_work("report.issue"):
            request = db.session.get(ReportRequest, request_id)
            assert request is not None
            services.register(request, prepared, pdf)
    except services.AlreadyRegisteredError:
        return False  # another worker took it over (this one looked dead) and finished first
    except PERMANENT as exc:
        _fail(request_id, str(exc))
        return False
    except Exception as exc:
        db.session.rollback()
        log.exception("report request %s failed", request_id)
        attempts = db.session.scalar(
            sa.select(ReportRequest.attempts).where(ReportRequest.id == request_id)
        )
        if (attempts or 0) >= MAX_ATTEMPTS:
            _fail(
                request_id,
                "The report could not be produced (the error is in the worker's log, under "
                f"request {request_id}). Ask for it again; if it fails again, tell support.",
            )
            return False
        _requeue(request_id, type(exc).__name__)
        raise
    return True


@jobs.app_job(retries=MAX_ATTEMPTS - 1, retry_delay=5)
def produce_report(request_id: int) -> None:
    produce(request_id)


@events.subscribe(events.ReportRequested)
def queue_report(event: events.ReportRequested) -> None:
    produce_report(event.request_id)


@jobs.app_periodic(jobs.every_minute())
def sweep_report_requests() -> None:
    """Re-queue requests whose worker stopped (no heartbeat) or that never reached the queue;
    fail those that used up their attempts."""
    config = current_app.config
    stale_before = utcnow() - timedelta(seconds=config["TRACKER_JOB_STALE_SECONDS"])
    for request_id in requeue_candidates(stale_before):
        produce_report(request_id)


def requeue_candidates(stale_before: datetime) -> list[int]:
    """Requests whose worker stopped beating, or that were queued that long ago and never
    claimed (the queue lost them). Each is marked as queued now, so that the next sweep, or a
    second scheduler, does not queue it again while it waits its turn."""
    stuck = sa.or_(
        sa.and_(
            ReportRequest.status == RequestStatus.RUNNING,
            ReportRequest.heartbeat_at < stale_before,
        ),
        sa.and_(
            ReportRequest.status == RequestStatus.QUEUED,
            sa.func.coalesce(ReportRequest.queued_at, ReportRequest.requested_at) < stale_before,
        ),
    )
    exhausted = list(
        db.session.scalars(
            sa.select(ReportRequest.id).where(stuck, ReportRequest.attempts >= MAX_ATTEMPTS)
        )
    )
    for request_id in exhausted:
        _fail(request_id, "The worker stopped while producing this report, three times.")
    ids = list(
        db.session.scalars(
            sa.select(ReportRequest.id).where(stuck, ReportRequest.attempts < MAX_ATTEMPTS)
        )
    )
    if ids:
        with unit_of_work("report.requeue"):
            db.session.execute(
                sa.update(ReportRequest)
                .where(ReportRequest.id.in_(ids), ReportRequest.status == RequestStatus.QUEUED)
                .values(queued_at=utcnow())
                .execution_options(synchronize_session=False)
            )
    else:
        db.session.rollback()  # only read: end the transaction
    if ids:
        log.info("re-queueing report requests %s", ids)
    return ids
