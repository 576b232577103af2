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

from tracker.i18n import N_, is_chinese, ngettext
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
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
from tracker.reports.pdf.text import day, markup, moment, share, zone

CHUNK_ROWS = 40  # rows per table chunk: small tables keep layout time linear in the row count
# Rows of each list on the one-page summary of what needs attention; the rest are counted.
ATTENTION_ROWS = 8


# ---------------------------------------------------------------------------------------------
# The use-case table


def _next_milestone(view: UseCaseView) -> str:
    m = view.next_milestone
    if m is None:
        return "—"
    if m.overdue:
        return _("%(milestone)s (%(day)s, overdue)", milestone=m.title, day=day(m.planned_on))
    return _("%(milestone)s (%(day)s)", milestone=m.title, day=day(m.planned_on))


def _partners(view: UseCaseView) -> str:
    shown = list(view.partners[:4])
    if len(view.partners) > 4:
        shown.append(_("and %(num)d more", num=len(view.partners) - 4))
    return "\n".join(shown) or "—"


UseCaseColumn = Column[UseCaseView]

# The red/amber/green status of a return, as the catalogue knows it (the fills follow the value).
RAG_LABELS = {"Red": N_("Red"), "Amber": N_("Amber"), "Green": N_("Green")}


def _rag(value: str | None, empty: str = "—") -> str:
    if not value:
        return empty
    return _(RAG_LABELS[value]) if value in RAG_LABELS else value


USE_CASE = UseCaseColumn(_l("Use case"), 0.24, lambda v: f"{v.reference}\n{v.title}")
INSTITUTION = UseCaseColumn(_l("Institution"), 0.14, lambda v: v.institution)
PARTNERS = UseCaseColumn(_l("Partners"), 0.12, _partners)
CATEGORY = UseCaseColumn(_l("Category"), 0.11, lambda v: v.category)
# Wide enough for the longest word of any stage ("Discontinued"), so none breaks mid-word.
STAGE = UseCaseColumn(_l("Stage"), 0.11, lambda v: v.stage)
DAYS = UseCaseColumn(_l("Days in stage"), 0.065, lambda v: str(v.days_in_stage), right=True)
RAG = UseCaseColumn(_l("Latest RAG"), 0.075, lambda v: _rag(v.latest_rag))
NEXT = UseCaseColumn(_l("Next milestone"), 0.13, _next_milestone)
COHORT = UseCaseColumn(_l("Programme / cohort"), 0.14, lambda v: f"{v.programme}\n{v.cohort}")

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
        return [*story, label(_("No use cases on record at this date."))]
    return [
        *story,
        label(
            _(
                "Days in stage count from the last change of stage to the as-at date. "
                "Latest RAG is the red/amber/green status of the latest progress return filed."
            ),
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
        (
            _("As at"),
            _("%(day)s (end of day, %(zone)s)", day=day(as_at), zone=zone(imprint.timezone)),
        ),
        (
            _("Generated"),
            _(
                "%(moment)s (%(zone)s)",
                moment=moment(imprint.generated_at),
                zone=zone(imprint.timezone),
            ),
        ),
        (_("Generated by"), imprint.generated_by),
        (_("Reference"), imprint.reference),
        (_("Classification"), imprint.classification),
        (_("Language"), language_name()),
    ]
    return [
        Spacer(1, 30 * mm),
        Heading(
            kind_label, COVER_TITLE, _("%(report)s: cover", report=kind_label), in_contents=False
        ),
        para(subtitle, COVER_SUB),
        facts(rows),
        Spacer(1, 10 * mm),
        label(_("Basis of the figures"), H3),
        label(escape(_(BASIS_NOTE)), SMALL),
        label(
            escape(
                _(
                    "This report is kept in the tracker's report register under the reference "
                    "above. Its SHA-256 fingerprint lets anyone confirm a copy is the one issued "
                    "and unchanged."
                )
            ),
            SMALL,
        ),
        label(escape(other_language_note()), SMALL),
        NextPageTemplate("body"),
        PageBreak(),
    ]


def language_name() -> str:
    """The report's language, named in that language."""
    return _("English") if not is_chinese() else _("Traditional Chinese")


def other_language_note() -> str:
    """The cover says which language the report is in and how to have it in the other."""
    if is_chinese():
        return _(
            "This report is in Traditional Chinese. A version in English can be generated: "
            "choose English as the language when issuing the report (on the command line, "
            "--lang en). Each version is registered under its own reference."
        )
    return _(
        "This report is in English. A version in Traditional Chinese can be generated: choose "
        "繁體中文 as the language when issuing the report (on the command line, --lang zh-Hant). "
        "Each version is registered under its own reference."
    )


def contents(contents_list: Contents) -> list[Flowable]:
    """The contents page; ``contents_list`` is filled once the whole story is known."""
    return [
        Heading(_("Contents"), H1, in_contents=False),
        label(_("Sections of this report and the page each starts on."), SMALL),
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
        N_("Overdue progress returns"),
        N_("No progress return overdue."),
        (N_("Due"), N_("Days overdue")),
        (0.5, 0.26, 0.13, 0.11),
        lambda r: [day(r.due_on), str(r.days_overdue)],
    ),
    _AttentionList(
        N_("Open incidents"),
        N_("No open incidents."),
        (N_("Severity"), N_("Occurred"), N_("Reported")),
        (0.44, 0.22, 0.1, 0.12, 0.12),
        lambda i: [i.severity, day(i.occurred_on), day(i.reported_on)],
    ),
    _AttentionList(
        N_("Late milestones"),
        N_("No milestone late."),
        (N_("Milestone"), N_("Planned"), N_("Days late")),
        (0.36, 0.2, 0.22, 0.12, 0.1),
        lambda m: [m.milestone, day(m.planned_on), str(m.days_late)],
    ),
)


