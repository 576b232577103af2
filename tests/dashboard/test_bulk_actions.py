"""Bulk actions on the use-case list: regulator staff apply one lifecycle action to several
proposals, each through the same command as the single action, all or nothing."""

from __future__ import annotations

import sqlalchemy as sa
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tracker.extensions import db
from tracker.usecases.listing import BULK_TRANSITIONS
from tracker.usecases.models import Stage, StageTransition, UseCase


def _items(*use_cases: UseCase) -> list[str]:
    return [f"{uc.id}:{uc.version}" for uc in use_cases]


def _stages(*use_cases: UseCase) -> list[Stage]:
    db.session.expire_all()
    return [db.session.get_one(UseCase, uc.id).stage for uc in use_cases]


def _flashes(client: FlaskClient) -> str:
    return client.get("/use-cases/").get_data(as_text=True)


def test_bulk_actions_are_the_note_only_regulator_transitions() -> None:
    # Written out: the table's regulator-side actions that need no reason and no terms.
    assert [t.name for t in BULK_TRANSITIONS] == ["start_review", "select"]


def test_start_review_on_several_submitted_proposals(client: FlaskClient, world: World) -> None:
    first, second = (
        f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
        for _ in range(2)
    )
    db.session.commit()
    login(client, world.reviewer)
    response = client.post(
        "/use-cases/bulk?stage=submitted",
        data={"action": "start_review", "items": _items(first, second)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/use-cases/?stage=submitted"
    assert _stages(first, second) == [Stage.UNDER_REVIEW, Stage.UNDER_REVIEW]
    history = db.session.scalars(
        sa.select(StageTransition).where(StageTransition.action == "start_review")
    ).all()
    assert sorted(t.use_case_id for t in history) == sorted([first.id, second.id])
    assert {t.actor_id for t in history} == {world.reviewer.id}
    assert "Start review: done for 2 use cases." in _flashes(client)


def test_one_refused_means_none_changed(client: FlaskClient, world: World) -> None:
    submitted = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    in_review = f.create_use_case(
        world.cohort, world.bank, world.category, stage=Stage.UNDER_REVIEW
    )
    db.session.commit()
    login(client, world.reviewer)
    client.post(
        "/use-cases/bulk", data={"action": "start_review", "items": _items(submitted, in_review)}
    )
    assert _stages(submitted, in_review) == [Stage.SUBMITTED, Stage.UNDER_REVIEW]
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(StageTransition.action == "start_review")
        )
        == 0
    )
    html = _flashes(client)
    assert "Nothing was changed: Start review is not possible for" in html
    assert f"{in_review.reference} (it is under review)" in html
    assert submitted.reference + " (" not in html


def test_a_guard_refuses_with_its_reason(client: FlaskClient, world: World) -> None:
    unscored = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.UNDER_REVIEW)
    db.session.commit()
    login(client, world.reviewer)
    client.post("/use-cases/bulk", data={"action": "select", "items": _items(unscored)})
    assert _stages(unscored) == [Stage.UNDER_REVIEW]
    assert "Selection needs at least one review scoring every criterion" in _flashes(client)


def test_a_stale_row_is_refused(client: FlaskClient, world: World) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    login(client, world.reviewer)
    client.post("/use-cases/bulk", data={"action": "start_review", "items": [f"{uc.id}:0"]})
    assert _stages(uc) == [Stage.SUBMITTED]
    assert f"{uc.reference} (it changed since the list was loaded)" in _flashes(client)


def test_outside_the_remit_is_not_found(client: FlaskClient, world: World) -> None:
    theirs = f.create_use_case(
        world.other_cohort, world.other_bank, world.category, stage=Stage.SUBMITTED
    )
    db.session.commit()
    login(client, world.reviewer)
    client.post("/use-cases/bulk", data={"action": "start_review", "items": _items(theirs)})
    assert _stages(theirs) == [Stage.SUBMITTED]
    assert f"{theirs.reference} (not found)" in _flashes(client)


def test_only_regulator_staff_and_only_bulk_actions(client: FlaskClient, world: World) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    login(client, world.bank_user)
    assert "uc-bulk" not in client.get("/use-cases/").get_data(as_text=True)
    response = client.post("/use-cases/bulk", data={"action": "start_review", "items": _items(uc)})
    assert response.status_code == 403
    client.post("/logout")
    login(client, world.reviewer)
    html = client.get("/use-cases/").get_data(as_text=True)
    assert f'value="{uc.id}:{uc.version}" form="uc-bulk"' in html
    # Rejection needs a reason: it is never applied in bulk.
    response = client.post("/use-cases/bulk", data={"action": "reject", "items": _items(uc)})
    assert response.status_code == 400
    assert _stages(uc) == [Stage.SUBMITTED]
