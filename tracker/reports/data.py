"""Report data: what a report says, assembled from the database into frozen objects.

Nothing here knows about PDF or reportlab; ``tracker.reports.layout`` renders these objects and
never queries. Every figure is computed *as at* a date:

- the cut-off is the end of that day in the configured time zone (or now, for today);
- a use case exists if it was created before the cut-off; its stage is the ``to_stage`` of its
  last transition before the cut-off (a draft if none). For today the live row is used;
- returns count once submitted before the cut-off, milestones once created, incidents once the
  return reporting them was submitted (or, reported on their own, once reported); a milestone
  completed after the date shows as open;
- text fields edited after the date are shown with the value they had then (from FieldChange).

Resolution of incidents and dropping of milestones carry no date in the record, so those two
facts are shown as currently recorded; the report's notes say so.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from tracker.clocks.performance import ClockPerformance, performance
from tracker.clocks.services import ClockReader
from tracker.committee.reports import CommitteeRecord
from tracker.compute.queries import Ledger, ledger
from tracker.evidence.queries import EvidenceView, evidence_as_at
from tracker.extensions import db, utcnow
from tracker.i18n import N_, local_name
from tracker.i18n import gettext as _
from tracker.institutions.models import Institution
from tracker.lessons.queries import LessonView, programme_lessons
from tracker.plans import queries as plan_queries
from tracker.plans.models import SandboxPlanVersion
from tracker.programmes.models import Cohort, Programme
from tracker.reports.models import ReportKind
from tracker.reports.pdf.text import day as _day
from tracker.usecases import workflow
from tracker.usecases.models import (
    FieldChange,
    Incident,
    KpiValue,
    Milestone,
    MilestoneStatus,
    ProgressReturn,
    Severity,
    Stage,
    StageTransition,
    UseCase,
    use_case_partner,
)
from tracker.usecases.permissions import MILESTONE_STAGES, PILOT_STAGES
from tracker.usecases.services import FIELD_LABELS

UTC = ZoneInfo("UTC")

# Stages in the order a reader expects them (the lifecycle, then the ways out), and which imply
# a step of the funnel: both from the lifecycle's PHASES table.
STAGE_ORDER = workflow.STAGE_ORDER
_SELECTED_OR_LATER = workflow.SELECTED_OR_LATER
_PILOT_OR_LATER = workflow.PILOT_OR_LATER

# Text fields whose earlier value is rebuilt from the edit history for past dates.
_REVERTIBLE_FIELDS = ("title", "summary", "problem_statement", "data_used", "safeguards", "kpis")


BASIS_NOTE = N_(
    "Figures are as at the end of the stated day and cover proposals submitted by then; drafts "
    "are not included. Stages come from the recorded stage history; "
    "progress returns count from the time they were submitted, milestones from the time they "
    "were planned and incidents from the return that reported them. A milestone completed after "
    "the stated day is shown as open, and so is an incident resolved after it. Dropped "
    "milestones are not dated in the record and are shown as currently recorded."
)


class ReportError(Exception):
    """A report cannot be produced with the parameters given (shown to the user as is)."""


# ---------------------------------------------------------------------------------------------
# The objects a report is made of


@dataclass(frozen=True)
class Imprint:
    """Who issued a report, when and under which reference: printed on every page."""

    reference: str
    generated_at: datetime  # local time
    generated_by: str
    classification: str
    timezone: str


@dataclass(frozen=True)
class Count:
    label: str
    count: int


@dataclass(frozen=True)
class Funnel:
    proposals: int
    selected: int
    pilot: int
    production: int

    def steps(self) -> tuple[Count, ...]:
        return (
            Count(_("Proposals"), self.proposals),
            Count(_("Selected"), self.selected),
            Count(_("Pilot"), self.pilot),
            Count(_("Production"), self.production),
        )


@dataclass(frozen=True)
class StageMatrix:
    """Use cases by category (rows) and stage (columns), for the stage-by-category chart."""

    stages: tuple[str, ...]
    categories: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Summary:
    total: int
    by_stage: tuple[Count, ...]
    by_category: tuple[Count, ...]
    funnel: Funnel
    matrix: StageMatrix


@dataclass(frozen=True)
class BreakdownRow:
    label: str
    total: int
    proposals: int
    selected: int
    pilot: int
    production: int


@dataclass(frozen=True)
class StageEvent:
    at: datetime  # local time
    from_stage: str
    to_stage: str
    action: str
    actor: str
    reason: str


@dataclass(frozen=True)
class MilestoneRow:
    title: str
    planned_on: date
    actual_on: date | None
    status: str
    is_open: bool
    overdue: bool


@dataclass(frozen=True)
class KpiRow:
    kpi: str
    value: str


@dataclass(frozen=True)
class IncidentRow:
    reported_on: date
    occurred_on: date | None
    severity: str
    description: str
    customer_impact: str
    remediation: str
    resolved: bool
    # Reported on its own, the moment it happened, rather than in a progress return.
    outside_return: bool = False


@dataclass(frozen=True)
class ReturnView:
    period_start: date
    period_end: date
    rag: str
    narrative: str
    attested_by: str
    submitted_at: datetime  # local time
    kpis: tuple[KpiRow, ...]


@dataclass(frozen=True)
class EditRow:
    at: datetime  # local time
    field: str
    actor: str
    old_value: str
    new_value: str


@dataclass(frozen=True)
class PilotTerms:
    started_on: date | None
    duration_weeks: int | None
    limits: str
    data_scope: str
    # The sandbox plan in force at the as-at date: its version, when agreed, its sections.
    plan_version: int | None = None
    plan_agreed_on: date | None = None
    plan_sections: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ExitReport:
    outcome: str
    lessons: str
    conditions: str


@dataclass(frozen=True)
class OverdueReturn:
    """A pilot whose next progress return was due before the as-at date and not filed by it."""

    reference: str
    title: str
    institution: str
    due_on: date
    days_overdue: int


@dataclass(frozen=True)
class LateMilestone:
    reference: str
    title: str
    institution: str
    milestone: str
    planned_on: date
    days_late: int


@dataclass(frozen=True)
class OpenIncident:
    reference: str
    title: str
    institution: str
    severity: str
    occurred_on: date | None
    reported_on: date


@dataclass(frozen=True)
class Attention:
    """What needs attention at the as-at date, most pressing first in each list: the same
    rules as the dashboard's "returns due" and "overdue milestones", applied as at the date."""

    overdue_returns: tuple[OverdueReturn, ...]
    open_incidents: tuple[OpenIncident, ...]
    late_milestones: tuple[LateMilestone, ...]

    @property
    def total(self) -> int:
        return len(self.overdue_returns) + len(self.open_incidents) + len(self.late_milestones)


