"""The sandbox plan pages in Traditional Chinese: the draft form (with its errors), the agreed
plan, an amendment's differences, the version page, the KPI chart's legend and the
dashboard's KPI and breach panels leave no English of the product's own, only test data."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tests.i18n.helpers import english_left
from tests.plans.test_kpis import KPIS, _file, _pilot
from tests.plans.test_pages import _form
from tracker.extensions import db
from tracker.plans import services
from tracker.usecases.models import Stage, UseCase

ZH = "?lang=zh-Hant"

# What the tests typed, shown as it was (user text on an unmarked element, names, records).
DATA = (
    *KPIS,
    "Harbour Bank",
    "Anti-fraud",
    "Cut triage time on the fraud hotline.",
    "Both KPIs reach their targets.",
    "Shadow run, then live use with sampled review.",
    "Analysts of one fraud centre only.",
    "Hotline transcripts only.",
    "Internal staff tools",
    "Hong Kong",
    "Stops on a high-severity incident.",
    "A person reviews every outcome.",
    "Daily sampling of outputs.",
    "A named owner watches the dashboards.",
    "Back to the manual process the same day.",
    "Shadow run complete",
    "Cut triage time.",
    "Targets met.",
    "Shadow run, then live.",
    "Hotline transcripts.",
    "Staff tools",
    "Stops on a severe incident.",
    "Human review.",
    "Sampling.",
    "Named owner.",
    "Manual process.",
    "Triage minutes",
    "Shadow run done",
    "eighteen",
    "Internal policy documents.",
)
# The breadcrumb above the plan pages is the use-case area's (translated there).
OTHERS: tuple[str, ...] = ()  # the breadcrumb is translated too
# The error summary is translated too: nothing allowed.
SUMMARY: tuple[str, ...] = ()


def _main(response: Any) -> str:
    """The page's main content (the navigation and footer are the layout's)."""
    page = html.unescape(response.get_data(as_text=True))
    return page.split("<main", 1)[1].split(">", 1)[1].split("</main>", 1)[0]


def _people(world: World, uc: UseCase) -> tuple[str, ...]:
    names = (world.bank_user.name, world.reviewer.name, uc.title, uc.reference)
    return (*names, *DATA, *OTHERS)


def _charts(page: str) -> list[dict[str, Any]]:
    """What each KPI chart is drawn from (its canvas's data attribute)."""
    return [json.loads(html.unescape(c)) for c in re.findall(r'data-kpi-chart="([^"]+)"', page)]


def _selected(world: World) -> UseCase:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SELECTED)
    db.session.commit()
    return uc


def test_the_draft_form_and_its_errors_are_in_chinese(client: FlaskClient, world: World):
    uc = _selected(world)
    login(client, world.bank_user)
    allowed = _people(world, uc)
    page = _main(client.get(f"/use-cases/{uc.id}/plan/edit{ZH}"))
    assert "草擬沙盒計劃書" in page and "測試界限" in page
    assert english_left(page, allowed) == []
    bad = _form(**{"kpi_0-baseline": "eighteen", "kpi_0-target": "20", "customer_cap": ""})
    response = client.post(f"/use-cases/{uc.id}/plan/edit{ZH}", data={**bad, "exposure_limit": ""})
    assert response.status_code == 400
    page = _main(response)
    assert "基線" in page and "請填寫數字，例如 12.5。" in page, page
    assert english_left(page, (*allowed, *SUMMARY)) == []
    response = client.post(
        f"/use-cases/{uc.id}/plan/edit{ZH}",
        data={**_form(), "customer_cap": "", "exposure_limit": ""},
    )
    assert response.status_code == 400
    page = _main(response)
    assert "計劃書須設定測試的界限" in page
    assert english_left(page, (*allowed, *SUMMARY)) == []


def test_the_agreed_plan_and_an_amendment_are_in_chinese(client: FlaskClient, world: World):
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.PILOT)
    f.create_agreed_plan(uc, world.bank_user, world.reviewer)
    db.session.commit()
    allowed = _people(world, uc)
    login(client, world.reviewer)
    page = _main(client.get(f"/use-cases/{uc.id}/plan{ZH}"))
    assert "生效中：第 1 版" in page and "越高越好" in page and "每月提交進度申報表" in page
    assert english_left(page, allowed) == []

    version = services.save_draft(uc, world.bank_user, f.plan_data(duration_weeks=30))
    services.submit(uc, version, world.bank_user, version.lock_version)
    db.session.commit()
    page = _main(client.get(f"/use-cases/{uc.id}/plan{ZH}"))
    assert "在此版本獲同意之前，第 1 版繼續生效" in page
    assert "已刪除：" in page and "已加入：" in page and "期限（星期）" in page
    assert english_left(page, allowed) == []
    page = _main(client.get(f"/use-cases/{uc.id}/plan/versions/2{ZH}"))
    assert "與第 1 版相比的更改" in page and "整個版本" in page
    assert english_left(page, allowed) == []


def test_the_kpi_chart_and_the_dashboard_panels_are_in_chinese(client: FlaskClient, world: World):
    uc = _pilot(world)
    for values in (("20", "22"), ("15", "24"), ("12", "26")):
        _file(uc, world, values)
    db.session.commit()
    login(client, world.reviewer)
    page = client.get(f"/use-cases/{uc.id}{ZH}").get_data(as_text=True)
    charts = _charts(page)
    assert len(charts) == 2
    assert charts[0]["target_label"] == "目標" and charts[0]["baseline_label"] == "基線"
    assert all("年" in day and "月" in day for day in charts[0]["labels"])
    assert english_left(" ".join(charts[0]["labels"])) == []

    page = html.unescape(client.get(f"/dashboard{ZH}").get_data(as_text=True))
    section = page.split('aria-labelledby="kpis-away-heading"', 1)[1].split("</section>", 1)[0]
    assert "偏離目標的關鍵績效指標 (KPI)" in section and "最近三份申報表" in section
    assert english_left(section.split(">", 1)[1], _people(world, uc)) == []
    section = page.split('aria-labelledby="breaches-heading"', 1)[1].split("</section>", 1)[0]
    assert "違反計劃書界限" in section and "沒有待決定的界限違反" in section
    assert english_left(section.split(">", 1)[1], _people(world, uc)) == []


def test_the_chart_keeps_english_for_an_english_page(client: FlaskClient, world: World):
    uc = _pilot(world)
    _file(uc, world, ("20", "22"))
    db.session.commit()
    login(client, world.reviewer)
    chart = _charts(client.get(f"/use-cases/{uc.id}").get_data(as_text=True))[0]
    assert chart["target_label"] == "Target" and chart["baseline_label"] == "Baseline"
    assert re.fullmatch(r"\d\d [A-Z][a-z]{2} \d{4}", chart["labels"][0])
