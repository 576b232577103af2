"""An external expert on Cohort 2's selection committee, in a real browser on the demo data:
they land on their review queue, declare their interests on a new assignment, score beside the
proposal and its rubric, and cannot open the proposal's use-case page (404). axe-core runs on
every committee page visited."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.committee import assign_by_hand, committee_page, ranking_row
from tests.browser.conftest import check_accessibility, sign_in, sign_out
from tracker.demo import DEMO_PASSWORD
from tracker.demo.content.committee import CHAIR_EMAIL, EXPERT_EMAIL
from tracker.demo.content.reference import KAI_TAK

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

EXPERT = "Prof. Alan Mak"
# Assigned in the demo to the two HKMA members, not to the expert.
TITLE = "Climate-risk narrative extraction from corporate borrowers' reports"


def _expert_signs_in(page: Page) -> None:
    """The login form, as for anyone; an expert's dashboard is their review queue."""
    page.goto("/login")
    page.get_by_label("Email").fill(EXPERT_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/committee/reviews")


def test_external_expert_declares_and_scores_only_through_the_committee(
    page: Page, demo: None
) -> None:
    sign_in(page, CHAIR_EMAIL, DEMO_PASSWORD)
    committee_page(page)
    use_case_url = (
        ranking_row(page, TITLE)
        .get_by_role("link", name=re.compile(r"^UC-\d+$"))
        .get_attribute("href")
    )
    assert use_case_url is not None and re.fullmatch(r"/use-cases/\d+", use_case_url)
    assign_by_hand(page, TITLE, (EXPERT,), "Kelvin Tam (no conflict), Mandy Yip (no conflict)")
    sign_out(page)

    _expert_signs_in(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("My reviews")
    nav = page.get_by_role("navigation", name="Main")
    # Nothing but their reviews (and their notifications): no use-case list, no cohorts.
    expect(nav.get_by_role("link", name="My reviews")).to_be_visible()
    for other in ("Use cases", "Review queue", "Cohorts", "Pipeline"):
        expect(nav.get_by_role("link", name=other, exact=True)).to_have_count(0)
    check_accessibility(page, "my reviews (external expert)")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=TITLE))
    expect(row).to_contain_text("Not yet declared")

    # Before declaring, only the title, the applicant and the partners are shown.
    row.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Declare your interests")
    expect(page.locator("main")).to_contain_text(KAI_TAK)
    expect(page.locator("main")).not_to_contain_text("Reports processed per analyst-day")
    check_accessibility(page, "declaration of interests (external expert)")
    # Saying nothing is refused beside the question, and nothing is recorded.
    page.get_by_role("button", name="Record my declaration").click()
    expect(page.locator("main")).to_contain_text("Say whether you have a conflict of interest.")
    check_accessibility(page, "declaration of interests with errors")
    page.get_by_label("No conflict", exact=True).check()
    page.get_by_role("button", name="Record my declaration").click()
    expect(page.locator(".flash-messages")).to_contain_text("No conflict declared")

    # The scoring page: the proposal in full beside the rubric and the scoring form.
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    proposal = page.get_by_role("region", name="The proposal")
    expect(proposal).to_contain_text("Reports processed per analyst-day")
    expect(proposal).to_contain_text(KAI_TAK)
    scores = page.get_by_role("region", name="Your scores")
    expect(scores.get_by_role("radiogroup")).to_have_count(4)
    expect(scores.get_by_label("Rubric")).to_have_count(4)
    expect(scores.get_by_label("Rubric").first).to_contain_text("New to Hong Kong's banking sector")
    proposal_box, scores_box = proposal.bounding_box(), scores.bounding_box()
    assert proposal_box is not None and scores_box is not None
    assert proposal_box["x"] + proposal_box["width"] <= scores_box["x"], "side by side"
    check_accessibility(page, "committee scoring page (external expert)")
    scoring_url = page.url

    # The same proposal's use-case page does not exist for an expert.
    response = page.goto(use_case_url)
    assert response is not None and response.status == 404

    # Scoring through the committee works.
    page.goto(scoring_url)
    groups = scores.get_by_role("radiogroup")
    for index in range(4):
        groups.nth(index).get_by_label("4", exact=True).check()
    page.get_by_role("button", name="Submit scores").click()
    page.wait_for_url("**/committee/reviews")
    expect(page.locator(".flash-messages")).to_contain_text("Your scores are submitted")
    expect(row).to_contain_text("Submitted")
    check_accessibility(page, "my reviews after scoring (external expert)")
