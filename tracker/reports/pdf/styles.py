"""Page geometry, colours and paragraph styles shared by every report."""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph

from tracker.reports.pdf.fonts import BASE_FONT, BOLD_FONT
from tracker.reports.pdf.text import app_markup, markup, needs_cjk

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 22 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
FRAME_HEIGHT = PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

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

CELL_SIZE = 7.5
CELL_LEADING = 9.2


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
BODY_AFTER_TABLE = _style("bodyaftertable", spaceBefore=4)
SMALL = _style("small", fontSize=7.5, leading=9.5, textColor=MUTED)
H1 = _style("h1", fontName=BOLD_FONT, fontSize=15, leading=19, spaceBefore=4, spaceAfter=8)
H2 = _style("h2", fontName=BOLD_FONT, fontSize=11.5, leading=14, spaceBefore=10, spaceAfter=4)
H3 = _style("h3", fontName=BOLD_FONT, fontSize=9.5, leading=12, spaceBefore=6, spaceAfter=2)
COVER_TITLE = _style("cover", fontName=BOLD_FONT, fontSize=22, leading=27, spaceAfter=6)
COVER_SUB = _style("coversub", fontSize=13, leading=17, spaceAfter=18)
CELL = _style("cell", fontSize=CELL_SIZE, leading=CELL_LEADING, spaceAfter=0)
HEAD_CELL = _style("headcell", parent=CELL, fontName=BOLD_FONT)
MARK = _style("mark", fontName=BOLD_FONT, fontSize=8.5, leading=10, alignment=TA_CENTER)
RUNNING = _style("running", fontSize=7.5, leading=9, textColor=MUTED, spaceAfter=0)
RUNNING_RIGHT = _style("runningright", parent=RUNNING, alignment=TA_RIGHT)


_CJK_STYLES: dict[str, ParagraphStyle] = {}


def cjk(style: ParagraphStyle) -> ParagraphStyle:
    """``style`` wrapping as Chinese text wraps: between any two characters (there are no
    spaces between words), with reportlab's rules for punctuation at line ends."""
    found = _CJK_STYLES.get(style.name)
    if found is None:
        found = _CJK_STYLES[style.name] = ParagraphStyle(
            f"{style.name}-cjk", parent=style, wordWrap="CJK"
        )
    return found


def wrapped(text: str, style: ParagraphStyle) -> ParagraphStyle:
    """The style for ``text``: the CJK-wrapping one when it holds Chinese (or other text the
    base font cannot draw)."""
    return cjk(style) if needs_cjk(text) else style


def para(text: str | None, style: ParagraphStyle = BODY, limit: int | None = None) -> Paragraph:
    """A paragraph of user text (escaped)."""
    content = markup(text, limit)
    return Paragraph(content, wrapped(content, style))


def label(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of the application's own markup (never user text); Chinese runs (a Chinese
    report's text) are set in the CJK font."""
    content = app_markup(str(text))
    return Paragraph(content, wrapped(content, style))


class Roomy(Paragraph):
    """A heading that goes to the next page when less than ``room`` is left where it would
    start: a CondPageBreak before it, in one flowable (a report has thousands of headings)."""

    def __init__(self, text: str, style: ParagraphStyle, room: float = 0.0) -> None:
        content = app_markup(str(text))
        super().__init__(content, wrapped(content, style))
        self.room = room

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        width, height = super().wrap(available_width, available_height)
        # Reported as too tall for the space left, and ``split`` refuses: the frame moves it on.
        return width, available_height + 1 if available_height < self.room else height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        # Never split: a heading goes whole to the next page (and Paragraph.split would rebuild
        # the pieces with this class's constructor, which takes other arguments).
        return []


def subheading(text: str, room: float = 25 * mm) -> Roomy:
    """An H3 of the application's own text that starts a new page when less than ``room`` is
    left. Not ``keepWithNext``: reportlab would then move a long table or text that follows to
    the next page whole, leaving the rest of this one empty."""
    return Roomy(text, H3, room)
