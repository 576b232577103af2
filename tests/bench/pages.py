"""Page timings at scale: ``python -m tests.bench.pages``.

Builds 10,000 use cases with 100,000 history rows (stage transitions, progress returns,
milestones and field changes) with bulk inserts, on SQLite (a temporary file) and on PostgreSQL
(a temporary database on 127.0.0.1), then prints the median server time and the number of SQL
queries of each main page, requested through the Flask test client as a regulator.

Options: ``--use-cases N``, ``--repeat N``, ``--only sqlite|postgresql``. The PostgreSQL server
is taken from ``TRACKER_BENCH_POSTGRES`` (default ``postgresql://postgres@127.0.0.1:5432``).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tracker import create_app
from tracker.auth.models import Role
from tracker.auth.services import create_user
from tracker.extensions import db
from tracker.institutions.models import Category, Institution, InstitutionKind
from tracker.programmes.models import (
    DEFAULT_CRITERIA,
    Cohort,
    CohortStatus,
    Programme,
    Regulator,
    SelectionCriterion,
)
from tracker.usecases.models import (
    Audience,
    FieldChange,
    Milestone,
    MilestoneStatus,
    ProgressReturn,
    Rag,
    Stage,
    StageTransition,
    Technique,
    UseCase,
    use_case_partner,
)

HISTORY_ROWS_PER_USE_CASE = 10
PASSWORD = "bench-password-not-secret"
REGULATOR_EMAIL = "bench.regulator@example.com"

# Share of use cases in each stage, and the path each one took to get there.
STAGE_WEIGHTS: dict[Stage, int] = {
    Stage.DRAFT: 8,
    Stage.SUBMITTED: 8,
    Stage.UNDER_REVIEW: 10,
    Stage.CHANGES_REQUESTED: 5,
    Stage.SELECTED: 8,
    Stage.REJECTED: 20,
    Stage.PILOT: 20,
    Stage.SUSPENDED: 2,
    Stage.PRODUCTION: 10,
    Stage.DISCONTINUED: 4,
    Stage.WITHDRAWN: 5,
}
PATHS: dict[Stage, list[Stage]] = {
    Stage.DRAFT: [],
    Stage.SUBMITTED: [Stage.SUBMITTED],
    Stage.UNDER_REVIEW: [Stage.SUBMITTED, Stage.UNDER_REVIEW],
    Stage.CHANGES_REQUESTED: [Stage.SUBMITTED, Stage.UNDER_REVIEW, Stage.CHANGES_REQUESTED],
    Stage.SELECTED: [Stage.SUBMITTED, Stage.UNDER_REVIEW, Stage.SELECTED],
    Stage.REJECTED: [Stage.SUBMITTED, Stage.UNDER_REVIEW, Stage.REJECTED],
    Stage.PILOT: [Stage.SUBMITTED, Stage.UNDER_REVIEW, Stage.SELECTED, Stage.PILOT],
    Stage.SUSPENDED: [
        Stage.SUBMITTED,
        Stage.UNDER_REVIEW,
        Stage.SELECTED,
        Stage.PILOT,
        Stage.SUSPENDED,
    ],
    Stage.PRODUCTION: [
        Stage.SUBMITTED,
        Stage.UNDER_REVIEW,
        Stage.SELECTED,
        Stage.PILOT,
        Stage.PRODUCTION,
    ],
    Stage.DISCONTINUED: [
        Stage.SUBMITTED,
        Stage.UNDER_REVIEW,
        Stage.SELECTED,
        Stage.PILOT,
        Stage.DISCONTINUED,
    ],
    Stage.WITHDRAWN: [Stage.SUBMITTED, Stage.WITHDRAWN],
}
PILOTED = {Stage.PILOT, Stage.SUSPENDED, Stage.PRODUCTION, Stage.DISCONTINUED}
TITLE_WORDS = (
    "Deepfake",
    "voice",
    "detection",
    "AML",
    "alert",
    "triage",
    "credit",
    "memo",
    "drafting",
    "complaint",
    "summaries",
    "scam",
    "warnings",
    "mule",
    "account",
    "policy",
    "assistant",
    "claims",
    "screening",
    "詐騙",
    "風險",
)


def _bulk(table: sa.Table, rows: list[dict[str, Any]], chunk: int = 5000) -> None:
    for start in range(0, len(rows), chunk):
        db.session.execute(sa.insert(table), rows[start : start + chunk])


def build(n_use_cases: int, seed: int) -> int:
    """Fill an empty database; returns the id of a pilot use case with a long history."""
    rng = random.Random(seed)
    now = datetime(2026, 3, 1, 2, 0)
    today = now.date()
    hkma = Regulator(code="HKMA", name_en="Hong Kong Monetary Authority", name_zh="香港金融管理局")
    sfc = Regulator(code="SFC", name_en="Securities and Futures Commission")
    ia = Regulator(code="IA", name_en="Insurance Authority")
    db.session.add_all([hkma, sfc, ia])
    genai = Programme(name="GenA.I. Sandbox", lead_regulator=hkma, sectors=["banking"])
    genai.participants = [sfc]
    plus = Programme(name="GenA.I. Sandbox++", lead_regulator=hkma, sectors=["banking"])
    plus.participants = [sfc, ia]
    insurance = Programme(name="Insurance AI Sandbox", lead_regulator=ia, sectors=["insurance"])
    db.session.add_all([genai, plus, insurance])
    cohorts = []
    for programme in (genai, plus, insurance):
        for k in range(1, 4):
            opens = date(2024, 3 * k, 1)
            cohort = Cohort(
                programme=programme,
                name=f"Cohort {k}",
                status=CohortStatus.PILOTING,
                applications_open_on=opens,
                applications_close_on=opens + timedelta(days=60),
                return_interval_days=30,
            )
            cohorts.append(cohort)
            db.session.add(cohort)
    categories = [
        Category(name="Risk management", name_zh="風險管理"),
        Category(name="Anti-fraud", name_zh="反詐騙"),
        Category(name="Customer experience", name_zh="客戶體驗"),
    ]
    db.session.add_all(categories)
    banks = [
        Institution(name=f"Bank {i:03d}", name_zh=f"銀行{i:03d}", kind=InstitutionKind.BANK)
        for i in range(80)
    ]
    for i, bank in enumerate(banks):
        bank.regulator = ia if i % 8 == 0 else hkma
    partners = [
        Institution(name=f"AI Partner {i:02d}", kind=InstitutionKind.TECH_PARTNER)
        for i in range(20)
    ]
    db.session.add_all(banks + partners)
    db.session.flush()
    for cohort in cohorts:
        for position, name in enumerate(DEFAULT_CRITERIA):
            db.session.add(SelectionCriterion(cohort=cohort, name=name, position=position))
    create_user(
        email=REGULATOR_EMAIL,
        name="Bench Regulator",
        password=PASSWORD,
        role=Role.REGULATOR,
        regulator_id=hkma.id,
    )
    db.session.flush()

    stages = list(STAGE_WEIGHTS)
    weights = list(STAGE_WEIGHTS.values())
    use_cases: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    transitions: list[dict[str, Any]] = []
    returns: list[dict[str, Any]] = []
    milestones: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for uc_id in range(1, n_use_cases + 1):
        stage = rng.choices(stages, weights)[0]
        cohort = rng.choice(cohorts)
        created = now - timedelta(days=rng.randint(60, 700), minutes=rng.randint(0, 1440))
        path = PATHS[stage]
        moments = sorted(created + timedelta(days=rng.randint(1, 55)) for _ in path)
        changed = moments[-1] if moments else created
        # Every piloted path passes SUBMITTED, UNDER_REVIEW, SELECTED and then PILOT.
        pilot_start = moments[3].date() if stage in PILOTED else None
        use_cases.append(
            {
                "id": uc_id,
                "cohort_id": cohort.id,
                "institution_id": rng.choice(banks).id,
                "category_id": rng.choice(categories).id,
                "title": " ".join(rng.sample(TITLE_WORDS, 4)).capitalize(),
                "summary": "A generative AI use case trialled in the sandbox.",
                "problem_statement": "The problem the bank wants to solve.",
                "technique": rng.choice(list(Technique)),
                "audience": rng.choice(list(Audience)),
                "kpis": "Analyst hours saved per week\nFalse-positive rate",
                "stage": stage,
                "stage_changed_at": changed,
                "created_at": created,
                "updated_at": changed,
                "submitted_at": moments[0] if moments else None,
                "pilot_started_on": pilot_start,
                "pilot_duration_weeks": 26 if pilot_start else None,
                "exit_outcome": "KPIs met." if stage is Stage.PRODUCTION else None,
            }
        )
        for partner in rng.sample(partners, rng.choice((0, 0, 1, 2))):
            links.append({"use_case_id": uc_id, "institution_id": partner.id})
        previous = Stage.DRAFT
        for target, at in zip(path, moments, strict=True):
            transitions.append(
                {
                    "use_case_id": uc_id,
                    "action": target.value,
                    "from_stage": previous,
                    "to_stage": target,
                    "at": at,
                    "details": {},
                }
            )
            previous = target
        if pilot_start is not None:
            end = pilot_start + timedelta(days=29)
            while end < today and len(returns) < n_use_cases * 2:
                returns.append(
                    {
                        "use_case_id": uc_id,
                        "period_start": end - timedelta(days=29),
                        "period_end": end,
                        "rag": rng.choice(list(Rag)),
                        "narrative": "Progress this period.",
                        "attested_by_name": "Chan Tai Man",
                        "attested_by_title": "Chief Risk Officer",
                        "submitted_at": datetime.combine(end, datetime.min.time()),
                    }
                )
                end += timedelta(days=rng.choice((30, 30, 30, 60)))
        if stage in PILOTED or stage is Stage.SELECTED:
            for k in range(3):
                milestones.append(
                    {
                        "use_case_id": uc_id,
                        "title": f"Milestone {k + 1}",
                        "planned_on": created.date() + timedelta(days=90 * (k + 1)),
                        "status": rng.choice(list(MilestoneStatus)),
                    }
                )
    history = len(transitions) + len(returns) + len(milestones)
    target = n_use_cases * HISTORY_ROWS_PER_USE_CASE
    for i in range(max(0, target - history)):
        uc = use_cases[i % n_use_cases]
        changes.append(
            {
                "use_case_id": uc["id"],
                "at": uc["created_at"] + timedelta(hours=i % 500),
                "field": "summary",
                "old_value": "Earlier wording.",
                "new_value": "Revised wording.",
            }
        )
    _bulk(UseCase.__table__, use_cases)  # type: ignore[arg-type]
    _bulk(use_case_partner, links)
    _bulk(StageTransition.__table__, transitions)  # type: ignore[arg-type]
    _bulk(ProgressReturn.__table__, returns)  # type: ignore[arg-type]
    _bulk(Milestone.__table__, milestones)  # type: ignore[arg-type]
    _bulk(FieldChange.__table__, changes)  # type: ignore[arg-type]
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(
                sa.text("SELECT setval('use_case_id_seq', (SELECT max(id) FROM use_case))")
            )
            conn.execute(sa.text("ANALYZE"))
    else:
        with db.engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    pilot = db.session.scalar(
        sa.select(UseCase.id)
        .where(UseCase.stage == Stage.PILOT, UseCase.cohort_id == cohorts[0].id)
        .order_by(UseCase.id)
        .limit(1)
    )
    assert pilot is not None
    return pilot


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


def measure(app: Flask, pages: dict[str, str], repeat: int) -> dict[str, tuple[float, int]]:
    """Median milliseconds and query count of each page, after one warm-up request."""
    client = app.test_client()
    response = client.post("/login", data={"email": REGULATOR_EMAIL, "password": PASSWORD})
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
        pilot_id = build(n_use_cases, seed)
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
