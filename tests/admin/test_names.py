"""Names in both languages: a cohort's Chinese name (its column, its form field, the API), the
records' ``str`` in the page's language, and the use-case search by either language's name."""

from __future__ import annotations

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login, make_app
from tests.test_migrations import empty_database_url  # noqa: F401 - the fixture
from tracker.extensions import db
from tracker.i18n import CHINESE, ENGLISH, language
from tracker.programmes.models import Cohort
from tracker.usecases.models import Stage


def test_the_cohort_form_saves_the_chinese_name(admin_client: FlaskClient, world: World) -> None:
    response = admin_client.post(
        f"/admin/cohorts/{world.cohort.id}/edit",
        data={
            "programme_id": str(world.cohort.programme_id),
            "name": "Cohort 1",
            "name_zh": " 第一期 ",
            "status": world.cohort.status.value,
            "return_interval_days": "30",
            "criteria_text": "\n".join(c.name for c in world.cohort.criteria) or "Innovation",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get_one(Cohort, world.cohort.id).name_zh == "第一期"
    response = admin_client.post(
        "/admin/cohorts/new",
        data={
            "programme_id": str(world.programme.id),
            "name": "Cohort 2",
            "name_zh": "第二期",
            "status": "planning",
            "return_interval_days": "30",
        },
        query_string={"lang": "zh-Hant"},
        follow_redirects=True,
    )
    assert "批次「第二期」已建立。" in response.get_data(as_text=True)
    created = db.session.scalar(sa.select(Cohort).where(Cohort.name == "Cohort 2"))
    assert created is not None and created.name_zh == "第二期"


def test_records_are_named_in_the_language_of_the_request(app: Flask, world: World) -> None:
    world.programme.name_zh = "生成式人工智能沙盒"
    world.cohort.name_zh = "第一期"
    world.bank.name_zh = "海港銀行"
    world.category.name_zh = "反詐騙"
    # The app context the test runs in keeps the language it chose first: force it instead.
    with app.test_request_context("/"), language(CHINESE):
        assert str(world.cohort) == "生成式人工智能沙盒 — 第一期"
        assert [str(world.bank), str(world.category)] == ["海港銀行", "反詐騙"]
        assert str(world.other_cohort) == "Insurance Sandbox — Cohort A"  # no Chinese names
        assert str(world.hkma) == "HKMA"  # a regulator is shown by its code
    with app.test_request_context("/"), language(ENGLISH):
        assert str(world.cohort) == "GenA.I. Sandbox — Cohort 1"
        assert [str(world.bank), str(world.category)] == ["Harbour Bank", "Anti-fraud"]


@pytest.mark.parametrize("term", ["海港", "反詐騙", "第一期", "人工智能沙盒", "anti-FRAUD"])
def test_the_use_case_search_matches_names_in_either_language(
    client: FlaskClient, world: World, term: str
) -> None:
    world.programme.name_zh = "生成式人工智能沙盒"
    world.cohort.name_zh = "第一期"
    world.bank.name_zh = "海港銀行"
    world.category.name_zh = "反詐騙"
    other_category = f.create_category("Customer experience", name_zh="客戶體驗")
    found = f.create_use_case(
        world.cohort, world.bank, world.category, stage=Stage.SUBMITTED, title="Scam call detection"
    )
    missed = f.create_use_case(
        world.other_cohort,
        world.other_bank,
        other_category,
        stage=Stage.SUBMITTED,
        title="Claims triage",
    )
    db.session.commit()
    login(client, world.admin)
    html = client.get("/use-cases/", query_string={"q": term}).get_data(as_text=True)
    assert found.title in html
    assert missed.title not in html


def test_migration_0019_adds_the_cohorts_chinese_name(
    empty_database_url: str,  # noqa: F811 - the fixture imported above
) -> None:
    app = make_app(empty_database_url)
    with app.app_context():
        flask_migrate.upgrade(revision="0018")
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("cohort")}
        assert "name_zh" not in columns
        flask_migrate.upgrade(revision="0019")
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("cohort")}
        assert "name_zh" in columns
        flask_migrate.downgrade(revision="0018")
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("cohort")}
        assert "name_zh" not in columns
        db.engine.dispose()


def test_the_institution_filter_finds_an_institution_by_its_chinese_name(
    client: FlaskClient, world: World
) -> None:
    world.bank.name_zh = "海港銀行"
    f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    login(client, world.admin)
    found = client.get("/use-cases/institutions.json", query_string={"q": "海港"}).get_json()
    assert found == {
        "results": [{"id": world.bank.id, "name": "Harbour Bank", "name_zh": "海港銀行"}]
    }
