"""Commands on sandbox plans. The institution drafts a version and submits it; the regulator
agrees it or asks for changes with a reason. An amendment is a new version agreed the same way:
the version in force stays until the new one is agreed. Each command checks the user's side and
the use case itself, raises ``RuleError`` with per-field messages, flushes and records events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from tracker import events
from tracker.auth.models import User
from tracker.extensions import db, utcnow
from tracker.i18n import N_, language
from tracker.i18n import gettext as _
from tracker.plans import permissions, queries
from tracker.plans.events import (
    BoundaryBreached,
    BreachDecided,
    PlanAgreed,
    PlanChangesRequested,
    PlanDrafted,
    PlanSubmitted,
)
from tracker.plans.models import (
    Boundary,
    BoundaryBreach,
    BreachDecision,
    Direction,
    PlanKpi,
    PlanMilestone,
    PlanStatus,
    ReportingFrequency,
    SandboxPlan,
    SandboxPlanVersion,
)
from tracker.rules import ConflictError, LastChange, NotAllowedError, RuleError
from tracker.usecases.models import ProgressReturn, Stage, UseCase
from tracker.usecases.workflow import PILOT_STAGES

LONG_TEXT = 20_000
MAX_KPIS = 12
MAX_MILESTONES = 20
MAX_NUMBER = Decimal("1e14")


@dataclass(frozen=True)
class MilestoneInput:
    title: str
    planned_on: date | None


@dataclass(frozen=True)
class KpiInput:
    name: str
    unit: str
    direction: Direction | None
    baseline: Decimal | None
    target: Decimal | None


@dataclass(frozen=True)
class PlanData:
    objectives: str
    success_measures: str
    methodology: str
    duration_weeks: int | None
    customer_cap: int | None
    exposure_limit: Decimal | None
    other_limits: str
    data_scope: str
    channels: str
    geographies: str
    safeguard_boundary: str
    safeguard_customer_protection: str
    safeguard_risk_controls: str
    safeguard_readiness: str
    report_frequency: ReportingFrequency | None
    report_due_days: int | None
    exit_strategy: str
    milestones: tuple[MilestoneInput, ...] = ()
    kpis: tuple[KpiInput, ...] = ()


TEXT_FIELDS = (
    "objectives",
    "success_measures",
    "methodology",
    "other_limits",
    "data_scope",
    "channels",
    "geographies",
    "safeguard_boundary",
    "safeguard_customer_protection",
    "safeguard_risk_controls",
    "safeguard_readiness",
    "exit_strategy",
)
REQUIRED_TEXT = {
    "objectives": N_("Give the objectives of the test."),
    "success_measures": N_("Say how success will be measured."),
    "methodology": N_("Describe the methodology."),
    "data_scope": N_("Give the data scope."),
    "channels": N_("Name the channels the test uses (for example: mobile app, branch staff)."),
    "geographies": N_("Name the geographies the test covers."),
    "safeguard_boundary": N_(
        "Describe the boundary safeguard: scope, phases, timing, termination."
    ),
    "safeguard_customer_protection": N_("Describe how customers are protected."),
    "safeguard_risk_controls": N_("Describe the risk-management controls."),
    "safeguard_readiness": N_("Describe the readiness and close monitoring."),
    "exit_strategy": N_("Say what happens to customers and data if the test stops."),
}


def _text(value: str | None) -> str:
    return (value or "").strip()


def _at_most(limit: int) -> str:
    return _("At most %(num)s characters.", num=format(limit, ","))


def _at_most_long(limit: int) -> str:
    return _("This is at most %(num)s characters long.", num=format(limit, ","))


def _check(rules: Any, data: PlanData) -> None:
    for name, message in REQUIRED_TEXT.items():
        rules.check(bool(_text(getattr(data, name))), name, _(message))
    for name in TEXT_FIELDS:
        rules.check(
            len(_text(getattr(data, name))) <= LONG_TEXT,
            name,
            _("This is at most %(num)s characters long.", num=format(LONG_TEXT, ",")),
        )
    weeks = data.duration_weeks
    rules.check(
        weeks is not None and 1 <= weeks <= 156,
        "duration_weeks",
        _("Give the test's duration: from 1 to 156 weeks."),
    )
    if data.customer_cap is not None:
        rules.check(
            0 <= data.customer_cap <= 100_000_000,
            "customer_cap",
            _("Give a number of customers from 0 to 100,000,000."),
        )
    if data.exposure_limit is not None:
        rules.check(
            Decimal(0) <= data.exposure_limit < MAX_NUMBER,
            "exposure_limit",
            _("Give the exposure limit in HK$, 0 or more."),
        )
    rules.check(
        data.customer_cap is not None
        or data.exposure_limit is not None
        or bool(_text(data.other_limits)),
        "customer_cap",
        _(
            "A plan sets the test's boundaries: give a customer cap, an exposure limit or other "
            "limits."
        ),
    )
    rules.check(data.report_frequency is not None, "report_frequency", _("Choose how often."))
    rules.check(
        data.report_due_days is not None and 1 <= data.report_due_days <= 60,
        "report_due_days",
        _("Give the days allowed after each period: from 1 to 60."),
    )
    rules.check(
        len(data.milestones) <= MAX_MILESTONES,
        "__all__",
        _("At most %(num)d milestones.", num=MAX_MILESTONES),
    )
    for n, milestone in enumerate(data.milestones):
        where = f"milestones.{n}"
        title = _text(milestone.title)
        rules.check(bool(title), f"{where}.title", _("Name the milestone."))
        rules.check(len(title) <= 200, f"{where}.title", _at_most_long(200))
        rules.check(milestone.planned_on is not None, f"{where}.planned_on", _("Give its date."))
    rules.check(
        bool(data.kpis), "__all__", _("Define at least one KPI with its baseline and target.")
    )
    rules.check(len(data.kpis) <= MAX_KPIS, "__all__", _("At most %(num)d KPIs.", num=MAX_KPIS))
    seen: set[str] = set()
    for n, kpi in enumerate(data.kpis):
        _check_kpi(rules, f"kpis.{n}", kpi, seen)


def _check_kpi(rules: Any, where: str, kpi: KpiInput, seen: set[str]) -> None:
    """A KPI's target lies in its direction of improvement from the baseline (equal to it when
    the aim is to hold the baseline, such as no missed hits)."""
    name = _text(kpi.name)
    rules.check(bool(name), f"{where}.name", _("Name the KPI."))
    rules.check(len(name) <= 200, f"{where}.name", _at_most_long(200))
    rules.check(
        name.casefold() not in seen, f"{where}.name", _("Another KPI of the plan has this name.")
    )
    seen.add(name.casefold())
    rules.check(len(_text(kpi.unit)) <= 40, f"{where}.unit", _at_most(40))
    rules.check(kpi.direction is not None, f"{where}.direction", _("Say which way is better."))
    for field in ("baseline", "target"):
        value = getattr(kpi, field)
        if value is None:
            rules.add(
                f"{where}.{field}",
                _("Give the baseline as a number.")
                if field == "baseline"
                else _("Give the target as a number."),
            )
        elif not -MAX_NUMBER < value < MAX_NUMBER:
            rules.add(f"{where}.{field}", _("This number is too large."))
    if kpi.direction is not None and kpi.baseline is not None and kpi.target is not None:
        if kpi.direction is Direction.HIGHER:
            rules.check(
                kpi.target >= kpi.baseline,
                f"{where}.target",
                _(
                    "Higher is better, so the target cannot be below the baseline (%(baseline)s).",
                    baseline=queries.number(kpi.baseline),
                ),
            )
        else:
            rules.check(
                kpi.target <= kpi.baseline,
                f"{where}.target",
                _(
                    "Lower is better, so the target cannot be above the baseline (%(baseline)s).",
                    baseline=queries.number(kpi.baseline),
                ),
            )


def _last_change(version: SandboxPlanVersion) -> LastChange:
    fresh = db.session.get(SandboxPlanVersion, version.id)
    status = fresh.status.label.lower() if fresh is not None else _("changed")
    who = fresh.decided_by or fresh.drafted_by if fresh is not None else None
    return LastChange(
        what=_(
            "The plan's %(version)s is now %(status)s",
            version=version.label.lower(),
            status=status,
        ),
        by=who.name if who is not None else _("someone"),
        at=fresh.updated_at if fresh is not None else None,
    )


def _flush(version: SandboxPlanVersion, action: str) -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise ConflictError(_last_change(version), action) from exc


def _check_lock(version: SandboxPlanVersion, expected: int | None, action: str) -> None:
    if expected is not None and version.lock_version != expected:
        raise ConflictError(_last_change(version), action)


def open_version(plan: SandboxPlan | None) -> SandboxPlanVersion | None:
    """The version not yet agreed (a draft, one sent back, or one awaiting agreement)."""
    if plan is None:
        return None
    return next((v for v in reversed(plan.versions) if v.status is not PlanStatus.AGREED), None)


def save_draft(
    use_case: UseCase, user: User, data: PlanData, expected_version: int | None = None
) -> SandboxPlanVersion:
    """Save the institution's draft of the plan: the first version, an amendment of the version
    in force, or the version the regulator sent back. ``expected_version`` is the lock version
    of the draft the user edited (None for a new version)."""
    action = "plan.draft"
    if not permissions.can_draft_plan(user, use_case):
        raise NotAllowedError(action)
    plan = queries.plan_of(use_case.id)
    version = open_version(plan)
    if version is not None:
        _check_lock(version, expected_version, action)
    elif expected_version is not None:
        raise ConflictError(action=action)  # the draft the user edited has since been agreed
    rules = RuleError.collect(action)
    if version is not None and version.status is PlanStatus.SUBMITTED:
        rules.add(
            "__all__",
            _(
                "The plan is waiting for the regulator's agreement: it can be changed once the "
                "regulator agrees it or asks for changes."
            ),
        )
    _check(rules, data)
    rules.raise_if_any()
    if plan is None:
        plan = SandboxPlan(use_case_id=use_case.id)
        db.session.add(plan)
        db.session.flush()
    if version is None:
        number = max((v.number for v in plan.versions), default=0) + 1
        version = SandboxPlanVersion(plan=plan, number=number, drafted_by=user)
        db.session.add(version)
    for name in TEXT_FIELDS:
        setattr(version, name, _text(getattr(data, name)))
    version.duration_weeks = data.duration_weeks  # type: ignore[assignment]
    version.customer_cap = data.customer_cap
    version.exposure_limit = data.exposure_limit
    version.report_frequency = data.report_frequency  # type: ignore[assignment]
    version.report_due_days = data.report_due_days  # type: ignore[assignment]
    version.drafted_by = user
    version.updated_at = utcnow()
    version.milestones = [
        PlanMilestone(position=n, title=_text(m.title), planned_on=m.planned_on)
        for n, m in enumerate(data.milestones)
    ]
    version.kpis = [
        PlanKpi(
            position=n,
            name=_text(k.name),
            unit=_text(k.unit),
            direction=k.direction,
            baseline=k.baseline,
            target=k.target,
        )
        for n, k in enumerate(data.kpis)
    ]
    _flush(version, action)
    events.record(
        PlanDrafted(actor_id=user.id, use_case_id=use_case.id, version_number=version.number)
    )
    return version


def _version_of(use_case: UseCase, version: SandboxPlanVersion, action: str) -> None:
    if version.plan.use_case_id != use_case.id:
        raise NotAllowedError(action)


def submit(
    use_case: UseCase, version: SandboxPlanVersion, user: User, expected_version: int
) -> None:
    """Send the draft to the regulator for agreement."""
    action = "plan.submit"
    _version_of(use_case, version, action)
    _check_lock(version, expected_version, action)
    if not permissions.can_draft_plan(user, use_case):
        raise NotAllowedError(action)
    if not version.status.is_open:
        raise RuleError(_("This version has already been submitted."), action)
    now = utcnow()
    version.status = PlanStatus.SUBMITTED
    version.submitted_at = now
    version.updated_at = now
    _flush(version, action)
    events.record(
        PlanSubmitted(actor_id=user.id, use_case_id=use_case.id, version_number=version.number)
    )


def agree(
    use_case: UseCase,
    version: SandboxPlanVersion,
    user: User,
    expected_version: int,
    note: str = "",
) -> None:
    """The regulator agrees the submitted version: it is in force from now. During a pilot the
    use case's pilot terms follow it (the stage clocks read the duration from there)."""
    action = "plan.agree"
    _version_of(use_case, version, action)
    _check_lock(version, expected_version, action)
    if not permissions.can_decide_plan(user, use_case):
        raise NotAllowedError(action)
    rules = RuleError.collect(action)
    rules.check(
        version.status is PlanStatus.SUBMITTED, "__all__", _("Only a submitted plan can be agreed.")
    )
    rules.check(len(_text(note)) <= LONG_TEXT, "note", _at_most(LONG_TEXT))
    rules.raise_if_any()
    now = utcnow()
    version.status = PlanStatus.AGREED
    version.agreed_at = now
    version.decided_at = now
    version.updated_at = now
    version.decided_by = user
    version.decision_note = _text(note)
    if use_case.stage in PILOT_STAGES:
        apply_terms(use_case, version)
        use_case.updated_at = now
    _flush(version, action)
    events.record(
        PlanAgreed(actor_id=user.id, use_case_id=use_case.id, version_number=version.number)
    )


