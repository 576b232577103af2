"""PDF layout of reports. The only module that imports reportlab; it renders the frozen objects of
``tracker.reports.data`` and never queries.

The page shell (running header and footer with the classification marking and the reference,
"Page N of M", outline, metadata) belongs to ``_Document``; each report only supplies its story.
Every string that comes from the record goes through ``markup`` before it reaches a
``Paragraph``: it is XML-escaped (``Paragraph`` parses markup, so ``a<b`` would raise and
``<img src=…>`` would open files), runs the base font cannot draw (Chinese, emoji…) are set in an
embedded TrueType CJK font, and line breaks are kept.
"""

from __future__ import annotations

import io
import math
import re
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from tracker.reports.data import (
    BASIS_NOTE,
    BreakdownRow,
    CohortFacts,
    CohortReport,
    CohortSection,
    Count,
    Imprint,
    IncidentRow,
    InstitutionReport,
    MilestoneRow,
    ProgrammeReport,
    ReportData,
    ReturnView,
    Summary,
    UseCaseReport,
    UseCaseView,
)

# Nothing in a report is ever fetched: no URL scheme and no host is trusted. (Local paths are
# kept out by escaping every user string, so no <img> tag can reach the parser.)
rl_config.trustedHosts = []
rl_config.trustedSchemes = []

CJK_FONT = "TrackerCJK"
BASE_FONT = "Helvetica"
BOLD_FONT = "Helvetica-Bold"

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 22 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
CHUNK_ROWS = 40  # rows per table chunk: small tables keep layout time linear in the row count
# A table row must fit on one page, so cell text is bounded; text that can be longer (reasons,
# narratives, pilot terms) is also printed in full outside tables.
MAX_CELL_CHARS = 600
_PAGE_TOTAL_FORM = "TrackerPageTotal"

INK = colors.HexColor("#1b2a3a")
MUTED = colors.HexColor("#5a6570")
RULE = colors.HexColor("#9aa5b1")
HEADER_FILL = colors.HexColor("#dde4ec")
ZEBRA = colors.HexColor("#f3f5f8")
RAG_FILLS = {
    "Red": colors.HexColor("#f4c7c3"),
    "Amber": colors.HexColor("#fbe3b0"),
    "Green": colors.HexColor("#cfe8cf"),
}
SERIES = [
    colors.HexColor(c)
    for c in ("#1f5f8b", "#e08e2b", "#4f9d69", "#a64d79", "#7f7f7f", "#c9b037", "#3b9fbf")
]


class FontNotFoundError(RuntimeError):
    """No TrueType font with Chinese glyphs is available, so Chinese text cannot be embedded."""


# ---------------------------------------------------------------------------------------------
# Fonts and text

_registered_font: list[str] = []


def _postscript_names(path: str) -> list[str]:
    """The PostScript name of each face in a TrueType collection, read from the name tables
    with seeks (parsing every face with reportlab would read the whole file once per face)."""
    names: list[str] = []
    with open(path, "rb") as fh:
        tag, _version, count = struct.unpack(">4sII", fh.read(12))
        if tag != b"ttcf":
            return names
        offsets = struct.unpack(f">{count}I", fh.read(4 * count))
        for offset in offsets:
            fh.seek(offset + 4)
            (tables,) = struct.unpack(">H", fh.read(2))
            fh.seek(offset + 12)
            directory = {}
            for _ in range(tables):
                table, _checksum, start, _length = struct.unpack(">4sIII", fh.read(16))
                directory[table] = start
            name = ""
            if b"name" in directory:
                base = directory[b"name"]
                fh.seek(base)
                _format, records, strings = struct.unpack(">HHH", fh.read(6))
                for platform, _encoding, _language, name_id, length, at in [
                    struct.unpack(">HHHHHH", fh.read(12)) for _ in range(records)
                ]:
                    if name_id == 6:
                        fh.seek(base + strings + at)
                        raw = fh.read(length)
                        name = raw.decode("utf-16-be" if platform in (0, 3) else "latin-1")
                        break
            names.append(name)
    return names


def _subfont_index(path: str) -> int:
    """In a TrueType collection prefer the Traditional Chinese face (TW, then HK)."""
    if not path.lower().endswith(".ttc"):
        return 0
    try:
        names = _postscript_names(path)
    except (OSError, struct.error):
        return 0
    for suffix in ("TW", "HK"):
        for index, name in enumerate(names):
            if name.endswith(suffix):
                return index
    return 0


def register_fonts(cjk_font_path: str) -> None:
    """Register the CJK TrueType font (once per process and path); fail clearly if missing."""
    if _registered_font == [cjk_font_path]:
        return
    path = Path(cjk_font_path)
    if not path.is_file():
        raise FontNotFoundError(
            f"No CJK TrueType font at {cjk_font_path}. PDF reports embed one to print Chinese. "
            "Install it with `sudo apt-get install fonts-arphic-uming` (or `make system-deps`), "
            "or set TRACKER_CJK_FONT to a .ttf/.ttc font with Traditional Chinese glyphs."
        )
    try:
        font = TTFont(CJK_FONT, str(path), subfontIndex=_subfont_index(str(path)))
    except Exception as exc:
        raise FontNotFoundError(
            f"{cjk_font_path} is not a usable TrueType font ({exc}). Set TRACKER_CJK_FONT to a "
            ".ttf/.ttc font with Traditional Chinese glyphs (PostScript-outline OpenType fonts "
            "cannot be embedded)."
        ) from exc
    pdfmetrics.registerFont(font)
    pdfmetrics.registerFontFamily(
        CJK_FONT, normal=CJK_FONT, bold=CJK_FONT, italic=CJK_FONT, boldItalic=CJK_FONT
    )
    _registered_font[:] = [cjk_font_path]


