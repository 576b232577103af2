"""The demo shows clocks running, paused (changes requested) and overdue, with its closures."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from tracker.clock import local_today
from tracker.clocks.clocks import ClockStatus
from tracker.clocks.models import ClockSettings, RegulatorClosure
from tracker.clocks.services import ClockReader
from tracker.demo import seed_demo
from tracker.extensions import db
from tracker.usecases.models import Stage, UseCase


def test_demo_clocks_run_pause_and_fall_overdue() -> None:
    seed_demo()
    db.session.commit()
    use_cases = list(
        db.session.scalars(sa.select(UseCase).where(UseCase.submitted_at.is_not(None)))
    )
    reader = ClockReader(use_cases)
    states = {(c.kind.name, c.status, c.overdue) for u in use_cases for c in reader.clocks(u)}
    assert ("submitted", ClockStatus.RUNNING, False) in states
    assert ("under_review", ClockStatus.RUNNING, True) in states  # Cohort 2's three weeks
    assert ("under_review", ClockStatus.PAUSED, False) in states  # waiting on the bank
    assert ("changes_requested", ClockStatus.RUNNING, False) in states
    today = local_today()
    overdue = db.session.scalar(sa.select(sa.func.count()).where(UseCase.clock_due_on < today))
    assert overdue and overdue >= 1
    changes = db.session.scalar(sa.select(UseCase).where(UseCase.stage == Stage.CHANGES_REQUESTED))
    assert (
        changes is not None and changes.clock_due_on is not None and changes.clock_due_on >= today
    )
    closures = db.session.scalars(sa.select(RegulatorClosure.on)).all()
    assert set(closures) == {date(2025, 9, 24)}

    counts = (
        db.session.scalar(sa.select(sa.func.count(ClockSettings.id))),
        db.session.scalar(sa.select(sa.func.count(RegulatorClosure.id))),
    )
    seed_demo()
    db.session.commit()
    assert counts == (
        db.session.scalar(sa.select(sa.func.count(ClockSettings.id))),
        db.session.scalar(sa.select(sa.func.count(RegulatorClosure.id))),
    )
    assert counts[0] == 2
