"""Text for the pages: plurals, and the language of user-written text for assistive
technology (WCAG 3.1.2)."""

from __future__ import annotations

from markupsafe import Markup, escape

from tracker.i18n import ngettext


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
    if text.isascii():  # the common case, answered without a walk through the letters
        return False
    letters = [ch for ch in text if ch.isalpha() or _is_cjk(ch)]
    return bool(letters) and sum(_is_cjk(ch) for ch in letters) * 2 > len(letters)


def mostly_latin(text: str) -> bool:
    """Whether ``text`` has Latin letters and most of its letters are Latin."""
    if text.isascii():  # every letter is Latin
        return any(ch.isalpha() for ch in text)
    letters = [ch for ch in text if ch.isalpha() or _is_cjk(ch)]
    latin = sum(ch.isascii() for ch in letters)
    return latin > 0 and latin * 2 > len(letters)


def in_language(text: object) -> Markup:
    """User-written text, escaped, marked with its own language when it differs from the
    page's (WCAG 3.1.2): ``<span lang="zh-Hant">`` on an English page when it is mostly
    Chinese, ``<span lang="en">`` on a Chinese page when it is mostly Latin letters, so screen
    readers read it in the right voice."""
    from tracker.i18n import is_chinese

    value = "" if text is None else str(text)
    if is_chinese():
        if mostly_latin(value):
            return Markup('<span lang="en">') + escape(value) + Markup("</span>")
    elif mostly_chinese(value):
        return Markup('<span lang="zh-Hant">') + escape(value) + Markup("</span>")
    return escape(value)


def plural(n: int, singular: str, plural: str, **variables: object) -> str:
    """``singular`` or ``plural`` by the count, with ``%(num)d`` replaced by it, through the
    catalogue: ``plural(n, "%(num)d day", "%(num)d days")`` is gettext's ``ngettext`` (the
    extractor reads ``plural`` as that keyword), so a language with other plural forms takes
    them from the catalogue."""
    return ngettext(singular, plural, n, **variables)
