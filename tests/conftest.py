"""Test fixtures. Tests run against SQLite by default and against the database named by
``TRACKER_TEST_DATABASE_URL`` when it is set (CI sets it to PostgreSQL)."""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.pool import NullPool

from tests import factories as f
from tracker import clock, create_app, i18n, jobs
from tracker.auth import passwords
from tracker.auth.models import Role, User
from tracker.extensions import db, limiter
from tracker.institutions.models import Category, Institution, InstitutionKind
from tracker.programmes.models import Cohort, Programme, Regulator

# The Chinese catalogue, compiled when the .po is newer than its .mo.
i18n.compile_catalogues()

# Hashing at production cost would dominate the run; tests check behaviour, not cost.
passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def test_database_url(tmp_path_factory: pytest.TempPathFactory, worker: str = "master") -> str:
    """SQLite in a temporary folder, or the configured server database. Under pytest-xdist each
    worker gets a database of its own on the server, named after the configured one."""
    url = os.environ.get("TRACKER_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    base = sa.engine.make_url(url)
    if worker == "master" or not base.drivername.startswith("postgres"):
        return url
    name = f"{base.database}_{worker}"
    admin = sa.create_engine(
        base.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


class IsolatedClient(FlaskClient):
    """Runs each request in an empty context, so it gets its own app context, ``g`` and
    database session, as in production, instead of reusing the test's app context. A clock
    the test froze stays frozen for the request."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        # Read to its end and closed, as a server does: a streamed body (the CSV export) that a
        # test never reads would otherwise keep its database connection until garbage collection.
        kwargs.setdefault("buffered", True)
        moment = clock.frozen_moment()
        if moment is None:
            return contextvars.Context().run(super().open, *args, **kwargs)
        return contextvars.Context().run(self._open_at, moment, *args, **kwargs)

    def _open_at(self, moment: datetime, *args: Any, **kwargs: Any) -> Any:
        with clock.frozen_at(moment):
            return super().open(*args, **kwargs)


# Apps made by tests besides the session's own; their connection pools are closed after each
# test, so no connection is left for the garbage collector to close in a later test.
_extra_apps: list[Flask] = []


def page_cache_for(database_url: str) -> str:
    """The page cache's folder for a test database: one per database (so xdist workers, whose
    commits renew the generation, never share one) and the same for every process that uses
    that database (a browser test's live server, a worker process)."""
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return str(Path(tempfile.gettempdir()) / f"tracker-test-pages-{digest}")


def make_app(url: str, *, pooled: bool = False, **extra: Any) -> Flask:
    """An application for tests. Unless ``pooled``, it keeps no connection pool: a connection
    closes when it is handed back, so one still checked out when the test's app is disposed
    (a session some context never removed) is closed on its return, not left in an orphaned
    pool for the garbage collector to find open in a later test."""
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": url,
        "SECURE_COOKIES": False,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "QUEUE_URL": "immediate://",
        "SERVER_NAME": "localhost",
        "PAGE_CACHE_URL": page_cache_for(url),
    }
    if not pooled:
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"poolclass": NullPool}
    config.update(extra)
    application = create_app(config)
    application.test_client_class = IsolatedClient
    _extra_apps.append(application)
    return application


def _dispose_extra_apps(keep: Flask) -> None:
    while _extra_apps:
        extra = _extra_apps.pop()
        if extra is keep:
            continue
        with extra.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> str:
    return test_database_url(tmp_path_factory, worker_id)


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    application = make_app(database_url, pooled=True)
    with application.app_context():
        db.drop_all()
        _drop_alembic_version()
        db.create_all()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _drop_alembic_version() -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


