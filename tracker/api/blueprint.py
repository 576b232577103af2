"""The API's blueprint and its plumbing: bearer tokens (never the session cookie), scopes,
rate limits per token, request size limits, ``Idempotency-Key`` on POST, ``If-Match`` and
problem+json errors.

flask-smorest documents the blueprint as OpenAPI 3.1 on the plain Flask app; its handler of
every HTTP error is registered on this blueprint only, so the pages keep their HTML errors."""

from __future__ import annotations

import hashlib
import http
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Blueprint as FlaskBlueprint
from flask import Flask, Request, Response, current_app, g, request
from flask.sessions import SessionInterface, SessionMixin
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, default_exceptions
from werkzeug.routing import BaseConverter

from tracker.api import tokens
from tracker.api.models import ApiToken, IdempotentResponse
from tracker.api.problems import (
    PROBLEM_JSON,
    conflict_problem,
    from_webargs,
    problem,
    rule_problem,
)
from tracker.api.schemas import Problem
from tracker.auth.models import User
from tracker.extensions import db, limiter, utcnow
from tracker.rules import ConflictError, NotAllowedError, RuleError
from tracker.unit_of_work import unit_of_work
from tracker.web import MAX_ID

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
IDEMPOTENCY_KEY = "Idempotency-Key"
MAX_KEY_LENGTH = 200
# Endpoints that take a file; every other request body is bounded by TRACKER_API_MAX_BODY_KB.
UPLOAD_ENDPOINTS = frozenset({"api.upload_document"})


class TrackerApi(Api):
    """flask-smorest's Api without its app-wide JSON error handler (the pages answer in
    HTML); this blueprint registers its own."""

    ERROR_SCHEMA = Problem

    def _register_error_handlers(self) -> None:
        return None

    def _register_responses(self) -> None:
        """Every error is documented as problem+json."""
        for status in http.HTTPStatus:
            if status < 400:
                continue
            response = {"description": status.phrase, "schema": Problem}
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "An error, as RFC 9457 problem details", "schema": Problem}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


api = TrackerApi()
API_PREFIX = "/api/v1"
bp = Blueprint(
    "api",
    __name__,
    url_prefix=API_PREFIX,
    description="Use cases, returns, milestones, documents, messages and reports.",
)


def errors(*codes: int) -> Callable[[F], F]:
    """Document the problem responses an endpoint gives besides its success."""

    def decorate(view: F) -> F:
        for code in codes:
            view = bp.alt_response(code, response=http.HTTPStatus(code).name)(view)
        return view

    return decorate


class ProblemResponseError(Exception):
    """Stop the request with this problem response."""

    def __init__(self, response: Response) -> None:
        self.response = response
        super().__init__(response.status)


def current_api_user() -> User:
    user: User = g.api_user
    return user


def current_token() -> ApiToken:
    token: ApiToken = g.api_token
    return token


# ---------------------------------------------------------------- tokens and limits


def _bearer() -> str:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def _token_for_request() -> ApiToken | None:
    """The usable token the request carries, looked up once per request."""
    if "api_token_lookup" not in g:
        token = tokens.find_token(_bearer()) if _bearer() else None
        g.api_token_lookup = token if token is not None and token.usable(utcnow()) else None
    found: ApiToken | None = g.api_token_lookup
    return found


def rate_limit_key() -> str:
    """Per token; requests without a valid token share their address's allowance."""
    token = _token_for_request()
    if token is not None:
        return f"api-token:{token.id}"
    return f"api-anonymous:{request.remote_addr or ''}"


def _rate_limit() -> str:
    return str(current_app.config["TRACKER_API_RATE_LIMIT"])


limiter.limit(_rate_limit, key_func=rate_limit_key)(bp)

UNAUTHORISED = {"WWW-Authenticate": 'Bearer realm="sandbox-tracker"'}


@bp.before_request
def authenticate() -> Response | None:
    """Every request carries a usable token; writes need a token with the write scope."""
    request.max_content_length = (
        current_app.config["MAX_CONTENT_LENGTH"]
        if request.endpoint in UPLOAD_ENDPOINTS
        else current_app.config["TRACKER_API_MAX_BODY_KB"] * 1024
    )
    if not _bearer():
        return problem(
            401,
            "unauthorised",
            "Send a personal access token: Authorization: Bearer <token>.",
            headers=UNAUTHORISED,
        )
    token = _token_for_request()
    if token is None:
        return problem(
            401,
            "unauthorised",
            "The token is unknown, expired or revoked, or its user is deactivated.",
            headers={
                **UNAUTHORISED,
                "WWW-Authenticate": UNAUTHORISED["WWW-Authenticate"] + ', error="invalid_token"',
            },
        )
    if request.method not in SAFE_METHODS and not token.can_write:
        return problem(
            403,
            "forbidden",
            "This token may only read: create a token with the write scope to change data.",
            headers={
                "WWW-Authenticate": UNAUTHORISED["WWW-Authenticate"]
                + ', error="insufficient_scope"'
            },
        )
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= tokens.LAST_USED_RESOLUTION:
        with unit_of_work("api_token.use"):
            tokens.note_use(token, now)
    g.api_token = token
    g.api_user = token.user
    if request.method == "POST":
        return _idempotent_replay(token)
    return None


