"""Forms in a real browser: the error summary takes the focus, confirmed actions post once,
oversized files are refused before they are sent, and an expired form keeps what was typed."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_accessibility, sign_in
from tracker.demo import DEMO_PASSWORD, HARBOUR
from tracker.extensions import db
from tracker.institutions.models import Institution
from tracker.usecases.models import Document, Message, Stage, UseCase

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

BANK_USER = "user@harbour-bank.demo"
REVIEWER = "reviewer@hkma.demo"
ADMIN = "admin@tracker.demo"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
LIMIT = 20 * 1024 * 1024


def _under_review() -> int:
    """Harbour Bank's proposal under review in the demo data."""
    return db.session.scalars(
        sa.select(UseCase.id)
        .join(Institution, UseCase.institution_id == Institution.id)
        .where(Institution.name == HARBOUR, UseCase.stage == Stage.UNDER_REVIEW)
        .order_by(UseCase.id)  # the first; the committee's demo adds more
        .limit(1)
    ).one()


def test_the_error_summary_takes_the_focus_and_links_to_each_field(page: Page, demo: None) -> None:
    sign_in(page, BANK_USER, DEMO_PASSWORD)
    page.goto("/use-cases/new")
    page.get_by_label("Title", exact=True).fill("Kept while other fields are missing")
    page.get_by_role("button", name="Save draft").click()

    summary = page.get_by_role("region", name="There is a problem")
    expect(summary).to_be_focused()
    check_accessibility(page, "new proposal with the error summary")
    expect(summary.get_by_role("link")).to_have_count(8)
    summary.get_by_role("link", name="Summary: This field is required.").click()
    expect(page.get_by_label("Summary")).to_be_focused()
    summary.get_by_role("link", name=re.compile("^Audience:")).click()
    expect(page.get_by_label("Customer-facing")).to_be_focused()
    summary.get_by_role("link", name=re.compile("^Category:")).click()
    expect(page.get_by_label("Category")).to_be_focused()
    expect(page.get_by_label("Title", exact=True)).to_have_value(
        "Kept while other fields are missing"
    )


def test_a_confirmed_action_asks_once_and_posts_once(
    page: Page, demo: None, dialogs: list[str]
) -> None:
    sign_in(page, ADMIN, DEMO_PASSWORD)
    page.goto("/admin/users")
    row = page.get_by_role("row").filter(has_text="user@lion-rock-bank.demo")
    button = row.get_by_role("button", name=re.compile("^Deactivate"))
    # Two clicks in one go, as an impatient double-click sends them.
    button.evaluate("b => { b.click(); b.click(); }")
    page.wait_for_load_state("load")
    expect(page.locator(".flash-messages")).to_be_visible()
    assert len(dialogs) == 1, dialogs
    assert dialogs[0].startswith("Deactivate ")


def test_a_file_over_the_limit_is_refused_before_it_is_sent(page: Page, demo: None) -> None:
    use_case_id = _under_review()
    sign_in(page, BANK_USER, DEMO_PASSWORD)
    page.goto(f"/use-cases/{use_case_id}")
    documents = page.get_by_role("region", name="Documents")
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)

    file_field = documents.get_by_label("File")
    expect(file_field).to_have_attribute("data-max-bytes", str(LIMIT))
    # The page reads the limit from the field: a 1 MB limit spares the test a 20 MB file.
    file_field.evaluate("input => input.setAttribute('data-max-bytes', String(1024 * 1024))")
    documents.get_by_label("Description").fill("Board minutes, March")
    file_field.set_input_files(
        {"name": "minutes.pdf", "mimeType": "application/pdf", "buffer": PDF + b"0" * 1_300_000}
    )
    message = documents.locator("#file-size-error")
    expect(message).to_have_text(
        "“minutes.pdf” is 1.2 MB; files can be up to 1 MB. Choose a smaller file: the "
        "description you typed is kept."
    )
    documents.get_by_role("button", name="Upload").click()
    expect(documents.get_by_label("File")).to_be_focused()
    expect(documents.get_by_label("File")).to_have_attribute("aria-invalid", "true")
    assert sent == [] and page.url.endswith(f"/use-cases/{use_case_id}")
    expect(documents.get_by_label("Description")).to_have_value("Board minutes, March")
    check_accessibility(page, "upload refused in the browser")

    documents.get_by_label("File").set_input_files(
        {"name": "minutes.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    expect(message).to_have_count(0)
    documents.get_by_role("button", name="Upload").click()
    page.wait_for_url(f"**/use-cases/{use_case_id}#documents")
    expect(page.locator(".flash-messages")).to_contain_text("Document uploaded.")
    assert db.session.scalars(sa.select(Document.description)).all()[-1] == "Board minutes, March"


def test_a_refused_upload_comes_back_at_the_use_case_address(page: Page, demo: None) -> None:
    use_case_id = _under_review()
    sign_in(page, BANK_USER, DEMO_PASSWORD)
    page.goto(f"/use-cases/{use_case_id}")
    documents = page.get_by_role("region", name="Documents")
    documents.get_by_label("Description").fill("Forgot the file")
    documents.get_by_role("button", name="Upload").click()

    page.wait_for_url(f"**/use-cases/{use_case_id}#documents")
    expect(page.get_by_role("region", name="There is a problem")).to_be_focused()
    expect(documents.locator("#file-error")).to_have_text("Choose a file to upload.")
    expect(documents.get_by_label("Description")).to_have_value("Forgot the file")
    # Reloading fetches the page again; nothing is re-posted and the message has gone.
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(documents.locator("#file-error")).to_have_count(0)


def test_an_expired_form_keeps_the_text_and_can_be_submitted_again(page: Page, demo: None) -> None:
    use_case_id = _under_review()
    sign_in(page, REVIEWER, DEMO_PASSWORD)
    page.goto(f"/use-cases/{use_case_id}")
    messages = page.get_by_role("region", name="Messages")
    text = "Please send the model card\nand the validation report."
    messages.get_by_label("Message to the institution").check()
    messages.get_by_label("Message", exact=True).fill(text)
    # The token goes stale, as it does when the user signs in again in another tab.
    messages.locator("input[name=csrf_token]").evaluate("input => { input.value = 'stale'; }")
    messages.get_by_role("button", name="Send").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Form expired")
    expect(page.get_by_role("region", name="What you typed")).to_contain_text(
        "Please send the model card"
    )
    check_accessibility(page, "form expired")
    page.get_by_role("button", name="Submit again").click()
    page.wait_for_url(f"**/use-cases/{use_case_id}#messages")
    expect(page.locator(".flash-messages")).to_contain_text("Message sent.")
    sent = db.session.scalars(sa.select(Message).where(Message.body == text)).one()
    assert sent.internal is False
