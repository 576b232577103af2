"""Password hashing with argon2id (OWASP's first choice) and the password policy.

The policy follows NIST SP 800-63B (5.1.1.2): at least 12 characters and up to 200 of any kind,
no composition rules, and no password that is common, follows a breached pattern (repeats,
sequences, keyboard walks, dictionary words with substitutions: zxcvbn's estimate) or holds the
user's own name or e-mail address or the service's name.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from tracker.i18n import N_, is_chinese
from tracker.i18n import gettext as _

# argon2-cffi's defaults (RFC 9106 low-memory profile: t=3, m=64 MiB, p=4) exceed OWASP's minimum.
_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
# zxcvbn's score from 0 (guessable in under 10^3 tries) to 4; 3 resists an offline attack on a
# fast hash for a while (about 10^10 guesses), far beyond what the sign-in throttle allows.
MIN_STRENGTH = 3
_ZXCVBN_MAX = 72  # zxcvbn refuses longer input; the first 72 characters decide its estimate
SERVICE_WORDS = ("sandbox", "tracker", "regulatory", "regulator")

# Verified against when the email is unknown, so both failures cost the same time. A fixed hash
# (of a random password nobody kept) with the default parameters: computing one at import would
# cost every process 64 MiB of peak memory.
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$"
    "59yvSSEzXRVO7JEFTVDmZg$0gfAAlaaA1j+lbqiKlPkMpxwoFWlvHLl/LeX7Ats8Vc"
)


# zxcvbn's warnings (English only), in the catalogue so a Chinese page shows them in Chinese.
ZXCVBN_WARNINGS = (
    N_("Straight rows of keys are easy to guess."),
    N_("Short keyboard patterns are easy to guess."),
    N_('Repeats like "aaa" are easy to guess.'),
    N_('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    N_('Sequences like "abc" or "6543" are easy to guess.'),
    N_("Recent years are easy to guess."),
    N_("Dates are often easy to guess."),
    N_("This is a top-10 common password."),
    N_("This is a top-100 common password."),
    N_("This is a very common password."),
    N_("This is similar to a commonly used password."),
    N_("A word by itself is easy to guess."),
    N_("Names and surnames by themselves are easy to guess."),
    N_("Common names and surnames are easy to guess."),
)


def _warning(text: str) -> str:
    """zxcvbn's warning in the page's language, ending with a full stop; empty on a Chinese
    page when the catalogue has no translation of it."""
    if not text:
        return ""
    text = text if text.endswith(".") else f"{text}."
    translated = _(text)
    if is_chinese() and translated == text:
        return ""
    return translated


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; an absent hash (an unknown user, or an invited one with no
    password yet) is checked against a dummy for timing, and never matches."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def _personal_words(email: str, name: str) -> list[str]:
    """The parts of a user's e-mail and name that must not appear in their password."""
    local, _, domain = email.casefold().partition("@")
    words = [local, *re.split(r"[^\w]+", local), *domain.split(".")[:-1]]
    words += re.split(r"[^\w]+", name.casefold())
    return [w for w in dict.fromkeys(words) if len(w) >= 4]


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """What is wrong with ``password`` as a new password for this user; empty when nothing."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        return [
            _(
                "Use from %(min)d to %(max)d characters.",
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
            )
        ]
    folded = password.casefold()
    personal = _personal_words(email, name)
    if any(word in folded for word in personal):
        return [_("Do not use your name or e-mail address in the password.")]
    from zxcvbn import zxcvbn

    estimate = zxcvbn(password[:_ZXCVBN_MAX], user_inputs=[*personal, *SERVICE_WORDS])
    if estimate["score"] < MIN_STRENGTH:
        warning = _warning(estimate["feedback"].get("warning") or "")
        if warning:
            return [
                _(
                    "This password is too easy to guess. %(warning)s Try a few unrelated words, "
                    "or a longer phrase.",
                    warning=warning,
                )
            ]
        return [
            _("This password is too easy to guess. Try a few unrelated words, or a longer phrase.")
        ]
    return []
