"""Webhooks: an institution's system gets a signed POST when its use cases change, never of
what it may not see nor of other institutions' use cases, and never on a private address unless
allowed."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.error import HTTPError

import pytest
from flask import Flask

from tests import factories as f
from tests.api.conftest import Api, pilot
from tests.conftest import World
from tracker.api import webhooks
from tracker.extensions import db
from tracker.usecases.models import Stage


class Receiver:
    """An institution's endpoint on loopback: keeps what it is sent, answers ``status``."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 200
        self.location = ""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.status)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def types(self) -> list[str]:
        return [json.loads(r["body"])["type"] for r in self.received]


@pytest.fixture
def receiver(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    monkeypatch.setitem(app.config, "TRACKER_WEBHOOK_ALLOW_PRIVATE", True)
    found = Receiver()
    yield found
    found.server.shutdown()
    found.server.server_close()


def _verify(secret: str, delivery: dict[str, Any]) -> None:
    signature = dict(p.split("=", 1) for p in delivery["headers"]["Tracker-Signature"].split(","))
    expected = hmac.new(
        secret.encode(), signature["t"].encode() + b"." + delivery["body"], hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(signature["v1"], expected)


def test_the_institution_is_told_signed_of_what_it_may_see(world: World, api_as, receiver):
    uc = pilot(world)
    bank: Api = api_as(world.bank_user)
    registered = bank.call("PUT", "/webhook", {"url": receiver.url})
    assert registered.status_code == 200, registered.json
    secret = registered.json["secret"]
    assert secret and bank.get("/webhook").json["secret"] is None

    bank.post(f"/use-cases/{uc.id}/messages", {"body": "Hello"})
    regulator: Api = api_as(world.reviewer)
    regulator.post(f"/use-cases/{uc.id}/messages", {"body": "Internal", "internal": True})
    regulator.post(f"/use-cases/{uc.id}/transitions/suspend", {"reason": "Check"}, if_match='"1"')
    other = f.create_use_case(world.cohort, world.other_bank, world.category, stage=Stage.PILOT)
    db.session.commit()
    api_as(world.other_bank_user).post(f"/use-cases/{other.id}/messages", {"body": "Ours"})

    assert receiver.types() == ["use_case.message", "use_case.transition"]
    for delivery in receiver.received:
        _verify(secret, delivery)
    event = json.loads(receiver.received[1]["body"])
    assert event["data"]["use_case_id"] == uc.id
    assert event["data"]["to_stage"] == "suspended"
    assert receiver.received[1]["headers"]["Tracker-Event"] == "use_case.transition"


def test_a_receiver_that_fails_is_tried_again(world: World, api_as, receiver):
    pilot(world)
    bank: Api = api_as(world.bank_user)
    bank.call("PUT", "/webhook", {"url": receiver.url})
    webhook = webhooks.webhook_of(world.bank_user)
    assert webhook is not None
    receiver.status = 500
    body = json.dumps({"type": "use_case.message", "data": {}})
    with pytest.raises(HTTPError):  # the job raises, so the queue retries it
        webhooks.deliver(webhook.id, body)
    receiver.status, receiver.location = 307, "http://127.0.0.1:9/internal"
    with pytest.raises(HTTPError):  # a redirect is not followed
        webhooks.deliver(webhook.id, body)
    receiver.status, receiver.location = 204, ""
    assert webhooks.deliver(webhook.id, body) == 204
    assert len(receiver.received) == 3


def test_private_addresses_and_plain_http_are_refused(world: World, api_as, app, monkeypatch):
    bank: Api = api_as(world.bank_user)
    assert bank.call("PUT", "/webhook", {"url": "http://tracker.example/hook"}).status_code == 422
    assert bank.call("PUT", "/webhook", {"url": "https://127.0.0.1:9/hook"}).status_code == 200
    webhook = webhooks.webhook_of(world.bank_user)
    assert webhook is not None
    with pytest.raises(ConnectionError, match="not a public address"):
        webhooks.deliver(webhook.id, json.dumps({"type": "x"}))


def test_only_institution_users_keep_a_webhook(world: World, api_as, receiver):
    assert api_as(world.reviewer).call("PUT", "/webhook", {"url": receiver.url}).status_code == 403
    bank: Api = api_as(world.bank_user)
    bank.call("PUT", "/webhook", {"url": receiver.url})
    assert api_as(world.other_bank_user).get("/webhook").status_code == 404
    assert bank.call("DELETE", "/webhook").status_code == 204
    assert bank.get("/webhook").status_code == 404
