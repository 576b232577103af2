"""The vocabulary the demo content is written in: one frozen record per thing on file (an
institution, a use case and each step of its history, a review, a milestone, an incident, a
message, a cohort and how its status moved). The content modules only declare these; the
seeder (``tracker.demo.seed``) replays them through the commands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tracker.auth.models import Role
from tracker.institutions.models import InstitutionKind
from tracker.programmes.models import CohortStatus
from tracker.usecases.models import Audience, MilestoneStatus, Rag, Severity, Technique

# Returns and milestones dated after this day are not part of the historical record.
DATA_CUTOFF = date(2026, 11, 20)
# Hong Kong keeps no daylight saving time, so a fixed offset converts wall-clock times to UTC.
HK_OFFSET = timedelta(hours=8)
# Resolved demo incidents were closed this many days after they occurred.
RESOLUTION_DAYS = 9


def hk(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A Hong Kong wall-clock time as the naive UTC the database stores."""
    return datetime(year, month, day, hour, minute) - HK_OFFSET


def hk_on(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """``hk`` for a calendar day."""
    return hk(day.year, day.month, day.day, hour, minute)


def hk_date(at: datetime) -> date:
    """The Hong Kong calendar day of a stored naive-UTC time."""
    return (at + HK_OFFSET).date()


def days_before(today: date, days: int, hour: int = 10, minute: int = 0) -> datetime:
    return hk_on(today - timedelta(days=days), hour, minute)


# ---------------------------------------------------------------- organisations and people


@dataclass(frozen=True)
class DemoInstitution:
    name: str
    name_zh: str
    kind: InstitutionKind
    regulator: str | None
    contact: str  # the demo user's name
    attester: str  # the senior manager who attests progress returns
    attester_title: str


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: Role
    regulator: str | None = None
    institution: str | None = None


@dataclass(frozen=True)
class ProgrammeSpec:
    name: str
    name_zh: str
    description: str
    lead_regulator: str
    participants: tuple[str, ...]
    sectors: tuple[str, ...]
    starts_on: date


@dataclass(frozen=True)
class CohortSpec:
    """A cohort with its dates and the status it was given as time moved on: ``timeline``
    holds (day, status) in order; before the first day the cohort is being planned. The status
    is stored, as staff set it, not derived from the dates."""

    programme: str
    name: str
    applications_open_on: date
    applications_close_on: date
    selection_on: date
    pilot_starts_on: date
    pilot_ends_on: date
    timeline: tuple[tuple[date, CohortStatus], ...]
    return_interval_days: int = 30
    name_zh: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.programme, self.name)

    @property
    def created(self) -> datetime:
        """Staff set a cohort up two weeks before its application window opens."""
        return hk_on(self.applications_open_on - timedelta(days=14), 9)


# ---------------------------------------------------------------- use cases


@dataclass(frozen=True)
class Kpi:
    label: str
    start: float
    end: float
    fmt: str  # a str.format pattern for one number, e.g. "{:.1f}%"

    def value(self, fraction: float, jitter: float) -> str:
        raw = self.start + (self.end - self.start) * fraction + abs(self.end - self.start) * jitter
        raw = max(raw, 0.0)
        if "%" in self.fmt:
            raw = min(raw, 100.0)
        return self.fmt.format(raw)


@dataclass(frozen=True)
class Step:
    """One transition of the path a use case took; ``text`` is its reason, response or note."""

    action: str
    at: datetime
    text: str | None = None


@dataclass(frozen=True)
class PilotTerms:
    weeks: int
    limits: str
    data_scope: str


@dataclass(frozen=True)
class ExitReport:
    outcome: str
    lessons: str
    conditions: str


@dataclass(frozen=True)
class DemoReview:
    regulator: str  # whose reviewer scored it
    at: datetime
    scores: tuple[int, int, int, int]  # in DEFAULT_CRITERIA order
    comment: str


@dataclass(frozen=True)
class DemoMilestone:
    """A milestone of the pilot plan. It is added on ``added_on`` (by default the day after
    selection) as planned; a done milestone is marked done on its ``actual_on``; one in
    progress or dropped took that status on ``status_on``."""

    title: str
    planned_on: date
    actual_on: date | None = None
    status: MilestoneStatus = MilestoneStatus.PLANNED
    added_on: date | None = None
    status_on: date | None = None


@dataclass(frozen=True)
class DemoIncident:
    occurred_on: date  # filed with the progress return whose period contains this day
    severity: Severity
    description: str
    customer_impact: str
    remediation: str
    resolved: bool


@dataclass(frozen=True)
class DemoMessage:
    at: datetime
    from_regulator: bool
    body: str
    internal: bool = False


@dataclass(frozen=True)
class DemoUseCase:
    cohort: tuple[str, str]
    institution: str
    partners: tuple[str, ...]
    category: str
    title: str
    summary: str
    problem: str
    technique: Technique
    audience: Audience
    personal_data: bool
    data_used: str
    safeguards: str
    kpis: tuple[Kpi, ...]
    gpu_hours: int | None
    created: datetime
    steps: tuple[Step, ...] = ()
    regulator: str = "HKMA"  # whose staff act on the regulator side
    zh: bool = False  # progress returns and comments written in Traditional Chinese
    pilot: PilotTerms | None = None
    exit: ExitReport | None = None
    reviews: tuple[DemoReview, ...] = ()
    milestones: tuple[DemoMilestone, ...] = ()
    incidents: tuple[DemoIncident, ...] = ()
    messages: tuple[DemoMessage, ...] = ()
    # Fields the institution changed when it answered a change request: (field, old value).
    # The draft is created with the old values and edited just before the resubmission.
    field_changes: tuple[tuple[str, str], ...] = ()
    # Progress-return ratings other than green, by return index (negative counts from the end).
    rag: tuple[tuple[int, Rag], ...] = ()


# Short names the content is written with.
BANK = InstitutionKind.BANK
PARTNER = InstitutionKind.TECH_PARTNER
RISK = "Risk management"
FRAUD = "Anti-fraud"
CX = "Customer experience"
DONE = MilestoneStatus.DONE
PLANNED = MilestoneStatus.PLANNED
IN_PROGRESS = MilestoneStatus.IN_PROGRESS
DROPPED = MilestoneStatus.DROPPED
