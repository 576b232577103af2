"""The tokens of single-use account links (password reset, invitation).

A token is the HMAC-SHA256 of a random nonce under the application's secret key; the database
keeps the nonce and the SHA-256 of the token, never the token. A link is looked up by that
hash, so comparing it takes no secret-dependent time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app

TOKEN_BYTES = 32


def new_nonce() -> str:
    return secrets.token_hex(TOKEN_BYTES)


def token_for(nonce: str) -> str:
    """The token sent by e-mail for a stored nonce (computable only with the secret key)."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"account-link:{nonce}".encode(), hashlib.sha256).hexdigest()


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
