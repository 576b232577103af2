"""The reporting schedule: its periods, the rules of setting and changing it, requests, waivers,
milestone-triggered returns, filing, the dashboard's due dates, and the pages."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from tests import factories as f
from tests.conftest import login
from tests.notifications.conftest import People, run
from tracker.extensions import db
from tracker.returns import schedule
from tracker.returns.models import (
    ExpectedReturn,
    ExpectedStatus,
    Frequency,
    ReturnSchedule,
    Source,
)
from tracker.rules import ConflictError, NotAllowedError, RuleError
from tracker.usecases import services, workspace
from tracker.usecases.models import MilestoneStatus, Rag, Stage, UseCase


@pytest.fixture
def pilot(people: People, freeze_time) -> UseCase:  # type: ignore[no-untyped-def]
    freeze_time(datetime(2026, 3, 10, 2, 0))
    uc = f.create_use_case(
        people.cohort,
        people.bank,
        people.category,
        stage=Stage.PILOT,
        pilot_started_on=date(2026, 1, 31),
        pilot_duration_weeks=26,
    )
    db.session.commit()
    return uc


def rows(uc: UseCase) -> list[tuple[date, date, date, ExpectedStatus]]:
    db.session.expire_all()
    return [
        (e.period_start, e.period_end, e.due_on, e.status) for e in schedule.expected_returns(uc)
    ]


def file(p: People, uc: UseCase, start: date, end: date) -> None:
    data = services.ReturnData(
        period_start=start,
        period_end=end,
        rag=Rag.GREEN,
        narrative="On track.",
        attested_by_name="Grace Ho",
        attested_by_title="CRO",
        kpi_values=tuple((k, "1") for k in uc.kpi_list),
        incidents=(),
    )
    run(lambda: services.file_return(uc, p.bank_user, data))


def test_monthly_periods_keep_to_the_months_end_and_stop_at_the_pilots_end(
    people: People, pilot: UseCase
) -> None:
    run(
        lambda: schedule.set_return_schedule(
            pilot, people.reviewer, schedule.ScheduleData(Frequency.MONTHLY, None)
        )
    )
    found = rows(pilot)
    assert found[:3] == [
        (date(2026, 1, 31), date(2026, 2, 27), date(2026, 3, 13), ExpectedStatus.OPEN),
        (date(2026, 2, 28), date(2026, 3, 30), date(2026, 4, 13), ExpectedStatus.OPEN),
        (date(2026, 3, 31), date(2026, 4, 29), date(2026, 5, 13), ExpectedStatus.OPEN),
    ]
    # 26 weeks from 31 January end on 31 July: the last period stops there.
    assert found[-1][:2] == (date(2026, 7, 31), date(2026, 7, 31))
    assert len(found) == 7


def test_quarterly_and_dated_schedules(people: People, pilot: UseCase) -> None:
    schedule_row = ReturnSchedule(
        frequency=Frequency.QUARTERLY,
        first_period_start=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    assert schedule.periods(schedule_row) == [
        (date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 10, 1), date(2026, 12, 31)),
    ]
    data = schedule.ScheduleData(
        Frequency.DATES,
        None,
        report_dates=(date(2026, 5, 15), date(2026, 3, 31)),
        days_to_file=10,
    )
    run(lambda: schedule.set_return_schedule(pilot, people.reviewer, data))
    assert rows(pilot) == [
        (date(2026, 1, 31), date(2026, 3, 31), date(2026, 4, 10), ExpectedStatus.OPEN),
        (date(2026, 4, 1), date(2026, 5, 15), date(2026, 5, 25), ExpectedStatus.OPEN),
    ]


def test_the_rules_of_a_schedule(people: People, pilot: UseCase) -> None:
    cases = [
        (schedule.ScheduleData(None, None), "frequency"),
        (schedule.ScheduleData(Frequency.DATES, None), "report_dates"),
        (schedule.ScheduleData(Frequency.MONTHLY, None, days_to_file=91), "days_to_file"),
        (schedule.ScheduleData(Frequency.MONTHLY, None, milestone_days=-1), "milestone_days"),
        (
            schedule.ScheduleData(Frequency.MONTHLY, None, report_dates=(date(2026, 3, 1),)),
            "report_dates",
        ),
        (
            schedule.ScheduleData(Frequency.MONTHLY, None, ends_on=date(2026, 1, 1)),
            "ends_on",
        ),
        (
            schedule.ScheduleData(Frequency.DATES, None, report_dates=(date(2027, 3, 1),)),
            "report_dates",
        ),
    ]
    for data, field in cases:
        with pytest.raises(RuleError) as refused:
            schedule.set_return_schedule(pilot, people.reviewer, data)
        assert field in refused.value.errors, data
        db.session.rollback()
    assert db.session.scalars(sa.select(ExpectedReturn)).all() == []


def test_only_the_programmes_regulator_sets_a_schedule(people: People, pilot: UseCase) -> None:
    data = schedule.ScheduleData(Frequency.MONTHLY, None)
    for user in (people.bank_user, people.partner_user, people.ia_reviewer, people.supervisor):
        with pytest.raises(NotAllowedError):
            schedule.set_return_schedule(pilot, user, data)


def test_a_stale_schedule_form_is_a_conflict(people: People, pilot: UseCase) -> None:
    data = schedule.ScheduleData(Frequency.MONTHLY, None)
    run(lambda: schedule.set_return_schedule(pilot, people.reviewer, data))
    with pytest.raises(ConflictError):
        schedule.set_return_schedule(pilot, people.hkma_colleague, data, expected_version=0)


def test_a_new_schedule_replaces_what_is_not_yet_due_and_keeps_what_is(
    people: People, pilot: UseCase, freeze_time
) -> None:  # type: ignore[no-untyped-def]
    file(people, pilot, date(2026, 1, 31), date(2026, 2, 27))
    run(
        lambda: schedule.set_return_schedule(
            pilot, people.reviewer, schedule.ScheduleData(Frequency.MONTHLY, None)
        )
    )
    first = rows(pilot)
    assert first[0][3] is ExpectedStatus.FILED  # February's period was already covered
    freeze_time(datetime(2026, 4, 20, 2, 0))  # March's (due 13 April) is overdue now
    data = schedule.ScheduleData(Frequency.QUARTERLY, date(2026, 3, 31))
    run(lambda: schedule.set_return_schedule(pilot, people.reviewer, data, expected_version=1))
    after = rows(pilot)
    assert after[0] == first[0]
    assert after[1] == first[1]  # overdue: still expected
    replaced = [e for e in schedule.expected_returns(pilot) if e.waiver == schedule.REPLACED]
    assert len(replaced) == 5 and all(e.status is ExpectedStatus.WAIVED for e in replaced)
    new = [r for r in after if r[3] is ExpectedStatus.OPEN][1:]
    assert [r[:2] for r in new] == [
        (date(2026, 3, 31), date(2026, 6, 29)),
        (date(2026, 6, 30), date(2026, 7, 31)),
    ]


def test_filing_fulfils_every_expected_return_its_period_reaches(
    people: People, pilot: UseCase
) -> None:
    run(
        lambda: schedule.set_return_schedule(
            pilot, people.reviewer, schedule.ScheduleData(Frequency.MONTHLY, None)
        )
    )
    file(people, pilot, date(2026, 1, 31), date(2026, 3, 9))
    statuses = [r[3] for r in rows(pilot)]
    assert statuses[:2] == [ExpectedStatus.FILED, ExpectedStatus.OPEN]


def test_an_ad_hoc_request_and_its_rules(people: People, pilot: UseCase) -> None:
    bad = schedule.RequestData(date(2026, 3, 1), date(2026, 2, 1), date(2026, 3, 1), "")
    with pytest.raises(RuleError) as refused:
        schedule.request_return(pilot, people.reviewer, bad)
    assert set(refused.value.errors) == {"request", "period_end", "due_on"}
    db.session.rollback()
    good = schedule.RequestData(None, date(2026, 3, 9), date(2026, 3, 20), "Fraud losses avoided.")
    expected = run(lambda: schedule.request_return(pilot, people.reviewer, good))
    assert (expected.source, expected.period_start, expected.due_on) == (
        Source.AD_HOC,
        date(2026, 1, 31),
        date(2026, 3, 20),
    )
    with pytest.raises(NotAllowedError):
        schedule.request_return(pilot, people.bank_user, good)


def test_a_milestone_reached_makes_a_return_due_once(people: People, pilot: UseCase) -> None:
    data = schedule.ScheduleData(Frequency.QUARTERLY, None, milestone_days=5)
    run(lambda: schedule.set_return_schedule(pilot, people.reviewer, data))
    uc = db.session.get(UseCase, pilot.id)
    assert uc is not None

    def save(status: MilestoneStatus, actual: date | None, milestone=None):  # type: ignore[no-untyped-def]
        return run(
            lambda: services.save_milestone(
                uc,
                milestone,
                user=people.reviewer,
                title="Bias audit",
                planned_on=date(2026, 3, 1),
                actual_on=actual,
                status=status,
                expected_version=milestone.version if milestone else 0,
            )
        )

    milestone = save(MilestoneStatus.IN_PROGRESS, None)
    assert not [e for e in schedule.expected_returns(uc) if e.source is Source.MILESTONE]
    milestone = save(MilestoneStatus.DONE, date(2026, 3, 5), milestone)
    save(MilestoneStatus.DONE, date(2026, 3, 5), db.session.get(type(milestone), milestone.id))
    triggered = [e for e in schedule.expected_returns(uc) if e.source is Source.MILESTONE]
    assert [(e.period_end, e.due_on, e.milestone_id) for e in triggered] == [
        (date(2026, 3, 5), date(2026, 3, 10), milestone.id)
    ]


def test_the_dashboard_follows_the_schedule(people: People, pilot: UseCase, freeze_time) -> None:  # type: ignore[no-untyped-def]
    everything = workspace.Scope()
    today = date(2026, 3, 10)
    # No schedule: due 30 days (the cohort's interval) after the pilot started, 2 March.
    due = workspace.returns_due(people.reviewer, everything, today)
    assert [(d.use_case.id, d.due_on) for d in due.items] == [(pilot.id, date(2026, 3, 2))]
    run(
        lambda: schedule.set_return_schedule(
            pilot, people.reviewer, schedule.ScheduleData(Frequency.MONTHLY, None)
        )
    )
    assert workspace.returns_due(people.reviewer, everything, today).items == []
    later = workspace.returns_due(people.reviewer, everything, date(2026, 3, 14))
    assert [d.due_on for d in later.items] == [date(2026, 3, 13)]


def test_the_regulator_sets_the_schedule_on_its_page_and_the_bank_sees_it(
    client, people: People, pilot: UseCase
) -> None:  # type: ignore[no-untyped-def]
    login(client, people.reviewer)
    page = client.get(f"/use-cases/{pilot.id}")
    assert "Set a reporting schedule" in page.get_data(as_text=True)
    form = {
        "version": "0",
        "frequency": "monthly",
        "first_period_start": "",
        "days_to_file": "14",
        "report_dates": "",
        "milestone_days": "",
        "ends_on": "",
    }
    response = client.post(f"/use-cases/{pilot.id}/schedule", data=form)
    assert response.status_code == 302
    # The same form sent again, with the version it was opened at: 409, input kept.
    stale = client.post(f"/use-cases/{pilot.id}/schedule", data={**form, "days_to_file": "21"})
    assert stale.status_code == 409
    assert 'value="21"' in stale.get_data(as_text=True)
    bad = client.post(
        f"/use-cases/{pilot.id}/schedule",
        data={**form, "version": "1", "frequency": "dates", "report_dates": "31/03/2026"},
    )
    assert bad.status_code == 400
    assert "is not a date" in bad.get_data(as_text=True)
    client.post("/logout", data={})
    login(client, people.bank_user)
    page = client.get(f"/use-cases/{pilot.id}").get_data(as_text=True)
    assert "Monthly from 31 Jan 2026, each return due 14 days after its period" in page
    assert "13 Mar 2026" in page and "Due soon" in page
    assert "Set a reporting schedule" not in page and "Waive" not in page


def test_the_regulator_asks_for_a_return_and_waives_one_on_the_page(
    client, people: People, pilot: UseCase
) -> None:  # type: ignore[no-untyped-def]
    login(client, people.reviewer)
    response = client.post(
        f"/use-cases/{pilot.id}/expected-returns/request",
        data={
            "request": "Losses avoided in February.",
            "period_start": "",
            "period_end": "2026-02-28",
            "due_on": "2026-03-01",
        },
    )
    assert response.status_code == 400  # due in the past
    assert "Losses avoided in February." in response.get_data(as_text=True)
    response = client.post(
        f"/use-cases/{pilot.id}/expected-returns/request",
        data={
            "request": "Losses avoided in February.",
            "period_start": "",
            "period_end": "2026-02-28",
            "due_on": "2026-03-20",
        },
    )
    assert response.status_code == 302
    expected = db.session.scalars(sa.select(ExpectedReturn)).one()
    url = f"/use-cases/{pilot.id}/expected-returns/{expected.id}/waive"
    assert client.post(url, data={"version": "1", "reason": "Covered."}).status_code == 302
    # Waived already: the second, from a page opened before, is a conflict.
    assert client.post(url, data={"version": "1", "reason": "Covered."}).status_code == 409
    db.session.expire_all()
    assert expected.status is ExpectedStatus.WAIVED and expected.waiver == "Covered."


def test_the_return_form_lists_what_is_expected(client, people: People, pilot: UseCase) -> None:  # type: ignore[no-untyped-def]
    request = schedule.RequestData(None, date(2026, 3, 9), date(2026, 3, 20), "Losses avoided.")
    run(lambda: schedule.request_return(pilot, people.reviewer, request))
    login(client, people.bank_user)
    page = client.get(f"/use-cases/{pilot.id}/returns/new").get_data(as_text=True)
    assert "The regulator expects these returns." in page
    assert "31 Jan 2026 – 09 Mar 2026, due 20 Mar 2026 (requested by the regulator)" in page
    assert "Losses avoided." in page


def test_a_first_schedule_starts_from_the_plans_reporting_schedule(
    client, people: People, pilot: UseCase
) -> None:  # type: ignore[no-untyped-def]
    """The sandbox plan's reporting schedule feeds the schedule form: a fortnightly plan with 10
    days to file offers dates every 14 days from the pilot's start, which staff then save."""
    from tracker.plans.models import ReportingFrequency

    f.create_agreed_plan(
        pilot,
        people.bank_user,
        people.reviewer,
        report_frequency=ReportingFrequency.FORTNIGHTLY,
        report_due_days=10,
    )
    db.session.commit()
    login(client, people.reviewer)
    page = client.get(f"/use-cases/{pilot.id}/schedule").get_data(as_text=True)
    assert 'value="10"' in page
    assert 'value="dates" selected' in page or 'selected value="dates"' in page
    assert "13/02/2026" in page or "2026-02-13" in page  # 31 Jan + 13 days