@dataclass(frozen=True)
class UseCaseDetails:
    """The full record of one use case, for the use-case report."""

    problem_statement: str
    technique: str
    audience: str
    personal_data: bool
    data_used: str
    safeguards: str
    kpis: tuple[str, ...]
    gpu_hours: int | None
    pilot_terms: PilotTerms | None
    exit_report: ExitReport | None
    returns: tuple[ReturnView, ...]
    incidents: tuple[IncidentRow, ...]
    edits: tuple[EditRow, ...]
    # Each KPI of the plan in force at the date, with the numbers returned by then.
    kpi_series: tuple[plan_queries.KpiSeries, ...] = ()


@dataclass(frozen=True)
class UseCaseView:
    id: int
    reference: str
    title: str
    summary: str
    programme: str
    cohort: str
    institution: str
    regulator: str
    sector: str
    partners: tuple[str, ...]
    category: str
    stage: str
    stage_since: date
    days_in_stage: int
    latest_rag: str | None
    next_milestone: MilestoneRow | None
    history: tuple[StageEvent, ...]
    milestones: tuple[MilestoneRow, ...]
    latest_return: ReturnView | None
    open_incidents: tuple[IncidentRow, ...]
    details: UseCaseDetails | None = None


@dataclass(frozen=True)
class CohortFacts:
    name: str
    status: str
    applications_open_on: date | None
    applications_close_on: date | None
    selection_on: date | None
    pilot_starts_on: date | None
    pilot_ends_on: date | None


@dataclass(frozen=True)
class CohortReport:
    kind: ClassVar[ReportKind] = ReportKind.COHORT
    subject_id: int
    title: str
    programme: str
    lead_regulator: str
    cohort: CohortFacts
    as_at: date
    summary: Summary
    use_cases: tuple[UseCaseView, ...]
    attention: Attention
    clocks: ClockPerformance | None = None


@dataclass(frozen=True)
class CohortSection:
    facts: CohortFacts
    summary: Summary
    use_cases: tuple[UseCaseView, ...]
    clocks: ClockPerformance | None = None


