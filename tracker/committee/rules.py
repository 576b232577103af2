"""The committee's rules that the use-case commands apply themselves: who may score on a
committee's cohort, the quorum a selection needs, recusal, and the participating regulators'
objections. ``tracker.usecases.services`` calls these, so no adapter can get round them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from tracker.auth.models import User
from tracker.committee import permissions
from tracker.committee.models import Assignment, Committee, Decision, Declaration, Determination
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.usecases.models import Review, UseCase


def committee_of(use_case: UseCase) -> Committee | None:
    return use_case.cohort.committee


def assignment_of(user: User, use_case: UseCase) -> Assignment | None:
    if not user.is_authenticated:
        return None
    return db.session.scalar(
        sa.select(Assignment).where(
            Assignment.use_case_id == use_case.id, Assignment.reviewer_id == user.id
        )
    )


def routed_regulator_id(use_case: UseCase) -> int | None:
    """The participating regulator (not the lead) that supervises the applicant, whose own
    determination the proposal needs: an insurer's goes to the IA, a securities firm's to the
    SFC, an MPF trustee's to the MPFA, where that regulator takes part in the programme."""
    programme = use_case.cohort.programme
    supervisor = use_case.institution.regulator_id
    if supervisor is None or supervisor == programme.lead_regulator_id:
        return None
    return supervisor if supervisor in {r.id for r in programme.participants} else None


def latest_determinations(use_case_ids: list[int]) -> dict[int, Determination]:
    """The latest determination on each proposal (one routed regulator per proposal)."""
    if not use_case_ids:
        return {}
    rows = db.session.scalars(
        sa.select(Determination)
        .where(Determination.use_case_id.in_(use_case_ids))
        .order_by(Determination.at, Determination.id)
    )
    return {row.use_case_id: row for row in rows}


def counted_reviews(use_case: UseCase) -> list[Review]:
    """Complete reviews (every criterion scored) by assigned reviewers who declared no
    conflict: the reviews a committee's quorum counts."""
    criteria = {c.id for c in use_case.cohort.criteria}
    cleared = set(
        db.session.scalars(
            sa.select(Assignment.reviewer_id).where(
                Assignment.use_case_id == use_case.id,
                Assignment.declaration == Declaration.NO_CONFLICT,
            )
        )
    )
    return [
        r
        for r in use_case.reviews
        if r.reviewer_id in cleared and criteria and {s.criterion_id for s in r.scores} >= criteria
    ]


def quorum_met(use_case: UseCase) -> bool:
    committee = committee_of(use_case)
    if committee is None:
        return True
    return len(counted_reviews(use_case)) >= committee.quorum


def scoring_problem(use_case: UseCase, reviewer: User) -> str | None:
    """Why a member of the cohort's committee may not score this proposal now, or None. Only
    members are told: anyone else is simply not allowed."""
    committee = committee_of(use_case)
    if committee is None or not committee.has_member(reviewer):
        return None
    assignment = assignment_of(reviewer, use_case)
    if assignment is None:
        return _("You are not assigned to review this proposal.")
    if assignment.declaration is Declaration.PENDING:
        return _("Declare whether you have a conflict of interest before scoring this proposal.")
    if assignment.recused:
        return _(
            "You declared a conflict of interest on this proposal and are recused: you cannot "
            "score it."
        )
    return None


def check_decision(
    rules: Any, use_case: UseCase, user: User, selecting: bool, override_reason: str
) -> dict[str, Any]:
    """Rules on selecting or rejecting a proposal of a committee's cohort or of a programme
    with participating regulators; returns what the history row records besides."""
    details: dict[str, Any] = {}
    committee = committee_of(use_case)
    if committee is not None:
        assignment = assignment_of(user, use_case)
        if assignment is not None and assignment.recused:
            rules.add(
                "__all__",
                _(
                    "You declared a conflict of interest on this proposal and are recused: you "
                    "cannot take part in deciding it."
                ),
            )
        if selecting:
            counted = len(counted_reviews(use_case))
            rules.check(
                counted >= committee.quorum,
                "__all__",
                _(
                    "Selection needs %(quorum)d complete reviews by assigned reviewers with no "
                    "conflict of interest; this proposal has %(num)d.",
                    quorum=committee.quorum,
                    num=counted,
                ),
            )
    determination = latest_determinations([use_case.id]).get(use_case.id) if selecting else None
    if (
        determination is not None
        and determination.decision is Decision.OBJECT
        and rules.check(
            bool(override_reason.strip()),
            "override_reason",
            _(
                "The %(regulator)s objects to this proposal. Selecting it over the objection "
                "needs an override reason.",
                regulator=determination.regulator.code,
            ),
        )
    ):
        details["override_reason"] = override_reason.strip()
        details["overrides"] = determination.regulator.code
    return details


def check_scoring_allowed(use_case: UseCase, reviewer: User) -> None:
    """Raise the clear refusal a committee member gets for scoring when they may not."""
    from tracker.rules import RuleError

    problem = scoring_problem(use_case, reviewer)
    if problem is not None:
        raise RuleError(problem, "use_case.review")


def may_review(user: User, use_case: UseCase) -> bool | None:
    """Whether ``user`` may score on a committee's cohort, or None where the cohort has no
    committee (the regulator's usual rule applies)."""
    committee = committee_of(use_case)
    if committee is None:
        return None
    return permissions.may_score(user, use_case, committee, assignment_of(user, use_case))


def others_scores_visible(user: User, use_case: UseCase) -> bool:
    """Whether ``user`` may see the other reviewers' scores of the proposal: never once
    recused, and with blind scoring not before their own review is in."""
    committee = committee_of(use_case)
    if committee is None:
        return True
    own = any(r.reviewer_id == user.id for r in use_case.reviews)
    return permissions.may_see_others_scores(committee, assignment_of(user, use_case), own)


def committee_determinations(use_case_id: int) -> list[Determination]:
    """Every determination on the proposal, oldest first, for its history."""
    return list(
        db.session.scalars(
            sa.select(Determination)
            .where(Determination.use_case_id == use_case_id)
            .options(joinedload(Determination.regulator), joinedload(Determination.by))
            .order_by(Determination.at, Determination.id)
        )
    )
