"""Tables with fixed column widths. Short cells are plain strings wrapped at word boundaries
(``Table`` draws them without parsing markup, which is most of a ``Paragraph``'s cost); a cell
becomes a ``Paragraph`` only when it needs the CJK font or has a word wider than its column."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeAlias, TypeVar

from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle
from reportlab.platypus.tables import CellStyle, _setCellStyle

from tracker.i18n import gettext as _
from tracker.reports.pdf.fonts import BASE_FONT, BOLD_FONT
from tracker.reports.pdf.styles import (
    CELL,
    CELL_LEADING,
    CELL_SIZE,
    FRAME_WIDTH,
    HEAD_CELL,
    HEADER_FILL,
    INK,
    RULE,
    ZEBRA,
    cjk,
)
from tracker.reports.pdf.text import clean, cut, markup, needs_cjk, share

# A table row must fit on one page, so cell text is bounded; text that can be longer (reasons,
# narratives, pilot terms) is also printed in full outside tables.
MAX_CELL_CHARS = 600
PADDING = 3

Cell: TypeAlias = Flowable | str


class _CellStyle(CellStyle):
    """Every cell starts from the table text settings. Setting them here rather than by
    TableStyle commands saves applying nine commands to every cell of every table."""

    fontname = BASE_FONT
    fontsize = CELL_SIZE
    leading = CELL_LEADING
    color = INK
    valign = "TOP"
    leftPadding = rightPadding = PADDING  # noqa: N815  (reportlab's names)
    topPadding = bottomPadding = 2  # noqa: N815


# The table commands that set a cell's own style (what reportlab's ``_setCellStyle`` reads);
# the others (lines, backgrounds, spans) reportlab keeps once per table.
_CELL_OPS = frozenset(
    {"FONT", "FONTNAME", "FACE", "SIZE", "FONTSIZE", "LEADING", "TEXTCOLOR", "ALIGN"}
    | {"ALIGNMENT", "VALIGN", "LEFTPADDING", "RIGHTPADDING", "TOPPADDING", "BOTTOMPADDING"}
    | {"HREF", "DESTINATION", "DIRECTION", "SHAPING"}
)
_LINES = [("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE)]
_HEADER = [
    ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
    ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
    ("FONTNAME", (0, 0), (-1, 0), BOLD_FONT),
]


def fit(text: str | None, width: float, *, bold: bool = False, limit: int = MAX_CELL_CHARS) -> Cell:
    """A cell of ``width`` points holding ``text`` (user text or the application's own)."""
    text = cut(clean(text), limit)
    font = BOLD_FONT if bold else BASE_FONT
    room = width - 2 * PADDING
    if not needs_cjk(text):
        lines = simpleSplit(text, font, CELL_SIZE, room)
        # simpleSplit never breaks a word, so only a line of one word can be too wide, and only
        # if it is long enough (no glyph of the base fonts is wider than the em).
        short = room / (1.02 * CELL_SIZE)
        if not any(
            len(line) > short and " " not in line and stringWidth(line, font, CELL_SIZE) > room
            for line in lines
        ):
            return "\n".join(lines)
    # Chinese wraps between any two characters (wordWrap "CJK"); other text at spaces.
    style = HEAD_CELL if bold else CELL
    return Paragraph(markup(text), cjk(style) if needs_cjk(text) else style)


def grid(
    rows: Sequence[Sequence[Cell]],
    widths: Sequence[float],
    *,
    header: bool = True,
    zebra: bool = False,
    extra: Sequence[tuple[Any, ...]] = (),
) -> Table:
    """A table with fixed column widths; rows split between pages, never within a row.

    Its cells share their styles (``shared_cell_styles``): restyle a cell by a command given
    here, never by ``setStyle`` on the table returned, which would change every cell sharing
    the style."""
    commands: list[tuple[Any, ...]] = list(_LINES)
    if zebra:
        commands.append(("ROWBACKGROUNDS", (0, 1 if header else 0), (-1, -1), [None, ZEBRA]))
    if header:
        commands += _HEADER
    commands += list(extra)
    own = [c for c in commands if c[0] in _CELL_OPS]
    table = Table(
        [list(r) for r in rows],
        colWidths=list(widths),
        repeatRows=1 if header else 0,
        hAlign="LEFT",
        cellStyles=shared_cell_styles(own, len(rows), len(widths)),
    )
    table.setStyle(TableStyle([c for c in commands if c[0] not in _CELL_OPS]))
    return table


def shared_cell_styles(
    commands: Sequence[tuple[Any, ...]], n_rows: int, n_cols: int
) -> list[list[CellStyle]]:
    """The cells' styles after ``commands`` (each applied as ``Table.setStyle`` would, in
    order), one style object for each distinct sequence of commands a cell gets, shared by
    every cell that gets it. reportlab gives every cell its own, which it then changes in place:
    a report of 5,000 use cases has 300,000 cells, and their styles were a quarter of its
    memory. The styles are not changed once the table is made (its splits share them too)."""
    hits: list[list[tuple[int, ...]]] = [[() for _ in range(n_cols)] for _ in range(n_rows)]
    for k, (op, (sc, sr), (ec, er), *_values) in enumerate(commands):
        if isinstance(sr, str) or isinstance(er, str):
            # reportlab applies "splitfirst", "splitlast" and the like to a split's own cells,
            # in place, which on shared styles would reach every cell sharing them.
            raise ValueError(f"{op} on the rows {sr!r}..{er!r}: not for a table of shared styles")
        # Table.normCellRange: negative indices count from the end, then the range is clipped.
        sc, ec = (c + n_cols if c < 0 else c for c in (sc, ec))
        sr, er = (r + n_rows if r < 0 else r for r in (sr, er))
        sc, ec, sr, er = max(0, sc), min(n_cols - 1, ec), max(0, sr), min(n_rows - 1, er)
        for i in range(sr, er + 1):
            row = hits[i]
            for j in range(sc, ec + 1):
                row[j] += (k,)
    shared: dict[tuple[int, ...], CellStyle] = {}

    def style_of(key: tuple[int, ...]) -> CellStyle:
        style = shared.get(key)
        if style is None:
            style = shared[key] = _CellStyle("cell")
            for k in key:
                op, _start, _stop, *values = commands[k]
                _setCellStyle([[style]], 0, 0, op, values)
        return style

    return [[style_of(key) for key in row] for row in hits]


def header_cells(headings: Sequence[str], widths: Sequence[float]) -> list[Cell]:
    return [fit(str(h), w, bold=True) for h, w in zip(headings, widths, strict=True)]


def simple_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    fractions: Sequence[float],
    *,
    right: Sequence[int] = (),
) -> Table:
    """A small table under plain headers; ``right`` columns (numbers) are right-aligned."""
    widths = [FRAME_WIDTH * f for f in fractions]
    body: list[list[Cell]] = [header_cells(headers, widths)]
    body += [[fit(v, w) for v, w in zip(row, widths, strict=True)] for row in rows]
    return grid(body, widths, extra=[("ALIGN", (i, 0), (i, -1), "RIGHT") for i in right])


