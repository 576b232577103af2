"""Forms for proposals, workflow actions, reviews, milestones, returns, documents, messages."""

from __future__ import annotations

from typing import Any

from flask import session
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    Choice,
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
from tracker.i18n import N_, gettext
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.plans.fields import NumberField
from tracker.usecases.models import Audience, MilestoneStatus, Rag, Severity, Technique
from tracker.usecases.permissions import can_see_internal
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


class ChooseSelectField(SelectField):
    """A select that opens on an empty "Choose…" option, so nothing is chosen for the user.
    An empty answer is left to the field's required validator and its message, rather than
    reported as "Not a valid choice"."""

    PROMPT = N_("Choose…")
    data: Any

    def iter_choices(self) -> list[Choice]:
        prompt = Choice(
            value="", label=gettext(self.PROMPT), selected=self.data is None, render_kw={}
        )
        return [prompt, *super().iter_choices()]

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and valuelist[0] == "":
            self.data = None
            return
        super().process_formdata(valuelist)

    def pre_validate(self, form: Any) -> None:
        if self.data is not None:
            super().pre_validate(form)


class ChooseRadioField(RadioField):
    """Radio buttons with none checked until the user picks one; an empty answer is left to
    the required validator's message."""

    def pre_validate(self, form: Any) -> None:
        if self.data is not None:
            super().pre_validate(form)


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
    cohort_id = SelectField(_l("Cohort"), coerce=int, validators=[InputRequired()])
    category_id = ChooseSelectField(
        _l("Category"),
        coerce=int,
        validators=[InputRequired(_l("Choose the category of the use case."))],
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=500)])
    summary = TextArea(_l("Summary"), validators=[DataRequired(), Length(max=LONG_TEXT)])
    problem_statement = TextArea(
        _l("Problem statement"), validators=[DataRequired(), Length(max=LONG_TEXT)]
    )
    technique = ChooseSelectField(
        _l("GenAI technique"),
        choices=Technique.choices,  # called per form: labels in the page's language
        validators=[InputRequired(_l("Choose the GenAI technique the use case relies on."))],
    )
    partner_ids = SelectMultipleField(
        _l("Technology partners"), coerce=int, validators=[Optional()]
    )
    data_used = TextArea(_l("Data used"), validators=[DataRequired(), Length(max=LONG_TEXT)])
    personal_data = BooleanField(_l("The data includes personal data"))
    audience = ChooseRadioField(
        _l("Audience"),
        choices=Audience.choices,
        validators=[InputRequired(_l("Say whether the use case faces customers or is internal."))],
    )
    safeguards = TextArea(_l("Safeguards"), validators=[DataRequired(), Length(max=LONG_TEXT)])
    kpis = TextArea(
        _l("Key performance indicators"), validators=[DataRequired(), Length(max=LONG_TEXT)]
    )
    gpu_hours = IntegerField(
        _l("Requested compute (GPU hours)"),
        validators=[Optional(), NumberRange(min=0, max=10_000_000)],
    )


class NoteForm(VersionedForm):
    reason = TextArea(_l("Note (optional)"), validators=[Optional(), Length(max=LONG_TEXT)])


class ReasonForm(VersionedForm):
    reason = TextArea(
        _l("Reason"), validators=[DataRequired(_l("Give the reason.")), Length(max=LONG_TEXT)]
    )


class ResponseForm(VersionedForm):
    reason = TextArea(
        _l("Response to the change request"),
        validators=[DataRequired(_l("Say what you changed.")), Length(max=LONG_TEXT)],
    )


class PilotTermsForm(VersionedForm):
    """The start date; the duration and boundaries are the agreed sandbox plan's."""

    pilot_started_on = DateField(_l("Pilot start date"), validators=[InputRequired()])
    reason = TextArea(_l("Note (optional)"), validators=[Optional(), Length(max=LONG_TEXT)])


