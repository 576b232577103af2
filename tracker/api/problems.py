"""Errors as RFC 9457 problem details (``application/problem+json``): ``type``, ``title``,
``status``, ``detail``, and for a broken rule ``errors`` by field, named as in the request
(``incidents.0.severity``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Response
from werkzeug.http import HTTP_STATUS_CODES

from tracker.rules import FORM, ConflictError

PROBLEM_JSON = "application/problem+json"
# Problem types are documented in the reference (``/api/docs/data#problems``).
TYPE_BASE = "/api/docs/data#problem-"

TITLES = {
    "rule": "The request breaks a rule",
    "conflict": "The record changed since you read it",
    "precondition-required": "If-Match is required",
    "forbidden": "Not allowed",
    "unauthorised": "A valid token is required",
    "not-found": "Not found",
    "idempotency-key-reused": "Idempotency-Key used for another request",
    "idempotency-key-in-use": "A request with this Idempotency-Key is in progress",
    "idempotency-key-missing": "Idempotency-Key is required",
    "too-large": "Request too large",
    "rate-limited": "Too many requests",
}


def problem(
    status: int,
    kind: str | None = None,
    detail: str = "",
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """A problem+json response. ``kind`` names a problem type of this API; without it the type
    is ``about:blank`` and the title the status's reason phrase."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind if kind else "about:blank",
        "title": TITLES.get(kind or "", "") or HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
        "detail": detail or TITLES.get(kind or "", "") or HTTP_STATUS_CODES.get(status, ""),
    }
    if errors is not None:
        body["errors"] = {field: list(messages) for field, messages in errors.items()}
    body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def rule_problem(errors: Mapping[str, list[str]]) -> Response:
    """422 with each field's messages; a message about the whole request is under ``__all__``."""
    detail = "; ".join(m for ms in errors.values() for m in ms)
    return problem(422, "rule", detail, errors)


def conflict_problem(exc: ConflictError) -> Response:
    change = exc.last_change
    last = None
    if change is not None:
        last = {
            "what": change.what,
            "by": change.by,
            "at": change.at.isoformat() + "Z" if change.at else None,
        }
    detail = "The record changed since you read it. Nothing was saved: read it again and retry."
    if change is not None:
        detail = f"{change.what} by {change.by}. Nothing was saved: read it again and retry."
    return problem(409, "conflict", detail, last_change=last)


def flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs' nested messages (``{"json": {"incidents": {0: {"severity": [...]}}}}``) as
    dotted field names; the location (json, query, headers, files) is dropped."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                name = prefix or FORM
            out.update({k: out.get(k, []) + v for k, v in flatten(value, name).items()})
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out[prefix or FORM] = list(messages)
    elif isinstance(messages, list):
        for n, item in enumerate(messages):
            out.update(flatten(item, f"{prefix}.{n}" if prefix else str(n)))
    else:
        out[prefix or FORM] = [str(messages)]
    return out


def from_webargs(messages: Mapping[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for _location, fields in messages.items():
        for name, msgs in flatten(fields).items():
            out.setdefault(name, []).extend(msgs)
    return out
