"""Migration 0023 fills the per-institution counts from the use cases and partnerships there."""

from __future__ import annotations

import flask_migrate
import sqlalchemy as sa

from tests.conftest import make_app
from tests.plans.test_migration import ROWS
from tests.test_migrations import empty_database_url  # noqa: F401  (the fixture)
from tracker.extensions import db


def test_0023_counts_the_existing_use_cases_and_partnerships(
    empty_database_url: str,  # noqa: F811
) -> None:
    app = make_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade(revision="0020")
        with db.engine.begin() as conn:
            for statement in ROWS[:6]:  # regulator … use cases
                conn.execute(sa.text(statement))
            conn.execute(
                sa.text(
                    "INSERT INTO institution (id, name, kind, regulator_id, active)"
                    " VALUES (2, 'Labs', 'tech_partner', NULL, true)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO use_case_partner (use_case_id, institution_id)"
                    " VALUES (1, 2), (2, 2)"
                )
            )
            # The pilot was submitted; the draft never was, so it counts for nobody.
            conn.execute(sa.text("UPDATE use_case SET submitted_at = created_at WHERE id = 1"))
        flask_migrate.upgrade(revision="0023")
        with db.engine.connect() as conn:
            kept = conn.execute(
                sa.text(
                    "SELECT institution_id, cohort_id, lead, stage, n"
                    " FROM institution_use_case_count ORDER BY institution_id"
                )
            ).all()
        assert [tuple(r) for r in kept] == [(1, 1, True, "pilot", 1), (2, 1, False, "pilot", 1)]
        flask_migrate.downgrade(revision="0022")
        inspector = sa.inspect(db.engine)
        assert not inspector.has_table("institution_use_case_count")
        db.engine.dispose()
