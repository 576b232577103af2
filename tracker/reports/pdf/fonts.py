"""Fonts: Helvetica for what WinAnsi encodes, an embedded TrueType CJK font for the rest."""

from __future__ import annotations

import struct
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

CJK_FONT = "TrackerCJK"
BASE_FONT = "Helvetica"
BOLD_FONT = "Helvetica-Bold"


class FontNotFoundError(RuntimeError):
    """No TrueType font with Chinese glyphs is available, so Chinese text cannot be embedded."""


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
