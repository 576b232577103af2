"""Logging, configured by the app factory: INFO for the ``tracker`` loggers, one line per
command (actor, action, object, outcome) from the unit of work, a request id on every line of
a request, JSON in production and readable text in development. gunicorn's access log is its
own and stays as it is."""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter
from werkzeug.wrappers import Response

LOGGERS = ("tracker", "huey")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_HANDLER_NAME = "tracker"
# Attributes every LogRecord has; anything else was passed in ``extra`` and is shown.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class RequestIdFilter(logging.Filter):
    """Adds the current request's id (or "-" outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class TextFormatter(logging.Formatter):
    """``time level logger [request] message key=value …`` for people reading a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        extras.pop("request_id", None)
        if extras:
            line += " " + " ".join(f"{k}={v}" for k, v in extras.items())
        return line


def _handler(fmt: str) -> logging.Handler:
    handler = logging.StreamHandler()
    handler.name = _HANDLER_NAME
    handler.addFilter(RequestIdFilter())
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
                rename_fields={"levelname": "level", "name": "logger", "asctime": "time"},
            )
        )
    else:
        handler.setFormatter(
            TextFormatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    return handler


def configure(app: Flask) -> None:
    """Give the tracker's loggers their level and one handler (replacing an earlier one, so that
    building several apps in one process does not duplicate lines)."""
    level = app.config["TRACKER_LOG_LEVEL"]
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(level)
        for old in [h for h in logger.handlers if h.name == _HANDLER_NAME]:
            logger.removeHandler(old)
        # Our handler prints them, so the root logger (gunicorn's) need not again; under test the
        # root logger (pytest's capture) is where they go.
        if not app.testing:
            logger.addHandler(_handler(app.config["TRACKER_LOG_FORMAT"]))
        logger.propagate = app.testing

    @app.before_request
    def request_id() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex

    @app.after_request
    def echo_request_id(response: Response) -> Response:
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
        return response
