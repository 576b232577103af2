"""Sandbox plans in the demo: every pilot starts on a plan the institution drafted and
submitted and the regulator agreed, through the plan commands, between selection and the start.
One Cohort 1 pilot amends its plan mid-pilot: the regulator first asks for a change, then agrees
the amendment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from tracker.demo.spec import DemoUseCase, hk_date
from tracker.plans import queries, services
from tracker.plans.models import BreachDecision, Direction, ReportingFrequency
from tracker.usecases.models import Audience

if TYPE_CHECKING:
    from tracker.demo.seed import Timeline, UseCaseReplay

# The pilot whose plan is amended once it runs (the second fraud centre joins it).
AMENDED = "Scam-call transcript triage for the fraud hotline"
AMENDMENT_AFTER = timedelta(days=70)
# The pilot whose second return reaches more customers than its plan allows; the regulator
# accepts it once the institution's amendment raising the cap is agreed.
BREACHED = "Real-time scam payee warnings for wallet transfers"
BREACH_RETURN = 1
CUSTOMER_CAP = 5000
RAISED_CAP = 6500
EXPOSURE_LIMIT = Decimal("10000000")


def return_figures(spec: DemoUseCase, index: int, fraction: float) -> dict[str, object]:
    """Customers reached and exposure used, reported by each return of a customer-facing
    pilot: growing towards the plan's boundaries, beyond the cap once for ``BREACHED``."""
    if spec.audience is not Audience.CUSTOMER:
        return {}
    customers = int(CUSTOMER_CAP * 0.9 * fraction)
    if spec.title == BREACHED and index >= BREACH_RETURN:
        customers = 5400 + 150 * (index - BREACH_RETURN)
    exposure = (EXPOSURE_LIMIT * Decimal(str(round(0.6 * fraction, 2)))).quantize(Decimal(1))
    return {"customers_reached": customers, "exposure_used": exposure}


def plan_data(
    spec: DemoUseCase, extra_limits: str = "", customer_cap: int = CUSTOMER_CAP
) -> services.PlanData:
    """The plan a demo institution would write, from its proposal and agreed pilot terms."""
    assert spec.pilot is not None
    facing = spec.audience is Audience.CUSTOMER
    return services.PlanData(
        objectives=spec.summary,
        success_measures="The pilot succeeds when every KPI reaches its target by the last "
        "return, with no high-severity incident left open.",
        methodology="A supervised pilot in phases: a shadow run against the current process, "
        "then live use within the boundaries below, with a weekly review of sampled outputs "
        "and a monthly evaluation against the KPIs.",
        duration_weeks=spec.pilot.weeks,
        customer_cap=customer_cap if facing else None,
        exposure_limit=EXPOSURE_LIMIT if facing else None,
        other_limits=(spec.pilot.limits + ("\n" + extra_limits if extra_limits else "")),
        data_scope=spec.pilot.data_scope,
        channels="Mobile app and phone banking" if facing else "Internal staff tools only",
        geographies="Hong Kong",
        safeguard_boundary="Scope, phases and timing as set out here; the pilot stops at the "
        "regulator's request or on a high-severity incident.",
        safeguard_customer_protection=(
            "Customers are told they are in a trial and can opt out at any time; a person "
            "reviews every decision affecting a customer."
            if facing
            else "No output reaches a customer without a person's review."
        ),
        safeguard_risk_controls=spec.safeguards,
        safeguard_readiness="A named owner monitors the dashboards daily; incidents are "
        "reported to the regulator within one working day.",
        report_frequency=ReportingFrequency.MONTHLY,
        report_due_days=14,
        exit_strategy="If the test stops, the process returns to the current manual steps "
        "the same day; no customer keeps a service that depends on the model, and the data "
        "used is deleted within 30 days.",
        milestones=(),
        kpis=tuple(
            services.KpiInput(
                name=k.label,
                unit="%" if "%" in k.fmt else "",
                direction=Direction.HIGHER if k.end > k.start else Direction.LOWER,
                baseline=Decimal(str(k.start)),
                target=Decimal(str(k.end)),
            )
            for k in spec.kpis
        ),
    )