class ExitReportForm(VersionedForm):
    exit_outcome = TextArea(
        _l("Outcome against KPIs"), validators=[DataRequired(), Length(max=LONG_TEXT)]
    )
    exit_lessons = TextArea(
        _l("Lessons learned"), validators=[DataRequired(), Length(max=LONG_TEXT)]
    )
    exit_conditions = TextArea(
        _l("Conditions of the production approval"),
        validators=[DataRequired(), Length(max=LONG_TEXT)],
    )
    reason = TextArea(_l("Note (optional)"), validators=[Optional(), Length(max=LONG_TEXT)])


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
            _l("Overall comment"), validators=[Optional(), Length(max=LONG_TEXT)]
        )

    for criterion_id, name in criteria:
        setattr(
            ReviewForm,
            f"score_{criterion_id}",
            RadioField(
                _("%(criterion)s: score", criterion=name),
                choices=SCORE_CHOICES,
                validators=[InputRequired(_l("Score this criterion from 1 to 5."))],
            ),
        )
        setattr(
            ReviewForm,
            f"comment_{criterion_id}",
            TextArea(
                _("%(criterion)s: comment", criterion=name),
                validators=[Optional(), Length(max=LONG_TEXT)],
            ),
        )
    return ReviewForm


class MilestoneForm(VersionedForm):
    """Carries the milestone's version when an existing one is updated, and the use case's."""

    use_case_version = HiddenField()

    def carried_use_case_version(self) -> int | None:
        raw = (self.use_case_version.data or "").strip()
        return int(raw) if raw.isdigit() else None

    title = StringField(_l("Milestone"), validators=[DataRequired(), Length(max=200)])
    planned_on = DateField(_l("Planned date"), validators=[InputRequired()])
    actual_on = DateField(_l("Actual date"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=MilestoneStatus.choices)


class IncidentForm(Form):
    """One incident row of a progress return; a row left blank is ignored."""

    description = TextArea(_l("Description"), validators=[Optional(), Length(max=LONG_TEXT)])
    occurred_on = DateField(_l("Date it occurred"), validators=[Optional()])
    severity = SelectField(
        _l("Severity"),
        choices=lambda: [*options([("", "—")]), *Severity.choices()],
        validators=[Optional()],
    )
    customer_impact = TextArea(
        _l("Customer impact"), validators=[Optional(), Length(max=LONG_TEXT)]
    )
    remediation = TextArea(_l("Remediation"), validators=[Optional(), Length(max=LONG_TEXT)])

    @property
    def is_blank(self) -> bool:
        """No description: the row is not an incident (its other fields may hold defaults)."""
        return not (self.description.data or "").strip()


INCIDENT_ROWS = 2


def return_form_class(kpis: list[str], notes: bool = False) -> type[VersionedForm]:
    """A progress-return form with one value field per KPI of the use case (and, against a
    plan's KPIs, a note beside each number). The command checks the period (after the last
    return, not in the future), that each value is a number, and the incidents' dates."""

    class ProgressReturnForm(VersionedForm):
        period_start = DateField(_l("Period start"), validators=[InputRequired()])
        period_end = DateField(_l("Period end"), validators=[InputRequired()])
        rag = RadioField(
            _l("Overall status"),
            choices=Rag.choices,
            validators=[InputRequired(_l("Choose a status."))],
        )
        narrative = TextArea(_l("Narrative"), validators=[DataRequired(), Length(max=LONG_TEXT)])
        attested_by_name = StringField(
            _l("Senior manager's name"), validators=[DataRequired(), Length(max=200)]
        )
        attested_by_title = StringField(
            _l("Senior manager's title"), validators=[DataRequired(), Length(max=200)]
        )
        customers_reached = IntegerField(
            _l("Customers reached so far"),
            validators=[Optional(), NumberRange(min=0, max=100_000_000)],
        )
        exposure_used = NumberField(_l("Exposure used so far (HK$)"))
        attest = BooleanField(
            _l("The senior manager named above attests that this return is accurate and complete."),
            validators=[DataRequired(_l("The return must be attested."))],
        )

        def kpi_fields(self) -> list[Any]:
            return [self[f"kpi_{i}"] for i in range(len(kpis))]

        def kpi_note_fields(self) -> list[Any]:
            return [self[f"kpi_{i}_note"] for i in range(len(kpis))] if notes else []

        def incident_forms(self) -> list[Any]:
            return [self[f"incident_{i}"] for i in range(INCIDENT_ROWS)]

    for i, kpi in enumerate(kpis):
        setattr(
            ProgressReturnForm,
            f"kpi_{i}",
            StringField(kpi, validators=[DataRequired(_l("Report a value.")), Length(max=500)]),
        )
        if notes:
            setattr(
                ProgressReturnForm,
                f"kpi_{i}_note",
                StringField(
                    _("Note on %(kpi)s", kpi=kpi), validators=[Optional(), Length(max=500)]
                ),
            )
    for i in range(INCIDENT_ROWS):
        setattr(
            ProgressReturnForm,
            f"incident_{i}",
            FormField(IncidentForm, _("Incident %(num)d", num=i + 1)),
        )
    return ProgressReturnForm


class ResolveIncidentForm(FlaskForm):
    resolved_on = DateField(_l("Resolved on"), validators=[InputRequired()])
    resolution = TextArea(
        _l("How it was resolved"), validators=[DataRequired(), Length(max=LONG_TEXT)]
    )


class CommentForm(FlaskForm):
    body = TextArea(_l("Comment"), validators=[DataRequired(), Length(max=LONG_TEXT)])


def _is_internal(value: object) -> bool:
    """The message audience as the view reads it: True for an internal note."""
    if isinstance(value, bool):
        return value
    if value in ("internal", "institution"):
        return value == "internal"
    raise ValueError(value)


class MessageForm(FlaskForm):
    """A message on a use case. The regulator side chooses, every time, whether it is an
    internal note or goes to the institution: nothing is preselected, so one missed click
    cannot send an internal remark to the bank. Institution users are not asked."""

    internal = ChooseRadioField(
        _l("Who reads it"),
        choices=options(
            [
                ("internal", _l("Internal note (regulator only)")),
                ("institution", _l("Message to the institution")),
            ]
        ),
        coerce=_is_internal,
        validators=[
            InputRequired(
                _l("Choose whether this is an internal note or a message to the institution.")
            )
        ],
    )
    body = TextArea(_l("Message"), validators=[DataRequired(), Length(max=LONG_TEXT)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_see_internal(current_user):
            # What an institution user writes always goes to the regulator: there is no
            # choice to make, and whatever the request says about it is ignored.
            self.internal.process_errors = []
            self.internal.data = False
            self.internal.validators = []


class DocumentForm(FlaskForm):
    """An upload. A refused upload sends the user back to the use-case page (so the address
    bar never holds the POST-only upload URL); the description and the errors travel in the
    session to the form shown there, once."""

    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to upload."))])
    description = StringField(_l("Description"), validators=[Optional(), Length(max=300)])

    KEPT = "refused_upload"
    KEPT_FIELDS = ("file", "description")
    WHOLE_FORM = "form"

    def keep_for(self, use_case_id: int) -> None:
        """Remember the typed description and the errors for the use-case page."""
        # As text: a validator's message may be a lazy translation, which a session cannot hold.
        errors = {name: [str(e) for e in self[name].errors] for name in self.KEPT_FIELDS}
        errors[self.WHOLE_FORM] = [str(e) for e in self.form_errors]
        self._keep(use_case_id, self.description.data or "", errors)

    @classmethod
    def keep_refusal(cls, use_case_id: int, file_error: str) -> None:
        """Remember why a file was refused before its request was read: nothing typed with it
        survives, but the reason can sit beside the field."""
        cls._keep(use_case_id, "", {"file": [file_error]})

    @classmethod
    def _keep(cls, use_case_id: int, description: str, errors: dict[str, list[str]]) -> None:
        session[cls.KEPT] = {
            "use_case_id": use_case_id,
            "description": description,
            "errors": errors,
        }

    @classmethod
    def for_page(cls, use_case_id: int) -> DocumentForm:
        """An empty form for the use-case page, or the one a refused upload kept for it."""
        form = cls(formdata=None)
        kept = session.pop(cls.KEPT) if cls.KEPT in session else None
        if isinstance(kept, dict) and kept.get("use_case_id") == use_case_id:
            form.description.data = str(kept.get("description", ""))[:300]
            for name, errors in dict(kept.get("errors", {})).items():
                messages = [str(e) for e in errors]
                if name in cls.KEPT_FIELDS:
                    form[name].errors = messages
                elif name == cls.WHOLE_FORM:
                    form.form_errors = messages
        return form
