"""Sandbox Tracker: a Flask application for running AI regulatory sandboxes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application. ``config`` overrides settings read from ``TRACKER_*`` variables."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from tracker import config as config_module

    app.config.update(config_module.load(Path(app.instance_path), config))

    from tracker import jobs, logs, setup
    from tracker.web import IdConverter

    logs.configure(app)
    app.url_map.converters["int"] = IdConverter
    setup.init_extensions(app)
    jobs.init_app(app)
    setup.register_blueprints(app)
    setup.register_cli(app)
    setup.register_templating(app)
    setup.register_error_handlers(app)
    setup.register_security_headers(app)
    proxies = app.config["TRACKER_PROXY_COUNT"]
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Rate limits key on the client address, so take it from the trusted proxies.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    return app
