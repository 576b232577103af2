"""A large synthetic dataset for load testing: ``flask --app tracker seed-synthetic``.

Rows are written with bulk inserts (``session.execute(insert(Model), [dicts])``) in batches of
use cases, so ten thousand use cases with their history load in seconds. Every use case's history
is a path through the workflow table, in time order, ending at the use case's stage.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from tracker.auth.models import Role, User
from tracker.auth.passwords import hash_password
from tracker.demo import (
    DEMO_PASSWORD,
    SeedResult,
    ensure_categories,
    ensure_regulators,
    require_demo_mode,
    slug,
)
from tracker.extensions import db, utcnow
from tracker.institutions.models import SECTOR_OF_KIND, Institution, InstitutionKind
from tracker.plans import figures as kpi_figures
from tracker.programmes.models import (
    DEFAULT_CRITERIA,
    Cohort,
    CohortStatus,
    Programme,
    Regulator,
    SelectionCriterion,
)
from tracker.returns import due as next_return_due
from tracker.unit_of_work import unit_of_work
from tracker.usecases import figures, institution_figures, open_milestones
from tracker.usecases.models import (
    Audience,
    KpiValue,
    Milestone,
    MilestoneStatus,
    ProgressReturn,
    Rag,
    Review,
    ReviewScore,
    Stage,
    StageTransition,
    Technique,
    UseCase,
    use_case_partner,
)
from tracker.usecases.workflow import BY_NAME, Needs, Side

BATCH_SIZE = 1000

# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

# (name, lead regulator, participating regulators, sectors)
PROGRAMMES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Responsible AI Sandbox", "HKMA", (), ("banking", "svf")),
    ("Securities AI Pilot Scheme", "SFC", (), ("securities",)),
    ("Insurtech AI Sandbox", "IA", (), ("insurance",)),
    ("MPF Digital Innovation Sandbox", "MPFA", (), ("mpf",)),
    (
        "Cross-sector AI Sandbox",
        "HKMA",
        ("SFC", "IA", "MPFA"),
        ("banking", "securities", "insurance", "mpf", "svf"),
    ),
)
CROSS_SECTOR = PROGRAMMES[-1][0]

REGULATOR_OF_KIND = {
    InstitutionKind.BANK: "HKMA",
    InstitutionKind.SECURITIES: "SFC",
    InstitutionKind.INSURER: "IA",
    InstitutionKind.MPF_TRUSTEE: "MPFA",
    InstitutionKind.SVF: "HKMA",
}
# Share of new institutions of each kind.
KIND_WEIGHTS = {
    InstitutionKind.BANK: 46,
    InstitutionKind.SECURITIES: 12,
    InstitutionKind.INSURER: 12,
    InstitutionKind.MPF_TRUSTEE: 6,
    InstitutionKind.SVF: 8,
    InstitutionKind.TECH_PARTNER: 16,
}
NAME_ENDINGS = {
    InstitutionKind.BANK: (
        "Bank", "Commercial Bank", "Savings Bank", "Community Bank", "Trust Bank", "Digital Bank"
    ),
    InstitutionKind.SECURITIES: ("Securities", "Brokerage", "Asset Management", "Capital"),
    InstitutionKind.INSURER: ("Life Assurance", "General Insurance", "Insurance"),
    InstitutionKind.MPF_TRUSTEE: ("MPF Trustees", "Pension Trustees"),
    InstitutionKind.SVF: ("Pay", "Wallet", "E-Money"),
    InstitutionKind.TECH_PARTNER: (
        "AI Labs", "Analytics", "Cloud", "Data Science", "Language Technologies", "Robotics"
    ),
}  # fmt: skip
PLACES = (
    "Aberdeen", "Ap Lei Chau", "Causeway Bay", "Chai Wan", "Cheung Sha Wan", "Diamond Hill",
    "Fanling", "Fo Tan", "Ho Man Tin", "Hung Hom", "Jordan", "Kennedy Town", "Kwai Fong",
    "Kwun Tong", "Lai Chi Kok", "Lam Tin", "Lok Fu", "Ma On Shan", "Mong Kok", "North Point",
    "Pok Fu Lam", "Quarry Bay", "Sai Ying Pun", "Sha Tin", "Sham Shui Po", "Shau Kei Wan",
    "Shek O", "Sheung Wan", "Siu Sai Wan", "Stanley", "Tai Koo", "Tai Po", "Tai Wai",
    "Tin Shui Wai", "To Kwa Wan", "Tseung Kwan O", "Tsuen Wan", "Tuen Mun", "Tung Chung",
    "Wong Tai Sin", "Yau Tong", "Yuen Long",
)  # fmt: skip

# Per category: (subjects, KPI templates as (label, start, end, format)).
SUBJECTS = {
    "Risk management": (
        "Credit early-warning signals", "Model validation assistant",
        "Regulatory change mapping", "Operational loss event classification",
        "Liquidity stress narrative drafting", "Internal audit sampling",
        "Climate risk disclosure review", "Third-party risk assessment summaries",
    ),
    "Anti-fraud": (
        "Mule account detection", "Scam call triage", "Phishing site takedown",
        "Deepfake detection in onboarding", "Suspicious transaction report drafting",
        "Claims fraud detection", "Scam payee warnings", "Account takeover detection",
    ),
    "Customer experience": (
        "Cantonese virtual assistant", "Complaint response drafting",
        "Plain-language statement explanations", "Relationship manager meeting notes",
        "Member enquiry assistant", "Accessible voice banking", "Policy wording explainer",
        "Research note summaries",
    ),
}  # fmt: skip
FLAVOURS = (
    "with retrieval-augmented generation",
    "using a fine-tuned language model",
    "for the first line of defence",
    "with human review of every output",
    "in Cantonese and English",
    "for small and medium enterprises",
    "across branches and digital channels",
)
KPIS = {
    "Risk management": (
        ("Analyst hours saved per week", 0, 40, "{:.0f}"),
        ("Issues flagged at least 60 days in advance (%)", 30, 65, "{:.0f}%"),
        ("False alerts per 100 reviews", 10, 3, "{:.1f}"),
    ),
    "Anti-fraud": (
        ("Confirmed fraud cases detected per month", 40, 110, "{:.0f}"),
        ("Alert precision (%)", 12, 30, "{:.0f}%"),
        ("Median hours from report to action", 30, 5, "{:.0f}"),
    ),
    "Customer experience": (
        ("Enquiries resolved without staff (%)", 35, 65, "{:.0f}%"),
        ("Answer accuracy in sampling (%)", 92, 99, "{:.1f}%"),
        ("Customer satisfaction (out of 5)", 3.6, 4.4, "{:.1f}"),
    ),
}
NARRATIVES = (
    "Onboarding and baseline measurement on the agreed test population.",
    "Prompts and retrieval sources tuned after supervisory feedback; daily output sampling.",
    "Red-team testing of guardrails; findings fixed before the next release.",
    "Usage grew within the agreed cap; no boundary breaches.",
    "Model and prompt versions frozen for evaluation; monitoring recalibrated.",
    "Steady operation; sampled outputs reviewed by the first line.",
)
PEOPLE = (
    "Chan Tai-man", "Wong Mei-ling", "Lee Ka-yan", "Cheung Wai-lun", "Lau Siu-ming",
    "Ng Pui-shan", "Ho Chun-kit", "Leung Hoi-yee", "Tam Yuk-lin", "Yip Chi-ho",
)  # fmt: skip
TITLES = ("Chief Risk Officer", "Chief Operating Officer", "Head of Compliance", "Chief Executive")

# How often each final stage occurs, and the cohort statuses it can sit in.
STAGE_WEIGHTS = {
    Stage.DRAFT: 3,
    Stage.SUBMITTED: 3,
    Stage.UNDER_REVIEW: 4,
    Stage.CHANGES_REQUESTED: 3,
    Stage.SELECTED: 5,
    Stage.REJECTED: 13,
    Stage.WITHDRAWN: 6,
    Stage.PILOT: 22,
    Stage.SUSPENDED: 4,
    Stage.PRODUCTION: 27,
    Stage.DISCONTINUED: 10,
}
STAGE_STATUSES = {
    Stage.DRAFT: (CohortStatus.OPEN,),
    Stage.SUBMITTED: (CohortStatus.OPEN,),
    Stage.UNDER_REVIEW: (CohortStatus.OPEN, CohortStatus.SELECTION),
    Stage.CHANGES_REQUESTED: (CohortStatus.OPEN, CohortStatus.SELECTION),
    Stage.SELECTED: (CohortStatus.SELECTION, CohortStatus.PILOTING),
    Stage.REJECTED: (CohortStatus.SELECTION, CohortStatus.PILOTING, CohortStatus.CLOSED),
    Stage.WITHDRAWN: tuple(CohortStatus),
    Stage.PILOT: (CohortStatus.PILOTING,),
    Stage.SUSPENDED: (CohortStatus.PILOTING,),
    Stage.PRODUCTION: (CohortStatus.PILOTING, CohortStatus.CLOSED),
    Stage.DISCONTINUED: (CohortStatus.PILOTING, CohortStatus.CLOSED),
}
REVIEW_LOOPS = ((0, 20), (1, 30), (2, 30), (3, 20))  # request_changes, resubmit, start_review
PILOT_LOOPS = ((0, 25), (1, 30), (2, 25), (3, 20))  # suspend, resume
# Recorded reasons for the transitions that need one.
REASONS = {
    "request_changes": (
        "Please set out how outputs are checked before they reach customers.",
        "Please add a KPI for the error rate and state how it will be sampled.",
        "Please describe the data-protection assessment for the training data.",
    ),
    "resubmit": (
        "Safeguards and KPIs updated as requested.",
        "Data-protection assessment attached; sampling plan added.",
    ),
    "withdraw": (
        "The institution has reprioritised its technology budget.",
        "The technology partner's licensing terms changed.",
    ),
    "reject": (
        "Safeguards for customer-facing outputs were not demonstrated.",
        "The proposal did not show a need for the sandbox.",
    ),
    "suspend": (
        "An incident reported in the last return needs remediation before the pilot continues.",
        "Pilot boundary exceeded; paused pending a review of controls.",
    ),
    "resume": (
        "Remediation verified; the pilot may continue within the agreed boundaries.",
        "Controls reviewed and strengthened.",
    ),
    "discontinue": (
        "KPIs were not met after two review points.",
        "The risk of customer harm outweighed the benefit shown.",
    ),
}
# Days between one step and the next, by the action taken.
GAP_DAYS = {
    "submit": (2, 20),
    "start_review": (3, 20),
    "request_changes": (5, 20),
    "resubmit": (4, 20),
    "select": (7, 30),
    "reject": (7, 30),
    "start_pilot": (20, 60),
    "suspend": (20, 90),
    "resume": (7, 40),
    "approve_production": (30, 120),
    "discontinue": (14, 90),
    "withdraw": (5, 60),
}


# --------------------------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------------------------


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, int]]) -> Any:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _review_path(rng: random.Random) -> list[str]:
    """Submit, then zero or more change-request rounds, ending submitted."""
    path = ["submit"]
    for _ in range(_pick(rng, REVIEW_LOOPS)):
        path += ["start_review", "request_changes", "resubmit"]
    return path


def _pilot_path(rng: random.Random) -> list[str]:
    """Selection and a pilot with zero or more suspensions, ending in pilot."""
    path = [*_review_path(rng), "start_review", "select", "start_pilot"]
    for _ in range(_pick(rng, PILOT_LOOPS)):
        path += ["suspend", "resume"]
    return path


def path_to(stage: Stage, rng: random.Random) -> list[str]:
    """A plausible sequence of workflow actions from draft to ``stage``."""
    if stage is Stage.DRAFT:
        return []
    if stage is Stage.SUBMITTED:
        return _review_path(rng)
    if stage is Stage.UNDER_REVIEW:
        return [*_review_path(rng), "start_review"]
    if stage is Stage.CHANGES_REQUESTED:
        return [*_review_path(rng), "start_review", "request_changes"]
    if stage is Stage.SELECTED:
        return [*_review_path(rng), "start_review", "select"]
    if stage is Stage.REJECTED:
        if rng.random() < 0.15:
            return [*_review_path(rng), "reject"]
        return [*_review_path(rng), "start_review", "reject"]
    if stage is Stage.PILOT:
        return _pilot_path(rng)
    if stage is Stage.SUSPENDED:
        return [*_pilot_path(rng), "suspend"]
    if stage is Stage.PRODUCTION:
        return [*_pilot_path(rng), "approve_production"]
    if stage is Stage.DISCONTINUED:
        before = rng.choice((Stage.SELECTED, Stage.PILOT, Stage.PILOT, Stage.SUSPENDED))
        return [*path_to(before, rng), "discontinue"]
    if stage is Stage.WITHDRAWN:
        before = rng.choice(
            (Stage.DRAFT, Stage.SUBMITTED, Stage.UNDER_REVIEW, Stage.SELECTED, Stage.PILOT)
        )
        return [*path_to(before, rng), "withdraw"]
    raise ValueError(f"no path to {stage.value}")


def walk(actions: Sequence[str]) -> list[tuple[str, Stage, Stage]]:
    """(action, from, to) for each action, checked against the workflow table."""
    stage = Stage.DRAFT
    steps = []
    for action in actions:
        transition = BY_NAME[action]
        if stage not in transition.sources:
            raise ValueError(f"{action} is not allowed from {stage.value}")
        steps.append((action, stage, transition.target))
        stage = transition.target
    return steps


# --------------------------------------------------------------------------------------------
# Reference rows
# --------------------------------------------------------------------------------------------


@dataclass
class SyntheticResult:
    """What ``build_synthetic`` added, counted per kind of record."""

    created: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    cohort_ids: list[int] = field(default_factory=list)

    def summary(self) -> str:
        parts = ", ".join(f"{count} {kind}" for kind, count in sorted(self.created.items()))
        return f"Added {parts} in {self.seconds:.1f} s."


@dataclass(frozen=True)
class _Cohort:
    id: int
    programme_id: int
    status: CohortStatus
    opens: date
    interval: int
    sectors: frozenset[str]
    regulator_ids: tuple[int, ...]
    criterion_ids: tuple[int, ...]


@dataclass(frozen=True)
class _Institution:
    id: int
    kind: InstitutionKind
    user_id: int
    attester: str
    attester_title: str


def _table(model: Any) -> sa.Table:
    table: sa.Table = model.__table__
    return table


def _bulk(model: Any, rows: list[dict[str, Any]], result: Counter[str], kind: str) -> None:
    """One executemany of ``rows`` (all with the same keys) into the model's table."""
    if rows:
        # The table-level insert skips the ORM's per-row grouping: one statement per batch.
        db.session.execute(sa.insert(_table(model)), rows)
        result[kind] += len(rows)


