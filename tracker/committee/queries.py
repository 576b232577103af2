"""Read side of committees: the ranking of a cohort's proposals, each reviewer's queue, and
what a proposal's page shows of its committee. Every page here reads a fixed number of queries,
however many proposals, members and scores the cohort holds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from statistics import mean

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import joinedload, selectinload

from tracker.auth.models import Role, User
from tracker.committee import permissions
from tracker.committee.models import (
    Assignment,
    Committee,
    CommitteeMember,
    Declaration,
    Determination,
    SlateEntry,
)
from tracker.committee.rules import (
    committee_determinations,
    latest_determinations,
    routed_regulator_id,
)
from tracker.extensions import db
from tracker.organisations.models import Regulator
from tracker.programmes.models import Cohort, Programme, SelectionCriterion
from tracker.usecases.models import Review, ReviewScore, UseCase

# Reviewers disagree on a proposal when their scores on one criterion are this far apart.
DISAGREEMENT = 2


def cohort_or_404(cohort_id: int) -> Cohort:
    cohort = db.session.scalar(
        sa.select(Cohort)
        .where(Cohort.id == cohort_id)
        .options(
            joinedload(Cohort.programme).selectinload(Programme.participants),
            selectinload(Cohort.criteria),
            joinedload(Cohort.committee)
            .selectinload(Committee.members)
            .joinedload(CommitteeMember.user)
            .joinedload(User.institution),
        )
    )
    if cohort is None:
        abort(404)
    return cohort


def weighted(scores: dict[int, int], weights: dict[int, int]) -> float | None:
    """A review's weighted mean over the criteria it scored (None without weight)."""
    total = sum(weights.get(c, 0) for c in scores)
    if total <= 0:
        return None
    return sum(s * weights.get(c, 0) for c, s in scores.items()) / total


@dataclass
class Ranked:
    use_case: UseCase
    assignments: list[Assignment] = field(default_factory=list)
    reviews: dict[int, dict[int, int]] = field(
        default_factory=dict
    )  # reviewer -> criterion -> score
    means: list[float] = field(default_factory=list)
    determination: Determination | None = None
    slate: SlateEntry | None = None
    needs_determination_from: Regulator | None = None
    rank: int | None = None

    @property
    def counted(self) -> int:
        return len(self.means)

    @property
    def weighted_mean(self) -> float | None:
        return round(mean(self.means), 2) if self.means else None

    @property
    def spread(self) -> float | None:
        return round(max(self.means) - min(self.means), 2) if len(self.means) > 1 else None

    @property
    def criterion_means(self) -> dict[int, float]:
        by: dict[int, list[int]] = defaultdict(list)
        for scores in self.reviews.values():
            for c, s in scores.items():
                by[c].append(s)
        return {c: round(mean(v), 2) for c, v in by.items()}

    @property
    def disagreements(self) -> list[int]:
        """Criteria on which the counted reviewers are 2 or more points apart."""
        by: dict[int, list[int]] = defaultdict(list)
        for scores in self.reviews.values():
            for c, s in scores.items():
                by[c].append(s)
        return sorted(c for c, v in by.items() if len(v) > 1 and max(v) - min(v) >= DISAGREEMENT)

    @property
    def recused(self) -> list[Assignment]:
        return [a for a in self.assignments if a.recused]

    @property
    def objected(self) -> bool:
        from tracker.committee.models import Decision

        return self.determination is not None and self.determination.decision is Decision.OBJECT


@dataclass
class CommitteeView:
    cohort: Cohort
    committee: Committee | None
    criteria: list[SelectionCriterion]
    ranked: list[Ranked]  # proposals before the committee, best first
    decided: list[Ranked]  # proposals already decided or gone
    load: dict[int, tuple[int, int]]  # member -> (assigned, late)
    selected: int
    today: date

    @property
    def places_left(self) -> int | None:
        if self.committee is None or self.committee.places is None:
            return None
        return self.committee.places - self.selected

    def quorum_met(self, row: Ranked) -> bool:
        return self.committee is not None and row.counted >= self.committee.quorum


