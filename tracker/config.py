"""Configuration classes. Every setting can be overridden by an environment variable prefixed
``TRACKER_`` (for example ``TRACKER_DATABASE_URL``)."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

ENV_PREFIX = "TRACKER_"


def _secret_key(instance_path: Path) -> str:
    """Return the secret key kept in the instance folder, creating it on first run."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Create with owner-only permissions so the key is never world-readable.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def _coerce(value: str, default: Any) -> Any:
    if isinstance(default, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    return value


DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,
    "SECRET_KEY": None,
    "DEMO_MODE": False,
    "TIMEZONE": "Asia/Hong_Kong",
    "RATELIMIT_STORAGE_URI": "memory://",
    "LOGIN_RATE_LIMIT": "10 per 15 minutes",
    "MAX_UPLOAD_MB": 20,
    "SESSION_HOURS": 8,
    "SECURE_COOKIES": True,
    "CLASSIFICATION": "RESTRICTED",
    "PAGE_SIZE": 25,
    # How many reverse proxies (nginx, a load balancer) sit in front of gunicorn; their
    # X-Forwarded-For/-Proto headers are trusted only up to this count.
    "PROXY_COUNT": 0,
    # A TrueType font with Traditional Chinese glyphs, embedded in PDF reports.
    "CJK_FONT": "/usr/share/fonts/truetype/arphic/uming.ttc",
    # The job queue: a SQLite file by default, redis://host:6379/1 in production, immediate://
    # to run jobs in-process (tests).
    "QUEUE_URL": None,
    # Rendered main pages kept for their reader until the data changes (tracker/pagecache.py):
    # a folder (default instance/page-cache), redis://host:6379/2 (several hosts), memory:// (one
    # process) or none; entries live at most PAGE_CACHE_SECONDS (0 turns the cache off).
    "PAGE_CACHE_URL": None,
    "PAGE_CACHE_SECONDS": 60,
    # A running job that has not beaten for this long is taken to have lost its worker.
    "JOB_STALE_SECONDS": 120,
    "JOB_HEARTBEAT_SECONDS": 10,
    # Log lines: "json" (production) or "text" (development).
    "LOG_FORMAT": "json",
    "LOG_LEVEL": "INFO",
    # E-mail: smtp://host:port, smtps://user:password@host:port or smtp+starttls://…; without
    # it, e-mails stay in the local outbox (shown to admins in demo mode, and in the log).
    "MAIL_URL": None,
    "MAIL_FROM": "Sandbox Tracker <tracker@localhost>",
    "MAIL_TIMEOUT_SECONDS": 20,
    # The local hour from which the daily digest e-mails go out.
    "MAIL_DIGEST_HOUR": 8,
    # Links in e-mails start with this.
    "BASE_URL": "http://127.0.0.1:5000",
    # How long a password-reset link and an invitation link stay usable.
    "PASSWORD_RESET_MINUTES": 60,
    "INVITATION_DAYS": 7,
    # The API: requests per token (Flask-Limiter's notation, in the rate-limit storage shared
    # with sign-ins) and the largest request body it reads outside file uploads.
    "API_RATE_LIMIT": "300 per minute",
    "API_MAX_BODY_KB": 256,
    # Webhooks may call http:// and private addresses (tests, a local receiver): never in
    # production, where that would let an institution reach the regulator's own network.
    "WEBHOOK_ALLOW_PRIVATE": False,
    # A stage clock is "due soon" when it falls due within this many working days.
    "CLOCK_DUE_SOON_DAYS": 5,
}


