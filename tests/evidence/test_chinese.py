"""The AI evidence register, the compute ledger and the lessons in Traditional Chinese: every
text of the product's own translated (test data aside), the key phrases in Chinese."""

from __future__ import annotations

from datetime import date, datetime

from flask.testing import FlaskClient

from tests.conftest import World, login
from tests.evidence.conftest import entry_data, entry_form, selected_case
from tests.i18n.helpers import english_left
from tests.returns.chinese import ELSEWHERE, ZH, main
from tracker.compute import services as compute
from tracker.lessons import services as lessons
from tracker.lessons.models import Theme
from tracker.unit_of_work import unit_of_work

# What the fixtures type in, shown as it was typed.
DATA = (
    *ELSEWHERE,
    *(v for v in entry_form().values() if isinstance(v, str)),
    *(v for v in vars(entry_data()).values() if isinstance(v, str)),
    "Recall on confirmed fraud",
    "2024 case files (held out)",
    "Harbour Bank",
    "Tranche",
    "Fine-tune small models on case files",
    "A 7B model fine-tuned on past investigation reports matched a much larger one.",
)


def test_the_evidence_register_entry_and_form_in_chinese(client: FlaskClient, world: World) -> None:
    uc = selected_case(world)
    login(client, world.bank_user)
    empty = client.get(f"/use-cases/{uc.id}/evidence{ZH}").get_data(as_text=True)
    assert english_left(main(empty)) == []
    assert "暫未記錄模型迭代。" in empty
    form = client.get(f"/use-cases/{uc.id}/evidence/new").get_data(as_text=True)
    assert english_left(main(form), allowed=DATA) == []
    assert "記錄模型迭代" in form and "已設的防護措施" in form
    bad = client.post(
        f"/use-cases/{uc.id}/evidence/new", data=entry_form(**{"evaluations-0-result": ""})
    )
    html = bad.get_data(as_text=True)
    assert english_left(main(html), allowed=DATA) == []
    assert "設定門檻值須同時提供據以衡量的結果" in html
    done = client.post(f"/use-cases/{uc.id}/evidence/new", data=entry_form())
    assert done.status_code == 302
    html = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "第 1 次迭代已記錄於證據登記冊。" in html
    assert english_left(main(html), allowed=DATA) == []
    register = client.get(f"/use-cases/{uc.id}/evidence").get_data(as_text=True)
    assert english_left(main(register), allowed=DATA) == []
    assert "人工智能證據登記冊" in register and "1 項中 1 項" in register
    client.post("/logout", data={})
    login(client, world.reviewer)
    client.get(f"/use-cases/{uc.id}/evidence{ZH}")  # shows "signed out"
    html = client.get(done.headers["Location"]).get_data(as_text=True)
    assert english_left(main(html), allowed=DATA) == []
    assert "將修訂版本 1 標示為已審閱" in html


def test_the_compute_ledger_in_chinese(client: FlaskClient, world: World, freeze_time) -> None:  # type: ignore[no-untyped-def]
    freeze_time(datetime(2026, 3, 31, 2, 0))
    uc = selected_case(world, gpu_hours=3000, pilot_started_on=date(2026, 1, 5))
    with unit_of_work():
        compute.allocate(uc, world.reviewer, date(2026, 1, 5), 1000, "Tranche")
    with unit_of_work():
        compute.report_usage(
            uc,
            world.bank_user,
            compute.UsageData(date(2026, 1, 5), date(2026, 1, 31), 1250, over_use_reason="Tranche"),
        )
    login(client, world.reviewer)
    page = client.get(f"/use-cases/{uc.id}/compute{ZH}").get_data(as_text=True)
    assert english_left(main(page), allowed=DATA) == []
    assert "運算資源帳目" in page and "超出分配 250" in page and "1,250" in page
    assert "(125%)" in page and "分配一期時數" in page
    bad = client.post(
        f"/use-cases/{uc.id}/compute/allocations", data={"granted_on": "2026-01-05", "hours": "0"}
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert english_left(main(html), allowed=DATA) == []
    assert "請分配 1 至 " in html
    programme = client.get(f"/programmes/{world.programme.id}/compute").get_data(as_text=True)
    assert (
        english_left(
            main(programme),
            allowed=(*DATA, world.programme.name, world.cohort.name, world.category.name),
        )
        == []
    )
    assert "整個計劃的 GPU 小時" in programme


def test_the_lessons_in_chinese(client: FlaskClient, world: World) -> None:
    uc = selected_case(world)
    with unit_of_work():
        lessons.add_lesson(
            uc,
            world.reviewer,
            lessons.LessonData(
                "Fine-tune small models on case files",
                "A 7B model fine-tuned on past investigation reports matched a much larger one.",
                (Theme.FINE_TUNING,),
            ),
        )
    login(client, world.reviewer)
    page = client.get(f"/use-cases/{uc.id}/lessons{ZH}").get_data(as_text=True)
    allowed = (*DATA, world.cohort.name, world.category.name, world.reviewer.name)
    assert english_left(main(page), allowed=allowed) == []
    assert "記錄經驗總結" in page and "試行及退出" in page
    register = client.get("/lessons/").get_data(as_text=True)
    assert english_left(main(register), allowed=(*allowed, world.programme.name)) == []
    assert "經驗總結及良好做法" in register and "微調" in register
