"""Who is told when a return breaches its plan's boundaries: the ``boundary_breached`` rule in
``tracker.notifications.recipients`` (the regulator's staff and supervisors)."""

from __future__ import annotations

import sqlalchemy as sa

from tracker import events
from tracker.extensions import db
from tracker.notifications.recipients import Occurrence, Trigger
from tracker.notifications.subscribers import tell
from tracker.notifications.text import Text, _l, joined
from tracker.plans.events import BoundaryBreached
from tracker.plans.models import Boundary, BoundaryBreach
from tracker.plans.queries import money, number
from tracker.usecases.models import UseCase


def _line(breach: BoundaryBreach) -> Text:
    if breach.boundary is Boundary.CUSTOMERS:
        return _l(
            "- %(reported)s customers reached; the plan caps them at %(allowed)s.",
            reported=number(breach.reported),
            allowed=number(breach.allowed),
        )
    return _l(
        "- exposure of %(reported)s; the plan limits it to %(allowed)s.",
        reported=money(breach.reported),
        allowed=money(breach.allowed),
    )


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
                # Rendered in each recipient's language (tracker/notifications/text.py).
                title=_l("Sandbox plan boundary breached: %(title)s", title=use_case.title),
                body=joined(
                    f"{use_case.reference}:\n",
                    *(part for b in breaches for part in (_line(b), "\n")),
                    _l("Record a decision: accept with a plan amendment, suspend or discontinue."),
                ),
                endpoint="plans.plan",
                url_params={"id": use_case.id},
                anchor="breaches",
                use_case=use_case,
            )
        ]
    )
