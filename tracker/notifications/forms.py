"""Forms of the notification centre: the list's filters, each user's choices per kind."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField
from wtforms.validators import InputRequired

from tracker.formutil import options
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.notifications.kinds import KINDS
from tracker.notifications.models import Delivery

SHOW = (("unread", _l("Unread")), ("all", _l("All")))


class FilterForm(FlaskForm):
    """The list's filters, read from the query string (a GET changes nothing: no token)."""

    class Meta:
        csrf = False

    show = SelectField(_l("Show"), choices=options(SHOW), default="unread")
    kind = SelectField(_l("Kind"), default="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = options([("", _("Every kind")), *((k.name, _(k.label)) for k in KINDS)])


def preferences_form(current: dict[str, Delivery], formdata: Any = None) -> FlaskForm:
    """One choice per kind; a kind that cannot be turned off does not offer "off"."""

    class PreferencesForm(FlaskForm):
        pass

    for kind in KINDS:
        label = (
            _("%(kind)s (cannot be turned off)", kind=_(kind.label))
            if kind.mandatory
            else _(kind.label)
        )
        setattr(
            PreferencesForm,
            kind.name,
            RadioField(
                label,
                choices=options((d.value, d.label) for d in kind.choices),
                default=current[kind.name].value,
                validators=[InputRequired()],
            ),
        )
    return PreferencesForm(formdata=formdata)
