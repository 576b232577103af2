"""Migration 0015 carries every existing pilot over to an agreed version 1 plan, and every
free-text KPI value over to its plan KPI, keeping the text as the note: nothing is lost."""

from __future__ import annotations

import flask_migrate
import sqlalchemy as sa

from tests.conftest import make_app
from tests.test_migrations import empty_database_url  # noqa: F401  (the fixture)
from tracker.extensions import db

ROWS = [
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
    " pilot_duration_weeks, pilot_limits, pilot_data_scope, version) VALUES"
    " (1, 1, 1, 1, 'T', '', '', 'rag', '', false, 'internal', '', 'Triage time\nHit rate',"
    " 'pilot', '2025-01-06 00:00:00', '2025-01-01 00:00:00', '2025-01-01 00:00:00',"
    " '2025-01-06', 26, 'At most 500 customers', 'Hotline calls', 1),"
    " (2, 1, 1, 1, 'Draft', '', '', 'rag', '', false, 'internal', '', 'X', 'draft',"
    " '2025-01-01 00:00:00', '2025-01-01 00:00:00', '2025-01-01 00:00:00', NULL, NULL, NULL,"
    " NULL, 1)",
    "INSERT INTO stage_transition (id, use_case_id, action, from_stage, to_stage, at, details)"
    " VALUES (1, 1, 'start_pilot', 'selected', 'pilot', '2025-01-05 03:00:00', '{}')",
    "INSERT INTO progress_return (id, use_case_id, period_start, period_end, rag,"
    " narrative, attested_by_name, attested_by_title, submitted_at) VALUES (1, 1,"
    " '2025-01-06', '2025-02-05', 'green', 'n', 'A', 'B', '2025-02-06 00:00:00')",
    "INSERT INTO kpi_value (id, return_id, position, kpi, value) VALUES"
    " (1, 1, 0, 'Triage time', 'about 9 minutes'), (2, 1, 1, 'Old KPI', '42%')",
]


def test_pilots_become_agreed_plans_and_kpi_values_keep_their_text(
    empty_database_url: str,  # noqa: F811
) -> None:
    app = make_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade(revision="0009")
        with db.engine.begin() as conn:
            for statement in ROWS:
                conn.execute(sa.text(statement))
        flask_migrate.upgrade(revision="0015")
        with db.engine.connect() as conn:
            plans = conn.execute(sa.text("SELECT id, use_case_id FROM sandbox_plan")).all()
            version = conn.execute(
                sa.text(
                    "SELECT number, status, carried_over, duration_weeks, other_limits,"
                    " data_scope, agreed_at FROM sandbox_plan_version"
                )
            ).one()
            kpis = conn.execute(sa.text("SELECT id, name FROM plan_kpi ORDER BY position")).all()
            values = conn.execute(
                sa.text("SELECT kpi, value, plan_kpi_id, number FROM kpi_value ORDER BY id")
            ).all()
        assert [p.use_case_id for p in plans] == [1]  # the draft has no pilot, so no plan
        assert tuple(version[:6]) == (
            1,
            "agreed",
            True,
            26,
            "At most 500 customers",
            "Hotline calls",
        )
        assert str(version.agreed_at).startswith("2025-01-05 03:00:00")
        by_name = {k.name: k.id for k in kpis}
        assert list(by_name) == ["Triage time", "Hit rate", "Old KPI"]
        assert [tuple(v) for v in values] == [
            ("Triage time", "about 9 minutes", by_name["Triage time"], None),
            ("Old KPI", "42%", by_name["Old KPI"], None),
        ]
        flask_migrate.downgrade(revision="0009")
        with db.engine.connect() as conn:
            kept = conn.execute(sa.text("SELECT value FROM kpi_value ORDER BY id")).scalars()
            assert list(kept) == ["about 9 minutes", "42%"]
        db.engine.dispose()
