"""Migration 0024 fills the next-return due dates of the use cases already there and the open
milestones' cohorts, by their rules."""

from __future__ import annotations

from datetime import date

import flask_migrate
import sqlalchemy as sa

from tests.conftest import make_app
from tests.plans.test_migration import ROWS
from tests.test_migrations import empty_database_url  # noqa: F401  (the fixture)
from tracker.extensions import db
from tracker.returns import due
from tracker.usecases import open_milestones
from tracker.usecases.models import Milestone, UseCase


def test_0024_fills_the_due_dates_by_the_rule(empty_database_url: str) -> None:  # noqa: F811
    app = make_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade(revision="0020")
        with db.engine.begin() as conn:
            for statement in ROWS[:6]:  # regulator … use cases: a pilot and a draft
                conn.execute(sa.text(statement))
            # A second pilot, with a schedule and an open expected return; the first has
            # reported up to 5 February.
            conn.execute(
                sa.text(
                    "INSERT INTO use_case (id, cohort_id, institution_id, category_id, title,"
                    " summary, problem_statement, technique, data_used, personal_data, audience,"
                    " safeguards, kpis, stage, stage_changed_at, created_at, updated_at,"
                    " pilot_started_on, pilot_duration_weeks, version) VALUES (3, 1, 1, 1, 'S',"
                    " '', '', 'rag', '', false, 'internal', '', 'X', 'suspended',"
                    " '2025-01-06 00:00:00', '2025-01-01 00:00:00', '2025-01-01 00:00:00',"
                    " '2025-01-06', 26, 1)"
                )
            )
            conn.execute(
                sa.text(
                    "UPDATE use_case SET last_return_end = '2025-02-05',"
                    " submitted_at = created_at WHERE id = 1"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO milestone (id, use_case_id, title, planned_on, status,"
                    " created_at, version) VALUES (1, 1, 'Open', '2025-02-01', 'in_progress',"
                    " '2025-01-06 00:00:00', 1), (2, 1, 'Done', '2025-02-01', 'done',"
                    " '2025-01-06 00:00:00', 1)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO return_schedule (id, use_case_id, frequency, first_period_start,"
                    " ends_on, report_dates, days_to_file, set_at, version) VALUES (1, 3,"
                    " 'monthly', '2025-01-06', '2025-06-30', '[]', 14, '2025-01-06 00:00:00', 1)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO expected_return (id, use_case_id, source, period_start,"
                    " period_end, due_on, status, request, created_at, waiver, version) VALUES"
                    " (1, 3, 'schedule', '2025-01-06', '2025-02-05', '2025-02-19', 'open', '',"
                    " '2025-01-06 00:00:00', '', 1),"
                    " (2, 3, 'schedule', '2025-02-06', '2025-03-05', '2025-03-19', 'waived', '',"
                    " '2025-01-06 00:00:00', '', 1)"
                )
            )
        flask_migrate.upgrade(revision="0024")
        with db.engine.connect() as conn:
            kept = dict(conn.execute(sa.select(UseCase.id, UseCase.next_return_due_on)).all())
            rule = dict(conn.execute(sa.select(UseCase.id, due.due_on())).all())
        assert kept == {1: date(2025, 3, 7), 2: None, 3: date(2025, 2, 19)}
        assert kept == rule
        with db.engine.connect() as conn:
            cohorts = dict(conn.execute(sa.select(Milestone.id, Milestone.open_cohort_id)).all())
            rule_cohorts = dict(
                conn.execute(sa.select(Milestone.id, open_milestones.open_cohort())).all()
            )
        assert cohorts == rule_cohorts == {1: 1, 2: None}
        flask_migrate.downgrade(revision="0023")
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("use_case")}
        assert "next_return_due_on" not in columns
        db.engine.dispose()
