"""The sandbox plan form and the decision forms. Rows left blank (KPIs, milestones) are not
part of the plan; the command checks every rule."""

from __future__ import annotations

from typing import Any

from wtforms import (
    DateField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tracker.formutil import options
from tracker.i18n import lazy_gettext as _l
from tracker.plans.fields import NumberField
from tracker.plans.models import BreachDecision, Direction, ReportingFrequency
from tracker.usecases.forms import LONG_TEXT, TextArea, VersionedForm


def _lazy_choices(enum: Any) -> list[Any]:
    """An enum's choices with labels translated when the form is shown, not when the class is
    built at import (``LabelledEnum.choices()`` translates at once)."""
    return options((m.value, _l(m.english)) for m in enum)


class MilestoneRow(Form):
    title = StringField(_l("Milestone"), validators=[Optional(), Length(max=200)])
    planned_on = DateField(_l("Planned date"), validators=[Optional()])

    @property
    def is_blank(self) -> bool:
        return not (self.title.data or "").strip() and self.planned_on.data is None


class KpiRow(Form):
    name = StringField(_l("KPI"), validators=[Optional(), Length(max=200)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=40)])
    direction = SelectField(
        _l("Better when"),
        choices=[*options([("", "—")]), *_lazy_choices(Direction)],
        validators=[Optional()],
    )
    baseline = NumberField(_l("Baseline"))
    target = NumberField(_l("Target"))

    @property
    def is_blank(self) -> bool:
        typed = (self.name.data, self.unit.data, self.direction.data)
        return not any((v or "").strip() for v in typed) and not any(
            _typed(f) for f in (self.baseline, self.target)
        )


def _typed(f: NumberField) -> str:
    if f.raw_data:
        return str(f.raw_data[0]).strip()
    return "" if f.data is None else str(f.data)


def _text(label: Any, message: Any) -> TextArea:
    return TextArea(label, validators=[DataRequired(message), Length(max=LONG_TEXT)])


def plan_form_class(kpi_rows: int, milestone_rows: int) -> type[VersionedForm]:
    """The plan form with so many KPI and milestone rows."""

    class PlanForm(VersionedForm):
        objectives = _text(_l("Objectives"), _l("Give the objectives of the test."))
        success_measures = _text(_l("Success measures"), _l("Say how success will be measured."))
        methodology = _text(_l("Methodology"), _l("Describe the methodology."))
        duration_weeks = IntegerField(
            _l("Duration (weeks)"),
            validators=[
                InputRequired(_l("Give the test's duration in weeks.")),
                NumberRange(min=1, max=156, message=_l("From 1 to 156 weeks.")),
            ],
        )
        customer_cap = IntegerField(
            _l("Customer cap"),
            validators=[Optional(), NumberRange(min=0, max=100_000_000)],
        )
        exposure_limit = NumberField(_l("Exposure limit (HK$)"))
        other_limits = TextArea(_l("Other limits"), validators=[Optional(), Length(max=LONG_TEXT)])
        data_scope = _text(_l("Data scope"), _l("Give the data scope."))
        channels = _text(_l("Channels"), _l("Name the channels the test uses."))
        geographies = _text(_l("Geographies"), _l("Name the geographies the test covers."))
        safeguard_boundary = _text(
            _l("Boundary: scope, phases, timing and termination"), _l("Describe the boundary.")
        )
        safeguard_customer_protection = _text(
            _l("Customer protection"), _l("Describe how customers are protected.")
        )
        safeguard_risk_controls = _text(
            _l("Risk-management controls"), _l("Describe the risk-management controls.")
        )
        safeguard_readiness = _text(
            _l("Readiness and close monitoring"), _l("Describe the readiness and monitoring.")
        )
        report_frequency = SelectField(
            _l("Progress returns"),
            choices=ReportingFrequency.choices(),
            validators=[InputRequired()],
        )
        report_due_days = IntegerField(
            _l("Days allowed after each period"),
            validators=[
                InputRequired(_l("Give the days allowed after each period.")),
                NumberRange(min=1, max=60, message=_l("From 1 to 60 days.")),
            ],
        )
        exit_strategy = _text(
            _l("Exit strategy"), _l("Say what happens to customers and data if the test stops.")
        )

        def kpi_forms(self) -> list[Any]:
            return [self[f"kpi_{i}"] for i in range(kpi_rows)]

        def milestone_forms(self) -> list[Any]:
            return [self[f"milestone_{i}"] for i in range(milestone_rows)]

    for i in range(kpi_rows):
        setattr(PlanForm, f"kpi_{i}", FormField(KpiRow, _l("KPI %(num)d", num=i + 1)))
    for i in range(milestone_rows):
        setattr(
            PlanForm, f"milestone_{i}", FormField(MilestoneRow, _l("Milestone %(num)d", num=i + 1))
        )
    return PlanForm


class SubmitForm(VersionedForm):
    """Carries the version of the plan version the user saw."""

    version = HiddenField(validators=[InputRequired()])


class AgreeForm(SubmitForm):
    note = TextArea(_l("Note (optional)"), validators=[Optional(), Length(max=LONG_TEXT)])


class RequestChangesForm(SubmitForm):
    reason = TextArea(
        _l("What should change"), validators=[DataRequired(_l("Say what should change."))]
    )


class BreachDecisionForm(SubmitForm):
    """The regulator's decision on a boundary breach; ``version`` is the breach's, and
    ``use_case_version`` the use case's (suspending or discontinuing moves it)."""

    use_case_version = HiddenField(validators=[InputRequired()])
    decision = RadioField(
        _l("Decision"),
        choices=_lazy_choices(BreachDecision),
        validators=[InputRequired(_l("Choose a decision."))],
    )
    reason = TextArea(
        _l("Reason"),
        validators=[DataRequired(_l("Give the reason for the decision.")), Length(max=LONG_TEXT)],
    )

    def carried_use_case_version(self) -> int:
        try:
            return int(self.use_case_version.data or 0)
        except ValueError:
            return 0
