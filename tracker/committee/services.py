"""Commands of a selection committee. Each checks the actor's permission and every rule, raises
``RuleError`` with per-field messages (nothing is saved), flushes, and records its events; the
caller's unit of work commits. The slate is applied through the use-case lifecycle commands,
inside the same unit of work: all of it or none."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from tracker import events
from tracker.auth.models import User
from tracker.clock import local_today
from tracker.committee import events as committee_events
from tracker.committee import permissions
from tracker.committee.models import (
    Assignment,
    Committee,
    CommitteeMember,
    ConflictWith,
    Decision,
    Declaration,
    Determination,
    Outcome,
    SlateEntry,
)
from tracker.committee.rules import assignment_of, routed_regulator_id
from tracker.extensions import db, utcnow
from tracker.i18n import gettext as _
from tracker.i18n import ngettext
from tracker.programmes.models import Cohort, SelectionCriterion
from tracker.rules import ConflictError, NotAllowedError, RuleError
from tracker.usecases import services as usecase_services
from tracker.usecases.models import Stage, UseCase
from tracker.usecases.workflow import BY_NAME

TEXT = 20_000
RUBRIC = 2_000
MAX_MEMBERS = 200


def _text(value: str | None) -> str:
    return (value or "").strip()


def _at_most(limit: int) -> str:
    return _("At most %(num)s characters.", num=format(limit, ","))


# ---------------------------------------------------------------- the committee


@dataclass(frozen=True)
class CommitteeData:
    member_ids: tuple[int, ...]
    quorum: int | None
    review_days: int | None
    places: int | None
    blind: bool = True
    share_scores: bool = False


def save_committee(actor: User, cohort: Cohort, data: CommitteeData) -> Committee:
    """Set up the cohort's committee or change it: its members and how it works. A member who
    holds assignments on the cohort stays until they are reassigned."""
    action = "committee.save"
    if not permissions.can_manage_committee(actor, cohort):
        raise NotAllowedError(action)
    committee = cohort.committee
    rules = RuleError.collect(action)
    ids = list(dict.fromkeys(data.member_ids))
    users = (
        {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}
        if ids
        else {}
    )
    rules.check(
        all(i in users and permissions.may_sit_on(users[i], cohort) for i in ids),
        "member_ids",
        _(
            "Choose members from the list: external experts and staff of the programme's "
            "regulators."
        ),
    )
    rules.check(bool(ids), "member_ids", _("Choose the committee's members."))
    rules.check(
        len(ids) <= MAX_MEMBERS,
        "member_ids",
        _("A committee has at most %(num)d members.", num=MAX_MEMBERS),
    )
    if rules.check(
        data.quorum is not None and data.quorum >= 1,
        "quorum",
        _("Give a quorum of at least 1 review."),
    ):
        assert data.quorum is not None
        rules.check(
            data.quorum <= len(ids) or not ids,
            "quorum",
            ngettext(
                "The quorum (%(quorum)d) cannot be larger than the committee (%(num)d member).",
                "The quorum (%(quorum)d) cannot be larger than the committee (%(num)d members).",
                len(ids),
                quorum=data.quorum,
            ),
        )
    rules.check(
        data.review_days is not None and 1 <= data.review_days <= 365,
        "review_days",
        _("Give the days a reviewer has, from 1 to 365."),
    )
    rules.check(
        data.places is None or 0 <= data.places <= 10_000,
        "places",
        _("Give the number of places from 0 to 10,000, or leave it empty."),
    )
    if committee is not None:
        leaving = {m.user_id for m in committee.members} - set(ids)
        if leaving:
            holding = set(
                db.session.scalars(
                    sa.select(Assignment.reviewer_id)
                    .join(UseCase, UseCase.id == Assignment.use_case_id)
                    .where(UseCase.cohort_id == cohort.id, Assignment.reviewer_id.in_(leaving))
                )
            )
            names = ", ".join(
                sorted(m.user.name for m in committee.members if m.user_id in holding)
            )
            rules.check(
                not holding,
                "member_ids",
                ngettext(
                    "%(names)s holds assignments in this cohort and stays on the committee.",
                    "%(names)s hold assignments in this cohort and stay on the committee.",
                    len(holding),
                    names=names,
                ),
            )
    rules.raise_if_any()
    if committee is None:
        committee = Committee(cohort=cohort)
        db.session.add(committee)
    committee.quorum = data.quorum or 1
    committee.review_days = data.review_days or 1
    committee.places = data.places
    committee.blind = data.blind
    committee.share_scores = data.share_scores
    present = {m.user_id: m for m in committee.members}
    for member in list(committee.members):
        if member.user_id not in ids:
            committee.members.remove(member)
    for user_id in ids:
        if user_id not in present:
            committee.members.append(CommitteeMember(user_id=user_id))
    db.session.flush()
    events.record(committee_events.CommitteeSaved(actor_id=actor.id, cohort_id=cohort.id))
    return committee


@dataclass(frozen=True)
class CriterionData:
    criterion_id: int
    weight: int | None
    rubric_1: str
    rubric_3: str
    rubric_5: str


def save_criteria(actor: User, cohort: Cohort, rows: list[CriterionData]) -> None:
    """Weights and rubric of the cohort's criteria (their names are the cohort's own form's)."""
    action = "committee.criteria"
    if not permissions.can_manage_committee(actor, cohort):
        raise NotAllowedError(action)
    rules = RuleError.collect(action)
    criteria = {c.id: c for c in cohort.criteria}
    rules.check(
        {r.criterion_id for r in rows} == set(criteria) and len(rows) == len(criteria),
        "__all__",
        _("Give a weight for each of the cohort's criteria, as listed."),
    )
    for row in rows:
        rules.check(
            row.weight is not None and 0 <= row.weight <= 100,
            f"weight_{row.criterion_id}",
            _("Give a weight from 0 to 100."),
        )
        for level in ("1", "3", "5"):
            text = getattr(row, f"rubric_{level}")
            rules.check(
                len(_text(text)) <= RUBRIC,
                f"rubric_{level}_{row.criterion_id}",
                _("Keep the rubric to %(num)s characters.", num=format(RUBRIC, ",")),
            )
    if all(r.weight is not None for r in rows):
        rules.check(
            sum(r.weight or 0 for r in rows) > 0,
            "__all__",
            _("The weights sum to zero: give at least one criterion a weight above 0."),
        )
    rules.raise_if_any()
    for row in rows:
        criterion: SelectionCriterion = criteria[row.criterion_id]
        criterion.weight = row.weight or 0
        criterion.rubric_1 = _text(row.rubric_1)
        criterion.rubric_3 = _text(row.rubric_3)
        criterion.rubric_5 = _text(row.rubric_5)
    db.session.flush()
    events.record(committee_events.CriteriaWeighted(actor_id=actor.id, cohort_id=cohort.id))


