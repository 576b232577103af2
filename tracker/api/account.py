"""Personal access tokens on the account page: create one (its secret shown once), list them
with their last use, revoke one."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from tracker.api import tokens
from tracker.api.forms import TokenForm
from tracker.api.models import ApiToken, TokenScope
from tracker.auth.forms import EmptyForm
from tracker.extensions import db, utcnow
from tracker.i18n import gettext as _
from tracker.rules import RuleError
from tracker.unit_of_work import unit_of_work
from tracker.web import rule_errors_onto

bp = Blueprint("api_tokens", __name__, url_prefix="/account/api-tokens")


@bp.app_template_global("api_token_list")
def api_token_list() -> list[ApiToken]:
    """The signed-in user's tokens, for the account page's partial."""
    return tokens.tokens_of(current_user) if current_user.is_authenticated else []


@bp.app_template_global("api_token_form")
def api_token_form() -> TokenForm:
    return TokenForm(formdata=None)


@bp.app_template_global("api_now")
def api_now() -> object:
    return utcnow()


@bp.post("/")
@login_required
def create() -> str | tuple[str, int]:
    """Create a token and show its secret, once."""
    form = TokenForm()
    if form.validate_on_submit():
        try:
            with unit_of_work("api_token.create"):
                token, secret = tokens.create_token(
                    current_user,
                    form.name.data or "",
                    TokenScope(form.scope.data),
                    form.expires_in_days.data,
                )
        except RuleError as exc:
            rule_errors_onto(form, exc)
        else:
            return render_template("api/token_created.html", token=token, secret=secret)
    return render_template("api/token_form.html", form=form), 400


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> Response:
    """Revoke one of the user's tokens; systems using it are refused from now on."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work("api_token.revoke"):
        tokens.revoke_token(token, current_user)
    flash(_("The token “%(name)s” is revoked.", name=token.name), "success")
    return redirect(url_for("auth.account") + "#api-tokens")
