"""Keyboard use and the accessibility check itself, in headless Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_accessibility, sign_in
from tracker.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _focus_outline(page: Page) -> str:
    """The outline width of the focused element, as the browser draws it."""
    return str(page.evaluate("() => getComputedStyle(document.activeElement).outlineWidth"))


def _skip_to_main(page: Page) -> None:
    """Tab from the top of the page: the skip link comes first, shows, and moves focus to main."""
    page.locator("body").focus()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["width"] > 20 and box["height"] > 10, "skip link stays hidden"
    assert _focus_outline(page) == "3px"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    assert page.url.endswith("#main")


def test_keyboard_reaches_the_skip_link_first(page: Page, demo: None) -> None:
    page.goto("/login")
    check_accessibility(page, "login")
    _skip_to_main(page)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign in")).to_be_focused()
    # Focus is visible: the focused button gets a 3 px outline, not just a colour change.
    assert _focus_outline(page) == "3px"

    page.get_by_label("Email").fill("reviewer@hkma.demo")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status")).to_contain_text("The email or password is not correct.")
    check_accessibility(page, "login after a failed attempt")

    sign_in(page, "reviewer@hkma.demo", DEMO_PASSWORD)
    _skip_to_main(page)
    # The next stop is inside main, past every navigation link.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


def test_the_check_fails_on_a_serious_violation(page: Page) -> None:
    """The axe check is not vacuous: a field without a label fails it, naming rule and target."""
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Probe</title></head>'
        '<body><main><h1>Probe</h1><input id="nameless" type="text"></main></body></html>'
    )
    with pytest.raises(pytest.fail.Exception) as failure:
        check_accessibility(page, "probe page")
    message = str(failure.value)
    assert "[critical] label:" in message
    assert '["#nameless"]' in message
    assert "probe page" in message
