"""The read side of plans, shared by the pages, the workflow guard and the reports: the plan
with its versions, the version in force at a moment, and the differences between versions."""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, selectinload

from tracker.auth.models import User
from tracker.extensions import db
from tracker.i18n import N_, is_chinese
from tracker.i18n import gettext as _
from tracker.plans.models import (
    BoundaryBreach,
    Direction,
    PlanKpi,
    PlanStatus,
    SandboxPlan,
    SandboxPlanVersion,
)
from tracker.usecases.models import ProgressReturn, UseCase


def plan_of(use_case_id: int) -> SandboxPlan | None:
    """The plan with every version, its milestones, KPIs and the people who acted."""
    return db.session.scalar(
        sa.select(SandboxPlan)
        .where(SandboxPlan.use_case_id == use_case_id)
        .options(
            selectinload(SandboxPlan.versions).options(
                selectinload(SandboxPlanVersion.milestones),
                selectinload(SandboxPlanVersion.kpis),
                selectinload(SandboxPlanVersion.drafted_by),
                selectinload(SandboxPlanVersion.decided_by),
            )
        )
    )


def _in_force(at: datetime | None) -> sa.Select[Any]:
    """Versions agreed before the instant ``at`` (a report's cut-off; by now when None),
    latest first."""
    query = sa.select(SandboxPlanVersion).where(SandboxPlanVersion.status == PlanStatus.AGREED)
    if at is not None:
        query = query.where(SandboxPlanVersion.agreed_at < at)
    return query.order_by(SandboxPlanVersion.agreed_at.desc(), SandboxPlanVersion.number.desc())


def version_in_force(use_case_id: int, at: datetime | None = None) -> SandboxPlanVersion | None:
    """The version agreed most recently before ``at``: amendments take effect when agreed."""
    return db.session.scalar(
        _in_force(at)
        .join(SandboxPlan)
        .where(SandboxPlan.use_case_id == use_case_id)
        .options(selectinload(SandboxPlanVersion.milestones), selectinload(SandboxPlanVersion.kpis))
        .limit(1)
    )


def versions_in_force(
    use_case_ids: Iterable[int], at: datetime | None = None
) -> dict[int, SandboxPlanVersion]:
    """The version in force at ``at`` for each of many use cases, in one query of versions."""
    ids = list(use_case_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        _in_force(at)
        .add_columns(SandboxPlan.use_case_id)
        .join(SandboxPlan)
        .where(SandboxPlan.use_case_id.in_(ids))
        .options(selectinload(SandboxPlanVersion.milestones), selectinload(SandboxPlanVersion.kpis))
    ).all()
    found: dict[int, SandboxPlanVersion] = {}
    for version, use_case_id in rows:
        found.setdefault(use_case_id, version)  # latest first
    return found


def has_agreed_plan(use_case_id: int) -> bool:
    return version_in_force(use_case_id) is not None


_NUMBER_NOISE = re.compile(r"[,\s]|^HK\$|%$")


def parse_number(text: str | None) -> Decimal | None:
    """A number as people type it (``1,250.5``, ``-3``, ``96%``, ``HK$2,000``), or None."""
    cleaned = _NUMBER_NOISE.sub("", (text or "").strip())
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def money(value: Decimal | None) -> str:
    return "" if value is None else f"HK${value:,.2f}".replace(".00", "")


def number(value: Decimal | None) -> str:
    """A decimal without trailing zeros: 12.5000 → 12.5."""
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def limits_text(version: SandboxPlanVersion) -> str:
    """The boundaries in one text, as the use case's pilot terms keep them."""
    parts = []
    if version.customer_cap is not None:
        parts.append(_("At most %(num)s customers.", num=format(version.customer_cap, ",")))
    if version.exposure_limit is not None:
        parts.append(_("Exposure at most %(limit)s.", limit=money(version.exposure_limit)))
    if version.other_limits:
        parts.append(version.other_limits)
    return "\n".join(parts)


# Every section of a version, in page order, with its heading: what the differences compare.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("objectives", N_("Objectives")),
    ("success_measures", N_("Success measures")),
    ("kpis", N_("KPIs")),
    ("duration_weeks", N_("Duration (weeks)")),
    ("customer_cap", N_("Customer cap")),
    ("exposure_limit", N_("Exposure limit")),
    ("other_limits", N_("Other limits")),
    ("data_scope", N_("Data scope")),
    ("channels", N_("Channels")),
    ("geographies", N_("Geographies")),
    ("safeguard_boundary", N_("Boundary")),
    ("safeguard_customer_protection", N_("Customer protection")),
    ("safeguard_risk_controls", N_("Risk-management controls")),
    ("safeguard_readiness", N_("Readiness and monitoring")),
    ("methodology", N_("Methodology")),
    ("reporting", N_("Reporting schedule")),
    ("milestones", N_("Milestones")),
    ("exit_strategy", N_("Exit strategy")),
)
SECTION_LABELS = dict(SECTIONS)


