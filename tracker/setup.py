"""Wiring used by ``create_app``: extensions, blueprints, CLI, templating, errors, headers."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_date, format_datetime
from flask import Flask, Response, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response as BaseResponse

from tracker import i18n, unit_of_work
from tracker.extensions import csrf, db, limiter, login_manager, migrate
from tracker.rules import NotAllowedError


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside a writer; busy_timeout waits for the lock instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def init_extensions(app: Flask) -> None:
    db.init_app(app)
    unit_of_work.end_reading(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    i18n.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            sa.event.listen(db.engine, "connect", _sqlite_pragmas)

    from tracker import models  # noqa: F401  (registers every table)
    from tracker.auth.services import load_user

    login_manager.user_loader(load_user)

    from tracker import pagecache

    pagecache.init_app(app)


def register_blueprints(app: Flask) -> None:
    from tracker.admin.views import bp as admin_bp
    from tracker.auth.views import bp as auth_bp
    from tracker.clocks import jobs as _clock_jobs  # noqa: F401  (the daily clock check)
    from tracker.committee.views import bp as committee_bp
    from tracker.compute.views import bp as compute_bp
    from tracker.core.views import bp as core_bp
    from tracker.dashboard.views import bp as dashboard_bp
    from tracker.evidence.views import bp as evidence_bp
    from tracker.exits.views import bp as exits_bp
    from tracker.lessons.views import bp as lessons_bp
    from tracker.notifications import jobs as _mail_jobs  # noqa: F401  (sends, sweeps, digests)
    from tracker.notifications import subscribers as _subscribers  # noqa: F401  (who is told)
    from tracker.notifications.views import bp as notifications_bp
    from tracker.plans.views import bp as plans_bp
    from tracker.reports import jobs as _report_jobs  # noqa: F401  (subscribes to requests)
    from tracker.reports.views import bp as reports_bp
    from tracker.returns import reminders as _reminders  # noqa: F401  (the reminder job)
    from tracker.returns import subscribers as _returns_told  # noqa: F401
    from tracker.usecases import views as _usecase_views  # noqa: F401  (registers routes)
    from tracker.usecases.blueprint import bp as usecases_bp

    for bp in (
        core_bp,
        auth_bp,
        admin_bp,
        usecases_bp,
        dashboard_bp,
        reports_bp,
        notifications_bp,
        committee_bp,
    ):
        app.register_blueprint(bp)
    app.register_blueprint(evidence_bp)
    app.register_blueprint(compute_bp)
    app.register_blueprint(lessons_bp)
    app.register_blueprint(plans_bp)
    app.register_blueprint(exits_bp)

    from tracker.api import blueprint as api
    from tracker.api.account import bp as api_tokens_bp
    from tracker.api.docs import bp as api_docs_bp
    from tracker.clocks.views import bp as clocks_bp

    api.init_app(app)
    csrf.exempt(api.bp)  # bearer tokens only: no cookie, so nothing to forge
    app.register_blueprint(api_tokens_bp)
    app.register_blueprint(api_docs_bp)
    app.register_blueprint(clocks_bp)


def register_cli(app: Flask) -> None:
    from tracker.auth.cli import create_user
    from tracker.demo import demo_logins_command, seed_demo_command
    from tracker.jobs import worker_command
    from tracker.synthetic import seed_synthetic_command
    from tracker.usecases.figures import rebuild_figures_command

    for command in (
        create_user,
        seed_demo_command,
        demo_logins_command,
        seed_synthetic_command,
        rebuild_figures_command,
        worker_command,
    ):
        app.cli.add_command(command)
    from tracker.reports.cli import report_cli

    app.cli.add_command(report_cli)
    from tracker.api.cli import api_token_cli

    app.cli.add_command(api_token_cli)
    from tracker.clocks.views import clocks_cli

    app.cli.add_command(clocks_cli)


def _babel_pattern(fmt: str) -> str:
    """The Babel pattern for the strftime formats the pages use, in Chinese."""
    return "y年M月d日" if fmt == "%d %b %Y" else "y年M月d日 HH:mm"


def register_templating(app: Flask) -> None:
    zone = ZoneInfo(app.config["TRACKER_TIMEZONE"])

    def local_time(value: datetime | None, fmt: str = "%d %b %Y %H:%M") -> str:
        """Show a stored naive-UTC timestamp in the configured time zone (in Chinese, as Babel
        writes dates and times for zh-Hant: 2026年12月1日 下午3:05)."""
        if value is None:
            return ""
        local = value.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)
        if i18n.is_chinese():
            return format_datetime(local, _babel_pattern(fmt), locale=i18n.CHINESE)
        return local.strftime(fmt)

    def day(value: date | None) -> str:
        if not value:
            return ""
        if i18n.is_chinese():
            return format_date(value, "long", locale=i18n.CHINESE)
        return value.strftime("%d %b %Y")

    from tracker.clock import days_since
    from tracker.navigation import may_start_proposal, nav_items, setup_nav_items
    from tracker.text import in_language, plural
    from tracker.usecases.workflow import PHASE
    from tracker.web import use_case_url

    app.jinja_env.globals["phase"] = PHASE.__getitem__
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["setup_nav_items"] = setup_nav_items
    app.jinja_env.globals["may_start_proposal"] = may_start_proposal
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["days_since"] = days_since
    app.jinja_env.filters["in_lang"] = in_language
    app.jinja_env.globals["plural"] = plural
    app.jinja_env.globals["use_case_url"] = use_case_url
    app.jinja_env.globals["html_lang"] = i18n.html_lang
    app.jinja_env.globals["may_switch_language"] = i18n.may_switch
    app.jinja_env.filters["local_name"] = i18n.local_name
    app.jinja_env.filters["number"] = i18n.number
    app.jinja_env.filters["percent"] = i18n.percent
    app.jinja_env.globals["current_language"] = i18n.current_language
    app.jinja_env.globals["languages"] = i18n.LANGUAGES
    # {% trans %} blocks are read with their whitespace collapsed, as the extractor reads them.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals["timezone_name"] = i18n.ZoneName(app.config["TRACKER_TIMEZONE"])
    app.jinja_env.globals["demo_mode"] = app.config["TRACKER_DEMO_MODE"]
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def register_error_handlers(app: Flask) -> None:
    from tracker.i18n import gettext as _

    def render_error(code: int, title: str, message: str) -> tuple[str, int]:
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.errorhandler(400)
    def bad_request(_e: Exception) -> tuple[str, int]:
        return render_error(400, _("Bad request"), _("The request could not be understood."))

    @app.errorhandler(CSRFError)
    def csrf_error(_e: CSRFError) -> tuple[str, int]:
        # What was typed is shown back and, from our own pages, can be posted again.
        from tracker.resubmit import kept_form

        kept = kept_form(request, signed_in=current_user.is_authenticated)
        return render_template("errors/form_expired.html", code=400, kept=kept), 400

    @app.errorhandler(NotAllowedError)
    @app.errorhandler(403)
    def forbidden(_e: Exception) -> tuple[str, int]:
        return render_error(
            403, _("Not allowed"), _("Your account does not give access to this page.")
        )

    @app.errorhandler(404)
    def not_found(_e: Exception) -> tuple[str, int]:
        return render_error(404, _("Not found"), _("There is no page at this address."))

    @app.errorhandler(405)
    def method_not_allowed(_e: Exception) -> tuple[str, int]:
        return render_error(
            405, _("Method not allowed"), _("This address does not accept that request.")
        )

    @app.errorhandler(413)
    def too_large(_e: Exception) -> tuple[str, int] | BaseResponse:
        limit = app.config["TRACKER_MAX_UPLOAD_BYTES"] // (1024 * 1024)
        if request.endpoint == "usecases.upload" and request.view_args:
            # The body was never read, so nothing typed survives: say why, on the use case.
            from tracker.usecases.forms import DocumentForm

            use_case_id = request.view_args["id"]
            DocumentForm.keep_refusal(
                use_case_id,
                _(
                    "The file is larger than %(limit)s MB. Choose a smaller file, and type its "
                    "description again.",
                    limit=limit,
                ),
            )
            flash(
                _("The document was not uploaded: files can be up to %(limit)s MB.", limit=limit),
                "danger",
            )
            use_case_url = url_for("usecases.detail", id=use_case_id)
            return redirect(use_case_url + "#documents", code=303)
        return render_error(
            413, _("File too large"), _("Uploads are limited to %(limit)s MB.", limit=limit)
        )

    @app.errorhandler(429)
    def too_many(_e: Exception) -> tuple[str, int]:
        return render_error(
            429,
            _("Too many attempts"),
            _("Too many attempts from here. Wait a few minutes and retry."),
        )

    @app.errorhandler(500)
    def server_error(_e: Exception) -> tuple[str, int]:
        db.session.rollback()
        return render_error(
            500, _("Something went wrong"), _("The error has been logged. Nothing was saved.")
        )


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; "
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint != "static":
            # Pages and downloads hold private data: no cache, shared or browser, may keep them.
            # Overrides what send_file sets (no-cache, which still lets a cache store the file).
            response.headers["Cache-Control"] = "no-store"
        return response
