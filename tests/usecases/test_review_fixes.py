"""Rules found in review: what a proposal keeps, what a return may report, who may act."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from tests import factories as f
from tests.conftest import World, login
from tests.usecases.helpers import proposal_form
from tracker.extensions import db
from tracker.programmes.models import CohortStatus
from tracker.usecases import workflow
from tracker.usecases.models import FieldChange, Incident, ProgressReturn, Stage, UseCase


def _pilot_from_40_days_ago(world: World) -> UseCase:
    uc = f.create_use_case(
        world.cohort,
        world.bank,
        world.category,
        stage=Stage.PILOT,
        pilot_started_on=date.today() - timedelta(days=40),
    )
    db.session.commit()
    return uc


def _pilot_filed_by_bank(client, world: World) -> UseCase:  # type: ignore[no-untyped-def]
    """A pilot that began 40 days ago, with its bank's user signed in."""
    uc = _pilot_from_40_days_ago(world)
    login(client, world.bank_user)
    return uc


def _return_form(**overrides: str) -> dict[str, str]:
    today = date.today()
    data = {
        "period_start": (today - timedelta(days=30)).isoformat(),
        "period_end": today.isoformat(),
        "rag": "green",
        "narrative": "On track.",
        "kpi_0": "10",
        "kpi_1": "2%",
        "attested_by_name": "Mary Chan",
        "attested_by_title": "Chief Risk Officer",
        "attest": "y",
    }
    data.update(overrides)
    return data


def test_a_submitted_proposal_cannot_move_to_another_programme(client, world: World):
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.CHANGES_REQUESTED)
    world.other_cohort.status = CohortStatus.OPEN
    db.session.commit()
    login(client, world.bank_user)
    page = client.get(f"/use-cases/{uc.id}/edit").get_data(as_text=True)
    assert f'value="{world.other_cohort.id}"' not in page
    form = proposal_form(world, cohort_id=world.other_cohort.id, version=uc.version)
    response = client.post(f"/use-cases/{uc.id}/edit", data=form)
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(UseCase, uc.id).cohort_id == world.cohort.id  # type: ignore[union-attr]


def test_a_draft_may_move_to_another_open_cohort(client, world: World):
    uc = f.create_use_case(world.cohort, world.bank, world.category)
    db.session.commit()
    login(client, world.bank_user)
    form = proposal_form(world, cohort_id=world.other_cohort.id, version=uc.version)
    assert client.post(f"/use-cases/{uc.id}/edit", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(UseCase, uc.id).cohort_id == world.other_cohort.id  # type: ignore[union-attr]


def test_editing_keeps_an_inactive_category_and_partner(client, world: World):
    uc = f.create_use_case(world.cohort, world.bank, world.category, partners=[world.partner])
    world.category.active = False
    world.partner.active = False
    f.create_category("Aardvark")
    db.session.commit()
    login(client, world.bank_user)
    page = client.get(f"/use-cases/{uc.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{world.category.id}">Anti-fraud</option>' in page
    assert "Kowloon AI Labs" in page


def test_a_return_cannot_report_on_the_future_or_before_the_pilot(client, world: World):
    uc = _pilot_filed_by_bank(client, world)
    future = _return_form(period_end=(date.today() + timedelta(days=400)).isoformat())
    response = client.post(f"/use-cases/{uc.id}/returns/new", data=future)
    assert "The period cannot end in the future." in response.get_data(as_text=True)
    early = _return_form(period_start=(date.today() - timedelta(days=90)).isoformat())
    response = client.post(f"/use-cases/{uc.id}/returns/new", data=early)
    assert "The period starts on or after" in response.get_data(as_text=True)
    assert db.session.query(ProgressReturn).count() == 0
    ok = _return_form(
        **{
            "incident_0-description": "Outage for an hour.",
            "incident_0-severity": "medium",
            "incident_0-occurred_on": (date.today() - timedelta(days=3)).isoformat(),
        }
    )
    assert client.post(f"/use-cases/{uc.id}/returns/new", data=ok).status_code == 302
    incident = db.session.scalars(sa.select(Incident)).one()
    assert incident.occurred_on == date.today() - timedelta(days=3)


def test_users_of_a_deactivated_institution_can_read_but_not_act(client, world: World):
    uc = f.create_use_case(world.cohort, world.bank, world.category)
    world.bank.active = False
    db.session.commit()
    assert workflow.allowed_transitions(uc, world.bank_user) == []
    login(client, world.bank_user)
    assert client.get(f"/use-cases/{uc.id}").status_code == 200
    assert client.get(f"/use-cases/{uc.id}/edit").status_code == 403
    assert client.get(f"/use-cases/{uc.id}/actions/submit").status_code == 403


def test_closed_use_cases_have_no_overdue_milestones(world: World):
    from tracker.usecases.workspace import Scope, overdue_milestones

    live = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.PILOT)
    closed = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.DISCONTINUED)
    for uc in (live, closed):
        f.create_milestone(uc, title=f"Late {uc.id}", planned_on=date(2020, 1, 1))
    db.session.commit()
    late = overdue_milestones(world.reviewer, Scope(), date.today())
    assert [m.use_case_id for m in late.items] == [live.id]


