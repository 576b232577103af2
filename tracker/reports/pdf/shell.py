"""The page shell every report shares: cover and body pages with the classification marking,
running header and footer ("Page N of M"), a repeated table header, the outline, a contents page
and the document metadata. Each report only supplies its story (see ``tracker.reports.layout``).

Decorations that are the same on every page are drawn once into PDF form XObjects and placed on
each page; only the page number is drawn per page. Page numbers that are not known until the end
(the total, and those on the contents page) are forms defined when the document is saved, so a
report is laid out in one pass.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Table,
)
from reportlab.platypus.paragraph import ParagraphStyle

from tracker.i18n import gettext as _
from tracker.i18n import html_lang
from tracker.reports.data import Imprint
from tracker.reports.pdf.fonts import BASE_FONT, CJK_FONT
from tracker.reports.pdf.styles import (
    BODY,
    FRAME_HEIGHT,
    FRAME_WIDTH,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    MARK,
    MUTED,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RULE,
    RUNNING,
    RUNNING_RIGHT,
    Roomy,
    label,
    para,
)
from tracker.reports.pdf.text import day, markup, moment, needs_cjk, one_line, zone

# Nothing in a report is ever fetched: no URL scheme and no host is trusted. (Local paths are
# kept out by escaping every user string, so no <img> tag can reach the parser.)
rl_config.trustedHosts = []
rl_config.trustedSchemes = []

_PAGE_TOTAL = "TrackerPageTotal"
_COVER = "TrackerCover"
_BODY = "TrackerBody"
_TABLE_HEADER = "TrackerTableHeader"
_FOOTER_Y = MARGIN_BOTTOM - 12
_keys = itertools.count(1)


class Heading(Roomy):
    """A heading that becomes an entry in the PDF outline and, at level 0, in the contents;
    it starts a new page when less than ``room`` is left below it."""

    def __init__(
        self,
        text: str,
        style: ParagraphStyle,
        outline: str | None = None,
        level: int = 0,
        *,
        in_contents: bool | None = None,
        room: float = 0.0,
    ) -> None:
        super().__init__(markup(text), style, room)
        self.outline_title = one_line(outline or text, 150)
        self.outline_level = level
        self.in_contents = level == 0 if in_contents is None else in_contents
        self.key = f"h{next(_keys)}"
        self.page: int | None = None
        # Not keepWithNext: reportlab would keep the heading with all that follows, moving a
        # long table to the next page whole; ``room`` keeps space for a start instead.
        self.keepWithNext = 0


class Contents(Flowable):
    """The contents: one line per heading, linked to it, with the page it falls on."""

    LINE = 17.0

    def __init__(self, entries: Sequence[Heading]) -> None:
        super().__init__()
        self.entries = list(entries)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self.LINE * len(self.entries)

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        fits = int(available_height // self.LINE)
        if fits < 1 or fits >= len(self.entries):
            return []
        return [Contents(self.entries[:fits]), Contents(self.entries[fits:])]

    def draw(self) -> None:
        canvas = self.canv
        width = self.width
        for index, heading in enumerate(self.entries):
            y = self.LINE * (len(self.entries) - index - 1) + 4
            title = Paragraph(markup(one_line(heading.outline_title, 95)), BODY)
            title.wrapOn(canvas, width - 40, self.LINE)
            title.drawOn(canvas, 0, y)
            canvas.setStrokeColor(RULE)
            canvas.setLineWidth(0.3)
            canvas.setDash(1, 2)
            canvas.line(
                min(title.getActualLineWidths0()[0] + 4, width - 44), y + 2, width - 26, y + 2
            )
            canvas.setDash()
            canvas.saveState()
            canvas.translate(width, y + 1.5)
            canvas.doForm(_page_form(heading))
            canvas.restoreState()
            canvas.linkRect("", heading.key, (0, y - 2, width, y + self.LINE - 4), relative=1)
            _NumberedCanvas.wanted(canvas, heading)


def _page_form(heading: Heading) -> str:
    return f"TrackerPageOf{heading.key}"


class _NumberedCanvas(Canvas):
    """Counts pages and, when saved, defines the forms for page numbers known only at the end:
    the total in every footer and the page of each contents entry."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pages_shown = 0
        self.contents_entries: list[Heading] = []

    @staticmethod
    def wanted(canvas: Canvas, heading: Heading) -> None:
        if isinstance(canvas, _NumberedCanvas):
            canvas.contents_entries.append(heading)

    def showPage(self) -> None:  # noqa: N802  (reportlab's name)
        self.pages_shown += 1
        super().showPage()

    def save(self) -> None:
        self.beginForm(_PAGE_TOTAL)
        self.setFont(BASE_FONT, 7.5)
        self.setFillColor(MUTED)
        self.drawString(0, 0, str(self.pages_shown))
        self.endForm()
        for heading in {h.key: h for h in self.contents_entries}.values():
            # Right-aligned at the form's origin, so the box extends to the left of it.
            self.beginForm(_page_form(heading), lowerx=-60, lowery=-5, upperx=0, uppery=15)
            self.setFont(BASE_FONT, 9)
            self.drawRightString(0, 0, str(heading.page) if heading.page else "—")
            self.endForm()
        super().save()


