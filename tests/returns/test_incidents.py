"""Incidents reported the moment they happen: the report and its rules, the response clock,
acknowledgement, the dashboard's overdue acknowledgements, suspension from the incident (linked
both ways in the history), the register with incidents of returns, and resolution."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests import factories as f
from tests.conftest import login
from tests.notifications.conftest import People, run
from tracker.extensions import db
from tracker.notifications.models import Delivery, Notification
from tracker.returns import incidents
from tracker.rules import ConflictError, NotAllowedError, RuleError
from tracker.usecases import services
from tracker.usecases.models import Incident, Rag, Severity, Stage, StageTransition, UseCase
from tracker.usecases.workspace import Scope

NOW = datetime(2026, 3, 10, 2, 0)  # 10:00 in Hong Kong


@pytest.fixture
def pilot(people: People, freeze_time) -> UseCase:  # type: ignore[no-untyped-def]
    freeze_time(NOW)
    uc = f.create_use_case(
        people.cohort,
        people.bank,
        people.category,
        stage=Stage.PILOT,
        partners=[people.partner],
        pilot_started_on=date(2026, 1, 5),
        pilot_duration_weeks=26,
        title="Voice deepfake screening",
    )
    db.session.commit()
    return uc


def form(**kw: str) -> dict[str, str]:
    return {
        "severity": "critical",
        "occurred_at": "2026-03-10T09:15",
        "description": "Cloned voice passed the screening for two calls.",
        "customers_affected": "2",
        "customer_impact": "Two transfers held.",
        "remediation": "Threshold raised; calls reviewed by hand.",
        **kw,
    }


def report(p: People, uc: UseCase, severity: Severity = Severity.CRITICAL) -> Incident:
    data = incidents.IncidentReport(
        severity=severity,
        occurred_at=NOW - timedelta(hours=1),
        description="Cloned voice passed the screening.",
        customers_affected=2,
        customer_impact="",
        remediation="",
    )
    return run(lambda: incidents.report_incident(uc, p.bank_user, data))


def test_the_bank_reports_a_critical_incident_and_the_regulator_is_told_at_once(
    client, people: People, pilot: UseCase
) -> None:  # type: ignore[no-untyped-def]
    login(client, people.bank_user)
    page = client.get(f"/use-cases/{pilot.id}").get_data(as_text=True)
    assert "Report an incident" in page
    response = client.post(f"/use-cases/{pilot.id}/incidents/new", data=form())
    assert response.status_code == 302
    incident = db.session.scalars(sa.select(Incident)).one()
    assert incident.return_id is None
    assert incident.occurred_at == datetime(2026, 3, 10, 1, 15)  # 09:15 in Hong Kong
    assert incident.occurred_on == date(2026, 3, 10)
    assert incident.reported_at == NOW and incident.reported_by_id == people.bank_user.id
    assert incident.acknowledge_by == NOW + timedelta(hours=24)
    assert incident.customers_affected == 2
    told = {
        (n.user_id, n.kind, n.delivery)
        for n in db.session.scalars(
            sa.select(Notification).where(Notification.kind == "incident_urgent")
        )
    }
    assert told == {
        (people.reviewer.id, "incident_urgent", Delivery.IMMEDIATE),
        (people.hkma_colleague.id, "incident_urgent", Delivery.IMMEDIATE),
    }
    page = client.get(f"/use-cases/{pilot.id}/incidents/{incident.id}").get_data(as_text=True)
    assert "To be acknowledged by 11 Mar 2026 10:00" in page
    assert "Acknowledge the incident" not in page and "Suspend the pilot" not in page


def test_urgent_incidents_are_told_at_once_whatever_the_user_chose(
    people: People, pilot: UseCase
) -> None:
    from tracker.notifications import services as notification_services

    with pytest.raises(RuleError):
        notification_services.set_preferences(people.reviewer, {"incident_urgent": Delivery.DIGEST})
    db.session.rollback()
    report(people, pilot, Severity.HIGH)
    delivery = db.session.scalar(
        sa.select(Notification.delivery).where(Notification.user_id == people.reviewer.id)
    )
    assert delivery is Delivery.IMMEDIATE


def test_a_report_that_breaks_a_rule_keeps_what_was_typed(
    client, people: People, pilot: UseCase
) -> None:  # type: ignore[no-untyped-def]
    login(client, people.bank_user)
    for changed, message in (
        ({"occurred_at": "2026-03-11T09:00"}, "cannot be in the future"),
        ({"occurred_at": "2026-01-01T09:00"}, "The pilot started on 05 Jan 2026"),
        ({"severity": ""}, "Give the severity of this incident."),
        ({"customers_affected": "-3"}, "Customers affected"),
    ):
        response = client.post(f"/use-cases/{pilot.id}/incidents/new", data=form(**changed))
        assert response.status_code == 400, changed
        page = response.get_data(as_text=True)
        assert message in page, changed
        assert "Threshold raised; calls reviewed by hand." in page
    assert db.session.scalars(sa.select(Incident)).all() == []


def test_only_the_institution_reports_while_the_pilot_runs(people: People, pilot: UseCase) -> None:
    data = incidents.IncidentReport(Severity.LOW, NOW, "x", None, "", "")
    for user in (people.partner_user, people.reviewer, people.other_bank_user):
        with pytest.raises(NotAllowedError):
            incidents.report_incident(pilot, user, data)
    pilot.stage = Stage.PRODUCTION
    pilot.exit_outcome = "Met."
    db.session.commit()
    with pytest.raises(NotAllowedError):
        incidents.report_incident(pilot, people.bank_user, data)


def test_a_low_incident_starts_no_clock(people: People, pilot: UseCase) -> None:
    incident = report(people, pilot, Severity.LOW)
    assert incident.acknowledge_by is None
    kinds = set(db.session.scalars(sa.select(Notification.kind)))
    assert kinds == {"incident_logged"}


def test_acknowledging_stops_the_clock_once_and_the_dashboard_shows_the_late_ones(
    client, people: People, pilot: UseCase, freeze_time
) -> None:  # type: ignore[no-untyped-def]
    incident = report(people, pilot)
    assert incidents.acknowledgements_overdue(people.reviewer, Scope(), NOW).total == 0
    freeze_time(NOW + timedelta(hours=25))
    late = incidents.acknowledgements_overdue(people.reviewer, Scope(), NOW + timedelta(hours=25))
    assert [i.id for i in late.items] == [incident.id]
    # Nobody outside the programme's remit sees it.
    assert (
        incidents.acknowledgements_overdue(
            people.ia_reviewer, Scope(), NOW + timedelta(hours=25)
        ).total
        == 0
    )
    login(client, people.reviewer)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Incidents awaiting acknowledgement" in dashboard
    assert "Critical: Cloned voice passed the screening." in dashboard
    url = f"/use-cases/{pilot.id}/incidents/{incident.id}"
    assert "Acknowledge the incident" in client.get(url).get_data(as_text=True)
    assert client.post(url + "/acknowledge", data={"note": "Calling the CRO."}).status_code == 302
    assert client.post(url + "/acknowledge", data={"note": "Again."}).status_code == 409
    db.session.expire_all()
    assert incident.acknowledged_by_id == people.reviewer.id
    assert incident.acknowledgement == "Calling the CRO."
    page = client.get(url).get_data(as_text=True)
    assert "Acknowledged 11 Mar 2026 11:00" in page and ", late)" in page
    assert "Critical: Cloned voice" not in client.get("/dashboard").get_data(as_text=True)
    told = db.session.scalars(
        sa.select(Notification.user_id).where(Notification.kind == "incident_acknowledged")
    ).all()
    assert sorted(told) == sorted([people.bank_user.id, people.bank_colleague.id])


def test_an_incident_in_a_return_is_not_acknowledged_separately(
    people: People, pilot: UseCase
) -> None:
    filed = run(
        lambda: services.file_return(
            pilot,
            people.bank_user,
            services.ReturnData(
                period_start=date(2026, 1, 5),
                period_end=date(2026, 3, 9),
                rag=Rag.AMBER,
                narrative="One incident.",
                attested_by_name="Grace Ho",
                attested_by_title="CRO",
                kpi_values=tuple((k, "1") for k in pilot.kpi_list),
                incidents=(
                    services.IncidentData(
                        "Outage", Severity.HIGH, "", "", occurred_on=date(2026, 3, 1)
                    ),
                ),
            ),
        )
    )
    in_return = filed.incidents[0]
    with pytest.raises(NotAllowedError):
        incidents.acknowledge(in_return, people.reviewer, "")
    standalone = report(people, pilot, Severity.MEDIUM)
    register = incidents.register(pilot)
    assert {i.id for i in register} == {in_return.id, standalone.id}
    assert in_return.reported_at is not None


def test_the_regulator_suspends_the_pilot_from_the_incident(
    client, people: People, pilot: UseCase
) -> None:  # type: ignore[no-untyped-def]
    incident = report(people, pilot)
    login(client, people.reviewer)
    url = f"/use-cases/{pilot.id}/incidents/{incident.id}"
    assert "Suspend the pilot" in client.get(url).get_data(as_text=True)
    assert client.get(url + "/suspend").status_code == 200
    stale = client.post(url + "/suspend", data={"version": "0", "reason": "Voice cloning."})
    assert stale.status_code == 409
    assert "Voice cloning." in stale.get_data(as_text=True)
    version = db.session.get(UseCase, pilot.id).version  # type: ignore[union-attr]
    response = client.post(url + "/suspend", data={"version": version, "reason": "Voice cloning."})
    assert response.status_code == 302
    db.session.expire_all()
    moved = db.session.scalars(
        sa.select(StageTransition).where(StageTransition.action == "suspend")
    ).one()
    assert moved.details == {"incident_id": incident.id}
    assert moved.reason == "Voice cloning."
    assert incident.suspension_id == moved.id
    assert incident.acknowledged_at == moved.at  # the suspension answers it: the clock stops
    assert db.session.get(UseCase, pilot.id).stage is Stage.SUSPENDED  # type: ignore[union-attr]
    page = client.get(url).get_data(as_text=True)
    assert "The pilot was suspended on" in page and "because of this incident" in page
    assert "Suspend the pilot</a>" not in page
    assert "Pilot suspended" in client.get(f"/use-cases/{pilot.id}/incidents").get_data(
        as_text=True
    )
    with pytest.raises(ConflictError):
        incidents.suspend_for(incident, people.reviewer, "Again.", version + 1)


def test_the_bank_resolves_an_incident_from_its_page(
    client, people: People, pilot: UseCase
) -> None:  # type: ignore[no-untyped-def]
    incident = report(people, pilot, Severity.MEDIUM)
    login(client, people.bank_user)
    url = f"/use-cases/{pilot.id}/incidents/{incident.id}/resolve"
    bad = client.post(url, data={"resolved_on": "2026-03-01", "resolution": "Patched."})
    assert bad.status_code == 400
    assert "cannot be resolved before it occurred" in bad.get_data(as_text=True)
    ok = client.post(url, data={"resolved_on": "2026-03-10", "resolution": "Patched."})
    assert ok.status_code == 302
    db.session.expire_all()
    assert incident.resolved_on == date(2026, 3, 10)
    told = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "incident_resolved")
    ).all()
    assert told and all(n.endpoint == "usecases.incident" for n in told)


def test_the_use_case_page_query_count_does_not_grow_with_incidents_and_expected_returns(
    client, people: People, pilot: UseCase
) -> None:  # type: ignore[no-untyped-def]
    from tests.usecases.test_query_counts import _queries_for
    from tracker.returns import schedule
    from tracker.returns.models import Frequency

    login(client, people.reviewer)
    report(people, pilot)
    few = _queries_for(client, f"/use-cases/{pilot.id}")
    for _ in range(4):
        report(people, pilot, Severity.HIGH)
    run(
        lambda: schedule.set_return_schedule(
            pilot, people.reviewer, schedule.ScheduleData(Frequency.MONTHLY, None)
        )
    )
    many = _queries_for(client, f"/use-cases/{pilot.id}")
    assert many == few + 1  # the schedule's setter, loaded with it
