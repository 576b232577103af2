"""The exit report and the written proof of activities, as at a date: frozen objects built from
the use-case report's record (history, milestones, returns, incidents, KPI series, evidence and
compute as at the date) with what only an exit shows: the decision that closed the pilot, every
plan version agreed, the evidence the regulator had reviewed and the lessons recorded.

Both are made only for a use case approved for production or discontinued by the date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from tracker.evidence.queries import EvidenceView
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.i18n import local_name
from tracker.lessons.queries import LessonView, lessons_for_use_case
from tracker.plans.models import Direction, PlanStatus, SandboxPlan, SandboxPlanVersion
from tracker.plans.queries import KpiSeries, number
from tracker.reports.data import AsAt, Attention, ReportError, UseCaseReport, use_case_report
from tracker.reports.models import ReportKind
from tracker.reports.pdf.text import day
from tracker.usecases.models import Stage, StageTransition, UseCase

EXIT_STAGES = frozenset({Stage.PRODUCTION, Stage.DISCONTINUED})
EXIT_KINDS = frozenset({ReportKind.EXIT, ReportKind.EXIT_PROOF})


def exit_refusal(use_case: UseCase) -> str | None:
    """Why no exit report can be made for ``use_case`` now, or None when one can."""
    if use_case.stage in EXIT_STAGES:
        return None
    return _(
        "%(reference)s is %(stage)s: exit reports and written proof of activities are made "
        "only for a use case approved for production or discontinued.",
        reference=use_case.reference,
        stage=use_case.stage.label.lower(),
    )


@dataclass(frozen=True)
class ExitDecision:
    """The transition that closed the pilot and what it recorded."""

    outcome: str  # "Approved for production" or "Discontinued"
    production: bool
    at: datetime  # local time
    by: str
    reason: str  # the reason given (discontinued) or the note
    exit_outcome: str  # outcome against the KPIs (production)
    exit_lessons: str
    conditions: str  # conditions of production


@dataclass(frozen=True)
class PlanVersionRow:
    number: int
    agreed_on: date | None
    agreed_by: str
    carried_over: bool


@dataclass(frozen=True)
class KpiResult:
    """One KPI of the plan in force: its final value against its target."""

    name: str
    unit: str
    baseline: str
    target: str
    final: str
    returns: int
    met: str  # "Met", "Not met", "No target" or "No value returned"


@dataclass(frozen=True)
class ExitReportData:
    kind: ClassVar[ReportKind] = ReportKind.EXIT
    subject_id: int
    title: str
    as_at: date
    record: UseCaseReport
    decision: ExitDecision
    plan_versions: tuple[PlanVersionRow, ...]
    kpi_results: tuple[KpiResult, ...]
    reviewed_evidence: tuple[EvidenceView, ...]
    lessons: tuple[LessonView, ...]
    attention: Attention


@dataclass(frozen=True)
class ProofData:
    kind: ClassVar[ReportKind] = ReportKind.EXIT_PROOF
    subject_id: int
    title: str
    as_at: date
    record: UseCaseReport
    decision: ExitDecision
    plan_versions: tuple[PlanVersionRow, ...]
    regulator: str  # the programme's lead regulator, who attests
    programme: str
    selected_on: date | None
    attention: Attention


def decision(use_case: UseCase, as_at: AsAt) -> ExitDecision:
    closing = db.session.scalars(
        sa.select(StageTransition)
        .where(
            StageTransition.use_case_id == use_case.id,
            StageTransition.to_stage.in_(EXIT_STAGES),
            StageTransition.at < as_at.cutoff,
        )
        .options(selectinload(StageTransition.actor))
        .order_by(StageTransition.at.desc(), StageTransition.id.desc())
        .limit(1)
    ).first()
    if closing is None:
        raise ReportError(
            _(
                "%(reference)s had not been approved for production or discontinued by "
                "%(day)s: an exit report is made as at its exit or later.",
                reference=use_case.reference,
                day=day(as_at.day),
            )
        )
    production = closing.to_stage is Stage.PRODUCTION
    return ExitDecision(
        outcome=_("Approved for production") if production else Stage.DISCONTINUED.label,
        production=production,
        at=as_at.local(closing.at),
        by=closing.actor.name if closing.actor else _("System"),
        reason=closing.reason or "",
        exit_outcome=(use_case.exit_outcome or "") if production else "",
        exit_lessons=(use_case.exit_lessons or "") if production else "",
        conditions=(use_case.exit_conditions or "") if production else "",
    )


def _plan_versions(use_case_id: int, as_at: AsAt) -> tuple[PlanVersionRow, ...]:
    versions = db.session.scalars(
        sa.select(SandboxPlanVersion)
        .join(SandboxPlan)
        .where(
            SandboxPlan.use_case_id == use_case_id,
            SandboxPlanVersion.status == PlanStatus.AGREED,
            SandboxPlanVersion.agreed_at < as_at.cutoff,
        )
        .options(selectinload(SandboxPlanVersion.decided_by))
        .order_by(SandboxPlanVersion.number)
    )
    return tuple(
        PlanVersionRow(
            number=v.number,
            agreed_on=as_at.local_date(v.agreed_at) if v.agreed_at else None,
            agreed_by=v.decided_by.name if v.decided_by else "—",
            carried_over=v.carried_over,
        )
        for v in versions
    )


def _met(series: KpiSeries) -> str:
    final = series.latest
    if final is None:
        return _("No value returned")
    if series.target is None or series.direction is None:
        return _("No target")
    reached: bool
    if series.direction is Direction.HIGHER:
        reached = final >= series.target
    else:
        reached = final <= series.target
    return _("Met") if reached else _("Not met")


def _shown(value: Decimal | None) -> str:
    return number(value) or "—"


def kpi_results(series: tuple[KpiSeries, ...]) -> tuple[KpiResult, ...]:
    return tuple(
        KpiResult(
            name=s.name,
            unit=s.unit,
            baseline=_shown(s.baseline),
            target=_shown(s.target),
            final=_shown(s.latest),
            returns=sum(1 for p in s.points if p.number is not None),
            met=_met(s),
        )
        for s in series
    )


def _record(use_case: UseCase, as_at: AsAt) -> tuple[UseCaseReport, ExitDecision]:
    decision_ = decision(use_case, as_at)
    return use_case_report(use_case, as_at), decision_


def exit_report(use_case: UseCase, as_at: AsAt) -> ExitReportData:
    """The exit report: activities, results against each KPI target, evidence reviewed,
    compute used, incidents, lessons and the conditions of production or the reason for
    discontinuing, as at the date."""
    record, closing = _record(use_case, as_at)
    details = record.use_case.details
    assert details is not None
    view = record.use_case
    return ExitReportData(
        subject_id=use_case.id,
        title=_("Exit report: %(reference)s %(title)s", reference=view.reference, title=view.title),
        as_at=as_at.day,
        record=record,
        decision=closing,
        plan_versions=_plan_versions(use_case.id, as_at),
        kpi_results=kpi_results(details.kpi_series),
        # The same entries as the record's register (evidence_as_at, in local time), reviewed.
        reviewed_evidence=tuple(e for e in record.evidence if e.reviewed),
        lessons=lessons_for_use_case(use_case.id, as_at.cutoff),
        attention=record.attention,
    )


def proof_of_activities(use_case: UseCase, as_at: AsAt) -> ProofData:
    """The written proof of the activities carried out in the sandbox: dates, plan versions
    agreed, returns filed, milestones reached and the outcome."""
    record, closing = _record(use_case, as_at)
    view = record.use_case
    selected = [e for e in view.history if e.to_stage == Stage.SELECTED.label]
    programme = use_case.cohort.programme
    return ProofData(
        subject_id=use_case.id,
        title=_(
            "Written proof of activities: %(reference)s %(title)s",
            reference=view.reference,
            title=view.title,
        ),
        as_at=as_at.day,
        record=record,
        decision=closing,
        plan_versions=_plan_versions(use_case.id, as_at),
        regulator=local_name(programme.lead_regulator),
        programme=local_name(programme),
        selected_on=selected[0].at.date() if selected else None,
        attention=Attention((), (), ()),
    )
