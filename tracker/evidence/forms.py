"""Forms of the evidence register: an entry with its evaluation rows, a comment, a review."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from tracker.admin.forms import MultiCheckboxField
from tracker.evidence.models import Direction, Hosting, Outcome
from tracker.formutil import options
from tracker.usecases.forms import LONG_TEXT, ChooseSelectField, TextArea, VersionedForm
from tracker.usecases.models import Technique

# Blank evaluation rows offered below the ones already recorded.
SPARE_EVALUATION_ROWS = 2


class EvaluationForm(Form):
    """One evaluation; a row left blank is ignored. The command checks the numbers."""

    metric = StringField("Metric", validators=[Optional(), Length(max=200)])
    dataset = StringField("Dataset", validators=[Optional(), Length(max=300)])
    result = StringField("Result", validators=[Optional(), Length(max=40)])
    threshold = StringField("Threshold", validators=[Optional(), Length(max=40)])
    direction = SelectField(
        "Passes when the result is",
        choices=[*options([("", "—")]), *Direction.choices()],
        validators=[Optional()],
    )
    stated_outcome = SelectField(
        "Pass or fail",
        choices=[*options([("", "Derived from the threshold")]), *Outcome.choices()],
        validators=[Optional()],
    )


class EntryForm(VersionedForm):
    model_name = StringField("Model", validators=[DataRequired(), Length(max=200)])
    model_version = StringField("Version", validators=[DataRequired(), Length(max=100)])
    provider = StringField("Provider", validators=[DataRequired(), Length(max=200)])
    technique = ChooseSelectField(
        "Technique",
        choices=Technique.choices(),
        validators=[DataRequired("Choose the technique.")],
    )
    hosting = ChooseSelectField(
        "Where it runs",
        choices=Hosting.choices(),
        validators=[DataRequired("Choose where the model runs.")],
    )
    guardrails = TextArea("Guardrails in place", validators=[Optional(), Length(max=LONG_TEXT)])
    red_teaming = TextArea(
        "Adversarial and red-team tests", validators=[Optional(), Length(max=LONG_TEXT)]
    )
    bias_testing = TextArea(
        "Bias and fairness tests", validators=[Optional(), Length(max=LONG_TEXT)]
    )
    human_oversight = TextArea("Human oversight", validators=[Optional(), Length(max=LONG_TEXT)])
    drift_monitoring = TextArea(
        "Monitoring for drift", validators=[Optional(), Length(max=LONG_TEXT)]
    )
    limitations = TextArea("Known limitations", validators=[Optional(), Length(max=LONG_TEXT)])
    evaluations = FieldList(FormField(EvaluationForm), min_entries=1, max_entries=20)
    document_ids = MultiCheckboxField(
        "Supporting documents (uploaded to the use case)", coerce=int, validators=[Optional()]
    )


class CommentForm(FlaskForm):
    body = TextArea(
        "Comment", validators=[DataRequired("Write the comment."), Length(max=LONG_TEXT)]
    )


class ReviewForm(VersionedForm):
    note = TextArea("Note (optional)", validators=[Optional(), Length(max=LONG_TEXT)])
