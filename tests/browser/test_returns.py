"""Reporting schedules and incidents in Chromium: a bank reports an incident from the use-case
page, the regulator acknowledges it and suspends the pilot from it; every page passes the
accessibility check."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_accessibility, sign_in, sign_out
from tracker.demo import DEMO_PASSWORD
from tracker.demo.content.reference import institution_email
from tracker.demo.schedules import PHISHING
from tracker.extensions import db
from tracker.usecases.models import UseCase

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_an_incident_reported_at_once_is_acknowledged_and_suspends_the_pilot(
    page: Page, demo: None
) -> None:
    uc = db.session.scalars(sa.select(UseCase).where(UseCase.title == PHISHING)).one()
    sign_in(page, institution_email(uc.institution.name), DEMO_PASSWORD)
    page.goto(f"/use-cases/{uc.id}")
    expect(page.locator("#expected-returns")).to_contain_text("Monthly from")
    expect(page.locator("#expected-returns")).to_contain_text("Overdue")
    check_accessibility(page, "use case with a schedule and incidents")
    page.get_by_role("link", name="Report an incident").click()
    check_accessibility(page, "report an incident")
    page.get_by_label("Severity").select_option("critical")
    page.get_by_role("button", name="Report the incident").click()
    expect(page.locator("#occurred_at-error")).to_be_visible()  # what was missing is said
    page.get_by_label("When it happened").fill("2026-11-19T08:30")
    page.get_by_label("What happened").fill("A takedown notice went to a registrar unapproved.")
    page.get_by_label("Customers affected").fill("0")
    page.get_by_role("button", name="Report the incident").click()
    expect(page.get_by_role("heading", name="Critical incident")).to_be_visible()
    expect(page.get_by_text("To be acknowledged by")).to_be_visible()
    check_accessibility(page, "incident")
    incident_url = page.url
    sign_out(page)

    sign_in(page, "reviewer@hkma.demo", DEMO_PASSWORD)
    page.goto(incident_url)
    page.get_by_label("Note (optional)").fill("Calling the bank now.")
    page.get_by_role("button", name="Acknowledge the incident").click()
    expect(page.get_by_text("Calling the bank now.")).to_be_visible()
    page.get_by_role("link", name="Suspend the pilot").click()
    check_accessibility(page, "suspend from an incident")
    page.get_by_label("Reason").fill("Until two-person approval is proven.")
    page.get_by_role("button", name="Suspend the pilot").click()
    expect(page.get_by_text("because of this incident")).to_be_visible()
    page.goto(f"/use-cases/{uc.id}/schedule")
    check_accessibility(page, "reporting schedule")
