"""Page timings at scale: ``python -m tests.bench.pages --scale 10000 100000``.

For each scale, builds that many use cases with their history (about ten history rows each:
stage transitions, progress returns, milestones) with ``tracker.synthetic.build_synthetic``
(what ``flask seed-synthetic`` runs), on SQLite and on PostgreSQL, then prints for each main page
the median server time and the number of SQL queries, requested through the Flask test client
as an HKMA analyst; with two scales, also the growth ratio. The scales take turns, one request
each, so both see the machine as it is at that moment. Then the CSV export of everything the
analyst sees: its time, its queries and the peak of Python memory while it streams.

The data sets are built once and cached: SQLite files in ``--cache`` (default ``.bench-cache``)
and PostgreSQL databases named ``<prefix>_<scale>_<fingerprint>``, where the fingerprint covers
the schema and the generator, so a change to either builds afresh. ``--fresh`` rebuilds anyway.

Options: ``--scale N [N ...]``, ``--repeat N``, ``--only sqlite|postgresql``. The PostgreSQL
server is taken from ``TRACKER_BENCH_POSTGRES`` (default ``postgresql://postgres@127.0.0.1:5432``)
and the database prefix from ``TRACKER_BENCH_PREFIX`` (default ``tracker_bench``).
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import os
import statistics
import sys
import time
import tracemalloc
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.dialects import postgresql, sqlite

import tracker.models  # noqa: F401  (every table, for the fingerprint)
from tracker import create_app, synthetic
from tracker.auth.models import User
from tracker.demo import DEMO_PASSWORD
from tracker.extensions import db
from tracker.institutions.models import Category
from tracker.programmes.models import Cohort, CohortStatus
from tracker.synthetic import build_synthetic
from tracker.usecases import text_index
from tracker.usecases.listing import ListFilters, use_case_select
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
# How far into the default list order the "deep page" starts (200 pages of 25).
DEEP_OFFSET = 5000
SEED = 2024
ROOT = Path(__file__).resolve().parents[2]


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


def bench_app(url: str) -> Flask:
    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-secret-key",
            "WTF_CSRF_ENABLED": False,
            "SECURE_COOKIES": False,
            # Every request is rendered: the page cache would time its own lookup instead.
            "PAGE_CACHE_SECONDS": 0,
        }
    )


def fingerprint() -> str:
    """Changes when the tables or the generator do, so cached data sets are rebuilt. Indexes
    are left out: ``sync_indexes`` brings a cached data set's indexes up to the models."""
    digest = hashlib.sha256()
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        for table in db.metadata.sorted_tables:
            digest.update(str(sa.schema.CreateTable(table).compile(dialect=dialect)).encode())
    digest.update(inspect.getsource(synthetic).encode())
    return digest.hexdigest()[:10]


def _declared_columns(index: sa.Index) -> list[str | None]:
    """An index's column names as reflection gives them: None for an expression."""
    return [e.name if isinstance(e, sa.Column) else None for e in index.expressions]


def _signature(columns: list[str | None]) -> list[str] | None:
    """What two indexes of one name are compared by: their columns; an index on an expression
    (``lower(name)``), which not every reflection reads, by its name alone (None)."""
    if any(c is None for c in columns):
        return None
    return [str(c) for c in columns]


def sync_indexes(url: str) -> None:
    """Create the tables and indexes the models declare and the data set lacks (indexes on other
    columns are rebuilt), and drop indexes the models no longer declare: seconds, where seeding
    again takes minutes."""
    engine = sa.create_engine(url)
    changed = False
    try:
        # Tables added or changed since the data set was built, if they hold no synthetic rows
        # (the fingerprint covers those that do): created afresh.
        inspector = sa.inspect(engine)
        stale: list[sa.Table] = []
        with engine.begin() as conn:
            for table in db.metadata.sorted_tables:  # parents first
                if not inspector.has_table(table.name):
                    continue
                columns = {c["name"] for c in inspector.get_columns(table.name)}
                changed_table = columns != {c.name for c in table.columns}
                child = any(fk.column.table in stale for fk in table.foreign_keys)
                empty = conn.scalar(sa.select(sa.func.count()).select_from(table)) == 0
                if empty and (changed_table or child):
                    stale.append(table)
            for table in reversed(stale):
                table.drop(conn)
        db.metadata.create_all(engine)
        with engine.begin() as conn:
            # The search's text index, which no table of the models declares.
            changed = text_index.ensure(conn) or changed
        inspector = sa.inspect(engine)
        with engine.begin() as conn:
            for table in db.metadata.sorted_tables:
                with warnings.catch_warnings():
                    # SQLite's reflection skips indexes on an expression: they are listed below.
                    warnings.filterwarnings("ignore", "Skipped unsupported reflection")
                    reflected = inspector.get_indexes(table.name)
                existing: dict[str, list[str] | None] = {
                    i["name"]: _signature(i["column_names"])
                    for i in reflected
                    if not i.get("duplicates_constraint")  # a unique constraint's own index
                }
                if engine.dialect.name == "sqlite":
                    existing |= {
                        name: None
                        for name in conn.scalars(
                            sa.text(
                                "SELECT name FROM sqlite_master WHERE type = 'index'"
                                " AND tbl_name = :t AND sql LIKE '%(%(%'"
                            ),
                            {"t": table.name},
                        )
                    }
                declared = {str(i.name): i for i in table.indexes}
                for name, indexed in list(existing.items()):
                    index = declared.get(str(name))
                    if index is None or _signature(_declared_columns(index)) != indexed:
                        conn.execute(sa.text(f'DROP INDEX "{name}"'))
                        del existing[name]
                        changed = True
                for name, index in declared.items():
                    if name not in existing:
                        index.create(conn)
                        changed = True
        if changed and engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("ANALYZE"))
        if changed:
            print("  indexes brought up to the models", flush=True)
    finally:
        engine.dispose()


