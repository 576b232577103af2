"""Every string meant for users is in the catalogue with a Traditional Chinese translation, so
later work cannot add untranslated text (issue 15)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.i18n import scan

ROOT = scan.ROOT
CATALOGUE = ROOT / "tracker" / "translations"
PO = CATALOGUE / "zh_Hant" / "LC_MESSAGES" / "messages.po"
# The same keywords as `make translations-extract`.
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "lazy_gettext": None,
    "_l": None,
    "N_": None,
    "N_plural": (1, 2),
    "plural": (2, 3),
}
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{(\w*)\}")


def _catalogue() -> dict[str | tuple[str, ...], object]:
    with PO.open("rb") as handle:
        catalogue = read_po(handle)
    return {message.id: message for message in catalogue if message.id}


def _extracted() -> set[str | tuple[str, ...]]:
    with (CATALOGUE / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    return {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT),
            method_map,
            options_map,
            keywords=KEYWORDS,
            # As `make translations-extract --ignore-dirs '.*'`: folders such as _macros count.
            directory_filter=lambda path: not Path(path).name.startswith("."),
        )
        if message
    }


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_makefile_extracts_with_the_same_keywords() -> None:
    makefile = (ROOT / "Makefile").read_text()
    for keyword, spec in KEYWORDS.items():
        if keyword in DEFAULT_KEYWORDS:
            continue
        flag = f"-k {keyword}" + (f":{','.join(map(str, spec))}" if spec else "")
        assert flag in makefile, flag


@pytest.mark.parametrize("path", scan.templates(), ids=_rel)
def test_template_text_is_marked_for_translation(path: Path) -> None:
    assert scan.template_findings(path) == []


@pytest.mark.parametrize("path", scan.python_files(), ids=_rel)
def test_python_messages_are_marked_for_translation(path: Path) -> None:
    assert scan.python_findings(path) == []


def test_every_marked_string_is_in_the_catalogue_and_translated() -> None:
    catalogue = _catalogue()
    extracted = _extracted()
    missing = sorted(map(str, extracted - set(catalogue)))
    assert missing == [], "run `make translations` and translate these"
    untranslated = sorted(
        str(key)
        for key, message in catalogue.items()
        if key in extracted
        and (
            message.fuzzy
            or not all(message.string if isinstance(message.string, tuple) else [message.string])
        )  # type: ignore[attr-defined]
    )
    assert untranslated == []


def test_translations_keep_every_placeholder() -> None:
    wrong = []
    for key, message in _catalogue().items():
        source = " ".join(key) if isinstance(key, tuple) else key
        strings = message.string if isinstance(message.string, tuple) else (message.string,)  # type: ignore[attr-defined]
        wanted = {m.group(0) for m in _PLACEHOLDER.finditer(source)}
        for string in strings:
            if string and {m.group(0) for m in _PLACEHOLDER.finditer(string)} - wanted:
                wrong.append((key, string))
            found = {m.group(0) for m in _PLACEHOLDER.finditer(string)} if string else wanted
            if not isinstance(key, tuple) and found != wanted:
                wrong.append((key, string))
    assert wrong == []


def test_wtforms_messages_are_theirs_exactly() -> None:
    import inspect

    import flask_wtf.csrf
    import flask_wtf.file
    import wtforms.fields
    import wtforms.validators

    from tracker import i18n_wtforms

    theirs = "".join(
        inspect.getsource(module)
        for module in (
            wtforms.validators,
            wtforms.fields.core,
            wtforms.fields.choices,
            wtforms.fields.numeric,
            wtforms.fields.datetime,
            flask_wtf.csrf,
            flask_wtf.file,
        )
    )
    ours = [*i18n_wtforms.MESSAGES, *(s for pair in i18n_wtforms.PLURAL_MESSAGES for s in pair)]
    assert [m for m in ours if f'"{m}"' not in theirs and repr(m) not in theirs] == []


def test_the_json_api_answers_in_english_whatever_the_callers_language(client) -> None:  # type: ignore[no-untyped-def]
    english = client.get("/api/v1/me")
    chinese = client.get("/api/v1/me?lang=zh-Hant", headers={"Accept-Language": "zh-HK"})
    assert english.status_code == chinese.status_code == 401
    assert english.get_json() == chinese.get_json()
    # The API's reference page is for people: it follows their language.
    page = client.get("/api/docs/?lang=zh-Hant").get_data(as_text=True)
    assert '<html lang="zh-Hant">' in page


def test_dates_are_written_as_chinese_readers_write_them(app) -> None:  # type: ignore[no-untyped-def]
    from datetime import date, datetime

    with app.test_request_context("/?lang=zh-Hant"):
        app.preprocess_request()
        day = app.jinja_env.filters["day"]
        local_time = app.jinja_env.filters["local_time"]
        assert day(date(2026, 12, 1)) == "2026年12月1日"
        assert local_time(datetime(2026, 12, 1, 7, 5)) == "2026年12月1日 15:05"
    with app.test_request_context("/"):
        app.preprocess_request()
        assert app.jinja_env.filters["day"](date(2026, 12, 1)) == "01 Dec 2026"
