# ruff: noqa: E501  (SQL reads one statement to a line)
"""Migration 0014 lets an external expert's account in, of no organisation or of an
institution and never of a regulator, keeps existing criteria (weight 1), and its downgrade
refuses while expert accounts exist rather than lose them."""

from __future__ import annotations

import flask_migrate
import pytest
import sqlalchemy as sa

from tests.conftest import make_app
from tests.test_migrations import empty_database_url  # noqa: F401  (the fixture)
from tracker.extensions import db

INSERT = (
    "INSERT INTO user_account (email, name, password_hash, role, regulator_id, institution_id,"
    " active, created_at, session_version) VALUES (:email, 'N', 'x', :role, :regulator, NULL,"
    " true, '2026-01-01 00:00:00', 1)"
)


def test_experts_fit_the_constraints_after_0014(empty_database_url: str):  # noqa: F811
    app = make_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade(revision="0009")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO regulator (id, code, name_en, active) VALUES (1, 'HKMA', 'H', true)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO programme (id, name, description, lead_regulator_id, sectors, active) VALUES (1, 'P', '', 1, '[]', true)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO cohort (id, programme_id, name, status, return_interval_days, created_at) VALUES (1, 1, 'C', 'open', 30, '2025-01-01 00:00:00')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO selection_criterion (id, cohort_id, name, position) VALUES (1, 1, 'Innovation', 0)"
                )
            )
        flask_migrate.upgrade(revision="0014")
        with db.engine.begin() as conn:
            conn.execute(sa.text(INSERT), {"email": "e@x.org", "role": "expert", "regulator": None})
            weight = conn.execute(sa.text("SELECT weight, rubric_1 FROM selection_criterion")).one()
        assert tuple(weight) == (1, "")
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text(INSERT), {"email": "r@x.org", "role": "expert", "regulator": 1})
        with pytest.raises(SystemExit):  # flask-migrate reports the RuntimeError and exits
            flask_migrate.downgrade(revision="0009")
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE user_account SET role = 'admin'"))
        flask_migrate.downgrade(revision="0009")
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(
                sa.text(INSERT), {"email": "e2@x.org", "role": "expert", "regulator": None}
            )
        db.engine.dispose()