def schedule(replay: UseCaseReplay, timeline: Timeline) -> None:
    """Add the plan's drafting, submission and agreement before the pilot starts."""
    spec = replay.spec
    start = next((s.at for s in spec.steps if s.action == "start_pilot"), None)
    selected = next((s.at for s in spec.steps if s.action == "select"), None)
    if start is None or selected is None or spec.pilot is None:
        return
    gap = start - selected
    timeline.at(selected + gap * 0.5, _draft(replay, plan_data(spec)))
    timeline.at(selected + gap * 0.6, _submit(replay))
    timeline.at(selected + gap * 0.8, _agree(replay, "Agreed at the pre-pilot meeting."))
    if spec.title == AMENDED:
        amended = plan_data(
            spec, "From month three, also calls handled by the Tsuen Wan fraud centre."
        )
        first = start + AMENDMENT_AFTER
        timeline.at(first, _draft(replay, amended))
        timeline.at(first + timedelta(hours=2), _submit(replay))
        timeline.at(
            first + timedelta(days=2),
            _request_changes(
                replay, "Say how the Tsuen Wan analysts are trained before their calls join."
            ),
        )
        retrained = plan_data(
            spec,
            "From month three, also calls handled by the Tsuen Wan fraud centre, once its "
            "analysts have completed the same two-day training as Kwun Tong's.",
        )
        timeline.at(first + timedelta(days=3), _draft(replay, retrained))
        timeline.at(first + timedelta(days=3, hours=1), _submit(replay))
        timeline.at(first + timedelta(days=5), _agree(replay, "Amendment agreed."))
    if spec.title == BREACHED:
        _schedule_breach(replay, timeline, start)


def _schedule_breach(replay: UseCaseReplay, timeline: Timeline, start: datetime) -> None:
    """After the breaching return: the amendment raising the cap, agreed, then the regulator's
    decision to accept the breach with it."""
    from tracker.demo.seed import plan_returns

    spec = replay.spec
    returns = plan_returns(spec, hk_date(start), replay.cohort.return_interval_days)
    if len(returns) <= BREACH_RETURN + 1:
        raise ValueError(f"{spec.title}: too few returns for the demo's boundary breach")
    filed = returns[BREACH_RETURN].filed_at
    raised = plan_data(
        spec,
        "Cap raised after the second month's take-up, with the same safeguards.",
        customer_cap=RAISED_CAP,
    )
    timeline.at(filed + timedelta(days=1), _draft(replay, raised))
    timeline.at(filed + timedelta(days=1, hours=2), _submit(replay))
    timeline.at(filed + timedelta(days=3), _agree(replay, "Higher cap agreed."))
    timeline.at(filed + timedelta(days=3, hours=1), _accept_breach(replay))


def _accept_breach(replay: UseCaseReplay) -> Callable[[], None]:
    def run() -> None:
        (breach,) = [b for b in queries.breaches_of(replay.uc.id) if b.is_open]
        services.decide_breach(
            replay.uc,
            breach,
            replay.staff,
            BreachDecision.AMENDED,
            "Take-up ran ahead of plan with no harm to customers; accepted with the raised cap.",
            breach.lock_version,
            replay.uc.version,
        )
        replay.count("boundary breaches decided")

    return run


def _draft(replay: UseCaseReplay, data: services.PlanData) -> Callable[[], None]:
    def run() -> None:
        version = services.open_version(queries.plan_of(replay.uc.id))
        services.save_draft(
            replay.uc, replay.owner, data, version.lock_version if version else None
        )
        replay.count("sandbox plan drafts")

    return run


def _submit(replay: UseCaseReplay) -> Callable[[], None]:
    def run() -> None:
        version = services.open_version(queries.plan_of(replay.uc.id))
        assert version is not None
        services.submit(replay.uc, version, replay.owner, version.lock_version)

    return run


def _agree(replay: UseCaseReplay, note: str) -> Callable[[], None]:
    def run() -> None:
        version = services.open_version(queries.plan_of(replay.uc.id))
        assert version is not None
        services.agree(replay.uc, version, replay.staff, version.lock_version, note)
        replay.count("sandbox plans agreed")

    return run


def _request_changes(replay: UseCaseReplay, reason: str) -> Callable[[], None]:
    def run() -> None:
        version = services.open_version(queries.plan_of(replay.uc.id))
        assert version is not None
        services.request_changes(replay.uc, version, replay.staff, version.lock_version, reason)

    return run