def request_changes(
    use_case: UseCase,
    version: SandboxPlanVersion,
    user: User,
    expected_version: int,
    reason: str,
) -> None:
    """The regulator sends the submitted version back, saying why; the version in force (if
    any) stays in force."""
    action = "plan.request_changes"
    _version_of(use_case, version, action)
    _check_lock(version, expected_version, action)
    if not permissions.can_decide_plan(user, use_case):
        raise NotAllowedError(action)
    rules = RuleError.collect(action)
    rules.check(
        version.status is PlanStatus.SUBMITTED,
        "__all__",
        _("Only a submitted plan can be sent back."),
    )
    rules.check(bool(_text(reason)), "reason", _("Say what should change."))
    rules.check(len(_text(reason)) <= LONG_TEXT, "reason", _at_most(LONG_TEXT))
    rules.raise_if_any()
    now = utcnow()
    version.status = PlanStatus.CHANGES_REQUESTED
    version.decided_at = now
    version.updated_at = now
    version.decided_by = user
    version.decision_note = _text(reason)
    _flush(version, action)
    events.record(
        PlanChangesRequested(
            actor_id=user.id, use_case_id=use_case.id, version_number=version.number
        )
    )


def apply_terms(use_case: UseCase, version: SandboxPlanVersion) -> None:
    """Copy the plan's boundaries onto the use case's pilot terms."""
    for name, value in pilot_terms(version).items():
        if name != "plan_version":  # the history keeps it; the use case has no such field
            setattr(use_case, name, value)


