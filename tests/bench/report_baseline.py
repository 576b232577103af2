"""The plain-reportlab baseline of the cohort report, for ``tests.bench.reports``.

The same content as the cohort report (cover facts, the three summary tables, the use-case table
in chunks of the same size, and a section per use case with its facts, summary, history,
milestones, latest return and open incidents), in the same paragraph styles (fonts, sizes,
spacing) and page geometry, so that it has about as many pages. It is written the way a careful
programmer would with stock reportlab: plain strings in table cells (wrapped with
``simpleSplit``; a ``Paragraph`` only where the CJK font is needed, which Helvetica cannot draw),
``Paragraph`` for prose, a ``TableStyle``, ``SimpleDocTemplate``. What it leaves out is what the
toolkit adds: page shell, outline, contents, the attention summary, charts, zebra and RAG fills.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import simpleSplit
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from tracker.reports.data import BASIS_NOTE, CohortReport, UseCaseView
from tracker.reports.pdf.fonts import register_fonts
from tracker.reports.pdf.styles import (
    BODY,
    CELL,
    FRAME_WIDTH,
    H1,
    H2,
    H3,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    SMALL,
)
from tracker.reports.pdf.text import markup, needs_cjk

STYLE = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, -1), "Helvetica"),
        ("FONTSIZE", (0, 0), (-1, -1), 7.5),
        ("LEADING", (0, 0), (-1, -1), 9.2),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
)
COLUMNS = (0.24, 0.14, 0.12, 0.11, 0.11, 0.065, 0.075, 0.13)
CHUNK_ROWS = 40


def p(text: str | None, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(markup(text), style)


def cell(text: str, width: float) -> Any:
    if needs_cjk(text):
        return Paragraph(markup(text), CELL)
    return "\n".join(simpleSplit(text, "Helvetica", 7.5, width - 6))


def table(rows: list[list[str]], fractions: tuple[float, ...], header: bool = True) -> Table:
    widths = [FRAME_WIDTH * f for f in fractions]
    body = [[cell(v, w) for v, w in zip(row, widths, strict=True)] for row in rows]
    return Table(body, colWidths=widths, repeatRows=1 if header else 0, style=STYLE)


def facts(pairs: list[tuple[str, str]]) -> Table:
    return table([list(pair) for pair in pairs], (0.25, 0.75), header=False)


def _row(v: UseCaseView) -> list[str]:
    m = v.next_milestone
    return [
        f"{v.reference}\n{v.title}",
        v.institution,
        "\n".join(v.partners),
        v.category,
        v.stage,
        str(v.days_in_stage),
        v.latest_rag or "—",
        f"{m.title} ({m.planned_on:%d %b %Y})" if m else "—",
    ]


def plain_render(report: CohortReport, font: str) -> bytes:
    register_fonts(font)
    story: list[Any] = [
        p(report.title, H1),
        facts(
            [
                ("Programme", report.programme),
                ("Lead regulator", report.lead_regulator),
                ("Cohort", report.cohort.name),
                ("As at", f"{report.as_at:%d %b %Y}"),
            ]
        ),
        p(BASIS_NOTE),
        p("Executive summary", H1),
    ]
    total = report.summary.total
    for counts in (report.summary.by_stage, report.summary.by_category):
        story.append(
            table(
                [["", "Use cases", "Share"]]
                + [[c.label, str(c.count), f"{100 * c.count / total:.0f}%"] for c in counts],
                (0.5, 0.2, 0.2),
            )
        )
    story.append(
        table(
            [["Step", "Use cases"]]
            + [[s.label, str(s.count)] for s in report.summary.funnel.steps()],
            (0.5, 0.2),
        )
    )
    story.append(p("Use cases at a glance", H1))
    views = report.use_cases
    headings = ["Use case", "Institution", "Partners", "Category", "Stage", "Days", "RAG", "Next"]
    for start in range(0, len(views), CHUNK_ROWS):
        rows = [_row(v) for v in views[start : start + CHUNK_ROWS]]
        story.append(table([headings, *rows] if start == 0 else rows, COLUMNS, header=False))
    story.append(p("Use cases in detail", H1))
    for v in views:
        story.append(p(f"{v.reference} · {v.title}", H2))
        story.append(
            facts(
                [
                    ("Institution", v.institution),
                    ("Partners", ", ".join(v.partners) or "—"),
                    ("Category", v.category),
                    ("Stage", f"{v.stage} since {v.stage_since:%d %b %Y} ({v.days_in_stage} days)"),
                    ("Latest RAG", v.latest_rag or "No progress return filed"),
                ]
            )
        )
        story += [p(v.summary), p("Stage history", H3)]
        story.append(
            table(
                [["When", "From", "To", "By", "Reason or note"]]
                + [
                    [f"{e.at:%d %b %Y %H:%M}", e.from_stage or "—", e.to_stage, e.actor, e.reason]
                    for e in v.history
                ],
                (0.17, 0.14, 0.14, 0.17, 0.38),
            )
        )
        story.append(p("Milestones", H3))
        if v.milestones:
            story.append(
                table(
                    [["Milestone", "Planned", "Completed", "Status"]]
                    + [
                        [m.title, f"{m.planned_on:%d %b %Y}", str(m.actual_on or "—"), m.status]
                        for m in v.milestones
                    ],
                    (0.52, 0.15, 0.15, 0.18),
                )
            )
        story.append(p("Latest progress return", H3))
        if v.latest_return is not None:
            r = v.latest_return
            story.append(
                facts(
                    [
                        ("Period", f"{r.period_start:%d %b %Y} to {r.period_end:%d %b %Y}"),
                        ("Status (RAG)", r.rag),
                        ("Submitted", f"{r.submitted_at:%d %b %Y %H:%M}"),
                        ("Attested by", r.attested_by),
                    ]
                )
            )
            story.append(p(r.narrative))
            story.append(table([["KPI", "Value"]] + [[k.kpi, k.value] for k in r.kpis], (0.6, 0.4)))
        story.append(p("Open incidents", H3))
        for i in v.open_incidents:
            story += [p(f"{i.severity} severity"), p(i.description)]
            story += [
                p(f"Customer impact: {i.customer_impact}", SMALL),
                p(f"Remediation: {i.remediation}", SMALL),
            ]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
    ).build(story)
    return buffer.getvalue()
