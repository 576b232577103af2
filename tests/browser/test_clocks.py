"""The clock pages in a real browser on the demo data, with axe-core on each: the working-day
calendar, a cohort's clock settings with an error, the clocks on a use case, the filtered list
and board."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_accessibility, sign_in
from tracker.demo import DEMO_PASSWORD
from tracker.demo.content.reference import ADMIN_EMAIL

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_clock_pages_are_accessible(page: Page, demo: None) -> None:
    sign_in(page, ADMIN_EMAIL, DEMO_PASSWORD)
    page.goto("/admin/closures/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Working-day calendar")
    expect(page.get_by_text("Typhoon Ragasa").first).to_be_visible()
    check_accessibility(page, "working-day calendar")
    page.get_by_role("button", name="Add closure").click()
    expect(page.locator("#error-summary")).to_be_visible()
    check_accessibility(page, "working-day calendar with errors")

    page.goto("/admin/cohorts/")
    page.get_by_role("link", name="Clocks of GenA.I. Sandbox Cohort 2").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cohort clocks")
    page.get_by_label("Start of review: days").fill("0")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#error-summary")).to_be_visible()
    check_accessibility(page, "cohort clocks with an error")

    page.goto("/use-cases/?clock=overdue&sort=due&dir=asc")
    check_accessibility(page, "use-case list, overdue clocks")
    page.locator("main table tbody a.clamp-2").first.click()
    expect(page.locator("#clocks")).to_be_visible()
    check_accessibility(page, "use-case page with clocks")

    page.goto("/board?clock=running")
    check_accessibility(page, "pipeline board, running clocks")
    page.goto("/dashboard")
    expect(page.locator("#clocks-heading")).to_be_visible()