def committee_view(cohort: Cohort, today: date) -> CommitteeView:
    """Every proposal of the cohort, ranked by the weighted mean of its counted reviews
    (complete, by assigned reviewers with no conflict), with spread, disagreements,
    determinations and the slate decided so far."""
    committee = cohort.committee
    criteria = list(cohort.criteria)
    weights = {c.id: c.weight for c in criteria}
    use_cases = list(
        db.session.scalars(
            sa.select(UseCase)
            .where(UseCase.cohort_id == cohort.id, UseCase.proposals())
            .options(joinedload(UseCase.institution), selectinload(UseCase.partners))
            .order_by(UseCase.id)
        )
    )
    rows = {uc.id: Ranked(uc) for uc in use_cases}
    assignments = list(
        db.session.scalars(
            sa.select(Assignment)
            .join(UseCase, UseCase.id == Assignment.use_case_id)
            .where(UseCase.cohort_id == cohort.id)
            .options(joinedload(Assignment.reviewer))
            .order_by(Assignment.id)
        )
    )
    cleared: set[tuple[int, int]] = set()
    load: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    reviewed: set[tuple[int, int]] = set()
    scores = db.session.execute(
        sa.select(
            Review.use_case_id, Review.reviewer_id, ReviewScore.criterion_id, ReviewScore.score
        )
        .join(ReviewScore, ReviewScore.review_id == Review.id)
        .join(UseCase, UseCase.id == Review.use_case_id)
        .where(UseCase.cohort_id == cohort.id)
    ).all()
    by_review: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    for uc_id, reviewer_id, criterion_id, score in scores:
        by_review[(uc_id, reviewer_id)][criterion_id] = score
        reviewed.add((uc_id, reviewer_id))
    for a in assignments:
        row = rows.get(a.use_case_id)
        if row is None:
            continue
        row.assignments.append(a)
        if a.declaration is Declaration.NO_CONFLICT:
            cleared.add((a.use_case_id, a.reviewer_id))
        open_case = row.use_case.stage in permissions.BEFORE_COMMITTEE
        if not a.recused and open_case:
            load[a.reviewer_id][0] += 1
            if a.due_on < today and (a.use_case_id, a.reviewer_id) not in reviewed:
                load[a.reviewer_id][1] += 1
    wanted = {c.id for c in criteria}
    for (uc_id, reviewer_id), given in by_review.items():
        row = rows.get(uc_id)
        if row is None or (uc_id, reviewer_id) not in cleared or not wanted or set(given) < wanted:
            continue
        row.reviews[reviewer_id] = given
        value = weighted({c: s for c, s in given.items() if c in wanted}, weights)
        if value is not None:
            row.means.append(value)
    for uc_id, determination in latest_determinations(list(rows)).items():
        rows[uc_id].determination = determination
    routed = {uc.id: routed_regulator_id(uc) for uc in use_cases}
    regulators = {r.id: r for r in cohort.programme.participants}
    for uc_id, regulator_id in routed.items():
        if regulator_id is not None and rows[uc_id].determination is None:
            rows[uc_id].needs_determination_from = regulators.get(regulator_id)
    for entry in db.session.scalars(
        sa.select(SlateEntry)
        .where(SlateEntry.cohort_id == cohort.id)
        .options(joinedload(SlateEntry.decided_by))
        .order_by(SlateEntry.decided_at, SlateEntry.id)
    ):
        if entry.use_case_id in rows:
            rows[entry.use_case_id].slate = entry
    before = [r for r in rows.values() if r.use_case.stage in permissions.BEFORE_COMMITTEE]
    before.sort(key=lambda r: (r.weighted_mean is None, -(r.weighted_mean or 0), r.use_case.id))
    for n, row in enumerate(before, start=1):
        row.rank = n if row.weighted_mean is not None else None
    decided = [r for r in rows.values() if r.use_case.stage not in permissions.BEFORE_COMMITTEE]
    decided.sort(key=lambda r: (-(r.weighted_mean or 0), r.use_case.id))
    selected = sum(1 for uc in use_cases if uc.selected_at is not None)
    return CommitteeView(
        cohort=cohort,
        committee=committee,
        criteria=criteria,
        ranked=before,
        decided=decided,
        load={k: (v[0], v[1]) for k, v in load.items()},
        selected=selected,
        today=today,
    )


