"""The schema comes from the migrations: they build it from empty and match the models."""

from __future__ import annotations

import os
import warnings

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.conftest import make_app
from tracker.extensions import db
from tracker.usecases import text_index


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


def _expression_indexes(conn: sa.Connection) -> set[str]:
    """The names of the indexes on an expression the database holds."""
    if conn.dialect.name == "sqlite":
        sql = (
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " AND sql LIKE '%(%(%'"
        )
    else:
        sql = (
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexdef LIKE '%((%'"
        )
    return set(conn.scalars(sa.text(sql)))


def test_migrations_build_the_schema_the_models_declare(empty_database_url: str):
    app = make_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            # As ``flask db migrate`` compares (migrations/env.py): the search's FTS5 table is
            # made by hand on SQLite, and its GIN index is PostgreSQL's alone.
            filters = text_index.schema_filters(conn.dialect.name)
            context = MigrationContext.configure(conn, opts={"compare_type": True, **filters})
            with warnings.catch_warnings():
                # SQLite's reflection cannot read an index on an expression (``lower(name)``):
                # the comparison skips those, and they are checked by name just below.
                warnings.filterwarnings(
                    "ignore", "Skipped unsupported reflection of expression-based index"
                )
                warnings.filterwarnings(
                    "ignore", "autogenerate skipping metadata-specified expression-based index"
                )
                differences = compare_metadata(context, db.metadata)
            assert differences == [], differences
            assert _expression_indexes(conn) == {
                index.name
                for table in db.metadata.tables.values()
                for index in table.indexes
                if any(not isinstance(e, sa.Column) for e in index.expressions)
            }
        flask_migrate.downgrade(revision="base")
        remaining = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()


def test_resolved_incidents_keep_a_resolution_date_through_0003(empty_database_url: str):
    app = make_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade(revision="0002")
        statements = [
            "INSERT INTO regulator (id, code, name_en, active) VALUES (1, 'HKMA', 'HKMA', true)",
            "INSERT INTO programme (id, name, description, lead_regulator_id, sectors, active)"
            " VALUES (1, 'P', '', 1, '[]', true)",
            "INSERT INTO cohort (id, programme_id, name, status, return_interval_days, created_at)"
            " VALUES (1, 1, 'C', 'piloting', 30, '2025-01-01 00:00:00')",
            "INSERT INTO institution (id, name, kind, regulator_id, active)"
            " VALUES (1, 'Bank', 'bank', 1, true)",
            "INSERT INTO category (id, name, description, active) VALUES (1, 'Cat', '', true)",
            "INSERT INTO use_case (id, cohort_id, institution_id, category_id, title, summary,"
            " problem_statement, technique, data_used, personal_data, audience, safeguards, kpis,"
            " stage, stage_changed_at, created_at, updated_at, pilot_started_on,"
            " pilot_duration_weeks, version) VALUES (1, 1, 1, 1, 'T', '', '', 'rag', '', false,"
            " 'internal', '', '', 'pilot', '2025-01-01 00:00:00', '2025-01-01 00:00:00',"
            " '2025-01-01 00:00:00', '2025-01-01', 26, 1)",
            "INSERT INTO progress_return (id, use_case_id, period_start, period_end, rag,"
            " narrative, attested_by_name, attested_by_title, submitted_at) VALUES (1, 1,"
            " '2025-01-01', '2025-01-31', 'green', 'n', 'A', 'B', '2025-02-01 00:00:00')",
            "INSERT INTO incident (id, use_case_id, return_id, description, severity,"
            " customer_impact, remediation, resolved) VALUES"
            " (1, 1, 1, 'closed', 'low', '', '', true), (2, 1, 1, 'open', 'low', '', '', false)",
        ]
        with db.engine.begin() as conn:
            for statement in statements:
                conn.execute(sa.text(statement))
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT id, resolved_on, resolution FROM incident ORDER BY id")
            ).all()
        assert [(r[0], str(r[1]) if r[1] else None, r[2]) for r in rows] == [
            (1, "2025-01-31", ""),
            (2, None, ""),
        ]
        flask_migrate.downgrade(revision="0002")
        with db.engine.connect() as conn:
            flags = conn.execute(sa.text("SELECT resolved FROM incident ORDER BY id")).scalars()
            assert [bool(f) for f in flags] == [True, False]
        db.engine.dispose()
