"""E-mail: the transport named by ``TRACKER_MAIL_URL`` (or the local outbox without one), the
message of a notification or a digest (plain text and HTML, a link to the page, one-click
unsubscribe for optional kinds), and the signed unsubscribe token."""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from itsdangerous import BadSignature, URLSafeSerializer

from tracker import i18n
from tracker.auth.links import token_for
from tracker.auth.models import AccountToken, TokenPurpose, User
from tracker.extensions import utcnow
from tracker.i18n import gettext as _
from tracker.notifications.kinds import ACCOUNT_MAIL, KIND
from tracker.notifications.models import Notification, OutboundMail

SCHEMES = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}
_SALT = "notifications.unsubscribe"
DIGEST = "digest"  # the unsubscribe "kind" of a digest: every optional kind it carries


@dataclass(frozen=True)
class MailServer:
    """Where ``TRACKER_MAIL_URL`` says to send: ``smtp://host:port`` (plain),
    ``smtps://user:password@host:port`` (TLS from the start) or ``smtp+starttls://…``."""

    scheme: str
    host: str
    port: int
    username: str = ""
    password: str = ""

    @classmethod
    def from_url(cls, url: str) -> MailServer:
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise ValueError(
                f"TRACKER_MAIL_URL: unsupported mail server {parts.scheme}://… "
                "(smtp://, smtps://, smtp+starttls://host:port)"
            )
        return cls(
            scheme=parts.scheme,
            host=parts.hostname,
            port=parts.port or SCHEMES[parts.scheme],
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
        )

    def send(self, message: EmailMessage, timeout: float) -> None:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=timeout)
        with smtp:
            if self.scheme == "smtp+starttls":
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(message)


def is_permanent(exc: Exception) -> bool:
    """A refusal that trying again will not change (the address bounced: 5xx), as opposed to
    a server that is down or busy (connection errors, 4xx), which is retried. A refused login
    is the configuration's fault, so it is retried until someone fixes it."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return False
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


# ---------------------------------------------------------------- links and tokens


def external_url(endpoint: str, params: dict[str, Any] | None = None, anchor: str = "") -> str:
    """An absolute link under ``TRACKER_BASE_URL``, built without a request."""
    base = urlsplit(current_app.config["TRACKER_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    url = adapter.build(endpoint, params or {}, force_external=True)
    return f"{url}#{anchor}" if anchor else url


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def unsubscribe_token(user_id: int, kind: str) -> str:
    return _serializer().dumps([user_id, kind])


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """The user and kind a token names, or None when it was not made here."""
    try:
        user_id, kind = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or not isinstance(kind, str):
        return None
    return user_id, kind


# ---------------------------------------------------------------- composing


def _message_id(mail: OutboundMail) -> str:
    """Stable per outbox row, so a receiver can tell a repeat (see ``jobs.deliver``)."""
    domain = parseaddr(current_app.config["TRACKER_MAIL_FROM"])[1].rpartition("@")[2]
    digest = hashlib.sha256(f"{mail.id}:{mail.key}".encode()).hexdigest()[:16]
    return make_msgid(idstring=f"{mail.id}.{digest}", domain=domain or "localhost")


def compose(mail: OutboundMail, user: User, items: list[Notification]) -> EmailMessage:
    """The e-mail for ``user`` of the notifications they may still see, in their language
    (``User.language``, else English): the subject and body are rendered under it."""
    with i18n.language(user.language):
        return _compose(mail, user, items)


def _compose(mail: OutboundMail, user: User, items: list[Notification]) -> EmailMessage:
    config = current_app.config
    entries = [
        {
            "title": n.title,
            "body": n.body,
            "url": external_url(n.endpoint, n.url_params, n.anchor),
            "kind": _(KIND[n.kind].label) if n.kind in KIND else n.kind,
            "at": n.created_at,
        }
        for n in items
    ]
    optional = [n.kind for n in items if n.kind in KIND and not KIND[n.kind].mandatory]
    unsubscribe_url, unsubscribe_label = None, ""
    if optional:
        kind = DIGEST if mail.is_digest else optional[0]
        token = unsubscribe_token(user.id, kind)
        unsubscribe_url = external_url("notifications.unsubscribe", {"token": token})
        unsubscribe_label = (
            _("the daily digest") if mail.is_digest else _("“%(kind)s”", kind=_(KIND[kind].label))
        )
    context = {
        "user": user,
        "entries": entries,
        "digest_day": mail.digest_day,
        "unsubscribe_url": unsubscribe_url,
        "unsubscribe_label": unsubscribe_label,
        "preferences_url": external_url("notifications.preferences"),
        "centre_url": external_url("notifications.index"),
    }
    template = "digest" if mail.is_digest else "notification"
    message = EmailMessage()
    # The subject was rendered in the recipient's language when the e-mail was queued.
    message["Subject"] = mail.subject or entries[0]["title"]
    message["From"] = config["TRACKER_MAIL_FROM"]
    message["To"] = formataddr((user.name, user.email))
    message["Date"] = format_datetime(utcnow().replace(tzinfo=UTC))
    message["Message-ID"] = _message_id(mail)
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url:
        # RFC 8058: a POST to this address, without signing in, turns the kind off.
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(render_template(f"notifications/email/{template}.txt", **context))
    message.add_alternative(
        render_template(f"notifications/email/{template}.html", **context), subtype="html"
    )
    return message


def account_link(token: AccountToken) -> str:
    """The absolute address of the page a password-reset or invitation link opens."""
    endpoint = (
        "auth.accept_invitation"
        if token.purpose is TokenPurpose.INVITATION
        else "auth.reset_password"
    )
    return external_url(endpoint, {"token": token_for(token.nonce)})


def compose_account(mail: OutboundMail, user: User, token: AccountToken) -> EmailMessage:
    """The e-mail carrying a single-use account link, in the recipient's language. No
    unsubscribe: it is not optional, and it goes only to the account's own address."""
    with i18n.language(user.language):
        return _compose_account(mail, user, token)


def _compose_account(mail: OutboundMail, user: User, token: AccountToken) -> EmailMessage:
    config = current_app.config
    kind = ACCOUNT_MAIL[str(token.purpose.value)]
    context = {
        "user": user,
        "link": account_link(token),
        "expires_at": token.expires_at,
        "sign_in_url": external_url("auth.login"),
    }
    message = EmailMessage()
    message["Subject"] = _(kind.subject)
    message["From"] = config["TRACKER_MAIL_FROM"]
    message["To"] = formataddr((user.name, user.email))
    message["Date"] = format_datetime(utcnow().replace(tzinfo=UTC))
    message["Message-ID"] = _message_id(mail)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_template(f"auth/email/{kind.name}.txt", **context))
    message.add_alternative(
        render_template(f"auth/email/{kind.name}.html", **context), subtype="html"
    )
    return message
