"""Find text meant for users that is not marked for translation.

Templates: text between tags and the attributes people read (title, placeholder, aria-label,
alt, a button's value) must come from ``_()``/``ngettext()``/``plural()`` or a ``{% trans %}``
block; so must string literals that read as prose inside ``{{ }}``/``{% %}``.
Python: ``flash()`` messages, WTForms labels, descriptions, choices and validator messages, and
the messages of rule errors (``rules.add(field, message)``) must be wrapped, not literals.

Run ``python -m tests.i18n.scan [paths…]`` to list what is left; tests/i18n/test_catalogue.py
fails on any of it.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
PACKAGE = ROOT / "tracker"

# Words that stay as they are in Chinese text: abbreviations, product and regulator names.
KEPT = {
    "PDF",
    "PDFs",
    "CSV",
    "API",
    "APIs",
    "KPI",
    "KPIs",
    "SHA-256",
    "SHA",
    "JSON",
    "TOTP",
    "URL",
    "ID",
    "HKMA",
    "SFC",
    "IA",
    "MPFA",
    "OK",
    "GenA.I.",
    "Sandbox++",
    "AI",
    "GenAI",
    "HTTP",
    "HTTPS",
    "SMTP",
    "MB",
    "KB",
    "HK",
    "HKT",
    "UTC",
    "e.g.",
    "PNG",
    "QR",
    "XLSX",
    "DOCX",
    "Bearer",
    "UTF-8",
    "Chart.js",
    "OpenAPI",
    "CC",
    "BY",
    "ISO",
    "GPU",
    "SVG",
    "Markdown",
    "Ctrl",
    "Cmd",
    "Mac",
    "Shift",
    "Enter",
    "Tab",
    "Word",
    "Excel",
    "PowerPoint",
}
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9.+'’-]*[A-Za-z0-9+]|[A-Za-z]{2,}")
_ENTITY = re.compile(r"&[#a-zA-Z0-9]+;")
GETTEXT_NAMES = {"_", "gettext", "ngettext", "plural", "pgettext", "npgettext", "lazy_gettext"}
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "aria-description", "data-confirm"}


def is_prose(text: str) -> bool:
    """Whether ``text`` holds words that a reader of the Chinese interface would see in English."""
    text = _ENTITY.sub(" ", text)
    words = [w for w in _WORD.findall(text) if w not in KEPT and w.strip(".") not in KEPT]
    return any(len(w) >= 2 and not w.isupper() for w in words)


def _prose_literal(value: str) -> bool:
    """A string literal in template code that reads as a label or a sentence, not a CSS class,
    an endpoint, a format or a key."""
    if not value or "%" in value and re.search(r"%[a-zA-Z]", value) and " " not in value:
        return False
    if re.fullmatch(r"[a-z0-9_.\-:/#?=&]+", value):  # classes, endpoints, keys, paths
        return False
    if re.fullmatch(r"[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+", value):  # Python class names
        return False
    if re.fullmatch(r"[%a-zA-Z \-/:.,]*%[a-zA-Z][%a-zA-Z \-/:.,]*", value):  # strftime
        return False
    return bool(re.match(r"[A-Z][a-z]", value)) and is_prose(value)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        values = dict(attrs)
        for name, value in attrs:
            readable = name in READ_ATTRIBUTES or (
                name == "value" and tag == "input" and values.get("type") in ("submit", "button")
            )
            if readable and value and is_prose(value):
                self.found.append((self.getpos()[0], f"{name}={value!r}"))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip() and is_prose(data):
            self.found.append((self.getpos()[0], data.strip()))


def template_findings(path: Path, env: Environment | None = None) -> list[tuple[int, str]]:
    env = env or Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    source = path.read_text(encoding="utf-8")
    document: list[str] = []
    line = 1
    found: list[tuple[int, str]] = []
    in_trans = False
    call_depth = 0  # parentheses open inside a gettext call
    previous: tuple[str, str] = ("", "")
    for lineno, kind, value in env.lex(source):
        if lineno > line:
            document.append("\n" * (lineno - line))
            line = lineno
        if kind == "data":
            if not in_trans:
                document.append(value)
            else:
                document.append("\x00" + "\n" * value.count("\n"))
            line += value.count("\n")
            previous = (kind, value)
            continue
        if kind == "whitespace":
            continue
        if kind in ("variable_begin",):
            document.append("\x00")
        if kind == "name" and previous[0] == "block_begin":
            if value == "trans" or value == "pluralize":
                in_trans = True
            elif value == "endtrans":
                in_trans = False
        if kind == "operator" and value == "(":
            if call_depth or (previous[0] == "name" and previous[1] in GETTEXT_NAMES):
                call_depth += 1
        elif kind == "operator" and value == ")" and call_depth:
            call_depth -= 1
        elif kind == "string" and not call_depth and not in_trans:
            literal = value[1:-1] if value[:1] in "'\"" and value[-1:] == value[:1] else value
            if _prose_literal(literal):
                found.append((lineno, value))
        previous = (kind, value)
    parser = _Text()
    parser.feed("".join(document))
    parser.close()
    return sorted(found + parser.found)


# Python -------------------------------------------------------------------------------------


def _literal(node: ast.AST | None) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return is_prose(node.value)
    if isinstance(node, ast.JoinedStr):
        return is_prose("".join(v.value for v in node.values if isinstance(v, ast.Constant)))
    if isinstance(node, ast.BinOp):
        return _literal(node.left) or _literal(node.right)
    return False


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


VALIDATORS = {
    "DataRequired",
    "InputRequired",
    "Optional",
    "Length",
    "NumberRange",
    "Email",
    "Regexp",
    "EqualTo",
    "AnyOf",
    "NoneOf",
    "URL",
    "FileRequired",
    "FileAllowed",
    "FileSize",
}


def python_findings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []

    def flag(node: ast.AST) -> None:
        text = ast.unparse(node)
        found.append((getattr(node, "lineno", 0), text[:90]))

    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        if name == "flash" and node.args and _literal(node.args[0]):
            flag(node.args[0])
        elif name.endswith("Field") and name[:1].isupper():
            if node.args and _literal(node.args[0]):
                flag(node.args[0])
            for key in ("label", "description"):
                if _literal(keywords.get(key)):
                    flag(keywords[key])
            choices = keywords.get("choices")
            if isinstance(choices, ast.List | ast.Tuple):
                for choice in choices.elts:
                    pair = isinstance(choice, ast.Tuple) and len(choice.elts) == 2
                    if pair and _literal(choice.elts[1]):  # type: ignore[attr-defined]
                        flag(choice.elts[1])  # type: ignore[attr-defined]
            render_kw = keywords.get("render_kw")
            if isinstance(render_kw, ast.Dict):
                for key_node, value in zip(render_kw.keys, render_kw.values, strict=True):
                    if (
                        isinstance(key_node, ast.Constant)
                        and key_node.value in READ_ATTRIBUTES
                        and _literal(value)
                    ):
                        flag(value)
        elif name in VALIDATORS:
            if _literal(keywords.get("message")):
                flag(keywords["message"])
        elif name == "add" and len(node.args) >= 2 and _literal(node.args[1]):
            flag(node.args[1])
        elif name in ("RuleError", "ConflictError") and node.args and _literal(node.args[0]):
            flag(node.args[0])
    return sorted(found)


# Which files -------------------------------------------------------------------------------

# Not for readers of the interface: data content, machine-facing code, the catalogue's tooling.
PYTHON_EXEMPT = ("demo/", "synthetic.py", "i18n_extract.py", "api/")


def templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def python_files() -> list[Path]:
    return sorted(
        p
        for p in PACKAGE.rglob("*.py")
        if not any(str(p.relative_to(PACKAGE)).startswith(e) for e in PYTHON_EXEMPT)
    )


def findings(paths: Iterable[Path]) -> Iterator[tuple[Path, int, str]]:
    for path in paths:
        scan = template_findings if path.suffix == ".html" else python_findings
        for line, text in scan(path):
            yield path, line, text


def main(argv: list[str]) -> int:
    wanted = [Path(a).resolve() for a in argv] or [TEMPLATES, PACKAGE]
    files = [
        p for p in [*templates(), *python_files()] if any(p == w or w in p.parents for w in wanted)
    ]
    count = 0
    for path, line, text in findings(files):
        count += 1
        print(f"{path.relative_to(ROOT)}:{line}: {text}")
    print(f"{count} untranslated", file=sys.stderr)
    return 1 if count else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
