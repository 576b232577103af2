"""Rendering: checked from the outside with pdftotext, pdfinfo and qpdf."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from flask import Flask
from reportlab.pdfbase.pdfmetrics import stringWidth

from tests.conftest import World
from tests.reports.conftest import (
    LONG_WORD,
    NASTY,
    NASTY_FULL,
    Sample,
    at,
    move,
    outline_titles,
    pdf_info,
    pdf_text,
    qpdf_check,
)
from tracker.exits.data import ExitReportData, ProofData
from tracker.extensions import db
from tracker.reports import data, layout, services
from tracker.reports.models import ReportKind
from tracker.reports.pdf import charts, parts, styles, tables
from tracker.reports.pdf.fonts import BASE_FONT, CJK_FONT
from tracker.reports.pdf.text import markup
from tracker.usecases.models import FieldChange, Stage

FONT = "/usr/share/fonts/truetype/arphic/uming.ttc"
IMPRINT = data.Imprint(
    reference="TR-2026-000042",
    generated_at=datetime(2026, 3, 2, 9, 30),
    generated_by="Grace Ho (Supervisor, HKMA)",
    classification="RESTRICTED",
    timezone="Asia/Hong_Kong",
)
EMPTY_SUMMARY = data.Summary(
    total=0,
    by_stage=(),
    by_category=(),
    funnel=data.Funnel(0, 0, 0, 0),
    matrix=data.StageMatrix((), (), ()),
)


def view(i: int, title: str, summary: str = "A summary.") -> data.UseCaseView:
    return data.UseCaseView(
        id=i,
        reference=f"UC-{i:05d}",
        title=title,
        summary=summary,
        programme="GenA.I. Sandbox",
        cohort="Cohort 1",
        institution=f"Bank {i} 銀行",
        regulator="HKMA",
        sector="Banking",
        partners=("Kowloon AI Labs",),
        category="Anti-fraud",
        stage="Pilot",
        stage_since=date(2026, 1, 10),
        days_in_stage=49,
        latest_rag="Amber",
        next_milestone=data.MilestoneRow(
            "Board sign-off", date(2026, 4, 30), None, "Planned", is_open=True, overdue=False
        ),
        history=(
            data.StageEvent(datetime(2026, 1, 10, 10), "Draft", "Submitted", "Submit", "A", ""),
        ),
        milestones=(),
        latest_return=None,
        open_incidents=(),
    )


def cohort(views: list[data.UseCaseView]) -> data.CohortReport:
    return data.CohortReport(
        subject_id=1,
        title="Cohort progress report: GenA.I. Sandbox — Cohort 1",
        programme="GenA.I. Sandbox",
        lead_regulator="Hong Kong Monetary Authority",
        cohort=data.CohortFacts("Cohort 1", "Piloting", None, None, None, None, None),
        as_at=date(2026, 2, 28),
        summary=data.Summary(
            total=len(views),
            by_stage=(data.Count("Pilot", len(views)),),
            by_category=(data.Count("Anti-fraud", len(views)),),
            funnel=data.Funnel(len(views), len(views), len(views), 0),
            matrix=data.StageMatrix(("Pilot",), ("Anti-fraud",), ((len(views),),)),
        ),
        use_cases=tuple(views),
        attention=data.Attention((), (), ()),
    )


def pages(pdf: bytes, tmp_path: Path) -> int:
    return int(pdf_info(pdf, tmp_path)["Pages"])


# ---------------------------------------------------------------------------------------------
# Text handling


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a<b", "a&lt;b"),
        ("Q&A", "Q&amp;A"),
        ('<img src="/etc/passwd"/>', '&lt;img src="/etc/passwd"/&gt;'),
        ("one\ntwo\r\nthree", "one<br/>two<br/>three"),
        ("nul\x00bell\x07", "nulbell"),
        ("反詐騙 ok", f'<font name="{CJK_FONT}">反詐騙</font> ok'),
        ("café €5", "café €5"),
        ("🚀", f'<font name="{CJK_FONT}">🚀</font>'),
    ],
)
def test_markup_escapes_and_routes_fonts(text: str, expected: str) -> None:
    assert markup(text) == expected


def test_markup_cuts_to_a_limit() -> None:
    assert markup("x" * 50, limit=10) == "x" * 9 + "…"


def test_hostile_strings_render_as_text(tmp_path: Path) -> None:
    hostile = [
        '<img src="/etc/passwd"/>',
        '<img src="http://127.0.0.1:9/x.png"/>',
        "a<b && c>d",
        "</para><para>",
        "line one\nline two",
        "https://example.com/" + "a" * 400,
        NASTY_FULL,
        "表情 😀👍🏽 and \u200b zero-width",
    ]
    report = cohort([view(i + 1, t, summary=t) for i, t in enumerate(hostile)])
    pdf = layout.render(report, IMPRINT, cjk_font=FONT)
    assert qpdf_check(pdf, tmp_path).returncode == 0
    text = pdf_text(pdf, tmp_path)
    assert '<img src="/etc/passwd"/>' in text
    assert "a<b && c>d" in text
    assert "</para><para>" in text
    assert "line one\nline two" in text
    assert "root:" not in text


def test_missing_cjk_font_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(layout.FontNotFoundError, match="fonts-arphic-uming"):
        layout.render(cohort([]), IMPRINT, cjk_font=str(tmp_path / "none.ttc"))


def test_missing_font_from_config(app: Flask, world: World) -> None:
    app.config["TRACKER_CJK_FONT"] = "/nonexistent/font.ttf"
    try:
        with pytest.raises(layout.FontNotFoundError, match="TRACKER_CJK_FONT"):
            services.issue(ReportKind.COHORT, world.cohort, as_at=None, user=None)
    finally:
        app.config["TRACKER_CJK_FONT"] = FONT


# ---------------------------------------------------------------------------------------------
# The page shell


def test_page_shell_metadata_and_outline(tmp_path: Path) -> None:
    report = cohort([view(1, "Scam call detection"), view(2, "Credit memo 信貸")])
    pdf = layout.render(report, IMPRINT, cjk_font=FONT)
    assert qpdf_check(pdf, tmp_path).returncode == 0
    info = pdf_info(pdf, tmp_path)
    assert info["Title"] == "Cohort progress report: GenA.I. Sandbox — Cohort 1"
    assert info["Author"] == "Grace Ho (Supervisor, HKMA)"
    assert info["Subject"] == (
        "Cohort progress report as at 28 Feb 2026 · TR-2026-000042 · RESTRICTED"
    )
    total = pages(pdf, tmp_path)
    for number in range(1, total + 1):
        page = pdf_text(pdf, tmp_path, page=number)
        assert f"Page {number} of {total}" in page
        assert "TR-2026-000042" in page
        assert page.count("RESTRICTED") >= 2  # marked at the top and the bottom
    assert outline_titles(pdf, tmp_path) == [
        "Cohort progress report: cover",
        "Contents",
        "Needs attention",
        "Executive summary",
        "Charts",
        "Use cases at a glance",
        "Use cases in detail",
        "UC-00001 · Scam call detection",
        "UC-00002 · Credit memo 信貸",
    ]
    first = pdf_text(pdf, tmp_path, page=1)
    for expected in ("GenA.I. Sandbox", "Cohort 1", "28 Feb 2026", "Grace Ho", "02 Mar 2026 09:30"):
        assert expected in first


def test_table_header_repeats_on_every_page(tmp_path: Path) -> None:
    report = cohort([view(i, f"Use case number {i}") for i in range(1, 181)])
    pdf = layout.render(report, IMPRINT, cjk_font=FONT)
    total = pages(pdf, tmp_path)
    table_pages = []
    for number in range(1, total + 1):
        page = pdf_text(pdf, tmp_path, page=number)
        if re.search(r"UC-\d{5}\nUse case number", page) and "Use cases in detail" not in page:
            table_pages.append((number, page))
    assert len(table_pages) >= 3
    for _number, page in table_pages:
        assert "Next milestone" in page
        assert "Institution" in page
    text = pdf_text(pdf, tmp_path)
    assert all(f"UC-{i:05d}" in text for i in range(1, 181))


def test_empty_cohort_renders(tmp_path: Path) -> None:
    report = cohort([])
    report = data.CohortReport(**{**report.__dict__, "summary": EMPTY_SUMMARY})
    pdf = layout.render(report, IMPRINT, cjk_font=FONT)
    assert qpdf_check(pdf, tmp_path).returncode == 0
    assert "No use cases on record at this date" in pdf_text(pdf, tmp_path)


# ---------------------------------------------------------------------------------------------
# Every report kind, from the database, with the hostile title


def subject_for(kind: ReportKind, world: World, sample: Sample) -> object:
    if kind in (ReportKind.EXIT, ReportKind.EXIT_PROOF):
        # The hostile use case through a pilot to production, for the two exit PDFs.
        nasty = sample.nasty
        move(nasty, Stage.UNDER_REVIEW, at("2026-01-20"))
        move(nasty, Stage.SELECTED, at("2026-02-01"))
        nasty.pilot_started_on, nasty.pilot_duration_weeks = date(2026, 2, 10), 12
        move(nasty, Stage.PILOT, at("2026-02-10"))
        nasty.exit_outcome = nasty.exit_conditions = NASTY_FULL
        move(nasty, Stage.PRODUCTION, at("2026-05-01"))
        return nasty
    return {
        ReportKind.COHORT: world.cohort,
        ReportKind.PROGRAMME: world.programme,
        ReportKind.INSTITUTION: world.bank,
        ReportKind.USE_CASE: sample.nasty,
    }[kind]


@pytest.mark.parametrize("kind", list(ReportKind))
def test_every_report_renders_the_hostile_title(
    kind: ReportKind, world: World, sample: Sample, tmp_path: Path
) -> None:
    subject = subject_for(kind, world, sample)
    issued = services.issue(kind, subject, as_at=None, user=world.admin)  # type: ignore[arg-type]
    pdf = issued.data
    check = qpdf_check(pdf, tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    text = pdf_text(pdf, tmp_path)
    flat = re.sub(r"\s+", "", text)
    assert '<b>Fraud & "AI"</b> 反詐騙' in text
    assert "反詐騙" in text
    assert LONG_WORD[:240] in flat  # the long word wraps but every letter is there
    assert issued.reference in text
    info = pdf_info(pdf, tmp_path)
    assert info["Title"] == issued.title
    assert info["Author"] == services.describe(world.admin)
    assert int(info["Pages"]) >= 2
    titles = outline_titles(pdf, tmp_path)
    assert titles[0].endswith(": cover")
    if kind is ReportKind.COHORT:
        assert any(t.startswith(sample.nasty.reference) for t in titles)
        # Line breaks in the summary are kept.
        assert "\nSecond line" in text
    if kind is ReportKind.PROGRAMME:
        assert "By regulator and sector" in titles
        assert "Cohort: Cohort 1" in titles
    if kind is ReportKind.USE_CASE:
        assert {"Summary", "Proposal", "Stage history", "Progress returns"} <= set(titles)
        assert NASTY.strip() in issued.title


def test_cohort_report_lists_every_use_case_with_its_stage(
    world: World, sample: Sample, tmp_path: Path
) -> None:
    issued = services.issue(ReportKind.COHORT, world.cohort, as_at=date(2026, 2, 28), user=None)
    text = pdf_text(issued.data, tmp_path, layout=True)
    assert "As at 28 Feb 2026" in text
    assert "Late entrant" not in text
    row = next(line for line in text.splitlines() if "Scam call detection" in line)
    assert "Under review" in pdf_text(issued.data, tmp_path)
    assert "Pilot" not in row
    summary_page = pdf_text(issued.data, tmp_path, page=4, layout=True)
    assert re.search(r"Under review\s+2\s+67%", summary_page)
    assert re.search(r"Proposals\s+3", summary_page)


def test_long_reasons_are_printed_in_full(tmp_path: Path) -> None:
    reason = "Because " + " ".join(f"clause{i}" for i in range(400)) + " END-OF-REASON"
    base = view(1, "Long history")
    long_view = data.UseCaseView(
        **{
            **base.__dict__,
            "history": (
                data.StageEvent(
                    datetime(2026, 1, 10, 10), "Under review", "Rejected", "Reject", "A", reason
                ),
            ),
        }
    )
    pdf = layout.render(cohort([long_view]), IMPRINT, cjk_font=FONT)
    assert qpdf_check(pdf, tmp_path).returncode == 0
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert "END-OF-REASON" in text and "clause399" in text


# ---------------------------------------------------------------------------------------------
# One story per report kind; contents, what needs attention, no wasted pages


def test_one_story_per_report_kind() -> None:
    assert set(layout.STORIES) == set(ReportKind)
    for kind, story in layout.STORIES.items():
        assert story.kind is kind
    assert {r.kind for r in (data.CohortReport, data.ProgrammeReport)} | {
        r.kind for r in (data.InstitutionReport, data.UseCaseReport)
    } | {r.kind for r in (ExitReportData, ProofData)} == set(layout.STORIES)


def test_contents_page_gives_the_page_each_section_starts_on(tmp_path: Path) -> None:
    pdf = layout.render(
        cohort([view(i, f"Use case {i}") for i in range(1, 61)]), IMPRINT, cjk_font=FONT
    )
    page = pdf_text(pdf, tmp_path, page=2, layout=True)
    assert "Contents" in page
    entries = dict(re.findall(r"^\s*(\S.*?)\s{2,}(\d+)\s*$", page, flags=re.MULTILINE))
    assert list(entries) == [
        "Needs attention",
        "Executive summary",
        "Charts",
        "Use cases at a glance",
        "Use cases in detail",
    ]
    for title, number in entries.items():
        assert title in pdf_text(pdf, tmp_path, page=int(number)), title


def test_needs_attention_is_one_page_as_at_the_date(
    world: World, sample: Sample, tmp_path: Path
) -> None:
    issued = services.issue(ReportKind.COHORT, world.cohort, as_at=date(2026, 5, 15), user=None)
    page = " ".join(pdf_text(issued.data, tmp_path, page=3).split())
    assert page.count("Needs attention") == 1
    assert (
        "As at 15 May 2026: 1 progress return overdue, 1 incident open and 1 milestone late."
        in page
    )
    assert f"{sample.piloted.reference} · Scam call detection" in page
    for expected in ("30 Apr 2026", "Medium", "Board sign-off", "Overdue progress returns"):
        assert expected in page
    assert "Executive summary" in pdf_text(issued.data, tmp_path, page=4)


def test_needs_attention_stays_on_one_page_when_long(tmp_path: Path) -> None:
    overdue = tuple(
        data.OverdueReturn(f"UC-{i:05d}", "A long title " * 6, "Bank 銀行", date(2026, 1, 1), 58)
        for i in range(300)
    )
    report = replace(cohort([view(1, "One")]), attention=data.Attention(overdue, (), ()))
    pdf = layout.render(report, IMPRINT, cjk_font=FONT)
    page = " ".join(pdf_text(pdf, tmp_path, page=3).split())
    assert "300 progress returns overdue" in page
    assert "… and 292 more" in page
    assert "Executive summary" in pdf_text(pdf, tmp_path, page=4)


def test_funnel_shows_the_share_of_proposals_as_the_screen_does(
    world: World, sample: Sample, tmp_path: Path
) -> None:
    issued = services.issue(ReportKind.COHORT, world.cohort, as_at=date(2026, 5, 15), user=None)
    text = pdf_text(issued.data, tmp_path, layout=True)
    assert "Of proposals" in text and "Of previous step" not in text
    # 4 proposals, 1 selected, 1 piloted: the pilot step is 25% of the proposals.
    assert re.search(r"Pilot\s+1\s+25%", text)


def test_stage_names_never_break_mid_word(tmp_path: Path) -> None:
    width = tables.widths(parts.COHORT_COLUMNS)[parts.COHORT_COLUMNS.index(parts.STAGE)]
    for stage in data.STAGE_ORDER:
        for word in stage.label.split():
            assert stringWidth(word, BASE_FONT, styles.CELL_SIZE) <= width - 2 * tables.PADDING
    views = [replace(view(i, f"Ended {i}"), stage="Discontinued") for i in range(1, 6)]
    pdf = layout.render(cohort(views), IMPRINT, cjk_font=FONT)
    table_page = next(
        pdf_text(pdf, tmp_path, page=n, layout=True)
        for n in range(3, 8)
        if "Use cases at a glance" in pdf_text(pdf, tmp_path, page=n)
    )
    assert len(re.findall(r"UC-0000\d.*Discontinued", table_page)) == 5


def test_chart_axis_title_sits_above_the_top_tick() -> None:
    drawing = charts.stacked_bars(["Pilot", "Submitted"], ["Anti-fraud"], [[8, 3]])
    chart = next(c for c in drawing.contents if hasattr(c, "valueAxis"))
    title = next(c for c in drawing.contents if getattr(c, "text", None) == "Use cases")
    # The top tick's label is centred on the top of the axis: the title must clear it.
    assert title.y >= chart.y + chart.height + chart.valueAxis.labels.fontSize
    assert title.y + title.fontSize <= drawing.height


def _lowest_text(pdf: bytes, tmp_path: Path) -> list[float]:
    """Per page, how far down the body's text reaches, as a share of the frame's height."""
    path = tmp_path / "bbox.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    top, bottom = styles.MARGIN_TOP, styles.PAGE_HEIGHT - styles.MARGIN_BOTTOM
    shares = []
    for page in html.split("<page ")[1:]:
        lows = [
            float(y_max)
            for y_min, y_max in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', page)
            if float(y_min) > top - 1 and float(y_max) < bottom + 1
        ]
        shares.append((max(lows, default=top) - top) / (bottom - top))
    return shares


STAGES = ["Pilot", "Discontinued", "Under review"]


def test_cohort_pages_are_not_left_mostly_empty(tmp_path: Path) -> None:
    views = [
        replace(view(i, f"Use case {i} " + "with a longer title " * (i % 4)), stage=stage)
        for i, stage in zip(
            range(1, 151), ["Pilot", "Discontinued", "Under review"] * 50, strict=True
        )
    ]
    report = cohort(views)
    pdf = layout.render(report, IMPRINT, cjk_font=FONT)
    shares = _lowest_text(pdf, tmp_path)
    # Cover, contents and the attention summary are pages of their own; the last page ends.
    body = shares[3:-1]
    assert len(body) > 40
    assert min(body) >= 0.7, [(n + 4, round(s, 2)) for n, s in enumerate(body) if s < 0.7]


def test_edits_after_submission_print_the_web_labels(
    world: World, sample: Sample, tmp_path: Path
) -> None:
    for field in ("kpis", "gpu_hours", "cohort_id"):
        db.session.add(
            FieldChange(
                use_case_id=sample.reviewed.id,
                field=field,
                old_value="1",
                new_value="2",
                at=datetime(2026, 2, 10, 2),
            )
        )
    db.session.flush()
    issued = services.issue(ReportKind.USE_CASE, sample.reviewed, as_at=None, user=None)
    text = pdf_text(issued.data, tmp_path)
    edits = text[text.rindex("Edits after submission") :]
    for shown in ("KPIs ·", "GPU hours ·", "Cohort ·"):
        assert shown in edits
    for raw in ("Kpis", "Gpu hours", "Cohort id"):
        assert raw not in text


def test_shared_cell_styles_are_the_styles_table_set_style_would_give_each_cell() -> None:
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    bold = tables.BOLD_FONT
    commands = [
        ("FONTNAME", (0, 0), (-1, 0), bold),
        ("ALIGN", (2, 0), (2, -1), "RIGHT"),
        ("FONTNAME", (0, -1), (-1, -1), bold),
        ("TEXTCOLOR", (1, 1), (1, 1), colors.red),
        ("LEFTPADDING", (-1, 1), (-1, -2), 9),
        # Past the end, and more negative than the table is wide: clipped as reportlab clips.
        ("VALIGN", (2, 3), (9, 99), "MIDDLE"),
        ("TOPPADDING", (-9, 4), (-4, 4), 7),
    ]
    rows = [[f"{i}.{j}" for j in range(4)] for i in range(5)]
    one_each = Table(rows, cellStyles=[[tables._CellStyle("cell") for _ in r] for r in rows])
    one_each.setStyle(TableStyle(commands))
    shared = tables.shared_cell_styles(commands, 5, 4)
    read = ("fontname", "fontsize", "leading", "color", "alignment", "valign")
    read += ("leftPadding", "rightPadding", "topPadding", "bottomPadding")
    for i, row in enumerate(shared):
        for j, style in enumerate(row):
            expected = one_each._cellStyles[i][j]
            assert {a: getattr(style, a) for a in read} == {a: getattr(expected, a) for a in read}
    # One style per distinct sequence of commands, not one per cell.
    assert len({id(style) for row in shared for style in row}) == 12 < 20


def test_shared_cell_styles_refuse_the_rows_of_a_split() -> None:
    # reportlab restyles a split's first or last row in place: on shared styles that would
    # reach every cell sharing them.
    with pytest.raises(ValueError, match="splitlast"):
        tables.shared_cell_styles([("FONTNAME", (0, "splitlast"), (-1, "splitlast"), "x")], 3, 2)


def test_a_grid_shares_its_cells_styles() -> None:
    widths = [100.0, 100.0, 100.0]
    rows = [tables.header_cells(["A", "B", "C"], widths)]
    rows += [
        [tables.fit(f"{i}{c}", w) for c, w in zip("abc", widths, strict=True)] for i in range(50)
    ]
    table = tables.grid(rows, widths, zebra=True, extra=[("ALIGN", (2, 0), (2, -1), "RIGHT")])
    styles_used = {id(style) for row in table._cellStyles for style in row}
    assert len(styles_used) == 4  # header, header right-aligned, body, body right-aligned
    assert table._cellStyles[0][0].fontname == tables.BOLD_FONT
    assert table._cellStyles[1][0].fontname == BASE_FONT
    assert table._cellStyles[1][2].alignment == "RIGHT"
    assert table._bkgrndcmds  # the header fill and the zebra stay the table's own commands
