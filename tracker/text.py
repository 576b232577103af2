"""Text for the pages: plurals, and the language of user-written text for assistive
technology (WCAG 3.1.2)."""

from __future__ import annotations

from markupsafe import Markup, escape


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3400 <= code <= 0x9FFF  # CJK unified ideographs and extension A
        or 0x3000 <= code <= 0x303F  # CJK punctuation
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x20000 <= code <= 0x2FA1F  # extensions B and later
    )


def mostly_chinese(text: str) -> bool:
    """Whether most letters of ``text`` are Chinese characters."""
    letters = [ch for ch in text if ch.isalpha() or _is_cjk(ch)]
    return bool(letters) and sum(_is_cjk(ch) for ch in letters) * 2 > len(letters)


def in_language(text: object) -> Markup:
    """The text, escaped, inside ``<span lang="zh-Hant">`` when it is mostly Chinese (the
    pages are in English), so screen readers read it in the right voice."""
    value = "" if text is None else str(text)
    if mostly_chinese(value):
        return Markup('<span lang="zh-Hant">') + escape(value) + Markup("</span>")
    return escape(value)


def plural(n: int, singular: str, plural: str, **variables: object) -> str:
    """``singular`` or ``plural`` by the count, with ``%(num)d`` replaced by it:
    ``plural(n, "%(num)d day", "%(num)d days")``. The strings have the shape gettext's
    ``ngettext(singular, plural, n)`` expects, so the pages can be translated without
    rewriting them (languages with several plural forms then come from the catalogue)."""
    return (singular if n == 1 else plural) % {"num": n, **variables}
