"""Sign-in throttling that holds under parallel requests and cannot be turned against a user.

Every attempt takes its place in the count (an atomic increment in the limiter's storage, Redis
in production) *before* the password is checked, so parallel requests on any number of workers
can never verify more passwords than the limit allows; a successful sign-in gives its place
back, so only failures count.

Two counts apply to each attempt:

- per client address (taken from the trusted proxies, see ``TRACKER_PROXY_COUNT``);
- per account (the e-mail typed), so guessing spread over many addresses is stopped too.

The per-account count would let anyone who knows an e-mail lock its owner out. A browser in
which the account signed in before carries a signed *device cookie* (OWASP's "device cookies"
scheme): its attempts count against that device instead of the account, so the owner signs in
as usual while strangers' guesses are refused.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from dataclasses import dataclass, field

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import RateLimitItem, parse
from limits.strategies import FixedWindowRateLimiter
from werkzeug.wrappers import Response

from tracker.extensions import limiter

DEVICE_COOKIE = "tracker_device"
DEVICE_DAYS = 180
_SALT = "login-device"


def _rule() -> RateLimitItem:
    return parse(str(current_app.config["TRACKER_LOGIN_RATE_LIMIT"]))


def _counter() -> FixedWindowRateLimiter:
    return FixedWindowRateLimiter(limiter.storage)


def _account_key(email: str) -> str:
    # A digest, so the storage holds no e-mail addresses.
    return hashlib.sha256(email.encode()).hexdigest()[:32]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _device(email: str) -> str | None:
    """The id of this browser's device cookie when it was issued for ``email``."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer().loads(raw, max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("account") != _account_key(email):
        return None
    device = data.get("device")
    return device if isinstance(device, str) else None


def remember_device(response: Response, email: str) -> None:
    """After a successful sign-in: mark this browser as one the account uses."""
    value = _serializer().dumps({"account": _account_key(email), "device": secrets.token_hex(16)})
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_DAYS * 86400,
        path="/login",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )


@dataclass
class Attempt:
    """One sign-in attempt's places in the counts. ``refused`` names the count that is full
    ("address" or "account"), with the minutes until it empties."""

    rule: RateLimitItem
    taken: list[tuple[str, str]] = field(default_factory=list)
    refused: str = ""
    wait_minutes: int = 0

    def succeeded(self) -> None:
        """A successful sign-in does not count: give the places back."""
        self._give_back()

    def _give_back(self) -> None:
        if not self.taken:
            return
        storage = limiter.storage
        for namespace, key in self.taken:
            storage.incr(self.rule.key_for(namespace, key), self.rule.get_expiry(), amount=-1)
        self.taken.clear()

    def _take(self, namespace: str, key: str) -> bool:
        counter = _counter()
        if counter.hit(self.rule, namespace, key):
            self.taken.append((namespace, key))
            return True
        reset = counter.get_window_stats(self.rule, namespace, key).reset_time
        self.wait_minutes = max(1, math.ceil((reset - time.time()) / 60))
        return False


def _counting() -> bool:
    """Whether sign-ins are counted at all (``RATELIMIT_ENABLED`` off leaves no storage)."""
    return bool(limiter.enabled) and limiter.storage is not None


def begin(email: str, scope: str = "login") -> Attempt:
    """Take this attempt's places before the password is checked. A refused attempt holds no
    place (it checked nothing). ``scope`` keeps counts apart: "login" for passwords and
    second-factor codes, "reset" for requests of a password-reset link (no device cookie
    there: the request checks no secret, so it cannot lock anyone out of signing in)."""
    attempt = Attempt(_rule())
    if not _counting():
        return attempt
    if not attempt._take(f"{scope}-address", request.remote_addr or "unknown"):
        attempt.refused = "address"
        return attempt
    device = _device(email) if scope == "login" else None
    account = (f"{scope}-device", device) if device else (f"{scope}-account", _account_key(email))
    if not attempt._take(*account):
        attempt.refused = "account"
        attempt._give_back()
    return attempt


def clear_account(email: str) -> None:
    """Empty an account's count of failures (an administrator set a new password)."""
    if not _counting():
        return
    rule = _rule()
    limiter.storage.clear(rule.key_for("login-account", _account_key(email)))
