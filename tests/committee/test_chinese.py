"""The committee's pages in Traditional Chinese: the set-up, assignments, the scoring form
with an error, the ranked view and a refused slate leave no English of the product's own,
only the test data they show."""

from __future__ import annotations

import html

from flask.testing import FlaskClient

from tests.committee.conftest import Panel
from tests.conftest import login
from tests.i18n.helpers import english_left
from tracker.programmes.models import DEFAULT_CRITERIA

ZH = "?lang=zh-Hant"

# Test data the pages show as it was typed (names of people, bodies, records and criteria).
DATA = (
    *DEFAULT_CRITERIA,
    "Deepfake call detection",
    "AML triage",
    "Harbour Bank",
    "Lion Rock Bank",
    "Kowloon AI Labs",
    "GenA.I. Sandbox — Cohort 1",
    "Anti-fraud",
    "Prof. Ada Wong",
    "Ben Ip",
    "Cara Lam",
    "Summary of the use case.",
    "The problem.",
    "Internal policy documents.",
    "Human review of every output.",
    "Analyst hours saved per week",
    "False-positive rate",
)


# Labels other areas translate (roles, lifecycle stages): allowed here, in their own catalogue
# entries elsewhere.
OTHERS = ("Regulator staff", "External expert", "Under review")
# The scoring form is the use-case area's review form, its errors shown by the shared macro;
# the proposal's technique and audience are that area's labels.
REVIEW_FORM = (
    "Score this criterion from 1 to 5.",
    ": score:",
    ": comment",
    "Overall comment",
    "There is a problem",
    "Please correct the fields marked below. Nothing has been saved yet.",
    "Retrieval-augmented generation",
    "Internal",
)


def _page(response) -> str:  # type: ignore[no-untyped-def]
    """The page's main content (the navigation and footer are the layout's)."""
    page = html.unescape(response.get_data(as_text=True))
    return page.split("<main", 1)[1].split(">", 1)[1].split("</main>", 1)[0]


def _people(panel: Panel) -> tuple[str, ...]:
    w = panel.world
    users = (w.reviewer, w.sfc_reviewer, panel.expert, panel.partner_expert, panel.colleague)
    return (*(u.name for u in users), *OTHERS)


def test_the_set_up_and_assignment_pages_are_in_chinese(client: FlaskClient, panel: Panel):
    login(client, panel.world.reviewer)
    cohort = panel.world.cohort.id
    allowed = (*DATA, *_people(panel))
    page = _page(client.get(f"/committee/cohorts/{cohort}/setup{ZH}"))
    assert "法定人數" in page
    assert english_left(page, allowed) == []
    page = _page(client.get(f"/committee/cohorts/{cohort}/assign{ZH}"))
    assert "人手分派評審員" in page
    assert english_left(page, allowed) == []
    page = _page(client.get(f"/committee/cohorts/{cohort}/assign{ZH}&use_case_id={panel.uc.id}"))
    assert "已分派：" in page
    assert english_left(page, allowed) == []
    page = _page(client.get(f"/committee/cohorts/{cohort}/criteria{ZH}"))
    assert "權重及評分指引" in page
    assert english_left(page, allowed) == []


def test_the_ranked_view_and_a_refused_slate_are_in_chinese(client: FlaskClient, panel: Panel):
    login(client, panel.world.reviewer)
    cohort = panel.world.cohort.id
    allowed = (*DATA, *_people(panel))
    page = _page(client.get(f"/committee/cohorts/{cohort}{ZH}"))
    assert "加權平均分" in page and "待委員會審議的建議書" in page
    assert english_left(page, allowed) == []
    response = client.post(f"/committee/cohorts/{cohort}/slate{ZH}", data={})
    assert response.status_code == 400
    page = _page(response)
    assert "甄選名單未有決定" in page and "請決定最少一份建議書。" in page
    assert english_left(page, allowed) == []


def test_the_reviewer_pages_and_the_scoring_form_with_an_error_are_in_chinese(
    client: FlaskClient, panel: Panel
):
    login(client, panel.expert)
    allowed = (*DATA, *_people(panel))
    page = _page(client.get(f"/committee/reviews{ZH}"))
    assert "我的評審" in page
    assert english_left(page, allowed) == []
    page = _page(client.get(f"/committee/assignments/{panel.pending.id}/declare{ZH}"))
    assert "申報利益" in page
    assert english_left(page, allowed) == []
    data = {"version": str(panel.uc.version)}  # no score given: refused
    response = client.post(f"/committee/assignments/{panel.cleared.id}{ZH}", data=data)
    assert response.status_code == 400
    page = _page(response)
    assert "閣下的評分" in page and "評分指引" in page
    assert english_left(page, (*allowed, *REVIEW_FORM)) == []


def test_the_committee_panel_on_the_use_case_page_is_in_chinese(client: FlaskClient, panel: Panel):
    login(client, panel.world.reviewer)
    page = html.unescape(client.get(f"/use-cases/{panel.uc.id}{ZH}").get_data(as_text=True))
    section = page.split('<section id="committee"', 1)[1].split("</section>", 1)[0]
    assert "甄選委員會" in section and "獲分派的評審員及其利益申報" in section
    allowed = (*DATA, *_people(panel))
    assert english_left(section.split(">", 1)[1], allowed) == []
    assert "尚未申報" in section  # the declarations' labels, from the catalogue
