"""The administration in Traditional Chinese: every page of it reads in Chinese, with the
records named in the page's language, and the English pages as they were."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tests.conftest import World
from tests.i18n.helpers import english_left
from tracker.auth.models import User
from tracker.extensions import db
from tracker.programmes.models import DEFAULT_CRITERIA

# Test data the pages show as it is: records without a Chinese name, the factories' texts, and
# the English example the name field gives (the English name is the one it asks for).
TEST_DATA = (
    "Securities and Futures Commission",
    "Insurance Authority",
    "Insurance Sandbox",
    "Cohort A",
    "Lion Rock Bank",
    "Kowloon AI Labs",
    "A sandbox programme.",
    "Cohort 2",
    *DEFAULT_CRITERIA,
)


@pytest.fixture
def chinese_world(world: World) -> World:
    world.programme.name_zh = "生成式人工智能沙盒"
    world.cohort.name_zh = "第一期"
    world.bank.name_zh = "海港銀行"
    world.category.name_zh = "反詐騙"
    db.session.commit()
    return world


def _pages(world: World) -> dict[str, str]:
    """Each page, with a phrase it shows in Chinese."""
    return {
        "/admin/regulators/": "新增監管機構",
        "/admin/regulators/new": "簡短代號，例如 HKMA 或 SFC",
        f"/admin/regulators/{world.hkma.id}/edit": "編輯監管機構：HKMA",
        "/admin/programmes/": "新增計劃",
        "/admin/programmes/new": "牽頭監管機構",
        f"/admin/programmes/{world.programme.id}/edit": "編輯計劃：生成式人工智能沙盒",
        "/admin/cohorts/": "生成式人工智能沙盒 第一期",
        "/admin/cohorts/new": "進度申報表提交間隔（日）",
        f"/admin/cohorts/{world.cohort.id}/edit": "編輯批次：生成式人工智能沙盒 — 第一期",
        "/admin/institutions/": "主管監管機構",
        "/admin/institutions/new": "儲值支付工具持牌人",
        f"/admin/institutions/{world.bank.id}/edit": "編輯機構：海港銀行",
        "/admin/categories/": "應用案例類別",
        "/admin/categories/new": "新增類別",
        f"/admin/categories/{world.category.id}/edit": "編輯類別：反詐騙",
        "/admin/users/": "按角色規定的雙重認證登入",
        "/admin/users/new": "機構用戶必須填寫。",
        f"/admin/users/{world.bank_user.id}/edit": "留空即保留現有密碼。",
        "/admin/users/two-factor": "須以雙重認證登入的角色",
    }


def _main(html: str) -> str:
    """The page's own content (the navigation and footer are the layout's)."""
    return html[html.index("<main") : html.index("</main>")]


def test_every_administration_page_reads_in_chinese(
    admin_client: FlaskClient, chinese_world: World
) -> None:
    people = tuple(
        text for user in db.session.scalars(sa.select(User)) for text in (user.name, user.email)
    )
    for path, phrase in _pages(chinese_world).items():
        response = admin_client.get(path, query_string={"lang": "zh-Hant"})
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert english_left(_main(html), allowed=TEST_DATA + people) == [], path
        assert phrase in html, path


def test_a_cohort_is_named_in_the_language_of_the_page(
    admin_client: FlaskClient, chinese_world: World
) -> None:
    path = f"/admin/cohorts/{chinese_world.cohort.id}/edit"
    chinese = admin_client.get(path, query_string={"lang": "zh-Hant"}).get_data(as_text=True)
    assert "生成式人工智能沙盒 — 第一期" in chinese
    english = admin_client.get(path, query_string={"lang": "en"}).get_data(as_text=True)
    assert "Edit cohort: GenA.I. Sandbox — Cohort 1" in english
    assert "第一期" in english  # only as the value of its Chinese-name field
    assert "GenA.I. Sandbox — 第一期" not in english
    listing = admin_client.get("/admin/cohorts/").get_data(as_text=True)
    assert 'Clocks<span class="visually-hidden"> of GenA.I. Sandbox Cohort 1</span>' in listing


def test_messages_after_saving_are_in_chinese(
    admin_client: FlaskClient, chinese_world: World
) -> None:
    admin_client.get("/admin/categories/", query_string={"lang": "zh-Hant"})
    response = admin_client.post(
        f"/admin/categories/{chinese_world.category.id}/edit",
        data={"name": "Anti-fraud", "name_zh": "反詐騙", "description": ""},
        follow_redirects=True,
    )
    assert "類別「反詐騙」已更新。" in response.get_data(as_text=True)
    response = admin_client.post(
        "/admin/regulators/new", data={"code": "hkma", "name_en": "Another"}
    )
    assert "已有另一監管機構使用此代號。" in response.get_data(as_text=True)
