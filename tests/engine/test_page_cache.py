"""The page cache: a page is served again to the same reader until anything is committed, and
never to anyone else, never with a message to flash, never past the minute it was made in."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login, make_app
from tracker import pagecache
from tracker.extensions import db, utcnow
from tracker.usecases.models import Stage, UseCase

REDIS = "redis://127.0.0.1:6379/6"


def statements(client: FlaskClient, url: str) -> tuple[str, int]:
    """The page's HTML and how many SQL statements serving it ran."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return response.get_data(as_text=True), len(seen)


def pilot(world: World, title: str = "Scam call detection") -> UseCase:
    uc = f.create_use_case(
        world.cohort, world.bank, world.category, stage=Stage.SUBMITTED, title=title
    )
    db.session.commit()
    return uc


# At most the sign-in's own reads (the user, under session protection) on a page served again.
SERVED_AGAIN = 2


@pytest.fixture(autouse=True)
def _one_minute(freeze_time) -> None:
    """The clock held at this moment (a test may move it on): a page is kept for the minute it
    was made in, so two requests either side of a minute's turn would be two pages."""
    freeze_time(utcnow().replace(second=30, microsecond=0))


def test_a_page_served_again_skips_its_queries_and_is_the_same(client, world):
    pilot(world)
    login(client, world.reviewer)
    first, rendered = statements(client, "/use-cases/")
    again, served = statements(client, "/use-cases/")
    assert again == first
    assert "Scam call detection" in again
    assert rendered > SERVED_AGAIN >= served


def test_a_commit_is_on_the_next_page(client, world):
    uc = pilot(world)
    login(client, world.reviewer)
    statements(client, "/use-cases/")
    uc.title = "Mule account screening"
    db.session.commit()
    html, _n = statements(client, "/use-cases/")
    assert "Mule account screening" in html
    assert "Scam call detection" not in html


def test_a_write_outside_the_orm_is_on_the_next_page(client, world):
    uc = pilot(world)
    login(client, world.reviewer)
    statements(client, "/use-cases/")
    with db.engine.begin() as conn:
        conn.execute(sa.update(UseCase).where(UseCase.id == uc.id).values(title="Voice cloning"))
    html, _n = statements(client, "/use-cases/")
    assert "Voice cloning" in html


def test_a_rolled_back_change_keeps_the_page(client, world):
    uc = pilot(world)
    login(client, world.reviewer)
    statements(client, "/use-cases/")
    uc.title = "Never saved"
    db.session.flush()
    db.session.rollback()
    html, served = statements(client, "/use-cases/")
    assert "Scam call detection" in html
    assert served <= SERVED_AGAIN


def test_a_commit_in_another_process_is_on_the_next_page(client, world, database_url):
    """Another app on the same database and store (the worker, a second gunicorn worker)."""
    uc = pilot(world)
    login(client, world.reviewer)
    statements(client, "/use-cases/")
    other = make_app(database_url)
    with other.app_context():
        db.session.execute(
            sa.update(UseCase).where(UseCase.id == uc.id).values(title="From the worker")
        )
        db.session.commit()
        db.session.remove()
    html, _n = statements(client, "/use-cases/")
    assert "From the worker" in html


def test_each_reader_and_each_session_has_its_own_page(app, world):
    f.create_use_case(world.cohort, world.bank, world.category, title="Harbour draft")
    f.create_use_case(world.cohort, world.other_bank, world.category, title="Lion Rock draft")
    db.session.commit()
    bank, other_bank, bank_again = (app.test_client() for _ in range(3))
    login(bank, world.bank_user)
    login(other_bank, world.other_bank_user)
    login(bank_again, world.bank_user)
    for _ in range(2):
        mine, _n = statements(bank, "/use-cases/")
        theirs, _n = statements(other_bank, "/use-cases/")
        assert "Harbour draft" in mine and "Lion Rock draft" not in mine
        assert "Lion Rock draft" in theirs and "Harbour draft" not in theirs
    # The same user in another browser: a session of its own (its own CSRF token in the forms).
    _html, rendered = statements(bank_again, "/use-cases/")
    assert rendered > SERVED_AGAIN


