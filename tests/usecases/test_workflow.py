"""The workflow table, checked against a literal table of who may do what at each stage."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.conftest import World
from tracker.extensions import db
from tracker.programmes.models import CohortStatus
from tracker.usecases import workflow
from tracker.usecases.models import HistoryIsAppendOnlyError, Stage, StageTransition

# (stage, who) -> the actions allowed. "bank" leads the use case, "reviewer" is HKMA staff in
# the programme, "sfc" is staff of a participating regulator, "ia" takes no part, "partner" is
# the named technology partner, "other_bank" is a competitor, "supervisor" reads only.
# Selection needs a complete review, so the under-review rows are given with and without one.
EXPECTED: list[tuple[Stage, str, set[str]]] = [
    (Stage.DRAFT, "bank", {"submit", "withdraw"}),
    (Stage.DRAFT, "reviewer", set()),
    (Stage.SUBMITTED, "bank", {"withdraw"}),
    (Stage.SUBMITTED, "reviewer", {"start_review", "reject"}),
    (Stage.SUBMITTED, "sfc", {"start_review", "reject"}),
    (Stage.SUBMITTED, "ia", set()),
    (Stage.SUBMITTED, "supervisor", set()),
    (Stage.SUBMITTED, "partner", set()),
    (Stage.SUBMITTED, "other_bank", set()),
    (Stage.UNDER_REVIEW, "bank", {"withdraw"}),
    (Stage.UNDER_REVIEW, "reviewer", {"request_changes", "reject"}),
    (Stage.CHANGES_REQUESTED, "bank", {"resubmit", "withdraw"}),
    (Stage.CHANGES_REQUESTED, "reviewer", set()),
    (Stage.SELECTED, "bank", {"withdraw"}),
    # No agreed sandbox plan yet: the start waits for one (tests/plans).
    (Stage.SELECTED, "reviewer", {"discontinue"}),
    (Stage.PILOT, "bank", {"withdraw"}),
    (Stage.PILOT, "reviewer", {"suspend", "approve_production", "discontinue"}),
    (Stage.PILOT, "supervisor", set()),
    (Stage.SUSPENDED, "bank", {"withdraw"}),
    (Stage.SUSPENDED, "reviewer", {"resume", "discontinue"}),
    (Stage.PRODUCTION, "bank", set()),
    (Stage.PRODUCTION, "reviewer", set()),
    (Stage.REJECTED, "reviewer", set()),
    (Stage.WITHDRAWN, "bank", set()),
    (Stage.DISCONTINUED, "reviewer", set()),
]

WHO = {
    "bank": "bank_user",
    "reviewer": "reviewer",
    "sfc": "sfc_reviewer",
    "ia": "ia_reviewer",
    "supervisor": "supervisor",
    "partner": "partner_user",
    "other_bank": "other_bank_user",
}


@pytest.mark.parametrize(("stage", "who", "allowed"), EXPECTED)
def test_allowed_actions(world: World, stage: Stage, who: str, allowed: set[str]):
    uc = f.create_use_case(
        world.cohort, world.bank, world.category, stage=stage, partners=[world.partner]
    )
    user = getattr(world, WHO[who])
    assert {t.name for t in workflow.allowed_transitions(uc, user)} == allowed


def _score_everything(world: World, uc) -> None:  # type: ignore[no-untyped-def]
    from tracker.usecases.services import save_review

    save_review(uc, world.reviewer, {c.id: (3, "") for c in world.cohort.criteria}, "")
    db.session.expire(uc, ["reviews"])


def test_select_needs_a_complete_review(world: World):
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.UNDER_REVIEW)
    assert "select" not in {t.name for t in workflow.allowed_transitions(uc, world.reviewer)}
    assert [t.name for t in workflow.blocked_transitions(uc, world.reviewer)] == ["select"]
    _score_everything(world, uc)
    assert {t.name for t in workflow.allowed_transitions(uc, world.reviewer)} == {
        "request_changes",
        "select",
        "reject",
    }


def test_submit_needs_an_open_cohort(world: World):
    uc = f.create_use_case(world.cohort, world.bank, world.category)
    world.cohort.status = CohortStatus.SELECTION
    assert {t.name for t in workflow.allowed_transitions(uc, world.bank_user)} == {"withdraw"}
    assert workflow.blocked_transitions(uc, world.bank_user)[0].name == "submit"


def test_every_stage_is_reachable_and_every_transition_is_declared_once():
    names = [t.name for t in workflow.TRANSITIONS]
    assert len(names) == len(set(names))
    reachable = {Stage.DRAFT} | {t.target for t in workflow.TRANSITIONS}
    assert reachable == set(Stage)


def test_history_rows_cannot_be_changed_or_deleted(world: World):
    f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    row = db.session.query(StageTransition).one()
    row.reason = "rewritten"
    with pytest.raises(HistoryIsAppendOnlyError):
        db.session.flush()
    db.session.rollback()
    row = db.session.query(StageTransition).first()
    db.session.delete(row)
    with pytest.raises(HistoryIsAppendOnlyError):
        db.session.flush()
    db.session.rollback()


def test_the_stage_sets_derive_from_the_phases_table() -> None:
    from tracker.usecases import workflow as w

    assert {Stage.DRAFT, Stage.CHANGES_REQUESTED} == w.EDITABLE_STAGES
    assert {Stage.SUBMITTED, Stage.UNDER_REVIEW} == w.REVIEW_STAGES
    assert {Stage.SELECTED, Stage.PILOT, Stage.SUSPENDED} == w.MILESTONE_STAGES
    assert {Stage.PILOT, Stage.SUSPENDED} == w.PILOT_STAGES
    assert {
        Stage.REJECTED,
        Stage.PRODUCTION,
        Stage.DISCONTINUED,
        Stage.WITHDRAWN,
    } == w.CLOSED_STAGES
    assert {
        Stage.SELECTED,
        Stage.PILOT,
        Stage.SUSPENDED,
        Stage.PRODUCTION,
        Stage.DISCONTINUED,
    } == w.SELECTED_OR_LATER
    assert {Stage.PILOT, Stage.SUSPENDED, Stage.PRODUCTION} == w.PILOT_OR_LATER
    assert w.STAGE_ORDER[0] is Stage.DRAFT and w.STAGE_ORDER[-1] is Stage.DISCONTINUED
    assert set(w.STAGE_ORDER) == set(Stage)
    # Withdrawal is possible until the use case closes.
    assert w.BY_NAME["withdraw"].sources == w.OPEN_STAGES
