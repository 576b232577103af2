"""The sandbox journeys in a real browser, on the demo data, with axe-core on every page.

A demo bank user drafts and submits a proposal; the lead reviewer starts the review and
assigns it to two members of Cohort 2's selection committee, who each declare no conflict of
interest and score it; the lead selects it once the committee's quorum is met (not before) and
starts the pilot; the bank files a progress return; the reviewer approves
production with an exit report, and the timeline shows every step with its actor. A supervisor
downloads the cohort report as a PDF.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.committee import assign_by_hand, committee_page, ranking_row
from tests.browser.conftest import check_accessibility, save_screenshot, sign_in, sign_out
from tests.conftest import local_today
from tracker.demo import COHORT_1, COHORT_2, DEMO_PASSWORD, PEARL_RIVER, SANDBOX
from tracker.demo.content.committee import MEMBER_EMAILS, QUORUM

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

BANK_USER = ("user@harbour-bank.demo", "Wong Mei-ling")
REVIEWER = ("reviewer@hkma.demo", "Carmen Chan")
SUPERVISOR = ("supervisor@hkma.demo", "Raymond Lee")
# Cohort 2's committee members who review the new proposal (the lead, Carmen Chan, selects).
KELVIN, MANDY = MEMBERS = ("Kelvin Tam", "Mandy Yip")
TITLE = "Deepfake voice detection on the retail hotline"
KPIS = ("Detection rate of cloned voices (target ≥ 95%)", "False alarms per 1,000 calls (< 2)")


def _stage(page: Page) -> str:
    return page.locator("h1 + p .stage-badge").inner_text()


def _flash(page: Page) -> str:
    return page.locator(".flash-messages").inner_text()


def _act(page: Page, use_case_url: str, label: str) -> None:
    """Open a workflow action from the use-case page; check its form with axe."""
    page.goto(use_case_url)
    page.get_by_role("group", name="Actions").get_by_role("link", name=label, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(label)
    check_accessibility(page, f"action form: {label}")


def _submit_action(page: Page, label: str, use_case_url: str) -> None:
    page.locator("main form").get_by_role("button", name=label, exact=True).click()
    page.wait_for_url(use_case_url)


def _draft_and_submit(page: Page, dialogs: list[str]) -> str:
    """The bank user drafts a proposal, fixes what the form rejects, and submits it."""
    sign_in(page, BANK_USER[0], DEMO_PASSWORD)
    check_accessibility(page, "institution dashboard")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Our use cases").click()
    check_accessibility(page, "use-case list (institution)")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New proposal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New proposal")
    check_accessibility(page, "new proposal form")

    # An empty form comes back with each error beside its field and an error summary at the
    # top, which takes the focus so that screen readers announce it.
    page.get_by_role("button", name="Save draft").click()
    summary = page.get_by_role("region", name="There is a problem")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Please correct the fields marked below")
    title = page.get_by_label("Title", exact=True)
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#title-error")).to_be_visible()
    check_accessibility(page, "new proposal form with errors")

    page.get_by_label("Cohort").select_option(label=f"{COHORT_2[0]} — {COHORT_2[1]}")
    page.get_by_label("Category").select_option(label="Anti-fraud")
    title.fill(TITLE)
    page.get_by_label("Summary").fill("Detect synthetic voices in calls to the retail hotline.")
    page.get_by_label("Problem statement").fill("Scammers clone customers' voices to move money.")
    page.get_by_label("GenAI technique").select_option(label="Fine-tuning / model adaptation")
    page.get_by_label("Technology partners").select_option(label=PEARL_RIVER)
    page.get_by_label("Data used").fill("Recorded hotline calls, with the callers' consent.")
    page.get_by_label("The data includes personal data").check()
    page.get_by_label("Customer-facing").check()
    page.get_by_label("Requested compute (GPU hours)").fill("1200")
    page.get_by_label("Safeguards").fill("An agent reviews every flag before any account action.")
    page.get_by_label("Key performance indicators").fill("\n".join(KPIS))
    page.get_by_role("button", name="Save draft").click()

    page.wait_for_url(re.compile(r"/use-cases/\d+$"))
    use_case_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert "Draft saved" in _flash(page)
    assert _stage(page) == "Draft"
    check_accessibility(page, "use-case page (draft)")

    _act(page, use_case_url, "Submit proposal")
    _submit_action(page, "Submit proposal", use_case_url)
    assert len(dialogs) == 1 and dialogs[0].startswith("Submit this proposal to the regulator?")
    assert _stage(page) == "Submitted"
    expect(page.get_by_role("link", name="Edit proposal")).to_have_count(0)
    sign_out(page)
    return use_case_url


def _agree_plan(page: Page, use_case_url: str) -> None:
    """The bank drafts the sandbox plan and submits it; the reviewer agrees it (and stays
    signed in)."""
    sign_in(page, BANK_USER[0], DEMO_PASSWORD)
    page.goto(use_case_url)
    page.get_by_role("link", name="Sandbox plan").click()
    page.get_by_role("link", name="Draft the plan").click()
    check_accessibility(page, "sandbox plan form")
    for label, text in (
        ("Objectives", "Detect cloned voices at the call centre."),
        ("Success measures", "Both KPIs reach their targets."),
        ("Methodology", "Shadow run, then live screening with analyst review."),
        ("Duration (weeks)", "26"),
        ("Other limits", "At most 500 customers."),
        ("Channels", "Inbound phone banking"),
        ("Geographies", "Hong Kong"),
        ("Boundary: scope, phases, timing and termination", "Stops on a severe incident."),
        ("Customer protection", "No call is ended by the model."),
        ("Risk-management controls", "Analysts review every flag."),
        ("Readiness and close monitoring", "A named owner watches the dashboard daily."),
        ("Days allowed after each period", "14"),
        ("Exit strategy", "Back to manual screening the same day."),
    ):
        page.get_by_label(label, exact=True).fill(text)
    page.get_by_label("Other limits").fill("At most 500 customers.")
    for row, (direction, baseline, target) in enumerate(
        (("higher", "80", "95"), ("lower", "5", "2"))
    ):
        page.locator(f"#kpi_{row}-direction").select_option(direction)
        page.locator(f"#kpi_{row}-baseline").fill(baseline)
        page.locator(f"#kpi_{row}-target").fill(target)
    page.get_by_role("button", name="Save draft").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Submit version 1 for agreement").click()
    sign_out(page)
    sign_in(page, REVIEWER[0], DEMO_PASSWORD)
    page.goto(use_case_url)
    page.get_by_role("link", name="Sandbox plan").click()
    check_accessibility(page, "sandbox plan page")
    page.get_by_role("button", name="Agree version 1").click()
    expect(page.get_by_role("region", name="In force: version 1")).to_be_visible()
    page.goto(use_case_url)


def _declare_and_score(page: Page, email: str, score: str, comment: str) -> None:
    """An assigned member finds the proposal in My reviews, declares no conflict (seeing only
    its title, applicant and partners until then), and scores it with the rubric beside it."""
    sign_in(page, email, DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My reviews").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My reviews")
    check_accessibility(page, f"my reviews ({email})")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Declare your interests")
    expect(page.locator("main")).to_contain_text(PEARL_RIVER)
    expect(page.locator("main")).not_to_contain_text(KPIS[0])
    check_accessibility(page, "declaration of interests")
    page.get_by_label("No conflict", exact=True).check()
    page.get_by_role("button", name="Record my declaration").click()
    page.wait_for_url(re.compile(r"/committee/assignments/\d+$"))
    assert "No conflict declared" in _flash(page)

    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    proposal = page.get_by_role("region", name="The proposal")
    expect(proposal).to_contain_text(KPIS[0])
    scores = page.get_by_role("region", name="Your scores")
    groups = scores.get_by_role("radiogroup")
    assert groups.count() == 4, "the cohort's four selection criteria"
    expect(scores.get_by_label("Rubric").first).to_contain_text("New to Hong Kong's banking sector")
    check_accessibility(page, "committee scoring page")
    for index in range(groups.count()):
        groups.nth(index).get_by_label(score, exact=True).check()
    page.get_by_label("Overall comment").fill(comment)
    page.get_by_role("button", name="Submit scores").click()
    page.wait_for_url("**/committee/reviews")
    assert "Your scores are submitted" in _flash(page)
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=TITLE))
    expect(row).to_contain_text("No conflict")
    expect(row).to_contain_text("Submitted")
    sign_out(page)


def _review_select_and_start_pilot(page: Page, use_case_url: str, pilot_start: date) -> None:
    """The lead reviewer starts the review and puts the proposal before Cohort 2's committee;
    two members declare and score; the lead selects once the quorum is met and starts the
    pilot."""
    sign_in(page, REVIEWER[0], DEMO_PASSWORD)
    check_accessibility(page, "regulator dashboard")
    save_screenshot(page, "dashboard-regulator")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Review queue").click()
    check_accessibility(page, "review queue")
    page.get_by_role("link", name=TITLE).click()
    page.wait_for_url(use_case_url)

    _act(page, use_case_url, "Start review")
    _submit_action(page, "Start review", use_case_url)
    assert _stage(page) == "Under review"
    expect(page.get_by_role("note")).to_contain_text("Select is not available yet")
    # On a committee's cohort the proposal is scored by its assigned members, not from here.
    expect(page.get_by_role("link", name="Score proposal")).to_have_count(0)
    check_accessibility(page, "use-case page (under review)")

    committee_page(page)
    assign_by_hand(page, TITLE, MEMBERS, "nobody")
    expect(ranking_row(page, TITLE)).to_contain_text(f"0 of {QUORUM}")
    sign_out(page)

    _declare_and_score(page, MEMBER_EMAILS[0], "4", "Clear industry value; strong safeguards.")

    # One complete review of the two the quorum needs: no Select, and the page says why.
    sign_in(page, REVIEWER[0], DEMO_PASSWORD)
    page.goto(use_case_url)
    actions = page.get_by_role("group", name="Actions")
    expect(actions.get_by_role("link", name="Select", exact=True)).to_have_count(0)
    expect(page.get_by_role("note")).to_contain_text(
        "Select is not available yet: Selection needs at least one review scoring every "
        "criterion (on a cohort with a selection committee, its quorum of reviews by reviewers "
        "with no conflict)."
    )
    committee_page(page)
    row = ranking_row(page, TITLE)
    expect(row).to_contain_text(f"1 of {QUORUM}")
    expect(row.get_by_text("quorum", exact=True)).to_have_count(0)
    # Selecting it on the committee's slate is refused by the command, with the reason.
    row.get_by_label(re.compile("^Decision on UC-")).select_option(label="Selected")
    row.get_by_label(re.compile("^Reason for UC-")).fill("Ranked high on innovation.")
    page.get_by_role("button", name="Decide the slate").click()
    refusal = page.get_by_role("alert").filter(has_text="The slate was not decided.")
    expect(refusal).to_contain_text("Nothing was saved.")
    expect(refusal).to_contain_text(
        f"Selection needs {QUORUM} complete reviews by assigned reviewers with no conflict of "
        "interest; this proposal has 1."
    )
    check_accessibility(page, "committee page with the slate refused")
    page.goto(use_case_url)
    assert _stage(page) == "Under review"
    sign_out(page)

    _declare_and_score(page, MEMBER_EMAILS[1], "3", "Sound design; publish the false-alarm rate.")

    sign_in(page, REVIEWER[0], DEMO_PASSWORD)
    committee_page(page)
    row = ranking_row(page, TITLE)
    expect(row).to_contain_text(f"2 of {QUORUM}")
    expect(row.get_by_text("quorum", exact=True)).to_be_visible()
    page.goto(use_case_url)
    expect(page.get_by_role("note")).to_have_count(0)
    _act(page, use_case_url, "Select")
    page.get_by_label("Note (optional)").fill("Selected for cohort 2.")
    _submit_action(page, "Select", use_case_url)
    assert _stage(page) == "Selected"

    sign_out(page)
    _agree_plan(page, use_case_url)

    _act(page, use_case_url, "Start pilot")
    page.get_by_label("Pilot start date").fill(pilot_start.isoformat())
    _submit_action(page, "Start pilot", use_case_url)
    assert _stage(page) == "Pilot"
    expect(page.get_by_role("region", name="Pilot terms")).to_contain_text("At most 500 customers.")

    nav.get_by_role("link", name="Pipeline").click()
    check_accessibility(page, "pipeline board")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    nav.get_by_role("link", name="Cohorts").click()
    check_accessibility(page, "cohort list")
    nav.get_by_role("link", name="Use cases", exact=True).click()
    check_accessibility(page, "use-case list (regulator)")
    sign_out(page)


def _file_return(page: Page, use_case_url: str) -> None:
    """The bank files an attested progress return with a value for each KPI and an incident."""
    sign_in(page, BANK_USER[0], DEMO_PASSWORD)
    page.goto(use_case_url)
    check_accessibility(page, "use-case page (pilot, institution)")
    page.get_by_role("link", name="File progress return").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("File a progress return")
    check_accessibility(page, "progress return form")

    page.get_by_label("Amber").check()
    page.get_by_label("Narrative").fill("Detection is good; false alarms high at night.")
    # Each KPI's number field is labelled with the KPI first; its note field with "Note on".
    page.get_by_label(re.compile("^" + re.escape(KPIS[0]))).fill("96%")
    page.get_by_label(re.compile("^" + re.escape(KPIS[1]))).fill("3.1")
    incident = page.get_by_role("group", name="Incident 1")
    incident.get_by_label("Description").fill("A genuine customer was flagged as a deepfake.")
    incident.get_by_label("Date it occurred").fill(local_today().isoformat())
    incident.get_by_label("Severity").select_option(label="Low")
    incident.get_by_label("Customer impact").fill("The call went to an agent; no delay.")
    incident.get_by_label("Remediation").fill("Night-shift threshold tuned.")
    page.get_by_label("Senior manager's name").fill("Ho Chun-kit")
    page.get_by_label("Senior manager's title").fill("Chief Risk Officer")

    # Without the attestation nothing is filed, and the error sits beside the checkbox.
    page.get_by_role("button", name="File return").click()
    expect(page.locator("#attest-error")).to_have_text("The return must be attested.")
    expect(page.get_by_label(re.compile("^" + re.escape(KPIS[0])))).to_have_value("96%")
    check_accessibility(page, "progress return form with errors")

    page.get_by_label(re.compile("attests that this return is accurate")).check()
    page.get_by_role("button", name="File return").click()
    page.wait_for_url(re.compile(r"/returns/\d+$"))
    assert "Progress return filed" in _flash(page)
    # "96%" typed is the number 96 against the plan's KPI.
    expect(
        page.get_by_role("row", name=re.compile(re.escape(KPIS[0]) + r"\s+96\b"))
    ).to_be_visible()
    check_accessibility(page, "progress return page")
    sign_out(page)


def _approve_production(page: Page, use_case_url: str, dialogs: list[str]) -> None:
    """The reviewer approves the move to production with an exit report."""
    sign_in(page, REVIEWER[0], DEMO_PASSWORD)
    _act(page, use_case_url, "Approve production")
    page.get_by_label("Outcome against KPIs").fill("Detection 96% against a 95% target.")
    page.get_by_label("Lessons learned").fill("Tune thresholds per shift.")
    page.get_by_label("Conditions of the production approval").fill("Quarterly validation.")
    _submit_action(page, "Approve production", use_case_url)
    assert dialogs[1].startswith("Submit version 1 of the plan to the regulator")
    assert len(dialogs) == 3 and dialogs[2].startswith("Approve the move to production")
    assert _stage(page) == "Production"
    expect(page.get_by_role("region", name="Exit report")).to_contain_text("Quarterly validation.")
    check_accessibility(page, "use-case page (production)")


def _timeline(page: Page) -> list[tuple[str, str]]:
    """(title, actor) of each timeline entry, oldest first."""
    entries = page.get_by_role("region", name="Timeline").get_by_role("listitem")
    rows = []
    for index in range(entries.count()):
        entry = entries.nth(index)
        title = entry.locator("strong").inner_text()
        actor = entry.locator("p.small").first.inner_text().split(" · ")[0]
        rows.append((title, actor))
    return rows[::-1]


def test_proposal_to_production(page: Page, demo: None, dialogs: list[str]) -> None:
    pilot_start = local_today()
    use_case_url = _draft_and_submit(page, dialogs)
    _review_select_and_start_pilot(page, use_case_url, pilot_start)
    _file_return(page, use_case_url)
    _approve_production(page, use_case_url, dialogs)

    bank, reviewer = BANK_USER[1], REVIEWER[1]
    period = f"{pilot_start:%d %b %Y} – {local_today():%d %b %Y}"
    assert _timeline(page) == [
        ("Draft created", bank),
        ("Draft → Submitted", bank),
        ("Submitted → Under review", reviewer),
        ("Scored the proposal: 16 points", KELVIN),
        ("Scored the proposal: 12 points", MANDY),
        ("Under review → Selected", reviewer),
        ("Selected → Pilot", reviewer),
        (f"Progress return {period}: Amber", bank),
        ("Pilot → Production", reviewer),
    ]
    save_screenshot(page, "use-case-production")


def test_supervisor_downloads_the_cohort_report(page: Page, demo: None) -> None:
    sign_in(page, SUPERVISOR[0], DEMO_PASSWORD)
    check_accessibility(page, "supervisor dashboard")
    save_screenshot(page, "dashboard-supervisor")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Cohorts").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=SANDBOX, exact=True))
    row.get_by_role("link", name=COHORT_1[1], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{SANDBOX} — {COHORT_1[1]}")
    check_accessibility(page, "cohort page")
    cohort_id = page.url.rstrip("/").rsplit("/", 1)[-1]

    # Asking answers at once with the report's progress page, which offers the PDF when ready.
    page.get_by_role("button", name="Issue cohort progress report (PDF)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cohort progress report")
    expect(page.get_by_role("status")).to_contain_text("Ready")
    check_accessibility(page, "report progress page")
    reference = page.locator("main p strong", has_text="TR-").inner_text()
    with page.expect_download() as from_progress_page:
        page.get_by_role("link", name="Download the PDF").click()
    issued = from_progress_page.value
    assert issued.suggested_filename.endswith(".pdf")
    pdf = Path(issued.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")

    # The register keeps the very bytes that were downloaded, under the printed reference.
    nav.get_by_role("link", name="Reports").click()
    check_accessibility(page, "report register")
    entry = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=reference))
    expect(entry).to_contain_text(SUPERVISOR[1])
    with page.expect_download() as from_register:
        entry.get_by_role("link", name=re.compile("^Download")).click()
    assert Path(from_register.value.path()).read_bytes() == pdf

    # The report page issues a report as at a past date.
    page.goto(f"/reports/cohort/{cohort_id}")
    check_accessibility(page, "cohort report page")
    page.get_by_label("As at").fill("2025-06-30")
    page.get_by_role("button", name="Issue the report (PDF)").click()
    expect(page.get_by_role("status")).to_contain_text("Ready")
    with page.expect_download() as as_at:
        page.get_by_role("link", name="Download the PDF").click()
    assert Path(as_at.value.path()).read_bytes().startswith(b"%PDF-")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("row").filter(has_text="30 Jun 2025")).to_have_count(1)
