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
from tracker.i18n import N_, gettext
from tracker.programmes.models import CohortStatus
from tracker.usecases.models import Stage, UseCase


@dataclass(frozen=True)
class Phase:
    """What a stage is. ``clock`` names the stage clock that runs in it (the notifications issue
    gives each its allowance); ``None`` means no clock runs. ``implies_selected`` and
    ``implies_piloted``: a use case in this stage certainly passed that step of the funnel."""

    stage: Stage
    order: int
    institution_text: str  # marked with N_, translated by ``institution_label``
    editable: bool = False  # the institution may edit the proposal
    in_review: bool = False  # waiting on the regulator's review
    milestones: bool = False  # milestones are kept
    pilot: bool = False  # progress returns are filed
    closed: bool = False
    implies_selected: bool = False
    implies_piloted: bool = False
    clock: str | None = None

    @property
    def institution_label(self) -> str:
        """The label the institution sees, in the page's language."""
        return gettext(self.institution_text)


# fmt: off
PHASES: tuple[Phase, ...] = (
    Phase(Stage.DRAFT, 0, N_("Draft (only your institution sees it)"), editable=True),
    Phase(Stage.SUBMITTED, 1, N_("Submitted, waiting for review"), in_review=True,
          clock="submitted"),
    Phase(Stage.UNDER_REVIEW, 2, N_("Under review by the regulator"), in_review=True,
          clock="under_review"),
    Phase(Stage.CHANGES_REQUESTED, 3, N_("Changes requested from you"), editable=True,
          clock="changes_requested"),
    Phase(Stage.SELECTED, 4, N_("Selected for a pilot"), milestones=True, implies_selected=True),
    Phase(Stage.PILOT, 5, N_("Pilot running"), milestones=True, pilot=True, implies_selected=True,
          implies_piloted=True, clock="pilot"),
    Phase(Stage.SUSPENDED, 6, N_("Pilot suspended"), milestones=True, pilot=True,
          implies_selected=True, implies_piloted=True),
    Phase(Stage.PRODUCTION, 7, N_("Approved for production"), closed=True, implies_selected=True,
          implies_piloted=True),
    Phase(Stage.REJECTED, 8, N_("Not selected"), closed=True),
    Phase(Stage.WITHDRAWN, 9, N_("Withdrawn"), closed=True),
    # Discontinued from selection or from a pilot: selected for certain, piloted perhaps.
    Phase(Stage.DISCONTINUED, 10, N_("Discontinued"), closed=True, implies_selected=True),
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
    """Its texts are English msgids (marked with ``N_``); ``label``, ``confirm``, ``done`` and
    ``guard_hint`` give them in the page's language."""

    name: str
    label_text: str
    sources: frozenset[Stage]
    target: Stage
    side: Side
    needs: Needs
    style: str = "primary"
    confirm_text: str | None = None
    # What the user is told once it is done.
    done_text: str = ""
    # An extra condition on the use case, with the reason shown when it is not met.
    guard: Callable[[UseCase], bool] | None = None
    hint_text: str = ""

    @property
    def label(self) -> str:
        return gettext(self.label_text)

    @property
    def confirm(self) -> str | None:
        return gettext(self.confirm_text) if self.confirm_text else None

    @property
    def done(self) -> str:
        return gettext(self.done_text) if self.done_text else ""

    @property
    def guard_hint(self) -> str:
        return gettext(self.hint_text) if self.hint_text else ""

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
        "submit", N_("Submit proposal"), frozenset({Stage.DRAFT}), Stage.SUBMITTED,
        Side.INSTITUTION, Needs.NOTE,
        confirm_text=N_("Submit this proposal to the regulator? It can no longer be edited unless "
        "changes are requested."),
        guard=_cohort_open, hint_text=N_("The cohort is not open for applications."),
        done_text=N_("Your proposal has been submitted. The regulator will review it."),
    ),
    Transition(
        "resubmit", N_("Resubmit with changes"), frozenset({Stage.CHANGES_REQUESTED}),
        Stage.SUBMITTED, Side.INSTITUTION, Needs.RESPONSE,
        done_text=N_("Your changes have been sent back to the regulator for review."),
    ),
    Transition(
        "withdraw", N_("Withdraw"), _BEFORE_PRODUCTION, Stage.WITHDRAWN, Side.INSTITUTION,
        Needs.REASON, style="outline-danger",
        confirm_text=N_("Withdraw this use case? This cannot be undone."),
        done_text=N_("The use case has been withdrawn."),
    ),
    # Regulator side
    Transition(
        "start_review", N_("Start review"), frozenset({Stage.SUBMITTED}), Stage.UNDER_REVIEW,
        Side.REGULATOR, Needs.NOTE,
        done_text=N_("The review has started."),
    ),
    Transition(
        "request_changes", N_("Request changes"), frozenset({Stage.UNDER_REVIEW}),
        Stage.CHANGES_REQUESTED, Side.REGULATOR, Needs.REASON, style="outline-primary",
        done_text=N_("Changes have been requested; the institution has been asked to respond."),
    ),
    Transition(
        "select", N_("Select"), frozenset({Stage.UNDER_REVIEW}), Stage.SELECTED, Side.REGULATOR,
        Needs.NOTE, style="success",
        guard=_has_complete_review,
        hint_text=N_("Selection needs at least one review scoring every criterion (on a cohort "
        "with a selection committee, its quorum of reviews by reviewers with no conflict)."),
        done_text=N_("The proposal has been selected for a pilot."),
    ),
    Transition(
        "reject", N_("Reject"), frozenset({Stage.SUBMITTED, Stage.UNDER_REVIEW}), Stage.REJECTED,
        Side.REGULATOR, Needs.REASON, style="outline-danger",
        confirm_text=N_("Reject this proposal? This cannot be undone."),
        done_text=N_("The proposal has been rejected."),
    ),
    Transition(
        "start_pilot", N_("Start pilot"), frozenset({Stage.SELECTED}), Stage.PILOT, Side.REGULATOR,
        Needs.PILOT_TERMS, style="success",
        guard=_has_agreed_plan,
        hint_text=N_("A pilot starts on an agreed sandbox plan: the institution submits it and "
        "the regulator agrees it."),
        done_text=N_("The pilot has started on the agreed sandbox plan."),
    ),
    Transition(
        "suspend", N_("Suspend pilot"), frozenset({Stage.PILOT}), Stage.SUSPENDED, Side.REGULATOR,
        Needs.REASON, style="outline-warning",
        done_text=N_("The pilot has been suspended."),
    ),
    Transition(
        "resume", N_("Resume pilot"), frozenset({Stage.SUSPENDED}), Stage.PILOT, Side.REGULATOR,
        Needs.REASON, style="outline-success",
        done_text=N_("The pilot has resumed."),
    ),
    Transition(
        "approve_production", N_("Approve production"), frozenset({Stage.PILOT}), Stage.PRODUCTION,
        Side.REGULATOR, Needs.EXIT_REPORT, style="success",
        confirm_text=N_("Approve the move to production with this exit report? This cannot be "
        "undone."),
        done_text=N_("Production has been approved and the exit report recorded."),
    ),
    Transition(
        "discontinue", N_("Discontinue"), frozenset({Stage.SELECTED, Stage.PILOT, Stage.SUSPENDED}),
        Stage.DISCONTINUED, Side.REGULATOR, Needs.REASON, style="outline-danger",
        confirm_text=N_("Discontinue this use case? This cannot be undone."),
        done_text=N_("The use case has been discontinued."),
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
