"""Fixtures for report tests: use cases with a dated history, and PDF inspection helpers."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

from tests import factories as f
from tests.conftest import World
from tracker.extensions import db
from tracker.institutions.models import Category
from tracker.usecases.models import (
    Incident,
    KpiValue,
    Milestone,
    MilestoneStatus,
    ProgressReturn,
    Rag,
    Severity,
    Stage,
    StageTransition,
    UseCase,
)

# The title every report must render: markup, an ampersand, quotes, Chinese, an emoji and a
# 300-character word. Summaries and narratives carry it too.
LONG_WORD = "Supercalifragilistic" * 15
NASTY = '<b>Fraud & "AI"</b> 反詐騙 🚀 '
NASTY_FULL = NASTY + LONG_WORD
NASTY_TITLE = NASTY_FULL


def at(day: str, hour: int = 2) -> datetime:
    """A naive-UTC timestamp on ``day`` (10:00 in Hong Kong with the default hour)."""
    return datetime.fromisoformat(day).replace(hour=hour)


def move(use_case: UseCase, to: Stage, when: datetime, reason: str | None = None) -> None:
    """Record a transition the way the lifecycle service does, at a chosen time."""
    db.session.add(
        StageTransition(
            use_case=use_case,
            action=to.value,
            from_stage=use_case.stage,
            to_stage=to,
            at=when,
            reason=reason,
        )
    )
    use_case.stage = to
    use_case.stage_changed_at = when
    if to is Stage.SUBMITTED and use_case.submitted_at is None:
        use_case.submitted_at = when
    db.session.flush()


def dated_use_case(
    w: World,
    title: str,
    *,
    created: str = "2026-01-05",
    category: Category | None = None,
    **kw: object,
) -> UseCase:
    """A draft created on ``created`` with no transitions yet."""
    uc = f.create_use_case(w.cohort, w.bank, category or w.category, title=title, **kw)  # type: ignore[arg-type]
    uc.created_at = at(created)
    uc.stage_changed_at = at(created)
    db.session.flush()
    return uc


@dataclass
class Sample:
    """Cohort 1 of the world's programme as at several dates.

    - ``piloted``: submitted 10 Jan, under review 20 Jan, selected 1 Mar, pilot 10 Mar; two
      returns (Jan-Feb filed 5 Mar, amber; Mar filed 2 Apr, green, with an open incident);
      milestones: done 15 Mar, planned 30 Apr.
    - ``reviewed``: submitted 12 Jan, under review 25 Jan.
    - ``draft``: created 6 Jan, never submitted.
    - ``late``: created 1 Apr, submitted 2 Apr.
    - ``nasty``: the hostile title; submitted 15 Jan; partner named.
    """

    piloted: UseCase
    reviewed: UseCase
    draft: UseCase
    late: UseCase
    nasty: UseCase


@pytest.fixture
def sample(world: World) -> Sample:
    w = world
    other_category = f.create_category("Customer experience", name_zh="客戶體驗")
    piloted = dated_use_case(
        w, "Scam call detection 詐騙來電偵測", kpis="Scams caught\nFalse positives"
    )
    move(piloted, Stage.SUBMITTED, at("2026-01-10"))
    move(piloted, Stage.UNDER_REVIEW, at("2026-01-20"))
    move(piloted, Stage.SELECTED, at("2026-03-01"))
    piloted.pilot_started_on = date(2026, 3, 10)
    piloted.pilot_duration_weeks = 26
    move(piloted, Stage.PILOT, at("2026-03-10"))
    db.session.add_all(
        [
            Milestone(
                use_case=piloted,
                title="Model validated",
                planned_on=date(2026, 3, 15),
                actual_on=date(2026, 3, 15),
                status=MilestoneStatus.DONE,
                created_at=at("2026-03-02"),
            ),
            Milestone(
                use_case=piloted,
                title="Board sign-off",
                planned_on=date(2026, 4, 30),
                created_at=at("2026-03-02"),
            ),
        ]
    )
    first = ProgressReturn(
        use_case=piloted,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 2, 28),
        rag=Rag.AMBER,
        narrative="Set-up slower than planned.\nData access agreed.",
        attested_by_name="Ada Chan",
        attested_by_title="Chief Risk Officer",
        submitted_at=at("2026-03-05"),
    )
    second = ProgressReturn(
        use_case=piloted,
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        rag=Rag.GREEN,
        narrative="On track. " + NASTY_FULL,
        attested_by_name="Ada Chan",
        attested_by_title="Chief Risk Officer",
        submitted_at=at("2026-04-02"),
    )
    db.session.add_all([first, second])
    db.session.flush()
    db.session.add_all(
        [
            KpiValue(return_id=first.id, position=0, kpi="Scams caught", value="41"),
            KpiValue(return_id=second.id, position=0, kpi="Scams caught", value="97"),
            KpiValue(return_id=second.id, position=1, kpi="False positives", value="3.1%"),
            Incident(
                use_case_id=piloted.id,
                return_id=second.id,
                description="Model flagged a genuine call as a scam <script>.",
                severity=Severity.MEDIUM,
                occurred_on=date(2026, 3, 20),
            ),
        ]
    )
    reviewed = dated_use_case(w, "Credit memo drafting", category=other_category)
    move(reviewed, Stage.SUBMITTED, at("2026-01-12"))
    move(reviewed, Stage.UNDER_REVIEW, at("2026-01-25"))
    draft = dated_use_case(w, "Draft idea", created="2026-01-06")
    late = dated_use_case(w, "Late entrant", created="2026-04-01")
    move(late, Stage.SUBMITTED, at("2026-04-02"))
    nasty = dated_use_case(
        w, NASTY_TITLE, summary=NASTY_FULL + "\nSecond line", partners=[w.partner]
    )
    move(nasty, Stage.SUBMITTED, at("2026-01-15"))
    db.session.commit()
    return Sample(piloted=piloted, reviewed=reviewed, draft=draft, late=late, nasty=nasty)


# ---------------------------------------------------------------------------------------------
# PDF inspection


def pdf_text(pdf: bytes, tmp_path: Path, *, layout: bool = False, page: int | None = None) -> str:
    path = tmp_path / "inspect.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", "-enc", "UTF-8"]
    if layout:
        args.append("-layout")
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run(
        [*args, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdf_info(pdf: bytes, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdfinfo", "-enc", "UTF-8", str(path)], check=True, capture_output=True, text=True
    ).stdout
    info = {}
    for line in out.splitlines():
        key, _, value = line.partition(":")
        info[key.strip()] = value.strip()
    return info


def qpdf_check(pdf: bytes, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "check.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)


def outline_titles(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "outline.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["qpdf", "--json", "--json-key=outlines", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    titles: list[str] = []

    def walk(items: list[dict[str, object]]) -> None:
        for item in items:
            titles.append(str(item["title"]))
            walk(item.get("kids", []))  # type: ignore[arg-type]

    walk(json.loads(out)["outlines"])
    return titles