def load(instance_path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask configuration from defaults, ``TRACKER_*`` variables and overrides."""
    settings = dict(DEFAULTS)
    for name, default in DEFAULTS.items():
        raw = os.environ.get(ENV_PREFIX + name)
        if raw is not None and raw != "":
            settings[name] = _coerce(raw, default if default is not None else "")
    overrides = overrides or {}
    settings.update({k: v for k, v in overrides.items() if k in DEFAULTS})

    database_url = settings["DATABASE_URL"] or f"sqlite:///{instance_path / 'tracker.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://") :]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]

    secure = bool(settings["SECURE_COOKIES"])
    config: dict[str, Any] = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SECRET_KEY": settings["SECRET_KEY"] or _secret_key(instance_path),
        "TRACKER_DEMO_MODE": settings["DEMO_MODE"],
        "TRACKER_TIMEZONE": settings["TIMEZONE"],
        "TRACKER_LOGIN_RATE_LIMIT": settings["LOGIN_RATE_LIMIT"],
        "TRACKER_CLASSIFICATION": settings["CLASSIFICATION"],
        "TRACKER_CJK_FONT": settings["CJK_FONT"],
        "TRACKER_PAGE_SIZE": settings["PAGE_SIZE"],
        "TRACKER_PROXY_COUNT": int(settings["PROXY_COUNT"]),
        "TRACKER_MAX_UPLOAD_BYTES": int(settings["MAX_UPLOAD_MB"]) * 1024 * 1024,
        "TRACKER_QUEUE_URL": settings["QUEUE_URL"] or f"sqlite:///{instance_path / 'queue.db'}",
        "TRACKER_PAGE_CACHE_URL": settings["PAGE_CACHE_URL"] or "",
        "TRACKER_PAGE_CACHE_SECONDS": int(settings["PAGE_CACHE_SECONDS"]),
        "TRACKER_JOB_STALE_SECONDS": int(settings["JOB_STALE_SECONDS"]),
        "TRACKER_JOB_HEARTBEAT_SECONDS": int(settings["JOB_HEARTBEAT_SECONDS"]),
        "TRACKER_LOG_FORMAT": settings["LOG_FORMAT"],
        "TRACKER_LOG_LEVEL": settings["LOG_LEVEL"],
        "TRACKER_MAIL_URL": settings["MAIL_URL"] or "",
        "TRACKER_MAIL_FROM": settings["MAIL_FROM"],
        "TRACKER_MAIL_TIMEOUT_SECONDS": int(settings["MAIL_TIMEOUT_SECONDS"]),
        "TRACKER_MAIL_DIGEST_HOUR": int(settings["MAIL_DIGEST_HOUR"]),
        "TRACKER_BASE_URL": settings["BASE_URL"].rstrip("/"),
        "TRACKER_PASSWORD_RESET_MINUTES": int(settings["PASSWORD_RESET_MINUTES"]),
        "TRACKER_INVITATION_DAYS": int(settings["INVITATION_DAYS"]),
        "TRACKER_API_RATE_LIMIT": settings["API_RATE_LIMIT"],
        "TRACKER_API_MAX_BODY_KB": int(settings["API_MAX_BODY_KB"]),
        "TRACKER_WEBHOOK_ALLOW_PRIVATE": bool(settings["WEBHOOK_ALLOW_PRIVATE"]),
        "TRACKER_CLOCK_DUE_SOON_DAYS": int(settings["CLOCK_DUE_SOON_DAYS"]),
        "RATELIMIT_STORAGE_URI": settings["RATELIMIT_STORAGE_URI"],
        "RATELIMIT_HEADERS_ENABLED": True,
        # Uploads are bounded by TRACKER_MAX_UPLOAD_MB; leave a margin for the other form fields.
        "MAX_CONTENT_LENGTH": (int(settings["MAX_UPLOAD_MB"]) + 1) * 1024 * 1024,
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=int(settings["SESSION_HOURS"])),
        "WTF_CSRF_TIME_LIMIT": int(settings["SESSION_HOURS"]) * 3600,
    }
    # Plain Flask keys (TESTING, WTF_CSRF_ENABLED, SQLALCHEMY_DATABASE_URI…) pass straight through.
    config.update({k: v for k, v in overrides.items() if k not in DEFAULTS})
    return config
