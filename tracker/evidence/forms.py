"""Forms of the evidence register: an entry with its evaluation rows, a comment, a review."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from tracker.admin.forms import MultiCheckboxField
from tracker.evidence.models import Direction, Hosting, Outcome
from tracker.formutil import options
from tracker.i18n import lazy_gettext as _l
from tracker.usecases.forms import LONG_TEXT, ChooseSelectField, TextArea, VersionedForm
from tracker.usecases.models import Technique

# Blank evaluation rows offered below the ones already recorded.
SPARE_EVALUATION_ROWS = 2


class EvaluationForm(Form):
    """One evaluation; a row left blank is ignored. The command checks the numbers."""

    metric = StringField(_l("Metric"), validators=[Optional(), Length(max=200)])
    dataset = StringField(_l("Dataset"), validators=[Optional(), Length(max=300)])
    result = StringField(_l("Result"), validators=[Optional(), Length(max=40)])
    threshold = StringField(_l("Threshold"), validators=[Optional(), Length(max=40)])
    direction = SelectField(
        _l("Passes when the result is"),
        choices=lambda: [*options([("", "—")]), *Direction.choices()],
        validators=[Optional()],
    )
    stated_outcome = SelectField(
        _l("Pass or fail"),
        choices=lambda: [
            *options([("", _l("Derived from the threshold"))]),
            *Outcome.choices(),
        ],
        validators=[Optional()],
    )


class EntryForm(VersionedForm):
    model_name = StringField(_l("Model"), validators=[DataRequired(), Length(max=200)])
    model_version = StringField(_l("Version"), validators=[DataRequired(), Length(max=100)])
    provider = StringField(_l("Provider"), validators=[DataRequired(), Length(max=200)])
    technique = ChooseSelectField(
        _l("Technique"),
        choices=Technique.choices,
        validators=[DataRequired(_l("Choose the technique."))],
    )
    hosting = ChooseSelectField(
        _l("Where it runs"),
        choices=Hosting.choices,
        validators=[DataRequired(_l("Choose where the model runs."))],
    )
    guardrails = TextArea(_l("Guardrails in place"), validators=[Optional(), Length(max=LONG_TEXT)])
    red_teaming = TextArea(
        _l("Adversarial and red-team tests"), validators=[Optional(), Length(max=LONG_TEXT)]
    )
    bias_testing = TextArea(
        _l("Bias and fairness tests"), validators=[Optional(), Length(max=LONG_TEXT)]
    )
    human_oversight = TextArea(
        _l("Human oversight"), validators=[Optional(), Length(max=LONG_TEXT)]
    )
    drift_monitoring = TextArea(
        _l("Monitoring for drift"), validators=[Optional(), Length(max=LONG_TEXT)]
    )
    limitations = TextArea(_l("Known limitations"), validators=[Optional(), Length(max=LONG_TEXT)])
    evaluations = FieldList(FormField(EvaluationForm), min_entries=1, max_entries=20)
    document_ids = MultiCheckboxField(
        _l("Supporting documents (uploaded to the use case)"), coerce=int, validators=[Optional()]
    )


class CommentForm(FlaskForm):
    body = TextArea(
        _l("Comment"), validators=[DataRequired(_l("Write the comment.")), Length(max=LONG_TEXT)]
    )


class ReviewForm(VersionedForm):
    note = TextArea(_l("Note (optional)"), validators=[Optional(), Length(max=LONG_TEXT)])
