"""Forms of the committee's pages. They parse what was typed; the commands hold the rules."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField
from wtforms.validators import InputRequired, Length, Optional

from tracker.admin.forms import MultiCheckboxField
from tracker.committee.models import ConflictWith, Decision
from tracker.formutil import options
from tracker.i18n import lazy_gettext as _l
from tracker.usecases.forms import TextArea

LONG_TEXT = 20_000


def _lazy_choices(enum: Any) -> list[Any]:
    """An enum's choices with labels translated when the form is shown, not when the class is
    built at import (``LabelledEnum.choices()`` translates at once)."""
    return options((m.value, _l(m.english)) for m in enum)


class CommitteeForm(FlaskForm):
    member_ids = MultiCheckboxField(_l("Members"), coerce=int, validate_choice=False)
    quorum = IntegerField(
        _l("Quorum: complete reviews with no conflict a proposal needs"),
        validators=[Optional()],
        default=2,
    )
    review_days = IntegerField(
        _l("Working days a reviewer has for each assignment"), validators=[Optional()], default=14
    )
    places = IntegerField(_l("Places in the cohort"), validators=[Optional()])
    blind = BooleanField(
        _l("Reviewers see each other's scores only once they have scored"), default=True
    )
    share_scores = BooleanField(
        _l("Applicants see the mean scores and reviewers' names with their feedback")
    )


class AssignForm(FlaskForm):
    reviewer_ids = MultiCheckboxField(_l("Reviewers"), coerce=int, validate_choice=False)


class SpreadForm(FlaskForm):
    per_proposal = IntegerField(_l("Reviewers per proposal"), validators=[Optional()])


class DeclarationForm(FlaskForm):
    conflict = RadioField(
        _l(
            "Do you have a conflict of interest with the applicant or a technology partner named "
            "on this proposal?"
        ),
        choices=options(
            [("no", _l("No conflict")), ("yes", _l("I have a conflict (I will be recused)"))]
        ),
        validators=[InputRequired(_l("Say whether you have a conflict of interest."))],
    )
    conflict_with = RadioField(
        _l("The conflict is with"),
        choices=_lazy_choices(ConflictWith),
        validators=[Optional()],
        validate_choice=False,
    )
    partner_id = SelectField(
        _l("Technology partner"), coerce=int, validators=[Optional()], validate_choice=False
    )
    note = TextArea(_l("Note"), validators=[Optional(), Length(max=LONG_TEXT)])


class DeterminationForm(FlaskForm):
    decision = RadioField(
        _l("Determination"),
        choices=_lazy_choices(Decision),
        validators=[InputRequired(_l("Choose the determination."))],
    )
    reasons = TextArea(_l("Reasons"), validators=[Optional(), Length(max=LONG_TEXT)])
    conditions = TextArea(_l("Conditions"), validators=[Optional(), Length(max=LONG_TEXT)])
