"""The lesson form: title, text, themes and the return it comes from."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from tracker.admin.forms import MultiCheckboxField
from tracker.formutil import options
from tracker.i18n import lazy_gettext as _l
from tracker.lessons.models import Theme
from tracker.usecases.forms import LONG_TEXT, TextArea, VersionedForm


class LessonForm(FlaskForm):
    title = StringField(
        _l("Lesson"),
        validators=[DataRequired(_l("Give the lesson a short title.")), Length(max=200)],
    )
    text = TextArea(
        _l("What was learned"),
        validators=[DataRequired(_l("Write the lesson.")), Length(max=LONG_TEXT)],
    )
    themes = MultiCheckboxField(_l("Themes"), choices=Theme.choices, validators=[Optional()])
    return_id = SelectField(
        _l("From the progress return"),
        choices=options([("", _l("The pilot and its exit"))]),
        validators=[Optional()],
    )


class RecordForm(VersionedForm):
    """Carries the version of the proposed lesson the regulator read."""
