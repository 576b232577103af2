"""Steps on a cohort's selection committee pages that the browser tests share, each page
checked with axe-core."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import check_accessibility
from tracker.demo import COHORT_2, SANDBOX


def committee_page(page: Page) -> None:
    """Regulator staff open Cohort 2's selection committee from the cohort's page."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cohorts").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=SANDBOX, exact=True))
    row.get_by_role("link", name=COHORT_2[1], exact=True).click()
    page.get_by_role("link", name="Selection committee").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Selection committee: {SANDBOX} — {COHORT_2[1]}"
    )
    check_accessibility(page, "committee page")


def ranking_row(page: Page, title: str) -> Locator:
    ranking = page.get_by_role("region", name=re.compile("^Proposals before the committee"))
    return ranking.get_by_role("row").filter(has_text=title)


def assign_by_hand(page: Page, title: str, reviewers: tuple[str, ...], already: str) -> None:
    """On the committee page, the lead regulator's staff assign reviewers to one proposal
    (``already``: who the assignment form says is assigned before)."""
    page.get_by_role("link", name="Assign by hand").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Assign reviewers by hand")
    check_accessibility(page, "committee assignment: choose a proposal")
    page.get_by_role("link", name=re.compile(re.escape(title))).click()
    expect(page.locator("main")).to_contain_text(f"Already assigned: {already}.")
    check_accessibility(page, "committee assignment form")
    for name in reviewers:
        page.get_by_label(name, exact=True).check()
    page.get_by_role("button", name="Assign", exact=True).click()
    page.wait_for_url(re.compile(r"/committee/cohorts/\d+#ranking$"))
    assert f"{len(reviewers)} reviewer(s) assigned" in page.locator(".flash-messages").inner_text()
    check_accessibility(page, "committee page after assignment")