def test_an_incident_is_resolved_once_with_its_date_and_note(client, world: World):
    uc = _pilot_filed_by_bank(client, world)
    occurred = date.today() - timedelta(days=5)
    form = _return_form(
        **{
            "incident_0-description": "Chatbot quoted a wrong fee.",
            "incident_0-severity": "high",
            "incident_0-occurred_on": occurred.isoformat(),
        }
    )
    assert client.post(f"/use-cases/{uc.id}/returns/new", data=form).status_code == 302
    incident = db.session.scalars(sa.select(Incident)).one()
    url = f"/use-cases/{uc.id}/returns/{incident.return_id}/incidents/{incident.id}/resolve"
    prefix = f"incident-{incident.id}-"
    too_early = {
        prefix + "resolved_on": (occurred - timedelta(days=1)).isoformat(),
        prefix + "resolution": "Fee table corrected.",
    }
    response = client.post(url, data=too_early)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "cannot be resolved before it occurred" in page
    assert "Fee table corrected." in page
    ok = {prefix + "resolved_on": date.today().isoformat(), prefix + "resolution": "Fixed."}
    assert client.post(url, data=ok).status_code == 302
    db.session.expire_all()
    incident = db.session.get(Incident, incident.id)
    assert incident is not None
    assert (incident.resolved_on, incident.resolution, incident.resolved_by_id) == (
        date.today(),
        "Fixed.",
        world.bank_user.id,
    )
    # A second resolution (another tab, a colleague) is a conflict: the first note stands and
    # the second is kept in the form.
    again = client.post(url, data={**ok, prefix + "resolution": "Fixed, second note."})
    assert again.status_code == 409
    assert "Fixed, second note." in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).resolution == "Fixed."
    client.post("/logout", data={})
    login(client, world.other_bank_user)
    assert client.post(url, data=ok).status_code == 404


def test_an_incident_needs_its_severity_and_a_date_not_in_the_future(client, world: World):
    uc = _pilot_filed_by_bank(client, world)
    url = f"/use-cases/{uc.id}/returns/new"
    no_severity = _return_form(**{"incident_0-description": "Outage."})
    response = client.post(url, data=no_severity)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Give the severity of this incident." in page
    assert "Give the date the incident occurred." in page
    future = _return_form(
        **{
            "incident_0-description": "Outage.",
            "incident_0-severity": "low",
            "incident_0-occurred_on": (date.today() + timedelta(days=30)).isoformat(),
        }
    )
    assert "The date cannot be in the future." in client.post(url, data=future).get_data(
        as_text=True
    )
    assert db.session.query(ProgressReturn).count() == 0


def test_the_next_return_starts_the_day_after_the_last(client, world: World):
    today = date.today()
    uc = f.create_use_case(
        world.cohort,
        world.bank,
        world.category,
        stage=Stage.PILOT,
        pilot_started_on=today - timedelta(days=40),
    )
    db.session.commit()
    login(client, world.bank_user)
    first = _return_form(
        period_start=(today - timedelta(days=40)).isoformat(),
        period_end=(today - timedelta(days=10)).isoformat(),
    )
    assert client.post(f"/use-cases/{uc.id}/returns/new", data=first).status_code == 302
    page = client.get(f"/use-cases/{uc.id}/returns/new").get_data(as_text=True)
    assert f'value="{(today - timedelta(days=9)).isoformat()}"' in page
    overlap = _return_form(period_start=(today - timedelta(days=10)).isoformat())
    response = client.post(f"/use-cases/{uc.id}/returns/new", data=overlap)
    assert "The period starts on or after" in response.get_data(as_text=True)


def test_no_return_before_the_pilot_has_begun(client, world: World):
    uc = f.create_use_case(
        world.cohort,
        world.bank,
        world.category,
        stage=Stage.PILOT,
        pilot_started_on=date.today() + timedelta(days=7),
    )
    db.session.commit()
    login(client, world.bank_user)
    page = client.get(f"/use-cases/{uc.id}").get_data(as_text=True)
    assert "File progress return" not in page
    assert "it can be filed from that day" in page
    assert client.get(f"/use-cases/{uc.id}/returns/new").status_code == 403


def test_a_pilot_cannot_start_before_its_selection(client, world: World):
    from tests.usecases.helpers import act

    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SELECTED)
    f.create_agreed_plan(uc, world.bank_user, world.reviewer)
    db.session.commit()
    login(client, world.reviewer)
    response = act(client, uc.id, "start_pilot", pilot_started_on="2020-01-01")
    assert response.status_code == 200
    assert "The pilot cannot start before the use case was selected" in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(UseCase, uc.id).stage is Stage.SELECTED  # type: ignore[union-attr]