# Helvetica draws what WinAnsi (cp1252) encodes; everything else goes to the CJK font.
_BASE_CHARS = bytes(range(0x20, 0x100)).decode("cp1252", errors="ignore")
_OUTSIDE_BASE = re.compile("[^" + re.escape(_BASE_CHARS) + "\n]+")
# Control characters (other than line breaks and tabs), lone surrogates and non-characters
# cannot be drawn and some break PDF strings.
_UNDRAWABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean(text: str | None) -> str:
    """Plain text safe for the PDF: controls dropped, line endings normalised, tabs as spaces."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    return _UNDRAWABLE.sub("", text)


def needs_cjk(text: str) -> bool:
    return _OUTSIDE_BASE.search(text) is not None


def markup(text: str | None, limit: int | None = None) -> str:
    """Paragraph markup for a user string: escaped, CJK runs in the CJK font, breaks kept."""
    text = clean(text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    parts: list[str] = []
    position = 0
    for match in _OUTSIDE_BASE.finditer(text):
        parts.append(escape(text[position : match.start()]))
        parts.append(f'<font name="{CJK_FONT}">{escape(match.group())}</font>')
        position = match.end()
    parts.append(escape(text[position:]))
    return "".join(parts).replace("\n", "<br/>")


def one_line(text: str | None, limit: int = 120) -> str:
    """Plain single-line text for outline entries and chart labels."""
    text = " ".join(clean(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _day(value: date | None) -> str:
    return value.strftime("%d %b %Y") if value else "—"


def _time(value: datetime) -> str:
    return value.strftime("%d %b %Y %H:%M")


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "—"


# ---------------------------------------------------------------------------------------------
# Styles


def _style(name: str, **kw: Any) -> ParagraphStyle:
    """A paragraph style; without a parent it starts from the body text settings."""
    base: dict[str, Any] = {}
    if "parent" not in kw:
        base = {
            "fontName": BASE_FONT,
            "fontSize": 9,
            "leading": 11.5,
            "textColor": INK,
            "splitLongWords": 1,
            "spaceAfter": 3,
        }
    base.update(kw)
    return ParagraphStyle(name, **base)


BODY = _style("body")
SMALL = _style("small", fontSize=7.5, leading=9.5, textColor=MUTED)
H1 = _style("h1", fontName=BOLD_FONT, fontSize=15, leading=19, spaceBefore=4, spaceAfter=8)
H2 = _style("h2", fontName=BOLD_FONT, fontSize=11.5, leading=14, spaceBefore=10, spaceAfter=4)
H3 = _style("h3", fontName=BOLD_FONT, fontSize=9.5, leading=12, spaceBefore=6, spaceAfter=2)
COVER_TITLE = _style("cover", fontName=BOLD_FONT, fontSize=22, leading=27, spaceAfter=6)
COVER_SUB = _style("coversub", fontSize=13, leading=17, spaceAfter=18)
CELL = _style("cell", fontSize=7.5, leading=9.2, spaceAfter=0)
HEAD_CELL = _style("headcell", parent=CELL, fontName=BOLD_FONT)
MARK = _style("mark", fontName=BOLD_FONT, fontSize=8.5, leading=10, alignment=TA_CENTER)
RUNNING = _style("running", fontSize=7.5, leading=9, textColor=MUTED, spaceAfter=0)
RUNNING_RIGHT = _style("runningright", parent=RUNNING, alignment=TA_RIGHT)


def para(text: str | None, style: ParagraphStyle = BODY, limit: int | None = None) -> Paragraph:
    """A paragraph of user text (escaped)."""
    return Paragraph(markup(text, limit), style)


def label(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of the application's own markup (never user text)."""
    return Paragraph(text, style)


def cell(text: str | None, style: ParagraphStyle = CELL) -> Paragraph:
    return Paragraph(markup(text, MAX_CELL_CHARS), style)


# ---------------------------------------------------------------------------------------------
# Tables

_GRID = [
    # Plain string cells (labels, dates, numbers: never user text) skip Paragraph parsing.
    ("FONTNAME", (0, 0), (-1, -1), BASE_FONT),
    ("FONTSIZE", (0, 0), (-1, -1), 7.5),
    ("LEADING", (0, 0), (-1, -1), 9.2),
    ("TEXTCOLOR", (0, 0), (-1, -1), INK),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 3),
    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
]
_HEADER = [
    ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
    ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
    ("FONTNAME", (0, 0), (-1, 0), BOLD_FONT),
]


def grid(
    rows: Sequence[Sequence[Flowable | str]],
    widths: Sequence[float],
    *,
    header: bool = True,
    extra: Sequence[tuple[Any, ...]] = (),
) -> Table:
    """A table with fixed column widths; rows split between pages, never within a row."""
    commands: list[tuple[Any, ...]] = list(_GRID)
    if header:
        commands += _HEADER
    commands += list(extra)
    table = Table(
        [list(r) for r in rows],
        colWidths=list(widths),
        repeatRows=1 if header else 0,
        hAlign="LEFT",
    )
    table.setStyle(TableStyle(commands))
    return table