def kpi_line(kpi: PlanKpi) -> str:
    head = f"{kpi.name} ({kpi.unit})" if kpi.unit else kpi.name
    if kpi.direction is None:
        return _("%(kpi)s: no target set", kpi=head)
    return _(
        "%(kpi)s: %(direction)s, baseline %(baseline)s, target %(target)s",
        kpi=head,
        direction=kpi.direction.label.lower(),
        baseline=number(kpi.baseline),
        target=number(kpi.target),
    )


def short_day(value: date) -> str:
    """A date as the pages write it: 01 Dec 2026, or 2026年12月1日 in Chinese."""
    if is_chinese():
        from babel.dates import format_date

        return str(format_date(value, "long", locale="zh_Hant"))
    return f"{value:%d %b %Y}"


def section_text(version: SandboxPlanVersion, name: str) -> str:
    """A section as text, for the differences and the PDF."""
    if name == "kpis":
        return "\n".join(kpi_line(k) for k in version.kpis)
    if name == "milestones":
        return "\n".join(f"{short_day(m.planned_on)} {m.title}" for m in version.milestones)
    if name == "reporting":
        return _(
            "%(frequency)s; each return due %(num)d days after its period ends",
            frequency=version.report_frequency.label,
            num=version.report_due_days,
        )
    if name == "exposure_limit":
        return money(version.exposure_limit)
    value = getattr(version, name)
    return "" if value is None else str(value)


@dataclass(frozen=True)
class SectionDiff:
    name: str
    label: str
    # (op, line): "-" removed, "+" added, " " unchanged.
    lines: tuple[tuple[str, str], ...]


def differences(old: SandboxPlanVersion, new: SandboxPlanVersion) -> list[SectionDiff]:
    """Each section that changed from ``old`` to ``new``, line by line."""
    changed = []
    for name, label in SECTIONS:
        before, after = section_text(old, name), section_text(new, name)
        if before == after:
            continue
        lines = tuple(
            (line[0], line[2:])
            for line in difflib.ndiff(before.splitlines(), after.splitlines())
            if line[:1] in "-+ "
        )
        changed.append(SectionDiff(name, _(label), lines))
    return changed


@dataclass(frozen=True)
class KpiPoint:
    period_end: date
    number: Decimal | None
    note: str


@dataclass(frozen=True)
class KpiSeries:
    """One KPI of the plan in force with the numbers returned against it, oldest first."""

    name: str
    unit: str
    direction: Direction | None
    baseline: Decimal | None
    target: Decimal | None
    points: tuple[KpiPoint, ...]

    @property
    def moving_away(self) -> bool:
        return moving_away(
            self.direction, self.target, [p.number for p in self.points if p.number is not None]
        )

    @property
    def latest(self) -> Decimal | None:
        numbers = [p.number for p in self.points if p.number is not None]
        return numbers[-1] if numbers else None

    def chart(self) -> dict[str, Any]:
        """The figures the page's chart draws (the table beside it shows the same)."""
        return {
            "label": self.name + (f" ({self.unit})" if self.unit else ""),
            "labels": [short_day(p.period_end) for p in self.points],
            "target_label": _("Target"),
            "baseline_label": _("Baseline"),
            "values": [float(p.number) if p.number is not None else None for p in self.points],
            "target": float(self.target) if self.target is not None else None,
            "baseline": float(self.baseline) if self.baseline is not None else None,
        }


def moving_away(
    direction: Direction | None, target: Decimal | None, numbers: Sequence[Decimal]
) -> bool:
    """Worse in each of the last two returns and short of the target: the dashboard's flag."""
    if direction is None or target is None or len(numbers) < 3:
        return False
    a, b, c = numbers[-3:]
    if direction is Direction.HIGHER:
        return b < a and c < b and c < target
    return b > a and c > b and c > target