def _attention_table(kind: _AttentionList, rows: Sequence[Any]) -> list[Flowable]:
    if not rows:
        return [label(escape(_(kind.empty)), SMALL)]
    column_widths = [FRAME_WIDTH * f for f in kind.fractions]
    body: list[list[Cell]] = [
        header_cells(
            [_("Use case"), _("Institution"), *(_(h) for h in kind.headings)], column_widths
        )
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
                escape(
                    _(
                        "… and %(num)d more; each use case's section gives the details.",
                        num=len(rows) - ATTENTION_ROWS,
                    )
                ),
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
                _(
                    "As at %(day)s: %(returns)s overdue, %(incidents)s open and "
                    "%(milestones)s late. Most pressing first.",
                    day=day(as_at),
                    returns=ngettext(
                        "%(num)d progress return", "%(num)d progress returns", returns
                    ),
                    incidents=ngettext("%(num)d incident", "%(num)d incidents", incidents),
                    milestones=ngettext("%(num)d milestone", "%(num)d milestones", milestones),
                )
            )
        )
    ]
    for kind, rows in zip(_ATTENTION_LISTS, lists, strict=True):
        body += [label(escape(_(kind.title)), H3), *_attention_table(kind, rows)]
    heading = Heading(_("Needs attention"), H1)
    _width, heading_height = heading.wrap(FRAME_WIDTH, FRAME_HEIGHT)
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
    figures = {
        "proposals": f.proposals,
        "selected": f.selected,
        "pilot": f.pilot,
        "production": f.production,
    }
    if noun == "cohort":
        return ngettext(
            "%(num)d use case on record in this cohort: %(proposals)d submitted as proposals, "
            "%(selected)d selected, %(pilot)d piloted and %(production)d approved for production.",
            "%(num)d use cases on record in this cohort: %(proposals)d submitted as proposals, "
            "%(selected)d selected, %(pilot)d piloted and %(production)d approved for production.",
            summary.total,
            **figures,
        )
    if noun == "programme":
        return ngettext(
            "%(num)d use case on record in this programme: %(proposals)d submitted as "
            "proposals, %(selected)d selected, %(pilot)d piloted and %(production)d approved "
            "for production.",
            "%(num)d use cases on record in this programme: %(proposals)d submitted as "
            "proposals, %(selected)d selected, %(pilot)d piloted and %(production)d approved "
            "for production.",
            summary.total,
            **figures,
        )
    return ngettext(
        "%(num)d use case on record in this report: %(proposals)d submitted as proposals, "
        "%(selected)d selected, %(pilot)d piloted and %(production)d approved for production.",
        "%(num)d use cases on record in this report: %(proposals)d submitted as proposals, "
        "%(selected)d selected, %(pilot)d piloted and %(production)d approved for production.",
        summary.total,
        **figures,
    )


