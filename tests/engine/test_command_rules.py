"""Every rule is the command's own: each is enforced here with no form in the way."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests import factories as f
from tests.conftest import World
from tracker.extensions import db
from tracker.programmes.models import CohortStatus
from tracker.rules import ConflictError, NotAllowedError, RuleError
from tracker.usecases import services
from tracker.usecases.models import Audience, MilestoneStatus, Rag, Severity, Stage, Technique
from tracker.usecases.workflow import BY_NAME


def _proposal(world: World, **overrides: object) -> services.ProposalData:
    values: dict[str, object] = {
        "cohort_id": world.cohort.id,
        "category_id": world.category.id,
        "title": "Deepfake voice detection",
        "summary": "Detect synthetic voices.",
        "problem_statement": "Cloned voices.",
        "technique": Technique.FINE_TUNING,
        "data_used": "Recorded calls.",
        "personal_data": True,
        "audience": Audience.CUSTOMER,
        "safeguards": "Human review.",
        "kpis": "Detection rate",
        "gpu_hours": 100,
        "partner_ids": (),
    }
    values.update(overrides)
    return services.ProposalData(**values)  # type: ignore[arg-type]


def _errors(excinfo: pytest.ExceptionInfo[RuleError]) -> set[str]:
    return set(excinfo.value.errors)


def test_a_draft_goes_only_into_a_cohort_open_to_the_institution(world: World) -> None:
    world.cohort.status = CohortStatus.CLOSED
    with pytest.raises(RuleError) as refused:
        services.create_draft(world.bank_user, _proposal(world))
    assert _errors(refused) == {"cohort_id"}


def test_a_draft_needs_its_text_and_a_sane_compute_request(world: World) -> None:
    with pytest.raises(RuleError) as refused:
        services.create_draft(world.bank_user, _proposal(world, title="  ", gpu_hours=-1))
    assert _errors(refused) == {"title", "gpu_hours"}


def test_only_institution_users_draft(world: World) -> None:
    with pytest.raises(NotAllowedError):
        services.create_draft(world.reviewer, _proposal(world))


def test_a_submitted_proposal_stays_in_its_cohort(world: World) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.CHANGES_REQUESTED)
    other = f.create_cohort(world.programme, name="Cohort 2")
    with pytest.raises(RuleError) as refused:
        services.update_proposal(
            uc, world.bank_user, _proposal(world, cohort_id=other.id), uc.version
        )
    assert _errors(refused) == {"cohort_id"}


def test_a_stale_edit_is_a_conflict_before_anything_else(world: World) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    # Not editable now, but the user's form is stale: they learn it changed, not "forbidden".
    with pytest.raises(ConflictError):
        services.update_proposal(uc, world.bank_user, _proposal(world), uc.version - 1)
    with pytest.raises(NotAllowedError):
        services.update_proposal(uc, world.bank_user, _proposal(world), uc.version)


def test_a_rejection_needs_a_reason(world: World) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.UNDER_REVIEW)
    with pytest.raises(RuleError) as refused:
        services.apply_transition(uc, BY_NAME["reject"], world.reviewer, uc.version, reason="")
    assert _errors(refused) == {"reason"}


def test_selection_needs_a_complete_review(world: World) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.UNDER_REVIEW)
    with pytest.raises(RuleError) as refused:
        services.apply_transition(uc, BY_NAME["select"], world.reviewer, uc.version)
    assert "at least one review" in refused.value.errors["__all__"][0]


def test_pilot_terms_are_complete_and_start_after_selection(world: World) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SELECTED)
    f.create_agreed_plan(uc, world.bank_user, world.reviewer)
    terms = {"pilot_started_on": date(2000, 1, 1), "pilot_duration_weeks": 0}
    with pytest.raises(RuleError) as refused:
        services.apply_transition(
            uc, BY_NAME["start_pilot"], world.reviewer, uc.version, fields=terms
        )
    # The duration is the plan's, not the start's to record.
    assert _errors(refused) == {"pilot_started_on", "__all__"}


def test_the_wrong_side_cannot_take_a_transition(world: World) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    with pytest.raises(NotAllowedError):
        services.apply_transition(uc, BY_NAME["start_review"], world.bank_user, uc.version)
    with pytest.raises(NotAllowedError):
        services.apply_transition(uc, BY_NAME["start_review"], world.ia_reviewer, uc.version)


def test_a_review_scores_every_criterion_while_under_review(world: World) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.UNDER_REVIEW)
    first, *rest = world.cohort.criteria
    with pytest.raises(RuleError) as refused:
        services.save_review(uc, world.reviewer, {first.id: (4, "")}, "")
    assert _errors(refused) == {f"score_{c.id}" for c in rest}
    uc.stage = Stage.SUBMITTED
    with pytest.raises(NotAllowedError):
        services.save_review(uc, world.reviewer, {c.id: (4, "") for c in world.cohort.criteria}, "")


def test_a_milestone_has_a_reached_date_exactly_when_done(world: World) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.PILOT)
    common = {"user": world.reviewer, "title": "Go live", "planned_on": date.today()}
    with pytest.raises(RuleError) as refused:
        services.save_milestone(
            uc, None, actual_on=date.today(), status=MilestoneStatus.IN_PROGRESS, **common
        )
    assert _errors(refused) == {"actual_on"}
    with pytest.raises(RuleError):
        services.save_milestone(uc, None, actual_on=None, status=MilestoneStatus.DONE, **common)
    with pytest.raises(NotAllowedError):
        services.save_milestone(
            uc,
            None,
            **{**common, "user": world.bank_user},
            actual_on=None,
            status=MilestoneStatus.PLANNED,
        )


def _return(uc, **overrides: object) -> services.ReturnData:  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "period_start": uc.pilot_started_on,
        "period_end": uc.pilot_started_on + timedelta(days=6),
        "rag": Rag.GREEN,
        "narrative": "On track.",
        "attested_by_name": "A. Manager",
        "attested_by_title": "CRO",
        "kpi_values": tuple((kpi, "1") for kpi in uc.kpi_list),
        "incidents": (),
    }
    values.update(overrides)
    return services.ReturnData(**values)  # type: ignore[arg-type]


def test_a_return_covers_the_past_after_the_last_one(world: World) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.PILOT)
    early = uc.pilot_started_on - timedelta(days=1)
    with pytest.raises(RuleError) as refused:
        services.file_return(
            uc, world.bank_user, _return(uc, period_start=early, period_end=date(2999, 1, 1))
        )
    assert _errors(refused) == {"period_start", "period_end"}


def test_a_returns_incidents_have_a_severity_and_a_date_inside_the_period(world: World) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.PILOT)
    late = services.IncidentData(
        "Wrong answer", None, "", "", occurred_on=uc.pilot_started_on + timedelta(days=30)
    )
    with pytest.raises(RuleError) as refused:
        services.file_return(uc, world.bank_user, _return(uc, incidents=(late,)))
    assert _errors(refused) == {"incidents.0.severity", "incidents.0.occurred_on"}


def test_only_the_institution_files_returns(world: World) -> None:
    uc = f.create_use_case(
        world.cohort, world.bank, world.category, stage=Stage.PILOT, partners=[world.partner]
    )
    for outsider in (world.partner_user, world.reviewer, world.other_bank_user):
        with pytest.raises(NotAllowedError):
            services.file_return(uc, outsider, _return(uc))


def test_an_incident_is_not_resolved_before_it_occurred(world: World) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.PILOT)
    incident = services.IncidentData(
        "Glitch", Severity.LOW, "", "", occurred_on=uc.pilot_started_on + timedelta(days=3)
    )
    filed = services.file_return(uc, world.bank_user, _return(uc, incidents=(incident,)))
    with pytest.raises(RuleError) as refused:
        services.resolve_incident(filed.incidents[0], world.reviewer, uc.pilot_started_on, " ")
    assert _errors(refused) == {"resolved_on", "resolution"}


def test_institutions_cannot_keep_internal_notes(world: World) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    with pytest.raises(RuleError) as refused:
        services.post_message(uc, world.bank_user, "Hidden?", internal=True)
    assert _errors(refused) == {"internal"}
    with pytest.raises(NotAllowedError):
        services.post_message(uc, world.other_bank_user, "Hello", internal=False)


def test_comments_on_returns_are_the_regulators(world: World) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.PILOT)
    filed = services.file_return(uc, world.bank_user, _return(uc))
    with pytest.raises(NotAllowedError):
        services.comment_on_return(filed, world.bank_user, "Looks fine")
    with pytest.raises(RuleError):
        services.comment_on_return(filed, world.reviewer, "  ")


def test_uploads_are_checked_by_content(world: World) -> None:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    with pytest.raises(RuleError) as refused:
        services.add_document(uc, world.bank_user, "plan.pdf", b"MZ\x90\x00 not a pdf")
    assert _errors(refused) == {"file"}
    with pytest.raises(NotAllowedError):
        services.add_document(uc, world.partner_user, "plan.pdf", b"%PDF-1.4\n%x\n")
    db.session.rollback()


def test_a_second_return_in_the_same_session_starts_after_the_first(world: World) -> None:
    # One unit of work can file several returns (the demo seeder does): each sees the last.
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.PILOT)
    services.file_return(uc, world.bank_user, _return(uc))
    with pytest.raises(RuleError) as refused:
        services.file_return(uc, world.bank_user, _return(uc))
    assert _errors(refused) == {"period_start"}
