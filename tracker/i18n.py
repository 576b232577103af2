"""The interface language: English or Traditional Chinese (Hong Kong), chosen per user.

The choice, in order: ``?lang=`` on the address (kept for the session, so a link opens in that
language), the signed-in user's saved preference, the language this session switched to, the
browser's ``Accept-Language`` (``zh-HK``, ``zh-TW``, ``zh-MO``, ``zh-Hant`` mean Traditional
Chinese; plain ``zh`` and ``zh-CN``/``zh-Hans`` do not), else English.

Locale codes: ``en`` and ``zh_Hant`` are Babel's (catalogue folders, date formats); the pages'
``lang`` attributes use the BCP 47 spelling, ``en`` and ``zh-Hant`` (``html_lang``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from babel import Locale
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import Babel, force_locale, get_locale, get_translations
from flask_babel import lazy_gettext as lazy_gettext
from flask_login import current_user

ENGLISH = "en"
CHINESE = "zh_Hant"
# Babel code → the name of the language in that language (what the switch shows).
LANGUAGES: dict[str, str] = {ENGLISH: "English", CHINESE: "繁體中文"}
# Every spelling a link, a form or a stored preference may use, folded to a Babel code.
_ALIASES = {
    "en": ENGLISH,
    "en-gb": ENGLISH,
    "en-us": ENGLISH,
    "en-hk": ENGLISH,
    "zh-hant": CHINESE,
    "zh_hant": CHINESE,
    "zh-hk": CHINESE,
    "zh-tw": CHINESE,
    "zh-mo": CHINESE,
    "zh-hant-hk": CHINESE,
    "zh-hant-tw": CHINESE,
    "zh_hant_hk": CHINESE,
}

babel = Babel()


def _per_locale(name: str, locale: Locale, build: Callable[[Locale], Any]) -> Any:
    """``build(locale)``, kept on the app under ``name`` by the locale's parts: what a page
    asks for hundreds of times (a message's catalogue, a number's signs) is worked out once."""
    kept: dict[tuple[str, str | None, str | None], Any] = current_app.extensions.setdefault(
        name, {}
    )
    key = (locale.language, locale.script, locale.territory)
    if key not in kept:
        kept[key] = build(locale)
    return kept[key]


def shown_locale() -> Locale | None:
    """The locale being shown: Flask-Babel's ``get_locale()``, read straight from the request's
    namespace where Flask-Babel keeps it once chosen (and where ``force_locale`` puts its own).
    ``get_locale`` finds that namespace through three context lookups on each call, 7 µs on a
    development machine, and a board of 300 cards asks a thousand times."""
    try:
        locale = g._get_current_object()._flask_babel.babel_locale
    except (RuntimeError, AttributeError):  # no app context, or no locale chosen yet
        locale = None
    return locale if locale is not None else get_locale()


def catalogue() -> Any:
    """The translations of the language being shown (a request's, or the one ``language()``
    forces), kept per locale: Flask-Babel finds the request's domain, context and locale name
    again for each message, and a page shows hundreds of them."""
    locale = shown_locale()
    if locale is None:  # outside an app context: no catalogue, the English as written
        return get_translations()
    return _per_locale("tracker_catalogues", locale, lambda _locale: get_translations())


def gettext(string: str, **variables: Any) -> str:
    """Flask-Babel's ``gettext``, with the catalogue looked up once per locale."""
    translated = catalogue().ugettext(string)
    return str(translated if not variables else translated % variables)


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """Flask-Babel's ``ngettext`` (``num`` is a variable of the message), as ``gettext``."""
    variables.setdefault("num", num)
    return str(catalogue().ungettext(singular, plural, num) % variables)