def kpi_series(
    use_case_id: int,
    returns: Sequence[ProgressReturn],
    at: datetime | None = None,
    version: SandboxPlanVersion | None = None,
) -> list[KpiSeries]:
    """Each KPI of the plan in force at ``at`` with the numbers of ``returns`` (loaded with
    their values) reported against a KPI of that name in any version: a series runs on through
    amendments. ``version``, when given, is the version in force (already read)."""
    version = version or version_in_force(use_case_id, at)
    if version is None:
        return []
    ordered = sorted(returns, key=lambda r: (r.period_end, r.id))
    series = []
    for kpi in version.kpis:
        points = tuple(
            KpiPoint(r.period_end, v.number, v.value)
            for r in ordered
            for v in r.kpi_values
            if v.kpi == kpi.name
        )
        series.append(
            KpiSeries(kpi.name, kpi.unit, kpi.direction, kpi.baseline, kpi.target, points)
        )
    return series


@dataclass(frozen=True)
class KpiAway:
    """A KPI of a pilot whose last two returns moved it away from its target."""

    use_case: UseCase
    kpi: str
    numbers: tuple[Decimal, ...]  # the last three, oldest first
    target: Decimal


@functools.cache
def _shown_case() -> Any:
    """The use case shown with each row, made once (when first asked for, as the mappers are
    configured by then): an alias is a new entity to build each time, with the same cache key."""
    return aliased(UseCase, name="shown_case")


def kpis_moving_away(
    user: User, where: sa.ColumnElement[bool], limit: int = 10
) -> tuple[list[KpiAway], int]:
    """Pilots the user sees (within ``where``) with a KPI worse in each of its last two returns
    and short of its target: the first ``limit`` (oldest use cases first) and how many.

    Read from the kept rows (``tracker.plans.figures``) in their key's order, each row's use
    case tested by its key: the read follows the kept rows (a few) rather than the pilots
    (many), and stops after a page. They are counted only when there are more than a page."""
    from tracker.plans.figures import KpiMovingAway
    from tracker.usecases.permissions import visible_filter
    from tracker.usecases.workflow import PILOT_STAGES

    shown = sa.exists().where(
        UseCase.id == KpiMovingAway.use_case_id,
        visible_filter(user),
        where,
        UseCase.stage.in_(PILOT_STAGES),
    )
    # The use case shown with each row, apart from the one the visibility test reads.
    case = _shown_case()
    rows = db.session.execute(
        sa.select(KpiMovingAway, case)
        .join(case, case.id == KpiMovingAway.use_case_id)
        .where(shown)
        .options(joinedload(case.institution))
        .order_by(KpiMovingAway.use_case_id, KpiMovingAway.kpi)
        .limit(limit)
    ).all()
    items = [KpiAway(use_case, away.kpi, away.numbers, away.target) for away, use_case in rows]
    if len(items) < limit:
        return items, len(items)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(KpiMovingAway).where(shown))
    return items, int(total or 0)


def breaches_of(use_case_id: int) -> list[BoundaryBreach]:
    """Every boundary breach of the use case, open ones first, newest first."""
    return list(
        db.session.scalars(
            sa.select(BoundaryBreach)
            .where(BoundaryBreach.use_case_id == use_case_id)
            .options(
                selectinload(BoundaryBreach.decided_by),
                selectinload(BoundaryBreach.amendment),
                selectinload(BoundaryBreach.version),
            )
            .order_by(BoundaryBreach.decided_at.is_not(None), BoundaryBreach.id.desc())
        )
    )


def has_open_breach(use_case_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(BoundaryBreach.id)
            .where(BoundaryBreach.use_case_id == use_case_id, BoundaryBreach.decision.is_(None))
            .limit(1)
        )
        is not None
    )


def open_breaches(
    user: User, where: sa.ColumnElement[bool], limit: int = 10
) -> tuple[list[BoundaryBreach], int]:
    """Breaches the regulator has not yet decided on, of use cases the user sees (within
    ``where``): the oldest ``limit`` with their use cases, and how many."""
    from tracker.usecases.workspace import visible_in_index_order

    # The open ones come from the (decision, detected_at) index, each joined to its use case by
    # key; kept off the use cases' cohort index, SQLite no longer reads every visible use case.
    condition = sa.and_(BoundaryBreach.decision.is_(None), visible_in_index_order(user), where)
    total = db.session.scalar(
        sa.select(sa.func.count(BoundaryBreach.id))
        .join(UseCase, UseCase.id == BoundaryBreach.use_case_id)
        .where(condition)
    )
    if not total:
        return [], 0
    items = db.session.scalars(
        sa.select(BoundaryBreach)
        .join(UseCase, UseCase.id == BoundaryBreach.use_case_id)
        .where(condition)
        .options(joinedload(BoundaryBreach.use_case).joinedload(UseCase.institution))
        .order_by(BoundaryBreach.detected_at, BoundaryBreach.id)
        .limit(limit)
    )
    return list(items), int(total)
