"""What a command raises when it refuses: the adapters (pages, CLI, jobs, API) translate these.

- ``RuleError``: the input breaks a rule; per-field messages go back onto the form (or a 422).
- ``NotAllowedError``: the user may not do this (403; a view answers 404 first where the user may
  not know the record exists).
- ``ConflictError``: the record changed since the user read it (409, input kept).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

FORM = "__all__"  # a message about the whole input rather than one field


class RuleError(Exception):
    """The input breaks one or more rules. ``errors`` maps a field name (or ``FORM``) to its
    messages, worded for the person who typed it."""

    def __init__(self, errors: Mapping[str, str | list[str]] | str, action: str = "") -> None:
        if isinstance(errors, str):
            errors = {FORM: errors}
        self.errors: dict[str, list[str]] = {
            field: [messages] if isinstance(messages, str) else list(messages)
            for field, messages in errors.items()
        }
        self.action = action
        super().__init__("; ".join(m for ms in self.errors.values() for m in ms))

    @classmethod
    def collect(cls, action: str = "") -> RuleCollector:
        return RuleCollector(action)


class RuleCollector:
    """Gathers every broken rule of one input, so the user sees all of them at once."""

    def __init__(self, action: str) -> None:
        self.action = action
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def check(self, ok: bool, field: str, message: str) -> bool:
        if not ok:
            self.add(field, message)
        return ok

    def raise_if_any(self) -> None:
        if self.errors:
            raise RuleError(self.errors, self.action)


class NotAllowedError(Exception):
    """The user may not take this action on this record."""

    def __init__(self, action: str = "") -> None:
        self.action = action
        super().__init__(action)


@dataclass(frozen=True)
class LastChange:
    """What happened to a record since a user read it, to tell them in a conflict."""

    what: str
    by: str
    at: datetime | None


class ConflictError(Exception):
    """The record changed since the user opened the form. ``last_change`` says what, when
    known; nothing was saved."""

    def __init__(self, last_change: LastChange | None = None, action: str = "") -> None:
        self.last_change = last_change
        self.action = action
        super().__init__(action or "conflict")
