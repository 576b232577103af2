"""Text on its way into the PDF: cleaned, escaped for ``Paragraph`` markup, and formatted.

Every string that comes from the record goes through ``markup`` before it reaches a
``Paragraph``: it is XML-escaped (``Paragraph`` parses markup, so ``a<b`` would raise and
``<img src=…>`` would open files), runs the base font cannot draw (Chinese, emoji…) are set in
the embedded CJK font, and line breaks are kept. Plain strings (``Table`` cells drawn with
``drawString``) are never parsed, so they need cleaning only.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from xml.sax.saxutils import escape

from tracker.reports.pdf.fonts import CJK_FONT

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


def cut(text: str, limit: int | None) -> str:
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def markup(text: str | None, limit: int | None = None) -> str:
    """Paragraph markup for a user string: escaped, CJK runs in the CJK font, breaks kept."""
    text = cut(clean(text), limit)
    parts: list[str] = []
    position = 0
    for match in _OUTSIDE_BASE.finditer(text):
        parts.append(escape(text[position : match.start()]))
        parts.append(f'<font name="{CJK_FONT}">{escape(match.group())}</font>')
        position = match.end()
    parts.append(escape(text[position:]))
    return "".join(parts).replace("\n", "<br/>")


_TAG = re.compile(r"(<[^>]*>)")


def app_markup(text: str) -> str:
    """The application's own markup (already escaped, perhaps with ``<b>`` tags) with runs the
    base font cannot draw (a Chinese report's text) set in the CJK font; tags are kept."""
    if not needs_cjk(text):
        return text
    pieces = []
    for piece in _TAG.split(text):
        if piece.startswith("<") and piece.endswith(">"):
            pieces.append(piece)
        else:
            pieces.append(
                _OUTSIDE_BASE.sub(lambda m: f'<font name="{CJK_FONT}">{m.group()}</font>', piece)
            )
    return "".join(pieces)


def one_line(text: str | None, limit: int = 120) -> str:
    """Plain single-line text for outline entries and chart labels."""
    return cut(" ".join(clean(text).split()), limit)


def _chinese() -> bool:
    from tracker.i18n import is_chinese

    try:
        return is_chinese()
    except RuntimeError:  # no application context: English
        return False


def day(value: date | None) -> str:
    """A date as the report's language writes it: 01 Dec 2026, or 2026年12月1日."""
    if not value:
        return "—"
    if _chinese():
        from babel.dates import format_date

        return format_date(value, "long", locale="zh_Hant")
    return value.strftime("%d %b %Y")


def zone(name: str) -> str:
    """A time zone as the report's language names it: Asia/Hong_Kong, or 香港時間."""
    if _chinese():
        from babel.dates import get_timezone_name

        try:
            return str(get_timezone_name(name, locale="zh_Hant"))
        except LookupError:
            return name
    return name


def moment(value: datetime) -> str:
    """A day and time (24-hour clock): 01 Dec 2026 15:05, or 2026年12月1日 15:05."""
    if _chinese():
        from babel.dates import format_datetime

        return format_datetime(value, "y年M月d日 HH:mm", locale="zh_Hant")
    return value.strftime("%d %b %Y %H:%M")


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "—"


def plural(count: int, singular: str, many: str | None = None) -> str:
    return f"{count} {singular if count == 1 else many or singular + 's'}"
