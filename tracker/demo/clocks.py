"""The demo's stage clocks: programme defaults at the UAE central bank's scale, a tighter review
clock for Cohort 2 (so the demo shows a review overdue), and the typhoon closure of
24 September 2025 on every regulator's calendar. Seeded through the clock commands after the
history is replayed; each piece is added only if missing."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from tracker.auth.models import User
from tracker.clocks import services
from tracker.clocks.models import RegulatorClosure
from tracker.clocks.services import ClockSetting, ClosureData
from tracker.demo.content.reference import COHORT_2, SANDBOX
from tracker.extensions import db
from tracker.organisations.models import Regulator
from tracker.programmes.models import Cohort, Programme

# Days to start a review, to decide, and for the applicant to answer a change request.
PROGRAMME_CLOCKS: dict[str, dict[str, ClockSetting]] = {
    SANDBOX: {
        "submitted": ClockSetting(15, True),
        "under_review": ClockSetting(21, True),
        "changes_requested": ClockSetting(15, True),
    },
}
# Cohort 2 promised a decision within three weeks of starting each review.
COHORT_CLOCKS: dict[tuple[str, str], dict[str, ClockSetting]] = {
    COHORT_2: {"under_review": ClockSetting(21, False)},
}
CLOSURES: tuple[tuple[date, str], ...] = (
    (date(2025, 9, 24), "Typhoon Ragasa: tropical cyclone signal No. 8 or above, offices closed"),
)


def seed_clocks(admin: User) -> None:
    """Add the demo's clock settings and closures that are missing."""
    for name, values in PROGRAMME_CLOCKS.items():
        programme = db.session.scalar(sa.select(Programme).where(Programme.name == name))
        if programme is not None and services.settings_row(programme=programme) is None:
            services.save_clock_settings(admin, values, None, programme=programme)
    for (programme_name, cohort_name), values in COHORT_CLOCKS.items():
        cohort = db.session.scalar(
            sa.select(Cohort)
            .join(Programme)
            .where(Programme.name == programme_name, Cohort.name == cohort_name)
        )
        if cohort is not None and services.settings_row(cohort=cohort) is None:
            services.save_clock_settings(admin, values, None, cohort=cohort)
    for regulator in db.session.scalars(sa.select(Regulator).order_by(Regulator.code)):
        for day, reason in CLOSURES:
            known = db.session.scalar(
                sa.select(RegulatorClosure.id).where(
                    RegulatorClosure.regulator_id == regulator.id, RegulatorClosure.on == day
                )
            )
            if known is None:
                services.add_closure(admin, ClosureData(regulator.id, day, reason))
