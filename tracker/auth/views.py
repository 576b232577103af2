"""Sign in (with a second factor where the user has one), sign out, password resets and
invitations by e-mailed link, and the user's own account and two-factor settings."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from tracker.auth import jobs, services, throttle, totp
from tracker.auth.forms import (
    ChangePasswordForm,
    ConfirmIdentityForm,
    EmptyForm,
    EnrolForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    SetPasswordForm,
    TwoFactorForm,
)
from tracker.auth.models import TokenPurpose, User
from tracker.extensions import db, utcnow
from tracker.i18n import N_plural, current_language, ngettext
from tracker.i18n import gettext as _
from tracker.i18n import language as in_language
from tracker.i18n import lazy_gettext as _l
from tracker.rules import RuleError
from tracker.sealed import UnreadableSealedValueError
from tracker.text import plural
from tracker.unit_of_work import unit_of_work
from tracker.web import rule_errors_onto

bp = Blueprint("auth", __name__)

LOGIN_FAILED = _l("The email or password is not correct.")
CODE_FAILED = _l("This code is not correct, or was used already. Try the code the app shows now.")
RESET_SENT = N_plural(
    "If an active account uses this address, an e-mail with a link to choose a new password is "
    "on its way. The link works once, for %(num)d minute.",
    "If an active account uses this address, an e-mail with a link to choose a new password is "
    "on its way. The link works once, for %(num)d minutes.",
)
# Between the password and the second factor: who, which session version, since when, where to.
PENDING = "tracker_2fa_pending"
PENDING_MINUTES = 5
# Signed in, of a role that requires a second factor, not enrolled: only enrolment is open.
MUST_ENROL = "tracker_2fa_enrol"
ENROLMENT_ENDPOINTS = frozenset(
    {"auth.two_factor", "auth.two_factor_start", "auth.two_factor_confirm", "auth.logout"}
)


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target
    return url_for("dashboard.index")


def _too_many(attempt: throttle.Attempt) -> str:
    return plural(
        attempt.wait_minutes,
        "Too many attempts. Wait %(num)d minute and try again.",
        "Too many attempts. Wait %(num)d minutes and try again.",
    )


@bp.before_app_request
def _enrolment_first() -> Response | None:
    """A user whose role requires a second factor and who has none may only enrol (or sign
    out) until they have."""
    if not session.get(MUST_ENROL) or request.endpoint in (*ENROLMENT_ENDPOINTS, "static"):
        return None
    if (
        not current_user.is_authenticated
        or current_user.two_factor_enabled
        # An administrator lifted the requirement meanwhile.
        or not services.two_factor_required(current_user)
    ):
        session.pop(MUST_ENROL, None)
        return None
    return redirect(url_for("auth.two_factor"))


def _finish_sign_in(user: User, email: str, target: str | None) -> Response:
    with unit_of_work("auth.sign_in"):
        services.signed_in(user)
    session.pop(PENDING, None)
    login_user(user)
    current_app.logger.info("sign-in user=%s", user.id)
    if not user.two_factor_enabled and services.two_factor_required(user):
        session[MUST_ENROL] = True
        flash(_("Your role requires two-factor sign-in: set it up to continue."), "info")
        response = redirect(url_for("auth.two_factor"))
    else:
        response = redirect(_safe_next(target))
    throttle.remember_device(response, email)
    return response


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    """Sign in with email and password. The error never says whether the email exists. A user
    with two-factor sign-in is asked for a code next, and is not signed in until it passes.

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
        with unit_of_work("auth.check_password"):
            user = services.check_password(email, form.password.data or "")
        if user is not None:
            attempt.succeeded()
            if user.two_factor_enabled:
                session[PENDING] = {
                    "user": user.id,
                    "version": user.session_version,
                    "at": utcnow().isoformat(),
                    "next": request.args.get("next") or "",
                }
                return redirect(url_for("auth.two_factor_sign_in"))
            return _finish_sign_in(user, email, request.args.get("next"))
        current_app.logger.info("failed sign-in")
        flash(str(LOGIN_FAILED), "danger")
    return render_template("auth/login.html", form=form)


