"""What web views share: reading ids, page numbers and search text within what the database
takes, and putting a command's refusal back onto the form the user filled in."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request, url_for
from werkzeug.routing import IntegerConverter

from tracker.rules import FORM, RuleError

# Ids are 32-bit integers in PostgreSQL: a larger number in a URL names nothing.
MAX_ID = 2**31 - 1
MAX_PAGE = 100_000


class IdConverter(IntegerConverter):
    """``<int:id>`` in routes: a number too large to be an id is simply not found (404)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def parse_id(raw: str | None) -> int | None:
    """An id from text, or None when it is not one."""
    raw = (raw or "").strip()
    if raw.isascii() and raw.isdigit() and int(raw) <= MAX_ID:
        return int(raw)
    return None


def use_case_url(use_case_id: int) -> str:
    """``url_for("usecases.detail", id=use_case_id)`` for the many links of a list or a board:
    werkzeug's builder takes 10–30 µs a link and a board has 300, so a request builds the
    address once around a stand-in id (the largest id) and each link puts its own id there
    (kept on the request: an app context, as in a job or a test, may outlive several
    requests)."""
    if not has_request_context():
        return url_for("usecases.detail", id=use_case_id)
    parts: tuple[str, str] | None = getattr(request, "_use_case_url", None)
    if parts is None:
        head, _mark, tail = url_for("usecases.detail", id=MAX_ID).rpartition(str(MAX_ID))
        parts = (head, tail)
        request._use_case_url = parts  # type: ignore[attr-defined]
    return f"{parts[0]}{int(use_case_id)}{parts[1]}"


def page_arg() -> int:
    """The ``page`` query parameter, 1 when missing or out of range."""
    page = request.args.get("page", 1, type=int) or 1
    return page if 1 <= page <= MAX_PAGE else 1


def clean_text(raw: str | None, limit: int = 200) -> str:
    """Search text without control characters (PostgreSQL refuses NUL), at most ``limit``."""
    text = "".join(ch for ch in (raw or "") if ch.isprintable() or ch == " ")
    return text.strip()[:limit]


def rule_errors_onto(form: Any, exc: RuleError, prefixes: dict[str, Any] | None = None) -> None:
    """Put a command's per-field messages onto the form's fields; what belongs to no field of
    the form (or to the whole input) goes to the form's own errors, shown above the fields.
    ``prefixes`` maps a dotted prefix in the command's names (``incidents.0``) to a sub-form."""
    for name, messages in exc.errors.items():
        target_form, field_name = form, name
        for prefix, sub in (prefixes or {}).items():
            if name.startswith(prefix + "."):
                target_form, field_name = sub, name[len(prefix) + 1 :]
                break
        field = target_form._fields.get(field_name) if field_name != FORM else None
        if field is not None:
            field.errors = [*field.errors, *messages]
        else:
            form.form_errors = [*form.form_errors, *messages]
