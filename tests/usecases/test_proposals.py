"""Drafting, editing and the forms that drive the workflow."""

from __future__ import annotations

import sqlalchemy as sa

from tests import factories as f
from tests.conftest import World, login
from tests.usecases.helpers import act, proposal_form
from tracker.extensions import db
from tracker.programmes.models import CohortStatus
from tracker.usecases.models import FieldChange, Stage, StageTransition, UseCase


def test_missing_fields_are_explained_and_input_kept(client, world: World):
    login(client, world.bank_user)
    response = client.post(
        "/use-cases/new", data=proposal_form(world, summary="", title="我的提案 <b>bold</b>")
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="summary-error"' in page
    assert "我的提案 &lt;b&gt;bold&lt;/b&gt;" in page
    assert db.session.query(UseCase).count() == 0


def test_draft_edits_are_not_history_but_resubmission_edits_are(client, world: World):
    login(client, world.bank_user)
    response = client.post("/use-cases/new", data=proposal_form(world))
    uc_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    form = proposal_form(world, title="Renamed while a draft", version=1)
    assert client.post(f"/use-cases/{uc_id}/edit", data=form).status_code == 302
    assert db.session.query(FieldChange).count() == 0
    assert act(client, uc_id, "submit").status_code == 302
    assert client.get(f"/use-cases/{uc_id}/edit").status_code == 403


def test_partner_names_and_enum_labels_are_recorded(client, world: World):
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.CHANGES_REQUESTED)
    db.session.commit()
    login(client, world.bank_user)
    form = proposal_form(world, title=uc.title, technique="rag", partner_ids=[world.partner.id])
    form["version"] = uc.version
    assert client.post(f"/use-cases/{uc.id}/edit", data=form).status_code == 302
    changes = {
        c.field: (c.old_value, c.new_value)
        for c in db.session.scalars(sa.select(FieldChange).where(FieldChange.use_case_id == uc.id))
    }
    assert changes["partners"] == ("", "Kowloon AI Labs")
    assert changes["audience"] == ("Internal", "Customer-facing")
    assert "technique" not in changes


def test_closed_cohort_cannot_take_new_proposals(client, world: World):
    world.cohort.status = CohortStatus.SELECTION
    world.other_cohort.status = CohortStatus.CLOSED
    db.session.commit()
    login(client, world.bank_user)
    page = client.get("/use-cases/new").get_data(as_text=True)
    assert "No cohort is open to you" in page


def test_reason_is_required_where_the_table_says_so(client, world: World):
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.UNDER_REVIEW)
    db.session.commit()
    login(client, world.reviewer)
    response = act(client, uc.id, "reject", reason="  ")
    assert response.status_code == 200
    assert "Give the reason." in response.get_data(as_text=True)
    response = act(client, uc.id, "reject", reason="Out of scope for this cohort.")
    assert response.status_code == 302
    row = db.session.scalars(
        sa.select(StageTransition).where(StageTransition.action == "reject")
    ).one()
    assert (row.from_stage, row.to_stage, row.reason) == (
        Stage.UNDER_REVIEW,
        Stage.REJECTED,
        "Out of scope for this cohort.",
    )


def test_pilot_terms_are_required(client, world: World):
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SELECTED)
    f.create_agreed_plan(uc, world.bank_user, world.reviewer)
    db.session.commit()
    login(client, world.reviewer)
    response = act(client, uc.id, "start_pilot")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="pilot_started_on-error"' in page
    db.session.expire_all()
    assert db.session.get(UseCase, uc.id).stage is Stage.SELECTED  # type: ignore[union-attr]


def test_regulator_outside_the_programme_cannot_act(client, world: World):
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    login(client, world.ia_reviewer)
    assert act(client, uc.id, "start_review").status_code == 404
    db.session.expire_all()
    assert db.session.get(UseCase, uc.id).stage is Stage.SUBMITTED  # type: ignore[union-attr]


def test_a_supervisor_can_read_but_not_act(client, world: World):
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    login(client, world.supervisor)
    assert client.get(f"/use-cases/{uc.id}").status_code == 200
    assert act(client, uc.id, "start_review").status_code == 403


def test_milestones_and_return_comments(client, world: World):
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.PILOT)
    db.session.commit()
    login(client, world.reviewer)
    response = client.post(
        f"/use-cases/{uc.id}/milestones/new",
        data={"title": "Model validation", "planned_on": "2026-03-01", "status": "done"},
    )
    assert response.status_code == 200
    assert "Give the date the milestone was reached." in response.get_data(as_text=True)
    response = client.post(
        f"/use-cases/{uc.id}/milestones/new",
        data={
            "title": "Model validation",
            "planned_on": "2026-03-01",
            "actual_on": "2026-03-03",
            "status": "done",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/use-cases/{uc.id}").get_data(as_text=True)
    assert "Model validation" in page
