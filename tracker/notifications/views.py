"""The notification centre (list, filters, mark read), each user's choices, one-click
unsubscribe, and for admins the recipients table and, in demo mode, the local outbox."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from tracker.auth.forms import EmptyForm
from tracker.auth.models import User
from tracker.extensions import csrf, db
from tracker.i18n import gettext as _
from tracker.i18n import ngettext
from tracker.notifications import permissions, services
from tracker.notifications.forms import FilterForm, preferences_form
from tracker.notifications.kinds import ACCOUNT_MAILS, KIND, KINDS
from tracker.notifications.mail import MailServer, read_unsubscribe_token
from tracker.notifications.models import Delivery, Notification, OutboundMail
from tracker.notifications.recipients import RULES, Audience
from tracker.rules import RuleError
from tracker.unit_of_work import unit_of_work
from tracker.web import page_arg, rule_errors_onto

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.record_once
def _check_mail_url(state: BlueprintSetupState) -> None:
    # A mistyped TRACKER_MAIL_URL stops the app at start, not at the first e-mail.
    url = state.app.config["TRACKER_MAIL_URL"]
    if url:
        MailServer.from_url(url)


@bp.app_template_global("unread_notifications")
def unread_notifications() -> int:
    """The signed-in user's unread count, for the navigation."""
    if not current_user.is_authenticated:
        return 0
    return services.unread_count(current_user)


def _own_or_404(notification_id: int) -> Notification:
    """Someone else's notification does not exist as far as this user knows."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    return notification


@bp.get("/")
@login_required
def index() -> str:
    """The user's notifications, newest first: unread or all, of one kind or every kind."""
    filters = FilterForm(formdata=request.args)
    show = filters.show.data if filters.show.data in ("unread", "all") else "unread"
    kind = filters.kind.data if filters.kind.data in KIND else ""
    query = sa.select(Notification).where(permissions.visible_to(current_user))
    if show == "unread":
        query = query.where(Notification.read_at.is_(None))
    if kind:
        query = query.where(Notification.kind == kind)
    page = db.paginate(
        query.order_by(Notification.created_at.desc(), Notification.id.desc()),
        page=page_arg(),
        per_page=current_app.config["TRACKER_PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "notifications/list.html",
        page=page,
        filters=filters,
        args={"show": show, "kind": kind},
        kinds=KIND,
        form=EmptyForm(),
    )


@bp.post("/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int) -> Response:
    """Mark one notification read, then go back to the list (or follow it with ``open``)."""
    notification = _own_or_404(notification_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work("notification.read"):
        services.mark_read(current_user, notification)
    if request.form.get("open"):
        target = url_for(notification.endpoint, **notification.url_params)
        return redirect(target + (f"#{notification.anchor}" if notification.anchor else ""))
    return redirect(_back_to_list())


def _back_to_list() -> str:
    """The list as the user had it filtered."""
    args = {k: v for k in ("show", "kind") if (v := request.form.get(k, ""))}
    return url_for("notifications.index", **args)  # type: ignore[arg-type]


@bp.post("/read-all")
@login_required
def mark_all_read() -> Response:
    """Mark every notification read."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work("notification.read_all"):
        count = services.mark_all_read(current_user)
    flash(
        ngettext("%(num)d notification marked read.", "%(num)d notifications marked read.", count),
        "success",
    )
    return redirect(_back_to_list())


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences() -> str | Response:
    """How the user is told of each kind: at once by e-mail, in the daily digest, or not."""
    current = services.preferences(current_user)
    form = preferences_form(current, request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        choices = {k.name: Delivery(form[k.name].data) for k in KINDS}
        try:
            with unit_of_work("notification.preferences"):
                services.set_preferences(current_user, choices)
        except RuleError as exc:
            rule_errors_onto(form, exc)
        else:
            flash(_("Your notification choices are saved."), "success")
            return redirect(url_for("notifications.preferences"))
    return render_template("notifications/preferences.html", form=form, kinds=KINDS)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str) -> tuple[str, int] | str:
    """One-click unsubscribe (RFC 8058): a POST to the signed link turns the kind off, without
    signing in and without a form token (a mail client sends it). A GET only asks."""
    found = read_unsubscribe_token(token)
    user = db.session.get(User, found[0]) if found else None
    kind_name = found[1] if found else ""
    if user is None or (kind_name not in KIND and kind_name != services.DIGEST):
        return render_template("notifications/unsubscribe.html", state="invalid"), 404
    label = _("the daily digest") if kind_name == services.DIGEST else _(KIND[kind_name].label)
    if request.method == "GET":
        return render_template("notifications/unsubscribe.html", state="ask", label=label)
    try:
        with unit_of_work("notification.unsubscribe"):
            services.unsubscribe(user, kind_name)
    except RuleError:
        return render_template(
            "notifications/unsubscribe.html", state="mandatory", label=label
        ), 400
    return render_template("notifications/unsubscribe.html", state="done", label=label)


@bp.get("/who-is-told")
@login_required
def recipients() -> str:
    """The recipients table: what happens, who is told under which kind."""
    if not permissions.can_see_recipients_table(current_user):
        abort(403)
    return render_template(
        "notifications/recipients.html",
        rules=RULES,
        kinds=KIND,
        audiences=list(Audience),
        account_mails=ACCOUNT_MAILS,
    )


def _outbox_or_404() -> None:
    if not permissions.can_see_local_outbox(current_user, current_app.config["TRACKER_DEMO_MODE"]):
        abort(404)


@bp.get("/outbox")
@login_required
def outbox() -> str:
    """Demo mode: every e-mail the tracker queued, with what became of it."""
    _outbox_or_404()
    page = db.paginate(
        sa.select(OutboundMail)
        .options(joinedload(OutboundMail.user))
        .order_by(OutboundMail.id.desc()),
        page=page_arg(),
        per_page=current_app.config["TRACKER_PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "notifications/outbox.html", page=page, local=not current_app.config["TRACKER_MAIL_URL"]
    )


@bp.get("/outbox/<int:mail_id>")
@login_required
def outbox_mail(mail_id: int) -> str:
    """Demo mode: one e-mail as it was sent."""
    _outbox_or_404()
    mail = db.get_or_404(OutboundMail, mail_id)
    return render_template("notifications/outbox_mail.html", mail=mail)
