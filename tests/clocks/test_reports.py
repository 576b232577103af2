"""Cohort and programme reports state the regulator's clock performance as at their date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from tests import factories as f
from tests.clocks.test_clocks import move
from tests.conftest import World
from tests.reports.conftest import pdf_text
from tests.reports.test_layout import FONT, IMPRINT
from tracker.clocks.performance import ClockPerformance
from tracker.extensions import db
from tracker.reports import data, layout
from tracker.usecases.models import UseCase

Freeze = Callable[[datetime], datetime]


def _decided(world: World, freeze: Freeze, title: str, decided_on: date, verdict: str) -> UseCase:
    uc = f.create_use_case(world.cohort, world.bank, world.category, title=title)
    db.session.commit()
    move(freeze, uc, "submit", world.bank_user, date(2026, 2, 13))
    move(freeze, uc, "start_review", world.reviewer, date(2026, 2, 16))
    if verdict == "select":
        f.create_review(uc, world.reviewer)
        db.session.commit()
    move(freeze, uc, verdict, world.reviewer, decided_on)
    return uc


def test_decided_within_time_n_of_m_as_at(world: World, freeze_time: Freeze, tmp_path: Path):
    freeze_time(datetime(2026, 2, 1, 2, 0))
    # 30 working days from 16 February end on 2 April: one decided in time, one late.
    _decided(world, freeze_time, "Quick", date(2026, 3, 20), "select")
    _decided(world, freeze_time, "Slow", date(2026, 4, 20), "reject")
    freeze_time(datetime(2026, 2, 1, 2, 0))
    pending = f.create_use_case(world.cohort, world.bank, world.category, title="Pending")
    db.session.commit()
    move(freeze_time, pending, "submit", world.bank_user, date(2026, 3, 2))
    freeze_time(datetime(2026, 6, 1, 2, 0))

    report = data.cohort_report(world.cohort, data.AsAt.for_day(None, "Asia/Hong_Kong"))
    assert report.clocks == ClockPerformance(2, 1, 1, 1)
    assert report.clocks.sentence == (
        "Decided within time: 1 of 2. Still in review: 1, of which overdue: 1."
    )
    # As at 1 April the slow one was still in review, within its allowance; the one submitted
    # on 2 March had waited 22 working days for its review to start (10 allowed).
    then = data.cohort_report(world.cohort, data.AsAt.for_day(date(2026, 4, 1), "Asia/Hong_Kong"))
    assert then.clocks == ClockPerformance(1, 1, 2, 1)

    programme = data.programme_report(world.programme, data.AsAt.for_day(None, "Asia/Hong_Kong"))
    assert programme.clocks == report.clocks
    assert programme.cohorts[0].clocks == report.clocks

    text = pdf_text(layout.render(report, IMPRINT, cjk_font=FONT), tmp_path)
    assert "Decided within time: 1 of 2." in text
    text = pdf_text(layout.render(programme, IMPRINT, cjk_font=FONT), tmp_path)
    assert text.count("Decided within time: 1 of 2.") == 2
