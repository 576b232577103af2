"""Two-factor sign-in in headless Chromium, demo data loaded: a reviewer sets it up from the
account page (the QR code drawn in the page, the key read from it as a phone would), keeps the
recovery codes, signs out, and signs in again with the password and a code. Each page passes
the accessibility check."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_accessibility, sign_in, sign_out
from tracker import clock
from tracker.auth import totp
from tracker.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

REVIEWER = "reviewer@hkma.demo"


def _code(secret: str, ahead: int = 0) -> str:
    """What the phone shows (the live server runs on the real clock, as a phone does)."""
    return totp.code_at_step(secret, totp.step_at(clock.utcnow()) + ahead)


def test_sign_in_with_a_code(page: Page, demo: None) -> None:
    sign_in(page, REVIEWER, DEMO_PASSWORD)
    page.goto("/account")
    page.get_by_role("link", name="Set it up").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    expect(page.locator("svg.segno")).to_be_visible()
    check_accessibility(page, "two-factor enrolment")
    secret = page.locator("[data-totp-secret]").inner_text().replace(" ", "")

    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Turn two-factor sign-in on").click()
    expect(page.locator("#code-error")).to_contain_text("This code is not correct")
    page.get_by_label("Code from the app").fill(_code(secret))
    page.get_by_role("button", name="Turn two-factor sign-in on").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator("[data-recovery-codes] li")).to_have_count(10)
    check_accessibility(page, "recovery codes")
    sign_out(page)

    page.get_by_label("Email").fill(REVIEWER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/login/code")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    check_accessibility(page, "second step of signing in")
    # Not signed in yet: the dashboard sends back to the sign-in page.
    page.goto("/dashboard")
    page.wait_for_url("**/login**")
    page.go_back()
    page.wait_for_url("**/login/code")
    # One step ahead: the enrolment used the current step's code, which is not taken twice.
    page.get_by_label("Code", exact=True).fill(_code(secret, ahead=1))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard")
    page.goto("/account")
    expect(page.get_by_text("10 recovery codes left")).to_be_visible()