def clear_tables(attempts: int = 3) -> None:
    db.session.remove()
    tables = [t.name for t in db.metadata.sorted_tables]
    for attempt in range(attempts):
        try:
            with db.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    quoted = ", ".join(f'"{t}"' for t in tables)
                    conn.execute(sa.text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
                else:
                    for table in reversed(db.metadata.sorted_tables):
                        conn.execute(table.delete())
            return
        except sa.exc.OperationalError as exc:
            # A browser test's live server may still be answering the page's last request
            # (PostgreSQL then reports a deadlock against TRUNCATE): wait for it and try again.
            if "deadlock" not in str(exc).lower() or attempt == attempts - 1:
                raise
            time.sleep(0.5)


@pytest.fixture(autouse=True)
def _app_context(app: Flask) -> Iterator[None]:
    # The job queue is one per process: an app an earlier test made (with a real queue, for a
    # worker) re-pointed it, so each test starts on the session app's immediate queue again.
    jobs.init_app(app)
    with app.app_context():
        limiter.reset()
        yield
        clear_tables()
    _dispose_extra_apps(keep=app)


@pytest.fixture
def freeze_time() -> Iterator[Callable[[datetime], datetime]]:
    """``freeze_time(datetime(2025, 3, 1, 2, 0))`` sets the tracker's clock (naive UTC) for the
    rest of the test; call it again to move the clock. The real clock is back afterwards."""
    with contextlib.ExitStack() as stack:
        yield lambda moment: stack.enter_context(clock.frozen_at(moment))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@dataclass
class World:
    """A small sandbox: two regulators, one programme each, banks, a partner, users."""

    hkma: Regulator
    sfc: Regulator
    ia: Regulator
    programme: Programme  # led by HKMA, SFC participating
    other_programme: Programme  # led by IA only
    cohort: Cohort
    other_cohort: Cohort
    category: Category
    bank: Institution
    other_bank: Institution
    partner: Institution
    admin: User
    reviewer: User  # HKMA staff
    sfc_reviewer: User  # SFC staff: participates in the programme
    ia_reviewer: User  # IA staff: no part in the programme
    supervisor: User  # HKMA supervisor
    bank_user: User
    other_bank_user: User
    partner_user: User


@pytest.fixture
def world() -> World:
    hkma = f.create_regulator(
        "HKMA", name_en="Hong Kong Monetary Authority", name_zh="香港金融管理局"
    )
    sfc = f.create_regulator("SFC", name_en="Securities and Futures Commission")
    ia = f.create_regulator("IA", name_en="Insurance Authority")
    programme = f.create_programme(hkma, [sfc], name="GenA.I. Sandbox")
    other_programme = f.create_programme(ia, name="Insurance Sandbox")
    cohort = f.create_cohort(programme, name="Cohort 1")
    other_cohort = f.create_cohort(other_programme, name="Cohort A")
    category = f.create_category("Anti-fraud")
    bank = f.create_institution(hkma, name="Harbour Bank")
    other_bank = f.create_institution(hkma, name="Lion Rock Bank")
    partner = f.create_institution(None, InstitutionKind.TECH_PARTNER, name="Kowloon AI Labs")
    w = World(
        hkma=hkma,
        sfc=sfc,
        ia=ia,
        programme=programme,
        other_programme=other_programme,
        cohort=cohort,
        other_cohort=other_cohort,
        category=category,
        bank=bank,
        other_bank=other_bank,
        partner=partner,
        admin=f.create_user(Role.ADMIN, email="admin@example.com"),
        reviewer=f.create_user(Role.REGULATOR, regulator=hkma, email="reviewer@example.com"),
        sfc_reviewer=f.create_user(Role.REGULATOR, regulator=sfc, email="sfc@example.com"),
        ia_reviewer=f.create_user(Role.REGULATOR, regulator=ia, email="ia@example.com"),
        supervisor=f.create_user(Role.SUPERVISOR, regulator=hkma, email="super@example.com"),
        bank_user=f.create_user(Role.INSTITUTION, institution=bank, email="bank@example.com"),
        other_bank_user=f.create_user(
            Role.INSTITUTION, institution=other_bank, email="other@example.com"
        ),
        partner_user=f.create_user(
            Role.INSTITUTION, institution=partner, email="partner@example.com"
        ),
    )
    db.session.commit()
    return w


def login(client: FlaskClient, user: User | str, password: str = f.PASSWORD) -> None:
    """Sign in through the real login form."""
    email = user if isinstance(user, str) else user.email
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, f"login failed for {email}"


@pytest.fixture
def login_as(client: FlaskClient):  # type: ignore[no-untyped-def]
    def _login(user: User) -> FlaskClient:
        login(client, user)
        return client

    return _login


CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in page"
    return match.group(1) or match.group(2)


ROOT = Path(__file__).resolve().parent.parent


def local_today() -> date:
    """Today where the tests' app works (Hong Kong): ahead of UTC's date for eight hours a day."""
    return datetime.now(ZoneInfo("Asia/Hong_Kong")).date()
