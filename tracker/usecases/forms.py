"""Forms for proposals, workflow actions, reviews, milestones, returns, documents, messages."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from tracker.formutil import options
from tracker.usecases.models import Audience, MilestoneStatus, Rag, Severity, Technique
from tracker.usecases.workflow import Needs

LONG_TEXT = 20_000


class TextArea(TextAreaField):
    """A textarea that keeps line breaks as LF whatever the browser sent (CR LF): otherwise an
    unchanged text would look edited in the history."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(
            [
                v.replace("\r\n", "\n").replace("\r", "\n") if isinstance(v, str) else v
                for v in valuelist
            ]
        )


class VersionedForm(FlaskForm):
    """Carries the version of the record the user saw, so a concurrent change is detected."""

    version = HiddenField()

    def expected_version(self) -> int:
        try:
            return int(self.version.data or 0)
        except ValueError:
            return 0

    def carried_version(self) -> int | None:
        """The version, or None when the request carried none: forms that gained a version
        later (reviews, returns) check it only when it is sent."""
        return self.expected_version() if (self.version.data or "").strip() else None


class ProposalForm(VersionedForm):
    cohort_id = SelectField("Cohort", coerce=int, validators=[InputRequired()])
    category_id = SelectField("Category", coerce=int, validators=[InputRequired()])
    title = StringField("Title", validators=[DataRequired(), Length(max=500)])
    summary = TextArea("Summary", validators=[DataRequired(), Length(max=LONG_TEXT)])
    problem_statement = TextArea(
        "Problem statement", validators=[DataRequired(), Length(max=LONG_TEXT)]
    )
    technique = SelectField("GenAI technique", choices=Technique.choices())
    partner_ids = SelectMultipleField("Technology partners", coerce=int, validators=[Optional()])
    data_used = TextArea("Data used", validators=[DataRequired(), Length(max=LONG_TEXT)])
    personal_data = BooleanField("The data includes personal data")
    audience = RadioField("Audience", choices=Audience.choices(), default=Audience.INTERNAL.value)
    safeguards = TextArea("Safeguards", validators=[DataRequired(), Length(max=LONG_TEXT)])
    kpis = TextArea(
        "Key performance indicators", validators=[DataRequired(), Length(max=LONG_TEXT)]
    )
    gpu_hours = IntegerField(
        "Requested compute (GPU hours)",
        validators=[Optional(), NumberRange(min=0, max=10_000_000)],
    )


class NoteForm(VersionedForm):
    reason = TextArea("Note (optional)", validators=[Optional(), Length(max=LONG_TEXT)])


class ReasonForm(VersionedForm):
    reason = TextArea(
        "Reason", validators=[DataRequired("Give the reason."), Length(max=LONG_TEXT)]
    )


class ResponseForm(VersionedForm):
    reason = TextArea(
        "Response to the change request",
        validators=[DataRequired("Say what you changed."), Length(max=LONG_TEXT)],
    )


class PilotTermsForm(VersionedForm):
    pilot_started_on = DateField("Pilot start date", validators=[InputRequired()])
    pilot_duration_weeks = IntegerField(
        "Duration (weeks)", validators=[InputRequired(), NumberRange(min=1, max=156)]
    )
    pilot_limits = TextArea(
        "Customer or exposure limits", validators=[DataRequired(), Length(max=LONG_TEXT)]
    )
    pilot_data_scope = TextArea("Data scope", validators=[DataRequired(), Length(max=LONG_TEXT)])
    reason = TextArea("Note (optional)", validators=[Optional(), Length(max=LONG_TEXT)])


class ExitReportForm(VersionedForm):
    exit_outcome = TextArea(
        "Outcome against KPIs", validators=[DataRequired(), Length(max=LONG_TEXT)]
    )
    exit_lessons = TextArea("Lessons learned", validators=[DataRequired(), Length(max=LONG_TEXT)])
    exit_conditions = TextArea(
        "Conditions of the production approval",
        validators=[DataRequired(), Length(max=LONG_TEXT)],
    )
    reason = TextArea("Note (optional)", validators=[Optional(), Length(max=LONG_TEXT)])


FORMS_BY_NEED: dict[Needs, type[VersionedForm]] = {
    Needs.NOTE: NoteForm,
    Needs.REASON: ReasonForm,
    Needs.RESPONSE: ResponseForm,
    Needs.PILOT_TERMS: PilotTermsForm,
    Needs.EXIT_REPORT: ExitReportForm,
}

SCORE_CHOICES = options((str(n), str(n)) for n in range(1, 6))