def _limits_in_english(version: SandboxPlanVersion) -> str:
    """The limits as the use case's record keeps them: in English, whoever starts the pilot."""
    with language("en"):
        return queries.limits_text(version)


def pilot_terms(version: SandboxPlanVersion) -> dict[str, Any]:
    """The pilot terms a plan version sets: what the start of the pilot records."""
    return {
        "pilot_duration_weeks": version.duration_weeks,
        "pilot_limits": _limits_in_english(version),
        "pilot_data_scope": version.data_scope,
        "plan_version": version.number,
    }


def terms_for_start(use_case: UseCase) -> dict[str, Any]:
    """The terms of the plan in force, for the pilot-start transition; {} without one (the
    transition's guard refuses the start then)."""
    version = queries.version_in_force(use_case.id)
    if version is None:
        return {}
    return pilot_terms(version)


def record_breaches(
    use_case: UseCase, filed: ProgressReturn, version: SandboxPlanVersion, user: User
) -> list[BoundaryBreach]:
    """Flag each boundary of the plan in force that the filed return goes beyond (called by
    the return command, inside its unit of work)."""
    found = []
    if (
        version.customer_cap is not None
        and filed.customers_reached is not None
        and filed.customers_reached > version.customer_cap
    ):
        found.append(
            (Boundary.CUSTOMERS, Decimal(filed.customers_reached), Decimal(version.customer_cap))
        )
    if (
        version.exposure_limit is not None
        and filed.exposure_used is not None
        and filed.exposure_used > version.exposure_limit
    ):
        found.append((Boundary.EXPOSURE, filed.exposure_used, version.exposure_limit))
    breaches = [
        BoundaryBreach(
            use_case_id=use_case.id,
            return_id=filed.id,
            version_id=version.id,
            boundary=boundary,
            reported=reported,
            allowed=Decimal(allowed),
        )
        for boundary, reported, allowed in found
    ]
    if breaches:
        db.session.add_all(breaches)
        db.session.flush()
        events.record(
            BoundaryBreached(
                actor_id=user.id,
                use_case_id=use_case.id,
                return_id=filed.id,
                breach_ids=tuple(b.id for b in breaches),
            )
        )
    return breaches


