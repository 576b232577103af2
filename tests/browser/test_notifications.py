"""The notification pages in headless Chromium, demo data loaded: the unread count in the
navigation, the centre, marking read, the choices, the recipients table; each page passes the
accessibility check."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_accessibility, sign_in, sign_out
from tracker.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_a_reviewer_reads_notifications(page: Page, demo: None) -> None:
    sign_in(page, "reviewer@hkma.demo", DEMO_PASSWORD)
    link = page.get_by_role("link", name="Notifications")
    badge = link.locator(".badge")
    expect(badge).to_be_visible()
    before = int(badge.inner_text().split()[0])
    link.click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    check_accessibility(page, "notification centre")
    page.get_by_role("button", name="Mark read").first.click()
    if before > 1:
        expect(page.get_by_role("link", name="Notifications").locator(".badge")).to_have_text(
            f"{before - 1} unread"
        )
    page.get_by_label("Show").select_option("all")
    page.get_by_role("button", name="Filter").click()
    check_accessibility(page, "notification centre, all")

    page.get_by_role("link", name="Choose how you are told").click()
    check_accessibility(page, "notification choices")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Your notification choices are saved.")
    sign_out(page)

    sign_in(page, "admin@tracker.demo", DEMO_PASSWORD)
    page.goto("/notifications/who-is-told")
    expect(page.get_by_role("heading", name="Who is told of what")).to_be_visible()
    check_accessibility(page, "recipients table")
