"""The settable clock: ``frozen_at`` sets what ``utcnow`` and ``local_today`` answer, for the
current context only, and model defaults follow it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tracker import clock
from tracker.extensions import db, utcnow
from tracker.usecases.models import Stage

# 17:30 UTC is 01:30 the next day in Hong Kong.
EVENING_UTC = datetime(2025, 3, 1, 17, 30)


def test_frozen_clock_sets_utcnow_and_the_local_date():
    with clock.frozen_at(EVENING_UTC):
        assert utcnow() == EVENING_UTC
        assert clock.utcnow() == EVENING_UTC
        assert clock.local_today() == date(2025, 3, 2)
        assert clock.frozen_moment() == EVENING_UTC
        assert clock.days_since(datetime(2025, 2, 27, 3, 0)) == 3


def test_frozen_blocks_nest_and_the_real_clock_comes_back():
    with clock.frozen_at(EVENING_UTC):
        with clock.frozen_at(EVENING_UTC + timedelta(days=10)):
            assert utcnow() == EVENING_UTC + timedelta(days=10)
        assert utcnow() == EVENING_UTC
    assert clock.frozen_moment() is None
    real = datetime.now(UTC).replace(tzinfo=None)
    assert abs(utcnow() - real) < timedelta(seconds=5)


def test_an_aware_datetime_is_refused():
    with pytest.raises(ValueError, match="naive UTC"), clock.frozen_at(datetime.now(UTC)):
        pass
    assert clock.frozen_moment() is None


def test_another_thread_keeps_the_real_clock():
    seen: list[datetime] = []
    with clock.frozen_at(EVENING_UTC):
        worker = threading.Thread(target=lambda: seen.append(utcnow()))
        worker.start()
        worker.join()
    assert seen and seen[0] != EVENING_UTC


def test_model_defaults_use_the_frozen_clock():
    with clock.frozen_at(EVENING_UTC):
        programme = f.create_programme(f.create_regulator())
        cohort = f.create_cohort(programme)
    assert cohort.created_at == EVENING_UTC


def test_freeze_time_fixture(freeze_time: Callable[[datetime], datetime]):
    freeze_time(EVENING_UTC)
    assert clock.local_today() == date(2025, 3, 2)
    freeze_time(EVENING_UTC + timedelta(hours=12))
    assert utcnow() == EVENING_UTC + timedelta(hours=12)


def test_a_frozen_clock_holds_for_the_test_clients_requests(
    world: World, client: FlaskClient, freeze_time: Callable[[datetime], datetime]
):
    uc = f.create_use_case(
        world.cohort,
        world.bank,
        world.category,
        stage=Stage.PILOT,
        pilot_started_on=date(2025, 3, 3),
    )
    db.session.commit()
    login(client, world.bank_user)
    freeze_time(datetime(2025, 3, 2, 4, 0))  # the day before the pilot starts, in Hong Kong
    assert "File progress return" not in client.get(f"/use-cases/{uc.id}").get_data(as_text=True)
    freeze_time(datetime(2025, 3, 3, 4, 0))
    assert "File progress return" in client.get(f"/use-cases/{uc.id}").get_data(as_text=True)
