"""Cohorts: creation with the default criteria, dates, the criteria list, closing, remit."""

from __future__ import annotations

import sqlalchemy as sa
from flask.testing import FlaskClient

from tests import factories as f
from tests.admin.test_reference_data import error_beside
from tests.conftest import World, login
from tracker.auth.models import Role
from tracker.extensions import db
from tracker.programmes.models import DEFAULT_CRITERIA, Cohort, CohortStatus, SelectionCriterion
from tracker.usecases.models import Review, ReviewScore, Stage


def _cohort_data(world: World, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "programme_id": str(world.programme.id),
        "name": "Cohort 2",
        "applications_open_on": "2025-04-28",
        "applications_close_on": "2025-07-31",
        "selection_on": "2025-10-10",
        "pilot_starts_on": "2025-11-01",
        "pilot_ends_on": "2026-04-30",
        "status": "open",
        "return_interval_days": "30",
    }
    data.update(overrides)
    return data


def _edit_data(cohort: Cohort, criteria: str, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "programme_id": str(cohort.programme_id),
        "name": cohort.name,
        "status": cohort.status.value,
        "return_interval_days": str(cohort.return_interval_days),
        "criteria_text": criteria,
    }
    data.update(overrides)
    return data


def _criteria(cohort_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(SelectionCriterion.name)
            .where(SelectionCriterion.cohort_id == cohort_id)
            .order_by(SelectionCriterion.position)
        )
    )


def _score(world: World, criterion_name: str) -> None:
    """A reviewer's score against one of ``world.cohort``'s criteria."""
    use_case = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.UNDER_REVIEW)
    review = Review(use_case_id=use_case.id, reviewer_id=world.reviewer.id)
    db.session.add(review)
    db.session.flush()
    criterion = next(c for c in world.cohort.criteria if c.name == criterion_name)
    db.session.add(ReviewScore(review_id=review.id, criterion_id=criterion.id, score=4))
    db.session.commit()


def test_create_cohort_with_default_criteria(admin_client: FlaskClient, world: World) -> None:
    response = admin_client.post("/admin/cohorts/new", data=_cohort_data(world))
    assert response.status_code == 302
    cohort = db.session.scalar(sa.select(Cohort).where(Cohort.name == "Cohort 2"))
    assert cohort is not None
    assert cohort.programme_id == world.programme.id
    assert cohort.status is CohortStatus.OPEN
    assert str(cohort.selection_on) == "2025-10-10"
    assert cohort.return_interval_days == 30
    assert _criteria(cohort.id) == list(DEFAULT_CRITERIA)


def test_new_cohort_form_starts_in_planning(admin_client: FlaskClient, world: World) -> None:
    html = admin_client.get("/admin/cohorts/new").get_data(as_text=True)
    assert '<option selected value="planning">Planning</option>' in html
    assert 'value="30"' in html


def test_window_closing_before_it_opens_is_refused(admin_client: FlaskClient, world: World) -> None:
    data = _cohort_data(world, applications_close_on="2025-04-01")
    response = admin_client.post("/admin/cohorts/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_beside(html, "applications_close_on") == (
        "Applications cannot close before they open."
    )
    assert 'value="2025-04-01"' in html
    assert 'value="Cohort 2"' in html
    assert db.session.scalar(sa.select(Cohort).where(Cohort.name == "Cohort 2")) is None


def test_other_date_and_number_rules(admin_client: FlaskClient, world: World) -> None:
    data = _cohort_data(
        world, selection_on="2025-07-01", pilot_ends_on="2025-10-01", return_interval_days="0"
    )
    html = admin_client.post("/admin/cohorts/new", data=data).get_data(as_text=True)
    assert error_beside(html, "selection_on") == (
        "Selection cannot be announced before applications close."
    )
    assert error_beside(html, "pilot_ends_on") == "Pilots cannot end before they start."
    assert error_beside(html, "return_interval_days") == "Enter a number of days from 1 to 366."


