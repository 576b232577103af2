"""The account page's form for a new personal access token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from tracker.api.models import TokenScope
from tracker.api.tokens import MAX_DAYS


class TokenForm(FlaskForm):
    name = StringField(
        "Token name",
        validators=[DataRequired("Name the token."), Length(max=100)],
        render_kw={"placeholder": "e.g. Returns filing system"},
    )
    scope = SelectField("Access", choices=TokenScope.choices(), default=TokenScope.READ.value)
    expires_in_days = IntegerField(
        "Expires after (days)",
        default=90,
        validators=[Optional(), NumberRange(min=1, max=MAX_DAYS)],
    )
