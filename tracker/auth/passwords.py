"""Password hashing with argon2id (OWASP's first choice)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2-cffi's defaults (RFC 9106 low-memory profile: t=3, m=64 MiB, p=4) exceed OWASP's minimum.
_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 12

# Verified against when the email is unknown, so both failures cost the same time. A fixed hash
# (of a random password nobody kept) with the default parameters: computing one at import would
# cost every process 64 MiB of peak memory.
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$"
    "59yvSSEzXRVO7JEFTVDmZg$0gfAAlaaA1j+lbqiKlPkMpxwoFWlvHLl/LeX7Ats8Vc"
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; an absent hash is checked against a dummy for timing."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
