"""Two tabs on one use case, as people really work: the form opened second-to-last answers 409,
says what changed, by whom and when, and keeps what was typed (audit items 12 and 13)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_accessibility, sign_in
from tracker.demo import DEMO_PASSWORD, institution_email
from tracker.extensions import db
from tracker.institutions.models import Institution
from tracker.usecases.models import Stage, UseCase

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

REVIEWER = "reviewer@hkma.demo"


def _demo_case(stage: Stage, institution: str | None = None) -> UseCase:
    query = sa.select(UseCase).where(UseCase.stage == stage).order_by(UseCase.id)
    if institution is not None:
        query = query.join(Institution, Institution.id == UseCase.institution_id).where(
            Institution.name == institution
        )
    found = db.session.scalars(query).first()
    assert found is not None, f"the demo has no use case {stage.label}"
    return found


def test_a_decision_taken_in_another_tab_answers_409_and_keeps_the_reason(
    page: Page, demo: None
) -> None:
    case = _demo_case(Stage.UNDER_REVIEW)
    sign_in(page, REVIEWER, DEMO_PASSWORD)
    other_tab = page.context.new_page()
    page.goto(f"/use-cases/{case.id}/actions/reject")
    other_tab.goto(f"/use-cases/{case.id}/actions/request_changes")
    page.get_by_label("Reason").fill("Out of scope for this cohort.")
    page.locator("main form").get_by_role("button", name="Reject").click()
    page.wait_for_url(f"**/use-cases/{case.id}")

    typed = "Please add the model card and the red-team results."
    other_tab.get_by_label("Reason").fill(typed)
    with other_tab.expect_response(lambda r: r.request.method == "POST") as answer:
        other_tab.locator("main form").get_by_role("button", name="Request changes").click()
    assert answer.value.status == 409
    alert = other_tab.get_by_role("alert").filter(has_text="changed by someone else")
    expect(alert).to_contain_text("Reject (now Rejected)")
    expect(alert).to_contain_text("Carmen Chan")
    expect(other_tab.get_by_label("Reason")).to_have_value(typed)
    # Rejected is final: the action is gone, the text is there to copy.
    expect(
        other_tab.locator("main form").get_by_role("button", name="Request changes")
    ).to_have_count(0)
    check_accessibility(other_tab, "stale action form (409)")


def test_an_edit_conflict_shows_both_versions_and_can_be_saved_over(page: Page, demo: None) -> None:
    case = _demo_case(Stage.CHANGES_REQUESTED)
    owner = db.session.scalar(
        sa.select(Institution.name).where(Institution.id == case.institution_id)
    )
    sign_in(page, institution_email(owner), DEMO_PASSWORD)
    other_tab = page.context.new_page()
    page.goto(f"/use-cases/{case.id}/edit")
    other_tab.goto(f"/use-cases/{case.id}/edit")
    page.get_by_label("Title").fill("Title saved in the first tab")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"**/use-cases/{case.id}")

    mine = "Summary typed in the second tab, which must not be lost."
    other_tab.get_by_label("Summary").fill(mine)
    with other_tab.expect_response(lambda r: r.request.method == "POST") as answer:
        other_tab.get_by_role("button", name="Save changes").click()
    assert answer.value.status == 409
    differences = other_tab.get_by_role("table").filter(has_text="Where your input differs")
    expect(differences).to_contain_text("Title saved in the first tab")
    expect(differences).to_contain_text(mine)
    expect(other_tab.get_by_label("Summary")).to_have_value(mine)
    check_accessibility(other_tab, "edit conflict (409)")

    # Saving again applies the second tab's input over the current version: no endless loop.
    other_tab.get_by_role("button", name="Save over the current version").click()
    other_tab.wait_for_url(f"**/use-cases/{case.id}")
    db.session.expire_all()
    saved = db.session.get(UseCase, case.id)
    assert saved is not None and saved.summary == mine
