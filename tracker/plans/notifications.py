"""Who is told when a return breaches its plan's boundaries: the ``boundary_breached`` rule in
``tracker.notifications.recipients`` (the regulator's staff and supervisors)."""

from __future__ import annotations

import sqlalchemy as sa

from tracker import events
from tracker.extensions import db
from tracker.notifications.recipients import Occurrence, Trigger
from tracker.notifications.subscribers import tell
from tracker.plans.events import BoundaryBreached
from tracker.plans.models import Boundary, BoundaryBreach
from tracker.plans.queries import money, number
from tracker.usecases.models import UseCase


def _line(breach: BoundaryBreach) -> str:
    if breach.boundary is Boundary.CUSTOMERS:
        return f"- {number(breach.reported)} customers reached; the plan caps them at " + (
            f"{number(breach.allowed)}."
        )
    return f"- exposure of {money(breach.reported)}; the plan limits it to {money(breach.allowed)}."


@events.subscribe(BoundaryBreached)
def notify_boundary_breached(event: BoundaryBreached) -> None:
    use_case = db.session.get(UseCase, event.use_case_id)
    breaches = list(
        db.session.scalars(sa.select(BoundaryBreach).where(BoundaryBreach.id.in_(event.breach_ids)))
    )
    if use_case is None or not breaches:
        return
    tell(
        [
            Occurrence(
                trigger=Trigger.BOUNDARY_BREACHED,
                key=f"breach:{event.return_id}",
                actor_id=event.actor_id,
                title=f"Sandbox plan boundary breached: {use_case.title}",
                body=f"{use_case.reference}:\n"
                + "\n".join(_line(b) for b in breaches)
                + "\nRecord a decision: accept with a plan amendment, suspend or discontinue.",
                endpoint="plans.plan",
                url_params={"id": use_case.id},
                anchor="breaches",
                use_case=use_case,
            )
        ]
    )