def pgettext(context: str, string: str, **variables: Any) -> str:
    translated = catalogue().upgettext(context, string)
    return str(translated if not variables else translated % variables)


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional marker
    """Marks a string for the catalogue where it is defined; it is translated where it is shown
    (``gettext(variable)``)."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802
    """Marks a singular and plural pair for the catalogue, like ``N_``."""
    return singular, plural


def normalise(code: str | None) -> str | None:
    """A Babel code for any spelling of the two languages, else None."""
    if not code:
        return None
    return _ALIASES.get(code.strip().lower().replace("_", "-")) or _ALIASES.get(
        code.strip().lower()
    )


def from_accept_language(header_values: Any) -> str:
    """The best of the two languages for an ``Accept-Language`` header (its quality order)."""
    for value, _quality in header_values:
        code = normalise(value)
        if code:
            return code
        if value.lower().split("-")[0] == "en":
            return ENGLISH
    return ENGLISH


def select_locale() -> str:
    if not has_request_context():
        return ENGLISH
    if request.blueprint == "api" or request.path.startswith("/api/v1/"):
        # The JSON API is a contract with scripts: its labels and problem details are the
        # documented English whatever the caller's language (its reference pages for people,
        # under /api/docs, follow the reader's language).
        return ENGLISH
    asked = normalise(request.args.get("lang"))
    if asked:
        session["lang"] = asked
        return asked
    if current_user and current_user.is_authenticated:
        saved = normalise(getattr(current_user, "language", None))
        if saved:
            return saved
    chosen = normalise(session.get("lang"))
    if chosen:
        return chosen
    return from_accept_language(request.accept_languages)


def may_switch() -> bool:
    """Whether this request has a session to keep a switch in (API addresses have none)."""
    from flask.sessions import NullSession

    return has_request_context() and not isinstance(session, NullSession)


def current_language() -> str:
    """The Babel code of the language this request is shown in."""
    locale = shown_locale()
    return CHINESE if locale is not None and locale.language == "zh" else ENGLISH


def html_lang(code: str | None = None) -> str:
    """The BCP 47 tag for ``lang`` attributes: ``en`` or ``zh-Hant``."""
    return "zh-Hant" if (code or current_language()) == CHINESE else "en"


def is_chinese() -> bool:
    return current_language() == CHINESE


@contextmanager
def language(code: str | None) -> Iterator[None]:
    """Render e-mails and reports in ``code`` (a user's preference), whatever the request's."""
    with force_locale(normalise(code) or ENGLISH):
        yield


def local_name(record: object) -> str:
    """A regulator's, institution's, programme's, cohort's or category's name in the page's
    language: the Chinese name on a Chinese page when the record has one, else the English."""
    if record is None:
        return ""
    chinese = getattr(record, "name_zh", None)
    if chinese and is_chinese():
        return str(chinese)
    english = getattr(record, "name", None) or getattr(record, "name_en", None)
    return str(english if english is not None else record)


def number(value: float | int | None, digits: int | None = None) -> str:
    """A number with the locale's grouping (12,345); ``digits`` fixes the decimals."""
    from flask_babel import format_decimal

    if value is None:
        return "—"
    if digits is None and type(value) is int:
        symbols = _integer_symbols()
        if symbols is not None:  # the locale writes whole numbers as Python does, but its signs
            group, minus = symbols
            return f"{value:,}".replace(",", group).replace("-", minus)
    if digits is None:
        return str(format_decimal(value))
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return str(format_decimal(value, format=pattern))


def _integer_symbols() -> tuple[str, str] | None:
    """The page's group and minus signs, when its locale groups whole numbers by threes from
    the right (``#,##0``) as both of ours do; else None, and Babel formats each number. Kept on
    the app per locale: a dashboard shows a few hundred numbers."""
    locale = shown_locale()
    if locale is None:
        return None
    symbols: tuple[str, str] | None = _per_locale(
        "tracker_integer_symbols", locale, _grouped_by_threes
    )
    return symbols


def _grouped_by_threes(locale: Locale) -> tuple[str, str] | None:
    from babel.numbers import get_group_symbol, get_minus_sign_symbol

    pattern = locale.decimal_formats[None]
    standard = (
        pattern.grouping == (3, 3)
        and pattern.int_prec[0] == 1
        and pattern.prefix == ("", "-")
        and pattern.suffix == ("", "")
    )
    return (get_group_symbol(locale), get_minus_sign_symbol(locale)) if standard else None


def percent(share: float | None, digits: int = 0) -> str:
    """A share (0.25) as the locale writes a percentage (25%)."""
    from flask_babel import format_percent

    if share is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return str(format_percent(share, format=pattern))


class ZoneName:
    """The configured time zone as pages name it: ``Asia/Hong_Kong`` in English (as set),
    Babel's name in Chinese (香港時間)."""

    def __init__(self, zone: str) -> None:
        self.zone = zone

    def __str__(self) -> str:
        if is_chinese():
            from babel.dates import get_timezone_name

            return str(get_timezone_name(self.zone, locale=CHINESE))
        return self.zone

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))


def babel_locale(code: str | None = None) -> Locale:
    return Locale.parse(normalise(code) or current_language())


def _timezone() -> str:
    from flask import current_app

    return str(current_app.config["TRACKER_TIMEZONE"])


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=_timezone,
        default_translation_directories="translations",
    )
    # The templates' ``_``, ``ngettext`` and ``pgettext``, on the catalogue kept per locale.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: catalogue().ugettext(s),
        ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n),
        newstyle=True,
    )

    @app.before_request
    def _wtforms_messages() -> None:
        # Flask-WTF would load WTForms' own catalogue for "zh_Hant" and fall back to its
        # Simplified "zh"; the validators' messages come from our catalogue instead
        # (tracker/i18n_wtforms.py lists the ones the forms use).
        from flask import g
        from flask_babel import get_translations

        # Flask-Babel keeps the locale on ``g``; a request inside an outer application context
        # (tests, a shell) must choose its own language, not inherit the last request's.
        g.pop("_flask_babel", None)
        request.wtforms_translations = get_translations()  # type: ignore[attr-defined]


def compile_catalogues(root: str | None = None) -> list[str]:
    """Compile each ``messages.po`` under the translations folder whose ``.mo`` is missing or
    older (``make install`` does the same with pybabel; the tests call this so a checkout that
    only ran pytest still shows Chinese). Returns the catalogues compiled."""
    import os
    import tempfile
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    folder = Path(root) if root else Path(__file__).parent / "translations"
    done = []
    for po in folder.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalogue = read_po(source)
        # Written aside and moved into place, so parallel test workers never read half a file.
        handle, temporary = tempfile.mkstemp(dir=po.parent, suffix=".mo.part")
        with os.fdopen(handle, "wb") as target:
            write_mo(target, catalogue)
        os.replace(temporary, mo)
        done.append(str(po))
    return done
