"""Webhooks: an institution's system is told, by a signed POST, of what happens to the use cases
its institution leads. Optional: an institution without a webhook is told nothing.

Each delivery is a job, retried with back-off when the receiver fails or is unreachable. The
body is JSON; ``Tracker-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` with
the webhook's secret lets the receiver check that it came from the tracker and is recent
(Stripe's scheme). Receivers are https, on public addresses: a webhook cannot be pointed at the
regulator's own network (``TRACKER_WEBHOOK_ALLOW_PRIVATE`` lifts that for tests and local use).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.request
import uuid
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from tracker import events, jobs
from tracker.api.models import Webhook
from tracker.auth.models import User
from tracker.extensions import db, utcnow
from tracker.rules import NotAllowedError, RuleError
from tracker.usecases.models import UseCase

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
# Events an institution's users may not see: internal notes and the regulator's scores.
HIDDEN = (events.ReviewSaved,)


def _may_manage(user: User) -> bool:
    return (
        user.active
        and user.is_institution_user
        and user.institution is not None
        and user.institution.active
    )


def _check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    allow_http = bool(current_app.config["TRACKER_WEBHOOK_ALLOW_PRIVATE"])
    ok = (
        len(url) <= 500
        and parts.scheme in (("https", "http") if allow_http else ("https",))
        and bool(parts.hostname)
        and not parts.username
        and not parts.password
    )
    if not ok:
        raise RuleError({"url": "Give an https:// address, at most 500 characters."}, "webhook")
    return url


def webhook_of(user: User) -> Webhook | None:
    if user.institution_id is None:
        return None
    return db.session.scalar(
        sa.select(Webhook).where(Webhook.institution_id == user.institution_id)
    )


def set_webhook(user: User, url: str) -> tuple[Webhook, str | None]:
    """Point the user's institution's webhook at ``url``. A new webhook gets a new secret,
    returned once; changing the address keeps the secret (None)."""
    if not _may_manage(user):
        raise NotAllowedError("webhook.set")
    url = _check_url(url)
    webhook = webhook_of(user)
    secret = None
    if webhook is None:
        assert user.institution_id is not None
        secret = secrets.token_hex(32)
        webhook = Webhook(institution_id=user.institution_id, secret=secret, created_by_id=user.id)
        db.session.add(webhook)
    webhook.url = url
    db.session.flush()
    return webhook, secret


def remove_webhook(user: User) -> None:
    if not _may_manage(user):
        raise NotAllowedError("webhook.remove")
    webhook = webhook_of(user)
    if webhook is not None:
        db.session.delete(webhook)
        db.session.flush()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def payload(event: events.UseCaseEvent) -> dict[str, Any]:
    fields = {
        k: v
        for k, v in vars(event).items()
        if k not in ("actor_id",) and isinstance(v, str | int | bool | tuple | type(None))
    }
    return {
        "id": str(uuid.uuid4()),
        "type": event.action,
        "created_at": utcnow().isoformat() + "Z",
        "data": {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()},
    }


@events.subscribe(events.UseCaseEvent)
def queue_delivery(event: events.UseCaseEvent) -> None:
    """After a change is committed, tell the lead institution's webhook, if it has one."""
    if isinstance(event, HIDDEN) or getattr(event, "internal", False):
        return
    webhook_id = db.session.scalar(
        sa.select(Webhook.id)
        .join(UseCase, UseCase.institution_id == Webhook.institution_id)
        .where(UseCase.id == event.use_case_id)
    )
    if webhook_id is not None:
        deliver_webhook(webhook_id, json.dumps(payload(event)))


def _public(host: str, port: int) -> bool:
    """Every address the host resolves to is on the public internet."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_global for info in infos)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A receiver answers; it does not send the tracker elsewhere (a redirect could point at
    an address the check above refused)."""

    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def deliver(webhook_id: int, body: str, now: float | None = None) -> int | None:
    """POST one event to the webhook; raises when it should be tried again. Returns the
    receiver's status, or None when the webhook is gone (nothing to do)."""
    webhook = db.session.get(Webhook, webhook_id)
    if webhook is None:
        return None
    parts = urlsplit(webhook.url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if not current_app.config["TRACKER_WEBHOOK_ALLOW_PRIVATE"] and not _public(
        parts.hostname or "", port
    ):
        raise ConnectionError(f"webhook {webhook_id}: {parts.hostname} is not a public address")
    data = body.encode()
    stamp = int(now if now is not None else time.time())
    request = urllib.request.Request(  # noqa: S310 (https, or http only where allowed)
        webhook.url,
        data=data,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "SandboxTracker-Webhook/1",
            "Tracker-Signature": sign(webhook.secret, stamp, data),
            "Tracker-Event": json.loads(body)["type"],
        },
    )
    with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
        status = int(response.status)
    log.info("webhook delivered", extra={"webhook": webhook_id, "status": status})
    return status


@jobs.app_job(retries=8, retry_delay=60)
def deliver_webhook(webhook_id: int, body: str) -> None:
    """A delivery, retried every minute for a while when the receiver fails (any answer but
    2xx raises, a redirect included)."""
    deliver(webhook_id, body)