def test_no_messages_on_a_draft(client, world: World):
    uc = f.create_use_case(world.cohort, world.bank, world.category)
    db.session.commit()
    login(client, world.bank_user)
    assert 'name="body"' not in client.get(f"/use-cases/{uc.id}").get_data(as_text=True)
    assert client.post(f"/use-cases/{uc.id}/messages", data={"body": "Hi"}).status_code == 403


def test_a_deactivated_institution_loses_the_new_proposal_menu(client, world: World):
    world.bank.active = False
    db.session.commit()
    login(client, world.bank_user)
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/use-cases/new"' not in page
    assert "is no longer active in the tracker" in page


def test_browser_line_breaks_do_not_count_as_edits(client, world: World):
    uc = f.create_use_case(
        world.cohort, world.bank, world.category, stage=Stage.CHANGES_REQUESTED, kpis="A\nB"
    )
    db.session.commit()
    login(client, world.bank_user)
    form = proposal_form(world, title=uc.title, kpis="A\r\nB", version=uc.version)
    form.update(
        summary=uc.summary,
        problem_statement=uc.problem_statement,
        data_used=uc.data_used,
        safeguards="Changed safeguards.",
        technique=uc.technique.value,
        audience=uc.audience.value,
        partner_ids=[],
        gpu_hours="",
    )
    form.pop("personal_data")
    assert client.post(f"/use-cases/{uc.id}/edit", data=form).status_code == 302
    fields = {
        c.field
        for c in db.session.scalars(sa.select(FieldChange).where(FieldChange.use_case_id == uc.id))
    }
    assert fields == {"safeguards"}


def test_institutions_propose_only_into_programmes_covering_their_sector(client, world: World):
    from tracker.auth.models import Role
    from tracker.institutions.models import InstitutionKind

    broker = f.create_institution(world.sfc, InstitutionKind.SECURITIES, name="Peak Securities")
    broker_user = f.create_user(Role.INSTITUTION, institution=broker)
    db.session.commit()
    login(client, broker_user)
    # The world's programme covers banking only.
    page = client.get("/use-cases/new").get_data(as_text=True)
    assert "No cohort is open to you" in page
    world.programme.sectors = ["banking", "securities"]
    db.session.commit()
    page = client.get("/use-cases/new").get_data(as_text=True)
    assert f'value="{world.cohort.id}"' in page


def test_a_milestone_conflict_shows_the_current_values_and_can_be_resolved(client, world: World):
    from tracker.usecases import services
    from tracker.usecases.models import Milestone, MilestoneStatus

    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.PILOT)
    milestone = services.save_milestone(
        uc,
        None,
        user=world.reviewer,
        title="Validation",
        planned_on=uc.pilot_started_on,
        actual_on=None,
        status=MilestoneStatus.PLANNED,
    )
    db.session.commit()
    login(client, world.reviewer)
    url = f"/use-cases/{uc.id}/milestones/{milestone.id}"
    base = {"planned_on": "2026-01-10", "status": "in_progress", "version": "1"}
    assert client.post(url, data={**base, "title": "Theirs"}).status_code == 302
    response = client.post(url, data={**base, "title": "Mine"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Recorded now: <span" in page and "Theirs" in page
    assert 'name="version" type="hidden" value="2"' in page
    assert client.post(url, data={**base, "title": "Mine", "version": "2"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Milestone, milestone.id).title == "Mine"  # type: ignore[union-attr]


def test_a_blank_incident_row_is_ignored_and_incidents_belong_to_the_pilot(client, world: World):
    uc = _pilot_filed_by_bank(client, world)
    url = f"/use-cases/{uc.id}/returns/new"
    before_pilot = _return_form(
        **{
            "incident_0-description": "Old problem.",
            "incident_0-severity": "low",
            "incident_0-occurred_on": "2001-01-01",
        }
    )
    assert "an incident of the pilot cannot be earlier" in client.post(
        url, data=before_pilot
    ).get_data(as_text=True)
    blank_row_with_date = _return_form(
        **{"incident_1-occurred_on": (date.today() + timedelta(days=3)).isoformat()}
    )
    assert client.post(url, data=blank_row_with_date).status_code == 302


def test_open_incidents_are_listed_before_production_is_approved(client, world: World):
    uc = _pilot_filed_by_bank(client, world)
    form = _return_form(
        **{
            "incident_0-description": "Wrong fee quoted to a customer.",
            "incident_0-severity": "high",
            "incident_0-occurred_on": (date.today() - timedelta(days=2)).isoformat(),
        }
    )
    assert client.post(f"/use-cases/{uc.id}/returns/new", data=form).status_code == 302
    client.post("/logout", data={})
    login(client, world.reviewer)
    page = client.get(f"/use-cases/{uc.id}/actions/approve_production").get_data(as_text=True)
    assert "1 incident still open" in page and "Wrong fee quoted to a customer." in page
    page = client.get(f"/use-cases/{uc.id}/actions/suspend").get_data(as_text=True)
    assert "still open" not in page
