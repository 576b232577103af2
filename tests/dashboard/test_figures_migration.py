"""Migration 0020 fills the use-case counts from the use cases already there."""

from __future__ import annotations

import flask_migrate
import sqlalchemy as sa

from tests.conftest import make_app
from tests.plans.test_migration import ROWS
from tests.test_migrations import empty_database_url  # noqa: F401  (the fixture)
from tracker.extensions import db
from tracker.usecases import figures


def test_0020_counts_the_existing_use_cases(empty_database_url: str) -> None:  # noqa: F811
    app = make_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade(revision="0019")
        with db.engine.begin() as conn:
            for statement in ROWS[:6]:  # regulator … use cases
                conn.execute(sa.text(statement))
            conn.execute(sa.text("UPDATE use_case SET submitted_at = created_at WHERE id = 1"))
        flask_migrate.upgrade(revision="0020")
        with db.engine.connect() as conn:
            kept = conn.execute(
                sa.text(
                    "SELECT cohort_id, category_id, stage, proposal, selected, piloted, n"
                    " FROM use_case_count ORDER BY stage"
                )
            ).all()
            recounted = conn.execute(figures.recount().order_by(sa.text("stage"))).all()
        assert [tuple(r) for r in kept] == [
            (1, 1, "draft", False, False, False, 1),
            (1, 1, "pilot", True, False, True, 1),
        ]
        assert len(recounted) == len(kept)
        flask_migrate.downgrade(revision="0019")
        assert not sa.inspect(db.engine).has_table("use_case_count")
        db.engine.dispose()
