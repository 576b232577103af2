"""Values the database keeps encrypted, such as a user's TOTP secret.

A copy of the database (a backup, a replica, a leaked dump) must not be enough to produce a
user's second-factor codes, so sealed columns hold a Fernet token (AES-128-CBC with an
HMAC-SHA256, from the well-kept ``cryptography`` package) under a key derived from the
application's ``SECRET_KEY`` with HKDF. The model opens a value only where it is used.
Rotating ``SECRET_KEY`` makes existing sealed values unreadable: for TOTP secrets that means
every user enrols again (the README says so).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

_INFO = b"sandbox-tracker sealed column v1"


class UnreadableSealedValueError(Exception):
    """A sealed value that the current key cannot open (``SECRET_KEY`` was changed)."""


def _fernet() -> Fernet:
    secret = current_app.config["SECRET_KEY"]
    material = secret.encode() if isinstance(secret, str) else bytes(secret)
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(material)
    return Fernet(base64.urlsafe_b64encode(key))


def seal(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode("ascii")


def unseal(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except InvalidToken as exc:
        raise UnreadableSealedValueError(
            "A sealed value cannot be read with this SECRET_KEY (was the key changed?)."
        ) from exc
