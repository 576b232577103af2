"""Forms for reference data and accounts. They parse and present: each field's own format is
checked here; the rules that need the database or span fields (uniqueness, dates in order, the
criteria a cohort keeps, the organisation a role needs) belong to the commands, whose
``RuleError`` the view puts back beside the fields."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    Regexp,
    StopValidation,
)
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.auth.models import Role, User
from tracker.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from tracker.auth.services import AccountData
from tracker.formutil import options
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.i18n import local_name
from tracker.organisations import queries as organisation_queries
from tracker.organisations.models import Category, Institution, InstitutionKind, Regulator, Sector
from tracker.organisations.services import CategoryInput, InstitutionInput, RegulatorInput
from tracker.programmes import queries as programme_queries
from tracker.programmes.models import Cohort, CohortStatus, Programme
from tracker.programmes.services import MAX_RETURN_INTERVAL, CohortData, ProgrammeData


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a group of checkboxes (rendered by the ``field`` macro)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def optional_id(value: Any) -> int | None:
    """Coerce a select's value to an id; the empty first option means none."""
    if value is None or value == "":
        return None
    return int(value)


class AtLeastOne:
    """A multiple choice needs one ticked box. Unlike ``DataRequired`` it sets no ``required``
    flag, which on a checkbox group would tell assistive technology every box is required."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, _form: FlaskForm, field: SelectMultipleField) -> None:
        if not field.data:
            raise StopValidation(self.message)


def _blank_choice(text: str) -> list[SelectChoice]:
    """The first option of a select that may be left empty, e.g. "Choose a regulator"."""
    return options([("", text)])


class RegulatorForm(FlaskForm):
    code = StringField(
        _l("Code"),
        description=_l("A short code such as HKMA or SFC, shown throughout the tracker."),
        filters=[strip, upper],
        validators=[
            DataRequired(message=_l("Enter a code.")),
            Length(max=16),
            Regexp(r"^[A-Z0-9-]+$", message=_l("Use letters, digits and hyphens only.")),
        ],
    )
    name_en = StringField(
        _l("Name"),
        filters=[strip],
        validators=[DataRequired(message=_l("Enter a name.")), Length(max=200)],
    )
    name_zh = StringField(_l("Chinese name"), filters=[strip], validators=[Length(max=200)])

    def __init__(self, current: Regulator | None = None, **kwargs: Any) -> None:
        super().__init__(obj=current, **kwargs)
        self.current = current

    def to_input(self) -> RegulatorInput:
        return RegulatorInput(
            code=self.code.data, name_en=self.name_en.data, name_zh=self.name_zh.data or None
        )


class ProgrammeForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[DataRequired(message=_l("Enter a name.")), Length(max=200)],
    )
    name_zh = StringField(_l("Chinese name"), filters=[strip], validators=[Length(max=200)])
    description = TextAreaField(_l("Description"), filters=[strip], validators=[Length(max=5000)])
    lead_regulator_id = SelectField(
        _l("Lead regulator"),
        coerce=optional_id,
        validators=[DataRequired(message=_l("Choose the lead regulator."))],
    )
    participant_ids = MultiCheckboxField(
        _l("Participating regulators"),
        coerce=int,
        description=_l(
            "Their staff and supervisors see this programme. The lead is always included."
        ),
    )
    sectors = MultiCheckboxField(
        _l("Sectors"),
        choices=Sector.choices(),
        validators=[AtLeastOne(_l("Choose at least one sector."))],
    )
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])

    def __init__(self, current: Programme | None = None, **kwargs: Any) -> None:
        if current is not None:
            kwargs.setdefault("participant_ids", [r.id for r in current.participants])
        super().__init__(obj=current, **kwargs)
        self.current = current
        keep = current.regulator_ids if current else set()
        choices = organisation_queries.regulator_choices(keep)
        self.lead_regulator_id.choices = _blank_choice(_("Choose a regulator")) + choices
        self.participant_ids.choices = choices
        # The labels follow the request's language (the class is built at import, in English).
        self.sectors.choices = Sector.choices()

    def to_input(self) -> ProgrammeData:
        return ProgrammeData(
            name=self.name.data,
            name_zh=self.name_zh.data or None,
            description=self.description.data or "",
            lead_regulator_id=self.lead_regulator_id.data,
            participant_ids=list(self.participant_ids.data or []),
            sectors=list(self.sectors.data or []),
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
        )


class CohortForm(FlaskForm):
    programme_id = SelectField(
        _l("Programme"),
        coerce=optional_id,
        validators=[DataRequired(message=_l("Choose the programme."))],
    )
    name = StringField(
        _l("Name"),
        filters=[strip],
        description=_l("Unique within the programme, for example “Cohort 2”."),
        validators=[DataRequired(message=_l("Enter a name.")), Length(max=120)],
    )
    name_zh = StringField(_l("Chinese name"), filters=[strip], validators=[Length(max=120)])
    applications_open_on = DateField(_l("Applications open on"), validators=[Optional()])
    applications_close_on = DateField(_l("Applications close on"), validators=[Optional()])
    selection_on = DateField(_l("Selection announced on"), validators=[Optional()])
    pilot_starts_on = DateField(_l("Pilots start on (planned)"), validators=[Optional()])
    pilot_ends_on = DateField(_l("Pilots end on (planned)"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=CohortStatus.choices(), coerce=CohortStatus)
    return_interval_days = IntegerField(
        _l("Progress return every (days)"),
        default=30,
        description=_l("Pilots in this cohort file a progress return at this interval."),
        # The range is the command's rule; the browser is told it too.
        render_kw={"min": 1, "max": MAX_RETURN_INTERVAL},
        validators=[InputRequired(message=_l("Enter a number of days."))],
    )

    def __init__(self, user: User, current: Cohort | None = None, **kwargs: Any) -> None:
        super().__init__(obj=current, **kwargs)
        self.current = current
        keep = [current.programme_id] if current else []
        self.programmes = {p.id: p for p in programme_queries.manageable_programmes(user, keep)}
        self.programme_id.choices = _blank_choice(_("Choose a programme")) + options(
            (p.id, local_name(p) if p.active else _("%(name)s (inactive)", name=local_name(p)))
            for p in self.programmes.values()
        )
        self.status.choices = CohortStatus.choices()

    @property
    def programme(self) -> Programme | None:
        return self.programmes.get(self.programme_id.data) if self.programme_id.data else None

    def to_input(self) -> CohortData:
        return CohortData(
            programme_id=self.programme_id.data,
            name=self.name.data,
            applications_open_on=self.applications_open_on.data,
            applications_close_on=self.applications_close_on.data,
            selection_on=self.selection_on.data,
            pilot_starts_on=self.pilot_starts_on.data,
            pilot_ends_on=self.pilot_ends_on.data,
            status=self.status.data,
            return_interval_days=self.return_interval_days.data,
        )


class CohortEditForm(CohortForm):
    criteria_text = TextAreaField(
        _l("Selection criteria"),
        description=_l(
            "One criterion per line, in the order reviewers score them. "
            "A criterion that reviewers have already scored against cannot be removed."
        ),
        validators=[DataRequired(message=_l("List at least one criterion."))],
    )

    def __init__(self, user: User, current: Cohort, **kwargs: Any) -> None:
        kwargs.setdefault("criteria_text", "\n".join(c.name for c in current.criteria))
        super().__init__(user, current, **kwargs)

    @property
    def criteria(self) -> list[str]:
        lines = (self.criteria_text.data or "").splitlines()
        return [line.strip() for line in lines if line.strip()]


class InstitutionForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[DataRequired(message=_l("Enter a name.")), Length(max=200)],
    )
    name_zh = StringField(_l("Chinese name"), filters=[strip], validators=[Length(max=200)])
    kind = SelectField(_l("Kind"), choices=InstitutionKind.choices(), coerce=InstitutionKind)
    regulator_id = SelectField(
        _l("Supervising regulator"),
        coerce=optional_id,
        description=_l("Required for every kind except technology partners."),
    )

    def __init__(self, current: Institution | None = None, **kwargs: Any) -> None:
        super().__init__(obj=current, **kwargs)
        self.current = current
        keep = [current.regulator_id] if current and current.regulator_id else []
        self.regulator_id.choices = _blank_choice(
            _("None")
        ) + organisation_queries.regulator_choices(keep)
        self.kind.choices = InstitutionKind.choices()

    def to_input(self) -> InstitutionInput:
        return InstitutionInput(
            name=self.name.data,
            name_zh=self.name_zh.data or None,
            kind=self.kind.data,
            regulator_id=self.regulator_id.data,
        )


class CategoryForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[DataRequired(message=_l("Enter a name.")), Length(max=120)],
    )
    name_zh = StringField(_l("Chinese name"), filters=[strip], validators=[Length(max=120)])
    description = TextAreaField(_l("Description"), filters=[strip], validators=[Length(max=5000)])

    def __init__(self, current: Category | None = None, **kwargs: Any) -> None:
        super().__init__(obj=current, **kwargs)
        self.current = current

    def to_input(self) -> CategoryInput:
        return CategoryInput(
            name=self.name.data,
            name_zh=self.name_zh.data or None,
            description=self.description.data or "",
        )


_PASSWORD_LENGTH = Length(
    min=MIN_PASSWORD_LENGTH,
    max=MAX_PASSWORD_LENGTH,
    message=_l("Use from %(min)d to %(max)d characters."),
)


class UserForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        filters=[strip, lower],
        validators=[
            DataRequired(message=_l("Enter an email address.")),
            Length(max=254),
            Email(check_deliverability=False, message=_l("Enter a valid email address.")),
        ],
    )
    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[DataRequired(message=_l("Enter a name.")), Length(max=200)],
    )
    role = SelectField(_l("Role"), choices=Role.choices(), coerce=Role)
    regulator_id = SelectField(
        _l("Regulator"),
        coerce=optional_id,
        description=_l("Required for regulator staff and supervisors."),
    )
    institution_id = SelectField(
        _l("Institution"),
        coerce=optional_id,
        description=_l("Required for institution users."),
    )

    def __init__(self, actor: User, current: User | None = None, **kwargs: Any) -> None:
        super().__init__(obj=current, **kwargs)
        self.actor = actor
        self.current = current
        keep_regulators = [current.regulator_id] if current and current.regulator_id else []
        keep_institutions = [current.institution_id] if current and current.institution_id else []
        self.regulator_id.choices = _blank_choice(
            _("None")
        ) + organisation_queries.regulator_choices(keep_regulators)
        self.institution_id.choices = _blank_choice(
            _("None")
        ) + organisation_queries.institution_choices(keep_institutions)
        self.role.choices = Role.choices()

    def to_input(self) -> AccountData:
        return AccountData(
            email=self.email.data,
            name=self.name.data,
            role=self.role.data,
            regulator_id=self.regulator_id.data,
            institution_id=self.institution_id.data,
        )


class UserCreateForm(UserForm):
    """A new account: its owner gets an invitation by e-mail to choose the password."""


def two_factor_policy_form(required: set[Role], **kwargs: Any) -> FlaskForm:
    """A checkbox per role (every role there is, so a new role shows up here by itself)."""

    class TwoFactorPolicyForm(FlaskForm):
        pass

    for role in Role:
        setattr(
            TwoFactorPolicyForm,
            f"role_{role.value}",
            BooleanField(role.label, default=role in required),
        )
    return TwoFactorPolicyForm(**kwargs)


def chosen_requirements(form: FlaskForm) -> dict[Role, bool]:
    return {role: bool(form[f"role_{role.value}"].data) for role in Role}


class UserEditForm(UserForm):
    new_password = PasswordField(
        _l("New password"),
        description=_l(
            "Leave empty to keep the current password. Setting one signs the user out everywhere."
        ),
        validators=[Optional(), _PASSWORD_LENGTH],
    )
