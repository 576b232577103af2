"""A committee on the world's cohort: HKMA staff and two external experts, proposals under
review, assignments in each state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests import factories as f
from tests.conftest import World
from tracker.auth.models import Role, User
from tracker.committee import services
from tracker.committee.models import Assignment, Committee
from tracker.extensions import db
from tracker.unit_of_work import unit_of_work
from tracker.usecases.models import Stage, UseCase


def run(command: Callable[[], Any]) -> Any:
    """Run a command as an adapter does: one unit of work, events after the commit."""
    with unit_of_work("test"):
        return command()


@dataclass
class Panel:
    world: World
    committee: Committee
    expert: User  # independent academic
    partner_expert: User  # works for Kowloon AI Labs, the technology partner
    other_expert: User  # sits on no committee
    colleague: User  # HKMA staff, a member besides the world's reviewer
    uc: UseCase  # Harbour Bank with Kowloon AI Labs, under review
    uc2: UseCase  # Lion Rock Bank, under review
    cleared: Assignment  # the expert on uc, no conflict declared
    pending: Assignment  # the expert on uc2, not yet declared
    colleague_on_uc: Assignment  # the colleague on uc, pending


def declare_none(user: User, assignment: Assignment) -> Assignment:
    return run(lambda: services.declare(user, assignment, services.DeclarationData(conflict=False)))


@pytest.fixture
def panel(world: World) -> Panel:
    expert = f.create_user(Role.EXPERT, email="expert@example.com", name="Prof. Ada Wong")
    partner_expert = f.create_user(
        Role.EXPERT, institution=world.partner, email="pexpert@example.com", name="Ben Ip"
    )
    other_expert = f.create_user(Role.EXPERT, email="other.expert@example.com")
    colleague = f.create_user(
        Role.REGULATOR, regulator=world.hkma, email="colleague@example.com", name="Cara Lam"
    )
    uc = f.create_use_case(
        world.cohort,
        world.bank,
        world.category,
        stage=Stage.UNDER_REVIEW,
        partners=[world.partner],
        title="Deepfake call detection",
    )
    uc2 = f.create_use_case(
        world.cohort, world.other_bank, world.category, stage=Stage.UNDER_REVIEW, title="AML triage"
    )
    db.session.commit()
    committee = run(
        lambda: services.save_committee(
            world.reviewer,
            world.cohort,
            services.CommitteeData(
                member_ids=(world.reviewer.id, colleague.id, expert.id, partner_expert.id),
                quorum=2,
                review_days=14,
                places=5,
            ),
        )
    )
    cleared = run(lambda: services.assign(world.reviewer, uc, (expert.id, colleague.id)))
    pending = run(lambda: services.assign(world.reviewer, uc2, (expert.id,)))[0]
    declare_none(expert, cleared[0])
    return Panel(
        world=world,
        committee=committee,
        expert=expert,
        partner_expert=partner_expert,
        other_expert=other_expert,
        colleague=colleague,
        uc=uc,
        uc2=uc2,
        cleared=cleared[0],
        pending=pending,
        colleague_on_uc=cleared[1],
    )


def scores_for(use_case: UseCase, score: int = 4) -> dict[int, tuple[int, str]]:
    return {c.id: (score, "") for c in use_case.cohort.criteria}
