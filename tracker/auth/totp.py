"""TOTP (RFC 6238) arithmetic with pyotp, recovery codes, and the enrolment QR code (segno,
drawn as inline SVG: nothing is loaded from elsewhere)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime

import pyotp
import segno

from tracker.i18n import gettext as _

ISSUER = "Sandbox Tracker"
STEP_SECONDS = 30
# A code of the step before or after is accepted too: phones' clocks drift.
DRIFT_STEPS = 1
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
_RECOVERY_LENGTH = 12  # about 59 bits each


def new_secret() -> str:
    return pyotp.random_base32()


def step_at(moment: datetime) -> int:
    """The time step of a naive-UTC moment."""
    return int(moment.replace(tzinfo=UTC).timestamp()) // STEP_SECONDS


def code_at_step(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, interval=STEP_SECONDS).generate_otp(step)


def matching_step(secret: str, code: str, moment: datetime, after: int | None) -> int | None:
    """The time step whose code is ``code`` (within the drift allowed), later than ``after``
    (the last step used: a code is never accepted twice), or None."""
    code = re.sub(r"\s", "", code)
    if not re.fullmatch(r"\d{6}", code):
        return None
    now = step_at(moment)
    found = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        # Every candidate is compared, in constant time, whatever matched before.
        if hmac.compare_digest(code_at_step(secret, step), code) and (
            after is None or step > after
        ):
            found = step
    return found


def provisioning_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=ISSUER
    )


def qr_svg(uri: str) -> str:
    """The QR code of the URI, as an SVG element to put in the page."""
    return str(
        segno.make(uri, error="m").svg_inline(
            scale=5, dark="#000", light="#fff", title=_("QR code for your authenticator app")
        )
    )


def grouped(secret: str) -> str:
    """The secret in groups of four, to type by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def new_recovery_codes() -> list[str]:
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODES:
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.add(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    return sorted(codes)


def normalise_recovery_code(code: str) -> str:
    return re.sub(r"[^a-z0-9]", "", code.casefold())


def recovery_digest(code: str) -> str:
    return hashlib.sha256(normalise_recovery_code(code).encode()).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    return len(normalise_recovery_code(code)) == _RECOVERY_LENGTH
