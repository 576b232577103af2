"""The data layer: figures equal the database, and the as-at rules."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from tests import factories as f
from tests.conftest import World
from tests.reports.conftest import NASTY_TITLE, Sample, at, move
from tracker.extensions import db
from tracker.institutions.models import InstitutionKind
from tracker.reports import data
from tracker.reports.data import AsAt, ReportError
from tracker.usecases.models import FieldChange, Stage, UseCase
from tracker.usecases.permissions import visible_filter

ZONE = "Asia/Hong_Kong"


def as_at(day: str | None) -> AsAt:
    return AsAt.for_day(date.fromisoformat(day) if day else None, ZONE)


def by_title(report: data.CohortReport) -> dict[str, data.UseCaseView]:
    return {v.title: v for v in report.use_cases}


def test_today_figures_equal_the_database(world: World, sample: Sample) -> None:
    report = data.cohort_report(world.cohort, as_at(None))
    # Reports cover proposals: the cohort's one draft is the institution's own.
    stages = Counter(
        db.session.scalars(
            sa.select(UseCase.stage).where(
                UseCase.cohort_id == world.cohort.id, UseCase.stage != Stage.DRAFT
            )
        )
    )
    assert report.summary.total == sum(stages.values()) == 4
    assert {c.label: c.count for c in report.summary.by_stage} == {
        s.label: n for s, n in stages.items()
    }
    assert {c.label: c.count for c in report.summary.by_category} == {
        "Anti-fraud": 3,
        "Customer experience": 1,
    }
    assert report.summary.funnel == data.Funnel(proposals=4, selected=1, pilot=1, production=0)
    matrix = report.summary.matrix
    assert sum(sum(row) for row in matrix.counts) == 4
    row = matrix.counts[matrix.categories.index("Anti-fraud")]
    anti_fraud = dict(zip(matrix.stages, row, strict=True))
    assert anti_fraud == {"Submitted": 2, "Under review": 0, "Pilot": 1}
    assert sample.draft.id not in {v.id for v in report.use_cases}


def test_stage_as_at_comes_from_history(world: World, sample: Sample) -> None:
    # Selected on 1 March: under review in a report as at 28 February.
    feb = by_title(data.cohort_report(world.cohort, as_at("2026-02-28")))
    assert feb["Scam call detection 詐騙來電偵測"].stage == "Under review"
    assert feb["Scam call detection 詐騙來電偵測"].stage_since == date(2026, 1, 20)
    assert feb["Scam call detection 詐騙來電偵測"].days_in_stage == 39
    march = by_title(data.cohort_report(world.cohort, as_at("2026-03-01")))
    assert march["Scam call detection 詐騙來電偵測"].stage == "Selected"
    assert march["Scam call detection 詐騙來電偵測"].days_in_stage == 0


def test_cut_off_is_the_end_of_the_day_in_the_configured_zone(world: World) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category)
    uc.created_at = at("2026-05-01")
    # 20:00 UTC on 1 May is 04:00 on 2 May in Hong Kong.
    move(uc, Stage.SUBMITTED, datetime(2026, 5, 1, 20, 0))
    # Still a draft at the end of 1 May in Hong Kong, so not yet in the report.
    assert uc.title not in by_title(data.cohort_report(world.cohort, as_at("2026-05-01")))
    assert (
        by_title(data.cohort_report(world.cohort, as_at("2026-05-02")))[uc.title].stage
        == "Submitted"
    )


def test_use_cases_created_later_do_not_exist_yet(world: World, sample: Sample) -> None:
    # On 5 January three use cases existed, all still drafts: none is a proposal yet.
    early = data.cohort_report(world.cohort, as_at("2026-01-05"))
    assert early.use_cases == ()
    assert early.summary.total == early.summary.funnel.proposals == 0
    january = data.cohort_report(world.cohort, as_at("2026-01-15"))
    assert {v.title for v in january.use_cases} == {
        "Scam call detection 詐騙來電偵測",
        "Credit memo drafting",
        NASTY_TITLE,
    }
    feb = data.cohort_report(world.cohort, as_at("2026-02-28"))
    assert "Late entrant" not in {v.title for v in feb.use_cases}
    assert feb.summary.total == 3
    assert {c.label: c.count for c in feb.summary.by_stage} == {
        "Submitted": 1,
        "Under review": 2,
    }
    assert feb.summary.funnel == data.Funnel(proposals=3, selected=0, pilot=0, production=0)


def test_returns_milestones_and_incidents_follow_the_date(world: World, sample: Sample) -> None:
    feb = by_title(data.cohort_report(world.cohort, as_at("2026-02-28")))
    piloted = feb["Scam call detection 詐騙來電偵測"]
    assert piloted.latest_rag is None and piloted.latest_return is None
    assert piloted.milestones == ()

    march = by_title(data.cohort_report(world.cohort, as_at("2026-03-10")))[
        "Scam call detection 詐騙來電偵測"
    ]
    assert march.latest_rag == "Amber"
    assert march.latest_return is not None
    assert [(k.kpi, k.value) for k in march.latest_return.kpis] == [("Scams caught", "41")]
    # Done on 15 March, so still open on 10 March and the next milestone then.
    assert [m.status for m in march.milestones] == ["In progress", "Planned"]
    assert march.next_milestone is not None and march.next_milestone.title == "Model validated"
    assert march.open_incidents == ()

    april = by_title(data.cohort_report(world.cohort, as_at("2026-04-10")))[
        "Scam call detection 詐騙來電偵測"
    ]
    assert april.latest_rag == "Green"
    assert april.latest_return is not None
    assert [k.value for k in april.latest_return.kpis] == ["97", "3.1%"]
    assert [m.status for m in april.milestones] == ["Done", "Planned"]
    assert april.next_milestone is not None and april.next_milestone.title == "Board sign-off"
    assert [i.severity for i in april.open_incidents] == ["Medium"]
    assert [e.to_stage for e in april.history] == ["Submitted", "Under review", "Selected", "Pilot"]


def test_edited_text_shows_its_value_on_the_day(world: World, sample: Sample) -> None:
    uc = sample.reviewed
    db.session.add(
        FieldChange(
            use_case_id=uc.id,
            field="title",
            old_value="Credit memo drafting",
            new_value="Credit memo drafting assistant",
            at=at("2026-02-10"),
        )
    )
    uc.title = "Credit memo drafting assistant"
    db.session.flush()
    feb1 = {v.id: v.title for v in data.cohort_report(world.cohort, as_at("2026-02-01")).use_cases}
    feb20 = {v.id: v.title for v in data.cohort_report(world.cohort, as_at("2026-02-20")).use_cases}
    assert feb1[uc.id] == "Credit memo drafting"
    assert feb20[uc.id] == "Credit memo drafting assistant"


def test_future_dates_are_refused() -> None:
    with pytest.raises(ReportError, match="future"):
        AsAt.for_day(date(2999, 1, 1), ZONE)


def test_use_case_report_has_the_whole_history(world: World, sample: Sample) -> None:
    report = data.use_case_report(sample.piloted, as_at(None))
    details = report.use_case.details
    assert details is not None
    assert [r.rag for r in details.returns] == ["Amber", "Green"]
    assert len(details.incidents) == 1
    assert details.pilot_terms is not None and details.pilot_terms.duration_weeks == 26
    assert details.exit_report is None
    assert details.kpis == ("Scams caught", "False positives")
    before = data.use_case_report(sample.piloted, as_at("2026-02-01")).use_case.details
    assert before is not None and before.pilot_terms is None and before.returns == ()
    with pytest.raises(ReportError, match="not yet created"):
        data.use_case_report(sample.late, as_at("2026-03-01"))


def test_programme_breakdown_by_regulator_and_sector(world: World, sample: Sample) -> None:
    insurer = f.create_institution(world.sfc, InstitutionKind.SECURITIES, name="Peak Securities")
    uc = f.create_use_case(world.cohort, insurer, world.category, stage=Stage.SUBMITTED)
    report = data.programme_report(world.programme, as_at(None))
    assert report.by_regulator is not None and report.by_sector is not None
    assert {r.label: r.total for r in report.by_regulator} == {"HKMA": 4, "SFC": 1}
    assert {r.label: r.proposals for r in report.by_sector} == {
        "Banking": 4,
        "Securities and asset management": 1,
    }
    assert [s.facts.name for s in report.cohorts] == ["Cohort 1"]
    assert report.cohorts[0].summary.total == 5
    assert uc.id in {v.id for v in report.cohorts[0].use_cases}
    single = data.programme_report(world.other_programme, as_at(None))
    assert single.by_regulator is None and single.summary.total == 0


def test_institution_report_is_limited_to_the_scope(world: World, sample: Sample) -> None:
    elsewhere = f.create_use_case(
        world.other_cohort, world.bank, world.category, stage=Stage.SUBMITTED
    )
    everything = data.institution_report(world.bank, as_at(None), sa.true(), "all")
    assert elsewhere.id in {v.id for v in everything.use_cases}
    assert everything.summary.total == 5  # its draft is not a proposal yet
    hkma = data.institution_report(
        world.bank, as_at(None), visible_filter(world.supervisor), "HKMA"
    )
    assert elsewhere.id not in {v.id for v in hkma.use_cases}
    assert hkma.summary.total == 4
    partner = data.institution_report(world.partner, as_at(None), sa.true(), "all")
    assert [v.id for v in partner.use_cases] == [sample.nasty.id]


# ---------------------------------------------------------------------------------------------
# Edits after submission and what needs attention


def test_edits_carry_the_labels_the_web_pages_use(world: World, sample: Sample) -> None:
    uc = sample.reviewed
    for field in ("kpis", "gpu_hours", "cohort_id", "retired_field"):
        db.session.add(
            FieldChange(
                use_case_id=uc.id, field=field, old_value="a", new_value="b", at=at("2026-02-10")
            )
        )
    db.session.flush()
    edits = data.use_case_report(uc, as_at("2026-02-20")).use_case.details.edits  # type: ignore[union-attr]
    # The labels are FIELD_LABELS' (tracker/usecases/services.py), written out here on purpose.
    assert [e.field for e in edits] == ["KPIs", "GPU hours", "Cohort", "retired_field"]


def test_attention_as_at_a_date(world: World, sample: Sample) -> None:
    # Piloted from 10 Mar with returns every 30 days; the Jan–Feb return was filed on 5 Mar.
    april = data.cohort_report(world.cohort, as_at("2026-04-01")).attention
    assert [(r.reference, r.due_on, r.days_overdue) for r in april.overdue_returns] == [
        (sample.piloted.reference, date(2026, 3, 30), 2)
    ]
    # The incident was reported with the March return, filed on 2 April.
    assert april.open_incidents == ()
    assert april.late_milestones == ()

    may = data.cohort_report(world.cohort, as_at("2026-05-15")).attention
    # The March return was filed: the next one (to 30 Apr) is due and overdue.
    assert [(r.due_on, r.days_overdue) for r in may.overdue_returns] == [(date(2026, 4, 30), 15)]
    assert [(i.reference, i.severity, i.reported_on) for i in may.open_incidents] == [
        (sample.piloted.reference, "Medium", date(2026, 4, 2))
    ]
    assert [(m.milestone, m.planned_on, m.days_late) for m in may.late_milestones] == [
        ("Board sign-off", date(2026, 4, 30), 15)
    ]
    assert may.total == 3
    # The same facts in the programme, institution and use-case reports.
    assert data.programme_report(world.programme, as_at("2026-05-15")).attention == may
    assert data.use_case_report(sample.piloted, as_at("2026-05-15")).attention == may


def test_nothing_needs_attention_before_the_pilot(world: World, sample: Sample) -> None:
    report = data.cohort_report(world.cohort, as_at("2026-02-28"))
    assert report.attention == data.Attention((), (), ())


@pytest.mark.parametrize("day", [None, "2026-03-05"])
def test_a_report_read_in_batches_is_the_report_read_at_once(
    world: World, sample: Sample, monkeypatch: pytest.MonkeyPatch, day: str | None
) -> None:
    """Use cases are loaded ``LOAD_BATCH`` at a time and let go: two at a time (the cohort has
    five) gives the same reports, clock figures and what needs attention included."""
    read_at_once = (
        data.cohort_report(world.cohort, as_at(day)),
        data.programme_report(world.programme, as_at(day)),
    )
    monkeypatch.setattr(data, "LOAD_BATCH", 2)
    batched = (
        data.cohort_report(world.cohort, as_at(day)),
        data.programme_report(world.programme, as_at(day)),
    )
    assert batched == read_at_once
    cohort = read_at_once[0]
    assert cohort.summary.total >= 3 and cohort.clocks.decided + cohort.clocks.open_reviews >= 2
