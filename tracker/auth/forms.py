"""Sign-in and password forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from tracker.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from tracker.i18n import LANGUAGES, html_lang
from tracker.i18n import lazy_gettext as _l


class LoginForm(FlaskForm):
    # No format check here: any mismatch gets the same answer as a wrong password.
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l("Use from %(min)d to %(max)d characters."),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


def _new_password_fields() -> tuple[PasswordField, PasswordField]:
    return (
        PasswordField(
            _l("New password"),
            validators=[
                DataRequired(message=_l("Enter a new password.")),
                Length(
                    min=MIN_PASSWORD_LENGTH,
                    max=MAX_PASSWORD_LENGTH,
                    message=_l("Use from %(min)d to %(max)d characters."),
                ),
            ],
            render_kw={"autocomplete": "new-password"},
        ),
        PasswordField(
            _l("Repeat the new password"),
            validators=[
                DataRequired(message=_l("Repeat the new password.")),
                EqualTo("new_password", message=_l("The passwords differ.")),
            ],
            render_kw={"autocomplete": "new-password"},
        ),
    )


class ForgotPasswordForm(FlaskForm):
    # No format check: every address typed gets the same answer.
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(message=_l("Enter your email address.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )


class SetPasswordForm(FlaskForm):
    """A new password through a reset or invitation link."""

    new_password, confirm = _new_password_fields()


class TwoFactorForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(message=_l("Enter the code.")), Length(max=40)],
        description=_l(
            "The 6 digits your authenticator app shows now, or one of your recovery codes."
        ),
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "none"},
    )


class EnrolForm(FlaskForm):
    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(message=_l("Enter the 6 digits the app shows.")), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class ConfirmIdentityForm(FlaskForm):
    confirmation = PasswordField(
        _l("Your password or a current code"),
        validators=[
            DataRequired(message=_l("Enter your password or a current code.")),
            Length(max=200),
        ],
        render_kw={"autocomplete": "current-password"},
    )


class LanguageForm(FlaskForm):
    """The interface language on the account page; each name is in its own language."""

    language = SelectField(
        _l("Language"),
        choices=[
            SelectChoice(code, name, render_kw={"lang": html_lang(code)})
            for code, name in LANGUAGES.items()
        ],
    )


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for POST-only buttons."""
