"""Forms for issuing a report and for checking a PDF against the register."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, Field, RadioField, SelectChoice
from wtforms.validators import Optional, ValidationError

from tracker.i18n import LANGUAGES
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l


def local_today() -> date:
    """Today in the configured time zone: the latest date a report can be as at."""
    return datetime.now(ZoneInfo(current_app.config["TRACKER_TIMEZONE"])).date()


class GenerateForm(FlaskForm):
    as_at = DateField(
        _l("As at (optional)"),
        validators=[Optional()],
        description=_l("Leave empty for today. Past dates are rebuilt from the recorded history."),
    )
    # Each language by its own name (English, 繁體中文); the default is the user's language,
    # set by the view.
    language = RadioField(
        _l("Language"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        default=None,
        description=_l("The report is written in this language."),
        # A form without the field (the small button on other pages) asks in the page's
        # language: the view reads what was sent, and falls back to it.
        validate_choice=False,
    )

    def validate_as_at(self, field: Field) -> None:
        if field.data is not None and field.data > local_today():
            raise ValidationError(_("The as-at date cannot be in the future."))


class VerifyForm(FlaskForm):
    pdf = FileField(_l("PDF report to check"), validators=[FileRequired(_l("Choose a PDF file."))])