# ---------------------------------------------------------------- idempotency


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.query_string.decode("latin-1")):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(request.get_data(cache=True, parse_form_data=False))
    return digest.hexdigest()


def _stored(token: ApiToken, key: str) -> IdempotentResponse | None:
    return db.session.scalar(
        sa.select(IdempotentResponse).where(
            IdempotentResponse.token_id == token.id, IdempotentResponse.key == key
        )
    )


def _replay(stored: IdempotentResponse) -> Response:
    response = Response(stored.body, status=stored.status, content_type=stored.content_type)
    if stored.location:
        response.headers["Location"] = stored.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _idempotent_replay(token: ApiToken) -> Response | None:
    """A POST with a key already answered gets that answer; a key used for another request is
    refused. Otherwise the key waits in ``g`` for ``reply`` to keep the answer."""
    key = request.headers.get(IDEMPOTENCY_KEY, "").strip()
    if not key:
        return problem(
            400,
            "idempotency-key-missing",
            "Send an Idempotency-Key header (a UUID, say) with every POST; send the same key "
            "again when you retry, and a retry will never act twice.",
        )
    if len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        return problem(
            400,
            "idempotency-key-missing",
            f"An Idempotency-Key is printable ASCII of at most {MAX_KEY_LENGTH} characters.",
        )
    fingerprint = _fingerprint()
    stored = _stored(token, key)
    if stored is not None:
        if stored.fingerprint != fingerprint:
            return problem(
                422,
                "idempotency-key-reused",
                "This Idempotency-Key was used for a different request. Use a new key for a new "
                "request.",
            )
        return _replay(stored)
    g.idempotency = (key, fingerprint)
    return None


def reply(
    status: int,
    body: Any,
    *,
    location: str | None = None,
    etag: int | None = None,
) -> Response:
    """A JSON response. Called inside the unit of work of a POST, it also keeps the response
    under the request's Idempotency-Key, committed with the change itself."""
    text = json.dumps(body)
    response = Response(text, status=status, mimetype="application/json")
    if location:
        response.headers["Location"] = location
    if etag is not None:
        response.headers["ETag"] = make_etag(etag)
    kept = g.get("idempotency")
    if kept is not None:
        key, fingerprint = kept
        db.session.add(
            IdempotentResponse(
                token_id=current_token().id,
                key=key,
                fingerprint=fingerprint,
                status=status,
                content_type=response.content_type or "application/json",
                body=text,
                location=location,
            )
        )
    return response


# ---------------------------------------------------------------- versions


def make_etag(version: int) -> str:
    return f'"{version}"'


def if_match(required: bool = True) -> int | None:
    """The version the client read, from ``If-Match``. Missing where required: 428. A value
    that is no version of ours can never match (409)."""
    raw = request.headers.get("If-Match", "").strip()
    if not raw:
        if required:
            raise ProblemResponseError(
                problem(
                    428,
                    "precondition-required",
                    "Send If-Match with the ETag of the record as you read it, so that a change "
                    "made since then is not overwritten.",
                )
            )
        return None
    first = raw.split(",")[0].strip().removeprefix("W/").strip('"')
    return int(first) if first.isascii() and first.isdigit() and len(first) < 10 else -1


# ---------------------------------------------------------------- errors


def _http_error(exc: HTTPException) -> Response:
    code = exc.code or 500
    if code == 500:
        db.session.rollback()
    data: Mapping[str, Any] = getattr(exc, "data", None) or {}
    if code == 422 and "messages" in data:
        return rule_problem(from_webargs(data["messages"]))
    kinds = {
        401: "unauthorised",
        403: "forbidden",
        404: "not-found",
        413: "too-large",
        429: "rate-limited",
    }
    detail = {
        404: "There is nothing here, or nothing you may see.",
        413: "The request body is larger than this endpoint accepts.",
        429: "Too many requests for this token. Wait and retry.",
        500: "The error has been logged. Nothing was saved.",
    }.get(code, exc.description or "")
    headers = {k: v for k, v in exc.get_headers() if k.lower() in ("allow", "retry-after")}
    return problem(code, kinds.get(code), detail, headers=headers)


@bp.errorhandler(RuleError)
def _rule_error(exc: RuleError) -> Response:
    return rule_problem(exc.errors)


@bp.errorhandler(NotAllowedError)
def _not_allowed(_exc: NotAllowedError) -> Response:
    return problem(403, "forbidden", "Your account may not do this to this record now.")


@bp.errorhandler(ConflictError)
def _conflict(exc: ConflictError) -> Response:
    return conflict_problem(exc)


@bp.errorhandler(ProblemResponseError)
def _api_problem(exc: ProblemResponseError) -> Response:
    return exc.response