def test_cohort_name_is_unique_within_its_programme(
    admin_client: FlaskClient, world: World
) -> None:
    html = admin_client.post(
        "/admin/cohorts/new", data=_cohort_data(world, name="cohort 1")
    ).get_data(as_text=True)
    assert error_beside(html, "name") == "This programme already has a cohort with this name."
    # The same name in another programme is fine.
    data = _cohort_data(world, name="Cohort 1", programme_id=str(world.other_programme.id))
    assert admin_client.post("/admin/cohorts/new", data=data).status_code == 302


def test_edit_cohort_and_its_criteria(admin_client: FlaskClient, world: World) -> None:
    html = admin_client.get(f"/admin/cohorts/{world.cohort.id}/edit").get_data(as_text=True)
    assert "Innovation\nTechnical sophistication" in html
    criteria = "Technical sophistication\ninnovation\n\n  Consumer benefit  \n"
    data = _edit_data(world.cohort, criteria, name="Cohort 1 (2024)", return_interval_days="14")
    response = admin_client.post(f"/admin/cohorts/{world.cohort.id}/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    cohort = db.session.get_one(Cohort, world.cohort.id)
    assert cohort.name == "Cohort 1 (2024)"
    assert cohort.return_interval_days == 14
    assert _criteria(cohort.id) == ["Technical sophistication", "innovation", "Consumer benefit"]


def test_renaming_a_criterion_by_case_keeps_its_scores(
    admin_client: FlaskClient, world: World
) -> None:
    _score(world, "Innovation")
    criterion_id = world.cohort.criteria[0].id
    criteria = "INNOVATION\n" + "\n".join(DEFAULT_CRITERIA[1:])
    data = _edit_data(world.cohort, criteria)
    assert admin_client.post(f"/admin/cohorts/{world.cohort.id}/edit", data=data).status_code == 302
    renamed = db.session.get_one(SelectionCriterion, criterion_id)
    db.session.refresh(renamed)
    assert renamed.name == "INNOVATION"


def test_a_scored_criterion_cannot_be_removed(admin_client: FlaskClient, world: World) -> None:
    _score(world, "Innovation")
    criteria = "\n".join(DEFAULT_CRITERIA[1:])
    data = _edit_data(world.cohort, criteria, name="Renamed cohort")
    response = admin_client.post(f"/admin/cohorts/{world.cohort.id}/edit", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    message = error_beside(html, "criteria_text")
    assert "“Innovation” (1 scores)" in message
    assert "keep it in the list" in message
    # What the user typed is kept; nothing was saved, not even the other changes.
    assert 'value="Renamed cohort"' in html
    assert "Technical sophistication\nContribution to the industry" in html
    db.session.expire_all()
    assert db.session.get_one(Cohort, world.cohort.id).name == "Cohort 1"
    assert _criteria(world.cohort.id) == list(DEFAULT_CRITERIA)


def test_unscored_criterion_can_be_removed(admin_client: FlaskClient, world: World) -> None:
    _score(world, "Innovation")
    data = _edit_data(world.cohort, "Innovation\nTechnical sophistication")
    assert admin_client.post(f"/admin/cohorts/{world.cohort.id}/edit", data=data).status_code == 302
    assert _criteria(world.cohort.id) == ["Innovation", "Technical sophistication"]


def test_criteria_list_rules(admin_client: FlaskClient, world: World) -> None:
    url = f"/admin/cohorts/{world.cohort.id}/edit"
    html = admin_client.post(url, data=_edit_data(world.cohort, " \n ")).get_data(as_text=True)
    assert error_beside(html, "criteria_text") == "List at least one criterion."
    twice = _edit_data(world.cohort, "Innovation\ninnovation")
    html = admin_client.post(url, data=twice).get_data(as_text=True)
    assert error_beside(html, "criteria_text") == "“innovation” is listed twice."
    long = _edit_data(world.cohort, "x" * 121)
    html = admin_client.post(url, data=long).get_data(as_text=True)
    assert error_beside(html, "criteria_text").startswith("Keep each criterion to 120 characters")


def test_cohort_with_use_cases_stays_in_its_programme(
    admin_client: FlaskClient, world: World
) -> None:
    f.create_use_case(world.cohort, world.bank, world.category)
    db.session.commit()
    data = _edit_data(
        world.cohort,
        "\n".join(DEFAULT_CRITERIA),
        programme_id=str(world.other_programme.id),
    )
    html = admin_client.post(f"/admin/cohorts/{world.cohort.id}/edit", data=data).get_data(
        as_text=True
    )
    # Only a draft is in the cohort: the refusal must not tell anyone it exists.
    error = error_beside(html, "programme_id")
    assert error == (
        "Institutions may be preparing proposals in this cohort, so it cannot move to another "
        "programme."
    )
    assert "draft" not in error.lower()
    db.session.refresh(world.cohort)
    assert world.cohort.programme_id == world.programme.id


def test_close_cohort(admin_client: FlaskClient, world: World) -> None:
    response = admin_client.post(f"/admin/cohorts/{world.cohort.id}/close")
    assert response.status_code == 302
    db.session.refresh(world.cohort)
    assert world.cohort.status is CohortStatus.CLOSED
    html = admin_client.get("/admin/cohorts/").get_data(as_text=True)
    assert ">Closed<" in html
    assert f"/admin/cohorts/{world.cohort.id}/close" not in html


def test_regulator_staff_see_and_manage_cohorts_in_remit(
    reviewer_client: FlaskClient, world: World
) -> None:
    html = reviewer_client.get("/admin/cohorts/").get_data(as_text=True)
    assert "Cohort 1" in html
    assert "Cohort A" not in html  # the IA's programme
    form = reviewer_client.get("/admin/cohorts/new").get_data(as_text=True)
    assert "GenA.I. Sandbox" in form
    assert "Insurance Sandbox" not in form

    assert reviewer_client.post("/admin/cohorts/new", data=_cohort_data(world)).status_code == 302
    outside = _cohort_data(world, name="Sneaky", programme_id=str(world.other_programme.id))
    html = reviewer_client.post("/admin/cohorts/new", data=outside).get_data(as_text=True)
    assert "Not a valid choice" in error_beside(html, "programme_id")
    assert db.session.scalar(sa.select(Cohort).where(Cohort.name == "Sneaky")) is None


def test_participating_regulator_may_edit_cohort(client: FlaskClient, world: World) -> None:
    login(client, world.sfc_reviewer)
    data = _edit_data(world.cohort, "\n".join(DEFAULT_CRITERIA), status="selection")
    assert client.post(f"/admin/cohorts/{world.cohort.id}/edit", data=data).status_code == 302
    db.session.refresh(world.cohort)
    assert world.cohort.status is CohortStatus.SELECTION


def test_staff_without_a_programme_cannot_create_cohorts(client: FlaskClient, world: World) -> None:
    mpfa = f.create_regulator("MPFA")
    staff = f.create_user(Role.REGULATOR, regulator=mpfa)
    db.session.commit()
    login(client, staff)
    assert client.get("/admin/cohorts/new").status_code == 403
    html = client.get("/admin/cohorts/").get_data(as_text=True)
    assert "No cohorts yet" in html
    assert "/admin/cohorts/new" not in html


def test_admin_without_programmes_is_sent_to_create_one(
    admin_client: FlaskClient, world: World
) -> None:
    for programme in (world.programme, world.other_programme):
        admin_client.post(f"/admin/programmes/{programme.id}/deactivate")
    response = admin_client.get("/admin/cohorts/new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/programmes/new"


def test_only_the_lead_regulator_moves_a_cohort_to_another_programme(
    client: FlaskClient, world: World
) -> None:
    # An SFC-led programme in which the HKMA also takes part: both can set up cohorts in it.
    sfc_programme = f.create_programme(world.sfc, [world.hkma], name="Securities Sandbox")
    db.session.commit()
    move = _edit_data(world.cohort, "\n".join(DEFAULT_CRITERIA), programme_id=str(sfc_programme.id))
    login(client, world.sfc_reviewer)  # participates in the cohort's HKMA-led programme
    assert client.post(f"/admin/cohorts/{world.cohort.id}/edit", data=move).status_code == 403
    db.session.refresh(world.cohort)
    assert world.cohort.programme_id == world.programme.id
    client.post("/logout", data={})
    login(client, world.reviewer)  # staff of the lead regulator
    assert client.post(f"/admin/cohorts/{world.cohort.id}/edit", data=move).status_code == 302
    db.session.refresh(world.cohort)
    assert world.cohort.programme_id == sfc_programme.id
