"""The calendar and clock settings pages, and the clocks on a use case's page: literal access
tables, POST behind CSRF, rules onto fields with the input kept, 409 on stale settings."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, csrf_token, login
from tracker.clocks.models import ClockSettings, RegulatorClosure
from tracker.extensions import db
from tracker.usecases.models import Stage, StageTransition

ROLES = ("admin", "reviewer", "sfc_reviewer", "supervisor", "bank_user", None)

# URL -> status for admin, HKMA staff (lead of {programme}), SFC staff (takes part),
# HKMA supervisor, bank user, anonymous. {other_cohort} is in the IA's programme.
GET_TABLE: list[tuple[str, tuple[int, int, int, int, int, int]]] = [
    ("/admin/closures/", (200, 403, 403, 403, 403, 302)),
    ("/admin/programmes/{programme}/clocks", (200, 200, 403, 403, 403, 302)),
    ("/admin/programmes/{other_programme}/clocks", (200, 404, 404, 403, 403, 302)),
    ("/admin/programmes/9999/clocks", (404, 404, 404, 403, 403, 302)),
    ("/admin/cohorts/{cohort}/clocks", (200, 200, 200, 403, 403, 302)),
    ("/admin/cohorts/{other_cohort}/clocks", (200, 404, 404, 403, 403, 302)),
    ("/admin/cohorts/9999/clocks", (404, 404, 404, 403, 403, 302)),
]
# POSTs with nothing filled in: a form re-renders with its errors (200), an action redirects.
POST_TABLE: list[tuple[str, tuple[int, int, int, int, int, int]]] = [
    ("/admin/closures/", (200, 403, 403, 403, 403, 302)),
    ("/admin/closures/{closure}/remove", (302, 403, 403, 403, 403, 302)),
    ("/admin/closures/9999/remove", (404, 403, 403, 403, 403, 302)),
    ("/admin/programmes/{programme}/clocks", (302, 302, 403, 403, 403, 302)),
    ("/admin/cohorts/{cohort}/clocks", (302, 302, 302, 403, 403, 302)),
    ("/admin/cohorts/{other_cohort}/clocks", (302, 404, 404, 403, 403, 302)),
]


@pytest.fixture
def closure(world: World) -> RegulatorClosure:
    row = RegulatorClosure(regulator_id=world.hkma.id, on=date(2026, 9, 1), name="Typhoon No. 8")
    db.session.add(row)
    db.session.commit()
    return row


def _url(template: str, world: World, closure: RegulatorClosure) -> str:
    return template.format(
        programme=world.programme.id,
        other_programme=world.other_programme.id,
        cohort=world.cohort.id,
        other_cohort=world.other_cohort.id,
        closure=closure.id,
    )


def _cases(method: str, table: list[tuple[str, tuple[int, ...]]]) -> list[object]:
    return [
        pytest.param(method, url, role, status, id=f"{method} {url}-{role or 'anonymous'}")
        for url, statuses in table
        for role, status in zip(ROLES, statuses, strict=True)
    ]


@pytest.mark.parametrize(
    ("method", "url", "role", "status"), _cases("GET", GET_TABLE) + _cases("POST", POST_TABLE)
)
def test_access(
    client: FlaskClient,
    world: World,
    closure: RegulatorClosure,
    method: str,
    url: str,
    role: str | None,
    status: int,
) -> None:
    if role:
        login(client, getattr(world, role))
    response = client.open(_url(url, world, closure), method=method, data={})
    assert response.status_code == status
    if role is None:
        assert response.headers["Location"].startswith("/login")


def test_removal_is_post_only(client: FlaskClient, world: World, closure: RegulatorClosure):
    login(client, world.admin)
    assert client.get(f"/admin/closures/{closure.id}/remove").status_code == 405


def test_admin_adds_and_removes_a_closure(client: FlaskClient, world: World):
    login(client, world.admin)
    page = client.get("/admin/closures/").get_data(as_text=True)
    assert "Christmas Day" in page  # the holidays the calendar already knows
    response = client.post(
        "/admin/closures/",
        data={"regulator_id": world.hkma.id, "on": "2026-09-01", "name": "Typhoon No. 8"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "HKMA is closed on 01 Sep 2026" in html
    closure = db.session.query(RegulatorClosure).one()
    assert (closure.name, closure.created_by_id) == ("Typhoon No. 8", world.admin.id)
    # The same day again: refused beside the field, with what was typed kept.
    response = client.post(
        "/admin/closures/",
        data={"regulator_id": world.hkma.id, "on": "2026-09-01", "name": "Again"},
    )
    html = response.get_data(as_text=True)
    assert "This closure is already recorded." in html
    assert 'value="Again"' in html
    assert db.session.query(RegulatorClosure).count() == 1
    response = client.post(f"/admin/closures/{closure.id}/remove", follow_redirects=True)
    assert "has been removed" in response.get_data(as_text=True)
    assert db.session.query(RegulatorClosure).count() == 0


def test_closure_pages_need_the_csrf_token(app: Flask, world: World, closure: RegulatorClosure):
    client = app.test_client()
    login(client, world.admin)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        data = {"regulator_id": world.hkma.id, "on": "2026-09-02", "name": "Rainstorm"}
        assert client.post("/admin/closures/", data=data).status_code == 400
        assert client.post(f"/admin/closures/{closure.id}/remove").status_code == 400
        assert db.session.query(RegulatorClosure).count() == 1
        token = csrf_token(client.get("/admin/closures/").get_data(as_text=True))
        response = client.post("/admin/closures/", data={**data, "csrf_token": token})
        assert response.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def _settings(**values: object) -> dict[str, object]:
    data: dict[str, object] = {
        f"{n}_{k}": ""
        for n in ("submitted", "under_review", "changes_requested", "pilot")
        for k in ("days", "unit")
    }
    data.update(values)
    return data


def test_cohort_clock_settings_through_the_page(client: FlaskClient, world: World):
    login(client, world.reviewer)
    url = f"/admin/cohorts/{world.cohort.id}/clocks"
    page = client.get(url).get_data(as_text=True)
    assert "10 working days (built-in)" in page
    response = client.post(url, data=_settings(submitted_days="0", under_review_days="21"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter a whole number of days from 1 to 730" in html
    assert 'value="21"' in html
    assert db.session.query(ClockSettings).count() == 0
    response = client.post(
        url, data=_settings(submitted_days="15", submitted_unit="calendar", version="")
    )
    assert response.status_code == 302
    row = db.session.query(ClockSettings).one()
    assert (row.submitted_days, row.submitted_working, row.version) == (15, False, 1)
    # A second form opened before that save is stale: 409, input kept, nothing saved.
    response = client.post(url, data=_settings(submitted_days="12", version=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "changed by someone else" in html
    assert 'value="12"' in html
    db.session.expire_all()
    assert db.session.query(ClockSettings).one().submitted_days == 15
    # Saving again from the conflict page carries the current version and applies the input.
    response = client.post(url, data=_settings(submitted_days="12", version="1"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.query(ClockSettings).one().submitted_days == 12


def test_programme_defaults_show_on_the_cohort_page(client: FlaskClient, world: World):
    login(client, world.admin)
    response = client.post(
        f"/admin/programmes/{world.programme.id}/clocks",
        data=_settings(under_review_days="21", version=""),
    )
    assert response.status_code == 302
    page = client.get(f"/admin/cohorts/{world.cohort.id}/clocks").get_data(as_text=True)
    assert "21 working days (programme)" in page


def _clocked_case(world: World) -> int:
    with_clock = f.create_use_case(
        world.cohort, world.bank, world.category, stage=Stage.DRAFT, title="Clocked"
    )
    submitted = datetime(2026, 2, 13, 2, 0)
    with_clock.stage = Stage.CHANGES_REQUESTED
    with_clock.submitted_at = submitted
    for at, stage in (
        (submitted, Stage.SUBMITTED),
        (datetime(2026, 3, 2, 2, 0), Stage.UNDER_REVIEW),
        (datetime(2026, 3, 16, 2, 0), Stage.CHANGES_REQUESTED),
    ):
        db.session.add(StageTransition(use_case=with_clock, action="seed", to_stage=stage, at=at))
    db.session.commit()
    return with_clock.id


def test_use_case_page_shows_clocks_by_side(app: Flask, world: World, freeze_time):  # type: ignore[no-untyped-def]
    freeze_time(datetime(2026, 3, 25, 2, 0))
    use_case_id = _clocked_case(world)
    reviewer = app.test_client()
    login(reviewer, world.reviewer)
    html = reviewer.get(f"/use-cases/{use_case_id}").get_data(as_text=True)
    section = html[html.index('id="clocks"') :]
    section = section[: section.index("</section>")]
    assert "Review decision" in section
    assert 'Paused since</dt><dd class="col-6 mb-0">16 Mar 2026' in section
    assert 'Used</dt><dd class="col-6 mb-0">10' in section
    assert "Applicant's response" in section or "Applicant&#39;s response" in section
    assert 'Due</dt><dd class="col-6 mb-0">16 Apr 2026' in section

    bank = app.test_client()
    login(bank, world.bank_user)
    html = bank.get(f"/use-cases/{use_case_id}").get_data(as_text=True)
    section = html[html.index('id="clocks"') :]
    section = section[: section.index("</section>")]
    # The institution sees its own clock in full and the regulator's clocks without their
    # internal performance (days used, lateness).
    assert 'Due</dt><dd class="col-6 mb-0">16 Apr 2026' in section
    assert section.count("Used</dt>") == 1
    assert "Paused since" in section

    other = app.test_client()
    login(other, world.other_bank_user)
    assert other.get(f"/use-cases/{use_case_id}").status_code == 404
