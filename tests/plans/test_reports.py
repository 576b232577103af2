"""Reports as at a date show the plan version in force at that date, not a later amendment."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from flask import Flask

from tests import factories as f
from tests.conftest import World
from tests.reports.conftest import pdf_text, qpdf_check
from tracker.plans import services
from tracker.reports import data, layout
from tracker.reports.data import AsAt, Imprint
from tracker.usecases import services as uc_services
from tracker.usecases.models import Rag, Stage

ZONE = "Asia/Hong_Kong"
KPIS = ("Analyst hours saved per week", "False-positive rate")
IMPRINT = Imprint(
    reference="TR-2025-000001",
    generated_at=datetime(2025, 4, 20, 2, 0),
    generated_by="Grace Ho (Supervisor, HKMA)",
    classification="RESTRICTED",
    timezone=ZONE,
)


def test_a_report_as_at_a_date_shows_the_plan_in_force_then(world: World, freeze_time) -> None:  # type: ignore[no-untyped-def]
    freeze_time(datetime(2025, 1, 6, 2, 0))
    uc = f.create_use_case(
        world.cohort,
        world.bank,
        world.category,
        stage=Stage.PILOT,
        pilot_started_on=date(2025, 1, 6),
    )
    f.create_agreed_plan(uc, world.bank_user, world.reviewer, duration_weeks=26)
    freeze_time(datetime(2025, 3, 10, 2, 0))
    amendment = services.save_draft(
        uc, world.bank_user, f.plan_data(duration_weeks=30, geographies="Hong Kong and Macao")
    )
    services.submit(uc, amendment, world.bank_user, amendment.lock_version)
    services.agree(uc, amendment, world.reviewer, amendment.lock_version)
    freeze_time(datetime(2025, 4, 1, 2, 0))

    def terms(day: date) -> data.PilotTerms:
        details = data.use_case_report(uc, AsAt.for_day(day, ZONE)).use_case.details
        assert details is not None and details.pilot_terms is not None
        return details.pilot_terms

    before = terms(date(2025, 3, 9))
    assert (before.plan_version, before.duration_weeks) == (1, 26)
    assert before.plan_agreed_on == date(2025, 1, 6)
    assert ("Geographies", "Hong Kong") in before.plan_sections
    after = terms(date(2025, 3, 10))
    assert (after.plan_version, after.duration_weeks) == (2, 30)
    assert ("Geographies", "Hong Kong and Macao") in after.plan_sections


def test_the_use_case_pdf_charts_each_kpi_against_its_target(
    app: Flask,
    world: World,
    freeze_time,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    freeze_time(datetime(2025, 1, 6, 2, 0))
    uc = f.create_use_case(
        world.cohort,
        world.bank,
        world.category,
        stage=Stage.PILOT,
        pilot_started_on=date(2025, 1, 6),
    )
    f.create_agreed_plan(uc, world.bank_user, world.reviewer)
    for month, values in enumerate((("30", "12"), ("25", "14"), ("20", "15")), start=2):
        freeze_time(datetime(2025, month, 10, 2, 0))
        start = uc.next_return_start
        assert start is not None
        uc_services.file_return(
            uc,
            world.bank_user,
            uc_services.ReturnData(
                period_start=start,
                period_end=date(2025, month, 5),
                rag=Rag.AMBER,
                narrative="Slipping.",
                attested_by_name="A. Manager",
                attested_by_title="CRO",
                kpi_values=tuple(zip(KPIS, values, strict=True)),
                incidents=(),
                kpi_notes=("Fewer analysts this month.",),
            ),
        )
    freeze_time(datetime(2025, 4, 20, 2, 0))
    report = data.use_case_report(uc, AsAt.for_day(None, ZONE))
    details = report.use_case.details
    assert details is not None
    assert [s.name for s in details.kpi_series] == list(KPIS)
    pdf = layout.render(report, IMPRINT, cjk_font=app.config["TRACKER_CJK_FONT"])
    assert qpdf_check(pdf, tmp_path).returncode == 0
    text = pdf_text(pdf, tmp_path)
    assert "KPIs against target" in text
    assert "Analyst hours saved per week (h) — moving away from target" in text
    assert "Target 40, higher is better" in text
    assert "20 — Fewer analysts this month." in text  # the return's own table
    assert "Sandbox plan in force" in text
