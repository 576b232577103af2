"""Dates inside messages, written as the pages write them: ``01 Dec 2026`` in English,
``2026年12月1日`` in Chinese (the ``day`` filter's format)."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from tracker import i18n


def day(value: date | None) -> str:
    if not value:
        return ""
    if i18n.is_chinese():
        return str(format_date(value, "long", locale=i18n.CHINESE))
    return value.strftime("%d %b %Y")


def period(start: date, end: date) -> str:
    """A period as a choice label: ``01 Jan 2026 to 31 Mar 2026``."""
    return i18n.gettext("%(start)s to %(end)s", start=day(start), end=day(end))
