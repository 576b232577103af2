"""An institution's webhook over the API: see it, point it somewhere, remove it. Institution
users only; the webhook is their institution's."""

from __future__ import annotations

from typing import Any

from flask import abort
from werkzeug.wrappers import Response

from tracker.api import webhooks
from tracker.api.blueprint import bp, current_api_user, errors, reply
from tracker.api.schemas import WebhookInput, WebhookOut
from tracker.unit_of_work import unit_of_work


@bp.route("/webhook", tags=["Webhook"])
@bp.response(200, WebhookOut)
@errors(401, 404, 429)
def get_webhook() -> Response:
    """Your institution's webhook, if it has one."""
    webhook = webhooks.webhook_of(current_api_user())
    if webhook is None:
        abort(404)
    return reply(200, WebhookOut().dump({**vars(webhook), "secret": None}))


@bp.route("/webhook", methods=["PUT"], tags=["Webhook"])
@bp.arguments(WebhookInput)
@bp.response(200, WebhookOut)
@errors(401, 403, 413, 429)
def put_webhook(data: dict[str, Any]) -> Response:
    """Point your institution's webhook at an https address. The first time, the answer holds
    the signing secret, once; later changes of address keep it."""
    with unit_of_work("api.webhook.set"):
        webhook, secret = webhooks.set_webhook(current_api_user(), data["url"])
        body = WebhookOut().dump(
            {"url": webhook.url, "created_at": webhook.created_at, "secret": secret}
        )
    return reply(200, body)


@bp.route("/webhook", methods=["DELETE"], tags=["Webhook"])
@bp.response(204)
@errors(401, 403, 429)
def delete_webhook() -> Response:
    """Stop telling your institution's system anything."""
    with unit_of_work("api.webhook.remove"):
        webhooks.remove_webhook(current_api_user())
    return Response(status=204)
