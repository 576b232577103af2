"""Loading the demo: reference data is looked up by its natural key and added where missing;
every missing use case is then *replayed* through the use-case commands, one dated event at a
time, in the order things happened, each under the frozen clock at its own moment. So the demo
passes every rule a real record meets (permission, stage, dates, KPI lines), and its history,
edits, reviews, milestones, returns, incidents and messages are what the commands wrote.

The replay of all use cases is one timeline, because the cohort a proposal is made in must be
open at that moment: the cohorts' statuses move along the same timeline. Everything runs in one
unit of work, which commits once. The events the commands recorded are dropped before that
commit: the demo's past is history, so no subscriber acts on it or tells anyone of it now.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial

import sqlalchemy as sa

from tracker import clock, events
from tracker.auth.models import User
from tracker.auth.passwords import hash_password
from tracker.demo import committee as committee_demo
from tracker.demo import plans as demo_plans
from tracker.demo import schedules as demo_schedules
from tracker.demo.clocks import seed_clocks
from tracker.demo.compute import seed_compute
from tracker.demo.content import cohort_specs, demo_use_cases
from tracker.demo.content.reference import (
    ADMIN_EMAIL,
    CATEGORY_DESCRIPTIONS,
    DEMO_PASSWORD,
    INSTITUTIONS,
    INSTITUTIONS_BY_NAME,
    PROGRAMMES,
    REGULATORS,
    REVIEWER_EMAILS,
    demo_accounts,
    institution_email,
)
from tracker.demo.content.returns import EN_COMMENTS, EN_PHASES, ZH_COMMENTS, ZH_PHASES
from tracker.demo.evidence import seed_evidence
from tracker.demo.exits import seed_exits
from tracker.demo.lessons import seed_lessons
from tracker.demo.spec import (
    DATA_CUTOFF,
    RESOLUTION_DAYS,
    CohortSpec,
    DemoIncident,
    DemoMessage,
    DemoMilestone,
    DemoReview,
    DemoUseCase,
    Step,
    hk_date,
    hk_on,
)
from tracker.extensions import db
from tracker.institutions.models import DEFAULT_CATEGORIES, Category, Institution
from tracker.notifications.demo import seed_notifications
from tracker.organisations import services as organisation_services
from tracker.programmes import services as programme_services
from tracker.programmes.models import (
    DEFAULT_CRITERIA,
    Cohort,
    CohortStatus,
    Programme,
    Regulator,
)
from tracker.unit_of_work import unit_of_work
from tracker.usecases import services
from tracker.usecases.models import (
    Incident,
    Milestone,
    MilestoneStatus,
    ProgressReturn,
    Rag,
    UseCase,
)
from tracker.usecases.workflow import BY_NAME, Needs, Side

log = logging.getLogger("tracker.commands")

# Times of day (Hong Kong) of the events the content gives only a day for.
COHORT_MOVE_HOUR = 9
MILESTONE_HOUR = 12
RESOLUTION_HOUR = 16
# The institution edits its proposal this long before it resubmits it.
EDIT_BEFORE_RESUBMIT = timedelta(minutes=20)


@dataclass
class SeedResult:
    """What a seeding run created, counted per kind of record."""

    created: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.created.values())

    def summary(self) -> str:
        if not self.total:
            return "Demo data already present: nothing to add."
        parts = ", ".join(f"{count} {kind}" for kind, count in sorted(self.created.items()))
        return f"Demo data loaded: {parts}."


def _add(result: SeedResult, kind: str, *objects: object) -> None:
    db.session.add_all(objects)
    result.created[kind] += len(objects)


# ---------------------------------------------------------------- reference data
#
# Regulators, categories and accounts are added as rows: the accounts share one hash of the
# published password (argon2 at production cost takes most of a second per account), and
# seed-synthetic reuses ensure_regulators and ensure_categories before any account exists to
# act. Institutions, programmes and cohorts go through their commands.


def ensure_regulators(result: SeedResult) -> dict[str, Regulator]:
    """The four Hong Kong financial regulators, by code, created where missing."""
    found = {
        r.code: r
        for r in db.session.scalars(
            sa.select(Regulator).where(Regulator.code.in_([code for code, *_ in REGULATORS]))
        )
    }
    for code, name_en, name_zh in REGULATORS:
        if code not in found:
            found[code] = Regulator(code=code, name_en=name_en, name_zh=name_zh)
            _add(result, "regulators", found[code])
        elif not found[code].name_zh:
            found[code].name_zh = name_zh  # a database seeded before names in both languages
    return found


def ensure_categories(result: SeedResult) -> dict[str, Category]:
    """The default use-case categories, by name, created where missing."""
    names = [name for name, _ in DEFAULT_CATEGORIES]
    found = {
        c.name: c for c in db.session.scalars(sa.select(Category).where(Category.name.in_(names)))
    }
    for name, name_zh in DEFAULT_CATEGORIES:
        if name not in found:
            found[name] = Category(
                name=name, name_zh=name_zh, description=CATEGORY_DESCRIPTIONS.get(name, "")
            )
            _add(result, "categories", found[name])
        elif not found[name].name_zh:
            found[name].name_zh = name_zh
    return found


def _ensure_institutions(
    regulators: dict[str, Regulator], admin: User, result: SeedResult
) -> dict[str, Institution]:
    """The demo institutions, added by the administrator through the institution command."""
    found = {
        i.name: i
        for i in db.session.scalars(
            sa.select(Institution).where(Institution.name.in_(list(INSTITUTIONS_BY_NAME)))
        )
    }
    for spec in INSTITUTIONS:
        if spec.name not in found:
            data = organisation_services.InstitutionInput(
                name=spec.name,
                kind=spec.kind,
                regulator_id=regulators[spec.regulator].id if spec.regulator else None,
                name_zh=spec.name_zh,
            )
            found[spec.name] = organisation_services.save_institution(admin, None, data)
            result.created["institutions"] += 1
    return found


class _Accounts:
    """The demo accounts, looked up by email; the missing ones are added with one shared hash
    of the published password, made only if some account is missing."""

    def __init__(self, result: SeedResult) -> None:
        self.result = result
        self.accounts = demo_accounts()
        self.found = {
            u.email: u
            for u in db.session.scalars(
                sa.select(User).where(User.email.in_([a.email for a in self.accounts]))
            )
        }
        missing = len(self.found) < len(self.accounts)
        self.password_hash = hash_password(DEMO_PASSWORD) if missing else ""

    def ensure(
        self,
        regulators: dict[str, Regulator],
        institutions: dict[str, Institution],
        only: str | None = None,
    ) -> dict[str, User]:
        for account in self.accounts:
            if account.email in self.found or (only is not None and account.email != only):
                continue
            self.found[account.email] = User(
                email=account.email,
                name=account.name,
                password_hash=self.password_hash,
                role=account.role,
                regulator=regulators[account.regulator] if account.regulator else None,
                institution=institutions[account.institution] if account.institution else None,
            )
            _add(self.result, "users", self.found[account.email])
        db.session.flush()
        return self.found


def _ensure_programmes(
    regulators: dict[str, Regulator], admin: User, result: SeedResult
) -> dict[str, Programme]:
    """The two programmes, set up by the administrator through the programme command."""
    programmes = {
        p.name: p
        for p in db.session.scalars(
            sa.select(Programme).where(Programme.name.in_([p.name for p in PROGRAMMES]))
        )
    }
    for spec in PROGRAMMES:
        if spec.name not in programmes:
            data = programme_services.ProgrammeData(
                name=spec.name,
                name_zh=spec.name_zh,
                description=spec.description,
                lead_regulator_id=regulators[spec.lead_regulator].id,
                participant_ids=[regulators[code].id for code in spec.participants],
                sectors=list(spec.sectors),
                starts_on=spec.starts_on,
                ends_on=None,
            )
            programmes[spec.name] = programme_services.save_programme(admin, None, data)
            result.created["programmes"] += 1
    return programmes


def _cohort_data(
    cohort: Cohort | CohortSpec, programme: Programme, status: CohortStatus
) -> programme_services.CohortData:
    return programme_services.CohortData(
        programme_id=programme.id,
        name=cohort.name,
        applications_open_on=cohort.applications_open_on,
        applications_close_on=cohort.applications_close_on,
        selection_on=cohort.selection_on,
        pilot_starts_on=cohort.pilot_starts_on,
        pilot_ends_on=cohort.pilot_ends_on,
        status=status,
        return_interval_days=cohort.return_interval_days,
    )


def _ensure_cohorts(
    programmes: dict[str, Programme],
    specs: list[CohortSpec],
    staff: dict[str, User],
    result: SeedResult,
) -> tuple[dict[tuple[str, str], Cohort], set[tuple[str, str]]]:
    """The demo cohorts by (programme, name), and the keys of those created now: set up by
    the lead regulator's staff through the cohort command, two weeks before the window
    opened, while still being planned."""
    cohorts: dict[tuple[str, str], Cohort] = {}
    created: set[tuple[str, str]] = set()
    for spec in specs:
        programme = programmes[spec.programme]
        cohort = db.session.scalar(
            sa.select(Cohort).where(Cohort.programme_id == programme.id, Cohort.name == spec.name)
        )
        if cohort is None:
            with clock.frozen_at(spec.created):
                cohort = programme_services.create_cohort(
                    staff[programme.lead_regulator.code],
                    _cohort_data(spec, programme, CohortStatus.PLANNING),
                )
            result.created["cohorts"] += 1
            result.created["selection criteria"] += len(DEFAULT_CRITERIA)
            created.add(spec.key)
        if spec.name_zh and not cohort.name_zh:
            # The cohort command takes the English name; the Chinese one is set beside it, as
            # the cohort's edit page does.
            cohort.name_zh = spec.name_zh
            db.session.flush()
        cohorts[spec.key] = cohort
    return cohorts, created


# ---------------------------------------------------------------- the replay


class Timeline:
    """Dated actions, run in time order (ties in the order they were added), each with the
    clock frozen at its moment."""

    def __init__(self) -> None:
        self._events: list[tuple[datetime, int, Callable[[], None]]] = []
        self._added = itertools.count()

    def at(self, moment: datetime, action: Callable[[], None]) -> None:
        heapq.heappush(self._events, (moment, next(self._added), action))

    def run(self, until: datetime) -> None:
        while self._events:
            moment, _, action = heapq.heappop(self._events)
            if moment > until:
                raise ValueError(f"demo history dated after now ({moment:%Y-%m-%d %H:%M} UTC)")
            with clock.frozen_at(moment):
                action()


def _move_cohort(cohort: Cohort, status: CohortStatus, actor: User) -> Callable[[], None]:
    """The lead regulator's staff move the cohort on, as on the cohort's edit page."""

    def move() -> None:
        programme_services.update_cohort(
            actor,
            cohort,
            _cohort_data(cohort, cohort.programme, status),
            [c.name for c in cohort.criteria],
        )

    return move


@dataclass(frozen=True)
class _PlannedReturn:
    """A return as the institution files it (``data``), when, and the comment it drew."""

    filed_at: datetime
    data: services.ReturnData
    incidents: tuple[DemoIncident, ...]
    comment: tuple[datetime, str] | None


def _pilot_end(spec: DemoUseCase) -> date:
    """The last day a return can be filed: the day before the pilot closed, or the cut-off."""
    for step in spec.steps:
        if BY_NAME[step.action].target.is_closed and step.action != "reject":
            return hk_date(step.at) - timedelta(days=1)
    return DATA_CUTOFF


def plan_returns(spec: DemoUseCase, pilot_start: date, interval: int) -> list[_PlannedReturn]:
    """Periodic returns from the pilot start, each filed six days after its period, until the
    pilot closed or the data cut-off; KPI values ramp from baseline to target."""
    last_day = _pilot_end(spec)
    periods: list[tuple[date, date]] = []
    start = pilot_start
    while (end := start + timedelta(days=interval - 1)) + timedelta(days=6) <= last_day:
        periods.append((start, end))
        start = end + timedelta(days=1)

    rng = random.Random(f"tracker-demo:{spec.title}")
    institution = INSTITUTIONS_BY_NAME[spec.institution]
    rags = [Rag.GREEN] * len(periods)
    for index, rag in spec.rag:
        rags[index] = rag
    phases = ZH_PHASES if spec.zh else EN_PHASES
    comments = ZH_COMMENTS if spec.zh else EN_COMMENTS
    ramp = max(min(len(periods), 8), 1)
    incidents = list(spec.incidents)
    planned = []
    for index, (period_start, period_end) in enumerate(periods):
        fraction = min((index + 1) / ramp, 1.0)
        values = [kpi.value(fraction, rng.uniform(-0.05, 0.05)) for kpi in spec.kpis]
        first = spec.kpis[0]
        lead = (
            f"主要指標——{first.label}：{values[0]}。"
            if spec.zh
            else f"Key indicator: {first.label.rstrip('.')} at {values[0]}."
        )
        filed_on = period_end + timedelta(days=6)
        filed_at = hk_on(filed_on, rng.randint(9, 17), rng.randrange(0, 60, 5))
        comment = None
        if rags[index] is not Rag.GREEN or rng.random() < 0.4:
            comment_at = filed_at + timedelta(days=2, hours=rng.randint(1, 6))
            comment = (comment_at, comments[rng.randrange(len(comments))])
        within = tuple(i for i in incidents if period_start <= i.occurred_on <= period_end)
        for incident in within:
            incidents.remove(incident)
        data = services.ReturnData(
            period_start=period_start,
            period_end=period_end,
            rag=rags[index],
            narrative=f"{phases[min(index, len(phases) - 1)]} {lead}",
            attested_by_name=institution.attester,
            attested_by_title=institution.attester_title,
            kpi_values=tuple((k.label, v) for k, v in zip(spec.kpis, values, strict=True)),
            **demo_plans.return_figures(spec, index, fraction),  # type: ignore[arg-type]
            incidents=tuple(
                services.IncidentData(
                    description=i.description,
                    severity=i.severity,
                    customer_impact=i.customer_impact,
                    remediation=i.remediation,
                    occurred_on=i.occurred_on,
                )
                for i in within
            ),
        )
        planned.append(_PlannedReturn(filed_at, data, within, comment))
    if incidents:
        raise ValueError(f"{spec.title}: incident outside every return period")
    return planned


@dataclass
class _Context:
    categories: dict[str, Category]
    institutions: dict[str, Institution]
    users: dict[str, User]
    cohorts: dict[tuple[str, str], Cohort]
    result: SeedResult


class UseCaseReplay:
    """One use case's history as dated calls of the commands, added to a timeline."""

    def __init__(self, spec: DemoUseCase, ctx: _Context) -> None:
        self.spec = spec
        self.ctx = ctx
        self.cohort = ctx.cohorts[spec.cohort]
        self.owner = ctx.users[institution_email(spec.institution)]
        self.staff = ctx.users[REVIEWER_EMAILS[spec.regulator]]
        self.use_case: UseCase | None = None
        self.milestones: dict[int, Milestone] = {}
        self.returns: dict[date, ProgressReturn] = {}
        self._check_path()

    def _check_path(self) -> None:
        """The content's own consistency, which no command can see: terms where the pilot
        starts, an exit report where it ends, steps in time order after the draft."""
        spec = self.spec
        actions = [step.action for step in spec.steps]
        if ("start_pilot" in actions) != (spec.pilot is not None):
            raise ValueError(f"{spec.title}: pilot terms must match a start_pilot step")
        if ("approve_production" in actions) != (spec.exit is not None):
            raise ValueError(f"{spec.title}: an exit report must match approve_production")
        if spec.field_changes and "resubmit" not in actions:
            raise ValueError(f"{spec.title}: field changes need a resubmit step")
        moments = [spec.created, *(step.at for step in spec.steps)]
        if moments != sorted(set(moments)):
            raise ValueError(f"{spec.title}: steps are not in time order")

    @property
    def uc(self) -> UseCase:
        assert self.use_case is not None, "the draft is created first"
        return self.use_case

    def count(self, kind: str, n: int = 1) -> None:
        self.ctx.result.created[kind] += n

    def schedule(self, timeline: Timeline) -> None:
        """Add every dated call of this use case's history to the timeline."""
        spec = self.spec
        timeline.at(spec.created, self.create)
        for step in spec.steps:
            if step.action == "resubmit" and spec.field_changes:
                timeline.at(step.at - EDIT_BEFORE_RESUBMIT, self.edit)
            timeline.at(step.at, partial(self.move, step))
        for review in spec.reviews:
            timeline.at(review.at, partial(self.review, review))
        selected = next((s.at for s in spec.steps if s.action == "select"), None)
        for n, milestone in enumerate(spec.milestones):
            self._schedule_milestone(timeline, n, milestone, selected)
        pilot = next((s for s in spec.steps if s.action == "start_pilot"), None)
        if pilot is not None:
            for planned in plan_returns(spec, hk_date(pilot.at), self.cohort.return_interval_days):
                self._schedule_return(timeline, planned)
        for message in spec.messages:
            timeline.at(message.at, partial(self.message, message))
        demo_plans.schedule(self, timeline)

    # The draft and its path --------------------------------------------------------------

    def _proposal(self, old: bool) -> services.ProposalData:
        """The proposal as submitted at last, or (``old``) as first drafted, before the edits
        that answered a change request."""
        spec = self.spec
        text = {
            "title": spec.title,
            "summary": spec.summary,
            "problem_statement": spec.problem,
            "data_used": spec.data_used,
            "safeguards": spec.safeguards,
            "kpis": "\n".join(k.label for k in spec.kpis),
        }
        if old:
            text.update(spec.field_changes)
        return services.ProposalData(
            cohort_id=self.cohort.id,
            category_id=self.ctx.categories[spec.category].id,
            technique=spec.technique,
            personal_data=spec.personal_data,
            audience=spec.audience,
            gpu_hours=spec.gpu_hours,
            partner_ids=tuple(self.ctx.institutions[name].id for name in spec.partners),
            **text,
        )

    def create(self) -> None:
        """The institution user drafts the proposal, in its first wording."""
        self.use_case = services.create_draft(self.owner, self._proposal(old=True))
        self.count("use cases")
        self.count("stage transitions")

    def edit(self) -> None:
        """The institution edits the proposal to answer a change request."""
        changes = services.update_proposal(
            self.uc, self.owner, self._proposal(old=False), self.uc.version
        )
        self.count("field changes", len(changes))

    def move(self, step: Step) -> None:
        """One step of the path, by the institution or the regulator as the workflow says."""
        transition = BY_NAME[step.action]
        fields: dict[str, object] = {}
        if transition.needs is Needs.PILOT_TERMS and self.spec.pilot is not None:
            # The duration and boundaries are the agreed plan's (``tracker.demo.plans``).
            fields = {"pilot_started_on": hk_date(step.at)}
        elif transition.needs is Needs.EXIT_REPORT and self.spec.exit is not None:
            fields = {
                "exit_outcome": self.spec.exit.outcome,
                "exit_lessons": self.spec.exit.lessons,
                "exit_conditions": self.spec.exit.conditions,
            }
        actor = self.owner if transition.side is Side.INSTITUTION else self.staff
        context = demo_schedules.suspension_context(self.uc, step.action)
        moved = services.apply_transition(
            self.uc,
            transition,
            actor,
            self.uc.version,
            fields=fields,
            reason=step.text,
            context=context,
        )
        demo_schedules.suspended(self.uc, moved)
        self.count("stage transitions")

    def review(self, review: DemoReview) -> None:
        criteria = self.uc.cohort.criteria
        scores = {c.id: (s, "") for c, s in zip(criteria, review.scores, strict=True)}
        reviewer = self.ctx.users[REVIEWER_EMAILS[review.regulator]]
        services.save_review(self.uc, reviewer, scores, review.comment)
        self.count("reviews")
        self.count("review scores", len(scores))

    def message(self, message: DemoMessage) -> None:
        author = self.staff if message.from_regulator else self.owner
        services.post_message(self.uc, author, message.body, message.internal)
        self.count("messages")

    # Milestones ----------------------------------------------------------------------------

    def _schedule_milestone(
        self, timeline: Timeline, n: int, milestone: DemoMilestone, selected: datetime | None
    ) -> None:
        if milestone.added_on is not None:
            added = hk_on(milestone.added_on, MILESTONE_HOUR)
        elif selected is not None:
            added = hk_on(hk_date(selected) + timedelta(days=1), MILESTONE_HOUR)
        else:
            raise ValueError(f"{self.spec.title}: milestones are kept once a case is selected")
        timeline.at(added, partial(self.milestone, n, milestone, MilestoneStatus.PLANNED))
        status = milestone.status
        if status is MilestoneStatus.DONE:
            if milestone.actual_on is None:
                raise ValueError(f"{self.spec.title}: {milestone.title} is done on no day")
            changed = milestone.actual_on
        elif status is MilestoneStatus.PLANNED:
            return
        elif milestone.status_on is None:
            raise ValueError(f"{self.spec.title}: {milestone.title} took its status on no day")
        else:
            changed = milestone.status_on
        moment = max(hk_on(changed, MILESTONE_HOUR), added)
        timeline.at(moment, partial(self.milestone, n, milestone, status))

    def milestone(self, n: int, spec: DemoMilestone, status: MilestoneStatus) -> None:
        existing = self.milestones.get(n)
        saved = services.save_milestone(
            self.uc,
            existing,
            user=self.staff,
            title=spec.title,
            planned_on=spec.planned_on,
            # The content's reached date goes with its final status, for the command to check.
            actual_on=spec.actual_on if status is spec.status else None,
            status=status,
            expected_version=existing.version if existing is not None else 0,
        )
        if existing is None:
            self.milestones[n] = saved
            self.count("milestones")

    # Progress returns ------------------------------------------------------------------------

    def _schedule_return(self, timeline: Timeline, planned: _PlannedReturn) -> None:
        timeline.at(planned.filed_at, partial(self.file_return, planned))
        if planned.comment is not None:
            at, body = planned.comment
            timeline.at(at, partial(self.comment, planned, body))
        for n, incident in enumerate(planned.incidents):
            if incident.resolved:
                resolved_on = incident.occurred_on + timedelta(days=RESOLUTION_DAYS)
                # Closed on the tracker once the return that reports it is on file.
                at = max(hk_on(resolved_on, RESOLUTION_HOUR), planned.filed_at + timedelta(hours=1))
                timeline.at(at, partial(self.resolve, planned, n, resolved_on))

    def file_return(self, planned: _PlannedReturn) -> None:
        filed = services.file_return(self.uc, self.owner, planned.data)
        self.returns[planned.data.period_start] = filed
        self.count("progress returns")
        self.count("KPI values", len(planned.data.kpi_values))
        self.count("incidents", len(planned.data.incidents))

    def comment(self, planned: _PlannedReturn, body: str) -> None:
        services.comment_on_return(self.returns[planned.data.period_start], self.staff, body)
        self.count("return comments")

    def resolve(self, planned: _PlannedReturn, n: int, resolved_on: date) -> None:
        """The institution closes the ``n``-th incident of the return with its remediation."""
        filed = self.returns[planned.data.period_start]
        incident = db.session.scalars(
            sa.select(Incident).where(Incident.return_id == filed.id).order_by(Incident.id)
        ).all()[n]
        services.resolve_incident(
            incident, self.owner, resolved_on, planned.incidents[n].remediation
        )


