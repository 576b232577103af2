"""Story parts the reports share: the cover, contents, what needs attention, the executive
summary, charts, the use-case table and a section per use case. They render the frozen objects
of ``tracker.reports.data`` and never query."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepInFrame,
    NextPageTemplate,
    PageBreak,
    Spacer,
    Table,
)

from tracker.plans.queries import KpiSeries, number
from tracker.reports.data import (
    BASIS_NOTE,
    Attention,
    CohortFacts,
    Imprint,
    IncidentRow,
    MilestoneRow,
    ReturnView,
    Summary,
    UseCaseView,
)
from tracker.reports.pdf.charts import FitDrawing, horizontal_bars, kpi_line, stacked_bars
from tracker.reports.pdf.shell import Contents, Heading
from tracker.reports.pdf.styles import (
    BODY,
    BODY_AFTER_TABLE,
    COVER_SUB,
    COVER_TITLE,
    FRAME_HEIGHT,
    FRAME_WIDTH,
    H1,
    H2,
    H3,
    RAG_FILLS,
    SMALL,
    label,
    para,
    subheading,
)
from tracker.reports.pdf.tables import (
    MAX_CELL_CHARS,
    Cell,
    Column,
    counts_table,
    facts,
    fit,
    grid,
    header_cells,
    simple_table,
    widths,
)
from tracker.reports.pdf.text import day, markup, moment, plural, share

CHUNK_ROWS = 40  # rows per table chunk: small tables keep layout time linear in the row count
# Rows of each list on the one-page summary of what needs attention; the rest are counted.
ATTENTION_ROWS = 8


# ---------------------------------------------------------------------------------------------
# The use-case table


def _next_milestone(view: UseCaseView) -> str:
    m = view.next_milestone
    if m is None:
        return "—"
    return f"{m.title} ({day(m.planned_on)}{', overdue' if m.overdue else ''})"


def _partners(view: UseCaseView) -> str:
    shown = list(view.partners[:4])
    if len(view.partners) > 4:
        shown.append(f"and {len(view.partners) - 4} more")
    return "\n".join(shown) or "—"


UseCaseColumn = Column[UseCaseView]

USE_CASE = UseCaseColumn("Use case", 0.24, lambda v: f"{v.reference}\n{v.title}")
INSTITUTION = UseCaseColumn("Institution", 0.14, lambda v: v.institution)
PARTNERS = UseCaseColumn("Partners", 0.12, _partners)
CATEGORY = UseCaseColumn("Category", 0.11, lambda v: v.category)
# Wide enough for the longest word of any stage ("Discontinued"), so none breaks mid-word.
STAGE = UseCaseColumn("Stage", 0.11, lambda v: v.stage)
DAYS = UseCaseColumn("Days in stage", 0.065, lambda v: str(v.days_in_stage), right=True)
RAG = UseCaseColumn("Latest RAG", 0.075, lambda v: v.latest_rag or "—")
NEXT = UseCaseColumn("Next milestone", 0.13, _next_milestone)
COHORT = UseCaseColumn("Programme / cohort", 0.14, lambda v: f"{v.programme}\n{v.cohort}")

COHORT_COLUMNS = (USE_CASE, INSTITUTION, PARTNERS, CATEGORY, STAGE, DAYS, RAG, NEXT)
INSTITUTION_COLUMNS = (USE_CASE, COHORT, PARTNERS, CATEGORY, STAGE, DAYS, RAG, NEXT)


def table_header(columns: Sequence[UseCaseColumn]) -> Table:
    """The header row alone: the page shell repeats it on pages the table continues on."""
    column_widths = widths(columns)
    return grid([header_cells([c.heading for c in columns], column_widths)], column_widths)


def use_case_chunks(views: Sequence[UseCaseView], columns: Sequence[UseCaseColumn]) -> list[Table]:
    """The table of use cases as chunks of rows with fixed widths. The first chunk carries the
    header row; the pages it continues on draw the same header (the shell's "table" page)."""
    column_widths = widths(columns)
    rag_index = next((i for i, c in enumerate(columns) if c is RAG), None)
    aligned: list[tuple[Any, ...]] = [
        ("ALIGN", (i, 0), (i, -1), "RIGHT") for i, c in enumerate(columns) if c.right
    ]
    chunks: list[Table] = []
    for start in range(0, len(views), CHUNK_ROWS):
        part = views[start : start + CHUNK_ROWS]
        header = start == 0
        rows: list[list[Cell]] = (
            [header_cells([c.heading for c in columns], column_widths)] if header else []
        )
        offset = len(rows)
        extra = list(aligned)
        for i, view in enumerate(part):
            rows.append([fit(c.text(view), w) for c, w in zip(columns, column_widths, strict=True)])
            fill = RAG_FILLS.get(view.latest_rag or "")
            if rag_index is not None and fill is not None:
                extra.append(("BACKGROUND", (rag_index, i + offset), (rag_index, i + offset), fill))
        table = grid(rows, column_widths, header=header, zebra=True, extra=extra)
        table.repeatRows = 0  # the page shell repeats the header instead
        chunks.append(table)
    return chunks


def use_case_table(
    heading: Heading, views: Sequence[UseCaseView], columns: Sequence[UseCaseColumn]
) -> list[Flowable]:
    """A heading and the use-case table, flowing on from what precedes it."""
    story: list[Flowable] = [CondPageBreak(60 * mm), heading]
    if not views:
        return [*story, label("No use cases on record at this date.")]
    return [
        *story,
        label(
            "Days in stage count from the last change of stage to the as-at date. "
            "Latest RAG is the red/amber/green status of the latest progress return filed.",
            SMALL,
        ),
        NextPageTemplate("table"),
        *use_case_chunks(views, columns),
        NextPageTemplate("body"),
    ]


# ---------------------------------------------------------------------------------------------
# Cover, contents and what needs attention


def cover(
    kind_label: str, subtitle: str, pairs: Sequence[tuple[str, str]], imprint: Imprint, as_at: date
) -> list[Flowable]:
    rows = [
        *pairs,
        ("As at", f"{day(as_at)} (end of day, {imprint.timezone})"),
        ("Generated", f"{moment(imprint.generated_at)} ({imprint.timezone})"),
        ("Generated by", imprint.generated_by),
        ("Reference", imprint.reference),
        ("Classification", imprint.classification),
    ]
    return [
        Spacer(1, 30 * mm),
        Heading(kind_label, COVER_TITLE, f"{kind_label}: cover", in_contents=False),
        para(subtitle, COVER_SUB),
        facts(rows),
        Spacer(1, 10 * mm),
        label("Basis of the figures", H3),
        label(escape(BASIS_NOTE), SMALL),
        label(
            "This report is kept in the tracker's report register under the reference above. "
            "Its SHA-256 fingerprint lets anyone confirm a copy is the one issued and unchanged.",
            SMALL,
        ),
        NextPageTemplate("body"),
        PageBreak(),
    ]


def contents(contents_list: Contents) -> list[Flowable]:
    """The contents page; ``contents_list`` is filled once the whole story is known."""
    return [
        Heading("Contents", H1, in_contents=False),
        label("Sections of this report and the page each starts on.", SMALL),
        Spacer(1, 4),
        contents_list,
        PageBreak(),
    ]


@dataclass(frozen=True)
class _AttentionList:
    """One list of the attention summary: its table's columns and each row's cells after the
    use case (reference, title) and institution, which every list starts with."""

    title: str
    empty: str
    headings: tuple[str, ...]
    fractions: tuple[float, ...]
    cells: Callable[[Any], list[str]]


_ATTENTION_LISTS = (
    _AttentionList(
        "Overdue progress returns",
        "No progress return overdue.",
        ("Due", "Days overdue"),
        (0.5, 0.26, 0.13, 0.11),
        lambda r: [day(r.due_on), str(r.days_overdue)],
    ),
    _AttentionList(
        "Open incidents",
        "No open incidents.",
        ("Severity", "Occurred", "Reported"),
        (0.44, 0.22, 0.1, 0.12, 0.12),
        lambda i: [i.severity, day(i.occurred_on), day(i.reported_on)],
    ),
    _AttentionList(
        "Late milestones",
        "No milestone late.",
        ("Milestone", "Planned", "Days late"),
        (0.36, 0.2, 0.22, 0.12, 0.1),
        lambda m: [m.milestone, day(m.planned_on), str(m.days_late)],
    ),
)


def _attention_table(kind: _AttentionList, rows: Sequence[Any]) -> list[Flowable]:
    if not rows:
        return [label(escape(kind.empty), SMALL)]
    column_widths = [FRAME_WIDTH * f for f in kind.fractions]
    body: list[list[Cell]] = [
        header_cells(["Use case", "Institution", *kind.headings], column_widths)
    ]
    for row in rows[:ATTENTION_ROWS]:
        texts = [f"{row.reference} · {row.title}", row.institution, *kind.cells(row)]
        body.append([fit(t, w, limit=90) for t, w in zip(texts, column_widths, strict=True)])
    last = len(column_widths) - 1
    story: list[Flowable] = [
        grid(body, column_widths, zebra=True, extra=[("ALIGN", (last, 0), (last, -1), "RIGHT")])
    ]
    if len(rows) > ATTENTION_ROWS:
        story.append(
            label(
                f"… and {len(rows) - ATTENTION_ROWS} more; each use case's section gives the "
                "details.",
                SMALL,
            )
        )
    return story


def needs_attention(attention: Attention, as_at: date) -> list[Flowable]:
    """One page: overdue progress returns, open incidents and late milestones at the date."""
    lists = (attention.overdue_returns, attention.open_incidents, attention.late_milestones)
    returns, incidents, milestones = (len(rows) for rows in lists)
    body: list[Flowable] = [
        label(
            escape(
                f"As at {day(as_at)}: {plural(returns, 'progress return')} overdue, "
                f"{plural(incidents, 'incident')} open and "
                f"{plural(milestones, 'milestone')} late. Most pressing first."
            )
        )
    ]
    for kind, rows in zip(_ATTENTION_LISTS, lists, strict=True):
        body += [label(escape(kind.title), H3), *_attention_table(kind, rows)]
    heading = Heading("Needs attention", H1)
    _, heading_height = heading.wrap(FRAME_WIDTH, FRAME_HEIGHT)
    return [
        heading,
        # Shrunk if ever needed, so the summary stays on one page.
        KeepInFrame(FRAME_WIDTH, FRAME_HEIGHT - heading_height - 20, body, mode="shrink"),
        PageBreak(),
    ]


# ---------------------------------------------------------------------------------------------
# Summary and charts


def _summary_sentence(summary: Summary, noun: str) -> str:
    f = summary.funnel
    return (
        f"{plural(summary.total, 'use case')} on record in this {noun}: "
        f"{f.proposals} submitted as proposals, {f.selected} selected, {f.pilot} piloted and "
        f"{f.production} approved for production."
    )


def funnel_table(summary: Summary) -> Table:
    """The funnel as the screen shows it: each step's share of the proposals."""
    steps = summary.funnel.steps()
    first = steps[0].count
    return simple_table(
        ["Step", "Use cases", "Of proposals"],
        [[s.label, str(s.count), share(s.count, first)] for s in steps],
        [0.5, 0.2, 0.2],
        right=(1, 2),
    )


def executive_summary(summary: Summary, noun: str) -> list[Flowable]:
    return [
        Heading("Executive summary", H1),
        label(escape(_summary_sentence(summary, noun))),
        label("Use cases by stage", H3),
        counts_table("Stage", [(c.label, c.count) for c in summary.by_stage], summary.total),
        label("Use cases by category", H3),
        counts_table("Category", [(c.label, c.count) for c in summary.by_category], summary.total),
        label("From proposal to production", H3),
        label(
            "Every use case that reached a step counts there, including those that later left "
            "the programme.",
            SMALL,
        ),
        funnel_table(summary),
    ]


def charts(summary: Summary) -> list[Flowable]:
    """The two charts, each shrunk (to 70% at most) into the space left on the page."""
    if summary.total == 0:
        return [
            Heading("Charts", H1, room=40 * mm),
            label("No use cases on record at this date, so there is nothing to chart."),
        ]
    matrix = summary.matrix
    steps = summary.funnel.steps()
    return [
        Heading("Charts", H1, room=80 * mm),
        label("Use cases by stage and category", H3),
        FitDrawing(stacked_bars(matrix.stages, matrix.categories, matrix.counts)),
        label(
            "Each bar is a stage; its segments are the categories, in the order of the "
            "legend. The stage table above gives the exact counts.",
            SMALL,
        ),
        subheading("Funnel from proposal to production", 40 * mm),
        FitDrawing(horizontal_bars([s.label for s in steps], [s.count for s in steps])),
    ]


def cohort_pairs(c: CohortFacts) -> list[tuple[str, str]]:
    return [
        ("Cohort status (as recorded today)", c.status),
        ("Applications", f"{day(c.applications_open_on)} to {day(c.applications_close_on)}"),
        ("Selection", day(c.selection_on)),
        ("Pilot period", f"{day(c.pilot_starts_on)} to {day(c.pilot_ends_on)}"),
    ]


# ---------------------------------------------------------------------------------------------
# One use case


def milestones(rows: Sequence[MilestoneRow]) -> Flowable:
    if not rows:
        return label("No milestones recorded.", SMALL)
    return simple_table(
        ["Milestone", "Planned", "Completed", "Status"],
        [
            [
                m.title,
                day(m.planned_on),
                day(m.actual_on),
                m.status + (" (overdue)" if m.overdue else ""),
            ]
            for m in rows
        ],
        [0.52, 0.15, 0.15, 0.18],
    )


def history(view: UseCaseView) -> list[Flowable]:
    if not view.history:
        return [label("No change of stage recorded: still a draft at this date.", SMALL)]
    story: list[Flowable] = [
        simple_table(
            ["When", "From", "To", "By", "Reason or note"],
            [
                [moment(e.at), e.from_stage or "—", e.to_stage, e.actor, e.reason or "—"]
                for e in view.history
            ],
            [0.17, 0.14, 0.14, 0.17, 0.38],
        )
    ]
    for e in view.history:
        if len(e.reason) > MAX_CELL_CHARS:
            story.append(para(f"In full, {moment(e.at)} ({e.to_stage}): {e.reason}", SMALL))
    return story


def progress_return(r: ReturnView, heading: str) -> list[Flowable]:
    story: list[Flowable] = [
        subheading(escape(heading)),
        facts(
            [
                ("Period", f"{day(r.period_start)} to {day(r.period_end)}"),
                ("Status (RAG)", r.rag),
                ("Submitted", moment(r.submitted_at)),
                ("Attested by", r.attested_by),
            ]
        ),
        para(r.narrative, BODY_AFTER_TABLE),
    ]
    if r.kpis:
        story.append(simple_table(["KPI", "Value"], [[k.kpi, k.value] for k in r.kpis], [0.6, 0.4]))
    else:
        story.append(label("No KPI values reported.", SMALL))
    return story


def incidents(rows: Sequence[IncidentRow], empty: str) -> list[Flowable]:
    if not rows:
        return [label(escape(empty), SMALL)]
    story: list[Flowable] = []
    for i in rows:
        story.append(
            label(
                f"<b>{escape(i.severity)} severity</b> · occurred {escape(day(i.occurred_on))} · "
                f"reported {escape(day(i.reported_on))}"
                f"{' on its own' if i.outside_return else ' in a return'} · "
                f"{'resolved' if i.resolved else 'open'}",
                BODY,
            )
        )
        story.append(para(i.description))
        if i.customer_impact:
            story.append(para(f"Customer impact: {i.customer_impact}", SMALL))
        if i.remediation:
            story.append(para(f"Remediation: {i.remediation}", SMALL))
    return story


def view_facts(view: UseCaseView, with_cohort: bool) -> Table:
    pairs = [
        ("Institution", view.institution),
        ("Partners", ", ".join(view.partners) or "—"),
        ("Category", view.category),
        ("Stage", f"{view.stage} since {day(view.stage_since)} ({view.days_in_stage} days)"),
        ("Latest RAG", view.latest_rag or "No progress return filed"),
    ]
    if with_cohort:
        pairs.insert(0, ("Programme / cohort", f"{view.programme} — {view.cohort}"))
    return facts(pairs)


def _rows_height(rows: int) -> float:
    """Room for a subheading and a short table of ``rows`` one-line rows, so that it starts on
    the next page rather than leave its heading or header alone (a measured KeepTogether
    would lay every such table out twice); a longer table splits, repeating its header."""
    return min(60 * mm, 14 + 13 * (rows + 1))


def section(view: UseCaseView, *, with_cohort: bool) -> list[Flowable]:
    """One use case in a cohort or institution report."""
    story: list[Flowable] = [
        Heading(f"{view.reference} · {view.title}", H2, level=1, room=45 * mm),
        view_facts(view, with_cohort),
        para(view.summary or "No summary given.", BODY_AFTER_TABLE),
        subheading("Stage history", _rows_height(len(view.history))),
        *history(view),
        subheading("Milestones", _rows_height(len(view.milestones))),
        milestones(view.milestones),
    ]
    if view.latest_return is not None:
        story += progress_return(view.latest_return, "Latest progress return")
    else:
        story += [label("Latest progress return", H3), label("No progress return filed.", SMALL)]
    story += [
        subheading("Open incidents", 15 * mm),
        *incidents(view.open_incidents, "No open incidents."),
    ]
    return story


def sections(
    views: Sequence[UseCaseView], *, with_cohort: bool, progress: Callable[[str], None] | None
) -> list[Flowable]:
    story: list[Flowable] = [Heading("Use cases in detail", H1, room=60 * mm)]
    if not views:
        story.append(label("No use cases on record at this date."))
    for index, view in enumerate(views, start=1):
        story += section(view, with_cohort=with_cohort)
        if progress is not None and index % 250 == 0:
            progress(f"{index} of {len(views)} use-case sections prepared")
    return story


def edits_heading_markup(field: str, at: str, actor: str) -> str:
    """The line introducing one edit: the field's label, when and by whom."""
    return f"<b>{markup(field)}</b> · {escape(at)} · {markup(actor)}"


def kpi_series(series: KpiSeries) -> list[Flowable]:
    """One KPI against its target: the chart, then its figures in a table."""
    unit = f" ({series.unit})" if series.unit else ""
    heading = f"{series.name}{unit}"
    if series.moving_away:
        heading += " — moving away from target"
    if series.target is not None and series.direction is not None:
        aim = f"Target {number(series.target)}, {series.direction.label.lower()}"
    else:
        aim = "No target set"
    chart = series.chart()
    story: list[Flowable] = [subheading(escape(heading))]
    if any(v is not None for v in chart["values"]):
        story.append(
            FitDrawing(
                kpi_line(chart["labels"], chart["values"], chart["target"], chart["baseline"])
            )
        )
    rows = [["Baseline", number(series.baseline) or "—", aim]]
    rows += [[day(p.period_end), number(p.number) or "—", p.note] for p in series.points]
    story.append(simple_table(["Period to", "Value", "Note"], rows, [0.25, 0.2, 0.55], right=(1,)))
    return story