def _covers(version: SandboxPlanVersion, breach: BoundaryBreach) -> bool:
    allowed = (
        version.customer_cap if breach.boundary is Boundary.CUSTOMERS else version.exposure_limit
    )
    return allowed is None or Decimal(allowed) >= breach.reported


def decide_breach(
    use_case: UseCase,
    breach: BoundaryBreach,
    user: User,
    decision: BreachDecision | None,
    reason: str,
    expected_version: int,
    expected_use_case_version: int,
) -> None:
    """The regulator's decision on a breach: accept it with an agreed amendment of the plan
    that covers what was reported, or suspend or discontinue the pilot through the lifecycle
    (the same transition, rules and history as its buttons)."""
    from tracker.usecases import services as uc_services
    from tracker.usecases.workflow import BY_NAME

    action = "plan.breach_decision"
    if breach.use_case_id != use_case.id:
        raise NotAllowedError(action)
    _check_lock_breach(breach, expected_version, action)
    if not permissions.can_decide_plan(user, use_case):
        raise NotAllowedError(action)
    rules = RuleError.collect(action)
    rules.check(breach.is_open, "__all__", _("A decision on this breach is already recorded."))
    rules.check(decision is not None, "decision", _("Choose a decision."))
    rules.check(bool(_text(reason)), "reason", _("Give the reason for the decision."))
    rules.check(len(_text(reason)) <= LONG_TEXT, "reason", _at_most(LONG_TEXT))
    if decision is BreachDecision.SUSPENDED:
        rules.check(
            use_case.stage is Stage.PILOT,
            "decision",
            _(
                "The pilot cannot be suspended: it is %(stage)s.",
                stage=use_case.stage.label.lower(),
            ),
        )
    if decision is BreachDecision.DISCONTINUED:
        rules.check(
            use_case.stage in BY_NAME["discontinue"].sources,
            "decision",
            _(
                "The use case cannot be discontinued: it is %(stage)s.",
                stage=use_case.stage.label.lower(),
            ),
        )
    amendment = None
    if decision is BreachDecision.AMENDED:
        plan = queries.plan_of(use_case.id)
        agreed_since = [
            v
            for v in (plan.versions if plan is not None else [])
            if v.status is PlanStatus.AGREED
            and v.agreed_at is not None
            and v.agreed_at >= breach.detected_at
        ]
        amendment = next((v for v in reversed(agreed_since) if _covers(v, breach)), None)
        rules.check(
            amendment is not None,
            "decision",
            _(
                "Accepting needs an amendment of the plan that allows the %(boundary)s "
                "reported (%(reported)s), agreed since the breach: agree it first, then accept.",
                boundary=breach.boundary.label.lower(),
                reported=queries.number(breach.reported),
            ),
        )
    rules.raise_if_any()
    if decision is BreachDecision.SUSPENDED:
        uc_services.apply_transition(
            use_case, BY_NAME["suspend"], user, expected_use_case_version, reason=reason
        )
    elif decision is BreachDecision.DISCONTINUED:
        uc_services.apply_transition(
            use_case, BY_NAME["discontinue"], user, expected_use_case_version, reason=reason
        )
    breach.decision = decision
    breach.decided_by = user
    breach.decided_at = utcnow()
    breach.decision_note = _text(reason)
    breach.amendment = amendment
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise ConflictError(action=action) from exc
    events.record(BreachDecided(actor_id=user.id, use_case_id=use_case.id, breach_id=breach.id))


def _check_lock_breach(breach: BoundaryBreach, expected: int, action: str) -> None:
    if breach.lock_version != expected:
        raise ConflictError(action=action)
