"""Accounts in headless Chromium, demo data loaded: a reviewer sets up two-factor sign-in from
the account page (the QR code drawn in the page, the key read from it as a phone would), keeps
the recovery codes, signs out, and signs in again with the password and a code; an admin
invites a newcomer, who accepts and later resets the password by e-mailed link. Each page
passes the accessibility check."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_accessibility, sign_in, sign_out
from tracker import clock
from tracker.auth import totp
from tracker.auth.models import User
from tracker.demo import DEMO_PASSWORD
from tracker.extensions import db
from tracker.notifications.models import OutboundMail

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


def _link_for(address: str) -> str:
    """The path of the latest account link e-mailed to ``address``, read from the local outbox
    (the live server has no mail server, as under ``make run``)."""
    db.session.rollback()
    raw = db.session.scalars(
        sa.select(OutboundMail.raw)
        .join(User, User.id == OutboundMail.user_id)
        .where(User.email == address, OutboundMail.account_token_id.is_not(None))
        .order_by(OutboundMail.id.desc())
    ).first()
    assert raw, f"no account e-mail to {address}"
    message = email.message_from_string(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(("plain",))
    assert body is not None
    found = re.search(r"https?://\S+?(/(?:login/reset|invitation)/[0-9a-f]+)", body.get_content())
    assert found, body.get_content()
    return found.group(1)


def test_an_invitation_and_a_password_reset(page: Page, demo: None) -> None:
    newcomer = "lau.ka.yan@hkma.demo"
    password = "harbour-kite-saffron-91"
    sign_in(page, "admin@tracker.demo", DEMO_PASSWORD)
    page.goto("/admin/users/new")
    expect(page.locator("input[type=password]")).to_have_count(0)
    page.get_by_label("Email").fill(newcomer)
    page.get_by_label("Name").fill("Lau Ka-yan")
    page.get_by_label("Role").select_option("regulator")
    page.get_by_label("Regulator", exact=True).select_option(
        label="HKMA — Hong Kong Monetary Authority"
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("invited by e-mail")
    row = page.get_by_role("row").filter(has_text=newcomer)
    expect(row).to_contain_text("Invited, not yet accepted")
    check_accessibility(page, "users with an invitation")
    page.goto("/admin/users/two-factor")
    check_accessibility(page, "two-factor requirement by role")
    sign_out(page)

    page.goto(_link_for(newcomer))
    expect(page.get_by_role("heading", name="Welcome, Lau Ka-yan")).to_be_visible()
    check_accessibility(page, "accept an invitation")
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("Repeat the new password").fill(password)
    page.get_by_role("button", name="Set my password").click()
    page.wait_for_url("**/login")
    sign_in(page, newcomer, password)
    sign_out(page)

    page.get_by_role("link", name="Forgot your password?").click()
    check_accessibility(page, "forgot your password")
    page.get_by_label("Email").fill(newcomer)
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_url("**/login")
    expect(page.get_by_role("status")).to_contain_text("If an active account uses this address")
    page.goto(_link_for(newcomer))
    check_accessibility(page, "choose a new password")
    page.get_by_label("New password", exact=True).fill("new-" + password)
    page.get_by_label("Repeat the new password").fill("new-" + password)
    page.get_by_role("button", name="Set the new password").click()
    page.wait_for_url("**/login")
    sign_in(page, newcomer, "new-" + password)