def eligible_members(cohort: Cohort) -> list[User]:
    """Who may be chosen as a member: active experts and the programme's regulator staff."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.active.is_(True),
                sa.or_(
                    User.role == Role.EXPERT,
                    sa.and_(
                        User.role == Role.REGULATOR,
                        User.regulator_id.in_(cohort.programme.regulator_ids),
                    ),
                ),
            )
            .options(joinedload(User.regulator), joinedload(User.institution))
            .order_by(User.role, User.name)
        )
    )


@dataclass(frozen=True)
class QueueItem:
    assignment: Assignment
    reviewed: bool

    def late(self, today: date) -> bool:
        return (
            not self.reviewed
            and not self.assignment.recused
            and self.assignment.use_case.stage in permissions.BEFORE_COMMITTEE
            and self.assignment.due_on < today
        )


def my_assignments(user: User) -> list[QueueItem]:
    """The reviewer's assignments on committees they sit on, due first."""
    member_cohorts = (
        sa.select(Committee.cohort_id)
        .join(CommitteeMember, CommitteeMember.committee_id == Committee.id)
        .where(CommitteeMember.user_id == user.id)
    )
    assignments = list(
        db.session.scalars(
            sa.select(Assignment)
            .join(UseCase, UseCase.id == Assignment.use_case_id)
            .where(Assignment.reviewer_id == user.id, UseCase.cohort_id.in_(member_cohorts))
            .options(
                joinedload(Assignment.use_case).options(
                    joinedload(UseCase.institution),
                    joinedload(UseCase.cohort).joinedload(Cohort.programme),
                )
            )
            .order_by(Assignment.due_on, Assignment.id)
        )
    )
    ids = [a.use_case_id for a in assignments]
    mine = (
        set(
            db.session.scalars(
                sa.select(Review.use_case_id).where(
                    Review.reviewer_id == user.id, Review.use_case_id.in_(ids)
                )
            )
        )
        if ids
        else set()
    )
    items = [QueueItem(a, a.use_case_id in mine) for a in assignments]
    open_first = sorted(
        items,
        key=lambda i: (i.assignment.use_case.stage not in permissions.BEFORE_COMMITTEE, i.reviewed),
    )
    return open_first


def determinations_awaited(user: User) -> list[UseCase]:
    """Proposals before a committee that are routed to the user's regulator for its own
    determination and have none yet."""
    if user.role is not Role.REGULATOR or user.regulator_id is None:
        return []
    from tracker.organisations.models import Institution
    from tracker.programmes.models import programme_regulator

    candidates = list(
        db.session.scalars(
            sa.select(UseCase)
            .join(Institution, Institution.id == UseCase.institution_id)
            .join(Cohort, Cohort.id == UseCase.cohort_id)
            .join(Programme, Programme.id == Cohort.programme_id)
            .where(
                UseCase.stage.in_(permissions.BEFORE_COMMITTEE),
                Institution.regulator_id == user.regulator_id,
                Programme.lead_regulator_id != user.regulator_id,
                Programme.id.in_(
                    sa.select(programme_regulator.c.programme_id).where(
                        programme_regulator.c.regulator_id == user.regulator_id
                    )
                ),
                ~UseCase.id.in_(
                    sa.select(Determination.use_case_id).where(
                        Determination.regulator_id == user.regulator_id
                    )
                ),
            )
            .options(
                joinedload(UseCase.institution),
                joinedload(UseCase.cohort).joinedload(Cohort.programme),
            )
            .order_by(UseCase.submitted_at, UseCase.id)
            .limit(200)
        )
    )
    return candidates