def facts(pairs: Sequence[tuple[str, str]]) -> Table:
    """Label/value pairs in two columns: the application's labels, user values."""
    widths = [FRAME_WIDTH * 0.25, FRAME_WIDTH * 0.75]
    rows = [[fit(k, widths[0], bold=True), fit(v, widths[1])] for k, v in pairs]
    return grid(rows, widths, header=False, extra=[("FONTNAME", (0, 0), (0, -1), BOLD_FONT)])


def counts_table(title: str, counts: Sequence[tuple[str, int]], total: int) -> Table:
    """Labels with their count and share of ``total``, and a total row."""
    widths = [FRAME_WIDTH * 0.5, FRAME_WIDTH * 0.2, FRAME_WIDTH * 0.2]
    rows: list[list[Cell]] = [header_cells([title, _("Use cases"), _("Share")], widths)]
    rows += [[fit(name, widths[0]), str(n), share(n, total)] for name, n in counts]
    rows.append([fit(_("Total"), widths[0], bold=True), str(total), ""])
    return grid(
        rows,
        widths,
        extra=[("ALIGN", (1, 0), (-1, -1), "RIGHT"), ("FONTNAME", (0, -1), (-1, -1), BOLD_FONT)],
    )


T = TypeVar("T")


@dataclass(frozen=True)
class Column(Generic[T]):
    """A column of a long table: heading, share of the width and the cell text of a row."""

    heading: str
    fraction: float
    text: Callable[[T], str]
    right: bool = False


def widths(columns: Sequence[Column[T]]) -> list[float]:
    total = sum(c.fraction for c in columns)
    return [FRAME_WIDTH * c.fraction / total for c in columns]
