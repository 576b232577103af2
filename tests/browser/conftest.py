"""Fixtures for the end-to-end tests in headless Chromium.

One live server and one browser serve the whole session; each test gets a fresh browser context
(its own cookies). The ``demo`` fixture loads the demo dataset into the same test database the
other tests use; the autouse fixture in ``tests/conftest.py`` clears it after each test.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Dialog, Page, Playwright, sync_playwright

from tests.browser.live_server import serving
from tests.conftest import ROOT
from tracker.demo import seed_demo
from tracker.extensions import db

CHROMIUM = os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_SCRIPT = ROOT / "tests" / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = ("serious", "critical")
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def live_server(
    app: Flask, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The application served over http on a free port; yields its base URL.

    Depends on ``app`` so the tables exist before the server starts.
    """
    with serving(database_url, tmp_path_factory.mktemp("live-server")) as url:
        yield url


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless Chromium for the session: Debian's package, not a downloaded build."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"Chromium was not found at {CHROMIUM}. The browser tests need it: install the "
            "Debian package (`apt-get install chromium`, or `make system-deps`) or set "
            "TRACKER_CHROMIUM to the path of a Chromium binary."
        )
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    yield chromium
    chromium.close()


@pytest.fixture
def dialogs() -> list[str]:
    """The messages of the confirm() dialogs the page showed, in order."""
    return []


def _accept(dialog: Dialog, seen: list[str]) -> None:
    seen.append(dialog.message)
    dialog.accept()


@pytest.fixture
def page(browser: Browser, live_server: str, dialogs: list[str]) -> Iterator[Page]:
    """A page in a fresh context (no cookies), which fails the test on any page script error.

    Irreversible actions ask for confirmation; the users in these journeys say yes, and the
    questions are kept in ``dialogs`` for the test to check.
    """
    context = browser.new_context(
        base_url=live_server,
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
        locale="en-GB",
        timezone_id="Asia/Hong_Kong",
    )
    context.set_default_timeout(10_000)
    new_page = context.new_page()
    script_errors: list[str] = []
    new_page.on("pageerror", lambda exc: script_errors.append(f"{new_page.url}: {exc}"))
    new_page.on("dialog", lambda dialog: _accept(dialog, dialogs))
    yield new_page
    context.close()
    assert not script_errors, "JavaScript errors in the page:\n" + "\n".join(script_errors)


@pytest.fixture
def demo() -> None:
    """The demo dataset (fictional institutions and users), committed for the live server."""
    seed_demo()
    db.session.commit()


def sign_in(page: Page, email: str, password: str) -> None:
    """Sign in through the login form, as a person would."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard")


def sign_out(page: Page) -> None:
    """Sign out through the user menu."""
    page.locator("#nav .dropdown-toggle").last.click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")


@functools.cache
def _axe_source() -> str:
    return AXE_SCRIPT.read_text(encoding="utf-8") + "\n;undefined"


def check_accessibility(page: Page, name: str) -> None:
    """Run axe-core on the page and fail on any serious or critical WCAG 2.x A/AA violation."""
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol rather than added as a <script> tag: the
        # app's Content-Security-Policy rightly refuses inline scripts, and the tests keep it on.
        page.evaluate(_axe_source())
    results: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: tags, resultTypes: ['violations']})", AXE_TAGS
    )
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]
    if blocking:
        lines = [f"axe-core: {len(blocking)} serious or critical violation(s) on {name}:"]
        lines.append(f"  page: {page.url}")
        for violation in blocking:
            lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']}")
            for node in violation["nodes"]:
                lines.append(f"      {json.dumps(node['target'])}: {node['failureSummary']}")
        pytest.fail("\n".join(lines))


def save_screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot in test-artifacts/ (kept out of git), for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path
