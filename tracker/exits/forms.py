"""The forms of an exit report's publication: consent, withdrawal and publication."""

from __future__ import annotations

from wtforms.validators import Length, Optional

from tracker.exits.services import ABSTRACT
from tracker.i18n import lazy_gettext as _l
from tracker.usecases.forms import TextArea, VersionedForm


class ConsentForm(VersionedForm):
    """Consent or its withdrawal; carries the version of the record the user read."""


class PublishForm(VersionedForm):
    abstract = TextArea(
        _l("Public abstract"),
        validators=[Optional(), Length(max=ABSTRACT)],
        description=_l(
            "Shown on the public page without sign-in: what was tested and what it "
            "showed. No internal notes, no scores."
        ),
    )