@dataclass(frozen=True)
class ProgrammeReport:
    kind: ClassVar[ReportKind] = ReportKind.PROGRAMME
    subject_id: int
    title: str
    programme: str
    description: str
    lead_regulator: str
    regulators: tuple[str, ...]
    sectors: tuple[str, ...]
    as_at: date
    summary: Summary
    cohorts: tuple[CohortSection, ...]
    # Present for programmes run by several regulators (such as GenA.I. Sandbox++).
    by_regulator: tuple[BreakdownRow, ...] | None
    by_sector: tuple[BreakdownRow, ...] | None
    attention: Attention
    clocks: ClockPerformance | None = None
    # The lessons recorded by the report's date, for "Lessons and good practice".
    lessons: tuple[LessonView, ...] = ()


@dataclass(frozen=True)
class InstitutionReport:
    kind: ClassVar[ReportKind] = ReportKind.INSTITUTION
    subject_id: int
    title: str
    institution: str
    institution_kind: str
    regulator: str
    as_at: date
    scope: str
    summary: Summary
    use_cases: tuple[UseCaseView, ...]
    attention: Attention


@dataclass(frozen=True)
class UseCaseReport:
    kind: ClassVar[ReportKind] = ReportKind.USE_CASE
    subject_id: int
    title: str
    as_at: date
    use_case: UseCaseView
    attention: Attention
    # The AI evidence register as it stood at the report's date.
    evidence: tuple[EvidenceView, ...] = ()
    # GPU hours requested, allocated and used, as recorded by the report's date.
    compute: Ledger | None = None
    # The selection committee's record (declarations, determinations, decision): in reports
    # issued to the regulator side only.
    committee: CommitteeRecord | None = None


ReportData = CohortReport | ProgrammeReport | InstitutionReport | UseCaseReport


# ---------------------------------------------------------------------------------------------
# Dates


@dataclass(frozen=True)
class AsAt:
    """The date a report is as at, and the instant (naive UTC) its figures are cut at."""

    day: date
    cutoff: datetime
    live: bool  # as at today: the live record, cut at the moment of generation
    zone: ZoneInfo

    @classmethod
    def for_day(cls, day: date | None, timezone: str, now: datetime | None = None) -> AsAt:
        """``day`` in the time zone ``timezone``; None means today. Future dates are refused."""
        zone = ZoneInfo(timezone)
        now = now or utcnow()
        today = now.replace(tzinfo=UTC).astimezone(zone).date()
        day = day or today
        if day > today:
            raise ReportError(_("The as-at date %(day)s is in the future.", day=_day(day)))
        end_of_day = (
            datetime.combine(day + timedelta(days=1), time.min, zone)
            .astimezone(UTC)
            .replace(tzinfo=None)
        )
        return cls(day=day, cutoff=min(end_of_day, now), live=day == today, zone=zone)

    def local(self, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC).astimezone(self.zone).replace(tzinfo=None)

    def local_date(self, value: datetime) -> date:
        return self.local(value).date()


# ---------------------------------------------------------------------------------------------
# Loading


def involving(institution_id: int) -> sa.ColumnElement[bool]:
    """Use cases an institution leads or is named on as a partner."""
    return sa.or_(
        UseCase.institution_id == institution_id,
        UseCase.id.in_(
            sa.select(use_case_partner.c.use_case_id).where(
                use_case_partner.c.institution_id == institution_id
            )
        ),
    )


# Use cases loaded at a time for a report of many: each batch's objects (about thirty per use
# case, with their history) are left for the collector once its views are made, so a report of
# 5,000 holds a tenth of them at once.
LOAD_BATCH = 500


def _existed(where: sa.ColumnElement[bool], as_at: AsAt) -> sa.ColumnElement[bool]:
    """Use cases matching ``where`` that existed at the cut-off."""
    return sa.and_(where, UseCase.created_at < as_at.cutoff)


def _load_use_cases(where: sa.ColumnElement[bool], as_at: AsAt) -> list[UseCase]:
    """Use cases matching ``where`` that existed at the cut-off, with everything a report shows."""
    stmt = (
        sa.select(UseCase)
        .where(_existed(where, as_at))
        .options(
            selectinload(UseCase.cohort).selectinload(Cohort.programme),
            selectinload(UseCase.institution).selectinload(Institution.regulator),
            selectinload(UseCase.category),
            selectinload(UseCase.partners),
            selectinload(UseCase.transitions).selectinload(StageTransition.actor),
            selectinload(UseCase.milestones),
            selectinload(UseCase.returns).selectinload(ProgressReturn.kpi_values),
            selectinload(UseCase.returns).selectinload(ProgressReturn.incidents),
            selectinload(UseCase.incidents),
        )
        .order_by(UseCase.id)
    )
    return list(db.session.scalars(stmt))


