"""The use-case lifecycle as one table.

Every stage change goes through a ``Transition`` declared here. ``allowed_transitions`` drives
both the buttons a user sees and the check on every POST, so a button shows exactly when the
action is allowed.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from tracker.auth.models import User
from tracker.programmes.models import CohortStatus
from tracker.usecases import permissions
from tracker.usecases.models import Stage, UseCase


class Side(enum.Enum):
    INSTITUTION = "institution"  # users of the lead institution
    REGULATOR = "regulator"  # regulator staff of a regulator in the programme


class Needs(enum.Enum):
    """What a transition's form must collect before it can be applied."""

    REASON = "reason"
    RESPONSE = "response"  # the institution's answer to a change request
    NOTE = "note"  # an optional note
    PILOT_TERMS = "pilot_terms"
    EXIT_REPORT = "exit_report"


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[Stage]
    target: Stage
    side: Side
    needs: Needs
    style: str = "primary"
    confirm: str | None = None
    # An extra condition on the use case, with the reason shown when it is not met.
    guard: Callable[[UseCase], bool] | None = None
    guard_hint: str = ""


def _cohort_open(use_case: UseCase) -> bool:
    return use_case.cohort.status is CohortStatus.OPEN


def _has_complete_review(use_case: UseCase) -> bool:
    criteria = {c.id for c in use_case.cohort.criteria}
    return any(
        criteria and {s.criterion_id for s in review.scores} >= criteria
        for review in use_case.reviews
    )


_BEFORE_PRODUCTION = frozenset(
    {
        Stage.DRAFT,
        Stage.SUBMITTED,
        Stage.UNDER_REVIEW,
        Stage.CHANGES_REQUESTED,
        Stage.SELECTED,
        Stage.PILOT,
        Stage.SUSPENDED,
    }
)

# fmt: off
TRANSITIONS: tuple[Transition, ...] = (
    # Institution side
    Transition(
        "submit", "Submit proposal", frozenset({Stage.DRAFT}), Stage.SUBMITTED,
        Side.INSTITUTION, Needs.NOTE,
        confirm="Submit this proposal to the regulator? It can no longer be edited unless "
        "changes are requested.",
        guard=_cohort_open, guard_hint="The cohort is not open for applications.",
    ),
    Transition(
        "resubmit", "Resubmit with changes", frozenset({Stage.CHANGES_REQUESTED}),
        Stage.SUBMITTED, Side.INSTITUTION, Needs.RESPONSE,
    ),
    Transition(
        "withdraw", "Withdraw", _BEFORE_PRODUCTION, Stage.WITHDRAWN, Side.INSTITUTION,
        Needs.REASON, style="outline-danger",
        confirm="Withdraw this use case? This cannot be undone.",
    ),
    # Regulator side
    Transition(
        "start_review", "Start review", frozenset({Stage.SUBMITTED}), Stage.UNDER_REVIEW,
        Side.REGULATOR, Needs.NOTE,
    ),
    Transition(
        "request_changes", "Request changes", frozenset({Stage.UNDER_REVIEW}),
        Stage.CHANGES_REQUESTED, Side.REGULATOR, Needs.REASON, style="outline-primary",
    ),
    Transition(
        "select", "Select", frozenset({Stage.UNDER_REVIEW}), Stage.SELECTED, Side.REGULATOR,
        Needs.NOTE, style="success",
        guard=_has_complete_review,
        guard_hint="Selection needs at least one review scoring every criterion.",
    ),
    Transition(
        "reject", "Reject", frozenset({Stage.SUBMITTED, Stage.UNDER_REVIEW}), Stage.REJECTED,
        Side.REGULATOR, Needs.REASON, style="outline-danger",
        confirm="Reject this proposal? This cannot be undone.",
    ),
    Transition(
        "start_pilot", "Start pilot", frozenset({Stage.SELECTED}), Stage.PILOT, Side.REGULATOR,
        Needs.PILOT_TERMS, style="success",
    ),
    Transition(
        "suspend", "Suspend pilot", frozenset({Stage.PILOT}), Stage.SUSPENDED, Side.REGULATOR,
        Needs.REASON, style="outline-warning",
    ),
    Transition(
        "resume", "Resume pilot", frozenset({Stage.SUSPENDED}), Stage.PILOT, Side.REGULATOR,
        Needs.REASON, style="outline-success",
    ),
    Transition(
        "approve_production", "Approve production", frozenset({Stage.PILOT}), Stage.PRODUCTION,
        Side.REGULATOR, Needs.EXIT_REPORT, style="success",
        confirm="Approve the move to production with this exit report? This cannot be undone.",
    ),
    Transition(
        "discontinue", "Discontinue", frozenset({Stage.SELECTED, Stage.PILOT, Stage.SUSPENDED}),
        Stage.DISCONTINUED, Side.REGULATOR, Needs.REASON, style="outline-danger",
        confirm="Discontinue this use case? This cannot be undone.",
    ),
)
# fmt: on

BY_NAME: dict[str, Transition] = {t.name: t for t in TRANSITIONS}


def on_side(user: User, use_case: UseCase, side: Side) -> bool:
    if side is Side.INSTITUTION:
        return permissions.is_active_owner(user, use_case)
    return permissions.can_act_as_regulator(user, use_case)


def is_allowed(transition: Transition, use_case: UseCase, user: User) -> bool:
    """The single check used for buttons and for POSTs."""
    return (
        use_case.stage in transition.sources
        and on_side(user, use_case, transition.side)
        and (transition.guard is None or transition.guard(use_case))
    )


def allowed_transitions(use_case: UseCase, user: User) -> list[Transition]:
    return [t for t in TRANSITIONS if is_allowed(t, use_case, user)]


def blocked_transitions(use_case: UseCase, user: User) -> list[Transition]:
    """Transitions the user could take but for their guard, to explain why no button shows."""
    return [
        t
        for t in TRANSITIONS
        if use_case.stage in t.sources
        and on_side(user, use_case, t.side)
        and t.guard is not None
        and not t.guard(use_case)
    ]
