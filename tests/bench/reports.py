"""Benchmark of the cohort PDF report: ``python -m tests.bench.reports`` (``make bench``).

Builds synthetic cohorts of 250, 1,000 and 5,000 use cases (``--sizes``) with stage history,
milestones, progress returns with KPI values and incidents, by bulk insert into a temporary
SQLite database. For each size it measures, each in a fresh process, the cohort report (its data,
then its layout) and the plain-reportlab baseline of ``tests.bench.report_baseline`` (the same
data, then the same content in stock reportlab), and prints pages, seconds, the ratio and the
report's peak resident memory.

Seconds are the process's CPU time (``time.process_time``): the development machines are shared,
and wall time there measures the neighbours as much as the report. The wall time of the report
is printed beside it.

Peak memory is the process's own maximum resident set size (``getrusage``), not tracemalloc,
which slows reportlab about tenfold. Targets (issue 10): within 1.3x of the baseline at every
size, under 400 MB at 5,000 use cases.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

SIZES = (250, 1000, 5000)
TARGET_RATIO = 1.3
TARGET_MB = 400


def _app(database: Path) -> Any:
    from tracker import create_app

    return create_app(
        {
            "DATABASE_URL": f"sqlite:///{database}",
            "SECRET_KEY": "bench",
            "SECURE_COOKIES": False,
            "TESTING": True,
        }
    )


# ---------------------------------------------------------------------------------------------
# Synthetic data

_PATHS: list[list[str]] = [
    ["submitted", "under_review"],
    ["submitted", "under_review", "selected"],
    ["submitted", "under_review", "selected", "pilot"],
    ["submitted", "under_review", "selected", "pilot"],
    ["submitted", "under_review", "changes_requested", "submitted", "under_review", "selected",
     "pilot"],
    ["submitted", "under_review", "selected", "pilot"],
    ["submitted", "under_review", "selected", "pilot", "suspended"],
    ["submitted", "under_review", "selected", "pilot", "production"],
    ["submitted", "under_review", "rejected"],
    ["submitted", "withdrawn"],
]  # fmt: skip

SUMMARY = (
    "Uses retrieval-augmented generation over the bank's fraud typologies and past case notes to "
    "triage alerts, draft suspicious transaction reports and explain each flag to analysts. "
    "Human review of every output; no customer-facing automation during the pilot."
)
NARRATIVE = (
    "The model was retrained on the latest scam typologies. Analyst feedback shows fewer false "
    "positives; latency stays within the agreed bound. Guardrails blocked two prompt-injection "
    "attempts in testing.\nNext period: extend to the cards portfolio and run the bias review."
)


def build_database(database: Path, sizes: tuple[int, ...] = SIZES) -> dict[int, int]:
    """Create the schema and bulk-insert one cohort per size; returns {size: cohort id}."""
    from tracker.extensions import db
    from tracker.institutions.models import Category, Institution
    from tracker.programmes.models import Cohort, Programme, Regulator
    from tracker.usecases.models import (
        Incident,
        KpiValue,
        Milestone,
        ProgressReturn,
        StageTransition,
        UseCase,
        use_case_partner,
    )

    app = _app(database)
    cohorts: dict[int, int] = {}
    with app.app_context():
        db.create_all()
        s = db.session
        s.execute(sa.insert(Regulator), [{"id": 1, "code": "HKMA", "name_en": "HKMA"}])
        s.execute(
            sa.insert(Programme),
            [{"id": 1, "name": "GenA.I. Sandbox", "lead_regulator_id": 1, "sectors": ["banking"]}],
        )
        s.execute(
            sa.insert(Category),
            [
                {"id": 1, "name": "Risk management", "name_zh": "風險管理"},
                {"id": 2, "name": "Anti-fraud", "name_zh": "反詐騙"},
                {"id": 3, "name": "Customer experience", "name_zh": "客戶體驗"},
            ],
        )
        s.execute(
            sa.insert(Institution),
            [
                {
                    "id": i,
                    "name": f"Bank {i}" if i <= 40 else f"Partner {i}",
                    "name_zh": "銀行" if i % 7 == 0 else None,
                    "kind": "bank" if i <= 40 else "tech_partner",
                    "regulator_id": 1 if i <= 40 else None,
                }
                for i in range(1, 51)
            ],
        )
        use_case_id = transition_id = milestone_id = return_id = 0
        base = datetime(2025, 1, 6, 2, 0)
        for cohort_id, size in enumerate(sizes, start=1):
            cohorts[size] = cohort_id
            s.execute(
                sa.insert(Cohort),
                [{"id": cohort_id, "programme_id": 1, "name": f"Cohort of {size}",
                  "status": "piloting", "created_at": base}],
            )  # fmt: skip
            use_cases, partners, transitions, milestones = [], [], [], []
            returns, kpis, incidents = [], [], []
            for n in range(size):
                use_case_id += 1
                path = _PATHS[n % len(_PATHS)]
                created = base + timedelta(minutes=n)
                at = [created + timedelta(days=7 * (k + 1)) for k in range(len(path))]
                piloted = "pilot" in path
                use_cases.append(
                    {
                        "id": use_case_id,
                        "cohort_id": cohort_id,
                        "institution_id": 1 + n % 40,
                        "category_id": 1 + n % 3,
                        "title": f"Use case {n + 1}: alert triage and STR drafting, book {n % 17}",
                        "summary": SUMMARY,
                        "problem_statement": "Too many false positives.",
                        "technique": "rag",
                        "audience": "internal",
                        "kpis": "Alerts triaged per hour\nFalse-positive rate\nAnalyst hours saved",
                        "stage": path[-1],
                        "stage_changed_at": at[-1],
                        "created_at": created,
                        "updated_at": at[-1],
                        "submitted_at": at[0],
                        "pilot_started_on": at[3].date() if piloted else None,
                        "pilot_duration_weeks": 26 if piloted else None,
                        "exit_outcome": "KPIs met." if path[-1] == "production" else None,
                        "version": 1,
                    }
                )  # fmt: skip
                partners.append({"use_case_id": use_case_id, "institution_id": 41 + n % 10})
                previous = "draft"
                for stage, when in zip(path, at, strict=True):
                    transition_id += 1
                    transitions.append(
                        {"id": transition_id, "use_case_id": use_case_id, "action": stage,
                         "from_stage": previous, "to_stage": stage, "at": when,
                         "reason": "Recorded by the synthetic benchmark.", "details": {}}
                    )  # fmt: skip
                    previous = stage
                if not piloted:
                    continue
                start = at[3]
                for k in range(3):
                    milestone_id += 1
                    planned = (start + timedelta(days=30 * (k + 1))).date()
                    milestones.append(
                        {"id": milestone_id, "use_case_id": use_case_id,
                         "title": f"Milestone {k + 1}", "planned_on": planned,
                         "actual_on": planned if k == 0 else None,
                         "status": "done" if k == 0 else "planned", "created_at": start}
                    )  # fmt: skip
                for k in range(3):
                    return_id += 1
                    period_start = (start + timedelta(days=30 * k)).date()
                    returns.append(
                        {"id": return_id, "use_case_id": use_case_id,
                         "period_start": period_start,
                         "period_end": period_start + timedelta(days=29),
                         "rag": ("green", "amber", "red")[(n + k) % 3], "narrative": NARRATIVE,
                         "attested_by_name": "Ada Chan", "attested_by_title": "Chief Risk Officer",
                         "submitted_at": start + timedelta(days=30 * k + 33)}
                    )  # fmt: skip
                    for position, kpi in enumerate(
                        ("Alerts triaged per hour", "False-positive rate", "Analyst hours saved")
                    ):
                        kpis.append(
                            {"return_id": return_id, "position": position, "kpi": kpi,
                             "value": f"{(n * 7 + k * 3 + position) % 97}"}
                        )  # fmt: skip
                    if n % 5 == 0 and k == 2:
                        incidents.append(
                            {"use_case_id": use_case_id, "return_id": return_id,
                             "description": "A genuine transaction was flagged and held.",
                             "severity": "medium", "customer_impact": "One customer delayed.",
                             "remediation": "Threshold tuned.", "resolved": False,
                             "occurred_on": period_start + timedelta(days=10)}
                        )  # fmt: skip
            for model, rows in (
                (UseCase, use_cases),
                (use_case_partner, partners),
                (StageTransition, transitions),
                (Milestone, milestones),
                (ProgressReturn, returns),
                (KpiValue, kpis),
                (Incident, incidents),
            ):
                if rows:
                    s.execute(sa.insert(model), rows)  # type: ignore[arg-type]
        s.commit()
    return cohorts


# ---------------------------------------------------------------------------------------------
# One measurement, in its own process


def _pages(pdf: bytes) -> int:
    # reportlab writes one uncompressed "/Type /Page" dictionary per page.
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


def measure(mode: str, database: Path, cohort_id: int) -> dict[str, Any]:
    """The cohort report (data, then layout) or the baseline (the same data, then plain
    reportlab), timed by phase."""
    from tests.bench.report_baseline import plain_render
    from tracker.extensions import db
    from tracker.programmes.models import Cohort
    from tracker.reports import data, layout

    app = _app(database)
    app_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with app.app_context():
        config = app.config
        cohort = db.session.get(Cohort, cohort_id)
        assert cohort is not None
        started, wall = time.process_time(), time.perf_counter()
        as_at = data.AsAt.for_day(None, config["TRACKER_TIMEZONE"])
        report = data.cohort_report(cohort, as_at)
        collected = time.process_time()
        if mode == "report":
            imprint = data.Imprint(
                reference="TR-2026-000001",
                generated_at=datetime(2026, 12, 1, 9, 0),
                generated_by="Command line",
                classification=config["TRACKER_CLASSIFICATION"],
                timezone=config["TRACKER_TIMEZONE"],
            )
            pdf = layout.render(report, imprint, cjk_font=config["TRACKER_CJK_FONT"])
        else:
            pdf = plain_render(report, config["TRACKER_CJK_FONT"])
        finished = time.process_time()
        wall = time.perf_counter() - wall
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return {
        "seconds": finished - started,
        "wall": wall,
        "render": finished - collected,
        "peak_mb": peak_kb / 1024,
        "app_mb": app_kb / 1024,
        "bytes": len(pdf),
        "pages": _pages(pdf),
    }


def _best_of(runs: int, mode: str, database: Path, cohort_id: int) -> dict[str, Any]:
    """The fastest of ``runs`` fresh processes (the machine may be busy), with the highest peak."""
    measured = [_run_child(mode, database, cohort_id) for _ in range(runs)]
    best = min(measured, key=lambda m: m["seconds"])
    return {**best, "peak_mb": max(m["peak_mb"] for m in measured)}


def _run_child(mode: str, database: Path, cohort_id: int) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "tests.bench.reports", "--child", mode, "--database",
         str(database), "--cohort", str(cohort_id)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    measured: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return measured


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", choices=("report", "baseline"))
    parser.add_argument("--database", type=Path)
    parser.add_argument("--cohort", type=int)
    parser.add_argument("--runs", type=int, default=2, help="runs per measurement (best kept)")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.database, args.cohort)))
        return 0

    sizes = tuple(args.sizes)
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as folder:
        database = Path(folder) / "bench.db"
        started = time.perf_counter()
        cohorts = build_database(database, sizes)
        print(f"Synthetic data: {sum(sizes)} use cases in {time.perf_counter() - started:.1f}s")
        header = (
            f"{'use cases':>9} | {'pages':>11} | {'our s':>6} {'base s':>6} {'ratio':>5} | "
            f"{'layout s':>8} {'base':>6} {'ratio':>5} | {'peak MB':>7} {'wall s':>6}"
        )
        print(header)
        print("-" * len(header))
        failures = []
        app_mb = 0.0
        for size in sizes:
            ours = _best_of(args.runs, "report", database, cohorts[size])
            base = _best_of(args.runs, "baseline", database, cohorts[size])
            app_mb = ours["app_mb"]
            ratio = ours["seconds"] / base["seconds"]
            layout_ratio = ours["render"] / base["render"]
            print(
                f"{size:>9} | {ours['pages']:>5}/{base['pages']:<5} | {ours['seconds']:>6.2f} "
                f"{base['seconds']:>6.2f} {ratio:>5.2f} | {ours['render']:>8.2f} "
                f"{base['render']:>6.2f} {layout_ratio:>5.2f} | {ours['peak_mb']:>7.0f} "
                f"{ours['wall']:>6.1f}"
            )
            if ratio > TARGET_RATIO:
                failures.append(f"{size}: {ratio:.2f}x the baseline (target {TARGET_RATIO}x)")
            if ours["peak_mb"] > TARGET_MB and size >= 5000:
                failures.append(f"{size}: {ours['peak_mb']:.0f} MB peak (target {TARGET_MB})")
        print(
            "pages: ours/baseline. our s and base s: CPU seconds of data and layout; layout s: "
            "the PDF alone; wall s: the report's elapsed time. "
            f"Peak MB is the whole process (the application alone peaks at {app_mb:.0f} MB)."
        )
    if failures:
        print("Targets missed: " + "; ".join(failures))
        return 1
    print(f"Targets met: within {TARGET_RATIO}x of plain reportlab, under {TARGET_MB} MB.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
