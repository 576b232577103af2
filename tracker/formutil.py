"""Small helpers shared by forms."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms import SelectChoice


def options(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """Choices for SelectField/RadioField from ``(value, label)`` pairs (WTForms 3.3 style)."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]
