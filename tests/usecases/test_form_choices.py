"""Choices the user must make themselves: nothing preselected for them, and no contradictory
answer accepted."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tests.usecases.helpers import proposal_form
from tracker.extensions import db
from tracker.usecases.models import Message, Milestone, Stage, UseCase


@pytest.fixture
def pilot(world: World) -> UseCase:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.PILOT)
    db.session.commit()
    return uc


# ---------------------------------------------------------------- milestones


@pytest.mark.parametrize("status", ["in_progress", "planned", "dropped"])
def test_a_milestone_not_done_cannot_have_a_reached_date(
    client: FlaskClient, world: World, pilot: UseCase, status: str
) -> None:
    login(client, world.reviewer)
    response = client.post(
        f"/use-cases/{pilot.id}/milestones/new",
        data={
            "title": "Model validation",
            "planned_on": "2026-03-01",
            "actual_on": "2026-03-03",
            "status": status,
        },
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="actual_on-error"' in page
    assert "has no reached date: clear the date or mark it done." in page
    assert db.session.query(Milestone).count() == 0


def test_a_milestone_in_progress_without_a_date_is_saved(
    client: FlaskClient, world: World, pilot: UseCase
) -> None:
    login(client, world.reviewer)
    response = client.post(
        f"/use-cases/{pilot.id}/milestones/new",
        data={"title": "Model validation", "planned_on": "2026-03-01", "status": "in_progress"},
    )
    assert response.status_code == 302
    assert db.session.query(Milestone).one().actual_on is None


# ---------------------------------------------------------------- proposals


def _selected(page: str, select_id: str) -> list[str]:
    """The labels of the selected options of a <select>."""
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None, select_id
    return re.findall(r"<option selected[^>]*>([^<]*)</option>", select.group(1))


def test_the_new_proposal_form_preselects_no_category_technique_or_audience(
    client: FlaskClient, world: World
) -> None:
    login(client, world.bank_user)
    page = client.get("/use-cases/new").get_data(as_text=True)
    for select_id in ("category_id", "technique"):
        assert _selected(page, select_id) == ["Choose…"], select_id
    audience = re.findall(r'<input[^>]*name="audience"[^>]*>', page)
    assert len(audience) == 2
    assert not any("checked" in radio for radio in audience)


def test_a_proposal_without_those_choices_is_refused_with_clear_messages(
    client: FlaskClient, world: World
) -> None:
    login(client, world.bank_user)
    data = proposal_form(world, category_id="", technique="")
    del data["audience"]
    response = client.post("/use-cases/new", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Choose the category of the use case." in page
    assert "Choose the GenAI technique the use case relies on." in page
    assert "Say whether the use case faces customers or is internal." in page
    assert "Not a valid choice" not in page and "could not coerce" not in page
    assert db.session.query(UseCase).count() == 0


def test_editing_shows_the_choices_already_made(client: FlaskClient, world: World) -> None:
    login(client, world.bank_user)
    response = client.post("/use-cases/new", data=proposal_form(world))
    uc_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    page = client.get(f"/use-cases/{uc_id}/edit").get_data(as_text=True)
    assert _selected(page, "category_id") == ["Anti-fraud"]
    assert _selected(page, "technique") == ["Fine-tuning / model adaptation"]
    assert re.search(r'<input checked[^>]*name="audience"[^>]*value="customer"', page)


# ---------------------------------------------------------------- messages


def test_the_regulator_side_chooses_the_audience_of_every_message(
    client: FlaskClient, world: World, pilot: UseCase
) -> None:
    login(client, world.reviewer)
    page = client.get(f"/use-cases/{pilot.id}").get_data(as_text=True)
    radios = re.findall(r'<input[^>]*name="internal"[^>]*>', page)
    assert len(radios) == 2 and not any("checked" in r for r in radios)
    assert "Internal note (regulator only)" in page and "Message to the institution" in page

    response = client.post(f"/use-cases/{pilot.id}/messages", data={"body": "Unsure who"})
    assert response.status_code == 400
    assert "Choose whether this is an internal note or a message to the institution." in (
        response.get_data(as_text=True)
    )
    assert db.session.query(Message).count() == 0

    for choice, internal in (("internal", True), ("institution", False)):
        body = f"A message ({choice})"
        data = {"body": body, "internal": choice}
        assert client.post(f"/use-cases/{pilot.id}/messages", data=data).status_code == 302
        assert db.session.query(Message).filter_by(body=body).one().internal is internal


def test_institution_users_are_not_asked_who_reads_their_message(
    client: FlaskClient, world: World, pilot: UseCase
) -> None:
    login(client, world.bank_user)
    page = client.get(f"/use-cases/{pilot.id}").get_data(as_text=True)
    assert 'name="internal"' not in page
    response = client.post(f"/use-cases/{pilot.id}/messages", data={"body": "Hello"})
    assert response.status_code == 302
    assert db.session.query(Message).one().internal is False
