"""The pipeline board and the cohort and institution lists."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, local_today, login
from tests.dashboard.conftest import Cases
from tracker.dashboard import views
from tracker.extensions import db
from tracker.institutions.models import InstitutionKind
from tracker.programmes.models import CohortStatus
from tracker.usecases.models import Stage


def column(html: str, stage: Stage) -> str:
    start = html.index(f'id="col-{stage.value}"')
    end = html.find("</section>", start)
    return html[start:end]


def test_board_has_a_column_per_stage(client: FlaskClient, world: World, cases: Cases) -> None:
    # Noon in Hong Kong twelve local days ago: twelve days in stage at any hour of the UTC day.
    noon = datetime.combine(
        local_today() - timedelta(days=12), time(12), ZoneInfo("Asia/Hong_Kong")
    )
    cases.pilot.stage_changed_at = noon.astimezone(UTC).replace(tzinfo=None)
    db.session.commit()
    login(client, world.reviewer)
    html = client.get("/board").get_data(as_text=True)
    for stage in Stage:
        if stage is Stage.DRAFT:
            # Drafts are the institution's own: the regulator's board has no draft column.
            assert f'id="col-{stage.value}"' not in html
            continue
        assert f'id="col-{stage.value}"' in html
        assert f"<span>{stage.label}</span>" in html
    pilot = column(html, Stage.PILOT)
    assert "Deepfake voice detection" in pilot
    assert "Harbour Bank" in pilot
    assert "Anti-fraud" in pilot
    assert "12 days in stage" in pilot
    assert "Claims fraud screening" not in html  # IA programme


def test_board_filters(client: FlaskClient, world: World, cases: Cases) -> None:
    login(client, world.admin)
    html = client.get(f"/board?institution={world.other_bank.id}").get_data(as_text=True)
    assert "Claims fraud screening" in html
    assert "Deepfake voice detection" not in html
    html = client.get(f"/board?programme={world.programme.id}").get_data(as_text=True)
    assert "Claims fraud screening" not in html
    assert "Deepfake voice detection" in html
    html = client.get(f"/board?cohort={world.other_cohort.id}").get_data(as_text=True)
    assert "Claims fraud screening" in html and "Policy assistant" not in html
    html = client.get(f"/board?category={cases.risk.id}").get_data(as_text=True)
    assert "Policy assistant" in html and "Deepfake voice detection" not in html
    html = client.get("/board?category=9999").get_data(as_text=True)
    assert "No use case matches these filters" in html
    # Every filter is a labelled select.
    for name in ("programme", "cohort", "category", "institution"):
        assert f'<label class="form-label" for="board-{name}">' in html


def test_board_caps_columns_and_links_to_the_rest(
    client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "BOARD_CARDS_PER_COLUMN", 2)
    for n in range(3):
        f.create_use_case(
            world.cohort, world.bank, world.category, stage=Stage.SUBMITTED, title=f"Case {n}"
        )
    db.session.commit()
    login(client, world.reviewer)
    html = client.get("/board").get_data(as_text=True)
    submitted = column(html, Stage.SUBMITTED)
    assert submitted.count('class="board-card"') == 2
    assert "All 3 submitted" in submitted
    assert "/use-cases/?stage=submitted" in submitted


def test_board_for_institution_user(client: FlaskClient, world: World, cases: Cases) -> None:
    login(client, world.other_bank_user)
    html = client.get("/board").get_data(as_text=True)
    assert "Claims fraud screening" in html and "Policy assistant" in html
    assert "Deepfake voice detection" not in html


def test_cohort_list_search_filter_sort(client: FlaskClient, world: World, cases: Cases) -> None:
    f.create_cohort(world.programme, name="Cohort 2", status=CohortStatus.PLANNING)
    db.session.commit()
    login(client, world.reviewer)
    html = client.get("/cohorts/?sort=name&dir=asc").get_data(as_text=True)
    assert html.index(">Cohort 1<") < html.index(">Cohort 2<")
    assert "Cohort A" not in html  # IA programme
    html = client.get("/cohorts/?sort=name&dir=desc").get_data(as_text=True)
    assert html.index(">Cohort 2<") < html.index(">Cohort 1<")
    html = client.get("/cohorts/?status=planning").get_data(as_text=True)
    assert ">Cohort 2<" in html and ">Cohort 1<" not in html
    html = client.get("/cohorts/?q=cohort%201").get_data(as_text=True)
    assert ">Cohort 1<" in html and ">Cohort 2<" not in html
    html = client.get("/cohorts/?q=nothing-like-this").get_data(as_text=True)
    assert "No cohort matches" in html


def test_cohort_list_counts(client: FlaskClient, world: World, cases: Cases) -> None:
    login(client, world.admin)
    html = client.get("/cohorts/?q=Cohort%201").get_data(as_text=True)
    row = html.split(">Cohort 1<", 1)[1].split("</tr>", 1)[0]
    cells = [c.split("<", 1)[0] for c in row.split('<td class="text-end">')[1:]]
    # Use cases (submitted ones: the draft is the bank's own), in review (submitted + under
    # review), pilot, production.
    assert cells == ["6", "2", "2", "1"]


def test_cohort_page(client: FlaskClient, world: World, cases: Cases) -> None:
    login(client, world.supervisor)
    html = client.get(f"/cohorts/{world.cohort.id}").get_data(as_text=True)
    assert "Deepfake voice detection" in html
    assert "with Kowloon AI Labs" in html
    assert "Red-team exercise" in html
    assert "Overdue by 30 days" in html
    assert "Every 30 days" in html


def test_institution_list(client: FlaskClient, world: World, cases: Cases) -> None:
    world.other_bank.name_zh = "獅子山銀行"
    f.create_institution(world.ia, name="Peak Insurance", kind=InstitutionKind.INSURER)
    db.session.commit()
    login(client, world.reviewer)
    html = client.get("/institutions/").get_data(as_text=True)
    assert "Harbour Bank" in html and "Kowloon AI Labs" in html
    assert "Peak Insurance" not in html  # IA-supervised, no case in the HKMA remit
    html = client.get("/institutions/?q=獅子山").get_data(as_text=True)
    assert "Lion Rock Bank" in html and "Harbour Bank" not in html
    html = client.get("/institutions/?kind=tech_partner").get_data(as_text=True)
    assert "Kowloon AI Labs" in html and "Harbour Bank" not in html
    html = client.get("/institutions/?sort=name&dir=desc").get_data(as_text=True)
    assert html.index("Lion Rock Bank") < html.index("Harbour Bank")
    html = client.get("/institutions/?kind=bogus").get_data(as_text=True)
    assert "was not understood" in html


def test_institution_page_counts_only_visible_cases(
    client: FlaskClient, world: World, cases: Cases
) -> None:
    login(client, world.reviewer)
    html = client.get(f"/institutions/{world.other_bank.id}").get_data(as_text=True)
    assert "Mule account detection" in html
    assert "Claims fraud screening" not in html  # IA programme
    login_partner = client.application.test_client()
    login(login_partner, world.partner_user)
    html = login_partner.get(f"/institutions/{world.partner.id}").get_data(as_text=True)
    assert "Partner to Harbour Bank" in html
