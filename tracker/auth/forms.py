"""Sign-in and password forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from tracker.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    # No format check here: any mismatch gets the same answer as a wrong password.
    email = EmailField(
        "Email",
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        "Password", validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "New password",
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message="Use from %(min)d to %(max)d characters.",
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )


def _new_password_fields() -> tuple[PasswordField, PasswordField]:
    return (
        PasswordField(
            "New password",
            validators=[
                DataRequired(message="Enter a new password."),
                Length(
                    min=MIN_PASSWORD_LENGTH,
                    max=MAX_PASSWORD_LENGTH,
                    message="Use from %(min)d to %(max)d characters.",
                ),
            ],
            render_kw={"autocomplete": "new-password"},
        ),
        PasswordField(
            "Repeat the new password",
            validators=[
                DataRequired(message="Repeat the new password."),
                EqualTo("new_password", message="The passwords differ."),
            ],
            render_kw={"autocomplete": "new-password"},
        ),
    )


class ForgotPasswordForm(FlaskForm):
    # No format check: every address typed gets the same answer.
    email = EmailField(
        "Email",
        validators=[DataRequired(message="Enter your email address."), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )


class SetPasswordForm(FlaskForm):
    """A new password through a reset or invitation link."""

    new_password, confirm = _new_password_fields()


class TwoFactorForm(FlaskForm):
    code = StringField(
        "Code",
        validators=[DataRequired(message="Enter the code."), Length(max=40)],
        description="The 6 digits your authenticator app shows now, or one of your recovery codes.",
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "none"},
    )


class EnrolForm(FlaskForm):
    code = StringField(
        "Code from the app",
        validators=[DataRequired(message="Enter the 6 digits the app shows."), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class ConfirmIdentityForm(FlaskForm):
    confirmation = PasswordField(
        "Your password or a current code",
        validators=[
            DataRequired(message="Enter your password or a current code."),
            Length(max=200),
        ],
        render_kw={"autocomplete": "current-password"},
    )


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for POST-only buttons."""