def _exists(spec: DemoUseCase, ctx: _Context) -> bool:
    return (
        db.session.scalar(
            sa.select(UseCase.id).where(
                UseCase.cohort_id == ctx.cohorts[spec.cohort].id,
                UseCase.institution_id == ctx.institutions[spec.institution].id,
                UseCase.title == spec.title,
            )
        )
        is not None
    )


def seed_demo(today: date | None = None) -> SeedResult:
    """Load the demo dataset, adding only what is missing, in one unit of work: reference data
    first, then every missing use case replayed through the commands on one timeline."""
    now = clock.utcnow()
    today = today or clock.local_today()
    result = SeedResult()
    with unit_of_work("demo.seed"):
        regulators = ensure_regulators(result)
        categories = ensure_categories(result)
        accounts = _Accounts(result)
        # The administrator's account comes first: it adds the institutions the others are of.
        admin = accounts.ensure(regulators, {}, only=ADMIN_EMAIL)[ADMIN_EMAIL]
        institutions = _ensure_institutions(regulators, admin, result)
        users = accounts.ensure(regulators, institutions)
        staff = {code: users[email] for code, email in REVIEWER_EMAILS.items()}
        programmes = _ensure_programmes(regulators, admin, result)
        specs = cohort_specs(today)
        cohorts, created = _ensure_cohorts(programmes, specs, staff, result)
        ctx = _Context(categories, institutions, users, cohorts, result)

        all_specs = demo_use_cases(today)
        missing = [spec for spec in all_specs if not _exists(spec, ctx)]
        replayed = {spec.cohort for spec in missing}
        # A proposal is made while its cohort is open: the cohorts' statuses move on the same
        # timeline (first, on a tie). A cohort that was already there gets back the status
        # staff had given it.
        kept = {key: cohorts[key].status for key in replayed - created}
        timeline = Timeline()
        for cohort_spec in specs:
            if cohort_spec.key in replayed:
                cohort = cohorts[cohort_spec.key]
                lead = staff[cohort.programme.lead_regulator.code]
                for day, status in cohort_spec.timeline:
                    timeline.at(hk_on(day, COHORT_MOVE_HOUR), _move_cohort(cohort, status, lead))
        for spec in missing:
            UseCaseReplay(spec, ctx).schedule(timeline)
        demo_schedules.plan(timeline, missing, users, now)
        committee_demo.schedule(
            timeline, cohorts, users, all_specs, today, {s.title for s in missing}
        )
        timeline.run(until=now)
        for key, status in kept.items():
            cohort = cohorts[key]
            _move_cohort(cohort, status, staff[cohort.programme.lead_regulator.code])()
        seed_clocks(admin)  # clock settings and closures; running clocks take them at once
        result.created["AI evidence entries"] += seed_evidence()
        result.created["compute ledger rows"] += seed_compute()
        result.created["lessons"] += seed_lessons()
        result.created["exit PDFs"] += seed_exits()
        # The replayed past is history, not news: its events are dropped before the commit,
        # so no subscriber tells anyone now (nor e-mails them) of what happened in 2024.
        events.take(db.session())
        # What the demo's users would have been told of that history, dated when it happened
        # and none e-mailed (the notifications' own demo seeding, adding only what is missing).
        seed_notifications()
    log.info(
        "command",
        extra={"action": "demo.seed", "object": f"{result.total} records", "outcome": "ok"},
    )
    return result
