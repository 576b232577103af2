"""Form fields shared by the plan form and the progress-return form."""

from __future__ import annotations

from typing import Any

from wtforms import StringField

from tracker.i18n import N_
from tracker.i18n import gettext as _
from tracker.plans.queries import parse_number


class NumberField(StringField):
    """A decimal number as people type it (``1,250.5``, ``-3``); anything else is refused with
    a clear message, and what was typed stays in the field."""

    NOT_A_NUMBER = N_("Give a number, for example 12.5.")
    data: Any

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = (valuelist[0] if valuelist else "") or ""
        self.raw_data = valuelist
        self.data = parse_number(raw)
        if raw.strip() and self.data is None:
            raise ValueError(_(self.NOT_A_NUMBER))

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else f"{self.data:f}"
