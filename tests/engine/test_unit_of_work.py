"""The unit of work: one commit, events only after it, nothing after a rollback."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from tests import factories as f
from tests.conftest import World
from tracker import events
from tracker.extensions import db
from tracker.rules import ConflictError, RuleError
from tracker.unit_of_work import unit_of_work
from tracker.usecases import services
from tracker.usecases.models import Stage, StageTransition, UseCase
from tracker.usecases.workflow import BY_NAME


@pytest.fixture
def heard() -> list[events.Event]:
    received: list[events.Event] = []

    def listener(event: events.UseCaseMoved) -> None:
        # A subscriber runs after the commit: the change is already visible to a new query.
        stage = db.session.scalar(sa.select(UseCase.stage).where(UseCase.id == event.use_case_id))
        assert stage is not None and stage.value == event.to_stage
        received.append(event)

    events.subscribe(events.UseCaseMoved)(listener)
    yield received
    events._subscribers[events.UseCaseMoved].remove(listener)


def test_events_go_out_only_after_the_commit(world: World, heard: list[events.Event]) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    with unit_of_work():
        services.apply_transition(uc, BY_NAME["start_review"], world.reviewer, uc.version)
        assert heard == []  # recorded, not yet dispatched
    assert [(e.transition, e.actor_id) for e in heard] == [("start_review", world.reviewer.id)]


def test_a_refused_command_changes_nothing_and_tells_nobody(
    world: World, heard: list[events.Event]
) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.UNDER_REVIEW)
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(StageTransition))
    with pytest.raises(RuleError) as refused, unit_of_work():
        services.apply_transition(uc, BY_NAME["reject"], world.reviewer, uc.version, reason=" ")
    assert refused.value.errors == {"reason": ["Give the reason."]}
    db.session.expire_all()
    assert db.session.get(UseCase, uc.id).stage is Stage.UNDER_REVIEW
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StageTransition)) == before
    assert heard == []


def test_an_error_after_a_command_rolls_it_back_with_its_events(
    world: World, heard: list[events.Event]
) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    with pytest.raises(ZeroDivisionError), unit_of_work():
        services.apply_transition(uc, BY_NAME["start_review"], world.reviewer, uc.version)
        _ = 1 / 0
    db.session.expire_all()
    assert db.session.get(UseCase, uc.id).stage is Stage.SUBMITTED
    assert events.pending(db.session()) == []
    # The next unit of work does not carry the undone event along.
    with unit_of_work():
        pass
    assert heard == []


def test_a_lost_race_at_commit_is_a_conflict(world: World) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    seen = uc.version
    # Another writer moves the use case on behind this session's back.
    with db.engine.begin() as conn:
        conn.execute(sa.update(UseCase).where(UseCase.id == uc.id).values(version=seen + 1))
    with pytest.raises(ConflictError), unit_of_work():
        services.apply_transition(uc, BY_NAME["start_review"], world.reviewer, seen)
    db.session.expire_all()
    assert db.session.get(UseCase, uc.id).stage is Stage.SUBMITTED


def test_each_command_logs_one_structured_line(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    with caplog.at_level(logging.INFO, logger="tracker.commands"):
        with unit_of_work():
            services.apply_transition(uc, BY_NAME["start_review"], world.reviewer, uc.version)
        with pytest.raises(RuleError), unit_of_work():
            services.apply_transition(uc, BY_NAME["reject"], world.reviewer, uc.version)
    lines = [r for r in caplog.records if r.name == "tracker.commands"]
    assert [(r.action, r.outcome) for r in lines] == [  # type: ignore[attr-defined]
        ("use_case.transition", "ok"),
        ("use_case.reject", "refused"),
    ]
    assert lines[0].actor == world.reviewer.id  # type: ignore[attr-defined]
    assert lines[0].object == f"use_case:{uc.id}"  # type: ignore[attr-defined]


def test_a_race_lost_at_the_commit_itself_is_a_conflict(world: World) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    seen = uc.version
    with pytest.raises(ConflictError), unit_of_work():
        uc.title = "Changed without a flush"  # flushed, and found stale, only by the commit
        with db.engine.begin() as conn:
            conn.execute(sa.update(UseCase).where(UseCase.id == uc.id).values(version=seen + 1))
    db.session.expire_all()
    assert db.session.get(UseCase, uc.id).title != "Changed without a flush"


def test_events_recorded_before_a_plain_commit_do_not_leak_into_the_next_unit_of_work(
    world: World, heard: list[events.Event]
) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    services.apply_transition(uc, BY_NAME["start_review"], world.reviewer, uc.version)
    db.session.commit()  # set-up outside a unit of work
    with unit_of_work():
        pass
    assert heard == []
