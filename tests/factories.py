"""Factories for test data: each call makes one object with sensible defaults and flushes."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from tracker.auth.models import Role, User
from tracker.auth.services import create_user as create_user_service
from tracker.extensions import db, utcnow
from tracker.institutions.models import Category, Institution, InstitutionKind
from tracker.programmes.models import (
    DEFAULT_CRITERIA,
    Cohort,
    CohortStatus,
    Programme,
    Regulator,
    SelectionCriterion,
)
from tracker.usecases.models import (
    Audience,
    Milestone,
    MilestoneStatus,
    Review,
    ReviewScore,
    Stage,
    StageTransition,
    Technique,
    UseCase,
)

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def create_regulator(code: str | None = None, **kw: Any) -> Regulator:
    code = code or f"R{next(_seq)}"
    reg = Regulator(code=code, name_en=kw.pop("name_en", f"{code} Authority"), **kw)
    db.session.add(reg)
    db.session.flush()
    return reg


def create_programme(
    lead: Regulator, participants: list[Regulator] | None = None, **kw: Any
) -> Programme:
    prog = Programme(
        name=kw.pop("name", f"Programme {next(_seq)}"),
        lead_regulator=lead,
        description=kw.pop("description", "A sandbox programme."),
        sectors=kw.pop("sectors", ["banking"]),
        **kw,
    )
    prog.participants = participants or []
    db.session.add(prog)
    db.session.flush()
    return prog


def create_cohort(programme: Programme, **kw: Any) -> Cohort:
    today = date.today()
    cohort = Cohort(
        programme=programme,
        name=kw.pop("name", f"Cohort {next(_seq)}"),
        status=kw.pop("status", CohortStatus.OPEN),
        applications_open_on=kw.pop("applications_open_on", today - timedelta(days=30)),
        applications_close_on=kw.pop("applications_close_on", today + timedelta(days=30)),
        **kw,
    )
    db.session.add(cohort)
    db.session.flush()
    for position, name in enumerate(DEFAULT_CRITERIA):
        db.session.add(SelectionCriterion(cohort=cohort, name=name, position=position))
    db.session.flush()
    return cohort


def create_institution(
    regulator: Regulator | None = None, kind: InstitutionKind = InstitutionKind.BANK, **kw: Any
) -> Institution:
    inst = Institution(
        name=kw.pop("name", f"Institution {next(_seq)}"), kind=kind, regulator=regulator, **kw
    )
    db.session.add(inst)
    db.session.flush()
    return inst


def create_category(name: str | None = None, **kw: Any) -> Category:
    cat = Category(name=name or f"Category {next(_seq)}", **kw)
    db.session.add(cat)
    db.session.flush()
    return cat


def create_user(
    role: Role,
    *,
    regulator: Regulator | None = None,
    institution: Institution | None = None,
    email: str | None = None,
    **kw: Any,
) -> User:
    return create_user_service(
        email=email or f"user{next(_seq)}@example.com",
        name=kw.pop("name", f"{role.label} {next(_seq)}"),
        password=kw.pop("password", PASSWORD),
        role=role,
        regulator_id=regulator.id if regulator else None,
        institution_id=institution.id if institution else None,
    )


def create_use_case(
    cohort: Cohort,
    institution: Institution,
    category: Category,
    *,
    stage: Stage = Stage.DRAFT,
    partners: list[Institution] | None = None,
    **kw: Any,
) -> UseCase:
    """A use case already at ``stage``, with a transition row for how it got there."""
    uc = UseCase(
        cohort=cohort,
        institution=institution,
        category=category,
        title=kw.pop("title", f"Use case {next(_seq)}"),
        summary=kw.pop("summary", "Summary of the use case."),
        problem_statement=kw.pop("problem_statement", "The problem."),
        technique=kw.pop("technique", Technique.RAG),
        audience=kw.pop("audience", Audience.INTERNAL),
        data_used=kw.pop("data_used", "Internal policy documents."),
        safeguards=kw.pop("safeguards", "Human review of every output."),
        kpis=kw.pop("kpis", "Analyst hours saved per week\nFalse-positive rate"),
        stage=stage,
        **kw,
    )
    if stage in (Stage.PILOT, Stage.SUSPENDED, Stage.PRODUCTION):
        uc.pilot_started_on = uc.pilot_started_on or date.today() - timedelta(days=60)
        uc.pilot_duration_weeks = uc.pilot_duration_weeks or 26
    if stage is Stage.PRODUCTION:
        uc.exit_outcome = uc.exit_outcome or "KPIs met."
    if stage is not Stage.DRAFT:
        uc.submitted_at = utcnow()
    if stage in (Stage.SELECTED, Stage.PILOT, Stage.SUSPENDED, Stage.PRODUCTION):
        uc.selected_at = utcnow()
    uc.partners = partners or []
    db.session.add(uc)
    db.session.flush()
    if stage is not Stage.DRAFT:
        db.session.add(
            StageTransition(use_case=uc, action="seed", from_stage=Stage.DRAFT, to_stage=stage)
        )
        db.session.flush()
    return uc


def create_milestone(use_case: UseCase, **kw: Any) -> Milestone:
    """A milestone as it stands, whatever the use case's stage now (history, not a command)."""
    milestone = Milestone(
        use_case_id=use_case.id,
        title=kw.pop("title", f"Milestone {next(_seq)}"),
        planned_on=kw.pop("planned_on", date.today()),
        status=kw.pop("status", MilestoneStatus.PLANNED),
        **kw,
    )
    db.session.add(milestone)
    db.session.flush()
    return milestone


