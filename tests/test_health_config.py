"""Health check and configuration."""

from __future__ import annotations

import logging
import os
import stat

from tests.conftest import make_app
from tracker import config


def test_health_reports_an_unreachable_database_without_its_details(caplog):
    app = make_app("postgresql://secretrole@127.0.0.1:1/secretdb")
    with app.app_context(), caplog.at_level(logging.WARNING):
        response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "reason": "database"}
    text = response.get_data(as_text=True)
    for detail in ("127.0.0.1", "secretrole", "secretdb", "port", "OperationalError"):
        assert detail not in text
    # The operator still finds the cause in the log.
    assert any("secretrole" in (r.exc_text or "") or r.exc_info for r in caplog.records)


def test_health_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_secret_key_is_generated_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    first = config.load(tmp_path)["SECRET_KEY"]
    second = config.load(tmp_path)["SECRET_KEY"]
    assert first == second and len(first) == 64
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600


def test_environment_variables_configure_the_app(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DATABASE_URL", "postgresql://u@db.internal/tracker")
    monkeypatch.setenv("TRACKER_SECRET_KEY", "from-env")
    monkeypatch.setenv("TRACKER_MAX_UPLOAD_MB", "5")
    monkeypatch.setenv("TRACKER_SECURE_COOKIES", "false")
    settings = config.load(tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.internal/tracker"
    assert settings["SECRET_KEY"] == "from-env"
    assert settings["TRACKER_MAX_UPLOAD_BYTES"] == 5 * 1024 * 1024
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert not (tmp_path / "secret_key").exists()


def test_default_database_is_sqlite_in_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRACKER_SECRET_KEY", "k")
    assert config.load(tmp_path)["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/tracker.db"


def test_proxy_count_trusts_forwarded_addresses(database_url):
    app = make_app(database_url, PROXY_COUNT=1)
    seen = []

    @app.get("/whoami-test")
    def whoami() -> str:
        from flask import request

        seen.append((request.remote_addr, request.scheme))
        return "ok"

    with app.app_context():
        app.test_client().get(
            "/whoami-test",
            headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
        )
    assert seen == [("203.0.113.7", "https")]
