"""The daily check of the stage clocks: who is told that a clock falls due soon or is overdue.

Reads the use cases by their ``clock_due_on`` index; each occurrence's key carries the due
date, so a daily run tells each person once per due date (a clock that resumes with a new due
date is news again)."""

from __future__ import annotations

import logging
from datetime import date
from functools import partial

import sqlalchemy as sa
from huey import crontab
from sqlalchemy.orm import joinedload, selectinload

from tracker import jobs
from tracker.clock import local_today
from tracker.clocks.clocks import ClockStatus
from tracker.clocks.queries import due_soon_until
from tracker.clocks.services import ClockReader
from tracker.extensions import db
from tracker.notifications.recipients import Occurrence, Trigger
from tracker.notifications.text import Later, _l
from tracker.programmes.models import Cohort
from tracker.usecases.models import UseCase

log = logging.getLogger(__name__)


def clock_occurrences(today: date | None = None) -> list[Occurrence]:
    """What the daily check tells: one occurrence per use case whose running clock is overdue
    or falls due by the "due soon" day."""
    today = today or local_today()
    until = due_soon_until(today)
    use_cases = list(
        db.session.scalars(
            sa.select(UseCase)
            .where(UseCase.clock_due_on <= until)
            .options(
                joinedload(UseCase.cohort).joinedload(Cohort.programme),
                joinedload(UseCase.institution),
                selectinload(UseCase.partners),
                selectinload(UseCase.transitions),
            )
            .order_by(UseCase.clock_due_on, UseCase.id)
        )
    )
    reader = ClockReader(use_cases)
    out: list[Occurrence] = []
    for use_case in use_cases:
        clock = next(
            (c for c in reader.clocks(use_case, today) if c.status is ClockStatus.RUNNING), None
        )
        due = use_case.clock_due_on
        if clock is None or due is None:
            continue
        overdue = due < today
        trigger = Trigger.CLOCK_OVERDUE if overdue else Trigger.CLOCK_DUE_SOON
        # Rendered in each recipient's language (tracker/notifications/text.py).
        values = {
            "clock": Later(partial(getattr, clock, "label")),
            "day": due,
            "title": use_case.title,
        }
        title = (
            _l("%(clock)s is overdue on %(day)s: %(title)s", **values)
            if overdue
            else _l("%(clock)s falls due on %(day)s: %(title)s", **values)
        )
        out.append(
            Occurrence(
                trigger=trigger,
                key=f"{trigger.value}:{use_case.id}:{clock.kind.name}:{due.isoformat()}",
                actor_id=None,
                title=title,
                body=_l(
                    "%(allowance)s allowed; %(used)s used.",
                    allowance=Later(partial(getattr, clock.allowance, "label")),
                    used=clock.days_used,
                ),
                endpoint="usecases.detail",
                url_params={"id": use_case.id},
                anchor="clocks",
                use_case=use_case,
                regulator_only=clock.kind.side == "regulator",
            )
        )
    return out


def check_clocks(today: date | None = None) -> int:
    """Tell who the table names of the clocks overdue or due soon; how many occurrences."""
    from tracker.notifications.subscribers import tell

    occurrences = clock_occurrences(today)
    if occurrences:
        tell(occurrences)
    log.info("clock check: %d use cases overdue or due soon", len(occurrences))
    return len(occurrences)


@jobs.app_periodic(crontab(hour="1", minute="20"))
def daily_clock_check() -> None:
    """Every morning (09:20 in Hong Kong): first the due dates no command has set yet (use
    cases that were open when migration 0012 added the column, or loaded by seed-synthetic), so
    a deployment that forgot ``flask clocks refresh`` heals by itself; then the clocks falling
    due soon and overdue."""
    from tracker.clocks.services import refresh_missing
    from tracker.unit_of_work import unit_of_work

    with unit_of_work():
        filled = refresh_missing()
    if filled:
        log.info("clock check: due dates set for %d use cases", filled)
    check_clocks()