def simple_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    fractions: Sequence[float],
    plain: Sequence[int] = (),
) -> Table:
    """A small table under plain headers. Cells are user text (escaped, wrapped), except the
    ``plain`` columns: short text of the application's own (dates, stages, numbers)."""
    widths = [FRAME_WIDTH * f for f in fractions]
    body: list[list[Flowable | str]] = [list(headers)]
    body += [[v if i in plain else cell(v) for i, v in enumerate(row)] for row in rows]
    return grid(body, widths)


def facts(pairs: Sequence[tuple[str, str]]) -> Table:
    """Label/value pairs in two columns: the application's labels, user values."""
    rows: list[list[Flowable | str]] = [[k, cell(v)] for k, v in pairs]
    return grid(
        rows,
        [FRAME_WIDTH * 0.25, FRAME_WIDTH * 0.75],
        header=False,
        extra=[("FONTNAME", (0, 0), (0, -1), BOLD_FONT)],
    )


def counts_table(title: str, counts: Sequence[Count], total: int) -> Table:
    rows: list[list[Flowable | str]] = [[title, "Use cases", "Share"]]
    rows += [[cell(c.label), str(c.count), _share(c.count, total)] for c in counts]
    rows.append(["Total", str(total), ""])
    return grid(
        rows,
        [FRAME_WIDTH * 0.5, FRAME_WIDTH * 0.2, FRAME_WIDTH * 0.2],
        extra=[("ALIGN", (1, 1), (-1, -1), "RIGHT"), ("FONTNAME", (0, -1), (-1, -1), BOLD_FONT)],
    )


@dataclass(frozen=True)
class Column:
    """A column of the use-case table: heading, share of the width and the cell text."""

    heading: str
    fraction: float
    text: Callable[[UseCaseView], str]
    plain: bool = False  # short text of the application's own: drawn as a string, no wrapping


def _next_milestone(view: UseCaseView) -> str:
    m = view.next_milestone
    if m is None:
        return "—"
    return f"{m.title} ({_day(m.planned_on)}{', overdue' if m.overdue else ''})"


def _partners(view: UseCaseView) -> str:
    shown = list(view.partners[:4])
    if len(view.partners) > 4:
        shown.append(f"and {len(view.partners) - 4} more")
    return "\n".join(shown) or "—"


USE_CASE = Column("Use case", 0.25, lambda v: f"{v.reference}\n{v.title}")
INSTITUTION = Column("Institution", 0.14, lambda v: v.institution)
PARTNERS = Column("Partners", 0.12, _partners)
CATEGORY = Column("Category", 0.11, lambda v: v.category)
STAGE = Column("Stage", 0.10, lambda v: v.stage)
DAYS = Column("Days in stage", 0.065, lambda v: str(v.days_in_stage), plain=True)
RAG = Column("Latest RAG", 0.075, lambda v: v.latest_rag or "—", plain=True)
NEXT = Column("Next milestone", 0.14, _next_milestone)
COHORT = Column("Programme / cohort", 0.14, lambda v: f"{v.programme}\n{v.cohort}")

COHORT_COLUMNS = (USE_CASE, INSTITUTION, PARTNERS, CATEGORY, STAGE, DAYS, RAG, NEXT)
INSTITUTION_COLUMNS = (USE_CASE, COHORT, PARTNERS, CATEGORY, STAGE, DAYS, RAG, NEXT)


def _header_row(columns: Sequence[Column]) -> list[Flowable | str]:
    return [label(escape(c.heading), HEAD_CELL) for c in columns]


def _widths(columns: Sequence[Column]) -> list[float]:
    total = sum(c.fraction for c in columns)
    return [FRAME_WIDTH * c.fraction / total for c in columns]


def use_case_chunks(views: Sequence[UseCaseView], columns: Sequence[Column]) -> list[Flowable]:
    """The table of use cases as chunks of rows with fixed widths. The first chunk carries the
    header row; on later pages the page template draws the same header (see ``_Document``)."""
    widths = _widths(columns)
    rag_index = next((i for i, c in enumerate(columns) if c is RAG), None)
    chunks: list[Flowable] = []
    for start in range(0, len(views), CHUNK_ROWS):
        part = views[start : start + CHUNK_ROWS]
        rows: list[list[Flowable | str]] = [_header_row(columns)] if start == 0 else []
        offset = len(rows)
        extra: list[tuple[Any, ...]] = [
            ("ALIGN", (i, offset), (i, -1), "RIGHT") for i, c in enumerate(columns) if c is DAYS
        ]
        for i, view in enumerate(part):
            rows.append([c.text(view) if c.plain else cell(c.text(view)) for c in columns])
            row = i + offset
            if (start + i) % 2:
                extra.append(("BACKGROUND", (0, row), (-1, row), ZEBRA))
            if rag_index is not None and view.latest_rag in RAG_FILLS:
                extra.append(
                    ("BACKGROUND", (rag_index, row), (rag_index, row), RAG_FILLS[view.latest_rag])
                )
        table = grid(rows, widths, header=start == 0, extra=extra)
        table.repeatRows = 0  # the page template repeats the header instead
        chunks.append(table)
    return chunks


# ---------------------------------------------------------------------------------------------
# Charts


def _chart_font(labels: Sequence[str]) -> str:
    return CJK_FONT if any(needs_cjk(s) for s in labels) else BASE_FONT


