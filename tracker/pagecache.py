"""Rendered pages kept for their reader until anything changes: the main read pages.

A page is kept under a key of everything its HTML depends on: the *generation* of the data, the
session's user (``id:session version``) and CSRF token (the page's forms carry it; one per
session, so two browsers never share an entry), the session's and the browser's language, the
app's clock to the minute (days in a stage, overdue returns) and the full path with its query.
It is kept only after sign-in and every check of the request passed. Served again, it is looked
up before those checks, from the session alone, and skips them with the queries and the
template: anything that would change their answer (a deactivated user, a revoked session, a new
role or remit) is a commit, and a commit starts a new generation. The response still gets its
request id, headers and session cookie as any other.

The generation is a random token in the same store, replaced after every commit that wrote
anything through the application's engine (the ORM, Core statements, the report worker's own
transactions): the connection's check-in after such a commit replaces it, so a page read before
the commit is kept under a generation no one asks for again. Replacing happens after the commit,
never before: a reader between the two keeps newer data under the old token, never older data
under the new one. A process that dies between its commit and the replacement leaves pages at
most ``PAGE_CACHE_SECONDS`` old, the lifetime of every entry.

The store is shared by every process that writes: a folder in the instance (the web server and
the job worker on one host) or Redis (several hosts; taken from ``RATELIMIT_STORAGE_URI`` when
that is Redis). A session that holds anything beyond the sign-in, language and CSRF token (a
message to flash, a refused upload's kept input, a pending two-factor step) is never served
from or stored in the cache, nor is a page that flashed a message while rendering, nor a request
that changes the language.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from cachelib import BaseCache, FileSystemCache, NullCache, RedisCache, SimpleCache
from flask import Flask, Response, current_app, g, request, session
from flask.globals import request_ctx
from flask_login import current_user
from flask_login.utils import _create_identifier
from flask_wtf.csrf import generate_csrf

from tracker.clock import utcnow

log = logging.getLogger("tracker")

F = TypeVar("F", bound=Callable[..., Any])

GENERATION = "tracker:page-generation"
# The session keys a cached page may depend on (each is part of the key, or fixed for the user).
SAFE_SESSION_KEYS = frozenset(
    {"_user_id", "_fresh", "_id", "_permanent", "csrf_token", "lang"}
    | {"_remember", "_remember_seconds"}
)
_WROTE = "tracker.page.wrote"
_COMMITTED = "tracker.page.committed"
_DML = ("INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE", "TRUNCATE")
# Files kept in the instance folder before the oldest go.
FILE_THRESHOLD = 2000


def store_for(app: Flask) -> BaseCache:
    """The store ``PAGE_CACHE_URL`` names: ``redis://…``, ``memory://`` (this process only: a
    single-process server), ``none``, or a folder (the default: ``instance/page-cache``)."""
    url = str(app.config.get("TRACKER_PAGE_CACHE_URL") or "")
    if not url:
        limits = str(app.config.get("RATELIMIT_STORAGE_URI") or "")
        url = limits if limits.startswith(("redis://", "rediss://")) else ""
    if app.config["TRACKER_PAGE_CACHE_SECONDS"] <= 0 or url == "none":
        return NullCache()
    if url.startswith(("redis://", "rediss://")):
        import redis

        return RedisCache(host=redis.Redis.from_url(url), key_prefix="tracker:page:")
    if url == "memory://":
        return SimpleCache(threshold=500)
    folder = Path(url) if url else Path(app.instance_path) / "page-cache"
    return FileSystemCache(str(folder), threshold=FILE_THRESHOLD)


def init_app(app: Flask) -> None:
    """Give the app its store and replace the generation after every commit that wrote."""
    store = store_for(app)
    app.extensions["tracker.page_cache"] = store
    if isinstance(store, NullCache):
        return
    with app.app_context():
        from tracker.extensions import db

        engine = db.engine

    def noted(conn: sa.Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip()[:8].upper().startswith(_DML):
            conn.info[_WROTE] = True

    def committed(conn: sa.Connection) -> None:
        if conn.info.pop(_WROTE, False):
            conn.info[_COMMITTED] = True

    def rolled_back(conn: sa.Connection) -> None:
        conn.info.pop(_WROTE, None)

    def checked_in(_dbapi: Any, record: Any) -> None:
        info = record.info if record is not None else {}
        info.pop(_WROTE, None)
        if info.pop(_COMMITTED, False):
            try:
                renew(store)
            except Exception:  # noqa: BLE001 (the commit stands; its pages expire on their own)
                log.exception("page cache: the generation could not be renewed after a commit")

    sa.event.listen(engine, "before_cursor_execute", noted)
    sa.event.listen(engine, "commit", committed)
    sa.event.listen(engine, "rollback", rolled_back)
    sa.event.listen(engine, "checkin", checked_in)
    # After the request id (which the log lines and the response carry), before the language,
    # the rate limits, sign-in and the rest: a page served again skips them all.
    hooks = app.before_request_funcs.setdefault(None, [])
    first = [i + 1 for i, hook in enumerate(hooks) if hook.__name__ == "request_id"]
    hooks.insert(first[0] if first else 0, _served_again)


def renew(store: BaseCache) -> str:
    """A new generation: every page kept so far is for a generation no one asks for again."""
    token = secrets.token_hex(8)
    store.set(GENERATION, token, timeout=0)
    return token


def generation(store: BaseCache) -> str:
    """The current generation. A store that lost it (evicted, restarted) gets a fresh one, never
    an old one back."""
    token = store.get(GENERATION)
    if token is None:
        store.add(GENERATION, secrets.token_hex(8), timeout=0)
        token = store.get(GENERATION)
    return str(token)


def _store() -> BaseCache:
    return cast(BaseCache, current_app.extensions["tracker.page_cache"])


def _key(store: BaseCache) -> str | None:
    """The key of this request's page, from the session alone (None: never cached).

    The locale is not in it: it follows from the user's saved language (a change to it is a
    commit, a new generation), the session's and the browser's, which are; a request that
    changes the language (``?lang=``) is never cached. The user is named by the session's
    ``id:session version``; Flask-Login's protection identifier (address and browser) must
    match the session's, or the request goes the normal way and is signed out there."""
    if request.method != "GET" or "lang" in request.args:
        return None
    if not set(session).issubset(SAFE_SESSION_KEYS):
        return None
    user, token, identifier = (session.get(k) for k in ("_user_id", "csrf_token", "_id"))
    if not user or not token or identifier != _create_identifier():
        return None
    parts = (
        generation(store),
        str(user),
        str(token),
        str(session.get("lang") or ""),
        request.headers.get("Accept-Language", ""),
        # The app's clock to the minute: what time alone changes (an overdue date, a clock
        # falling due) is never more than a minute behind, even with a clock set by a test.
        utcnow().strftime("%Y-%m-%dT%H:%M"),
        request.full_path,
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _served_again() -> Response | None:
    """Before sign-in and the other checks run: the page kept for this session, if any. A page
    is only kept after those checks passed for the same session at the same generation, and
    anything that would change their answer (a deactivated user, a revoked session, a new
    role) is a commit, which starts a new generation."""
    # Only the views marked ``cached_page`` (the mark survives ``login_required``'s wrapping).
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "page_cached", False):
        return None
    store = _store()
    if isinstance(store, NullCache):
        return None
    try:
        key = _key(store)
    except Exception:  # noqa: BLE001 (an unreachable store: the page is rendered as usual)
        log.exception("page cache: the store could not be read")
        return None
    if key is None:
        return None
    g.page_cache_key = key
    try:
        kept = store.get(key)
    except Exception:  # noqa: BLE001 (an unreachable store: the page is rendered as usual)
        log.exception("page cache: the store could not be read")
        g.page_cache_key = None
        return None
    if isinstance(kept, str):
        return current_app.response_class(kept, mimetype="text/html")
    return None


def _flashed() -> bool:
    return bool(request_ctx.flashes) or "_flashes" in session


def cached_page(view: F) -> F:
    """Keep the page this view renders for its reader (see the module's notes). Put it below
    ``login_required`` and any check that ends the request, so a page is kept only once they
    all passed."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        store = _store()
        if isinstance(store, NullCache) or not current_user.is_authenticated:
            return view(*args, **kwargs)
        key = g.get("page_cache_key")
        if "page_cache_key" not in g and "csrf_token" not in session:
            # The first page of a session: make the token its forms will carry, which the key
            # names (the page would make the same one), and keep the page under it.
            generate_csrf()
            try:
                key = _key(store)
            except Exception:  # noqa: BLE001 (an unreachable store: the page is not kept)
                log.exception("page cache: the store could not be read")
        rendered = view(*args, **kwargs)
        if key is not None and isinstance(rendered, str) and not _flashed():
            try:
                store.set(key, rendered, timeout=current_app.config["TRACKER_PAGE_CACHE_SECONDS"])
            except Exception:  # noqa: BLE001 (the page was rendered; it is just not kept)
                log.exception("page cache: the page could not be kept")
        return rendered

    wrapper.page_cached = True  # type: ignore[attr-defined]
    return cast(F, wrapper)
