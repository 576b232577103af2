"""The catalogue's extractor for our Python: Babel's, plus the labels of ``LabelledEnum``
members (``ADMIN = ("admin", "Administrator")``), which are translated where they are shown
(``member.label``) and so carry no marker where they are written."""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from babel.messages.extract import extract_python


def _labels(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        bases = {getattr(base, "id", getattr(base, "attr", "")) for base in node.bases}
        if not any(name.endswith("Enum") for name in bases):
            continue
        for item in node.body:
            if not isinstance(item, ast.Assign) or not isinstance(item.value, ast.Tuple):
                continue
            parts = item.value.elts
            if len(parts) == 2 and all(
                isinstance(p, ast.Constant) and isinstance(p.value, str) for p in parts
            ):
                yield item.lineno, parts[1].value  # type: ignore[attr-defined]


def extract(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str | None, str | tuple[str, ...], list[str]]]:
    source = fileobj.read()
    fileobj.seek(0)
    yield from extract_python(fileobj, keywords, comment_tags, options)  # type: ignore[arg-type,misc]
    for lineno, label in _labels(ast.parse(source)):
        yield lineno, None, label, []
