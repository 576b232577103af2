"""What a user may see is built once per request (``per_user``), for the user as they are: a
change of role, organisation or activity builds it afresh, so no clause outlives its user."""

from __future__ import annotations

import sqlalchemy as sa

from tests import factories as f
from tests.conftest import World
from tracker.auth.models import Role
from tracker.extensions import db
from tracker.usecases.models import Stage, UseCase
from tracker.usecases.permissions import visible_filter


def _seen(user: object) -> set[int]:
    return set(db.session.scalars(sa.select(UseCase.id).where(visible_filter(user))))  # type: ignore[arg-type]


def test_the_clause_is_built_once_per_request_for_the_user_as_they_are(world: World) -> None:
    own = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    other = f.create_use_case(world.cohort, world.other_bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    user = world.bank_user
    hkma_id, other_bank_id, bank_id = world.hkma.id, world.other_bank.id, world.bank.id
    assert visible_filter(user) is visible_filter(user)
    assert _seen(user) == {own.id}

    user.institution_id = other_bank_id  # moved to another institution
    assert _seen(user) == {other.id}
    user.institution_id = bank_id
    assert _seen(user) == {own.id}

    user.role = Role.SUPERVISOR  # now on the regulator side
    user.institution_id = None
    user.regulator_id = hkma_id
    assert _seen(user) == {own.id, other.id}

    user.active = False
    assert _seen(user) == set()
    db.session.rollback()


def test_outside_a_request_the_clause_is_built_each_time(app: object, world: World) -> None:
    user = world.bank_user
    with app.app_context():  # type: ignore[attr-defined]
        first = visible_filter(user)
    with app.app_context():  # type: ignore[attr-defined]
        assert visible_filter(user) is not first
