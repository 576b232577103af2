"""WTForms' and Flask-WTF's own messages, marked for our catalogue.

The validators' messages are translated through our catalogue (``tracker.i18n.init_app``), so
every one a form can show is listed here for the extractor. The English must match theirs
exactly (``tests/i18n`` checks it against the installed WTForms)."""

from __future__ import annotations

from tracker.i18n import N_, N_plural

MESSAGES = (
    N_("Choices cannot be None."),
    N_("Date must be at least %(min)s."),
    N_("Date must be at most %(max)s."),
    N_("Date must be between %(min)s and %(max)s."),
    N_("Field must be equal to %(other_name)s."),
    N_("File does not have an approved extension."),
    N_("Invalid Choice: could not coerce."),
    N_("Invalid URL."),
    N_("Invalid email address."),
    N_("Invalid field name '%s'."),
    N_("Invalid input."),
    N_("Invalid value, can't be any of: %(values)s."),
    N_("Invalid value, must be one of: %(values)s."),
    N_("Not a valid choice."),
    N_("Not a valid date value."),
    N_("Not a valid datetime value."),
    N_("Not a valid decimal value."),
    N_("Not a valid float value."),
    N_("Not a valid integer value."),
    N_("Not a valid time value."),
    N_("Number must be at least %(min)s."),
    N_("Number must be at most %(max)s."),
    N_("Number must be between %(min)s and %(max)s."),
    N_("This field is required."),
    N_("Field must be between %(min)d and %(max)d characters long."),
)

PLURAL_MESSAGES = (
    N_plural(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
    ),
    N_plural(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
    ),
    N_plural(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
    ),
    N_plural(
        "Field must be exactly %(max)d character long.",
        "Field must be exactly %(max)d characters long.",
    ),
)
