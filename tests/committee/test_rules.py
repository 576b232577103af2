"""The committee's rules, held by the commands themselves: each bad input from the issue is
refused with a clear message and nothing is saved."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests import factories as f
from tests.committee.conftest import Panel, declare_none, run, scores_for
from tracker.api import tokens
from tracker.api.models import TokenScope
from tracker.committee import queries, services
from tracker.committee.models import (
    Assignment,
    ConflictWith,
    Decision,
    Declaration,
    Determination,
    Outcome,
    SlateEntry,
)
from tracker.extensions import db
from tracker.programmes.models import SelectionCriterion
from tracker.rules import ConflictError, NotAllowedError, RuleError
from tracker.usecases import permissions
from tracker.usecases import services as usecase_services
from tracker.usecases.models import Review, Stage, StageTransition
from tracker.usecases.workflow import BY_NAME


def _count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def _review(panel: Panel, user, use_case, score: int = 4) -> None:  # type: ignore[no-untyped-def]
    run(lambda: usecase_services.save_review(use_case, user, scores_for(use_case, score), ""))


def _select(panel: Panel, user, use_case, **kw):  # type: ignore[no-untyped-def]
    return run(
        lambda: usecase_services.apply_transition(
            use_case, BY_NAME["select"], user, use_case.version, **kw
        )
    )


def test_scoring_without_a_declaration_is_refused_and_nothing_saved(panel: Panel):
    with pytest.raises(RuleError) as caught:
        _review(panel, panel.expert, panel.uc2)
    assert "Declare whether you have a conflict of interest" in str(caught.value)
    assert _count(Review) == 0


def test_an_expert_declaring_no_conflict_scores_through_the_command(panel: Panel):
    _review(panel, panel.expert, panel.uc)
    review = db.session.scalar(sa.select(Review).where(Review.reviewer_id == panel.expert.id))
    assert review is not None and len(review.scores) == 4


def test_a_recused_reviewer_cannot_score(panel: Panel):
    run(
        lambda: services.declare(
            panel.colleague,
            panel.colleague_on_uc,
            services.DeclarationData(True, ConflictWith.INSTITUTION, note="Former employer."),
        )
    )
    with pytest.raises(RuleError) as caught:
        _review(panel, panel.colleague, panel.uc)
    assert "recused" in str(caught.value)
    assert _count(Review) == 0


def test_a_conflict_needs_who_it_is_with_and_a_note(panel: Panel):
    with pytest.raises(RuleError) as caught:
        run(lambda: services.declare(panel.expert, panel.pending, services.DeclarationData(True)))
    assert set(caught.value.errors) == {"conflict_with", "note"}
    with pytest.raises(RuleError) as caught:
        run(
            lambda: services.declare(
                panel.expert,
                panel.pending,
                services.DeclarationData(True, ConflictWith.PARTNER, partner_id=999, note="x"),
            )
        )
    assert "partner_id" in caught.value.errors
    db.session.expire_all()
    assert db.session.get(Assignment, panel.pending.id).declaration is Declaration.PENDING


def test_only_the_assigned_reviewer_declares(panel: Panel):
    with pytest.raises(NotAllowedError):
        run(
            lambda: services.declare(
                panel.colleague, panel.pending, services.DeclarationData(conflict=False)
            )
        )


def test_an_expert_from_a_partner_named_on_the_proposal_is_not_assigned(panel: Panel):
    with pytest.raises(RuleError) as caught:
        run(lambda: services.assign(panel.world.reviewer, panel.uc, (panel.partner_expert.id,)))
    assert "nobody reviews their own organisation's proposal" in str(caught.value)
    assert "Kowloon AI Labs" in str(caught.value)
    assert _count(Assignment) == 3


def test_a_reviewer_not_on_the_committee_or_already_assigned_is_refused(panel: Panel):
    with pytest.raises(RuleError) as caught:
        run(lambda: services.assign(panel.world.reviewer, panel.uc2, (panel.other_expert.id,)))
    assert "committee's members" in str(caught.value)
    with pytest.raises(RuleError) as caught:
        run(lambda: services.assign(panel.world.reviewer, panel.uc2, (panel.expert.id,)))
    assert "already assigned" in str(caught.value)


def test_a_quorum_larger_than_the_committee_is_refused(panel: Panel):
    members = tuple(m.user_id for m in panel.committee.members)
    with pytest.raises(RuleError) as caught:
        run(
            lambda: services.save_committee(
                panel.world.reviewer,
                panel.world.cohort,
                services.CommitteeData(members, quorum=5, review_days=14, places=5),
            )
        )
    assert "cannot be larger than the committee (4 members)" in str(caught.value)
    db.session.expire_all()
    assert panel.world.cohort.committee.quorum == 2


def test_weights_that_sum_to_zero_are_refused(panel: Panel):
    cohort = panel.world.cohort
    rows = [services.CriterionData(c.id, 0, "", "", "") for c in cohort.criteria]
    with pytest.raises(RuleError) as caught:
        run(lambda: services.save_criteria(panel.world.reviewer, cohort, rows))
    assert "The weights sum to zero" in str(caught.value)
    db.session.expire_all()
    assert {c.weight for c in db.session.scalars(sa.select(SelectionCriterion))} == {1}


def test_weights_and_rubric_are_saved_and_weigh_the_ranking(panel: Panel):
    cohort = panel.world.cohort
    first, *rest = cohort.criteria
    rows = [services.CriterionData(first.id, 3, "Copies others", "Some novelty", "First")]
    rows += [services.CriterionData(c.id, 1, "", "", "") for c in rest]
    run(lambda: services.save_criteria(panel.world.reviewer, cohort, rows))
    scores = {c.id: (5 if c.id == first.id else 1, "") for c in cohort.criteria}
    run(lambda: usecase_services.save_review(panel.uc, panel.expert, scores, ""))
    view = queries.committee_view(
        queries.cohort_or_404(cohort.id), panel.world.cohort.created_at.date()
    )
    row = next(r for r in view.ranked if r.use_case.id == panel.uc.id)
    assert row.weighted_mean == round((5 * 3 + 1 * 3) / 6, 2)
    assert db.session.get(SelectionCriterion, first.id).rubric_5 == "First"


def test_selection_without_quorum_is_refused_by_the_command(panel: Panel):
    _review(panel, panel.expert, panel.uc)
    # The regulator's staff in remit, not assigned, try to select after one review.
    with pytest.raises(RuleError) as caught:
        _select(panel, panel.world.reviewer, panel.uc)
    assert "Selection needs 2 complete reviews" in str(caught.value)
    assert "this proposal has 1" in str(caught.value)
    db.session.expire_all()
    assert panel.uc.stage is Stage.UNDER_REVIEW
    declare_none(panel.colleague, panel.colleague_on_uc)
    _review(panel, panel.colleague, panel.uc)
    _select(panel, panel.world.reviewer, panel.uc)
    assert panel.uc.stage is Stage.SELECTED


def test_a_review_by_an_unassigned_reviewer_does_not_count(panel: Panel):
    f.create_review(panel.uc, panel.world.sfc_reviewer)
    _review(panel, panel.expert, panel.uc)
    db.session.commit()
    with pytest.raises(RuleError):
        _select(panel, panel.world.reviewer, panel.uc)


def test_selection_by_a_recused_reviewer_is_refused_by_the_command(panel: Panel):
    # The world's reviewer is assigned too, and declares a conflict; the quorum is met by the
    # expert and the colleague.
    mine = run(lambda: services.assign(panel.world.reviewer, panel.uc, (panel.world.reviewer.id,)))
    run(
        lambda: services.declare(
            panel.world.reviewer,
            mine[0],
            services.DeclarationData(True, ConflictWith.PARTNER, panel.world.partner.id, "Shares."),
        )
    )
    _review(panel, panel.expert, panel.uc)
    declare_none(panel.colleague, panel.colleague_on_uc)
    _review(panel, panel.colleague, panel.uc)
    with pytest.raises(RuleError) as caught:
        _select(panel, panel.world.reviewer, panel.uc)
    assert "recused" in str(caught.value)
    with pytest.raises(RuleError):
        run(
            lambda: usecase_services.apply_transition(
                panel.uc, BY_NAME["reject"], panel.world.reviewer, panel.uc.version, reason="No"
            )
        )
    db.session.expire_all()
    assert panel.uc.stage is Stage.UNDER_REVIEW
    # Recused: the others' scores are hidden from them.
    assert not permissions.can_review(panel.world.reviewer, panel.uc)


def _sandbox_plus(panel: Panel):  # type: ignore[no-untyped-def]
    """A securities firm's proposal: routed to the SFC, which takes part in the programme."""
    w = panel.world
    broker = f.create_institution(w.sfc, f.InstitutionKind.SECURITIES, name="Peak Securities")
    w.programme.sectors = ["banking", "securities"]
    uc = f.create_use_case(w.cohort, broker, w.category, stage=Stage.UNDER_REVIEW)
    db.session.commit()
    run(lambda: services.assign(w.reviewer, uc, (panel.expert.id, panel.colleague.id)))
    for a in db.session.scalars(sa.select(Assignment).where(Assignment.use_case_id == uc.id)):
        declare_none(a.reviewer, a)
        _review(panel, a.reviewer, uc)
    return uc


