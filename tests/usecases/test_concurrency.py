"""When two users act on the same use case at once, exactly one change wins."""

from __future__ import annotations

import multiprocessing
from collections import Counter

import pytest
import sqlalchemy as sa

from tests import factories as f
from tests.conftest import World, login
from tests.usecases.helpers import act, proposal_form, version_of
from tests.usecases.race_worker import race
from tracker.extensions import db
from tracker.usecases.models import Stage, StageTransition, UseCase

PROCESSES = 4
ROUNDS = 5


@pytest.mark.slow
@pytest.mark.xdist_group("processes")
def test_racing_processes_leave_exactly_one_transition(world: World, database_url: str):
    use_cases = [
        f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
        for _ in range(ROUNDS)
    ]
    db.session.commit()
    ids = [uc.id for uc in use_cases]
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    # Half the racers start the review, half reject: only one of all of them may win each round.
    workers = [
        ctx.Process(
            target=race,
            args=(
                database_url,
                world.reviewer.id if i % 2 == 0 else world.sfc_reviewer.id,
                ids,
                "start_review" if i % 2 == 0 else "reject",
                barrier,
                results,
            ),
        )
        for i in range(PROCESSES)
    ]
    for w in workers:
        w.start()
    outcomes = [results.get(timeout=120) for _ in range(PROCESSES * ROUNDS)]
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    assert not [o for o in outcomes if o[1].startswith("error")], outcomes
    wins = Counter(uc_id for uc_id, outcome in outcomes if outcome == "won")
    assert wins == Counter(dict.fromkeys(ids, 1))
    db.session.expire_all()
    for uc_id in ids:
        count = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(StageTransition)
            .where(StageTransition.use_case_id == uc_id, StageTransition.reason == "race")
        )
        assert count == 1
        uc = db.session.get(UseCase, uc_id)
        assert uc is not None and uc.stage in (Stage.UNDER_REVIEW, Stage.REJECTED)
        assert uc.version == 2


def test_stale_transition_is_refused_plainly(client, world: World):
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    stale = version_of(uc.id)
    login(client, world.reviewer)
    assert act(client, uc.id, "start_review").status_code == 302
    response = client.post(
        f"/use-cases/{uc.id}/actions/request_changes",
        data={"version": stale, "reason": "Add the model card, please."},
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "changed by someone else since you opened it" in page
    assert "Add the model card, please." in page
    db.session.expire_all()
    assert db.session.get(UseCase, uc.id).stage is Stage.UNDER_REVIEW  # type: ignore[union-attr]


def test_stale_edit_keeps_what_the_user_typed(client, world: World):
    login(client, world.bank_user)
    response = client.post("/use-cases/new", data=proposal_form(world))
    uc_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    stale = version_of(uc_id)
    first = proposal_form(world, title="First edit", version=stale)
    assert client.post(f"/use-cases/{uc_id}/edit", data=first).status_code == 302
    second = proposal_form(world, title="Second edit typed carefully", version=stale)
    response = client.post(f"/use-cases/{uc_id}/edit", data=second)
    assert response.status_code == 409
    assert "Second edit typed carefully" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(UseCase, uc_id).title == "First edit"  # type: ignore[union-attr]


def test_stale_milestone_update_is_refused(client, world: World):
    from tracker.usecases import services
    from tracker.usecases.models import Milestone, MilestoneStatus

    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.PILOT)
    milestone = services.save_milestone(
        uc,
        None,
        user=world.reviewer,
        title="Model validation",
        planned_on=uc.pilot_started_on,
        actual_on=None,
        status=MilestoneStatus.PLANNED,
    )
    db.session.commit()
    login(client, world.reviewer)
    url = f"/use-cases/{uc.id}/milestones/{milestone.id}"
    form = {"title": "Model validation", "planned_on": "2026-01-10", "status": "in_progress"}
    assert client.post(url, data={**form, "version": "1"}).status_code == 302
    response = client.post(url, data={**form, "title": "Typed over", "version": "1"})
    assert response.status_code == 409
    assert "Typed over" in response.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.get(Milestone, milestone.id)
    assert saved is not None and (saved.title, saved.version) == ("Model validation", 2)