def _pending_user() -> tuple[User, dict[str, Any]] | None:
    """The user who gave the right password a moment ago in this browser, if still valid."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    user = db.session.get(User, pending.get("user") or 0)
    try:
        started = datetime.fromisoformat(str(pending.get("at")))
    except ValueError:
        return None
    if (
        user is None
        or not user.active
        or not user.two_factor_enabled
        or user.session_version != pending.get("version")
        or utcnow() - started > timedelta(minutes=PENDING_MINUTES)
    ):
        session.pop(PENDING, None)
        return None
    return user, pending


@bp.route("/login/code", methods=["GET", "POST"])
def two_factor_sign_in() -> str | Response | tuple[str, int]:
    """The second step of signing in: a code from the authenticator app or a recovery code.
    Guesses count against the account like wrong passwords."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    found = _pending_user()
    if found is None:
        flash(_("Sign in again: the sign-in was not finished in time."), "info")
        return redirect(url_for("auth.login"))
    user, pending = found
    form = TwoFactorForm()
    if form.validate_on_submit():
        attempt = throttle.begin(user.email)
        if attempt.refused:
            form.code.errors = [_too_many(attempt)]
            return render_template("auth/two_factor_sign_in.html", form=form), 429
        with unit_of_work("auth.second_factor"):
            used = services.verify_second_factor(user, form.code.data or "")
        if used is not None:
            attempt.succeeded()
            if used == "recovery":
                left = services.unused_recovery_codes(user)
                flash(
                    plural(
                        left,
                        "You signed in with a recovery code: %(num)d is left. Make new ones "
                        "under Account.",
                        "You signed in with a recovery code: %(num)d are left. Make new ones "
                        "under Account.",
                    ),
                    "warning",
                )
            return _finish_sign_in(user, user.email, pending.get("next"))
        current_app.logger.info("failed second factor user=%s", user.id)
        form.code.errors = [str(CODE_FAILED)]
    return render_template("auth/two_factor_sign_in.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Sign out everywhere: bumping the session version revokes every issued cookie."""
    form = EmptyForm()
    if form.validate_on_submit():
        with unit_of_work("auth.sign_out"):
            services.revoke_sessions(current_user)
        logout_user()
        session.pop(MUST_ENROL, None)
        flash(_("You have been signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language() -> Response:
    """Switch the interface language: for this session, and saved for a signed-in user (their
    e-mails and reports follow it). Then back to the page the switch was on."""
    from tracker.i18n import LANGUAGES, normalise

    form = EmptyForm()
    code = normalise(request.form.get("lang"))
    if form.validate_on_submit() and code in LANGUAGES:
        session["lang"] = code
        if current_user.is_authenticated:
            with unit_of_work("auth.set_language"):
                services.set_language(current_user, code)
    return redirect(_without_lang(_safe_next(request.form.get("next"))), code=303)


def _without_lang(target: str) -> str:
    """The address without its ``lang`` argument, which would override the switch."""
    parts = urlsplit(target)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    return urlunsplit(parts._replace(query=urlencode(query)))


# Password reset and invitations ---------------------------------------------------------------


@bp.route("/login/forgot", methods=["GET", "POST"])
def forgot_password() -> str | Response | tuple[str, int]:
    """Ask for a password-reset link. Every address gets the same answer, at once: the lookup
    and the e-mail happen in the background job."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = services.normalise_email(form.email.data or "")
        attempt = throttle.begin(email, scope="reset")
        if attempt.refused:
            form.email.errors = [_too_many(attempt)]
            return render_template("auth/forgot.html", form=form), 429
        jobs.request_password_reset(email)
        minutes = current_app.config["TRACKER_PASSWORD_RESET_MINUTES"]
        flash(ngettext(*RESET_SENT, minutes), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


def _set_password_page(
    token: str, purpose: TokenPurpose, template: str
) -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        # Someone else's link, or one's own while signed in: sign out first, so the new
        # password is never set under another person's session.
        flash(_("Sign out before using a link from an e-mail."), "info")
        return redirect(url_for("dashboard.index"))
    link = services.usable_link(token, purpose)
    if link is None:
        return render_template("auth/link_invalid.html", purpose=purpose), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            with unit_of_work(f"auth.{purpose.value}"):
                user = services.set_password_by_link(token, purpose, form.new_password.data or "")
        except RuleError as exc:
            rule_errors_onto(form, exc)
        else:
            throttle.clear_account(user.email)
            flash(_("Your password is set. Sign in with it now."), "success")
            return redirect(url_for("auth.login"))
    return render_template(template, form=form, user=link.user, link=link)


@bp.route("/login/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response | tuple[str, int]:
    """Choose a new password through the e-mailed link (once, before it expires). Every session
    of the account is signed out; the user then signs in, second factor included."""
    return _set_password_page(token, TokenPurpose.PASSWORD_RESET, "auth/reset.html")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> str | Response | tuple[str, int]:
    """Accept an invitation: choose the account's first password."""
    return _set_password_page(token, TokenPurpose.INVITATION, "auth/invitation.html")


# The user's own account -----------------------------------------------------------------------


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
            return _account_page(form), 429
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
            flash(_("Your password has been changed. Other sessions were signed out."), "success")
            return redirect(url_for("auth.account"))
    return _account_page(form)


@bp.post("/account/language")
@login_required
def account_language() -> str | Response | tuple[str, int]:
    """Save the interface language chosen on the account page (pages, e-mails and reports)."""
    language_form = LanguageForm()
    if not language_form.validate_on_submit():
        return _account_page(ChangePasswordForm(formdata=None), language_form), 400
    code = language_form.language.data or ""
    try:
        with unit_of_work("auth.set_language"):
            services.set_language(current_user, code)
    except RuleError as exc:
        rule_errors_onto(language_form, exc)
        return _account_page(ChangePasswordForm(formdata=None), language_form), 400
    session["lang"] = current_user.language
    # The message in the language just chosen.
    with in_language(current_user.language):
        flash(_("Your language is saved."), "success")
    return redirect(url_for("auth.account"), code=303)


def _account_page(form: ChangePasswordForm, language_form: LanguageForm | None = None) -> str:
    if language_form is None:
        language_form = LanguageForm(
            formdata=None, language=current_user.language or current_language()
        )
    return render_template(
        "auth/account.html",
        form=form,
        language_form=language_form,
        two_factor_required=services.two_factor_required(current_user),
        recovery_left=services.unused_recovery_codes(current_user)
        if current_user.two_factor_enabled
        else 0,
    )


def _two_factor_page(**extra: Any) -> str:
    user = current_user
    context: dict[str, Any] = {
        "required": services.two_factor_required(user),
        "must_enrol": bool(session.get(MUST_ENROL)),
        "enrol_form": EnrolForm(),
        "confirm_form": ConfirmIdentityForm(),
        "recovery_left": services.unused_recovery_codes(user) if user.two_factor_enabled else 0,
    }
    try:
        pending = None if user.two_factor_enabled else user.totp_secret
    except UnreadableSealedValueError:
        pending = None  # sealed under an earlier SECRET_KEY: the user starts the set-up again
    if pending:
        uri = totp.provisioning_uri(pending, user.email)
        context.update(secret=totp.grouped(pending), qr=totp.qr_svg(uri))
    context.update(extra)
    return render_template("auth/two_factor.html", **context)


@bp.get("/account/two-factor")
@login_required
def two_factor() -> str:
    """Two-factor sign-in: its state, enrolment (secret and QR code), recovery codes, turning
    it off."""
    return _two_factor_page()


@bp.post("/account/two-factor/start")
@login_required
def two_factor_start() -> str | Response:
    """Make a new secret for the user to add to their authenticator app."""
    if EmptyForm().validate_on_submit():
        try:
            with unit_of_work("auth.two_factor_start"):
                services.start_two_factor(current_user)
        except RuleError as exc:
            flash(str(exc), "danger")
    return redirect(url_for("auth.two_factor"))


@bp.post("/account/two-factor/confirm")
@login_required
def two_factor_confirm() -> str | Response | tuple[str, int]:
    """Finish enrolment with a first code; the recovery codes are shown on this page, once."""
    form = EnrolForm()
    if not form.validate_on_submit():
        return _two_factor_page(enrol_form=form), 400
    attempt = throttle.begin(current_user.email)
    if attempt.refused:
        form.code.errors = [_too_many(attempt)]
        return _two_factor_page(enrol_form=form), 429
    try:
        with unit_of_work("auth.two_factor_confirm"):
            codes = services.confirm_two_factor(current_user, form.code.data or "")
    except RuleError as exc:
        rule_errors_onto(form, exc)
        return _two_factor_page(enrol_form=form), 400
    attempt.succeeded()
    session.pop(MUST_ENROL, None)
    flash(_("Two-factor sign-in is on."), "success")
    return _two_factor_page(codes=codes)


def _confirmed(action: str, command: Any) -> tuple[Any, ConfirmIdentityForm | None, int]:
    """Run a command that needs the password or a current code, throttled like sign-in."""
    form = ConfirmIdentityForm()
    if not form.validate_on_submit():
        return None, form, 400
    attempt = throttle.begin(current_user.email)
    if attempt.refused:
        form.confirmation.errors = [_too_many(attempt)]
        return None, form, 429
    try:
        with unit_of_work(action):
            result = command(current_user, form.confirmation.data or "")
    except RuleError as exc:
        rule_errors_onto(form, exc)
        return None, form, 400
    attempt.succeeded()
    return result, None, 200


@bp.post("/account/two-factor/recovery-codes")
@login_required
def two_factor_recovery_codes() -> str | tuple[str, int]:
    """New recovery codes (the old ones stop working), shown once."""
    codes, failed, status = _confirmed("auth.recovery_codes", services.new_recovery_codes)
    if failed is not None:
        return _two_factor_page(confirm_form=failed), status
    flash(_("New recovery codes: the old ones no longer work."), "success")
    return _two_factor_page(codes=codes)


@bp.post("/account/two-factor/disable")
@login_required
def two_factor_disable() -> str | Response | tuple[str, int]:
    """Turn two-factor sign-in off. Where the role requires it, enrolment follows at once."""
    _done, failed, status = _confirmed("auth.two_factor_off", services.disable_two_factor)
    if failed is not None:
        return _two_factor_page(confirm_form=failed), status
    if services.two_factor_required(current_user):
        session[MUST_ENROL] = True
        flash(_("Two-factor sign-in is off. Your role requires it: set it up again."), "warning")
    else:
        flash(_("Two-factor sign-in is off."), "success")
    return redirect(url_for("auth.two_factor"))
