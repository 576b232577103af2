"""A notification's words, kept as a message and its values until they are rendered in the
recipient's language.

Why rendered at creation, per recipient, and stored so: a notification (and its e-mail) is part
of the regulator's record of what each person was told and when. The row keeps exactly the text
that person received, in the language they read it in; it never changes afterwards (a later
change of the catalogue or of the user's language does not rewrite what was sent). The parts are
not stored, so there is nothing to re-render on display.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tracker.enums import LabelledEnum
from tracker.i18n import gettext


@dataclass(frozen=True)
class Text:
    """``gettext(message, **values)``, rendered later. Values may be dates (written as the
    language writes them), enum members (their label) or other ``Text``."""

    message: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def render(self) -> str:
        values = {name: _value(value) for name, value in self.values.items()}
        return str(gettext(self.message, **values))

    def __str__(self) -> str:
        return self.render()


def _l(message: str, /, **values: Any) -> Text:
    """A lazy gettext: the message and its values, rendered in the recipient's language when
    the notification is made (the catalogue's extractor knows the name ``_l``)."""
    return Text(message, values)


@dataclass(frozen=True)
class Named:
    """A record's name in the language rendered in (``tracker.i18n.local_name``)."""

    record: Any

    def __str__(self) -> str:
        from tracker.i18n import local_name

        return local_name(self.record)


def cohort_name(cohort: Any) -> Text:
    """The cohort as ``str(cohort)`` writes it (programme — cohort), each name in the language
    (the pattern is the same in both languages, so it is not in the catalogue)."""
    return Text(
        "%(programme)s — %(cohort)s",
        {"programme": Named(cohort.programme), "cohort": Named(cohort)},
    )


def _value(value: Any) -> Any:
    if isinstance(value, Text):
        return value.render()
    if isinstance(value, Named):
        return str(value)
    if isinstance(value, LabelledEnum):
        return value.label
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return day(value)
    return value


def day(value: date) -> str:
    """A date as the language writes it: 01 Dec 2026, or 2026年12月1日."""
    from tracker.i18n import is_chinese

    if is_chinese():
        from flask_babel import format_date

        return str(format_date(value, "long"))
    return value.strftime("%d %b %Y")


def render(value: str | Text) -> str:
    """The text in the language now in force (``tracker.i18n.language``)."""
    return value.render() if isinstance(value, Text) else value


def joined(*parts: str | Text) -> Text:
    """Texts one after the other, each rendered on its own (``"\\n\\n"`` between paragraphs is
    passed as a plain string)."""
    return _Joined("", {}, parts=parts)


@dataclass(frozen=True)
class _Joined(Text):
    parts: tuple[str | Text, ...] = ()

    def render(self) -> str:
        return "".join(render(p) for p in self.parts)


@dataclass(frozen=True)
class Plural(Text):
    """``ngettext(singular, plural, num, **values)``, rendered later; the pair is marked where
    it is written with ``N_plural``: ``Plural(*N_plural("%(num)d day", "%(num)d days"), n)``."""

    plural: str = ""
    num: int = 0

    def __init__(self, singular: str, plural: str, num: int, **values: Any) -> None:
        object.__setattr__(self, "message", singular)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "plural", plural)
        object.__setattr__(self, "num", num)

    def render(self) -> str:
        from tracker.i18n import ngettext

        values = {name: _value(value) for name, value in self.values.items()}
        return str(ngettext(self.message, self.plural, self.num, **values))


@dataclass(frozen=True)
class Lowered:
    """An enum member's label in lower case, as it reads inside an English sentence."""

    member: LabelledEnum

    def __str__(self) -> str:
        return self.member.label.lower()


@dataclass(frozen=True)
class Later:
    """A value read when the text is rendered, in that language (e.g. a clock's label)."""

    read: Callable[[], object]

    def __str__(self) -> str:
        return str(self.read())
