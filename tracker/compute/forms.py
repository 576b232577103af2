"""Forms of the compute ledger: a tranche (regulator) and a period's use (institution)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import InputRequired, Length, Optional

from tracker.formutil import options
from tracker.i18n import lazy_gettext as _l
from tracker.usecases.forms import LONG_TEXT, TextArea


class AllocationForm(FlaskForm):
    granted_on = DateField(_l("Date allocated"), validators=[InputRequired(_l("Give the date."))])
    hours = IntegerField(
        _l("GPU hours"), validators=[InputRequired(_l("Give the hours as a whole number."))]
    )
    note = TextArea(_l("Note (optional)"), validators=[Optional(), Length(max=LONG_TEXT)])


class UsageForm(FlaskForm):
    period_start = DateField(_l("Period start"), validators=[InputRequired(_l("Give the date."))])
    period_end = DateField(_l("Period end"), validators=[InputRequired(_l("Give the date."))])
    hours_used = IntegerField(
        _l("GPU hours used"), validators=[InputRequired(_l("Give the hours as a whole number."))]
    )
    return_id = SelectField(
        _l("Progress return of the period (optional)"),
        choices=options([("", _l("None"))]),
        validators=[Optional()],
    )
    over_use_reason = TextArea(
        _l("Reason for use beyond the hours allocated"),
        validators=[Optional(), Length(max=LONG_TEXT)],
    )
