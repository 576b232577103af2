"""Forms for issuing a report and for checking a PDF against the register."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, Field
from wtforms.validators import Optional, ValidationError


def local_today() -> date:
    """Today in the configured time zone: the latest date a report can be as at."""
    return datetime.now(ZoneInfo(current_app.config["TRACKER_TIMEZONE"])).date()


class GenerateForm(FlaskForm):
    as_at = DateField(
        "As at (optional)",
        validators=[Optional()],
        description="Leave empty for today. Past dates are rebuilt from the recorded history.",
    )

    def validate_as_at(self, field: Field) -> None:
        if field.data is not None and field.data > local_today():
            raise ValidationError("The as-at date cannot be in the future.")


class VerifyForm(FlaskForm):
    pdf = FileField("PDF report to check", validators=[FileRequired("Choose a PDF file.")])