def _ids_then(where: sa.ColumnElement[bool], as_at: AsAt) -> list[int]:
    """The ids of the use cases ``_load_use_cases`` would load, in its order."""
    return list(
        db.session.scalars(sa.select(UseCase.id).where(_existed(where, as_at)).order_by(UseCase.id))
    )


def _values_then(use_case_ids: Sequence[int], as_at: AsAt) -> dict[tuple[int, str], str | None]:
    """For fields edited after the cut-off, the value each had at the cut-off."""
    if as_at.live or not use_case_ids:
        return {}
    rows = db.session.execute(
        sa.select(FieldChange.use_case_id, FieldChange.field, FieldChange.old_value)
        .where(
            FieldChange.use_case_id.in_(use_case_ids),
            FieldChange.at >= as_at.cutoff,
            FieldChange.field.in_(_REVERTIBLE_FIELDS),
        )
        .order_by(FieldChange.at, FieldChange.id)
    )
    earlier: dict[tuple[int, str], str | None] = {}
    for use_case_id, field, old_value in rows:
        earlier.setdefault((use_case_id, field), old_value)
    return earlier


def _edits(use_case: UseCase, as_at: AsAt) -> tuple[EditRow, ...]:
    changes = db.session.scalars(
        sa.select(FieldChange)
        .where(FieldChange.use_case_id == use_case.id, FieldChange.at < as_at.cutoff)
        .options(selectinload(FieldChange.actor))
        .order_by(FieldChange.at, FieldChange.id)
    )
    return tuple(
        EditRow(
            at=as_at.local(c.at),
            # The label the web pages use for the field (a removed field keeps its raw name).
            field=_(FIELD_LABELS[c.field]) if c.field in FIELD_LABELS else c.field,
            actor=c.actor.name if c.actor else _("System"),
            old_value=c.old_value or "",
            new_value=c.new_value or "",
        )
        for c in changes
    )


# ---------------------------------------------------------------------------------------------
# One use case as at a date


def _stage_then(use_case: UseCase, as_at: AsAt) -> tuple[Stage, datetime, set[Stage]]:
    """The stage at the cut-off, since when, and every stage reached by then."""
    earlier = [t for t in use_case.transitions if t.at < as_at.cutoff]
    reached = {t.to_stage for t in earlier}
    if as_at.live:
        reached.add(use_case.stage)
        return use_case.stage, use_case.stage_changed_at, reached
    if not earlier:
        return Stage.DRAFT, use_case.created_at, reached | {Stage.DRAFT}
    last = earlier[-1]
    return last.to_stage, last.at, reached


def _milestone_row(milestone: Milestone, day: date) -> MilestoneRow:
    status = milestone.status
    actual_on = milestone.actual_on
    if status is MilestoneStatus.DONE and actual_on is not None and actual_on > day:
        # Completed after the as-at date: on that day it was still open.
        status, actual_on = MilestoneStatus.IN_PROGRESS, None
    is_open = status in (MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS)
    return MilestoneRow(
        title=milestone.title,
        planned_on=milestone.planned_on,
        actual_on=actual_on,
        status=status.label,
        is_open=is_open,
        overdue=is_open and milestone.planned_on < day,
    )


def _incident_row(incident: Incident, reported_at: datetime, as_at: AsAt) -> IncidentRow:
    if incident.occurred_at is not None:
        occurred_on: date | None = as_at.local_date(incident.occurred_at)
    else:
        occurred_on = incident.occurred_on
    return IncidentRow(
        outside_return=incident.return_id is None,
        reported_on=as_at.local_date(reported_at),
        occurred_on=occurred_on,
        severity=incident.severity.label,
        description=incident.description,
        customer_impact=incident.customer_impact,
        remediation=incident.remediation,
        resolved=incident.resolved_by_day(as_at.day),
    )


