"""The use-case pages in Traditional Chinese: no English of the product's own is left on them
(the test data, names and English text people wrote, may show)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tests.i18n.helpers import english_left
from tests.usecases.helpers import proposal_form
from tracker.extensions import db
from tracker.usecases.models import Stage

# What the world fixture and the factories name things: shown as they are, not translated.
TEST_DATA = (
    "Harbour Bank",
    "Lion Rock Bank",
    "Kowloon AI Labs",
    "GenA.I. Sandbox",
    "Cohort 1",
    "Anti-fraud",
    "Deepfake voice detection for call centres",
    "Insurance Sandbox — Cohort A",
    # What the proposal form posts (helpers.proposal_form), shown back in its fields.
    "Scammers clone customers' voices.",
    "Recorded calls with consent.",
    "Human review before any account action.",
    "Detection rate\nFalse alarms per 1,000 calls",
)
# Names that stay as they are in Chinese text: products, keys, the time zone.
KEPT = ("Word", "Excel", "Ctrl", "Cmd", "Mac", "Asia/Hong_Kong")
# Other areas' text on these pages, translated by those areas (issue 15): the menu's role label
# and WTForms' own messages are allowed; the sections the use-case page includes from other areas
# are left out of the check (OTHER_SECTIONS), as their own tests check them.
OTHER_AREAS: tuple[str, ...] = ()  # every area is translated now: nothing allowed
OTHER_SECTIONS = (
    re.compile(
        r'<section id="(committee|committee-feedback|evidence|expected-returns|incidents|clocks)"'
        r".*?</section>",
        re.S,
    ),
    re.compile(r'<section aria-labelledby="exit-pdfs-h".*?</section>', re.S),
    re.compile(r'<form [^>]*class="report-download.*?</form>', re.S),
    re.compile(r'<label class="form-label" for="uc-clock">.*?</select>', re.S),
    re.compile(r'<div class="alert alert-info col-lg-9" role="note">.*?</div>', re.S),
)


def _mine(html: str) -> str:
    """The page without the sections other areas include in it."""
    for pattern in OTHER_SECTIONS:
        html = pattern.sub("", html)
    return html


def _page(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url + ("&" if "?" in url else "?") + "lang=zh-Hant")
    assert response.status_code == status, url
    return _mine(response.get_data(as_text=True))


def _names(world: World) -> tuple[str, ...]:
    users = (world.bank_user, world.reviewer, world.admin, world.supervisor)
    people = tuple(u.name for u in users) + tuple(u.email for u in users)
    return TEST_DATA + KEPT + OTHER_AREAS + people


def test_the_use_case_list_in_chinese(client, world: World):
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    login(client, world.reviewer)
    page = _page(client, "/use-cases/")
    assert english_left(page, allowed=(*_names(world), uc.title, uc.reference)) == []
    assert "應用案例" in page
    assert "已提交" in page  # the stage badge
    assert "套用篩選" in page


def test_a_use_case_page_in_chinese(client, world: World):
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    login(client, world.bank_user)
    page = _page(client, f"/use-cases/{uc.id}")
    allowed = (*_names(world), uc.title, uc.reference, *uc.kpi_list)
    assert english_left(page, allowed=allowed) == []
    assert "建議書" in page
    assert "已提交，等待審閱" in page  # the stage as the institution reads it
    assert "時間線" in page


def test_the_proposal_form_with_its_errors_in_chinese(client, world: World):
    login(client, world.bank_user)
    client.get("/use-cases/?lang=zh-Hant")  # the session keeps the language
    response = client.post("/use-cases/new", data=proposal_form(world, summary="", audience=""))
    assert response.status_code == 200
    page = _mine(response.get_data(as_text=True))
    assert english_left(page, allowed=_names(world)) == []
    assert "出現問題" in page
    assert "請說明應用案例是面向客戶還是內部使用。" in page


def test_the_review_page_in_chinese(client, world: World):
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.UNDER_REVIEW)
    criteria = [c.name for c in world.cohort.criteria]
    db.session.commit()
    login(client, world.reviewer)
    page = _page(client, f"/use-cases/{uc.id}/review")
    assert english_left(page, allowed=(*_names(world), uc.title, uc.reference, *criteria)) == []
    assert "為建議書評分" in page
    assert "儲存評分" in page


def test_a_missing_page_in_chinese(client, world: World):
    login(client, world.bank_user)
    page = _page(client, "/use-cases/999999", status=404)
    assert english_left(page, allowed=_names(world)) == []
    assert "此網址沒有頁面。" in page


def test_the_same_pages_in_english_are_unchanged(client, world: World):
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    login(client, world.bank_user)
    page = client.get(f"/use-cases/{uc.id}?lang=en").get_data(as_text=True)
    assert "Submitted, waiting for review" in page
    assert "Timeline" in page
    assert "建議書" not in page


def _pilot(world: World):  # type: ignore[no-untyped-def]
    """A pilot with a return (and an incident), a document, a milestone, messages and a review."""
    from tracker.usecases import services
    from tracker.usecases.models import Rag, Severity

    uc = f.create_use_case(
        world.cohort, world.bank, world.category, stage=Stage.PILOT, partners=[world.partner]
    )
    filed = services.file_return(
        uc,
        world.bank_user,
        services.ReturnData(
            period_start=uc.pilot_started_on,
            period_end=uc.pilot_started_on,
            rag=Rag.AMBER,
            narrative="On track.",
            attested_by_name="A. Manager",
            attested_by_title="CRO",
            kpi_values=tuple((kpi, "1") for kpi in uc.kpi_list),
            incidents=(
                services.IncidentData(
                    "Wrong answer shown", Severity.LOW, "", "", occurred_on=uc.pilot_started_on
                ),
            ),
        ),
    )
    services.add_document(uc, world.bank_user, "plan.pdf", b"%PDF-1.4\n%minimal\n")
    f.create_milestone(uc, title="Go live")
    services.post_message(uc, world.reviewer, "Watch the false-positive rate.", True)
    services.post_message(uc, world.bank_user, "We have retrained the model.", False)
    f.create_review(uc, world.reviewer)
    db.session.commit()
    return uc, filed


PILOT_DATA = (
    "On track.",
    "A. Manager",
    "CRO",
    "Wrong answer shown",
    "plan.pdf",
    "Go live",
    "Watch the false-positive rate.",
    "We have retrained the model.",
    "ok",
)


def test_a_pilot_as_the_regulator_sees_it_in_chinese(client, world: World):
    uc, filed = _pilot(world)
    criteria = [c.name for c in world.cohort.criteria]
    login(client, world.reviewer)
    allowed = (*_names(world), *PILOT_DATA, *criteria, uc.title, uc.reference, *uc.kpi_list)
    page = _page(client, f"/use-cases/{uc.id}")
    assert english_left(page, allowed=allowed) == []
    assert "試行" in page
    assert "里程碑" in page
    page = _page(client, f"/use-cases/{uc.id}/returns/{filed.id}")
    assert english_left(page, allowed=allowed) == []
    assert "進度申報表" in page


def test_the_stages_read_as_the_glossary_says(app):
    from tracker.i18n import language
    from tracker.usecases.workflow import PHASE, TRANSITIONS

    glossary = {
        Stage.DRAFT: "草稿",
        Stage.SUBMITTED: "已提交",
        Stage.UNDER_REVIEW: "審閱中",
        Stage.CHANGES_REQUESTED: "要求修改",
        Stage.SELECTED: "已獲選",
        Stage.REJECTED: "不獲接納",
        Stage.PILOT: "試行",
        Stage.SUSPENDED: "已暫停",
        Stage.PRODUCTION: "投產",
        Stage.DISCONTINUED: "已終止",
        Stage.WITHDRAWN: "已撤回",
    }
    with app.test_request_context("/"), language("zh_Hant"):
        assert {stage: stage.label for stage in Stage} == glossary
        # What the institution reads beside the stage, and every action, is Chinese too.
        assert all(english_left(PHASE[stage].institution_label) == [] for stage in Stage)
        for t in TRANSITIONS:
            texts = (t.label, t.done, t.confirm or "", t.guard_hint)
            assert all(english_left(text) == [] for text in texts), t.name
    with app.test_request_context("/"), language("en"):
        assert Stage.UNDER_REVIEW.label == "Under review"
        assert PHASE[Stage.DRAFT].institution_label == "Draft (only your institution sees it)"