def test_the_participating_regulator_records_its_determination(panel: Panel):
    uc = _sandbox_plus(panel)
    w = panel.world
    with pytest.raises(NotAllowedError):  # not routed to the IA, nor the lead's
        run(lambda: services.record_determination(w.ia_reviewer, uc, Decision.OBJECT, "No"))
    with pytest.raises(NotAllowedError):
        run(lambda: services.record_determination(w.reviewer, uc, Decision.OBJECT, "No"))
    with pytest.raises(RuleError) as caught:
        run(
            lambda: services.record_determination(
                w.sfc_reviewer, uc, Decision.SUPPORT_WITH_CONDITIONS, ""
            )
        )
    assert set(caught.value.errors) == {"reasons", "conditions"}
    assert _count(Determination) == 0
    run(
        lambda: services.record_determination(
            w.sfc_reviewer, uc, Decision.OBJECT, "Suitability controls are missing."
        )
    )
    with pytest.raises(RuleError) as caught:
        _select(panel, w.reviewer, uc)
    assert "The SFC objects to this proposal" in str(caught.value)
    assert "override_reason" in caught.value.errors
    moved = _select(panel, w.reviewer, uc, override_reason="Conditions agreed at exit.")
    assert moved.details["override_reason"] == "Conditions agreed at exit."
    assert moved.details["overrides"] == "SFC"


