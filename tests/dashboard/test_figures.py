"""The kept use-case counts (``use_case_count``) stay equal to a recount of the use cases
whatever the commands do, and the pages that read them show what counting the use cases shows."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from tests import factories as f
from tests.conftest import World
from tracker.extensions import db
from tracker.rules import ConflictError, NotAllowedError, RuleError
from tracker.unit_of_work import unit_of_work
from tracker.usecases import figures, services, workspace
from tracker.usecases.figures import UseCaseCount
from tracker.usecases.models import Stage, UseCase
from tracker.usecases.workflow import TRANSITIONS, Side, Transition
from tracker.usecases.workspace import Scope


def kept() -> dict[tuple[Any, ...], int]:
    rows = db.session.execute(
        sa.select(*(getattr(UseCaseCount, k) for k in figures.KEY), UseCaseCount.n).where(
            UseCaseCount.n != 0
        )
    )
    return {tuple(row[:-1]): row[-1] for row in rows}


def recounted() -> dict[tuple[Any, ...], int]:
    return {tuple(row[:-1]): row[-1] for row in db.session.execute(figures.recount())}


def assert_in_step() -> None:
    db.session.expire_all()
    assert kept() == recounted()


def _fields(transition: Transition, use_case: UseCase, world: World) -> dict[str, Any] | None:
    if transition.name == "start_pilot":
        owner = (
            world.bank_user if use_case.institution_id == world.bank.id else world.other_bank_user
        )
        regulator = world.reviewer if use_case.cohort_id == world.cohort.id else world.ia_reviewer
        f.create_agreed_plan(use_case, owner, regulator)
        return {"pilot_started_on": date.today()}
    if transition.name == "approve_production":
        return {"exit_outcome": "KPIs met.", "exit_lessons": "Some.", "exit_conditions": "None."}
    return None


def _step(rng: random.Random, world: World, cases: list[UseCase]) -> None:
    use_case = rng.choice(cases)
    roll = rng.random()
    if roll < 0.1:
        # A change of cohort and category through the ORM, as an edit stores it.
        use_case.cohort_id = rng.choice([world.cohort.id, world.other_cohort.id])
        use_case.category_id = rng.choice([world.category.id, cases[0].category_id])
        return
    choices = [t for t in TRANSITIONS if use_case.stage in t.sources]
    if roll < 0.15 or not choices:
        cases.append(
            f.create_use_case(
                rng.choice([world.cohort, world.other_cohort]),
                world.bank,
                world.category,
                stage=rng.choice(list(Stage)),
            )
        )
        return
    transition = rng.choice(choices)
    if transition.side is Side.INSTITUTION:
        user = (
            world.bank_user if use_case.institution_id == world.bank.id else world.other_bank_user
        )
    else:
        user = world.reviewer if use_case.cohort_id == world.cohort.id else world.ia_reviewer
    if transition.name == "select":
        f.create_review(use_case, user)
    services.apply_transition(
        use_case,
        transition,
        user,
        use_case.version,
        fields=_fields(transition, use_case, world),
        reason="Because.",
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_random_sequence_of_commands_keeps_the_counts_equal_to_a_recount(
    world: World, seed: int
) -> None:
    rng = random.Random(seed)
    other = f.create_category("Customer service")
    with unit_of_work():
        cases = [
            f.create_use_case(
                rng.choice([world.cohort, world.other_cohort]),
                rng.choice([world.bank, world.other_bank]),
                rng.choice([world.category, other]),
                stage=stage,
            )
            for stage in (Stage.DRAFT, Stage.SUBMITTED, Stage.UNDER_REVIEW, Stage.SELECTED)
        ]
    assert_in_step()
    done = 0
    stages_seen = set()
    for _ in range(60):
        try:
            with unit_of_work():
                _step(rng, world, cases)
                if rng.random() < 0.1:
                    raise RuntimeError("the command failed after its changes")
            done += 1
        except (RuleError, NotAllowedError, ConflictError, RuntimeError) as exc:
            print("refused", type(exc).__name__, exc)  # seen with -s
        # A use case added by a step that was rolled back is gone again.
        cases[:] = [uc for uc in cases if sa.inspect(uc).persistent]
        assert_in_step()
        stages_seen |= {uc.stage for uc in cases}
    # The sequence went somewhere: most steps were applied, through most of the lifecycle.
    assert done > 30
    assert len(stages_seen) >= 8
    assert sum(kept().values()) == db.session.scalar(sa.select(sa.func.count(UseCase.id)))


def test_a_new_use_case_counts_with_its_defaults(world: World) -> None:
    with unit_of_work():
        use_case = f.create_use_case(world.cohort, world.bank, world.category)
    assert kept() == {(world.cohort.id, world.category.id, Stage.DRAFT, False, False, False): 1}
    with unit_of_work():
        db.session.delete(use_case)
    assert kept() == {}


def test_rebuild_recounts_and_the_command_says_so(app: Any, world: World) -> None:
    for stage in (Stage.SUBMITTED, Stage.PILOT, Stage.PILOT):
        f.create_use_case(world.cohort, world.bank, world.category, stage=stage)
    db.session.commit()
    db.session.execute(sa.delete(UseCaseCount))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["rebuild-figures"])
    assert result.exit_code == 0, result.output
    assert "2 rows" in result.output
    assert_in_step()


def test_figures_from_the_counts_equal_the_figures_from_the_use_cases(world: World) -> None:
    """The regulator side reads the counts; the same figures counted from the use cases (the
    way institution users' are) agree, scope by scope."""
    rng = random.Random(7)
    for _ in range(30):
        uc = f.create_use_case(
            rng.choice([world.cohort, world.other_cohort]),
            world.bank,
            world.category,
            stage=rng.choice(list(Stage)),
        )
        if uc.stage is Stage.DISCONTINUED and rng.random() < 0.5:
            uc.pilot_started_on = date.today()
    db.session.commit()
    for user in (world.reviewer, world.admin, world.ia_reviewer):
        assert workspace.reads_counts(user)
        for scope in (
            Scope(),
            Scope(programme=world.programme),
            Scope(programme=world.programme, cohort=world.cohort),
        ):
            from_counts = workspace.stage_category_matrix(user, scope)
            from_cases = workspace.stage_category_matrix(user, scope, extra=sa.true())
            assert from_counts.counts == from_cases.counts
            funnel = workspace.funnel(user, scope)
            assert [s.count for s in funnel] == _funnel_counted(user, scope)
        counts = workspace.cohort_stage_counts(user, [world.cohort.id, world.other_cohort.id])
        expected = {world.cohort.id: {}, world.other_cohort.id: {}} | _cohort_counts_counted(user)
        assert counts == expected


def _funnel_counted(user: Any, scope: Scope) -> list[int]:
    from tracker.usecases.permissions import visible_filter
    from tracker.usecases.workflow import PILOT_OR_LATER, SELECTED_OR_LATER

    cases = db.session.scalars(sa.select(UseCase).where(visible_filter(user), scope.where()))
    out = [0, 0, 0, 0]
    for uc in cases:
        out[0] += uc.is_proposal
        out[1] += bool(uc.stage in SELECTED_OR_LATER or uc.pilot_started_on or uc.selected_at)
        out[2] += bool(uc.stage in PILOT_OR_LATER or uc.pilot_started_on)
        out[3] += uc.stage is Stage.PRODUCTION
    return out


def _cohort_counts_counted(user: Any) -> dict[int, dict[Stage, int]]:
    from tracker.usecases.permissions import visible_filter

    out: dict[int, dict[Stage, int]] = {}
    for cohort_id, stage, n in db.session.execute(
        sa.select(UseCase.cohort_id, UseCase.stage, sa.func.count())
        .where(visible_filter(user))
        .group_by(UseCase.cohort_id, UseCase.stage)
    ):
        out.setdefault(cohort_id, {})[stage] = n
    return out