def review_form_class(criteria: list[tuple[int, str]]) -> type[FlaskForm]:
    """A review form with a 1–5 score and a comment for each of the cohort's criteria."""

    class ReviewForm(VersionedForm):
        overall_comment = TextArea(
            "Overall comment", validators=[Optional(), Length(max=LONG_TEXT)]
        )

    for criterion_id, name in criteria:
        setattr(
            ReviewForm,
            f"score_{criterion_id}",
            RadioField(
                f"{name}: score",
                choices=SCORE_CHOICES,
                validators=[InputRequired("Score this criterion from 1 to 5.")],
            ),
        )
        setattr(
            ReviewForm,
            f"comment_{criterion_id}",
            TextArea(f"{name}: comment", validators=[Optional(), Length(max=LONG_TEXT)]),
        )
    return ReviewForm


class MilestoneForm(VersionedForm):
    """Carries the milestone's version when an existing one is updated, and the use case's."""

    use_case_version = HiddenField()

    def carried_use_case_version(self) -> int | None:
        raw = (self.use_case_version.data or "").strip()
        return int(raw) if raw.isdigit() else None

    title = StringField("Milestone", validators=[DataRequired(), Length(max=200)])
    planned_on = DateField("Planned date", validators=[InputRequired()])
    actual_on = DateField("Actual date", validators=[Optional()])
    status = SelectField("Status", choices=MilestoneStatus.choices())


class IncidentForm(Form):
    """One incident row of a progress return; a row left blank is ignored."""

    description = TextArea("Description", validators=[Optional(), Length(max=LONG_TEXT)])
    occurred_on = DateField("Date it occurred", validators=[Optional()])
    severity = SelectField(
        "Severity", choices=[*options([("", "—")]), *Severity.choices()], validators=[Optional()]
    )
    customer_impact = TextArea("Customer impact", validators=[Optional(), Length(max=LONG_TEXT)])
    remediation = TextArea("Remediation", validators=[Optional(), Length(max=LONG_TEXT)])

    @property
    def is_blank(self) -> bool:
        """No description: the row is not an incident (its other fields may hold defaults)."""
        return not (self.description.data or "").strip()


INCIDENT_ROWS = 2


def return_form_class(kpis: list[str]) -> type[VersionedForm]:
    """A progress-return form with one value field per KPI of the use case. The command checks
    the period (after the last return, not in the future) and the incidents' dates."""

    class ProgressReturnForm(VersionedForm):
        period_start = DateField("Period start", validators=[InputRequired()])
        period_end = DateField("Period end", validators=[InputRequired()])
        rag = RadioField(
            "Overall status", choices=Rag.choices(), validators=[InputRequired("Choose a status.")]
        )
        narrative = TextArea("Narrative", validators=[DataRequired(), Length(max=LONG_TEXT)])
        attested_by_name = StringField(
            "Senior manager's name", validators=[DataRequired(), Length(max=200)]
        )
        attested_by_title = StringField(
            "Senior manager's title", validators=[DataRequired(), Length(max=200)]
        )
        attest = BooleanField(
            "The senior manager named above attests that this return is accurate and complete.",
            validators=[DataRequired("The return must be attested.")],
        )

        def kpi_fields(self) -> list[Any]:
            return [self[f"kpi_{i}"] for i in range(len(kpis))]

        def incident_forms(self) -> list[Any]:
            return [self[f"incident_{i}"] for i in range(INCIDENT_ROWS)]

    for i, kpi in enumerate(kpis):
        setattr(
            ProgressReturnForm,
            f"kpi_{i}",
            StringField(kpi, validators=[DataRequired("Report a value."), Length(max=500)]),
        )
    for i in range(INCIDENT_ROWS):
        setattr(ProgressReturnForm, f"incident_{i}", FormField(IncidentForm, f"Incident {i + 1}"))
    return ProgressReturnForm


class ResolveIncidentForm(FlaskForm):
    resolved_on = DateField("Resolved on", validators=[InputRequired()])
    resolution = TextArea("How it was resolved", validators=[DataRequired(), Length(max=LONG_TEXT)])


class CommentForm(FlaskForm):
    body = TextArea("Comment", validators=[DataRequired(), Length(max=LONG_TEXT)])


class MessageForm(FlaskForm):
    body = TextArea("Message", validators=[DataRequired(), Length(max=LONG_TEXT)])
    internal = BooleanField("Internal to the regulator (never shown to the institution)")


class DocumentForm(FlaskForm):
    file = FileField("File", validators=[FileRequired("Choose a file to upload.")])
    description = StringField("Description", validators=[Optional(), Length(max=300)])