def build(url: str, n_use_cases: int) -> None:
    """Create the schema and the synthetic data; PostgreSQL then gets the statistics that
    autovacuum would gather."""
    app = bench_app(url)
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        build_synthetic(n_use_cases, SEED)
        db.session.commit()
        seconds = time.perf_counter() - started
        history = sum(
            db.session.scalar(sa.select(sa.func.count()).select_from(t)) or 0
            for t in (
                StageTransition.__table__,
                ProgressReturn.__table__,
                Milestone.__table__,
                FieldChange.__table__,
            )
        )
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))
        db.engine.dispose()
    print(
        f"  built {n_use_cases:,} use cases, {history:,} history rows in {seconds:.1f} s",
        flush=True,
    )


def sqlite_url(cache: Path, n_use_cases: int, fresh: bool) -> str:
    path = cache / f"bench-{n_use_cases}-{SEED}-{fingerprint()}.db"
    if fresh and path.exists():
        path.unlink()
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        build(f"sqlite:///{partial}", n_use_cases)
        partial.rename(path)
    sync_indexes(f"sqlite:///{path}")
    return f"sqlite:///{path}"


def postgres_url(server: str, prefix: str, n_use_cases: int, fresh: bool) -> str:
    name = f"{prefix}_{n_use_cases}_{fingerprint()}"
    admin_url = sa.engine.make_url(server).set(drivername="postgresql+psycopg", database="postgres")
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    partial = f"{name}_partial"
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            )
            if exists and fresh:
                conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                exists = None
            if exists:
                sync_indexes(url)
                return url
            # Older data sets of this prefix and scale are stale: the fingerprint moved on.
            for (stale,) in conn.execute(
                sa.text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                {"p": f"{prefix}_{n_use_cases}_%"},
            ):
                conn.execute(sa.text(f'DROP DATABASE "{stale}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{partial}"'))
        build(admin_url.set(database=partial).render_as_string(hide_password=False), n_use_cases)
        with admin.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{partial}" RENAME TO "{name}"'))
        return url
    finally:
        admin.dispose()


@dataclass
class Result:
    pages: dict[str, tuple[float, int]] = field(default_factory=dict)
    export: tuple[float, int, float, int] = (0.0, 0, 0.0, 0)  # ms, queries, peak MiB, rows


def pages_of(app: Flask) -> dict[str, str]:
    """The pages to time, with ids picked from the data the way a user would come to them."""
    with app.app_context():
        user = analyst()
        pilot_id = db.session.scalar(
            sa.select(UseCase.id)
            .where(UseCase.stage.in_(PILOTED), visible_filter(user))
            .order_by(UseCase.id)
            .limit(1)
        )
        pilot = db.session.get(UseCase, pilot_id)
        assert pilot is not None
        deep = db.session.scalars(
            use_case_select(user, ListFilters()).offset(DEEP_OFFSET).limit(1)
        ).first()
        category_id = db.session.scalar(sa.select(Category.id).order_by(Category.id).limit(1))
        # A piloting cohort, the busiest kind (about 420 use cases, returns and milestones
        # overdue), at every scale: the pilot's cohort was a closed one of about 170 at one scale
        # and a piloting one at another, so the page's growth measured the cohorts' difference.
        cohort_id = db.session.scalar(
            sa.select(Cohort.id)
            .where(
                Cohort.status == CohortStatus.PILOTING,
                Cohort.id.in_(sa.select(UseCase.cohort_id).where(visible_filter(user))),
            )
            .order_by(Cohort.id)
            .limit(1)
        )
        pages = {
            "dashboard": "/dashboard",
            "list, page 1": "/use-cases/",
            "list, deep page": f"/use-cases/?after={deep.id if deep else pilot_id}",
            "list, search": "/use-cases/?q=scam",
            "list, stage+category": f"/use-cases/?stage=pilot&category={category_id}",
            "list, sort days in stage": "/use-cases/?sort=in_stage&dir=asc",
            "use-case page": f"/use-cases/{pilot_id}",
            "cohort page": f"/cohorts/{cohort_id or pilot.cohort_id}",
            "board": "/board",
            "review queue": "/use-cases/queue",
            "report register": "/reports/",
            "institutions": "/institutions/",
            "institution page": f"/institutions/{pilot.institution_id}",
        }
        db.session.remove()
    return pages