def _slate(panel: Panel, *choices: services.SlateChoice) -> list[SlateEntry]:
    cohort = queries.cohort_or_404(panel.world.cohort.id)
    return run(lambda: services.decide_slate(panel.world.reviewer, cohort, list(choices)))


def _quorum_on(panel: Panel, use_case) -> None:  # type: ignore[no-untyped-def]
    existing = {
        a.reviewer_id: a
        for a in db.session.scalars(
            sa.select(Assignment).where(Assignment.use_case_id == use_case.id)
        )
    }
    for member in (panel.expert, panel.colleague):
        if member.id not in existing:
            existing[member.id] = run(
                lambda m=member: services.assign(panel.world.reviewer, use_case, (m.id,))
            )[0]
        if not existing[member.id].declared:
            declare_none(member, existing[member.id])
        _review(panel, member, use_case)


def test_a_slate_with_more_selections_than_places_is_refused_and_nothing_changes(panel: Panel):
    _quorum_on(panel, panel.uc)
    _quorum_on(panel, panel.uc2)
    panel.committee.places = 1
    db.session.commit()
    with pytest.raises(RuleError) as caught:
        _slate(
            panel,
            services.SlateChoice(panel.uc.id, Outcome.SELECTED, "Strongest."),
            services.SlateChoice(panel.uc2.id, Outcome.SELECTED, "Second."),
        )
    assert "The cohort has 1 places and 0 are taken: the slate selects 2, 1 too many." in str(
        caught.value
    )
    db.session.expire_all()
    assert {panel.uc.stage, panel.uc2.stage} == {Stage.UNDER_REVIEW}
    assert _count(SlateEntry) == 0


def test_the_slate_applies_through_the_lifecycle_all_or_nothing(panel: Panel):
    _quorum_on(panel, panel.uc)
    third = f.create_use_case(
        panel.world.cohort, panel.world.other_bank, panel.world.category, stage=Stage.UNDER_REVIEW
    )
    db.session.commit()
    # uc2 has no quorum: selecting it fails, so nothing of the slate is applied.
    with pytest.raises(RuleError) as caught:
        _slate(
            panel,
            services.SlateChoice(panel.uc.id, Outcome.SELECTED, "Strongest."),
            services.SlateChoice(panel.uc2.id, Outcome.SELECTED, "Also strong."),
            services.SlateChoice(third.id, Outcome.NOT_SELECTED, "Out of scope."),
        )
    assert f"reason_{panel.uc2.id}" in caught.value.errors
    db.session.expire_all()
    assert {panel.uc.stage, panel.uc2.stage, third.stage} == {Stage.UNDER_REVIEW}
    assert _count(SlateEntry) == 0
    entries = _slate(
        panel,
        services.SlateChoice(panel.uc.id, Outcome.SELECTED, "Strongest.", "Well argued."),
        services.SlateChoice(panel.uc2.id, Outcome.RESERVE, "Next in line."),
        services.SlateChoice(third.id, Outcome.NOT_SELECTED, "Out of scope.", "Try cohort 3."),
    )
    db.session.expire_all()
    assert [e.outcome for e in entries] == [Outcome.SELECTED, Outcome.RESERVE, Outcome.NOT_SELECTED]
    assert (panel.uc.stage, panel.uc2.stage, third.stage) == (
        Stage.SELECTED,
        Stage.UNDER_REVIEW,
        Stage.REJECTED,
    )
    rejected = db.session.scalar(
        sa.select(StageTransition).where(
            StageTransition.use_case_id == third.id, StageTransition.action == "reject"
        )
    )
    assert rejected is not None and rejected.reason == "Out of scope."


