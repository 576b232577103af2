"""The schema comes from the migrations: they build it from empty and match the models."""

from __future__ import annotations

import os

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.conftest import make_app
from tracker.extensions import db


@pytest.fixture
def empty_database_url(tmp_path, worker_id: str):  # type: ignore[no-untyped-def]
    """An empty database of the kind the suite runs on (SQLite file or PostgreSQL)."""
    configured = os.environ.get("TRACKER_TEST_DATABASE_URL")
    if not configured:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    base = sa.engine.make_url(configured).set(drivername="postgresql+psycopg")
    name = f"{base.database}_migrations_{worker_id}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_build_the_schema_the_models_declare(empty_database_url: str):
    app = make_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], differences
        flask_migrate.downgrade(revision="base")
        remaining = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()