@bp.errorhandler(IntegrityError)
def _integrity(_exc: IntegrityError) -> Response:
    """The same Idempotency-Key committed by a concurrent request: answer as it was answered."""
    kept = g.get("idempotency")
    if kept is not None and "api_token" in g:
        stored = _stored(current_token(), kept[0])
        if stored is not None:
            return (
                _replay(stored)
                if stored.fingerprint == kept[1]
                else problem(422, "idempotency-key-reused")
            )
    return problem(409, "conflict", "The request clashed with another one. Nothing was saved.")


for _code in default_exceptions:
    bp.register_error_handler(_code, _http_error)

ROUTED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def unrouted(rest: str) -> Response:
    """Any other address under /api/v1 (an id too large to exist, a method an endpoint does not
    take) answers as the API does, in problem+json, not with the pages' HTML."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ROUTED_METHODS:
        try:
            endpoint, _args = adapter.match(method=method)
        except HTTPException:
            continue
        if endpoint != "api.unrouted":
            allowed.append(method)
    if allowed:
        return problem(405, headers={"Allow": ", ".join(allowed)})
    return problem(404, "not-found", "There is nothing here, or nothing you may see.")


# Registered on Flask's Blueprint directly, so that the OpenAPI document does not list it.
FlaskBlueprint.add_url_rule(bp, "/<path:rest>", "unrouted", unrouted, methods=ROUTED_METHODS)


class TokenOnlySessions(SessionInterface):
    """The app's sessions everywhere but under the API, where no session cookie is read or
    set: a browser's signed-in cookie never authenticates an API request."""

    def __init__(self, pages: SessionInterface) -> None:
        self.pages = pages

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        if request.path.startswith(API_PREFIX + "/"):
            return self.make_null_session(app)
        return self.pages.open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not self.is_null_session(session):
            self.pages.save_session(app, session, response)


class ApiIdConverter(BaseConverter):
    """``<apiid:…>`` in API routes: digits. A number too large to be an id becomes 0, which
    names nothing, so the endpoint answers its own 404 (in problem+json) instead of the router
    answering the pages' HTML one."""

    regex = r"\d{1,30}"
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = int(value)
        return number if number <= MAX_ID else 0

    def to_url(self, value: Any) -> str:
        return str(int(value))


def _id_parameter(_converter: ApiIdConverter) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "maximum": MAX_ID}


def init_app(app: Flask) -> None:
    """Document and register the API on the app."""
    from tracker.api import documents as _documents  # noqa: F401  (registers routes)
    from tracker.api import evidence as _evidence  # noqa: F401
    from tracker.api import jobs as _jobs  # noqa: F401  (registers the periodic job)
    from tracker.api import plans as _plans  # noqa: F401
    from tracker.api import reference as _reference  # noqa: F401
    from tracker.api import reports as _reports  # noqa: F401
    from tracker.api import usecases as _usecases  # noqa: F401
    from tracker.api import webhook_views as _webhook_views  # noqa: F401

    app.config.setdefault("API_TITLE", "Sandbox Tracker API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", SPEC_OPTIONS)
    app.url_map.converters["apiid"] = ApiIdConverter
    api.init_app(app)
    api.register_converter(ApiIdConverter, _id_parameter)
    api.register_blueprint(bp)
    app.session_interface = TokenOnlySessions(app.session_interface)


SPEC_OPTIONS: dict[str, Any] = {
    "info": {
        "description": (
            "The Sandbox Tracker's API: the same rules as its pages, for institutions' and "
            "supervisors' systems. Authenticate with a personal access token "
            "(`Authorization: Bearer stk_…`) created on your account page. Every POST takes an "
            "`Idempotency-Key`; writes to a use case or milestone take `If-Match` with the "
            "ETag you read. Errors are RFC 9457 problem details."
        ),
    },
    "components": {
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "stk_…"}
        }
    },
    "security": [{"bearerAuth": []}],
    "tags": [
        {"name": "Use cases", "description": "Drafts, proposals and their workflow."},
        {
            "name": "Returns and incidents",
            "description": "Progress returns filed during a pilot; see the data dictionary at "
            "/api/docs/data.",
        },
        {"name": "Reviews", "description": "The regulator's scores of a proposal."},
        {"name": "Milestones", "description": "Kept by the regulator while a use case runs."},
        {"name": "Documents", "description": "Files attached to a use case."},
        {"name": "AI evidence", "description": "Each model iteration's evidence, as at a date."},
        {
            "name": "Sandbox plan",
            "description": "The agreed test plan: the KPIs returns report, its boundaries and "
            "safeguards, as at a date.",
        },
        {"name": "Messages", "description": "Between the institution and the regulator."},
        {"name": "Reports", "description": "PDF reports, produced in the background."},
        {"name": "Reference data", "description": "What a proposal refers to; who you are."},
        {
            "name": "Webhook",
            "description": "Signed POSTs to your institution's system when its use cases change "
            "(Tracker-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of '<t>.<body>'>).",
        },
    ],
}
