"""Layout at a common laptop width: filters show their options whole, and very long titles
and texts are clamped with a way to read them whole."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_accessibility, save_screenshot, sign_in
from tracker.demo import DEMO_PASSWORD, HARBOUR
from tracker.extensions import db
from tracker.institutions.models import Institution
from tracker.usecases.models import Stage, UseCase

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

REVIEWER = "reviewer@hkma.demo"
LONG_TITLE = ("Retrieval-augmented answers for relationship managers " * 10)[:500]
LONG_SUMMARY = "\n".join(
    f"Paragraph {n}: " + "the assistant drafts, staff decide. " * 20 for n in range(25)
)[:19_000]

# Whether every option of a <select> fits its box (the text would otherwise be cut).
OPTIONS_FIT = """select => {
  const style = getComputedStyle(select);
  const context = document.createElement("canvas").getContext("2d");
  context.font = style.font;
  const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return [...select.options].filter(o => context.measureText(o.text).width > room).map(o => o.text);
}"""


@pytest.fixture
def long_use_case(demo: None) -> int:
    """Harbour Bank's proposal under review, given a 500-character title and a 19,000-character
    summary (the most the form accepts is 20,000)."""
    use_case = db.session.scalars(
        sa.select(UseCase)
        .join(Institution, UseCase.institution_id == Institution.id)
        .where(Institution.name == HARBOUR, UseCase.stage == Stage.UNDER_REVIEW)
        .order_by(UseCase.id)  # the first; the committee's demo adds more
        .limit(1)
    ).one()
    use_case.title, use_case.summary = LONG_TITLE, LONG_SUMMARY
    db.session.commit()
    return use_case.id


def test_the_stage_filter_shows_its_options_whole_at_1366_px(page: Page, demo: None) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, REVIEWER, DEMO_PASSWORD)
    page.goto("/use-cases/")
    for label in ("Stage", "Programme", "Category"):
        assert page.get_by_label(label, exact=True).evaluate(OPTIONS_FIT) == [], label
    save_screenshot(page, "use-case-list-1366")


def test_long_titles_keep_to_two_lines_in_lists(page: Page, long_use_case: int) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, REVIEWER, DEMO_PASSWORD)
    for url in ("/use-cases/", "/use-cases/queue", "/board"):
        page.goto(url)
        link = page.locator(f"main a[href='/use-cases/{long_use_case}']").first
        lines = link.evaluate(
            "a => a.getBoundingClientRect().height / parseFloat(getComputedStyle(a).lineHeight)"
        )
        assert lines <= 2.1, url
        # Screen readers still get the whole title.
        expect(link).to_have_accessible_name(LONG_TITLE.strip())


def test_long_texts_on_the_use_case_page_show_more_on_request(
    page: Page, long_use_case: int
) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, REVIEWER, DEMO_PASSWORD)
    page.goto(f"/use-cases/{long_use_case}")
    proposal = page.get_by_role("region", name="Proposal")
    summary = proposal.locator("[data-clamp]").first
    clamped = summary.bounding_box()
    assert clamped is not None and clamped["height"] < 250
    show = proposal.get_by_role("button", name="Show more")
    expect(show).to_have_count(1)  # the other texts are short: nothing to show
    expect(show).to_have_attribute("aria-expanded", "false")
    check_accessibility(page, "use-case page with long texts")

    show.click()
    expect(proposal.get_by_role("button", name="Show less")).to_have_attribute(
        "aria-expanded", "true"
    )
    opened = summary.bounding_box()
    assert opened is not None and opened["height"] > 10 * clamped["height"]

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(LONG_TITLE.strip())
    box = heading.bounding_box()
    assert box is not None and box["height"] < 120
    page.get_by_role("button", name="Show more").first.click()
    expanded = heading.bounding_box()
    assert expanded is not None and expanded["height"] > box["height"]
