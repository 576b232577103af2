"""Migration 0021 works out the KPIs moving away from the returns already filed."""

from __future__ import annotations

import flask_migrate
import sqlalchemy as sa

from tests.conftest import make_app
from tests.plans.test_migration import ROWS
from tests.test_migrations import empty_database_url  # noqa: F401  (the fixture)
from tracker.extensions import db
from tracker.plans import figures

# Three more returns of the pilot of ROWS, with numbers against two KPIs of its plan: one
# worse twice running and short of its target, one not.
NUMBERS = [
    "INSERT INTO plan_kpi (id, version_id, position, name, unit, direction, baseline, target)"
    " SELECT 100, id, 5, 'Hit rate', '%', 'higher', 0, 40 FROM sandbox_plan_version",
    "INSERT INTO plan_kpi (id, version_id, position, name, unit, direction, baseline, target)"
    " SELECT 101, id, 6, 'Wait', 'min', 'lower', 30, 10 FROM sandbox_plan_version",
    "INSERT INTO progress_return (id, use_case_id, period_start, period_end, rag, narrative,"
    " attested_by_name, attested_by_title, submitted_at) VALUES"
    " (2, 1, '2025-02-06', '2025-03-05', 'green', 'n', 'A', 'B', '2025-03-06 00:00:00'),"
    " (4, 1, '2025-04-06', '2025-05-05', 'green', 'n', 'A', 'B', '2025-05-06 00:00:00'),"
    " (3, 1, '2025-03-06', '2025-04-05', 'green', 'n', 'A', 'B', '2025-04-06 00:00:00')",
    "INSERT INTO kpi_value (id, return_id, position, kpi, value, plan_kpi_id, number) VALUES"
    " (10, 2, 0, 'Hit rate', '', 100, 30), (11, 2, 1, 'Wait', '', 101, 20),"
    " (12, 3, 0, 'Hit rate', '', 100, 25), (13, 3, 1, 'Wait', '', 101, 15),"
    " (14, 4, 0, 'Hit rate', '', 100, 20), (15, 4, 1, 'Wait', '', 101, 16)",
]


def test_0021_works_out_the_kpis_moving_away(empty_database_url: str) -> None:  # noqa: F811
    app = make_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade(revision="0009")
        with db.engine.begin() as conn:
            for statement in ROWS:
                conn.execute(sa.text(statement))
        flask_migrate.upgrade(revision="0020")
        with db.engine.begin() as conn:
            for statement in NUMBERS:
                conn.execute(sa.text(statement))
        flask_migrate.upgrade(revision="0021")
        with db.engine.connect() as conn:
            kept = conn.execute(
                sa.text(
                    "SELECT use_case_id, kpi, plan_kpi_id, oldest, middle, latest, target"
                    " FROM kpi_moving_away ORDER BY use_case_id, kpi"
                )
            ).all()
            worked_out = figures.worked_out(connection=conn)
        assert [tuple(r) for r in kept] == [(1, "Hit rate", 100, 30, 25, 20, 40)]
        assert worked_out == [tuple(r) for r in kept]
        flask_migrate.downgrade(revision="0020")
        assert not sa.inspect(db.engine).has_table("kpi_moving_away")
        db.engine.dispose()