class Document(BaseDocTemplate):
    """The page templates "cover", "body" and "table" (a body page that repeats
    ``table_header`` at the top, for pages a long table continues on)."""

    def __init__(
        self,
        buffer: io.BytesIO,
        *,
        title: str,
        running_title: str,
        as_at: date,
        imprint: Imprint,
        subject: str,
        table_header: Table | None,
        progress: Callable[[str], None] | None,
        language: str = "en",
    ) -> None:
        super().__init__(
            buffer,
            pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=one_line(title, 400),
            author=one_line(imprint.generated_by, 200),
            subject=one_line(subject, 400),
            creator="Sandbox Tracker",
            keywords=[imprint.reference, imprint.classification],
            lang=html_lang(language),
            displayDocTitle=True,
        )
        self.imprint = imprint
        self.as_at = as_at
        self.running_title = running_title
        self.progress = progress
        self.table_header = table_header
        self.header_height = 0.0
        if table_header is not None:
            _width, self.header_height = table_header.wrap(FRAME_WIDTH, FRAME_HEIGHT)

        def frame(name: str, height: float = FRAME_HEIGHT) -> Frame:
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

        self.addPageTemplates(
            [
                PageTemplate("cover", [frame("cover")], onPage=self._cover_page),
                PageTemplate("body", [frame("body")], onPage=self._page),
                PageTemplate(
                    "table",
                    [frame("table", FRAME_HEIGHT - self.header_height)],
                    onPage=self._table_page,
                    autoNextPageTemplate="table",
                ),
            ]
        )

    def build_story(self, story: list[Flowable]) -> None:
        self.build(story, canvasmaker=_NumberedCanvas)

    # Decorations, drawn once -------------------------------------------------------------

    def beforeDocument(self) -> None:  # noqa: N802  (reportlab's name)
        canvas = self.canv
        canvas.beginForm(_COVER)
        self._mark(canvas, PAGE_HEIGHT - 14 * mm)
        self._footer(canvas)
        canvas.endForm()
        canvas.beginForm(_BODY)
        self._mark(canvas, PAGE_HEIGHT - 12 * mm)
        top = PAGE_HEIGHT - MARGIN_TOP + 6
        title = para(self.running_title, RUNNING, limit=110)
        title.wrapOn(canvas, FRAME_WIDTH * 0.78, 12)
        title.drawOn(canvas, MARGIN_X, top + 2)
        as_at = label(escape(_("As at %(day)s", day=day(self.as_at))), RUNNING_RIGHT)
        as_at.wrapOn(canvas, FRAME_WIDTH * 0.22, 12)
        as_at.drawOn(canvas, MARGIN_X + FRAME_WIDTH * 0.78, top + 2)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, top, PAGE_WIDTH - MARGIN_X, top)
        self._footer(canvas)
        canvas.endForm()
        if self.table_header is not None:
            canvas.beginForm(_TABLE_HEADER)
            self.table_header.drawOn(
                canvas, MARGIN_X, PAGE_HEIGHT - MARGIN_TOP - self.header_height
            )
            canvas.endForm()

    def _mark(self, canvas: Canvas, y: float) -> None:
        mark = para(self.imprint.classification, MARK, limit=80)
        mark.wrapOn(canvas, FRAME_WIDTH, 20)
        mark.drawOn(canvas, MARGIN_X, y)

    def _footer(self, canvas: Canvas) -> None:
        imprint = self.imprint
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, _FOOTER_Y + 9, PAGE_WIDTH - MARGIN_X, _FOOTER_Y + 9)
        left = label(
            _(
                "Reference <b>%(reference)s</b> · issued %(moment)s (%(zone)s)",
                reference=escape(imprint.reference),
                moment=escape(moment(imprint.generated_at)),
                zone=escape(zone(imprint.timezone)),
            ),
            RUNNING,
        )
        left.wrapOn(canvas, FRAME_WIDTH * 0.75, 12)
        left.drawOn(canvas, MARGIN_X, _FOOTER_Y)
        self._mark(canvas, 8 * mm)

    def _page_number(self, canvas: Canvas) -> None:
        # "Page 3 of " and the total, a form defined once the last page is known.
        text = _("Page %(page)d of %(total)s", page=canvas.getPageNumber(), total="\x00")
        text, _total, after = text.partition("\x00")
        font = CJK_FONT if needs_cjk(text + after) else BASE_FONT
        canvas.setFont(font, 7.5)
        canvas.setFillColor(MUTED)
        slot = canvas.stringWidth("0000", BASE_FONT, 7.5)
        # Words after the total (Chinese 頁) end the line; the total's slot is before them.
        right = PAGE_WIDTH - MARGIN_X - canvas.stringWidth(after, font, 7.5)
        if after:
            canvas.drawString(right, _FOOTER_Y + 1.5, after)
        x = right - slot - canvas.stringWidth(text, font, 7.5)
        canvas.drawString(x, _FOOTER_Y + 1.5, text)
        canvas.translate(right - slot, _FOOTER_Y + 1.5)
        canvas.doForm(_PAGE_TOTAL)

    def _cover_page(self, canvas: Canvas, _doc: BaseDocTemplate) -> None:
        canvas.showOutline()  # open the outline panel in viewers that honour it
        canvas.saveState()
        canvas.doForm(_COVER)
        self._page_number(canvas)
        canvas.restoreState()

    def _page(self, canvas: Canvas, _doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.doForm(_BODY)
        self._page_number(canvas)
        canvas.restoreState()
        page = canvas.getPageNumber()
        if self.progress is not None and page % 25 == 0:
            self.progress(f"{page} pages laid out")

    def _table_page(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        self._page(canvas, doc)
        canvas.doForm(_TABLE_HEADER)

    # Outline and contents ----------------------------------------------------------------

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802  (reportlab's name)
        if isinstance(flowable, Heading):
            flowable.page = self.page
            self.canv.bookmarkPage(flowable.key)
            self.canv.addOutlineEntry(
                flowable.outline_title, flowable.key, level=flowable.outline_level, closed=True
            )


def contents_entries(story: Sequence[Flowable]) -> list[Heading]:
    """The headings of ``story`` that belong in its contents."""
    return [f for f in story if isinstance(f, Heading) and f.in_contents]