def assignment_or_404(assignment_id: int, user: User) -> tuple[Assignment, Committee | None]:
    """The reviewer's own assignment, or 404 (also for anyone else's: not even its existence
    is told)."""
    assignment = db.session.scalar(
        sa.select(Assignment)
        .where(Assignment.id == assignment_id)
        .options(
            joinedload(Assignment.use_case).options(
                joinedload(UseCase.institution),
                joinedload(UseCase.category),
                selectinload(UseCase.partners),
                joinedload(UseCase.cohort).options(
                    joinedload(Cohort.programme),
                    selectinload(Cohort.criteria),
                    joinedload(Cohort.committee).selectinload(Committee.members),
                ),
            )
        )
    )
    if assignment is None:
        abort(404)
    committee = assignment.use_case.cohort.committee
    if not permissions.can_see_assignment(user, assignment, committee):
        abort(404)
    return assignment, committee


@dataclass(frozen=True)
class UseCasePanel:
    """What a use case's page shows of its committee, to the regulator side."""

    committee: Committee
    assignments: list[Assignment]
    determinations: list[Determination]
    routed_to: Regulator | None
    may_determine: bool
    may_see_scores: bool
    slate: SlateEntry | None


def use_case_panel(use_case: UseCase, user: User) -> UseCasePanel | None:
    committee = use_case.cohort.committee
    routed = routed_regulator_id(use_case)
    if committee is None and routed is None:
        return None
    assignments = list(
        db.session.scalars(
            sa.select(Assignment)
            .where(Assignment.use_case_id == use_case.id)
            .options(joinedload(Assignment.reviewer), joinedload(Assignment.conflict_partner))
            .order_by(Assignment.id)
        )
    )
    determinations = committee_determinations(use_case.id)
    mine = next((a for a in assignments if a.reviewer_id == user.id), None)
    own_review = any(r.reviewer_id == user.id for r in use_case.reviews)
    slate = db.session.scalar(
        sa.select(SlateEntry)
        .where(SlateEntry.use_case_id == use_case.id)
        .order_by(SlateEntry.decided_at.desc(), SlateEntry.id.desc())
        .limit(1)
    )
    routed_to = next((r for r in use_case.cohort.programme.participants if r.id == routed), None)
    return UseCasePanel(
        committee=committee,  # type: ignore[arg-type]
        assignments=assignments,
        determinations=determinations,
        routed_to=routed_to,
        may_determine=permissions.can_determine(user, use_case, routed),
        may_see_scores=permissions.may_see_others_scores(committee, mine, own_review),
        slate=slate,
    )


@dataclass(frozen=True)
class Feedback:
    """What the applicant is told of the committee's decision."""

    entry: SlateEntry
    share_scores: bool
    criterion_means: dict[str, float]
    reviewer_names: list[str]


def feedback_for(use_case: UseCase) -> Feedback | None:
    """The latest slate decision on the proposal, as its applicant sees it: the outcome, the
    reason and the committee's feedback; the scores and reviewers' names only where the
    cohort shares them."""
    committee = use_case.cohort.committee
    if committee is None:
        return None
    entry = db.session.scalar(
        sa.select(SlateEntry)
        .where(SlateEntry.use_case_id == use_case.id)
        .order_by(SlateEntry.decided_at.desc(), SlateEntry.id.desc())
        .limit(1)
    )
    if entry is None:
        return None
    means: dict[str, float] = {}
    names: list[str] = []
    if committee.share_scores:
        cleared = set(
            db.session.scalars(
                sa.select(Assignment.reviewer_id).where(
                    Assignment.use_case_id == use_case.id,
                    Assignment.declaration == Declaration.NO_CONFLICT,
                )
            )
        )
        counted = [r for r in use_case.reviews if r.reviewer_id in cleared]
        names = sorted(r.reviewer.name for r in counted)
        for criterion in use_case.cohort.criteria:
            values = [s.score for r in counted for s in r.scores if s.criterion_id == criterion.id]
            if values:
                means[criterion.name] = round(mean(values), 1)
    return Feedback(entry, committee.share_scores, means, names)
