"""The account page's form for a new personal access token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from tracker.api.models import TokenScope
from tracker.api.tokens import MAX_DAYS
from tracker.i18n import lazy_gettext as _l


class TokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        validators=[DataRequired(_l("Name the token.")), Length(max=100)],
        render_kw={"placeholder": _l("e.g. Returns filing system")},
    )
    scope = SelectField(_l("Access"), choices=TokenScope.choices, default=TokenScope.READ.value)
    expires_in_days = IntegerField(
        _l("Expires after (days)"),
        default=90,
        validators=[Optional(), NumberRange(min=1, max=MAX_DAYS)],
    )