def signed_in(app: Flask) -> Any:
    client = app.test_client()
    response = client.post("/login", data={"email": REGULATOR_EMAIL, "password": DEMO_PASSWORD})
    if response.status_code != 302:
        raise SystemExit("bench: sign-in failed")
    return client


def measure(apps: list[Flask], repeat: int) -> list[Result]:
    """For each data set (one app each), the median milliseconds and query count of each page,
    after one warm-up request; then the export, timed, and once more under tracemalloc for its
    peak memory.

    The data sets take turns, one request each, page by page: a machine that slows down or
    speeds up during the run (another tenant, a CPU's clock) does so for every scale alike, so
    the growth ratios compare requests made at the same moment."""
    pages = [pages_of(app) for app in apps]
    results = [Result() for _ in apps]
    clients = [signed_in(app) for app in apps]
    for name in pages[0]:
        urls = [each[name] for each in pages]
        for client, url in zip(clients, urls, strict=True):
            if client.get(url).status_code != 200:
                raise SystemExit(f"bench: {url} did not answer 200")
        times: list[list[float]] = [[] for _ in apps]
        queries = [0 for _ in apps]
        for _ in range(repeat):
            for i, (app, client, url) in enumerate(zip(apps, clients, urls, strict=True)):
                with app.app_context(), statements_counted() as seen:
                    start = time.perf_counter()
                    response = client.get(url)
                    times[i].append((time.perf_counter() - start) * 1000)
                queries[i] = len(seen)
                assert response.status_code == 200
        for i, result in enumerate(results):
            result.pages[name] = (statistics.median(times[i]), queries[i])

    for app, client, result in zip(apps, clients, results, strict=True):
        with app.app_context():
            with statements_counted() as seen:
                start = time.perf_counter()
                response = client.get("/use-cases/export.csv")
                rows = sum(chunk.count(b"\r\n") for chunk in response.response) - 1
                export_ms = (time.perf_counter() - start) * 1000
            tracemalloc.start()
            response = client.get("/use-cases/export.csv")
            for _chunk in response.response:
                pass
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            result.export = (export_ms, len(seen), peak / 2**20, rows)
            db.session.remove()
            db.engine.dispose()
    return results


def hello_world_ms(repeat: int = 201) -> float:
    """The median time of the smallest Flask app's request through its test client: the
    machine's own speed, printed beside the pages so that runs on different machines compare."""
    from tests.bench.hello import app as hello

    client = hello.test_client()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get("/")
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def report(label: str, scales: list[int], results: list[Result]) -> None:
    heads = "".join(f"{f'{n // 1000}k ms':>10}" for n in scales)
    ratio = f"{'ratio':>7}" if len(scales) > 1 else ""
    queries = "".join(f"{f'q {n // 1000}k':>7}" for n in scales)
    print(f"{label}: median of the server time, as {REGULATOR_EMAIL}")
    print(f"  (a hello-world Flask request takes {hello_world_ms():.3f} ms on this machine)")
    print(f"  {'page':<26}{heads}{ratio}{queries}")
    for name in results[0].pages:
        times = [r.pages[name][0] for r in results]
        counts = "".join(f"{r.pages[name][1]:>7}" for r in results)
        growth = f"{times[-1] / times[0]:>6.2f}×" if len(scales) > 1 else ""
        print(f"  {name:<26}{''.join(f'{t:>10.1f}' for t in times)}{growth}{counts}")
    print(f"  {'CSV export':<26}{'rows':>10}{'ms':>10}{'queries':>9}{'peak MiB':>10}")
    for n, r in zip(scales, results, strict=True):
        ms, queries_n, peak, rows = r.export
        print(f"  {f'  at {n:,} use cases':<26}{rows:>10,}{ms:>10.0f}{queries_n:>9}{peak:>10.1f}")
    print(flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=int, nargs="+", default=[10_000])
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--cache", type=Path, default=ROOT / ".bench-cache")
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached data sets")
    args = parser.parse_args(argv)
    server = os.environ.get("TRACKER_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
    prefix = os.environ.get("TRACKER_BENCH_PREFIX", "tracker_bench")
    backends = [b for b in ("sqlite", "postgresql") if args.only in (None, b)]
    for backend in backends:
        apps = []
        for n in args.scale:
            print(f"{backend}: {n:,} use cases", flush=True)
            if backend == "sqlite":
                url = sqlite_url(args.cache, n, args.fresh)
            else:
                url = postgres_url(server, prefix, n, args.fresh)
            apps.append(bench_app(url))
        results = measure(apps, args.repeat)
        report("SQLite" if backend == "sqlite" else "PostgreSQL", args.scale, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
