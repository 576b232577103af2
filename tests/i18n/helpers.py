"""For tests of pages in Chinese: the English of the product's own left on a page."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.i18n.scan import PACKAGE, is_prose

PACKAGE_TRANSLATIONS = PACKAGE / "translations"


class _Visible(HTMLParser):
    """Visible text and read attributes, leaving out elements marked ``lang="en"`` (user text
    in English, marked by ``|in_lang``), scripts and styles."""

    VOID = {"br", "hr", "img", "input", "meta", "link", "source", "wbr", "col", "area"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.text: list[str] = []

    def _hidden(self) -> bool:
        return any(hidden for _tag, hidden in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        hidden = tag in ("script", "style", "code", "pre") or values.get("lang") == "en"
        if not hidden and not self._hidden():
            for name in ("title", "placeholder", "aria-label", "alt"):
                if values.get(name):
                    self.text.append(str(values[name]))
            button = tag == "input" and values.get("type") in ("submit", "button")
            if button and values.get("value"):
                self.text.append(str(values["value"]))
        if tag not in self.VOID:
            self.stack.append((tag, hidden))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            open_tag, _hidden = self.stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self._hidden() and data.strip():
            self.text.append(data.strip())


def english_left(html: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """Pieces of visible text on a Chinese page that read as English, except user data the
    page marks ``lang="en"`` and the ``allowed`` strings (e.g. test data shown unmarked)."""
    parser = _Visible()
    parser.feed(html)
    left = []
    for piece in parser.text:
        for allowance in allowed:
            piece = piece.replace(allowance, " ")
        if is_prose(piece):
            left.append(piece)
    return left


def chinese(message: str, **variables: object) -> str:
    """``message`` as the Chinese pages show it, from the compiled catalogue: browser tests
    find buttons and headings by the words a Chinese reader sees."""
    from babel.support import Translations

    from tracker import i18n

    translations = Translations.load(str(PACKAGE_TRANSLATIONS), [i18n.CHINESE])
    text = translations.gettext(message)
    return text % variables if variables else text
