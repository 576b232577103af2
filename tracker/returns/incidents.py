"""Incidents reported the moment they happen, outside any return: the report, the regulator's
response clock (a high or critical incident must be acknowledged within hours), the
acknowledgement that stops it, and the suspension of the pilot decided from the incident.

The register of a use case lists these and the incidents its returns reported, together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from tracker import events
from tracker.auth.models import User
from tracker.clock import local_date, utcnow
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.i18n import number
from tracker.returns import events as return_events
from tracker.returns.dates import day
from tracker.rules import ConflictError, NotAllowedError, RuleError
from tracker.usecases import permissions
from tracker.usecases.models import (
    Incident,
    Severity,
    Stage,
    StageTransition,
    UseCase,
)
from tracker.usecases.workflow import BY_NAME, PILOT_STAGES, is_allowed
from tracker.usecases.workspace import Scope, Waiting

# The response clock, in calendar hours from the report: the regulator acknowledges by then.
ACKNOWLEDGE_WITHIN: dict[Severity, timedelta] = {
    Severity.CRITICAL: timedelta(hours=24),
    Severity.HIGH: timedelta(hours=72),
}
SERIOUS = frozenset(ACKNOWLEDGE_WITHIN)
LONG_TEXT = 20_000
MAX_CUSTOMERS = 100_000_000


@dataclass(frozen=True)
class IncidentReport:
    severity: Severity | None
    occurred_at: datetime | None  # naive UTC
    description: str
    customers_affected: int | None
    customer_impact: str
    remediation: str


def can_report(user: User, use_case: UseCase) -> bool:
    """The institution reports incidents of its own pilot, at any time while it runs or is
    suspended."""
    return permissions.is_active_owner(user, use_case) and use_case.stage in PILOT_STAGES


def can_acknowledge(user: User, use_case: UseCase) -> bool:
    return permissions.can_act_as_regulator(user, use_case)


def can_suspend_from(user: User, incident: Incident, use_case: UseCase) -> bool:
    return (
        incident.suspension_id is None
        and use_case.stage is Stage.PILOT
        and is_allowed(BY_NAME["suspend"], use_case, user)
    )


def register(use_case: UseCase) -> list[Incident]:
    """Every incident of the use case, reported on its own or in a return, newest first."""
    return list(
        db.session.scalars(
            sa.select(Incident)
            .where(Incident.use_case_id == use_case.id)
            .options(
                joinedload(Incident.progress_return),
                joinedload(Incident.reported_by),
                joinedload(Incident.acknowledged_by),
                joinedload(Incident.resolved_by),
                joinedload(Incident.suspension),
            )
            .order_by(
                sa.func.coalesce(Incident.reported_at, Incident.occurred_at).desc(),
                Incident.id.desc(),
            )
        )
    )


def open_incidents(use_case: UseCase) -> list[Incident]:
    return [i for i in register(use_case) if not i.resolved]


def get_incident(use_case: UseCase, incident_id: int) -> Incident | None:
    incident = db.session.get(Incident, incident_id)
    if incident is None or incident.use_case_id != use_case.id:
        return None
    return incident


def report_incident(use_case: UseCase, user: User, data: IncidentReport) -> Incident:
    """Record an incident now, outside any return. A high or critical one starts the
    regulator's response clock and tells the lead regulator's staff at once."""
    action = "incident.report"
    if not can_report(user, use_case):
        raise NotAllowedError(action)
    now = utcnow()
    rules = RuleError.collect(action)
    description = (data.description or "").strip()
    rules.check(bool(description), "description", _("Describe the incident."))
    rules.check(data.severity is not None, "severity", _("Give the severity of this incident."))
    for name in ("description", "customer_impact", "remediation"):
        rules.check(
            len((getattr(data, name) or "").strip()) <= LONG_TEXT,
            name,
            _("This is at most %(limit)s characters long.", limit=number(LONG_TEXT)),
        )
    if data.occurred_at is None:
        rules.add("occurred_at", _("Give the date and time it happened."))
    elif data.occurred_at > now:
        rules.add("occurred_at", _("The time it happened cannot be in the future."))
    elif use_case.pilot_started_on is not None and (
        local_date(data.occurred_at) < use_case.pilot_started_on
    ):
        rules.add(
            "occurred_at",
            _(
                "The pilot started on %(day)s; an incident of the pilot cannot be earlier.",
                day=day(use_case.pilot_started_on),
            ),
        )
    rules.check(
        data.customers_affected is None or 0 <= data.customers_affected <= MAX_CUSTOMERS,
        "customers_affected",
        _("Give the number of customers affected (0 or more), or leave it empty if not known."),
    )
    rules.raise_if_any()
    assert data.severity is not None and data.occurred_at is not None
    within = ACKNOWLEDGE_WITHIN.get(data.severity)
    incident = Incident(
        use_case_id=use_case.id,
        return_id=None,
        description=description,
        severity=data.severity,
        occurred_at=data.occurred_at,
        occurred_on=local_date(data.occurred_at),
        customers_affected=data.customers_affected,
        customer_impact=(data.customer_impact or "").strip(),
        remediation=(data.remediation or "").strip(),
        reported_at=now,
        reported_by_id=user.id,
        acknowledge_by=now + within if within else None,
    )
    db.session.add(incident)
    db.session.flush()
    events.record(
        return_events.IncidentReported(
            actor_id=user.id, use_case_id=use_case.id, incident_id=incident.id
        )
    )
    return incident


def acknowledge(incident: Incident, user: User, note: str) -> None:
    """The regulator has taken the incident in hand: the response clock stops, once; the note
    and who acknowledged stay on record."""
    action = "incident.acknowledge"
    use_case = db.session.get(UseCase, incident.use_case_id)
    if use_case is None or incident.in_return or not can_acknowledge(user, use_case):
        raise NotAllowedError(action)
    if incident.acknowledged:
        raise ConflictError(action=action)
    note = (note or "").strip()
    rules = RuleError.collect(action)
    rules.check(
        len(note) <= LONG_TEXT,
        "note",
        _("This is at most %(limit)s characters long.", limit=number(LONG_TEXT)),
    )
    rules.raise_if_any()
    # Only an unacknowledged incident matches: two people acknowledging at once cannot both.
    done = db.session.execute(
        sa.update(Incident)
        .where(Incident.id == incident.id, Incident.acknowledged_at.is_(None))
        .values(acknowledged_at=utcnow(), acknowledged_by_id=user.id, acknowledgement=note)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError(action=action)
    db.session.expire(incident)
    events.record(
        return_events.IncidentAcknowledged(
            actor_id=user.id, use_case_id=use_case.id, incident_id=incident.id
        )
    )


def suspend_for(
    incident: Incident, user: User, reason: str, expected_version: int
) -> StageTransition:
    """Suspend the pilot because of this incident, through the lifecycle's own transition: the
    history row names the incident, and the incident the suspension."""
    from tracker.usecases import services

    action = "incident.suspend"
    use_case = db.session.get(UseCase, incident.use_case_id)
    if use_case is None:
        raise NotAllowedError(action)
    if incident.suspension_id is not None:
        raise ConflictError(action=action)
    record = services.apply_transition(
        use_case,
        BY_NAME["suspend"],
        user,
        expected_version,
        reason=reason,
        context={"incident_id": incident.id},
    )
    incident.suspension_id = record.id
    if incident.acknowledged_at is None and not incident.in_return:
        # Suspending the pilot answers the incident: the clock stops with it.
        incident.acknowledged_at = record.at
        incident.acknowledged_by_id = user.id
        incident.acknowledgement = "The pilot was suspended."  # stored: the record's language
    db.session.flush()
    return record


def acknowledgements_overdue(
    user: User, scope: Scope, now: datetime, limit: int = 10
) -> Waiting[Incident]:
    """Serious incidents the regulator has not acknowledged in time, in the use cases the user
    sees within ``scope``: the most overdue first, and how many in all."""
    where = [
        Incident.acknowledged_at.is_(None),
        Incident.acknowledge_by.is_not(None),
        Incident.acknowledge_by < now,
        Incident.use_case_id.in_(
            sa.select(UseCase.id).where(permissions.visible_filter(user), scope.where())
        ),
    ]
    total = db.session.scalar(sa.select(sa.func.count(Incident.id)).where(*where)) or 0
    if not total:
        return Waiting([], 0)
    items = list(
        db.session.scalars(
            sa.select(Incident)
            .where(*where)
            .options(joinedload(Incident.use_case).joinedload(UseCase.institution))
            .order_by(Incident.acknowledge_by, Incident.id)
            .limit(limit)
        )
    )
    return Waiting(items, int(total))
