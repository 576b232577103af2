"""Base class for enums that carry their display labels, translated where they are shown."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext
from wtforms import SelectChoice

from tracker.i18n import gettext


class LabelledEnum(enum.Enum):
    """An enum whose members are ``(value, label)``; templates show ``member.label``."""

    _value_: str
    # The label as written, in English: the catalogue's msgid (tracker/i18n_extract.py).
    english: str

    if not TYPE_CHECKING:
        # Hidden from the type checker so that ``Stage("draft")`` reads as the usual lookup.
        def __new__(cls, value: str, label: str) -> LabelledEnum:
            obj = object.__new__(cls)
            obj._value_ = value
            obj.english = label
            return obj

    @property
    def label(self) -> str:
        """The label in the language of the page, e-mail or report being made."""
        return gettext(self.english)

    @classmethod
    def choices(cls) -> list[SelectChoice]:
        """Form choices: the stored value with the display label."""
        # Lazy: forms build their choices once, at import, and show them in each request's
        # language.
        return [SelectChoice(value=m.value, label=lazy_gettext(m.english)) for m in cls]

    def __str__(self) -> str:
        return self.label
