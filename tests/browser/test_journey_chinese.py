"""The main journey in Traditional Chinese, in a real browser on the demo data, with axe-core on
every page and a check that no English of the product's own is left on it (issue 15).

A bank user opens the sign-in page, switches it to 繁體中文, signs in, finds the institution's
use cases, drafts a proposal (the empty form's errors in Chinese first), saves and submits it;
a supervisor, whose saved language is Chinese, opens a cohort and issues its progress report in
Chinese, and the PDF says so; switching back to English restores English.
The words the test looks for come from the catalogue (``chinese()``), as a reader sees them.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import check_accessibility, save_screenshot
from tests.i18n.helpers import chinese, english_left
from tracker.auth.models import User
from tracker.demo import COHORT_1, DEMO_PASSWORD, PEARL_RIVER, SANDBOX
from tracker.extensions import db
from tracker.programmes.models import Cohort, Programme

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

BANK_USER = ("user@harbour-bank.demo", "Wong Mei-ling")
SUPERVISOR = ("supervisor@hkma.demo", "Raymond Lee")
TITLE = "Deepfake voice detection on the retail hotline"
# Data, not the product's words: people's names and e-mail addresses the pages show as they are.
DATA = (BANK_USER[0], BANK_USER[1], SUPERVISOR[0], SUPERVISOR[1], TITLE, PEARL_RIVER)


def _all_chinese(page: Page, name: str) -> None:
    """The page is marked Chinese, shows no English of its own, and passes axe."""
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    left = english_left(page.content(), allowed=DATA)
    assert left == [], f"English left on {name}: {left}"
    check_accessibility(page, f"{name} (繁體中文)")


def _nav(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_role("navigation", name=chinese("Main"))


def _sign_in(page: Page, email: str) -> None:
    page.get_by_label(chinese("Email")).fill(email)
    page.get_by_label(chinese("Password")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=chinese("Sign in")).click()
    page.wait_for_url("**/dashboard")


def _sign_out(page: Page) -> None:
    page.locator("#nav .dropdown-toggle").last.click()
    page.get_by_role("button", name=chinese("Sign out")).click()
    page.wait_for_url("**/login")


def test_the_journey_in_chinese(
    page: Page, browser: Browser, live_server: str, demo: None, dialogs: list[str]
) -> None:
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="繁體中文").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(chinese("Sign in"))
    _all_chinese(page, "sign-in page")

    # A failed attempt answers in Chinese too.
    page.get_by_label(chinese("Email")).fill(BANK_USER[0])
    page.get_by_label(chinese("Password")).fill("not the password")
    page.get_by_role("button", name=chinese("Sign in")).click()
    expect(page.locator("main")).to_contain_text(chinese("The email or password is not correct."))
    _all_chinese(page, "sign-in page after a failed attempt")

    _sign_in(page, BANK_USER[0])
    _all_chinese(page, "institution dashboard")
    save_screenshot(page, "dashboard-institution-zh-hant")
    _nav(page).get_by_role("link", name=chinese("Our use cases")).click()
    _all_chinese(page, "use-case list (institution)")

    _nav(page).get_by_role("link", name=chinese("New proposal")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(chinese("New proposal"))
    _all_chinese(page, "new proposal form")
    page.get_by_role("button", name=chinese("Save draft")).click()
    summary = page.get_by_role("region", name=chinese("There is a problem"))
    expect(summary).to_be_focused()
    _all_chinese(page, "new proposal form with errors")

    for field in (chinese("Cohort"), chinese("Category"), chinese("GenAI technique")):
        select = page.get_by_label(field, exact=True)
        values = [
            v for v in select.locator("option").evaluate_all("os => os.map(o => o.value)") if v
        ]
        select.select_option(values[-1])
    page.get_by_label(chinese("Title"), exact=True).fill(TITLE)
    page.get_by_label(chinese("Summary")).fill("Detect synthetic voices in calls to the hotline.")
    page.get_by_label(chinese("Problem statement")).fill("Scammers clone customers' voices.")
    page.get_by_label(chinese("Data used")).fill("Recorded hotline calls, with consent.")
    page.get_by_label(chinese("Safeguards")).fill("An agent reviews every flag.")
    page.get_by_label(chinese("Key performance indicators")).fill("Detection rate")
    page.get_by_label(chinese("Requested compute (GPU hours)")).fill("1200")
    page.get_by_label(chinese("Customer-facing")).check()
    page.get_by_role("button", name=chinese("Save draft")).click()
    if page.get_by_role("region", name=chinese("There is a problem")).count():
        pytest.fail(page.locator("main").inner_text())
    page.wait_for_url(re.compile(r"/use-cases/\d+$"))
    use_case_url = page.url
    expect(page.locator("h1 + p .stage-badge")).to_have_text(chinese("Draft"))
    _all_chinese(page, "use-case page (draft)")

    actions = page.get_by_role("group", name=chinese("Actions"))
    actions.get_by_role("link", name=chinese("Submit proposal"), exact=True).click()
    _all_chinese(page, "submit form")
    page.locator("main form").get_by_role("button", name=chinese("Submit proposal")).click()
    page.wait_for_url(use_case_url)
    expect(page.locator("h1 + p .stage-badge")).to_have_text(chinese("Submitted"))
    assert dialogs and not re.search(r"[A-Za-z]{4,}", dialogs[-1]), dialogs
    _all_chinese(page, "use-case page (submitted)")
    _sign_out(page)

    # The supervisor's saved preference is Chinese: the pages follow it from any browser.
    supervisor = db.session.scalar(db.select(User).filter_by(email=SUPERVISOR[0]))
    assert supervisor is not None
    supervisor.language = "zh_Hant"
    db.session.commit()
    # From another browser: a fresh context, English by its Accept-Language.
    context = browser.new_context(
        base_url=live_server,
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
        locale="en-GB",
        timezone_id="Asia/Hong_Kong",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Email").fill(SUPERVISOR[0])
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard")
    _all_chinese(page, "supervisor dashboard")
    _nav(page).get_by_role("link", name=chinese("Cohorts")).click()
    _all_chinese(page, "cohort list")
    cohort = db.session.scalar(
        db.select(Cohort)
        .join(Programme)
        .filter(Programme.name == SANDBOX, Cohort.name == COHORT_1[1])
    )
    assert cohort is not None and cohort.name_zh and cohort.programme.name_zh
    row = page.get_by_role("row").filter(
        has=page.get_by_role("link", name=cohort.programme.name_zh, exact=True)
    )
    row.get_by_role("link", name=cohort.name_zh, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(cohort.name_zh)
    _all_chinese(page, "cohort page")

    button = chinese("Issue %(report)s (PDF)", report=chinese("Cohort progress report"))
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(chinese("Ready"))
    _all_chinese(page, "report progress page")
    with page.expect_download() as download:
        page.get_by_role("link", name=chinese("Download the PDF")).click()
    pdf = Path(download.value.path())
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "繁體中文" in text, "the cover names the report's language"
    assert SANDBOX not in text or "生成式人工智能沙盒" in text

    # Back to English: the same page in English, and the choice is saved.
    # (From a page that does not refresh itself, as the report's progress page does.)
    page.goto("/dashboard")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.url.endswith("/dashboard"), page.url
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Notifications")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(User, supervisor.id).language == "en"  # type: ignore[union-attr]
    check_accessibility(page, "dashboard (English again)")
    context.close()