# ---------------------------------------------------------------- assignment


def _committee_or_refuse(cohort: Cohort, action: str) -> Committee:
    if cohort.committee is None:
        raise RuleError(_("Set up the cohort's committee first."), action)
    return cohort.committee


def review_due_on(committee: Committee) -> date:
    """When a review assigned today is due: the committee's days for a review, counted in the
    lead regulator's working days (tracker/clocks/calendar.py: weekends, Hong Kong holidays and
    its own closures skipped), like the stage clocks."""
    from tracker.clocks.calendar import add_working_days

    lead = committee.cohort.programme.lead_regulator_id
    return add_working_days(lead, local_today(), committee.review_days)


def _new_assignment(actor: User, use_case: UseCase, reviewer: User, due_on: date) -> Assignment:
    assignment = Assignment(
        use_case_id=use_case.id,
        reviewer_id=reviewer.id,
        assigned_by_id=actor.id,
        assigned_at=utcnow(),
        due_on=due_on,
    )
    db.session.add(assignment)
    return assignment


def _record_assigned(actor: User, assignments: list[Assignment]) -> None:
    db.session.flush()
    for a in assignments:
        events.record(
            committee_events.ReviewerAssigned(
                actor_id=actor.id, use_case_id=a.use_case_id, assignment_id=a.id
            )
        )


