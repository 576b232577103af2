"""Forms of the calendar and clock settings pages. They parse and present; the commands in
``tracker.clocks.services`` hold the rules."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from tracker.clocks.clocks import KINDS
from tracker.clocks.models import CLOCK_NAMES, MAX_CLOCK_DAYS, ClockSettings
from tracker.clocks.services import CLOSURE_NAME_MAX, ClockSetting, ClosureData, Resolved
from tracker.formutil import options
from tracker.i18n import lazy_gettext as _l
from tracker.i18n import local_name
from tracker.organisations.models import Regulator


class ClosureForm(FlaskForm):
    regulator_id = SelectField(
        _l("Regulator"), validators=[InputRequired(_l("Choose the regulator."))]
    )
    on = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date."))])
    name = StringField(
        _l("Reason"),
        validators=[
            InputRequired(_l("Say why the office is closed.")),
            Length(max=CLOSURE_NAME_MAX),
        ],
        description=_l("For example “Typhoon signal No. 8” or “Black rainstorm warning”."),
    )

    def __init__(self, regulators: list[Regulator], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.regulator_id.choices = options(
            [("", _l("Choose…"))] + [(str(r.id), f"{r.code} — {local_name(r)}") for r in regulators]
        )

    def to_input(self) -> ClosureData:
        raw = self.regulator_id.data
        return ClosureData(
            regulator_id=int(raw) if raw and str(raw).isdigit() else None,
            on=self.on.data,
            name=self.name.data or "",
        )


UNITS = options(
    [
        ("", _l("Usual unit")),
        ("working", _l("Working days")),
        ("calendar", _l("Calendar days")),
    ]
)


class ClockSettingsForm(FlaskForm):
    """A days field and a unit for each clock; an empty days field inherits."""

    version = HiddenField()

    def __init__(self, row: ClockSettings | None, inherited: dict[str, Resolved], **kw: Any):
        super().__init__(**kw)
        self.inherited = inherited
        if not self.is_submitted():
            self.version.data = str(row.version) if row is not None else ""
            for name in CLOCK_NAMES:
                days = getattr(row, f"{name}_days") if row is not None else None
                working = getattr(row, f"{name}_working") if row is not None else None
                getattr(self, f"{name}_days").data = days
                getattr(self, f"{name}_unit").data = (
                    "" if working is None else ("working" if working else "calendar")
                )

    def expected_version(self) -> int | None:
        raw = (self.version.data or "").strip()
        return int(raw) if raw.isdigit() else None

    def values(self) -> dict[str, ClockSetting]:
        out: dict[str, ClockSetting] = {}
        for name in CLOCK_NAMES:
            unit = getattr(self, f"{name}_unit").data
            out[name] = ClockSetting(
                getattr(self, f"{name}_days").data,
                None if not unit else unit == "working",
            )
        return out

    def rows(self) -> list[tuple[str, Any, Any, Resolved]]:
        """(clock label, days field, unit field, what an empty field inherits) per clock."""
        return [
            (
                KINDS[name].label,
                getattr(self, f"{name}_days"),
                getattr(self, f"{name}_unit"),
                self.inherited[name],
            )
            for name in CLOCK_NAMES
        ]


for _name in CLOCK_NAMES:
    setattr(
        ClockSettingsForm,
        f"{_name}_days",
        IntegerField(
            _l("%(clock)s: days", clock=_l(KINDS[_name].title)),
            validators=[Optional()],
            render_kw={"min": 1, "max": MAX_CLOCK_DAYS, "inputmode": "numeric"},
        ),
    )
    setattr(
        ClockSettingsForm,
        f"{_name}_unit",
        SelectField(_l("%(clock)s: unit", clock=_l(KINDS[_name].title)), choices=UNITS, default=""),
    )