def test_the_language_is_part_of_the_page(client, world):
    pilot(world)
    login(client, world.reviewer)
    for _ in range(2):
        chinese = client.get("/dashboard", headers={"Accept-Language": "zh-HK"})
        english = client.get("/dashboard", headers={"Accept-Language": "en"})
        assert 'lang="zh-Hant' in chinese.get_data(as_text=True)
        assert 'lang="en' in english.get_data(as_text=True)
    world.reviewer.language = "zh_Hant"
    db.session.commit()
    saved = client.get("/dashboard", headers={"Accept-Language": "en"})
    assert 'lang="zh-Hant' in saved.get_data(as_text=True)


def test_a_deactivated_user_is_signed_out_whatever_was_kept(client, world):
    pilot(world)
    login(client, world.reviewer)
    statements(client, "/use-cases/")
    world.reviewer.active = False
    db.session.commit()
    response = client.get("/use-cases/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_session_from_another_browser_is_not_served(client, world):
    pilot(world)
    login(client, world.reviewer)
    statements(client, "/use-cases/")
    response = client.get("/use-cases/", headers={"User-Agent": "another browser"})
    assert response.status_code == 302
    assert "Scam call detection" not in response.get_data(as_text=True)


def test_a_message_to_flash_is_shown_and_the_page_is_not_kept(client, world):
    pilot(world)
    login(client, world.reviewer)
    statements(client, "/use-cases/")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "The filter was saved.")]
    html, rendered = statements(client, "/use-cases/")
    assert "The filter was saved." in html
    assert rendered > SERVED_AGAIN
    html, _n = statements(client, "/use-cases/")
    assert "The filter was saved." not in html


def test_a_page_that_flashes_while_rendering_is_not_kept(client, world):
    login(client, world.reviewer)
    statements(client, "/board?clock=sometime")
    html, rendered = statements(client, "/board?clock=sometime")
    assert "was not understood" in html
    assert rendered > SERVED_AGAIN


def test_the_clock_moving_on_renders_the_page_again(client, world, freeze_time):
    freeze_time(datetime(2026, 3, 2, 2, 0))
    pilot(world)
    login(client, world.reviewer)
    statements(client, "/dashboard")
    _html, served = statements(client, "/dashboard")
    assert served <= SERVED_AGAIN
    freeze_time(datetime(2026, 3, 2, 2, 0) + timedelta(minutes=1))
    _html, rendered = statements(client, "/dashboard")
    assert rendered > SERVED_AGAIN


def test_a_lost_generation_comes_back_new(app: Flask):
    store = app.extensions["tracker.page_cache"]
    before = pagecache.generation(store)
    store.delete(pagecache.GENERATION)
    assert pagecache.generation(store) not in ("", "None", before)


def test_turned_off_every_page_is_rendered(database_url, world):
    off = make_app(database_url, PAGE_CACHE_SECONDS=0)
    with off.app_context():
        client = off.test_client()
        login(client, world.reviewer)
        for _ in range(2):
            _html, rendered = statements(client, "/use-cases/")
            assert rendered > SERVED_AGAIN
        db.session.remove()


@pytest.mark.xdist_group("processes")
def test_redis_keeps_pages_for_several_hosts(database_url, world, tmp_path: Path):
    redis.Redis.from_url(REDIS).ping()  # Redis runs on the development and CI machines.
    uc = pilot(world)
    hosts = [make_app(database_url, PAGE_CACHE_URL=REDIS) for _ in range(2)]
    with hosts[0].app_context():
        client = hosts[0].test_client()
        login(client, world.reviewer)
        statements(client, "/use-cases/")
        _html, served = statements(client, "/use-cases/")
        assert served <= SERVED_AGAIN
        db.session.remove()
    with hosts[1].app_context():
        db.session.execute(sa.update(UseCase).where(UseCase.id == uc.id).values(title="Elsewhere"))
        db.session.commit()
        db.session.remove()
    with hosts[0].app_context():
        html, _n = statements(client, "/use-cases/")
        assert "Elsewhere" in html
        db.session.remove()


def test_an_unreachable_store_renders_every_page(database_url, world):
    """Redis down: pages are rendered as if there were no cache, and commits still succeed."""
    down = make_app(database_url, PAGE_CACHE_URL="redis://127.0.0.1:1/0")
    with down.app_context():
        client = down.test_client()
        login(client, world.reviewer)
        for _ in range(2):
            _html, rendered = statements(client, "/use-cases/")
            assert rendered > SERVED_AGAIN
        world_user = db.session.get(type(world.reviewer), world.reviewer.id)
        world_user.language = "zh_Hant"
        db.session.commit()
        db.session.remove()
