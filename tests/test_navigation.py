""" "New proposal" is offered only where it leads to a cohort open to the user."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.conftest import World, login
from tracker.extensions import db
from tracker.programmes.models import CohortStatus

NEW = 'href="/use-cases/new"'


def _offers(client: FlaskClient) -> dict[str, int]:
    """How many links to the proposal form each page shows (menu included)."""
    return {
        url: client.get(url).get_data(as_text=True).count(NEW)
        for url in ("/dashboard", "/use-cases/")
    }


def test_a_bank_with_an_open_cohort_is_offered_a_new_proposal(
    client: FlaskClient, world: World
) -> None:
    login(client, world.bank_user)
    # The menu and the page's own button; the empty states add "Start a proposal".
    assert _offers(client) == {"/dashboard": 3, "/use-cases/": 3}


@pytest.mark.parametrize("status", [CohortStatus.PLANNING, CohortStatus.SELECTION])
def test_no_new_proposal_without_an_open_cohort(
    client: FlaskClient, world: World, status: CohortStatus
) -> None:
    world.cohort.status = world.other_cohort.status = status
    db.session.commit()
    login(client, world.bank_user)
    assert _offers(client) == {"/dashboard": 0, "/use-cases/": 0}


def test_no_new_proposal_when_the_open_cohorts_cover_another_sector(
    client: FlaskClient, world: World
) -> None:
    world.programme.sectors = world.other_programme.sectors = ["insurance"]
    db.session.commit()
    login(client, world.bank_user)
    assert _offers(client) == {"/dashboard": 0, "/use-cases/": 0}


def test_technology_partners_are_never_offered_one(client: FlaskClient, world: World) -> None:
    login(client, world.partner_user)
    assert _offers(client) == {"/dashboard": 0, "/use-cases/": 0}