def _step(maximum: int) -> int:
    return max(1, math.ceil(maximum / 8))


def stage_by_category_chart(summary: Summary) -> Drawing:
    """Stacked bars: use cases in each stage, split by category."""
    matrix = summary.matrix
    legend_labels = [one_line(c, 45) for c in matrix.categories]
    font = _chart_font([*legend_labels, *matrix.stages])
    legend_height = 12 * len(legend_labels) + 6
    drawing = Drawing(FRAME_WIDTH, 210 + legend_height)
    chart = VerticalBarChart()
    chart.x, chart.y = 36, 60 + legend_height
    chart.width, chart.height = FRAME_WIDTH - 50, 140
    chart.data = [list(row) for row in matrix.counts]
    chart.categoryAxis.categoryNames = list(matrix.stages)
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    peak = max((sum(col) for col in zip(*matrix.counts, strict=True)), default=0)
    chart.valueAxis.valueMax = max(peak, 1)
    chart.valueAxis.valueStep = _step(peak)
    chart.valueAxis.labels.fontName = BASE_FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = "%d"
    for index in range(len(matrix.categories)):
        chart.bars[index].fillColor = SERIES[index % len(SERIES)]
        chart.bars[index].strokeColor = colors.white
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 36, legend_height - 2
    legend.alignment = "right"
    legend.fontName = font
    legend.fontSize = 7.5
    legend.deltay = 12
    legend.dy = legend.dx = 8
    legend.columnMaximum = max(1, len(legend_labels))
    legend.colorNamePairs = [
        (SERIES[i % len(SERIES)], name) for i, name in enumerate(legend_labels)
    ]
    drawing.add(legend)
    drawing.add(String(0, 200 + legend_height, "Use cases", fontName=BASE_FONT, fontSize=7))
    return drawing


def funnel_chart(summary: Summary) -> Drawing:
    """Horizontal bars from proposals down to production, with the counts printed."""
    steps = list(reversed(summary.funnel.steps()))
    drawing = Drawing(FRAME_WIDTH, 130)
    chart = HorizontalBarChart()
    chart.x, chart.y = 70, 14
    chart.width, chart.height = FRAME_WIDTH - 110, 105
    chart.data = [[s.count for s in steps]]
    chart.categoryAxis.categoryNames = [s.label for s in steps]
    chart.categoryAxis.labels.fontName = BASE_FONT
    chart.categoryAxis.labels.fontSize = 8
    peak = max((s.count for s in steps), default=0)
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(peak, 1)
    chart.valueAxis.valueStep = _step(peak)
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = "%d"
    chart.bars[0].fillColor = SERIES[0]
    chart.barLabelFormat = "%d"
    chart.barLabels.fontSize = 7.5
    chart.barLabels.nudge = 8
    drawing.add(chart)
    return drawing


# ---------------------------------------------------------------------------------------------
# The page shell


class _Heading(Paragraph):
    """A heading that also becomes an entry in the PDF outline."""

    def __init__(self, text: str, style: ParagraphStyle, outline: str, level: int) -> None:
        super().__init__(markup(text), style)
        self.outline_title = one_line(outline, 150)
        self.outline_level = level
        self.keepWithNext = 1


