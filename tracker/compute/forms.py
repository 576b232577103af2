"""Forms of the compute ledger: a tranche (regulator) and a period's use (institution)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import InputRequired, Length, Optional

from tracker.formutil import options
from tracker.usecases.forms import LONG_TEXT, TextArea


class AllocationForm(FlaskForm):
    granted_on = DateField("Date allocated", validators=[InputRequired("Give the date.")])
    hours = IntegerField(
        "GPU hours", validators=[InputRequired("Give the hours as a whole number.")]
    )
    note = TextArea("Note (optional)", validators=[Optional(), Length(max=LONG_TEXT)])


class UsageForm(FlaskForm):
    period_start = DateField("Period start", validators=[InputRequired("Give the date.")])
    period_end = DateField("Period end", validators=[InputRequired("Give the date.")])
    hours_used = IntegerField(
        "GPU hours used", validators=[InputRequired("Give the hours as a whole number.")]
    )
    return_id = SelectField(
        "Progress return of the period (optional)",
        choices=options([("", "None")]),
        validators=[Optional()],
    )
    over_use_reason = TextArea(
        "Reason for use beyond the hours allocated",
        validators=[Optional(), Length(max=LONG_TEXT)],
    )
