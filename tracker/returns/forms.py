"""Forms for the reporting schedule, requested and waived returns, and incidents reported on
their own."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, DateTimeLocalField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.returns.models import Frequency
from tracker.usecases.forms import LONG_TEXT, ChooseSelectField, TextArea, VersionedForm
from tracker.usecases.models import Severity


class DateListField(StringField):
    """Dates typed as a list (``2026-01-31, 2026-04-30``, commas, spaces or new lines)."""

    data: Any

    def _value(self) -> str:
        if isinstance(self.data, list | tuple):
            return ", ".join(d.isoformat() for d in self.data)
        return str(self.data or "")

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw = valuelist[0] if valuelist else ""
        self.data = []
        for part in str(self.raw).replace(",", " ").split():
            try:
                self.data.append(date.fromisoformat(part))
            except ValueError:
                self.data = self.raw
                raise ValueError(
                    _("“%(part)s” is not a date: write dates as YYYY-MM-DD.", part=part)
                ) from None


class ScheduleForm(VersionedForm):
    frequency = ChooseSelectField(
        _l("How often"),
        choices=Frequency.choices,
        validators=[InputRequired(_l("Choose how often the pilot reports."))],
    )
    first_period_start = DateField(_l("First period starts"), validators=[Optional()])
    report_dates = DateListField(_l("Period end dates"), validators=[Optional()])
    days_to_file = IntegerField(
        _l("Days to file after each period"),
        default=14,
        validators=[InputRequired(_l("Give the days allowed to file.")), NumberRange(0, 90)],
    )
    milestone_days = IntegerField(
        _l("Return due this many days after a milestone is reached"),
        validators=[Optional(), NumberRange(0, 90)],
    )
    ends_on = DateField(_l("Last day covered"), validators=[Optional()])


class RequestForm(FlaskForm):
    request = TextArea(
        _l("What the return should cover"),
        validators=[DataRequired(_l("Say what the return should cover.")), Length(max=5_000)],
    )
    period_start = DateField(_l("Period from"), validators=[Optional()])
    period_end = DateField(
        _l("Period to"), validators=[InputRequired(_l("Give the end of the period."))]
    )
    due_on = DateField(_l("Due on"), validators=[InputRequired(_l("Give the date it is due."))])


class WaiveForm(VersionedForm):
    reason = TextArea(
        _l("Why it is no longer expected"),
        validators=[DataRequired(_l("Give the reason.")), Length(max=5_000)],
    )


class ReportIncidentForm(FlaskForm):
    severity = ChooseSelectField(
        _l("Severity"),
        choices=Severity.choices,
        validators=[InputRequired(_l("Give the severity of this incident."))],
    )
    occurred_at = DateTimeLocalField(
        _l("When it happened"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[InputRequired(_l("Give the date and time it happened."))],
    )
    description = TextArea(
        _l("What happened"),
        validators=[DataRequired(_l("Describe the incident.")), Length(max=LONG_TEXT)],
    )
    customers_affected = IntegerField(
        _l("Customers affected"), validators=[Optional(), NumberRange(0, 100_000_000)]
    )
    customer_impact = TextArea(_l("Impact on customers"), validators=[Length(max=LONG_TEXT)])
    remediation = TextArea(_l("What was done"), validators=[Length(max=LONG_TEXT)])


class AcknowledgeForm(FlaskForm):
    note = TextArea(_l("Note (optional)"), validators=[Length(max=LONG_TEXT)])
