"""Sign in, sign out and the user's own account."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from tracker.auth import services
from tracker.auth.forms import ChangePasswordForm, EmptyForm, LoginForm
from tracker.auth.passwords import verify_password
from tracker.extensions import db, limiter

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "The email or password is not correct."


def _login_limit() -> str:
    return str(current_app.config["TRACKER_LOGIN_RATE_LIMIT"])


def _email_key() -> str:
    return "login-email:" + services.normalise_email(request.form.get("email", ""))


def _failed(response: Response) -> bool:
    # Only failed attempts count towards the limit; a successful sign-in redirects.
    return response.status_code != 302


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limit, methods=["POST"], key_func=_email_key, deduct_when=_failed)
def login() -> str | Response:
    """Sign in with email and password. The error never says whether the email exists."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            db.session.commit()
            login_user(user)
            current_app.logger.info("sign-in user=%s", user.id)
            return redirect(_safe_next(request.args.get("next")))
        current_app.logger.info("failed sign-in")
        flash(LOGIN_FAILED, "danger")
        return render_template("auth/login.html", form=form)
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Sign out everywhere: bumping the session version revokes every issued cookie."""
    form = EmptyForm()
    if form.validate_on_submit():
        services.revoke_sessions(current_user)
        db.session.commit()
        logout_user()
        flash("You have been signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> str | Response:
    """The signed-in user's details and password change."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data or ""):
            form.current_password.errors.append("The current password is not correct.")
        else:
            services.change_password(current_user, form.new_password.data or "")
            db.session.commit()
            login_user(current_user)
            flash("Your password has been changed. Other sessions were signed out.", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form)
