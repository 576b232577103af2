"""Reports list incidents reported on their own beside those of returns, as at their date."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from tests import factories as f
from tests.conftest import World
from tests.notifications.conftest import run
from tracker.clock import frozen_at
from tracker.extensions import db
from tracker.reports import data
from tracker.reports.data import AsAt
from tracker.returns import incidents
from tracker.usecases import services
from tracker.usecases.models import Rag, Severity, Stage


def test_reports_list_incidents_reported_outside_returns(world: World) -> None:
    with frozen_at(datetime(2026, 1, 2)):
        uc = f.create_use_case(
            world.cohort,
            world.bank,
            world.category,
            stage=Stage.PILOT,
            pilot_started_on=date(2026, 1, 5),
            pilot_duration_weeks=26,
        )
        db.session.commit()
    with frozen_at(datetime(2026, 2, 2, 2, 0)):
        run(
            lambda: services.file_return(
                uc,
                world.bank_user,
                services.ReturnData(
                    period_start=date(2026, 1, 5),
                    period_end=date(2026, 1, 31),
                    rag=Rag.AMBER,
                    narrative="n",
                    attested_by_name="Grace Ho",
                    attested_by_title="CRO",
                    kpi_values=tuple((k, "1") for k in uc.kpi_list),
                    incidents=(
                        services.IncidentData(
                            "In the return", Severity.LOW, "", "", occurred_on=date(2026, 1, 20)
                        ),
                    ),
                ),
            )
        )
    with frozen_at(datetime(2026, 2, 10, 17, 30)):  # 01:30 on 11 February in Hong Kong
        run(
            lambda: incidents.report_incident(
                uc,
                world.bank_user,
                incidents.IncidentReport(
                    Severity.CRITICAL,
                    datetime(2026, 2, 10, 16, 45),
                    "Reported at once",
                    40,
                    "",
                    "",
                ),
            )
        )
    zone = "Asia/Hong_Kong"
    details = data.use_case_report(uc, AsAt.for_day(None, zone)).use_case.details
    assert details is not None
    assert [
        (i.description, i.outside_return, i.occurred_on, i.reported_on) for i in details.incidents
    ] == [
        ("In the return", False, date(2026, 1, 20), date(2026, 2, 2)),
        ("Reported at once", True, date(2026, 2, 11), date(2026, 2, 11)),
    ]
    before = data.use_case_report(uc, AsAt.for_day(date(2026, 2, 10), zone)).use_case.details
    assert before is not None and [i.description for i in before.incidents] == ["In the return"]
    report = data.institution_report(world.bank, AsAt.for_day(None, zone), sa.true(), "all")
    open_ones = {i.severity for i in report.attention.open_incidents}
    assert open_ones == {"Low", "Critical"}
