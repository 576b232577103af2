"""The messages and numbers of a page come from the catalogue kept per locale and from Python's
own grouping: the same text as Flask-Babel and Babel give, in both languages, and the language
forced for an e-mail or a report is the one its messages come out in."""

from __future__ import annotations

import threading

import flask_babel
import pytest
from babel.numbers import format_decimal
from flask import Flask, render_template_string

from tracker import i18n
from tracker.usecases.models import Stage

NUMBERS = [0, 1, -1, 7, 999, 1000, -1000, 12345, 999999, 1000000, -7654321, 10**12 + 5]


@pytest.mark.parametrize("code", [i18n.ENGLISH, i18n.CHINESE])
def test_whole_numbers_read_as_babel_writes_them(app: Flask, code: str) -> None:
    with app.test_request_context(f"/?lang={code}"), i18n.language(code):
        for value in NUMBERS:
            assert i18n.number(value) == format_decimal(value, locale=code)


def test_other_numbers_still_go_through_babel(app: Flask) -> None:
    with app.test_request_context("/"), i18n.language(i18n.ENGLISH):
        assert i18n.number(1234.5678) == "1,234.568"
        assert i18n.number(1234, digits=1) == "1,234.0"
        assert i18n.number(None) == "—"


def test_a_locale_grouping_otherwise_is_left_to_babel(app: Flask) -> None:
    # Hindi groups by twos after the first three: not Python's grouping, so Babel formats it.
    with app.test_request_context("/"), flask_babel.force_locale("hi"):
        assert i18n.number(12345678) == format_decimal(12345678, locale="hi") == "1,23,45,678"


def test_messages_match_flask_babel_in_each_language(app: Flask) -> None:
    with app.test_request_context("/"):
        for code in (i18n.ENGLISH, i18n.CHINESE):
            with i18n.language(code):
                assert i18n.gettext("Use cases") == flask_babel.gettext("Use cases")
                assert i18n.ngettext("%(num)d day", "%(num)d days", 3) == flask_babel.ngettext(
                    "%(num)d day", "%(num)d days", 3
                )
                assert i18n.pgettext("date", "Planned") == flask_babel.pgettext("date", "Planned")
        with i18n.language(i18n.CHINESE):
            assert i18n.gettext("Use cases") != "Use cases"  # the catalogue is there


def test_a_forced_language_switches_the_kept_catalogue(app: Flask) -> None:
    """A request shown in English renders an e-mail in Chinese and goes back to English."""
    with app.test_request_context("/?lang=en"):
        english = Stage.PILOT.label
        with i18n.language(i18n.CHINESE):
            chinese = flask_babel.gettext("Pilot")
            assert Stage.PILOT.label == chinese != english
            assert render_template_string("{{ _('Pilot') }}") == chinese
        assert Stage.PILOT.label == english == "Pilot"
        assert render_template_string("{{ _('Pilot') }}") == "Pilot"


def test_the_shown_locale_is_flask_babels_in_every_context(app: Flask) -> None:
    """``shown_locale`` reads where Flask-Babel keeps the request's locale: it must agree with
    ``get_locale`` before the choice is made, after it, under ``force_locale`` and after it,
    and outside any request (an upgrade that moves the place fails here)."""

    def same() -> str | None:
        ours, theirs = i18n.shown_locale(), flask_babel.get_locale()
        assert ours == theirs
        return None if ours is None else str(ours)

    outside: list[str | None] = []
    worker = threading.Thread(target=lambda: outside.append(same()))  # a thread has no context
    worker.start()
    worker.join()
    assert outside == [None]
    with app.app_context():
        assert same() == "en"
    with app.test_request_context("/?lang=zh-HK"):
        assert same() == i18n.CHINESE  # chosen on first use
        assert same() == i18n.CHINESE  # and kept
        with flask_babel.force_locale("en"):
            assert same() == "en"
            with i18n.language(i18n.CHINESE):
                assert same() == i18n.CHINESE
            assert same() == "en"
        assert same() == i18n.CHINESE
        flask_babel.refresh()
        assert same() == i18n.CHINESE