class _NumberedCanvas(Canvas):
    """Counts pages and, at the end, defines the form each footer used for the page total."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pages_shown = 0

    def showPage(self) -> None:  # noqa: N802  (reportlab's name)
        self.pages_shown += 1
        super().showPage()

    def save(self) -> None:
        self.beginForm(_PAGE_TOTAL_FORM)
        self.setFont(BASE_FONT, 7.5)
        self.setFillColor(MUTED)
        self.drawString(0, 0, str(self.pages_shown))
        self.endForm()
        super().save()


class _Document(BaseDocTemplate):
    """The page shell shared by every report: cover, body and the two table templates."""

    def __init__(
        self,
        buffer: io.BytesIO,
        *,
        title: str,
        running_title: str,
        as_at: date,
        imprint: Imprint,
        subject: str,
        columns: Sequence[Column] | None,
        progress: Callable[[str], None] | None,
    ) -> None:
        super().__init__(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=one_line(title, 400),
            author=one_line(imprint.generated_by, 200),
            subject=one_line(subject, 400),
            creator="Sandbox Tracker",
            keywords=[imprint.reference, imprint.classification],
            lang="en",
            displayDocTitle=True,
        )
        self.imprint = imprint
        self.as_at = as_at
        self.running_title = running_title
        self.progress = progress
        self._outline_keys = 0
        frame_height = PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

        def frame(name: str, height: float = frame_height) -> Frame:
            return Frame(
                MARGIN_X,
                MARGIN_BOTTOM,
                FRAME_WIDTH,
                height,
                id=name,
                leftPadding=0,
                rightPadding=0,
                topPadding=0,
                bottomPadding=0,
            )

        templates = [
            PageTemplate("cover", [frame("cover")], onPage=self._cover_page),
            PageTemplate("body", [frame("body")], onPage=self._page),
        ]
        self.table_header: Table | None = None
        if columns is not None:
            header = grid([_header_row(columns)], _widths(columns))
            _, header_height = header.wrap(FRAME_WIDTH, frame_height)
            self.table_header = header
            templates += [
                PageTemplate(
                    "table-first",
                    [frame("table-first")],
                    onPage=self._page,
                    autoNextPageTemplate="table-next",
                ),
                PageTemplate(
                    "table-next",
                    [frame("table-next", frame_height - header_height)],
                    onPage=self._table_page,
                    autoNextPageTemplate="table-next",
                ),
            ]
        self.addPageTemplates(templates)

    # Page decoration ---------------------------------------------------------------------

    def _mark(self, canvas: Canvas, y: float) -> None:
        mark = para(self.imprint.classification, MARK, limit=80)
        mark.wrapOn(canvas, FRAME_WIDTH, 20)
        mark.drawOn(canvas, MARGIN_X, y)

    def _footer(self, canvas: Canvas) -> None:
        imprint = self.imprint
        y = MARGIN_BOTTOM - 12
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, y + 9, PAGE_WIDTH - MARGIN_X, y + 9)
        left = label(
            f"Reference <b>{escape(imprint.reference)}</b> · issued "
            f"{escape(_time(imprint.generated_at))} ({escape(imprint.timezone)})",
            RUNNING,
        )
        left.wrapOn(canvas, FRAME_WIDTH * 0.75, 12)
        left.drawOn(canvas, MARGIN_X, y)
        canvas.setFont(BASE_FONT, 7.5)
        canvas.setFillColor(MUTED)
        slot = canvas.stringWidth("0000", BASE_FONT, 7.5)
        text = f"Page {canvas.getPageNumber()} of "
        x = PAGE_WIDTH - MARGIN_X - slot - canvas.stringWidth(text, BASE_FONT, 7.5)
        canvas.drawString(x, y + 1.5, text)
        canvas.saveState()
        canvas.translate(PAGE_WIDTH - MARGIN_X - slot, y + 1.5)
        canvas.doForm(_PAGE_TOTAL_FORM)
        canvas.restoreState()
        self._mark(canvas, 8 * mm)

    def _cover_page(self, canvas: Canvas, _doc: BaseDocTemplate) -> None:
        canvas.showOutline()  # open the outline panel in viewers that honour it
        canvas.saveState()
        self._mark(canvas, PAGE_HEIGHT - 14 * mm)
        self._footer(canvas)
        canvas.restoreState()

    def _page(self, canvas: Canvas, _doc: BaseDocTemplate) -> None:
        canvas.saveState()
        self._mark(canvas, PAGE_HEIGHT - 12 * mm)
        top = PAGE_HEIGHT - MARGIN_TOP + 6
        title = para(self.running_title, RUNNING, limit=110)
        title.wrapOn(canvas, FRAME_WIDTH * 0.78, 12)
        title.drawOn(canvas, MARGIN_X, top + 2)
        as_at = label(f"As at {_day(self.as_at)}", RUNNING_RIGHT)
        as_at.wrapOn(canvas, FRAME_WIDTH * 0.22, 12)
        as_at.drawOn(canvas, MARGIN_X + FRAME_WIDTH * 0.78, top + 2)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, top, PAGE_WIDTH - MARGIN_X, top)
        self._footer(canvas)
        canvas.restoreState()
        page = canvas.getPageNumber()
        if self.progress is not None and page % 25 == 0:
            self.progress(f"{page} pages laid out")

    def _table_page(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        self._page(canvas, doc)
        if self.table_header is not None:
            _, height = self.table_header.wrap(FRAME_WIDTH, PAGE_HEIGHT)
            self.table_header.drawOn(canvas, MARGIN_X, PAGE_HEIGHT - MARGIN_TOP - height)

    # Outline -----------------------------------------------------------------------------

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802  (reportlab's name)
        if isinstance(flowable, _Heading):
            self._outline_keys += 1
            key = f"s{self._outline_keys}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(
                flowable.outline_title, key, level=flowable.outline_level, closed=True
            )


# ---------------------------------------------------------------------------------------------
# Story parts shared by the reports


def _cover(
    kind_label: str, subtitle: str, pairs: Sequence[tuple[str, str]], imprint: Imprint, as_at: date
) -> list[Flowable]:
    rows = [
        *pairs,
        ("As at", f"{_day(as_at)} (end of day, {imprint.timezone})"),
        ("Generated", f"{_time(imprint.generated_at)} ({imprint.timezone})"),
        ("Generated by", imprint.generated_by),
        ("Reference", imprint.reference),
        ("Classification", imprint.classification),
    ]
    return [
        Spacer(1, 30 * mm),
        _Heading(kind_label, COVER_TITLE, f"{kind_label}: cover", 0),
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
    ]


def _summary_sentence(summary: Summary, noun: str) -> str:
    f = summary.funnel
    return (
        f"{summary.total} use case{'s' if summary.total != 1 else ''} on record in this {noun}: "
        f"{f.proposals} submitted as proposals, {f.selected} selected, {f.pilot} piloted and "
        f"{f.production} approved for production."
    )


def _funnel_table(summary: Summary) -> Table:
    steps = summary.funnel.steps()
    rows: list[list[Flowable | str]] = [["Step", "Use cases", "Of previous step"]]
    previous: int | None = None
    for step in steps:
        share = "—" if previous is None else _share(step.count, previous)
        rows.append([step.label, str(step.count), share])
        previous = step.count
    return grid(
        rows,
        [FRAME_WIDTH * 0.5, FRAME_WIDTH * 0.2, FRAME_WIDTH * 0.2],
        extra=[("ALIGN", (1, 1), (-1, -1), "RIGHT")],
    )


def _executive_summary(summary: Summary, noun: str, level: int = 0) -> list[Flowable]:
    story: list[Flowable] = [
        _Heading("Executive summary", H1 if level == 0 else H2, "Executive summary", level),
        label(escape(_summary_sentence(summary, noun))),
        label("Use cases by stage", H3),
        counts_table("Stage", summary.by_stage, summary.total),
        label("Use cases by category", H3),
        counts_table("Category", summary.by_category, summary.total),
        label("From proposal to production", H3),
        _funnel_table(summary),
    ]
    return story


def _charts(summary: Summary) -> list[Flowable]:
    story: list[Flowable] = [CondPageBreak(90 * mm), _Heading("Charts", H1, "Charts", 0)]
    if summary.total == 0:
        return [*story, label("No use cases on record at this date, so there is nothing to chart.")]
    return [
        *story,
        KeepTogether(
            [
                label("Use cases by stage and category", H3),
                stage_by_category_chart(summary),
                label(
                    "Each bar is a stage; its segments are the categories, in the order of the "
                    "legend. The stage table above gives the exact counts.",
                    SMALL,
                ),
            ]
        ),
        KeepTogether([label("Funnel from proposal to production", H3), funnel_chart(summary)]),
    ]


def _use_case_table(
    title: str, outline: str, level: int, views: Sequence[UseCaseView], columns: Sequence[Column]
) -> list[Flowable]:
    style = H1 if level == 0 else H2
    story: list[Flowable] = [
        NextPageTemplate("table-first"),
        PageBreak(),
        _Heading(title, style, outline, level),
    ]
    if not views:
        story.append(label("No use cases on record at this date."))
    else:
        story.append(
            label(
                "Days in stage count from the last change of stage to the as-at date. "
                "Latest RAG is the red/amber/green status of the latest progress return filed.",
                SMALL,
            )
        )
        story += use_case_chunks(views, columns)
    story += [NextPageTemplate("body"), PageBreak()]
    return story


def _milestones(rows: Sequence[MilestoneRow]) -> Flowable:
    if not rows:
        return label("No milestones recorded.", SMALL)
    return simple_table(
        ["Milestone", "Planned", "Completed", "Status"],
        [
            [
                m.title,
                _day(m.planned_on),
                _day(m.actual_on),
                m.status + (" (overdue)" if m.overdue else ""),
            ]
            for m in rows
        ],
        [0.52, 0.15, 0.15, 0.18],
        plain=(1, 2, 3),
    )


def _history(view: UseCaseView) -> list[Flowable]:
    if not view.history:
        return [label("No change of stage recorded: still a draft at this date.", SMALL)]
    story: list[Flowable] = [
        simple_table(
            ["When", "From", "To", "By", "Reason or note"],
            [
                [_time(e.at), e.from_stage or "—", e.to_stage, e.actor, e.reason or "—"]
                for e in view.history
            ],
            [0.17, 0.14, 0.14, 0.17, 0.38],
            plain=(0, 1, 2),
        )
    ]
    for e in view.history:
        if len(e.reason) > MAX_CELL_CHARS:
            story.append(para(f"In full, {_time(e.at)} ({e.to_stage}): {e.reason}", SMALL))
    return story


def _return(r: ReturnView, heading: str) -> list[Flowable]:
    story: list[Flowable] = [
        label(escape(heading), H3),
        facts(
            [
                ("Period", f"{_day(r.period_start)} to {_day(r.period_end)}"),
                ("Status (RAG)", r.rag),
                ("Submitted", _time(r.submitted_at)),
                ("Attested by", r.attested_by),
            ]
        ),
        Spacer(1, 3),
        para(r.narrative),
    ]
    if r.kpis:
        story.append(simple_table(["KPI", "Value"], [[k.kpi, k.value] for k in r.kpis], [0.6, 0.4]))
    else:
        story.append(label("No KPI values reported.", SMALL))
    return story


def _incidents(rows: Sequence[IncidentRow], empty: str) -> list[Flowable]:
    if not rows:
        return [label(escape(empty), SMALL)]
    story: list[Flowable] = []
    for i in rows:
        story.append(
            label(
                f"<b>{escape(i.severity)} severity</b> · occurred {escape(_day(i.occurred_on))} · "
                f"reported {escape(_day(i.reported_on))} · "
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


def _view_facts(view: UseCaseView, with_cohort: bool) -> Table:
    pairs = [
        ("Institution", view.institution),
        ("Partners", ", ".join(view.partners) or "—"),
        ("Category", view.category),
        ("Stage", f"{view.stage} since {_day(view.stage_since)} ({view.days_in_stage} days)"),
        ("Latest RAG", view.latest_rag or "No progress return filed"),
    ]
    if with_cohort:
        pairs.insert(0, ("Programme / cohort", f"{view.programme} — {view.cohort}"))
    return facts(pairs)


def _section(view: UseCaseView, *, with_cohort: bool) -> list[Flowable]:
    """One use case in a cohort or institution report."""
    heading = f"{view.reference} · {view.title}"
    story: list[Flowable] = [
        CondPageBreak(70 * mm),
        _Heading(heading, H2, heading, 1),
        _view_facts(view, with_cohort),
        Spacer(1, 4),
        para(view.summary or "No summary given."),
        KeepTogether([label("Stage history", H3), *_history(view)]),
        KeepTogether([label("Milestones", H3), _milestones(view.milestones)]),
    ]
    if view.latest_return is not None:
        story += _return(view.latest_return, "Latest progress return")
    else:
        story += [label("Latest progress return", H3), label("No progress return filed.", SMALL)]
    story += [label("Open incidents", H3), *_incidents(view.open_incidents, "No open incidents.")]
    return story


def _sections(
    views: Sequence[UseCaseView], *, with_cohort: bool, progress: Callable[[str], None] | None
) -> list[Flowable]:
    story: list[Flowable] = [_Heading("Use cases in detail", H1, "Use cases in detail", 0)]
    if not views:
        story.append(label("No use cases on record at this date."))
    for index, view in enumerate(views, start=1):
        story += _section(view, with_cohort=with_cohort)
        if progress is not None and index % 250 == 0:
            progress(f"{index} of {len(views)} use-case sections prepared")
    return story


def _breakdown(title: str, rows: Sequence[BreakdownRow]) -> list[Flowable]:
    return [
        label(escape(title), H3),
        simple_table(
            [
                title.split(" by ")[-1].capitalize(),
                "Use cases",
                "Proposals",
                "Selected",
                "Pilot",
                "Production",
            ],
            [
                [
                    r.label,
                    str(r.total),
                    str(r.proposals),
                    str(r.selected),
                    str(r.pilot),
                    str(r.production),
                ]
                for r in rows
            ],
            [0.4, 0.12, 0.12, 0.12, 0.12, 0.12],
            plain=(1, 2, 3, 4, 5),
        ),
    ]


def _cohort_pairs(c: CohortFacts) -> list[tuple[str, str]]:
    return [
        ("Cohort status (as recorded today)", c.status),
        ("Applications", f"{_day(c.applications_open_on)} to {_day(c.applications_close_on)}"),
        ("Selection", _day(c.selection_on)),
        ("Pilot period", f"{_day(c.pilot_starts_on)} to {_day(c.pilot_ends_on)}"),
    ]


# ---------------------------------------------------------------------------------------------
# The four reports


def _cohort_story(
    report: CohortReport, imprint: Imprint, progress: Callable[[str], None] | None
) -> list[Flowable]:
    return [
        *_cover(
            "Cohort progress report",
            f"{report.programme} — {report.cohort.name}",
            [
                ("Programme", report.programme),
                ("Lead regulator", report.lead_regulator),
                ("Cohort", report.cohort.name),
                *_cohort_pairs(report.cohort),
            ],
            imprint,
            report.as_at,
        ),
        NextPageTemplate("body"),
        PageBreak(),
        *_executive_summary(report.summary, "cohort"),
        *_charts(report.summary),
        *_use_case_table(
            "Use cases at a glance", "Use cases at a glance", 0, report.use_cases, COHORT_COLUMNS
        ),
        *_sections(report.use_cases, with_cohort=False, progress=progress),
    ]


def _cohort_row(section: CohortSection) -> list[str]:
    funnel = section.summary.funnel
    return [
        section.facts.name,
        section.facts.status,
        str(section.summary.total),
        *(str(n) for n in (funnel.proposals, funnel.selected, funnel.pilot, funnel.production)),
    ]


def _programme_story(
    report: ProgrammeReport, imprint: Imprint, progress: Callable[[str], None] | None
) -> list[Flowable]:
    story: list[Flowable] = [
        *_cover(
            "Programme report",
            report.programme,
            [
                ("Programme", report.programme),
                ("Lead regulator", report.lead_regulator),
                ("Regulators", ", ".join(report.regulators)),
                ("Sectors", ", ".join(report.sectors) or "—"),
                ("Cohorts", str(len(report.cohorts))),
            ],
            imprint,
            report.as_at,
        ),
        NextPageTemplate("body"),
        PageBreak(),
        *_executive_summary(report.summary, "programme"),
    ]
    if report.description:
        story += [label("About the programme", H3), para(report.description)]
    story += [
        label("Cohorts", H3),
        simple_table(
            ["Cohort", "Status", "Use cases", "Proposals", "Selected", "Pilot", "Production"],
            [_cohort_row(s) for s in report.cohorts],
            [0.3, 0.16, 0.1, 0.11, 0.11, 0.1, 0.12],
            plain=(1, 2, 3, 4, 5, 6),
        ),
    ]
    if report.by_regulator is not None and report.by_sector is not None:
        story += [
            CondPageBreak(60 * mm),
            _Heading("By regulator and sector", H1, "By regulator and sector", 0),
            label(
                "The programme is run by several regulators. Use cases are counted under the "
                "regulator that supervises the lead institution, and under its sector.",
                SMALL,
            ),
            *_breakdown("Use cases by regulator", report.by_regulator),
            *_breakdown("Use cases by sector", report.by_sector),
        ]
    story += _charts(report.summary)
    for index, section in enumerate(report.cohorts, start=1):
        story += _use_case_table(
            f"Cohort: {section.facts.name}",
            f"Cohort: {section.facts.name}",
            0,
            section.use_cases,
            COHORT_COLUMNS,
        )
        story += [
            label(escape("Cohort summary"), H2),
            facts(_cohort_pairs(section.facts)),
            counts_table("Stage", section.summary.by_stage, section.summary.total),
        ]
        if progress is not None:
            progress(f"cohort {index} of {len(report.cohorts)} prepared")
    return story


def _institution_story(
    report: InstitutionReport, imprint: Imprint, progress: Callable[[str], None] | None
) -> list[Flowable]:
    return [
        *_cover(
            "Institution report",
            report.institution,
            [
                ("Institution", report.institution),
                ("Kind", report.institution_kind),
                ("Supervised by", report.regulator or "—"),
                ("Scope", report.scope),
            ],
            imprint,
            report.as_at,
        ),
        NextPageTemplate("body"),
        PageBreak(),
        *_executive_summary(report.summary, "report"),
        *_charts(report.summary),
        *_use_case_table(
            "Use cases at a glance",
            "Use cases at a glance",
            0,
            report.use_cases,
            INSTITUTION_COLUMNS,
        ),
        *_sections(report.use_cases, with_cohort=True, progress=progress),
    ]


def _use_case_story(report: UseCaseReport, imprint: Imprint) -> list[Flowable]:
    view = report.use_case
    details = view.details
    assert details is not None, "use-case reports are built with details"
    story: list[Flowable] = [
        *_cover(
            "Use-case report",
            f"{view.reference} · {view.title}",
            [
                ("Use case", f"{view.reference} · {view.title}"),
                ("Institution", view.institution),
                ("Programme / cohort", f"{view.programme} — {view.cohort}"),
                ("Stage", view.stage),
            ],
            imprint,
            report.as_at,
        ),
        NextPageTemplate("body"),
        PageBreak(),
        _Heading("Summary", H1, "Summary", 0),
        _view_facts(view, with_cohort=True),
        Spacer(1, 4),
        para(view.summary or "No summary given."),
        _Heading("Proposal", H1, "Proposal", 0),
        facts(
            [
                ("Technique", details.technique),
                ("Audience", details.audience),
                ("Personal data", "Yes" if details.personal_data else "No"),
                (
                    "GPU hours requested",
                    "—" if details.gpu_hours is None else str(details.gpu_hours),
                ),
            ]
        ),
        label("Problem statement", H3),
        para(details.problem_statement or "—"),
        label("Data used", H3),
        para(details.data_used or "—"),
        label("Safeguards", H3),
        para(details.safeguards or "—"),
        label("KPIs", H3),
        para("\n".join(details.kpis) or "None set."),
        _Heading("Stage history", H1, "Stage history", 0),
        *_history(view),
        _Heading("Milestones", H1, "Milestones", 0),
        _milestones(view.milestones),
    ]
    if details.pilot_terms is not None:
        terms = details.pilot_terms
        story += [
            _Heading("Pilot terms", H1, "Pilot terms", 0),
            facts(
                [
                    ("Pilot started", _day(terms.started_on)),
                    ("Duration", f"{terms.duration_weeks} weeks" if terms.duration_weeks else "—"),
                ]
            ),
            label("Limits", H3),
            para(terms.limits or "—"),
            label("Data scope", H3),
            para(terms.data_scope or "—"),
        ]
    story.append(_Heading("Progress returns", H1, "Progress returns", 0))
    if not details.returns:
        story.append(label("No progress return filed by this date."))
    for r in reversed(details.returns):
        story += _return(r, f"Return for {_day(r.period_start)} to {_day(r.period_end)}")
    story += [
        _Heading("Incidents", H1, "Incidents", 0),
        *_incidents(details.incidents, "No incidents reported by this date."),
        _Heading("Edits after submission", H1, "Edits after submission", 0),
    ]
    if not details.edits:
        story.append(label("No edits recorded.", SMALL))
    for e in details.edits:
        story += [
            label(f"<b>{escape(e.field)}</b> · {escape(_time(e.at))} · {markup(e.actor)}", BODY),
            para(f"Before: {e.old_value or '—'}", SMALL),
            para(f"After: {e.new_value or '—'}", SMALL),
        ]
    if details.exit_report is not None:
        exit_report = details.exit_report
        story += [
            _Heading("Exit report", H1, "Exit report", 0),
            label("Outcome", H3),
            para(exit_report.outcome or "—"),
            label("Lessons learned", H3),
            para(exit_report.lessons or "—"),
            label("Conditions of production", H3),
            para(exit_report.conditions or "—"),
        ]
    return story


def render(
    report: ReportData,
    imprint: Imprint,
    *,
    cjk_font: str,
    progress: Callable[[str], None] | None = None,
) -> bytes:
    """The PDF of ``report`` with ``imprint`` on every page."""
    register_fonts(cjk_font)
    columns: Sequence[Column] | None
    story: list[Flowable]
    if isinstance(report, CohortReport):
        running = f"Cohort progress report · {report.programme} — {report.cohort.name}"
        columns = COHORT_COLUMNS
        story = _cohort_story(report, imprint, progress)
    elif isinstance(report, ProgrammeReport):
        running = f"Programme report · {report.programme}"
        columns = COHORT_COLUMNS
        story = _programme_story(report, imprint, progress)
    elif isinstance(report, InstitutionReport):
        running = f"Institution report · {report.institution}"
        columns = INSTITUTION_COLUMNS
        story = _institution_story(report, imprint, progress)
    else:
        running = f"Use-case report · {report.use_case.reference} {report.use_case.title}"
        columns = None
        story = _use_case_story(report, imprint)
    buffer = io.BytesIO()
    document = _Document(
        buffer,
        title=report.title,
        running_title=running,
        as_at=report.as_at,
        imprint=imprint,
        subject=f"{report.kind.label} as at {_day(report.as_at)} · {imprint.reference} · "
        f"{imprint.classification}",
        columns=columns,
        progress=progress,
    )
    if progress is not None:
        progress("laying out pages")
    document.build(story, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()
