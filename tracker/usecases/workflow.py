"""The use-case lifecycle as two tables.

``PHASES`` says what each stage is (its order, whether the proposal is editable, whether it is a
pilot, whether it is closed, which funnel step it has reached, the label the institution sees);
``TRANSITIONS`` says how stages change (who may, from where, what each needs). Every set of
stages used elsewhere is derived from these two tables. ``allowed_transitions`` drives both the
buttons a user sees and the check in every command, so a button shows exactly when the action is
allowed.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from tracker.auth.models import User
from tracker.programmes.models import CohortStatus
from tracker.usecases.models import Stage, UseCase


@dataclass(frozen=True)
class Phase:
    """What a stage is. ``clock`` names the stage clock that runs in it (the notifications issue
    gives each its allowance); ``None`` means no clock runs. ``implies_selected`` and
    ``implies_piloted``: a use case in this stage certainly passed that step of the funnel."""

    stage: Stage
    order: int
    institution_label: str
    editable: bool = False  # the institution may edit the proposal
    in_review: bool = False  # waiting on the regulator's review
    milestones: bool = False  # milestones are kept
    pilot: bool = False  # progress returns are filed
    closed: bool = False
    implies_selected: bool = False
    implies_piloted: bool = False
    clock: str | None = None


# fmt: off
PHASES: tuple[Phase, ...] = (
    Phase(Stage.DRAFT, 0, "Draft (only your institution sees it)", editable=True),
    Phase(Stage.SUBMITTED, 1, "Submitted, waiting for review", in_review=True,
          clock="submitted"),
    Phase(Stage.UNDER_REVIEW, 2, "Under review by the regulator", in_review=True,
          clock="under_review"),
    Phase(Stage.CHANGES_REQUESTED, 3, "Changes requested from you", editable=True,
          clock="changes_requested"),
    Phase(Stage.SELECTED, 4, "Selected for a pilot", milestones=True, implies_selected=True),
    Phase(Stage.PILOT, 5, "Pilot running", milestones=True, pilot=True, implies_selected=True,
          implies_piloted=True, clock="pilot"),
    Phase(Stage.SUSPENDED, 6, "Pilot suspended", milestones=True, pilot=True,
          implies_selected=True, implies_piloted=True),
    Phase(Stage.PRODUCTION, 7, "Approved for production", closed=True, implies_selected=True,
          implies_piloted=True),
    Phase(Stage.REJECTED, 8, "Not selected", closed=True),
    Phase(Stage.WITHDRAWN, 9, "Withdrawn", closed=True),
    # Discontinued from selection or from a pilot: selected for certain, piloted perhaps.
    Phase(Stage.DISCONTINUED, 10, "Discontinued", closed=True, implies_selected=True),
)
# fmt: on

PHASE: dict[Stage, Phase] = {p.stage: p for p in PHASES}
assert set(PHASE) == set(Stage), "every stage needs a phase"

STAGE_ORDER: tuple[Stage, ...] = tuple(p.stage for p in sorted(PHASES, key=lambda p: p.order))
EDITABLE_STAGES = frozenset(p.stage for p in PHASES if p.editable)
REVIEW_STAGES = frozenset(p.stage for p in PHASES if p.in_review)
MILESTONE_STAGES = frozenset(p.stage for p in PHASES if p.milestones)
PILOT_STAGES = frozenset(p.stage for p in PHASES if p.pilot)
CLOSED_STAGES = frozenset(p.stage for p in PHASES if p.closed)
OPEN_STAGES = frozenset(Stage) - CLOSED_STAGES
SELECTED_OR_LATER = frozenset(p.stage for p in PHASES if p.implies_selected)
PILOT_OR_LATER = frozenset(p.stage for p in PHASES if p.implies_piloted)


def in_order(stages: frozenset[Stage]) -> tuple[Stage, ...]:
    """A set of stages in the lifecycle's order, for pages that list them one after another."""
    return tuple(s for s in STAGE_ORDER if s in stages)


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


# The use-case fields a transition records, by what it needs; the command stores them on the use
# case and in the history.
# The start records its date; the duration, limits and data scope come from the agreed sandbox
# plan (``tracker.plans``), copied onto the use case and into the history.
PILOT_TERMS = ("pilot_started_on",)
EXIT_REPORT = ("exit_outcome", "exit_lessons", "exit_conditions")
FIELDS_BY_NEED: dict[Needs, tuple[str, ...]] = {
    Needs.PILOT_TERMS: PILOT_TERMS,
    Needs.EXIT_REPORT: EXIT_REPORT,
}


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
    # What the user is told once it is done.
    done: str = ""
    # An extra condition on the use case, with the reason shown when it is not met.
    guard: Callable[[UseCase], bool] | None = None
    guard_hint: str = ""

    @property
    def fields(self) -> tuple[str, ...]:
        """The use-case fields this transition records."""
        return FIELDS_BY_NEED.get(self.needs, ())

    @property
    def reason_required(self) -> bool:
        return self.needs in (Needs.REASON, Needs.RESPONSE)