def _kpi_shown(value: KpiValue) -> str:
    """The number with its note, or (returned before KPIs were numbers) the text as typed."""
    if value.number is None:
        return value.value
    shown = plan_queries.number(value.number)
    return f"{shown} — {value.value}" if value.value else shown


def _return_view(progress_return: ProgressReturn, as_at: AsAt) -> ReturnView:
    return ReturnView(
        period_start=progress_return.period_start,
        period_end=progress_return.period_end,
        rag=progress_return.rag.label,
        narrative=progress_return.narrative,
        attested_by=f"{progress_return.attested_by_name}, {progress_return.attested_by_title}",
        submitted_at=as_at.local(progress_return.submitted_at),
        kpis=tuple(KpiRow(k.kpi, _kpi_shown(k)) for k in progress_return.kpi_values),
    )


@dataclass(frozen=True)
class _Position:
    """A use case's position at the cut-off: what the summaries, the attention lists and the
    clock figures read of it once its view is made (no mapped object, so that a report's use
    cases can be let go batch by batch)."""

    use_case_id: int
    cohort_id: int
    category: str
    stage: Stage
    reached: frozenset[Stage]
    # A pilot's next return: the last period reported then (or the start), plus the interval.
    return_due_on: date | None
    # Its share of the regulator's clock figures, for the reports that show them.
    clocks: ClockPerformance | None = None


def _view(
    use_case: UseCase,
    as_at: AsAt,
    earlier_values: dict[tuple[int, str], str | None],
    *,
    with_details: bool = False,
    plan: SandboxPlanVersion | None = None,
) -> tuple[UseCaseView, _Position]:
    def then(field: str) -> str:
        key = (use_case.id, field)
        if key in earlier_values:
            return earlier_values[key] or ""
        return str(getattr(use_case, field) or "")

    stage, since, reached = _stage_then(use_case, as_at)
    day = as_at.day
    returns = [r for r in use_case.returns if r.submitted_at < as_at.cutoff]
    latest = max(returns, key=lambda r: (r.period_end, r.id), default=None)
    milestones = tuple(
        _milestone_row(m, day) for m in use_case.milestones if m.created_at < as_at.cutoff
    )
    open_milestones = [m for m in milestones if m.is_open]
    reported = [(r.submitted_at, i.id, i) for r in returns for i in r.incidents] + [
        (i.reported_at, i.id, i)
        for i in use_case.incidents
        if i.return_id is None and i.reported_at is not None and i.reported_at < as_at.cutoff
    ]
    incidents = [
        _incident_row(i, at, as_at) for at, _id, i in sorted(reported, key=lambda r: r[:2])
    ]
    history = tuple(
        StageEvent(
            at=as_at.local(t.at),
            from_stage=t.from_stage.label if t.from_stage else "",
            to_stage=t.to_stage.label,
            action=t.action.replace("_", " ").capitalize(),
            actor=t.actor.name if t.actor else _("System"),
            reason=t.reason or "",
        )
        for t in use_case.transitions
        if t.at < as_at.cutoff
    )
    institution = use_case.institution
    sector = institution.sector
    return_due_on = None
    if stage in PILOT_STAGES:
        covered_to = max((r.period_end for r in returns), default=None) or use_case.pilot_started_on
        if covered_to is not None:
            return_due_on = covered_to + timedelta(days=use_case.cohort.return_interval_days)
    details = None
    if with_details:
        piloted = bool(reached & _PILOT_OR_LATER)
        details = UseCaseDetails(
            problem_statement=then("problem_statement"),
            technique=use_case.technique.label,
            audience=use_case.audience.label,
            personal_data=use_case.personal_data,
            data_used=then("data_used"),
            safeguards=then("safeguards"),
            kpis=tuple(line.strip() for line in then("kpis").splitlines() if line.strip()),
            gpu_hours=use_case.gpu_hours,
            pilot_terms=_pilot_terms(use_case, plan, as_at) if piloted else None,
            exit_report=ExitReport(
                outcome=use_case.exit_outcome or "",
                lessons=use_case.exit_lessons or "",
                conditions=use_case.exit_conditions or "",
            )
            if Stage.PRODUCTION in reached
            else None,
            returns=tuple(_return_view(r, as_at) for r in returns),
            incidents=tuple(incidents),
            edits=_edits(use_case, as_at),
            kpi_series=tuple(plan_queries.kpi_series(use_case.id, returns, version=plan))
            if plan is not None
            else (),
        )
    view = UseCaseView(
        id=use_case.id,
        reference=use_case.reference,
        title=then("title"),
        summary=then("summary"),
        programme=local_name(use_case.cohort.programme),
        cohort=use_case.cohort.name,
        institution=institution.display_name,
        regulator=institution.regulator.code if institution.regulator else "",
        sector=sector.label if sector else "",
        partners=tuple(p.display_name for p in use_case.partners),
        category=local_name(use_case.category),
        stage=stage.label,
        stage_since=as_at.local_date(since),
        days_in_stage=max(0, (day - as_at.local_date(since)).days),
        latest_rag=latest.rag.label if latest else None,
        next_milestone=min(open_milestones, key=lambda m: m.planned_on, default=None),
        history=history,
        milestones=milestones,
        latest_return=_return_view(latest, as_at) if latest else None,
        open_incidents=tuple(i for i in incidents if not i.resolved),
        details=details,
    )
    position = _Position(
        use_case_id=use_case.id,
        cohort_id=use_case.cohort_id,
        category=view.category,
        stage=stage,
        reached=frozenset(reached),
        return_due_on=return_due_on,
    )
    return view, position