def create_review(use_case: UseCase, reviewer: User, score: int = 4) -> Review:
    """A complete review scoring every criterion of the cohort, as it was saved."""
    review = Review(use_case_id=use_case.id, reviewer=reviewer, overall_comment="")
    review.scores = [
        ReviewScore(criterion_id=c.id, score=score, comment="ok") for c in use_case.cohort.criteria
    ]
    db.session.add(review)
    db.session.flush()
    return review


def plan_data(**overrides: Any) -> Any:
    """A complete sandbox plan's input; ``overrides`` replace its fields."""
    from decimal import Decimal

    from tracker.plans.models import Direction, ReportingFrequency
    from tracker.plans.services import KpiInput, MilestoneInput, PlanData

    values: dict[str, Any] = {
        "objectives": "Cut triage time on the fraud hotline.",
        "success_measures": "Both KPIs reach their targets.",
        "methodology": "Shadow run, then live use with sampled review.",
        "duration_weeks": 26,
        # Limits in words: returns need not report customers or exposure (tests/plans do).
        "customer_cap": None,
        "exposure_limit": None,
        "other_limits": "Analysts of one fraud centre only.",
        "data_scope": "Hotline transcripts only.",
        "channels": "Internal staff tools",
        "geographies": "Hong Kong",
        "safeguard_boundary": "Stops on a high-severity incident.",
        "safeguard_customer_protection": "A person reviews every outcome.",
        "safeguard_risk_controls": "Daily sampling of outputs.",
        "safeguard_readiness": "A named owner watches the dashboards.",
        "report_frequency": ReportingFrequency.MONTHLY,
        "report_due_days": 14,
        "exit_strategy": "Back to the manual process the same day.",
        "milestones": (MilestoneInput("Shadow run complete", date.today()),),
        "kpis": (
            KpiInput(
                "Analyst hours saved per week", "h", Direction.HIGHER, Decimal(0), Decimal(40)
            ),
            KpiInput("False-positive rate", "%", Direction.LOWER, Decimal(30), Decimal(10)),
        ),
    }
    values.update(overrides)
    return PlanData(**values)


def create_agreed_plan(use_case: UseCase, owner: User, regulator: User, **overrides: Any) -> Any:
    """A plan drafted, submitted and agreed through the commands; returns the agreed version."""
    from tracker.plans import services as plan_services

    version = plan_services.save_draft(use_case, owner, plan_data(**overrides))
    plan_services.submit(use_case, version, owner, version.lock_version)
    plan_services.agree(use_case, version, regulator, version.lock_version)
    db.session.flush()
    return version
