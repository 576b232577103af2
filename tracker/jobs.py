"""The job queue and the scheduler, on Huey.

The queue lives where ``TRACKER_QUEUE_URL`` says: a SQLite file by default (``make run`` needs no
server), Redis in production (``redis://host:6379/1``), so any number of workers on any number of
hosts share it. ``flask --app tracker worker`` runs a consumer: worker threads and, unless
``--no-scheduler``, the scheduler of the periodic jobs below. Tests run jobs in-process
(``TRACKER_QUEUE_URL=immediate://``) and, for the real thing, a worker process against Redis.

Jobs are idempotent: each acts on a database record that says whether the work is done (a report
request, for example), so a job that runs twice, or again after a worker was killed mid-way, does
the work once. The periodic sweep re-queues work whose worker vanished.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

import click
from flask import Flask, current_app, has_app_context
from huey import Huey, crontab
from huey.storage import BaseStorage, MemoryStorage, RedisStorage, SqliteStorage

log = logging.getLogger(__name__)

QUEUE_NAME = "tracker"

# Bound to its storage by ``init_app``; tasks register on it at import. One process serves one
# app (the web server, a worker); tests that build several point it back at theirs.
huey = Huey(QUEUE_NAME, results=False, utc=True, storage_class=MemoryStorage)

_bound: dict[str, Flask] = {}

F = TypeVar("F", bound=Callable[..., Any])


def storage_for(url: str) -> tuple[BaseStorage, bool]:
    """The queue's storage for a URL, and whether jobs run immediately in-process."""
    parsed = urlparse(url)
    if parsed.scheme in ("redis", "rediss"):
        return RedisStorage(QUEUE_NAME, url=url), False
    if parsed.scheme == "sqlite":
        path = Path(url[len("sqlite:///") :])
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteStorage(QUEUE_NAME, filename=str(path)), False
    if parsed.scheme == "immediate":
        return MemoryStorage(QUEUE_NAME), True
    raise ValueError(
        f"TRACKER_QUEUE_URL: unsupported queue {url!r} (redis://, sqlite:///, immediate://)"
    )


def init_app(app: Flask) -> None:
    """Point the queue at the app's storage; jobs run in this app."""
    storage, immediate = storage_for(app.config["TRACKER_QUEUE_URL"])
    # In this order: switching immediate mode makes Huey build a storage of its own.
    huey.immediate = immediate
    huey.storage = storage
    _bound["app"] = app


def app_job(**options: Any) -> Callable[[F], Any]:
    """A Huey task that runs in its own app context and database session (never the request's,
    even when it runs immediately inside one)."""

    def decorate(fn: F) -> Any:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            app = current_app._get_current_object() if has_app_context() else _bound["app"]  # type: ignore[attr-defined]
            from tracker.extensions import db

            with app.app_context():
                try:
                    return fn(*args, **kwargs)
                finally:
                    db.session.remove()

        return huey.task(name=fn.__name__, **options)(run)

    return decorate


def app_periodic(schedule: Any, **options: Any) -> Callable[[F], Any]:
    """A periodic job in its own app context, run by the scheduler."""

    def decorate(fn: F) -> Any:
        @functools.wraps(fn)
        def run() -> Any:
            from tracker.extensions import db

            with _bound["app"].app_context():
                try:
                    return fn()
                finally:
                    db.session.remove()

        return huey.periodic_task(schedule, name=fn.__name__, **options)(run)

    return decorate


def every_minute() -> Any:
    return crontab(minute="*")


def run_worker(workers: int, scheduler: bool) -> None:
    """Run a consumer until SIGINT (finish running jobs) or SIGTERM (stop now)."""
    # The periodic jobs and the subscribers that enqueue register on import.
    from tracker.reports import jobs as _report_jobs  # noqa: F401

    consumer = huey.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=scheduler,
        check_worker_health=True,
        initial_delay=0.1,
        max_delay=2.0,
    )
    log.info(
        "worker starting",
        extra={"workers": workers, "scheduler": scheduler, "queue": type(huey.storage).__name__},
    )
    consumer.run()


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
@click.option(
    "--scheduler/--no-scheduler",
    default=True,
    show_default=True,
    help="Also run the periodic jobs. Run it on one worker process per deployment; the jobs are "
    "idempotent, so a second scheduler only repeats harmless work.",
)
def worker_command(workers: int, scheduler: bool) -> None:
    """Run a job worker (and the scheduler) until Ctrl+C or SIGTERM."""
    if huey.immediate:
        raise click.ClickException("TRACKER_QUEUE_URL is immediate://: there is no queue to work.")
    run_worker(workers, scheduler)
