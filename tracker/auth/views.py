"""Sign in, sign out and the user's own account."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from tracker.auth import services, throttle
from tracker.auth.forms import ChangePasswordForm, EmptyForm, LoginForm
from tracker.rules import RuleError
from tracker.text import plural
from tracker.unit_of_work import unit_of_work
from tracker.web import rule_errors_onto

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "The email or password is not correct."


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    """Sign in with email and password. The error never says whether the email exists.

    The attempt is counted before the password is checked (``tracker.auth.throttle``), so no
    number of parallel requests verifies more passwords than the limit allows."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = services.normalise_email(form.email.data or "")
        attempt = throttle.begin(email)
        if attempt.refused:
            current_app.logger.info("sign-in refused: too many failures (%s)", attempt.refused)
            page = render_template(
                "auth/login.html",
                form=form,
                refused=attempt.refused,
                wait_minutes=attempt.wait_minutes,
            )
            return page, 429
        with unit_of_work("auth.sign_in"):
            user = services.authenticate(email, form.password.data or "")
        if user is not None:
            attempt.succeeded()
            login_user(user)
            current_app.logger.info("sign-in user=%s", user.id)
            response = redirect(_safe_next(request.args.get("next")))
            throttle.remember_device(response, email)
            return response
        current_app.logger.info("failed sign-in")
        flash(LOGIN_FAILED, "danger")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Sign out everywhere: bumping the session version revokes every issued cookie."""
    form = EmptyForm()
    if form.validate_on_submit():
        with unit_of_work("auth.sign_out"):
            services.revoke_sessions(current_user)
        logout_user()
        flash("You have been signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> str | Response | tuple[str, int]:
    """The signed-in user's details and password change."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        # The current password is a sign-in secret: guesses at it count as failed sign-ins, so
        # a stolen session cannot be used to find it.
        attempt = throttle.begin(current_user.email)
        if attempt.refused:
            form.current_password.errors = [
                plural(
                    attempt.wait_minutes,
                    "Too many wrong passwords for this account. Wait %(num)d minute and try again.",
                    "Too many wrong passwords for this account. Wait %(num)d minutes and try "
                    "again.",
                )
            ]
            return render_template("auth/account.html", form=form), 429
        try:
            with unit_of_work("auth.password_change"):
                services.change_password(
                    current_user, form.current_password.data or "", form.new_password.data or ""
                )
        except RuleError as exc:
            if "current_password" not in exc.errors:
                attempt.succeeded()  # the current password was right; the new one was refused
            rule_errors_onto(form, exc)
        else:
            attempt.succeeded()
            login_user(current_user)
            flash("Your password has been changed. Other sessions were signed out.", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form)