def _views(
    where: sa.ColumnElement[bool], as_at: AsAt, *, with_clocks: bool = False
) -> tuple[tuple[UseCaseView, ...], list[_Position]]:
    """The proposals among the use cases matching ``where`` as at the date, ordered by
    institution and title; ``with_clocks`` also gives each position its clock figures.

    The use cases are loaded ``LOAD_BATCH`` at a time, and each batch is let go once its views
    and positions are made: a report's peak memory is its views and one batch, not every use
    case's history at once."""
    ids = _ids_then(where, as_at)
    pairs: list[tuple[UseCaseView, _Position]] = []
    for start in range(0, len(ids), LOAD_BATCH):
        batch_ids = ids[start : start + LOAD_BATCH]
        batch = _load_use_cases(UseCase.id.in_(batch_ids), as_at)
        # Per batch too, so that no IN list outgrows SQLite's limit on parameters (32,766).
        earlier = _values_then(batch_ids, as_at)
        reader = ClockReader(batch) if with_clocks and batch else None
        # Reports cover proposals: a draft not yet submitted by the cut-off is the institution's.
        for use_case in batch:
            if use_case.submitted_at is None or use_case.submitted_at >= as_at.cutoff:
                continue
            view, position = _view(use_case, as_at, earlier)
            if reader is not None:
                clocks = performance([use_case], as_at.day, reader)
                position = replace(position, clocks=clocks)
            pairs.append((view, position))
        del batch, reader, earlier
    order = sorted(
        range(len(pairs)),
        key=lambda i: (pairs[i][0].institution.casefold(), pairs[i][0].title.casefold(), i),
    )
    return tuple(pairs[i][0] for i in order), [pairs[i][1] for i in order]


# ---------------------------------------------------------------------------------------------
# What needs attention


def _severity_rank() -> dict[str, int]:
    """Each severity's rank by its label (in the report's language)."""
    return {s.label: rank for rank, s in enumerate(Severity)}


def attention(
    views: Sequence[UseCaseView], positions: Sequence[_Position], as_at: AsAt
) -> Attention:
    """Overdue returns, open incidents and late milestones of these use cases at the date."""
    rank = _severity_rank()
    day = as_at.day
    returns: list[OverdueReturn] = []
    incidents: list[OpenIncident] = []
    milestones: list[LateMilestone] = []
    for view, position in zip(views, positions, strict=True):
        due_on = position.return_due_on
        if due_on is not None and due_on < day:
            returns.append(
                OverdueReturn(
                    view.reference,
                    view.title,
                    view.institution,
                    due_on,
                    (day - due_on).days,
                )
            )
        if position.stage in MILESTONE_STAGES:
            milestones += [
                LateMilestone(
                    view.reference,
                    view.title,
                    view.institution,
                    m.title,
                    m.planned_on,
                    (day - m.planned_on).days,
                )
                for m in view.milestones
                if m.overdue
            ]
        incidents += [
            OpenIncident(
                view.reference,
                view.title,
                view.institution,
                i.severity,
                i.occurred_on,
                i.reported_on,
            )
            for i in view.open_incidents
        ]
    return Attention(
        overdue_returns=tuple(sorted(returns, key=lambda r: (r.due_on, r.reference))),
        open_incidents=tuple(
            sorted(
                incidents,
                key=lambda i: (-rank.get(i.severity, 0), i.reported_on, i.reference),
            )
        ),
        late_milestones=tuple(sorted(milestones, key=lambda m: (m.planned_on, m.reference))),
    )


