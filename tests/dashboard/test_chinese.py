"""The dashboards, the board, the cohort, programme and institution pages and the clock pages in
Traditional Chinese (Hong Kong): no English of the product's own is left in their content."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tests.dashboard.conftest import Cases
from tests.i18n.helpers import english_left
from tracker.extensions import db
from tracker.usecases.models import Stage, StageTransition

# Names the tests give records (no Chinese name), shown as they are.
TEST_DATA = (
    "GenA.I. Sandbox",
    "Insurance Sandbox",
    "Cohort 1",
    "Cohort A",
    "Harbour Bank",
    "Lion Rock Bank",
    "Kowloon AI Labs",
    "Anti-fraud",
    "Securities and Futures Commission",
    "Insurance Authority",
    "Asia/Hong_Kong",
)
# Every area is translated now: no English of another area is allowed.
OTHER_AREAS: tuple[str, ...] = ()
ALLOWED = OTHER_AREAS + TEST_DATA


def main_of(html: str) -> str:
    """The page's own content: the navigation and the footer belong to the layout."""
    found = re.search(r"<main\b.*?</main>", html, re.S)
    assert found, "no <main> on the page"
    return found.group(0)


def chinese_page(client: FlaskClient, url: str) -> str:
    response = client.get(url + ("&" if "?" in url else "?") + "lang=zh-Hant")
    assert response.status_code == 200, url
    html = response.get_data(as_text=True)
    assert '<html lang="zh-Hant"' in html
    return html


def assert_all_chinese(html: str, *phrases: str) -> None:
    assert english_left(main_of(html), allowed=ALLOWED) == []
    for phrase in phrases:
        assert phrase in html


@pytest.mark.parametrize("who", ["reviewer", "supervisor", "admin"])
def test_the_regulator_side_dashboard_in_chinese(
    client: FlaskClient, world: World, cases: Cases, who: str
) -> None:
    login(client, getattr(world, who))
    html = chinese_page(client, "/dashboard")
    assert_all_chinese(html, "按階段及類別劃分的應用案例", "階段時限", "最近活動")
    if who == "reviewer":
        assert "審閱隊列" in html
        assert re.search(r"逾期 \d+ 日", html)


def test_the_institution_dashboard_in_chinese(
    client: FlaskClient, world: World, cases: Cases
) -> None:
    login(client, world.bank_user)
    html = chinese_page(client, "/dashboard")
    assert_all_chinese(html, "待閣下處理的事項", "要求修改", "我們的應用案例")


def test_the_partner_dashboard_in_chinese(client: FlaskClient, world: World, cases: Cases) -> None:
    login(client, world.partner_user)
    html = chinese_page(client, "/dashboard")
    assert_all_chinese(html, "作為科技夥伴，閣下可跟進列有 Kowloon AI Labs 的應用案例")


@pytest.mark.parametrize(
    ("url", "phrase"),
    [
        ("/board", "每欄先列出等候最久的個案"),
        ("/board?clock=overdue", "每欄先列出時限最快到期的個案"),
        ("/cohorts/", "批次及其按階段劃分的應用案例"),
        ("/cohorts/{cohort}", "在應用案例清單中開啟"),
        ("/programmes/{programme}", "牽頭監管機構"),
        ("/institutions/", "機構及其參與的應用案例"),
        ("/institutions/{bank}", "其牽頭的應用案例（按階段）"),
        ("/institutions/{partner}", "科技夥伴不會牽頭應用案例。"),
    ],
)
def test_the_regulator_side_pages_in_chinese(
    client: FlaskClient, world: World, cases: Cases, url: str, phrase: str
) -> None:
    login(client, world.reviewer)
    ids = {
        "cohort": world.cohort.id,
        "programme": world.programme.id,
        "bank": world.bank.id,
        "partner": world.partner.id,
    }
    html = chinese_page(client, url.format(**ids))
    assert_all_chinese(html, phrase)


@pytest.mark.parametrize(
    ("url", "phrase"),
    [
        ("/admin/closures/", "工作天日曆"),
        ("/admin/programmes/{programme}/clocks", "預設時限"),
        ("/admin/cohorts/{cohort}/clocks", "批次時限"),
    ],
)
def test_the_clock_pages_in_chinese(
    client: FlaskClient, world: World, url: str, phrase: str
) -> None:
    login(client, world.admin)
    html = chinese_page(client, url.format(programme=world.programme.id, cohort=world.cohort.id))
    assert_all_chinese(html, phrase)


def test_the_closure_page_names_the_holidays_in_chinese(client: FlaskClient, world: World) -> None:
    login(client, world.admin)
    html = chinese_page(client, "/admin/closures/")
    assert "香港公眾假期" in html
    assert "農曆年初一" in html
    assert "Lunar New Year" not in html


def test_the_charts_speak_chinese(client: FlaskClient, world: World, cases: Cases) -> None:
    login(client, world.reviewer)
    client.get("/dashboard", query_string={"lang": "zh-Hant"})
    funnel = client.get("/api/charts/funnel").get_json()
    assert funnel["labels"] == ["建議書", "已獲選", "試行", "投產"]
    assert funnel["datasets"][0]["label"] == "應用案例"
    matrix = client.get("/api/charts/stage-category").get_json()
    assert "風險管理" in matrix["labels"]
    assert {d["label"] for d in matrix["datasets"]} >= {"試行"}


def test_a_closure_added_and_refused_in_chinese(client: FlaskClient, world: World) -> None:
    login(client, world.admin)
    chinese_page(client, "/admin/closures/")  # the session keeps the language
    response = client.post(
        "/admin/closures/",
        data={"regulator_id": world.hkma.id, "on": "2026-09-01", "name": "Typhoon No. 8"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "HKMA 於 2026年9月1日 停止辦公：其時限不計算該日。" in html
    assert_all_chinese(html, "移除", "記錄人")
    response = client.post(
        "/admin/closures/",
        data={"regulator_id": world.hkma.id, "on": "2026-09-05", "name": "Rainstorm"},
    )
    html = response.get_data(as_text=True)
    assert "該日為週末：時限已不計算該日。" in html
    assert_all_chinese(html)
    response = client.post(
        "/admin/closures/", data={"regulator_id": world.hkma.id, "on": "2026-09-07", "name": ""}
    )
    html = response.get_data(as_text=True)
    assert "請說明辦公室停止辦公的原因。" in html
    assert_all_chinese(html)


def test_the_clocks_of_a_use_case_in_chinese(
    app: Flask, client: FlaskClient, world: World, freeze_time: Callable[[datetime], datetime]
) -> None:
    freeze_time(datetime(2026, 3, 25, 2, 0))
    use_case = f.create_use_case(
        world.cohort, world.bank, world.category, stage=Stage.CHANGES_REQUESTED, title="Clocked"
    )
    for at, stage in (
        (datetime(2026, 2, 13, 2, 0), Stage.SUBMITTED),
        (datetime(2026, 3, 2, 2, 0), Stage.UNDER_REVIEW),
        (datetime(2026, 3, 16, 2, 0), Stage.CHANGES_REQUESTED),
    ):
        db.session.add(StageTransition(use_case=use_case, action="seed", to_stage=stage, at=at))
    db.session.commit()
    login(client, world.reviewer)
    html = chinese_page(client, f"/use-cases/{use_case.id}")
    section = html[html.index('<section id="clocks"') :]
    section = section[: section.index("</section>")]
    assert english_left(section, allowed=ALLOWED) == []
    for phrase in (
        "審閱決定",
        "暫停計時日期",
        "申請人回覆",
        "30 個工作天",
        "監管機構等候所要求的修改期間",
    ):
        assert phrase in section