def assign(actor: User, use_case: UseCase, reviewer_ids: tuple[int, ...]) -> list[Assignment]:
    """Assign committee members to review a proposal, by hand. Nobody reviews a proposal of
    their own organisation (the applicant or a technology partner named on it)."""
    action = "committee.assign"
    cohort = use_case.cohort
    if not permissions.can_manage_committee(actor, cohort):
        raise NotAllowedError(action)
    committee = _committee_or_refuse(cohort, action)
    rules = RuleError.collect(action)
    rules.check(
        use_case.stage in permissions.BEFORE_COMMITTEE,
        "__all__",
        _("Only a proposal submitted or under review is assigned to reviewers."),
    )
    members = {m.user_id: m.user for m in committee.members}
    rules.check(bool(reviewer_ids), "reviewer_ids", _("Choose at least one reviewer."))
    already = {
        a.reviewer_id
        for a in db.session.scalars(
            sa.select(Assignment).where(Assignment.use_case_id == use_case.id)
        )
    }
    for reviewer_id in reviewer_ids:
        reviewer = members.get(reviewer_id)
        if reviewer is None:
            rules.add("reviewer_ids", _("Choose reviewers from the committee's members."))
            continue
        if reviewer_id in already:
            rules.add(
                "reviewer_ids",
                _("%(name)s is already assigned to this proposal.", name=reviewer.name),
            )
        if permissions.is_own_organisation(reviewer, use_case):
            rules.add(
                "reviewer_ids",
                _(
                    "%(name)s works for %(institution)s, which is on this proposal: nobody "
                    "reviews their own organisation's proposal.",
                    name=reviewer.name,
                    institution=reviewer.institution,
                ),
            )
    rules.raise_if_any()
    due_on = review_due_on(committee)
    made = [
        _new_assignment(actor, use_case, members[i], due_on) for i in dict.fromkeys(reviewer_ids)
    ]
    _record_assigned(actor, made)
    return made


def spread(actor: User, cohort: Cohort, per_proposal: int | None) -> list[Assignment]:
    """Give every proposal before the committee ``per_proposal`` reviewers who may review it,
    each time choosing the eligible members with the fewest assignments in the cohort so far
    (ties to the longest-standing member): the load is spread evenly in one action."""
    action = "committee.spread"
    if not permissions.can_manage_committee(actor, cohort):
        raise NotAllowedError(action)
    committee = _committee_or_refuse(cohort, action)
    rules = RuleError.collect(action)
    members = [m.user for m in committee.members if m.user.active]
    if rules.check(
        per_proposal is not None and per_proposal >= 1,
        "per_proposal",
        _("Give the number of reviewers per proposal, at least 1."),
    ):
        assert per_proposal is not None
        rules.check(
            per_proposal <= len(members),
            "per_proposal",
            _(
                "The committee has %(members)d active members: it cannot give each proposal "
                "%(num)d reviewers.",
                members=len(members),
                num=per_proposal,
            ),
        )
    rules.raise_if_any()
    assert per_proposal is not None
    proposals = list(
        db.session.scalars(
            sa.select(UseCase)
            .where(UseCase.cohort_id == cohort.id, UseCase.stage.in_(permissions.BEFORE_COMMITTEE))
            .order_by(UseCase.submitted_at, UseCase.id)
        )
    )
    existing = list(
        db.session.scalars(
            sa.select(Assignment)
            .join(UseCase, UseCase.id == Assignment.use_case_id)
            .where(UseCase.cohort_id == cohort.id)
        )
    )
    load = Counter(a.reviewer_id for a in existing)
    on_case: dict[int, set[int]] = {}
    counted: dict[int, int] = {}
    for a in existing:
        on_case.setdefault(a.use_case_id, set()).add(a.reviewer_id)
        if not a.recused:
            counted[a.use_case_id] = counted.get(a.use_case_id, 0) + 1
    order = {m.id: n for n, m in enumerate(members)}
    made: list[Assignment] = []
    short: list[str] = []
    due_on = review_due_on(committee)
    for use_case in proposals:
        taken = on_case.setdefault(use_case.id, set())
        needed = per_proposal - counted.get(use_case.id, 0)
        eligible = sorted(
            (
                m
                for m in members
                if m.id not in taken and not permissions.is_own_organisation(m, use_case)
            ),
            key=lambda m: (load[m.id], order[m.id]),
        )
        if needed > len(eligible):
            short.append(use_case.reference)
        for member in eligible[: max(needed, 0)]:
            made.append(_new_assignment(actor, use_case, member, due_on))
            taken.add(member.id)
            load[member.id] += 1
    if short:
        raise RuleError(
            {
                "per_proposal": (
                    _(
                        "Not enough members may review %(proposals)s and others (their own "
                        "organisation's proposals) to give each %(num)d reviewers. Lower the "
                        "number or add members.",
                        proposals=", ".join(short[:10]),
                        num=per_proposal,
                    )
                    if len(short) > 10
                    else _(
                        "Not enough members may review %(proposals)s (their own "
                        "organisation's proposals) to give each %(num)d reviewers. Lower the "
                        "number or add members.",
                        proposals=", ".join(short[:10]),
                        num=per_proposal,
                    )
                )
            },
            action,
        )
    _record_assigned(actor, made)
    return made


# ---------------------------------------------------------------- conflicts of interest