def _cohort_open(use_case: UseCase) -> bool:
    return use_case.cohort.status is CohortStatus.OPEN


def _has_complete_review(use_case: UseCase) -> bool:
    """A review scoring every criterion; on a committee's cohort, the committee's quorum."""
    from tracker.committee.rules import quorum_met

    criteria = {c.id for c in use_case.cohort.criteria}
    return any(
        criteria and {s.criterion_id for s in review.scores} >= criteria
        for review in use_case.reviews
    ) and quorum_met(use_case)


def _has_agreed_plan(use_case: UseCase) -> bool:
    from tracker.plans.queries import has_agreed_plan

    return has_agreed_plan(use_case.id)


# Withdrawal is open until the use case reaches production or closes otherwise.
_BEFORE_PRODUCTION = OPEN_STAGES

# fmt: off
TRANSITIONS: tuple[Transition, ...] = (
    # Institution side
    Transition(
        "submit", "Submit proposal", frozenset({Stage.DRAFT}), Stage.SUBMITTED,
        Side.INSTITUTION, Needs.NOTE,
        confirm="Submit this proposal to the regulator? It can no longer be edited unless "
        "changes are requested.",
        guard=_cohort_open, guard_hint="The cohort is not open for applications.",
        done="Your proposal has been submitted. The regulator will review it.",
    ),
    Transition(
        "resubmit", "Resubmit with changes", frozenset({Stage.CHANGES_REQUESTED}),
        Stage.SUBMITTED, Side.INSTITUTION, Needs.RESPONSE,
        done="Your changes have been sent back to the regulator for review.",
    ),
    Transition(
        "withdraw", "Withdraw", _BEFORE_PRODUCTION, Stage.WITHDRAWN, Side.INSTITUTION,
        Needs.REASON, style="outline-danger",
        confirm="Withdraw this use case? This cannot be undone.",
        done="The use case has been withdrawn.",
    ),
    # Regulator side
    Transition(
        "start_review", "Start review", frozenset({Stage.SUBMITTED}), Stage.UNDER_REVIEW,
        Side.REGULATOR, Needs.NOTE,
        done="The review has started.",
    ),
    Transition(
        "request_changes", "Request changes", frozenset({Stage.UNDER_REVIEW}),
        Stage.CHANGES_REQUESTED, Side.REGULATOR, Needs.REASON, style="outline-primary",
        done="Changes have been requested; the institution has been asked to respond.",
    ),
    Transition(
        "select", "Select", frozenset({Stage.UNDER_REVIEW}), Stage.SELECTED, Side.REGULATOR,
        Needs.NOTE, style="success",
        guard=_has_complete_review,
        guard_hint="Selection needs at least one review scoring every criterion (on a cohort "
        "with a selection committee, its quorum of reviews by reviewers with no conflict).",
        done="The proposal has been selected for a pilot.",
    ),
    Transition(
        "reject", "Reject", frozenset({Stage.SUBMITTED, Stage.UNDER_REVIEW}), Stage.REJECTED,
        Side.REGULATOR, Needs.REASON, style="outline-danger",
        confirm="Reject this proposal? This cannot be undone.",
        done="The proposal has been rejected.",
    ),
    Transition(
        "start_pilot", "Start pilot", frozenset({Stage.SELECTED}), Stage.PILOT, Side.REGULATOR,
        Needs.PILOT_TERMS, style="success",
        guard=_has_agreed_plan,
        guard_hint="A pilot starts on an agreed sandbox plan: the institution submits it and "
        "the regulator agrees it.",
        done="The pilot has started on the agreed sandbox plan.",
    ),
    Transition(
        "suspend", "Suspend pilot", frozenset({Stage.PILOT}), Stage.SUSPENDED, Side.REGULATOR,
        Needs.REASON, style="outline-warning",
        done="The pilot has been suspended.",
    ),
    Transition(
        "resume", "Resume pilot", frozenset({Stage.SUSPENDED}), Stage.PILOT, Side.REGULATOR,
        Needs.REASON, style="outline-success",
        done="The pilot has resumed.",
    ),
    Transition(
        "approve_production", "Approve production", frozenset({Stage.PILOT}), Stage.PRODUCTION,
        Side.REGULATOR, Needs.EXIT_REPORT, style="success",
        confirm="Approve the move to production with this exit report? This cannot be undone.",
        done="Production has been approved and the exit report recorded.",
    ),
    Transition(
        "discontinue", "Discontinue", frozenset({Stage.SELECTED, Stage.PILOT, Stage.SUSPENDED}),
        Stage.DISCONTINUED, Side.REGULATOR, Needs.REASON, style="outline-danger",
        confirm="Discontinue this use case? This cannot be undone.",
        done="The use case has been discontinued.",
    ),
)
# fmt: on

BY_NAME: dict[str, Transition] = {t.name: t for t in TRANSITIONS}


def on_side(user: User, use_case: UseCase, side: Side) -> bool:
    from tracker.usecases import permissions

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
