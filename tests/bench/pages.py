"""Page timings at scale: ``python -m tests.bench.pages``.

Builds 10,000 use cases with about 100,000 history rows (stage transitions, plus progress
returns and milestones) with ``tracker.synthetic.build_synthetic`` (what ``flask seed-synthetic``
runs), on SQLite (a temporary file) and on PostgreSQL
(a temporary database on 127.0.0.1), then prints the median server time and the number of SQL
queries of each main page, requested through the Flask test client as a regulator.

Options: ``--use-cases N``, ``--repeat N``, ``--only sqlite|postgresql``. The PostgreSQL server
is taken from ``TRACKER_BENCH_POSTGRES`` (default ``postgresql://postgres@127.0.0.1:5432``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tracker import create_app
from tracker.auth.models import User
from tracker.demo import DEMO_PASSWORD
from tracker.extensions import db
from tracker.synthetic import build_synthetic
from tracker.usecases.models import (
    FieldChange,
    Milestone,
    ProgressReturn,
    Stage,
    StageTransition,
    UseCase,
)
from tracker.usecases.permissions import visible_filter

# One of the synthetic HKMA analysts that ``build_synthetic`` creates; the password is the
# demo password it gives every synthetic account.
REGULATOR_EMAIL = "analyst1.hkma@synthetic.demo"
PILOTED = (Stage.PILOT, Stage.SUSPENDED, Stage.PRODUCTION)


@contextmanager
def statements_counted() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def analyst() -> User:
    user = db.session.scalar(sa.select(User).where(User.email == REGULATOR_EMAIL))
    if user is None:
        raise SystemExit("bench: the synthetic data has no HKMA analyst")
    return user


def measure(app: Flask, pages: dict[str, str], repeat: int) -> dict[str, tuple[float, int]]:
    """Median milliseconds and query count of each page, after one warm-up request."""
    client = app.test_client()
    response = client.post("/login", data={"email": REGULATOR_EMAIL, "password": DEMO_PASSWORD})
    if response.status_code != 302:
        raise SystemExit("bench: sign-in failed")
    out: dict[str, tuple[float, int]] = {}
    for name, url in pages.items():
        if client.get(url).status_code != 200:
            raise SystemExit(f"bench: {url} did not answer 200")
        times = []
        queries = 0
        for _ in range(repeat):
            with statements_counted() as seen:
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            queries = len(seen)
            assert response.status_code == 200
        out[name] = (statistics.median(times), queries)
    return out


def run(url: str, n_use_cases: int, repeat: int, seed: int) -> dict[str, tuple[float, int]]:
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-secret-key",
            "WTF_CSRF_ENABLED": False,
            "SECURE_COOKIES": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        build_synthetic(n_use_cases, seed)
        db.session.commit()
        # The page of a use case that piloted (returns, milestones), in the analyst's remit.
        pilot_id = db.session.scalar(
            sa.select(UseCase.id)
            .where(UseCase.stage.in_(PILOTED), visible_filter(analyst()))
            .order_by(UseCase.id)
            .limit(1)
        )
        counts = {
            "use cases": db.session.scalar(sa.select(sa.func.count(UseCase.id))),
            "history rows": sum(
                db.session.scalar(sa.select(sa.func.count()).select_from(t)) or 0
                for t in (
                    StageTransition.__table__,
                    ProgressReturn.__table__,
                    Milestone.__table__,
                    FieldChange.__table__,
                )
            ),
        }
        print(
            f"  built {counts['use cases']:,} use cases and {counts['history rows']:,} history "
            f"rows in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        cohort_id = db.session.scalar(sa.select(UseCase.cohort_id).where(UseCase.id == pilot_id))
        db.session.remove()
    pages = {
        "dashboard": "/dashboard",
        "use-case list": "/use-cases/",
        "use-case list, search": "/use-cases/?q=scam&sort=institution",
        "use-case page": f"/use-cases/{pilot_id}",
        "cohort page": f"/cohorts/{cohort_id}",
        "board": "/board",
    }
    with app.app_context():
        results = measure(app, pages, repeat)
        db.session.remove()
        db.engine.dispose()
    return results


@contextmanager
def postgres_database(server: str) -> Iterator[str]:
    name = f"tracker_bench_{os.getpid()}"
    admin_url = sa.engine.make_url(server).set(drivername="postgresql+psycopg", database="postgres")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def report(label: str, results: dict[str, tuple[float, int]]) -> None:
    print(f"  {'page':<24} {'median ms':>10} {'queries':>8}")
    for name, (ms, queries) in results.items():
        print(f"  {name:<24} {ms:>10.1f} {queries:>8}")
    print(flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--use-cases", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args(argv)
    server = os.environ.get("TRACKER_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as folder:
            print(f"SQLite ({args.use_cases:,} use cases, median of {args.repeat} requests)")
            path = Path(folder) / "bench.db"
            report("SQLite", run(f"sqlite:///{path}", args.use_cases, args.repeat, args.seed))
    if args.only != "sqlite":
        print(f"PostgreSQL ({args.use_cases:,} use cases, median of {args.repeat} requests)")
        with postgres_database(server) as url:
            report("PostgreSQL", run(url, args.use_cases, args.repeat, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
