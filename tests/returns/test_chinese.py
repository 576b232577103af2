"""The reporting schedule, requested returns and incidents in Traditional Chinese: every text of
the product's own translated (test data aside), the key phrases in Chinese."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from tests import factories as f
from tests.conftest import login
from tests.i18n.helpers import english_left
from tests.notifications.conftest import People, run
from tests.returns.chinese import ELSEWHERE, ZH, main, section
from tracker.extensions import db
from tracker.returns import schedule
from tracker.usecases import services
from tracker.usecases.models import Incident, Rag, Stage, UseCase

NOW = datetime(2026, 3, 10, 2, 0)  # 10:00 in Hong Kong
TITLE = "Voice deepfake screening"


@pytest.fixture
def pilot(people: People, freeze_time) -> UseCase:  # type: ignore[no-untyped-def]
    freeze_time(NOW)
    uc = f.create_use_case(
        people.cohort,
        people.bank,
        people.category,
        stage=Stage.PILOT,
        pilot_started_on=date(2026, 1, 31),
        pilot_duration_weeks=26,
        title=TITLE,
    )
    db.session.commit()
    return uc


SCHEDULE = {
    "version": "0",
    "frequency": "monthly",
    "first_period_start": "",
    "days_to_file": "14",
    "report_dates": "",
    "milestone_days": "7",
    "ends_on": "",
}


def test_the_schedule_and_its_errors_in_chinese(client, people: People, pilot: UseCase) -> None:  # type: ignore[no-untyped-def]
    login(client, people.reviewer)
    page = client.get(f"/use-cases/{pilot.id}/schedule{ZH}").get_data(as_text=True)
    assert english_left(main(page), allowed=ELSEWHERE) == []
    assert "設定申報時間表" in page and "儲存時間表" in page
    bad = client.post(
        f"/use-cases/{pilot.id}/schedule",
        data={**SCHEDULE, "frequency": "dates", "report_dates": "31/03"},
    )
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert english_left(main(html), allowed=(*ELSEWHERE, "31/03")) == []
    assert "「31/03」不是日期" in html
    # Saved: the use case's page describes the schedule and lists the returns it expects.
    assert client.post(f"/use-cases/{pilot.id}/schedule", data=SCHEDULE).status_code == 302
    page = client.get(f"/use-cases/{pilot.id}").get_data(as_text=True)
    expected = section(page, "expected-returns")
    assert english_left(expected) == []
    assert "由2026年1月31日起每月，每份申報表於所屬期間結束後14 日內到期" in expected
    assert "即將到期" in expected and "豁免" in expected


def test_asking_for_and_waiving_a_return_in_chinese(client, people: People, pilot: UseCase) -> None:  # type: ignore[no-untyped-def]
    login(client, people.reviewer)
    page = client.get(f"/use-cases/{pilot.id}/expected-returns/request{ZH}")
    assert english_left(main(page.get_data(as_text=True))) == []
    bad = client.post(
        f"/use-cases/{pilot.id}/expected-returns/request",
        data={"request": "Losses avoided.", "period_end": "2026-02-28", "due_on": "2026-03-01"},
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert english_left(main(html), allowed=(*ELSEWHERE, "Losses avoided.")) == []
    assert "到期日不可是過去的日期。" in html
    request = schedule.RequestData(None, date(2026, 2, 28), date(2026, 3, 20), "Losses avoided.")
    run(lambda: schedule.request_return(pilot, people.reviewer, request))
    expected = schedule.expected_returns(pilot)[0]
    page = client.get(f"/use-cases/{pilot.id}/expected-returns/{expected.id}/waive")
    html = page.get_data(as_text=True)
    assert english_left(main(html)) == []
    assert "監管機構要求：2026年1月31日 – 2026年2月28日，2026年3月20日到期（未完成）。" in html


def test_filing_a_return_in_chinese(client, people: People, pilot: UseCase) -> None:  # type: ignore[no-untyped-def]
    request = schedule.RequestData(None, date(2026, 2, 28), date(2026, 3, 20), "Losses avoided.")
    run(lambda: schedule.request_return(pilot, people.reviewer, request))
    login(client, people.bank_user)
    form = client.get(f"/use-cases/{pilot.id}/returns/new{ZH}").get_data(as_text=True)
    expects = form.split('role="note">', 1)[1].split("</div>", 1)[0]
    assert english_left(expects, allowed=("Losses avoided.",)) == []
    assert "監管機構要求提交以下申報表。" in expects
    assert "2026年1月31日 – 2026年2月28日，2026年3月20日到期（監管機構要求）" in expects
    data = services.ReturnData(
        period_start=date(2026, 1, 31),
        period_end=date(2026, 2, 28),
        rag=Rag.GREEN,
        narrative="On track.",
        attested_by_name="Grace Ho",
        attested_by_title="CRO",
        kpi_values=tuple((k, "1") for k in pilot.kpi_list),
        incidents=(),
    )
    run(lambda: services.file_return(pilot, people.bank_user, data))
    page = client.get(f"/use-cases/{pilot.id}").get_data(as_text=True)
    expected = section(page, "expected-returns")
    assert english_left(expected, allowed=("Losses avoided.",)) == []
    assert "已提交" in expected and "監管機構要求" in expected


INCIDENT = {
    "severity": "critical",
    "occurred_at": "2026-03-10T09:15",
    "description": "Cloned voice passed the screening for two calls.",
    "customers_affected": "2",
    "customer_impact": "Two transfers held.",
    "remediation": "Threshold raised; calls reviewed by hand.",
}
DATA = (*ELSEWHERE, *INCIDENT.values(), "Harbour Bank")


def test_reporting_an_incident_in_chinese(client, people: People, pilot: UseCase) -> None:  # type: ignore[no-untyped-def]
    login(client, people.bank_user)
    page = client.get(f"/use-cases/{pilot.id}/incidents/new{ZH}").get_data(as_text=True)
    assert english_left(main(page), allowed=ELSEWHERE) == []
    assert "請即時報告，毋須等待下一份進度申報表。" in page and "本地時間（香港）。" in page
    bad = client.post(
        f"/use-cases/{pilot.id}/incidents/new",
        data={**INCIDENT, "occurred_at": "2026-03-11T09:15", "description": ""},
    )
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert english_left(main(html), allowed=DATA) == []
    assert "請描述事故。" in html
    future = client.post(
        f"/use-cases/{pilot.id}/incidents/new", data={**INCIDENT, "occurred_at": "2026-03-11T09:15"}
    )
    assert future.status_code == 400
    assert "發生時間不可是將來的時間。" in future.get_data(as_text=True)
    done = client.post(f"/use-cases/{pilot.id}/incidents/new", data=INCIDENT)
    assert done.status_code == 302
    incident = db.session.scalars(sa.select(Incident)).one()
    html = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "已報告事故，並已即時通知監管機構。" in html
    assert english_left(main(html), allowed=DATA) == []
    assert f"/incidents/{incident.id}" in done.headers["Location"]
    register = client.get(f"/use-cases/{pilot.id}/incidents").get_data(as_text=True)
    assert english_left(main(register), allowed=DATA) == []
    assert "事故登記冊" in register and "單獨報告" in register
    client.post("/logout", data={})
    login(client, people.reviewer)
    client.get(f"/use-cases/{pilot.id}/incidents/{incident.id}{ZH}")  # shows "signed out"
    html = client.get(f"/use-cases/{pilot.id}/incidents/{incident.id}").get_data(as_text=True)
    assert english_left(main(html), allowed=DATA) == []
    assert "確認收悉此事故" in html and "暫停試行" in html
    suspend = client.get(f"/use-cases/{pilot.id}/incidents/{incident.id}/suspend")
    html = suspend.get_data(as_text=True)
    assert english_left(main(html), allowed=DATA) == []
    assert "因此事故暫停試行" in html