@dataclass(frozen=True)
class DeclarationData:
    conflict: bool | None
    conflict_with: ConflictWith | None = None
    partner_id: int | None = None
    note: str = ""


def declare(user: User, assignment: Assignment, data: DeclarationData) -> Assignment:
    """The assigned reviewer declares no conflict, or a conflict with the institution or a
    technology partner on the proposal (with a note), once: a conflict recuses them."""
    action = "committee.declare"
    use_case = assignment.use_case
    committee = use_case.cohort.committee
    if not permissions.can_see_assignment(user, assignment, committee):
        raise NotAllowedError(action)
    if assignment.declared:
        raise ConflictError(action=action)
    rules = RuleError.collect(action)
    rules.check(
        use_case.stage in permissions.BEFORE_COMMITTEE,
        "__all__",
        _("This proposal is no longer before the committee."),
    )
    rules.check(
        data.conflict is not None, "conflict", _("Say whether you have a conflict of interest.")
    )
    note = _text(data.note)
    rules.check(
        len(note) <= TEXT,
        "note",
        _("The note is at most %(num)s characters.", num=format(TEXT, ",")),
    )
    if data.conflict:
        rules.check(
            data.conflict_with is not None, "conflict_with", _("Say who the conflict is with.")
        )
        if data.conflict_with is ConflictWith.PARTNER:
            rules.check(
                data.partner_id in {p.id for p in use_case.partners},
                "partner_id",
                _("Choose the technology partner named on the proposal."),
            )
        rules.check(bool(note), "note", _("Describe the conflict."))
    rules.raise_if_any()
    conflict_with = data.conflict_with if data.conflict else None
    # One UPDATE that only matches a pending declaration: two windows declaring at once cannot
    # both land, and what was declared first is never overwritten.
    declared = db.session.execute(
        sa.update(Assignment)
        .where(Assignment.id == assignment.id, Assignment.declaration == Declaration.PENDING)
        .values(
            declaration=Declaration.CONFLICT if data.conflict else Declaration.NO_CONFLICT,
            conflict_with=conflict_with,
            conflict_partner_id=data.partner_id if conflict_with is ConflictWith.PARTNER else None,
            conflict_note=note,
            declared_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if declared.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError(action=action)
    db.session.expire(assignment)
    events.record(
        committee_events.InterestsDeclared(
            actor_id=user.id,
            use_case_id=use_case.id,
            assignment_id=assignment.id,
            conflict=bool(data.conflict),
        )
    )
    return assignment


# ---------------------------------------------------------------- determinations


def record_determination(
    user: User, use_case: UseCase, decision: Decision | None, reasons: str, conditions: str = ""
) -> Determination:
    """A participating regulator's own determination on a proposal from a firm it supervises:
    support, support with conditions, or object, always with its reasons."""
    action = "committee.determination"
    if not permissions.can_determine(user, use_case, routed_regulator_id(use_case)):
        raise NotAllowedError(action)
    rules = RuleError.collect(action)
    rules.check(decision is not None, "decision", _("Choose the determination."))
    rules.check(bool(_text(reasons)), "reasons", _("Give the reasons."))
    rules.check(len(_text(reasons)) <= TEXT, "reasons", _at_most(TEXT))
    rules.check(len(_text(conditions)) <= TEXT, "conditions", _at_most(TEXT))
    if decision is Decision.SUPPORT_WITH_CONDITIONS:
        rules.check(bool(_text(conditions)), "conditions", _("Give the conditions."))
    elif decision is not None:
        rules.check(
            not _text(conditions),
            "conditions",
            _("Conditions go with “Support with conditions”: clear them or choose that."),
        )
    rules.raise_if_any()
    assert decision is not None and user.regulator_id is not None
    determination = Determination(
        use_case_id=use_case.id,
        regulator_id=user.regulator_id,
        decision=decision,
        reasons=_text(reasons),
        conditions=_text(conditions),
        by_id=user.id,
        at=utcnow(),
    )
    db.session.add(determination)
    db.session.flush()
    events.record(
        committee_events.DeterminationRecorded(
            actor_id=user.id, use_case_id=use_case.id, determination_id=determination.id
        )
    )
    return determination


# ---------------------------------------------------------------- the slate


@dataclass(frozen=True)
class SlateChoice:
    use_case_id: int
    outcome: Outcome | None
    reason: str
    feedback: str = ""
    override_reason: str = ""
    expected_version: int | None = None
    rank: int | None = None
    weighted_mean: float | None = None


def decide_slate(user: User, cohort: Cohort, choices: list[SlateChoice]) -> list[SlateEntry]:
    """Record the committee's decision on the slate and apply it through the lifecycle
    commands: a selected proposal is selected, one not selected is rejected with the reason,
    one on the reserve list stays under review. One unit of work: all or nothing."""
    action = "committee.slate"
    if not permissions.can_decide_slate(user, cohort):
        raise NotAllowedError(action)
    committee = _committee_or_refuse(cohort, action)
    rules = RuleError.collect(action)
    decided = [c for c in choices if c.outcome is not None]
    rules.check(bool(decided), "__all__", _("Decide at least one proposal."))
    ids = [c.use_case_id for c in decided]
    use_cases = (
        {uc.id: uc for uc in db.session.scalars(sa.select(UseCase).where(UseCase.id.in_(ids)))}
        if ids
        else {}
    )
    for choice in decided:
        uc = use_cases.get(choice.use_case_id)
        where = f"reason_{choice.use_case_id}"
        if uc is None or uc.cohort_id != cohort.id or not uc.is_proposal:
            rules.add("__all__", _("The slate lists only this cohort's proposals."))
            continue
        if choice.expected_version is not None and uc.version != choice.expected_version:
            raise ConflictError(usecase_services.last_change(uc), action)
        rules.check(
            uc.stage is Stage.UNDER_REVIEW,
            where,
            _(
                "%(reference)s is %(stage)s, not under review: it cannot be decided.",
                reference=uc.reference,
                stage=uc.stage.label.lower(),
            ),
        )
        rules.check(
            bool(_text(choice.reason)),
            where,
            _("Give the reason for %(reference)s.", reference=uc.reference),
        )
        rules.check(len(_text(choice.reason)) <= TEXT, where, _at_most(TEXT))
        rules.check(
            len(_text(choice.feedback)) <= TEXT,
            f"feedback_{choice.use_case_id}",
            _at_most(TEXT),
        )
        assignment = assignment_of(user, uc)
        rules.check(
            assignment is None or not assignment.recused,
            where,
            _(
                "You are recused from %(reference)s (you declared a conflict of interest): "
                "a colleague decides it.",
                reference=uc.reference,
            ),
        )
    if committee.places is not None:
        already = (
            db.session.scalar(
                sa.select(sa.func.count(UseCase.id)).where(
                    UseCase.cohort_id == cohort.id, UseCase.selected_at.is_not(None)
                )
            )
            or 0
        )
        selecting = sum(1 for c in decided if c.outcome is Outcome.SELECTED)
        rules.check(
            already + selecting <= committee.places,
            "__all__",
            _(
                "The cohort has %(places)d places and %(taken)d are taken: the slate selects "
                "%(selecting)d, %(over)d too many.",
                places=committee.places,
                taken=already,
                selecting=selecting,
                over=already + selecting - committee.places,
            ),
        )
    rules.raise_if_any()
    entries: list[SlateEntry] = []
    now = utcnow()
    for choice in decided:
        uc = use_cases[choice.use_case_id]
        assert choice.outcome is not None
        if choice.outcome is Outcome.SELECTED:
            _apply(uc, "select", user, choice, override=_text(choice.override_reason))
        elif choice.outcome is Outcome.NOT_SELECTED:
            _apply(uc, "reject", user, choice, override=None)
        entry = SlateEntry(
            cohort_id=cohort.id,
            use_case_id=uc.id,
            outcome=choice.outcome,
            rank=choice.rank,
            weighted_mean=choice.weighted_mean,
            reason=_text(choice.reason),
            feedback=_text(choice.feedback),
            override_reason=_text(choice.override_reason) or None,
            decided_by_id=user.id,
            decided_at=now,
        )
        db.session.add(entry)
        entries.append(entry)
    db.session.flush()
    events.record(
        committee_events.SlateDecided(actor_id=user.id, cohort_id=cohort.id, entries=len(entries))
    )
    return entries


def _apply(uc: UseCase, name: str, user: User, choice: SlateChoice, override: str | None) -> None:
    """One lifecycle command; its refusal is the slate's, named after the proposal."""
    try:
        usecase_services.apply_transition(
            uc,
            BY_NAME[name],
            user,
            uc.version,
            reason=_text(choice.reason),
            override_reason=override if override is not None else "",
        )
    except RuleError as exc:
        messages = [m for ms in exc.errors.values() for m in ms]
        field = "override_" if "override_reason" in exc.errors else "reason_"
        raise RuleError(
            {f"{field}{uc.id}": [f"{uc.reference}: {m}" for m in messages]}, "committee.slate"
        ) from exc