def test_each_slate_entry_needs_a_reason(panel: Panel):
    with pytest.raises(RuleError) as caught:
        _slate(panel, services.SlateChoice(panel.uc2.id, Outcome.RESERVE, "  "))
    assert caught.value.errors == {
        f"reason_{panel.uc2.id}": [f"Give the reason for {panel.uc2.reference}."]
    }


def test_only_the_lead_regulator_decides_the_slate(panel: Panel):
    cohort = queries.cohort_or_404(panel.world.cohort.id)
    for user in (panel.world.sfc_reviewer, panel.expert, panel.world.admin, panel.world.supervisor):
        with pytest.raises(NotAllowedError):
            run(
                lambda u=user: services.decide_slate(
                    u, cohort, [services.SlateChoice(panel.uc2.id, Outcome.RESERVE, "x")]
                )
            )


def test_spread_gives_every_proposal_its_reviewers_evenly(panel: Panel):
    w = panel.world
    for n in range(7):
        f.create_use_case(
            w.cohort,
            w.bank,
            w.category,
            stage=Stage.SUBMITTED,
            partners=[w.partner] if n % 2 else [],
        )
    db.session.commit()
    run(lambda: services.spread(w.reviewer, queries.cohort_or_404(w.cohort.id), 2))
    db.session.expire_all()
    assignments = list(db.session.scalars(sa.select(Assignment)))
    per_case: dict[int, list[int]] = {}
    for a in assignments:
        per_case.setdefault(a.use_case_id, []).append(a.reviewer_id)
    assert all(len(v) >= 2 for v in per_case.values()) and len(per_case) == 9
    # Never the partner's employee on a proposal naming the partner.
    partnered = {uc.id for uc in db.session.scalars(sa.select(f.UseCase)) if uc.partners}
    assert not any(panel.partner_expert.id in per_case[uc_id] for uc_id in partnered)
    load = [
        sum(1 for a in assignments if a.reviewer_id == m.user_id) for m in panel.committee.members
    ]
    assert max(load) - min(load) <= 2


def test_spread_refuses_more_reviewers_than_members(panel: Panel):
    with pytest.raises(RuleError) as caught:
        run(
            lambda: services.spread(
                panel.world.reviewer, queries.cohort_or_404(panel.world.cohort.id), 5
            )
        )
    assert "The committee has 4 active members" in str(caught.value)


def test_experts_cannot_hold_api_tokens(panel: Panel):
    with pytest.raises(NotAllowedError):
        tokens.create_token(panel.expert, "My script", TokenScope.READ, 30)


def test_an_expert_never_sees_a_use_case_through_the_regulator_rules(panel: Panel):
    assert not permissions.can_view(panel.expert, panel.uc)
    assert not permissions.can_see_internal(panel.expert)
    db.session.expire_all()
    visible = db.session.scalars(
        sa.select(f.UseCase.id).where(permissions.visible_filter(panel.expert))
    ).all()
    assert visible == []


def test_a_declaration_is_made_once_and_kept(panel: Panel):
    with pytest.raises(ConflictError):
        run(
            lambda: services.declare(
                panel.expert,
                panel.cleared,
                services.DeclarationData(True, ConflictWith.INSTITUTION, note="Changed my mind"),
            )
        )
    db.session.expire_all()
    kept = db.session.get(Assignment, panel.cleared.id)
    assert kept.declaration is Declaration.NO_CONFLICT and kept.conflict_note == ""


def test_a_review_is_due_in_the_lead_regulators_working_days(panel: Panel, freeze_time) -> None:  # type: ignore[no-untyped-def]
    """The committee's days for a review skip weekends, Hong Kong holidays and the lead
    regulator's closures, like the stage clocks: 14 working days from Friday 18 Dec 2026 pass
    three weekends, Christmas Day (Fri 25 Dec; the day after falls on a Saturday and is not
    carried over) and New Year's Day (Fri 1 Jan 2027)."""
    from datetime import date, datetime

    freeze_time(datetime(2026, 12, 18, 2, 0))
    assert panel.committee.review_days == 14
    assert services.review_due_on(panel.committee) == date(2027, 1, 11)
