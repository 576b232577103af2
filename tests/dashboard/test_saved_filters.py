"""Saved filters on the use-case list: named, found again, their owner's alone."""

from __future__ import annotations

import sqlalchemy as sa
from flask.testing import FlaskClient

from tests.conftest import World, login
from tests.dashboard.conftest import Cases
from tracker.extensions import db
from tracker.usecases.saved_filters import SavedFilter


def _save(client: FlaskClient, name: str, **filters: object):  # type: ignore[no-untyped-def]
    return client.post("/use-cases/saved-filters", data={"name": name, **filters})


def test_a_user_saves_a_filter_and_finds_it_again(
    client: FlaskClient, world: World, cases: Cases
) -> None:
    login(client, world.reviewer)
    response = _save(client, "Pilots by title", stage="pilot", sort="title", dir="asc")
    assert response.status_code == 302
    assert "stage=pilot" in response.headers["Location"]
    saved = db.session.scalars(sa.select(SavedFilter)).one()
    assert (saved.user_id, saved.name) == (world.reviewer.id, "Pilots by title")
    html = client.get("/use-cases/").get_data(as_text=True)
    assert f'href="/use-cases/saved-filters/{saved.id}">Pilots by title</a>' in html
    opened = client.get(f"/use-cases/saved-filters/{saved.id}")
    assert opened.status_code == 302
    assert opened.headers["Location"] == "/use-cases/?dir=asc&sort=title&stage=pilot"
    page = client.get(opened.headers["Location"]).get_data(as_text=True)
    assert "Deepfake voice detection" in page and "AML alert triage" not in page


def test_saving_under_the_same_name_replaces_it(
    client: FlaskClient, world: World, cases: Cases
) -> None:
    login(client, world.reviewer)
    _save(client, "Mine", stage="pilot")
    _save(client, "Mine", stage="submitted")
    assert db.session.scalars(sa.select(SavedFilter.query)).all() == ["stage=submitted"]


def test_a_filter_needs_a_name(client: FlaskClient, world: World, cases: Cases) -> None:
    login(client, world.reviewer)
    response = _save(client, "   ", stage="pilot")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(SavedFilter.id))) == 0
    assert "Give the filter a name." in client.get("/use-cases/").get_data(as_text=True)


def test_another_users_filter_is_not_found(client: FlaskClient, world: World, cases: Cases) -> None:
    login(client, world.reviewer)
    _save(client, "Reviewer's", stage="pilot")
    saved_id = db.session.scalars(sa.select(SavedFilter.id)).one()
    client.post("/logout")
    login(client, world.admin)
    assert f"/use-cases/saved-filters/{saved_id}" not in client.get("/use-cases/").get_data(
        as_text=True
    )
    assert client.get(f"/use-cases/saved-filters/{saved_id}").status_code == 404
    assert client.post(f"/use-cases/saved-filters/{saved_id}/delete").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(SavedFilter.id))) == 1


def test_the_owner_deletes_a_filter(client: FlaskClient, world: World, cases: Cases) -> None:
    login(client, world.reviewer)
    _save(client, "Temporary", q="scam")
    saved_id = db.session.scalars(sa.select(SavedFilter.id)).one()
    assert client.post(f"/use-cases/saved-filters/{saved_id}/delete").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(SavedFilter.id))) == 0
    assert client.get(f"/use-cases/saved-filters/{saved_id}").status_code == 404


def test_the_save_form_carries_the_filters(client: FlaskClient, world: World, cases: Cases) -> None:
    login(client, world.reviewer)
    html = client.get("/use-cases/?stage=pilot&q=voice").get_data(as_text=True)
    form = html.split('action="/use-cases/saved-filters"', 1)[1].split("</form>", 1)[0]
    assert '<input type="hidden" name="stage" value="pilot">' in form
    assert '<input type="hidden" name="q" value="voice">' in form