def funnel_table(summary: Summary) -> Table:
    """The funnel as the screen shows it: each step's share of the proposals."""
    steps = summary.funnel.steps()
    first = steps[0].count
    return simple_table(
        [_("Step"), _("Use cases"), _("Of proposals")],
        [[s.label, str(s.count), share(s.count, first)] for s in steps],
        [0.5, 0.2, 0.2],
        right=(1, 2),
    )


def executive_summary(summary: Summary, noun: str) -> list[Flowable]:
    return [
        Heading(_("Executive summary"), H1),
        label(escape(_summary_sentence(summary, noun))),
        label(_("Use cases by stage"), H3),
        counts_table(_("Stage"), [(c.label, c.count) for c in summary.by_stage], summary.total),
        label(_("Use cases by category"), H3),
        counts_table(
            _("Category"), [(c.label, c.count) for c in summary.by_category], summary.total
        ),
        label(_("From proposal to production"), H3),
        label(
            _(
                "Every use case that reached a step counts there, including those that later "
                "left the programme."
            ),
            SMALL,
        ),
        funnel_table(summary),
    ]


def charts(summary: Summary) -> list[Flowable]:
    """The two charts, each shrunk (to 70% at most) into the space left on the page."""
    if summary.total == 0:
        return [
            Heading(_("Charts"), H1, room=40 * mm),
            label(_("No use cases on record at this date, so there is nothing to chart.")),
        ]
    matrix = summary.matrix
    steps = summary.funnel.steps()
    return [
        Heading(_("Charts"), H1, room=80 * mm),
        label(_("Use cases by stage and category"), H3),
        FitDrawing(stacked_bars(matrix.stages, matrix.categories, matrix.counts)),
        label(
            _(
                "Each bar is a stage; its segments are the categories, in the order of the "
                "legend. The stage table above gives the exact counts."
            ),
            SMALL,
        ),
        subheading(_("Funnel from proposal to production"), 40 * mm),
        FitDrawing(horizontal_bars([s.label for s in steps], [s.count for s in steps])),
    ]


def _period(start: date | None, end: date | None) -> str:
    return _("%(start)s to %(end)s", start=day(start), end=day(end))


def cohort_pairs(c: CohortFacts) -> list[tuple[str, str]]:
    return [
        (_("Cohort status (as recorded today)"), c.status),
        (_("Applications"), _period(c.applications_open_on, c.applications_close_on)),
        (_("Selection"), day(c.selection_on)),
        (_("Pilot period"), _period(c.pilot_starts_on, c.pilot_ends_on)),
    ]


# ---------------------------------------------------------------------------------------------
# One use case


def milestones(rows: Sequence[MilestoneRow]) -> Flowable:
    if not rows:
        return label(_("No milestones recorded."), SMALL)
    return simple_table(
        [_("Milestone"), _("Planned"), _("Completed"), _("Status")],
        [
            [
                m.title,
                day(m.planned_on),
                day(m.actual_on),
                _("%(status)s (overdue)", status=m.status) if m.overdue else m.status,
            ]
            for m in rows
        ],
        [0.52, 0.15, 0.15, 0.18],
    )


def history(view: UseCaseView) -> list[Flowable]:
    if not view.history:
        return [label(_("No change of stage recorded: still a draft at this date."), SMALL)]
    story: list[Flowable] = [
        simple_table(
            [_("When"), _("From"), _("To"), _("By"), _("Reason or note")],
            [
                [moment(e.at), e.from_stage or "—", e.to_stage, e.actor, e.reason or "—"]
                for e in view.history
            ],
            [0.17, 0.14, 0.14, 0.17, 0.38],
        )
    ]
    for e in view.history:
        if len(e.reason) > MAX_CELL_CHARS:
            story.append(
                para(
                    _(
                        "In full, %(moment)s (%(stage)s): %(reason)s",
                        moment=moment(e.at),
                        stage=e.to_stage,
                        reason=e.reason,
                    ),
                    SMALL,
                )
            )
    return story


def progress_return(r: ReturnView, heading: str) -> list[Flowable]:
    story: list[Flowable] = [
        subheading(escape(heading)),
        facts(
            [
                (_("Period"), _period(r.period_start, r.period_end)),
                (_("Status (RAG)"), _rag(r.rag)),
                (_("Submitted"), moment(r.submitted_at)),
                (_("Attested by"), r.attested_by),
            ]
        ),
        para(r.narrative, BODY_AFTER_TABLE),
    ]
    if r.kpis:
        story.append(
            simple_table([_("KPI"), _("Value")], [[k.kpi, k.value] for k in r.kpis], [0.6, 0.4])
        )
    else:
        story.append(label(_("No KPI values reported."), SMALL))
    return story