# ---------------------------------------------------------------------------------------------
# Summaries


def _funnel(positions: Iterable[_Position]) -> Funnel:
    proposals = selected = pilot = production = 0
    for p in positions:
        if p.reached - {Stage.DRAFT}:
            proposals += 1
        if p.reached & _SELECTED_OR_LATER:
            selected += 1
        if p.reached & _PILOT_OR_LATER:
            pilot += 1
        if Stage.PRODUCTION in p.reached:
            production += 1
    return Funnel(proposals, selected, pilot, production)


def summarise(positions: Sequence[_Position]) -> Summary:
    stages = Counter(p.stage for p in positions)
    categories = Counter(p.category for p in positions)
    present = [s for s in STAGE_ORDER if stages[s]]
    names = sorted(categories, key=str.casefold)
    cells: dict[str, Counter[Stage]] = defaultdict(Counter)
    for p in positions:
        cells[p.category][p.stage] += 1
    return Summary(
        total=len(positions),
        by_stage=tuple(Count(s.label, stages[s]) for s in present),
        by_category=tuple(Count(n, categories[n]) for n in names),
        funnel=_funnel(positions),
        matrix=StageMatrix(
            stages=tuple(s.label for s in present),
            categories=tuple(names),
            counts=tuple(tuple(cells[n][s] for s in present) for n in names),
        ),
    )


def _breakdown(positions: Sequence[_Position], key_of: dict[int, str]) -> tuple[BreakdownRow, ...]:
    groups: dict[str, list[_Position]] = defaultdict(list)
    for p in positions:
        groups[key_of[p.use_case_id]].append(p)
    rows = []
    for label in sorted(groups, key=str.casefold):
        funnel = _funnel(groups[label])
        rows.append(
            BreakdownRow(
                label=label,
                total=len(groups[label]),
                proposals=funnel.proposals,
                selected=funnel.selected,
                pilot=funnel.pilot,
                production=funnel.production,
            )
        )
    return tuple(rows)


def _clocks(positions: Iterable[_Position]) -> ClockPerformance:
    """The clock figures of these positions (made ``with_clocks``), added up."""
    shares = []
    for position in positions:
        if position.clocks is None:
            raise ValueError("positions made without their clock figures (with_clocks=False)")
        shares.append(position.clocks)
    return ClockPerformance(
        decided=sum(c.decided for c in shares),
        decided_within_time=sum(c.decided_within_time for c in shares),
        open_reviews=sum(c.open_reviews for c in shares),
        overdue_reviews=sum(c.overdue_reviews for c in shares),
    )


def _cohort_facts(cohort: Cohort) -> CohortFacts:
    return CohortFacts(
        name=cohort.name,
        status=cohort.status.label,
        applications_open_on=cohort.applications_open_on,
        applications_close_on=cohort.applications_close_on,
        selection_on=cohort.selection_on,
        pilot_starts_on=cohort.pilot_starts_on,
        pilot_ends_on=cohort.pilot_ends_on,
    )


# ---------------------------------------------------------------------------------------------
# The four reports


def cohort_report(cohort: Cohort, as_at: AsAt) -> CohortReport:
    """Every use case of one cohort, with a section each."""
    views, positions = _views(UseCase.cohort_id == cohort.id, as_at, with_clocks=True)
    programme = cohort.programme
    return CohortReport(
        subject_id=cohort.id,
        title=_(
            "Cohort progress report: %(programme)s — %(cohort)s",
            programme=local_name(programme),
            cohort=local_name(cohort),
        ),
        programme=local_name(programme),
        lead_regulator=local_name(programme.lead_regulator),
        cohort=_cohort_facts(cohort),
        as_at=as_at.day,
        summary=summarise(positions),
        use_cases=views,
        attention=attention(views, positions, as_at),
        clocks=_clocks(positions),
    )


