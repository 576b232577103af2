"""Who may see and do what on a sandbox plan. Pure predicates over the user and the objects."""

from __future__ import annotations

from tracker.auth.models import User
from tracker.plans.models import SandboxPlanVersion
from tracker.usecases import permissions as uc_permissions
from tracker.usecases.models import Stage, UseCase

# A plan is drafted once the use case is selected, and amended while its pilot runs.
PLAN_STAGES = frozenset({Stage.SELECTED, Stage.PILOT, Stage.SUSPENDED})


def can_view_plan(user: User, use_case: UseCase) -> bool:
    """Whoever sees the use case sees its plan (partners and supervisors read it)."""
    return uc_permissions.can_view(user, use_case)


def can_see_version(user: User, use_case: UseCase, version: SandboxPlanVersion) -> bool:
    """A version never submitted is the institution's own draft."""
    return can_view_plan(user, use_case) and (
        version.submitted_at is not None or uc_permissions.is_owner(user, use_case)
    )


def can_draft_plan(user: User, use_case: UseCase) -> bool:
    return uc_permissions.is_active_owner(user, use_case) and use_case.stage in PLAN_STAGES


def can_decide_plan(user: User, use_case: UseCase) -> bool:
    return uc_permissions.can_act_as_regulator(user, use_case) and use_case.stage in PLAN_STAGES