def incidents(rows: Sequence[IncidentRow], empty: str) -> list[Flowable]:
    if not rows:
        return [label(escape(empty), SMALL)]
    story: list[Flowable] = []
    for i in rows:
        values = {
            "severity": escape(i.severity),
            "occurred": escape(day(i.occurred_on)),
            "reported": escape(day(i.reported_on)),
        }
        if i.outside_return:
            line = (
                _(
                    "<b>%(severity)s severity</b> · occurred %(occurred)s · reported %(reported)s "
                    "on its own · resolved",
                    **values,
                )
                if i.resolved
                else _(
                    "<b>%(severity)s severity</b> · occurred %(occurred)s · reported %(reported)s "
                    "on its own · open",
                    **values,
                )
            )
        else:
            line = (
                _(
                    "<b>%(severity)s severity</b> · occurred %(occurred)s · reported %(reported)s "
                    "in a return · resolved",
                    **values,
                )
                if i.resolved
                else _(
                    "<b>%(severity)s severity</b> · occurred %(occurred)s · reported %(reported)s "
                    "in a return · open",
                    **values,
                )
            )
        story.append(label(line, BODY))
        story.append(para(i.description))
        if i.customer_impact:
            story.append(para(_("Customer impact: %(text)s", text=i.customer_impact), SMALL))
        if i.remediation:
            story.append(para(_("Remediation: %(text)s", text=i.remediation), SMALL))
    return story


def view_facts(view: UseCaseView, with_cohort: bool) -> Table:
    pairs = [
        (_("Institution"), view.institution),
        (_("Partners"), _(", ").join(view.partners) or "—"),
        (_("Category"), view.category),
        (
            _("Stage"),
            ngettext(
                "%(stage)s since %(day)s (%(num)d day)",
                "%(stage)s since %(day)s (%(num)d days)",
                view.days_in_stage,
                stage=view.stage,
                day=day(view.stage_since),
            ),
        ),
        (_("Latest RAG"), _rag(view.latest_rag, _("No progress return filed"))),
    ]
    if with_cohort:
        pairs.insert(0, (_("Programme / cohort"), f"{view.programme} — {view.cohort}"))
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
        para(view.summary or _("No summary given."), BODY_AFTER_TABLE),
        subheading(_("Stage history"), _rows_height(len(view.history))),
        *history(view),
        subheading(_("Milestones"), _rows_height(len(view.milestones))),
        milestones(view.milestones),
    ]
    if view.latest_return is not None:
        story += progress_return(view.latest_return, _("Latest progress return"))
    else:
        story += [
            label(_("Latest progress return"), H3),
            label(_("No progress return filed."), SMALL),
        ]
    story += [
        subheading(_("Open incidents"), 15 * mm),
        *incidents(view.open_incidents, _("No open incidents.")),
    ]
    return story


def sections(
    views: Sequence[UseCaseView], *, with_cohort: bool, progress: Callable[[str], None] | None
) -> list[Flowable]:
    story: list[Flowable] = [Heading(_("Use cases in detail"), H1, room=60 * mm)]
    if not views:
        story.append(label(_("No use cases on record at this date.")))
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
        heading = _("%(kpi)s — moving away from target", kpi=heading)
    if series.target is not None and series.direction is not None:
        aim = _(
            "Target %(target)s, %(direction)s",
            target=number(series.target),
            direction=series.direction.label.lower(),
        )
    else:
        aim = _("No target set")
    chart = series.chart()
    story: list[Flowable] = [subheading(escape(heading))]
    if any(v is not None for v in chart["values"]):
        story.append(
            FitDrawing(
                kpi_line(
                    [day(p.period_end) for p in series.points],
                    chart["values"],
                    chart["target"],
                    chart["baseline"],
                )
            )
        )
    rows = [[_("Baseline"), number(series.baseline) or "—", aim]]
    rows += [[day(p.period_end), number(p.number) or "—", p.note] for p in series.points]
    story.append(
        simple_table([_("Period to"), _("Value"), _("Note")], rows, [0.25, 0.2, 0.55], right=(1,))
    )
    return story