def programme_report(programme: Programme, as_at: AsAt) -> ProgrammeReport:
    """All cohorts of a programme; by regulator and sector when several regulators run it."""
    views, positions = _views(
        UseCase.cohort_id.in_(sa.select(Cohort.id).where(Cohort.programme_id == programme.id)),
        as_at,
        with_clocks=True,
    )
    with_use_cases = {p.cohort_id for p in positions}
    cohorts = [
        c for c in programme.cohorts if c.created_at < as_at.cutoff or c.id in with_use_cases
    ]
    sections = []
    for cohort in cohorts:
        picked = [i for i, p in enumerate(positions) if p.cohort_id == cohort.id]
        sections.append(
            CohortSection(
                facts=_cohort_facts(cohort),
                summary=summarise([positions[i] for i in picked]),
                use_cases=tuple(views[i] for i in picked),
                clocks=_clocks(positions[i] for i in picked),
            )
        )
    multi = len(programme.regulator_ids) > 1
    by_regulator = by_sector = None
    if multi:
        regulator_of = {v.id: v.regulator or _("No regulator recorded") for v in views}
        sector_of = {v.id: v.sector or _("No sector recorded") for v in views}
        by_regulator = _breakdown(positions, regulator_of)
        by_sector = _breakdown(positions, sector_of)
    return ProgrammeReport(
        subject_id=programme.id,
        title=_("Programme report: %(programme)s", programme=local_name(programme)),
        programme=local_name(programme),
        description=programme.description,
        lead_regulator=local_name(programme.lead_regulator),
        regulators=tuple(r.code for r in [programme.lead_regulator, *programme.participants]),
        sectors=tuple(programme.sector_labels),
        as_at=as_at.day,
        summary=summarise(positions),
        cohorts=tuple(sections),
        by_regulator=by_regulator,
        by_sector=by_sector,
        attention=attention(views, positions, as_at),
        clocks=_clocks(positions),
        lessons=programme_lessons(programme.id, as_at.cutoff, as_at.local),
    )


def institution_report(
    institution: Institution, as_at: AsAt, visible: sa.ColumnElement[bool], scope: str
) -> InstitutionReport:
    """The use cases an institution leads or is a partner on, limited to ``visible``."""
    views, positions = _views(sa.and_(involving(institution.id), visible), as_at)
    return InstitutionReport(
        subject_id=institution.id,
        title=_("Institution report: %(institution)s", institution=institution.display_name),
        institution=institution.display_name,
        institution_kind=institution.kind.label,
        regulator=local_name(institution.regulator) if institution.regulator else "",
        as_at=as_at.day,
        scope=scope,
        summary=summarise(positions),
        use_cases=views,
        attention=attention(views, positions, as_at),
    )


def _pilot_terms(use_case: UseCase, plan: SandboxPlanVersion | None, as_at: AsAt) -> PilotTerms:
    """The pilot's terms as at the date: the plan version in force then when there is one
    (a later amendment does not reach back), else the terms the start recorded."""
    if plan is None:
        return PilotTerms(
            started_on=use_case.pilot_started_on,
            duration_weeks=use_case.pilot_duration_weeks,
            limits=use_case.pilot_limits or "",
            data_scope=use_case.pilot_data_scope or "",
        )
    return PilotTerms(
        started_on=use_case.pilot_started_on,
        duration_weeks=plan.duration_weeks,
        limits=plan_queries.limits_text(plan),
        data_scope=plan.data_scope,
        plan_version=plan.number,
        plan_agreed_on=as_at.local(plan.agreed_at).date() if plan.agreed_at else None,
        plan_sections=tuple(
            (_(label), plan_queries.section_text(plan, name))
            for name, label in plan_queries.SECTIONS
            if name not in ("duration_weeks", "data_scope")
        ),
    )


def use_case_report(use_case: UseCase, as_at: AsAt) -> UseCaseReport:
    """One use case with its whole history up to the as-at date."""
    loaded = _load_use_cases(UseCase.id == use_case.id, as_at)
    if not loaded:
        raise ReportError(f"{use_case.reference} was not yet created on {as_at.day:%d %b %Y}.")
    plan = plan_queries.version_in_force(use_case.id, as_at.cutoff)
    view, position = _view(
        loaded[0], as_at, _values_then([use_case.id], as_at), with_details=True, plan=plan
    )
    return UseCaseReport(
        subject_id=use_case.id,
        title=_(
            "Use-case report: %(reference)s %(title)s", reference=view.reference, title=view.title
        ),
        as_at=as_at.day,
        use_case=view,
        attention=attention([view], [position], as_at),
        evidence=evidence_as_at(use_case.id, as_at.cutoff, as_at.local),
        compute=ledger(use_case, as_at.cutoff, as_at.local),
    )