def _bulk_ids(model: Any, rows: list[dict[str, Any]], result: Counter[str], kind: str) -> list[int]:
    """Insert and return the new ids in the order of ``rows``."""
    if not rows:
        return []
    table = _table(model)
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite returns a multi-row INSERT's RETURNING rows in no promised order, so SQLAlchemy
        # would send one INSERT per row to keep them in order (560,000 of them at 100k).
        # The ids are numbered here instead, as SQLite itself numbers a rowid table's rows
        # (the largest plus one); a writer slipping in between fails the load on the key, and
        # the unit of work rolls it all back.
        first = (db.session.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1
        ids = list(range(first, first + len(rows)))
        _bulk(model, [{**row, "id": id_} for row, id_ in zip(rows, ids, strict=True)], result, kind)
        return ids
    inserted = db.session.execute(
        sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
    )
    result[kind] += len(rows)
    return list(inserted.scalars())


def _timeline(status: CohortStatus, today: date, rng: random.Random) -> dict[str, Any]:
    """Cohort dates that fit its status, relative to ``today``."""
    if status is CohortStatus.OPEN:
        opens = today - timedelta(days=rng.randint(10, 40))
        closes = today + timedelta(days=rng.randint(20, 60))
    elif status is CohortStatus.SELECTION:
        closes = today - timedelta(days=rng.randint(5, 30))
        opens = closes - timedelta(days=60)
    elif status is CohortStatus.PILOTING:
        opens = today - timedelta(days=rng.randint(300, 480))
        closes = opens + timedelta(days=60)
    else:
        opens = today - timedelta(days=rng.randint(600, 1800))
        closes = opens + timedelta(days=60)
    selection = closes + timedelta(days=35)
    pilot_start = selection + timedelta(days=30)
    return {
        "applications_open_on": opens,
        "applications_close_on": closes,
        "selection_on": selection,
        "pilot_starts_on": pilot_start,
        "pilot_ends_on": pilot_start + timedelta(weeks=26),
    }


def _cohort_statuses(count: int) -> list[CohortStatus]:
    """Oldest first: mostly closed and piloting cohorts, at least one of every status."""
    open_ = max(1, count // 10)
    selection = max(1, count // 10)
    piloting = max(1, count * 3 // 10)
    closed = max(1, count - open_ - selection - piloting)
    return (
        [CohortStatus.CLOSED] * closed
        + [CohortStatus.PILOTING] * piloting
        + [CohortStatus.SELECTION] * selection
        + [CohortStatus.OPEN] * open_
    )


def _ensure_programmes(
    regulators: dict[str, Regulator], result: SeedResult
) -> dict[str, Programme]:
    found = {
        p.name: p
        for p in db.session.scalars(
            sa.select(Programme).where(Programme.name.in_([p[0] for p in PROGRAMMES]))
        )
    }
    for name, lead, participants, sectors in PROGRAMMES:
        if name in found:
            continue
        programme = Programme(
            name=name,
            description="Synthetic programme for load testing.",
            lead_regulator=regulators[lead],
            sectors=list(sectors),
            starts_on=date(2021, 1, 4),
        )
        programme.participants = [regulators[code] for code in participants]
        db.session.add(programme)
        result.created["programmes"] += 1
        found[name] = programme
    db.session.flush()
    return found


def _cohort_record(cohort: Cohort, criterion_ids: list[int]) -> _Cohort:
    programme = cohort.programme
    return _Cohort(
        id=cohort.id,
        programme_id=programme.id,
        status=cohort.status,
        opens=cohort.applications_open_on or date.today(),
        interval=cohort.return_interval_days,
        sectors=frozenset(programme.sectors),
        regulator_ids=tuple(sorted(programme.regulator_ids)),
        criterion_ids=tuple(criterion_ids),
    )


def _make_cohort(
    programme: Programme,
    name: str,
    status: CohortStatus,
    today: date,
    rng: random.Random,
    result: SeedResult,
) -> _Cohort:
    cohort = db.session.scalar(
        sa.select(Cohort).where(Cohort.programme_id == programme.id, Cohort.name == name)
    )
    if cohort is None:
        cohort = Cohort(
            programme=programme, name=name, status=status, **_timeline(status, today, rng)
        )
        db.session.add(cohort)
        result.created["cohorts"] += 1
        db.session.flush()
    if not cohort.criteria:
        for position, criterion in enumerate(DEFAULT_CRITERIA):
            db.session.add(SelectionCriterion(cohort=cohort, name=criterion, position=position))
            result.created["selection criteria"] += 1
        db.session.flush()
    return _cohort_record(cohort, [c.id for c in cohort.criteria])


def _ensure_cohorts(
    programmes: dict[str, Programme],
    n_use_cases: int,
    cohort_name: str | None,
    today: date,
    rng: random.Random,
    result: SeedResult,
) -> list[_Cohort]:
    if cohort_name is not None:
        programme = programmes[CROSS_SECTOR]
        return [_make_cohort(programme, cohort_name, CohortStatus.PILOTING, today, rng, result)]
    statuses = _cohort_statuses(max(4, math.ceil(n_use_cases / 250)))
    ordered = list(programmes.values())
    cohorts = []
    taken: Counter[int] = Counter()
    for index, status in enumerate(statuses):
        programme = ordered[index % len(ordered)]
        taken[programme.id] += 1
        name = f"Synthetic cohort {taken[programme.id]}"
        cohorts.append(_make_cohort(programme, name, status, today, rng, result))
    return cohorts


def _institution_names(
    count: int, kind: InstitutionKind, taken: set[str], rng: random.Random
) -> list[str]:
    """Fictional Hong Kong-style names not already in use."""
    pool = [f"{place} {ending}" for place in PLACES for ending in NAME_ENDINGS[kind]]
    rng.shuffle(pool)
    names: list[str] = []
    round_ = 1
    while len(names) < count:
        for candidate in pool:
            name = candidate if round_ == 1 else f"{candidate} {round_}"
            if name not in taken:
                taken.add(name)
                names.append(name)
                if len(names) == count:
                    break
        round_ += 1
    return names


def _ensure_institutions(
    n_use_cases: int,
    regulators: dict[str, Regulator],
    password_hash: str,
    rng: random.Random,
    result: SeedResult,
) -> list[_Institution]:
    """New institutions for this data set, each with one institution user."""
    wanted = max(12, n_use_cases // 25)
    taken = set(db.session.scalars(sa.select(Institution.name)))
    kinds = list(KIND_WEIGHTS)
    counts = Counter(rng.choices(kinds, weights=list(KIND_WEIGHTS.values()), k=wanted))
    for kind in kinds:  # at least one of every kind, so every programme has applicants
        counts[kind] = max(counts[kind], 1)
    specs = [
        (name, kind)
        for kind in kinds
        for name in _institution_names(counts[kind], kind, taken, rng)
    ]
    ids = _bulk_ids(
        Institution,
        [
            {
                "name": name,
                "name_zh": None,
                "kind": kind,
                "regulator_id": (
                    regulators[REGULATOR_OF_KIND[kind]].id if kind in REGULATOR_OF_KIND else None
                ),
                "active": True,
            }
            for name, kind in specs
        ],
        result.created,
        "institutions",
    )
    emails_taken = set(db.session.scalars(sa.select(User.email)))
    user_rows = []
    for (name, _kind), institution_id in zip(specs, ids, strict=True):
        email = f"user@{slug(name)}.demo"
        while email in emails_taken:
            email = f"user{len(emails_taken)}@{slug(name)}.demo"
        emails_taken.add(email)
        user_rows.append(
            _user_row(
                email,
                rng.choice(PEOPLE),
                Role.INSTITUTION,
                password_hash,
                institution_id=institution_id,
            )
        )
    user_ids = _bulk_ids(User, user_rows, result.created, "users")
    return [
        _Institution(id_, kind, user_id, rng.choice(PEOPLE), rng.choice(TITLES))
        for (_name, kind), id_, user_id in zip(specs, ids, user_ids, strict=True)
    ]


def _user_row(
    email: str,
    name: str,
    role: Role,
    password_hash: str,
    *,
    regulator_id: int | None = None,
    institution_id: int | None = None,
) -> dict[str, Any]:
    return {
        "email": email,
        "name": name,
        "password_hash": password_hash,
        "role": role,
        "regulator_id": regulator_id,
        "institution_id": institution_id,
        "active": True,
        "last_login_at": None,
        "created_at": utcnow(),
        "session_version": 1,
    }


def _ensure_staff(
    regulators: dict[str, Regulator], password_hash: str, result: SeedResult
) -> dict[int, list[int]]:
    """Three synthetic regulator staff per regulator: regulator id -> user ids."""
    wanted = {
        f"analyst{n}.{code.lower()}@synthetic.demo": regulator
        for code, regulator in regulators.items()
        for n in (1, 2, 3)
    }
    existing = {
        u.email: u.id for u in db.session.scalars(sa.select(User).where(User.email.in_(wanted)))
    }
    rows = [
        _user_row(
            email,
            f"Analyst {email.split('@')[0]}",
            Role.REGULATOR,
            password_hash,
            regulator_id=regulator.id,
        )
        for email, regulator in wanted.items()
        if email not in existing
    ]
    new_ids = _bulk_ids(User, rows, result.created, "users")
    ids = dict(existing)
    ids.update(zip([r["email"] for r in rows], new_ids, strict=True))
    staff: dict[int, list[int]] = {}
    for email, regulator in wanted.items():
        staff.setdefault(regulator.id, []).append(ids[email])
    return staff


# --------------------------------------------------------------------------------------------
# Use cases
# --------------------------------------------------------------------------------------------


@dataclass
class _Plan:
    """One use case before insertion, with everything that hangs off it."""

    row: dict[str, Any]
    steps: list[tuple[str, Stage, Stage, datetime, int]]  # action, from, to, at, actor
    cohort: _Cohort
    institution: _Institution
    reviewer_id: int
    partner_ids: list[int]
    kpis: tuple[tuple[str, float, float, str], ...]


def _at(day: date, rng: random.Random) -> datetime:
    """A working-hours moment on ``day``, as naive UTC (Hong Kong is UTC+8)."""
    return datetime(day.year, day.month, day.day, rng.randint(1, 9), rng.randrange(0, 60))


def _times(
    actions: list[str], created: datetime, limit: datetime, rng: random.Random
) -> list[datetime]:
    """Increasing times for the actions, squeezed to end before ``limit`` if needed."""
    gaps = [rng.uniform(*GAP_DAYS[a]) * 86400 + rng.uniform(0, 3600) for a in actions]
    total = sum(gaps)
    room = (limit - created).total_seconds()
    if gaps and total > room:
        scale = max(room, 60.0 * len(actions)) / total
        gaps = [g * scale for g in gaps]
    times = []
    moment = created
    for gap in gaps:
        moment += timedelta(seconds=max(gap, 1.0))
        times.append(moment)
    return times


def _plan(
    rng: random.Random,
    stage: Stage,
    cohort: _Cohort,
    institution: _Institution,
    category: tuple[int, str],
    partners: list[_Institution],
    staff: dict[int, list[int]],
    now: datetime,
) -> _Plan:
    category_id, category_name = category
    actions = path_to(stage, rng)
    created = _at(cohort.opens + timedelta(days=rng.randint(0, 45)), rng)
    if created >= now:
        created = now - timedelta(days=1)
    times = _times(actions, created, now - timedelta(hours=1), rng)
    reviewers = [u for rid in cohort.regulator_ids for u in staff.get(rid, [])]
    reviewer_id = rng.choice(reviewers)
    steps = [
        (
            action,
            src,
            dst,
            at,
            institution.user_id if BY_NAME[action].side is Side.INSTITUTION else reviewer_id,
        )
        for (action, src, dst), at in zip(walk(actions), times, strict=True)
    ]
    subject = rng.choice(SUBJECTS[category_name])
    title = f"{subject} {rng.choice(FLAVOURS)}"
    last = times[-1] if times else created
    pilot_at = next(
        (at for action, _, _, at, _ in reversed(steps) if action == "start_pilot"), None
    )
    weeks = rng.choice((26, 39, 52))
    row: dict[str, Any] = {
        "cohort_id": cohort.id,
        "institution_id": institution.id,
        "category_id": category_id,
        "title": title,
        "summary": f"{subject} for {category_name.lower()}, trialled under supervisory guidance.",
        "problem_statement": "Manual work is slow and inconsistent at current volumes.",
        "technique": rng.choice(list(Technique)),
        "data_used": "Internal records of the last two years, de-identified where personal.",
        "personal_data": rng.random() < 0.5,
        "audience": rng.choice(list(Audience)),
        "safeguards": "Human review of outputs; access limited to the pilot team; daily sampling.",
        "kpis": "\n".join(k[0] for k in KPIS[category_name]),
        "gpu_hours": rng.randrange(200, 8000, 50),
        "stage": stage,
        "stage_changed_at": last,
        "created_at": created,
        "updated_at": last,
        "submitted_at": next((at for a, _, _, at, _ in steps if a == "submit"), None),
        "selected_at": next((at for a, _, _, at, _ in steps if a == "select"), None),
        # Set from the returns once they are planned (``_children``).
        "last_return_end": None,
        "created_by_id": institution.user_id,
        "pilot_started_on": pilot_at.date() if pilot_at else None,
        "pilot_duration_weeks": weeks if pilot_at else None,
        "pilot_limits": "At most 5,000 customers; no automated decisions." if pilot_at else None,
        "pilot_data_scope": "Data of pilot participants only." if pilot_at else None,
        "exit_outcome": "KPIs met; approved for production." if stage is Stage.PRODUCTION else None,
        "exit_lessons": "Retrieval quality mattered more than model size."
        if stage is Stage.PRODUCTION
        else None,
        "exit_conditions": "Quarterly monitoring report for a year."
        if stage is Stage.PRODUCTION
        else None,
        "version": 1,
    }
    chosen = rng.sample(partners, k=min(len(partners), rng.choice((0, 1, 1, 2))))
    return _Plan(
        row, steps, cohort, institution, reviewer_id, [p.id for p in chosen], KPIS[category_name]
    )


PILOT_FIELDS = ("pilot_started_on", "pilot_duration_weeks", "pilot_limits", "pilot_data_scope")
EXIT_FIELDS = ("exit_outcome", "exit_lessons", "exit_conditions")


def _details(action: str, row: dict[str, Any]) -> dict[str, Any]:
    """The terms recorded with a transition, as the workflow service records them."""
    names = {"start_pilot": PILOT_FIELDS, "approve_production": EXIT_FIELDS}.get(action, ())
    return {n: row[n].isoformat() if isinstance(row[n], date) else row[n] for n in names}


def _children(
    plan: _Plan,
    use_case_id: int,
    rng: random.Random,
    now: datetime,
    rows: dict[str, list[dict[str, Any]]],
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Add the use case's history, review, partners and milestones to ``rows``; return its
    progress returns, each with its KPI values, to insert once the returns have ids."""
    for action, src, dst, at, actor in plan.steps:
        rows["stage transitions"].append(
            {
                "use_case_id": use_case_id,
                "action": action,
                "from_stage": src,
                "to_stage": dst,
                "actor_id": actor,
                "at": at,
                "details": _details(action, plan.row),
                "reason": rng.choice(REASONS[action])
                if BY_NAME[action].needs in (Needs.REASON, Needs.RESPONSE)
                else None,
            }
        )
    for partner_id in plan.partner_ids:
        rows["partners"].append({"use_case_id": use_case_id, "institution_id": partner_id})

    decided = next((i for i, s in enumerate(plan.steps) if s[0] in ("select", "reject")), None)
    if decided is not None:
        decision = plan.steps[decided]
        # Scored between the step before the decision (usually start_review) and the decision.
        before = plan.steps[decided - 1][3] if decided else plan.row["created_at"]
        rows["reviews"].append(
            {
                "use_case_id": use_case_id,
                "reviewer_id": plan.reviewer_id,
                "at": before + (decision[3] - before) * rng.uniform(0.3, 0.9),
                "overall_comment": "Scored against the cohort's criteria.",
                "_scores": [
                    rng.randint(2, 5) if decision[0] == "select" else rng.randint(1, 3)
                    for _ in plan.cohort.criterion_ids
                ],
                "_criteria": plan.cohort.criterion_ids,
            }
        )

    pilot_start = plan.row["pilot_started_on"]
    selected_at = next((s[3] for s in plan.steps if s[0] == "select"), None)
    if selected_at is not None:
        today = now.date()
        start = pilot_start or selected_at.date() + timedelta(days=45)
        closed = plan.row["stage"].is_closed
        for title, planned in (
            ("Pilot plan agreed", selected_at.date() + timedelta(days=21)),
            ("Interim supervisory review", start + timedelta(days=90)),
            (
                "Exit report submitted",
                start + timedelta(weeks=plan.row["pilot_duration_weeks"] or 26),
            ),
        ):
            if planned <= today and (closed or rng.random() < 0.85):
                status, actual = MilestoneStatus.DONE, planned + timedelta(days=rng.randint(-5, 10))
                actual = min(actual, today)
            elif closed:
                status, actual = MilestoneStatus.DROPPED, None
            else:
                status, actual = (
                    rng.choice((MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS)),
                    None,
                )
            rows["milestones"].append(
                {
                    "use_case_id": use_case_id,
                    "title": title,
                    "planned_on": planned,
                    "actual_on": actual,
                    "status": status,
                    "created_at": selected_at,
                }
            )

    returns: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    if pilot_start is None:
        return returns
    end = now.date()
    for _action, _, dst, at, _ in plan.steps:
        if dst.is_closed and at.date() > pilot_start:
            end = at.date()
    interval = plan.cohort.interval
    period_start = pilot_start
    index = 0
    while True:
        period_end = period_start + timedelta(days=interval - 1)
        filed = period_end + timedelta(days=rng.randint(3, 10))
        if filed >= end:
            break
        fraction = min((index + 1) / 6, 1.0)
        values = []
        for position, (label, first, target, fmt) in enumerate(plan.kpis):
            raw = (
                first + (target - first) * fraction + abs(target - first) * rng.uniform(-0.05, 0.05)
            )
            raw = max(raw, 0.0)
            values.append(
                {
                    "position": position,
                    "kpi": label,
                    "value": fmt.format(min(raw, 100.0) if "%" in fmt else raw),
                }
            )
        returns.append(
            (
                {
                    "use_case_id": use_case_id,
                    "period_start": period_start,
                    "period_end": period_end,
                    "rag": rng.choices((Rag.GREEN, Rag.AMBER, Rag.RED), weights=(80, 16, 4))[0],
                    "narrative": NARRATIVES[min(index, len(NARRATIVES) - 1)],
                    "attested_by_name": plan.institution.attester,
                    "attested_by_title": plan.institution.attester_title,
                    "submitted_by_id": plan.institution.user_id,
                    "submitted_at": _at(filed, rng),
                },
                values,
            )
        )
        period_start = period_end + timedelta(days=1)
        index += 1
    return returns


def _set_last_return_ends(returns: list[dict[str, Any]]) -> None:
    """Keep ``UseCase.last_return_end`` as ``file_return`` does, one executemany per batch."""
    ends: dict[int, date] = {}
    for r in returns:
        ends[r["use_case_id"]] = max(r["period_end"], ends.get(r["use_case_id"], r["period_end"]))
    if not ends:
        return
    table = _table(UseCase)
    db.session.execute(
        sa.update(table)
        .where(table.c.id == sa.bindparam("use_case_id"))
        .values(last_return_end=sa.bindparam("last_end")),
        [{"use_case_id": uid, "last_end": end} for uid, end in ends.items()],
    )


def build_synthetic(
    n_use_cases: int,
    seed: int = 0,
    cohort_name: str | None = None,
    *,
    on_progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> SyntheticResult:
    """Add ``n_use_cases`` synthetic use cases with their history. With ``cohort_name`` they all
    go into that one cohort (created if missing in the cross-sector programme); otherwise into
    synthetic cohorts whose status fits each use case's stage. Flushes; the caller commits."""
    started = time.perf_counter()
    with _large_page_cache():
        return _build(n_use_cases, seed, cohort_name, on_progress, batch_size, started)


@contextmanager
def _large_page_cache() -> Iterator[None]:
    """On SQLite, a page cache of 256 MB for this connection while the bulk load runs: millions
    of rows go into indexed tables in one transaction, and the default cache (2 MB) would read
    the indexes' pages from the file again for every batch. The connection's own setting comes
    back after; a load that failed leaves it to the rollback's caller (the session can run
    nothing more until then)."""
    if db.session.get_bind().dialect.name != "sqlite":
        yield
        return
    before = db.session.execute(sa.text("PRAGMA cache_size")).scalar_one()
    db.session.execute(sa.text("PRAGMA cache_size = -262144"))
    yield
    db.session.execute(sa.text(f"PRAGMA cache_size = {int(before)}"))


def _build(
    n_use_cases: int,
    seed: int,
    cohort_name: str | None,
    on_progress: Callable[[int], None] | None,
    batch_size: int,
    started: float,
) -> SyntheticResult:
    rng = random.Random(seed)
    seed_result = SeedResult()
    regulators = ensure_regulators(seed_result)
    categories = ensure_categories(seed_result)
    db.session.flush()
    today = date.today()
    now = utcnow()
    programmes = _ensure_programmes(regulators, seed_result)
    cohorts = _ensure_cohorts(programmes, n_use_cases, cohort_name, today, rng, seed_result)
    password_hash = hash_password(DEMO_PASSWORD)
    staff = _ensure_staff(regulators, password_hash, seed_result)
    institutions = _ensure_institutions(n_use_cases, regulators, password_hash, rng, seed_result)
    partners = [i for i in institutions if i.kind is InstitutionKind.TECH_PARTNER]
    applicants = [i for i in institutions if i.kind is not InstitutionKind.TECH_PARTNER]
    category_list = [(c.id, c.name) for c in categories.values()]
    stages = list(STAGE_WEIGHTS)
    fitting = {
        stage: [c for c in cohorts if c.status in STAGE_STATUSES[stage]] or cohorts
        for stage in stages
    }
    eligible = {
        c.id: [i for i in applicants if SECTOR_OF_KIND[i.kind].value in c.sectors] for c in cohorts
    }
    stage_weights = list(STAGE_WEIGHTS.values())

    created = seed_result.created
    for batch_start in range(0, n_use_cases, batch_size):
        count = min(batch_size, n_use_cases - batch_start)
        plans = []
        for stage in rng.choices(stages, weights=stage_weights, k=count):
            cohort = rng.choice(fitting[stage])
            plans.append(
                _plan(
                    rng,
                    stage,
                    cohort,
                    rng.choice(eligible[cohort.id]),
                    rng.choice(category_list),
                    partners,
                    staff,
                    now,
                )
            )
        ids = _bulk_ids(UseCase, [p.row for p in plans], created, "use cases")

        rows: dict[str, list[dict[str, Any]]] = {
            "stage transitions": [],
            "partners": [],
            "reviews": [],
            "milestones": [],
        }
        returns = []
        for plan, use_case_id in zip(plans, ids, strict=True):
            returns += _children(plan, use_case_id, rng, now, rows)
        _bulk(StageTransition, rows["stage transitions"], created, "stage transitions")
        _bulk(Milestone, rows["milestones"], created, "milestones")
        if rows["partners"]:
            db.session.execute(use_case_partner.insert(), rows["partners"])
            created["use-case partners"] += len(rows["partners"])
        review_rows = rows["reviews"]
        review_ids = _bulk_ids(
            Review,
            [{k: v for k, v in r.items() if not k.startswith("_")} for r in review_rows],
            created,
            "reviews",
        )
        _bulk(
            ReviewScore,
            [
                {"review_id": review_id, "criterion_id": criterion, "score": score, "comment": ""}
                for r, review_id in zip(review_rows, review_ids, strict=True)
                for criterion, score in zip(r["_criteria"], r["_scores"], strict=True)
            ],
            created,
            "review scores",
        )
        return_ids = _bulk_ids(ProgressReturn, [r for r, _ in returns], created, "progress returns")
        _set_last_return_ends([r for r, _ in returns])
        _bulk(
            KpiValue,
            [
                {**value, "return_id": return_id}
                for (_, values), return_id in zip(returns, return_ids, strict=True)
                for value in values
            ],
            created,
            "KPI values",
        )
        if on_progress is not None:
            on_progress(count)
    # The inserts above bypass the ORM, so the figures kept by its flushes are recounted.
    figures.rebuild()
    kpi_figures.rebuild()
    institution_figures.rebuild()
    next_return_due.rebuild()
    open_milestones.rebuild()
    db.session.flush()
    return SyntheticResult(
        created=created,
        seconds=time.perf_counter() - started,
        cohort_ids=[c.id for c in cohorts],
    )


@click.command("seed-synthetic")
@click.option(
    "--use-cases",
    "n_use_cases",
    type=click.IntRange(min=1),
    required=True,
    help="How many use cases to add.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--cohort", "cohort_name", help="Put every use case into this one cohort.")
@click.option("--force", is_flag=True, help="Run even outside demo mode.")
@with_appcontext
def seed_synthetic_command(
    n_use_cases: int, seed: int, cohort_name: str | None, force: bool
) -> None:
    """Add a large synthetic data set (for load tests; demo mode only)."""
    require_demo_mode(force)
    with (
        unit_of_work("synthetic.seed"),
        click.progressbar(length=n_use_cases, label="Use cases") as bar,
    ):
        result = build_synthetic(n_use_cases, seed, cohort_name, on_progress=bar.update)
    click.echo(result.summary())
