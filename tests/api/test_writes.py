"""Writes over the API run the pages' commands: the same rules answer 422 with per-field problem
details, versions guard every change (ETag, If-Match: 409 when stale, 428 when missing), and an
Idempotency-Key makes a retried POST answer again without acting twice."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from tests import factories as f
from tests.api.conftest import Api, pilot, return_body
from tests.conftest import World, local_today
from tracker.api.jobs import KEEP_RESPONSES, purge_idempotent_responses
from tracker.api.models import IdempotentResponse
from tracker.auth.models import Role
from tracker.extensions import db, utcnow
from tracker.usecases.models import Document, Incident, Message, ProgressReturn, Stage, UseCase

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def _proposal(world: World, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "cohort_id": world.cohort.id,
        "category_id": world.category.id,
        "title": "Complaint triage assistant",
        "summary": "Sorts complaints by urgency.",
        "problem_statement": "Complaints wait too long.",
        "technique": "rag",
        "data_used": "Complaint texts.",
        "personal_data": True,
        "audience": "internal",
        "safeguards": "A person reads every triage.",
        "kpis": ["Hours to first answer", "Share triaged correctly"],
        "partner_ids": [world.partner.id],
    }
    body.update(changes)
    return body


def _count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_a_draft_is_created_edited_and_submitted_with_its_versions(world: World, api_as):
    bank: Api = api_as(world.bank_user)
    created = bank.post("/use-cases", _proposal(world))
    assert created.status_code == 201, created.json
    assert created.headers["ETag"] == '"1"'
    location = created.headers["Location"]
    assert location == f"/api/v1/use-cases/{created.json['id']}"
    assert created.json["stage"] == "draft"
    assert created.json["allowed_transitions"] == ["submit", "withdraw"]
    path = location.removeprefix("/api/v1")

    edited = bank.patch(path, {"title": "Complaint triage"}, if_match='"1"')
    assert edited.status_code == 200, edited.json
    assert edited.json["title"] == "Complaint triage"
    assert edited.json["summary"] == "Sorts complaints by urgency."  # not sent, kept
    etag = edited.headers["ETag"]
    assert etag == f'"{edited.json["version"]}"' != '"1"'

    submitted = bank.post(f"{path}/transitions/submit", {}, if_match=etag)
    assert submitted.status_code == 200, submitted.json
    assert submitted.json["stage"] == "submitted"
    history = bank.get(f"{path}/history").json
    assert [t["action"] for t in history["transitions"]] == ["create", "submit"]


def test_a_broken_rule_is_a_422_problem_with_per_field_errors(world: World, api_as):
    bank: Api = api_as(world.bank_user)
    response = bank.post("/use-cases", _proposal(world, summary=" ", kpis=[]))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.json
    assert problem["type"].endswith("#problem-rule")
    assert problem["status"] == 422
    assert problem["title"] and problem["detail"]
    assert problem["errors"] == {
        "summary": ["Give a summary."],
        "kpis": ["Give at least one KPI."],
    }


def test_invalid_json_values_are_422_problems_by_field(world: World, api_as):
    uc = pilot(world)
    bank: Api = api_as(world.bank_user)
    body = return_body(uc, rag="purple")
    body["incidents"] = [{"description": "Outage", "severity": "dire", "occurred_on": "x"}]
    response = bank.post(f"/use-cases/{uc.id}/returns", body)
    assert response.status_code == 422
    errors = response.json["errors"]
    assert set(errors) == {"rag", "incidents.0.severity", "incidents.0.occurred_on"}


def test_a_return_breaking_the_return_rules_names_the_api_fields(world: World, api_as):
    uc = pilot(world)
    bank: Api = api_as(world.bank_user)
    future = (local_today() + timedelta(days=3)).isoformat()
    body = return_body(uc, attested=False, period_end=future)
    body["kpi_values"][1]["value"] = " "
    body["incidents"] = [
        {"description": "Wrong answers", "severity": "high", "occurred_on": "2000-01-01"}
    ]
    response = bank.post(f"/use-cases/{uc.id}/returns", body)
    assert response.status_code == 422
    assert set(response.json["errors"]) == {
        "attested",
        "period_end",
        "kpi_values.1.value",
        "incidents.0.occurred_on",
    }
    assert _count(ProgressReturn) == 0


def test_a_rejection_without_a_reason_is_refused(world: World, api_as):
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.UNDER_REVIEW)
    db.session.commit()
    regulator: Api = api_as(world.reviewer)
    response = regulator.post(f"/use-cases/{uc.id}/transitions/reject", {}, if_match='"1"')
    assert response.status_code == 422
    assert response.json["errors"] == {"reason": ["Give the reason."]}


def test_a_transition_that_does_not_exist_is_404(world: World, api_as):
    uc = pilot(world)
    response = api_as(world.reviewer).post(
        f"/use-cases/{uc.id}/transitions/approve_all", {}, if_match='"1"'
    )
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_a_pilot_starts_with_its_terms_and_only_with_them(world: World, api_as):
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SELECTED)
    db.session.commit()
    regulator: Api = api_as(world.reviewer)
    path = f"/use-cases/{uc.id}/transitions/start_pilot"
    terms = {"pilot_started_on": local_today().isoformat()}
    unplanned = regulator.post(path, terms, if_match='"1"')
    assert unplanned.status_code == 422
    assert "agreed sandbox plan" in unplanned.json["errors"]["__all__"][0]
    f.create_agreed_plan(uc, world.bank_user, world.reviewer, duration_weeks=12)
    db.session.commit()
    missing = regulator.post(path, {"exit_outcome": "n/a"}, if_match='"1"')
    assert missing.status_code == 422
    assert {"pilot_started_on", "__all__"} <= set(missing.json["errors"])
    started = regulator.post(path, terms, if_match='"1"')
    assert started.status_code == 200, started.json
    assert started.json["stage"] == "pilot"
    assert started.json["pilot_duration_weeks"] == 12
    assert started.json["pilot_data_scope"] == "Hotline transcripts only."


def test_a_retried_post_with_the_same_key_files_one_return(world: World, api_as):
    uc = pilot(world)
    bank: Api = api_as(world.bank_user)
    body = return_body(uc)
    body["incidents"] = [
        {"description": "Slow answers", "severity": "low", "occurred_on": body["period_start"]}
    ]
    first = bank.post(f"/use-cases/{uc.id}/returns", body, idempotency_key="return-2026-11")
    again = bank.post(f"/use-cases/{uc.id}/returns", body, idempotency_key="return-2026-11")
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count(ProgressReturn) == 1
    assert _count(Incident) == 1


def test_the_same_key_with_another_body_is_refused(world: World, api_as):
    uc = pilot(world)
    bank: Api = api_as(world.bank_user)
    bank.post(f"/use-cases/{uc.id}/messages", {"body": "One"}, idempotency_key="k1")
    other = bank.post(f"/use-cases/{uc.id}/messages", {"body": "Two"}, idempotency_key="k1")
    assert other.status_code == 422
    assert other.json["type"].endswith("#problem-idempotency-key-reused")
    assert _count(Message) == 1


def test_keys_belong_to_their_token(world: World, api_as):
    uc = pilot(world)
    first: Api = api_as(world.bank_user)
    second: Api = api_as(world.bank_user)
    for api in (first, second):
        assert (
            api.post(
                f"/use-cases/{uc.id}/messages", {"body": "Hi"}, idempotency_key="k"
            ).status_code
            == 201
        )
    assert _count(Message) == 2


def test_a_refused_post_keeps_no_answer_and_can_be_retried(world: World, api_as):
    uc = pilot(world)
    bank: Api = api_as(world.bank_user)
    refused = bank.post(f"/use-cases/{uc.id}/messages", {"body": " "}, idempotency_key="k")
    assert refused.status_code == 422
    # The same request again runs again (nothing was done); a corrected one needs a new key.
    assert (
        bank.post(f"/use-cases/{uc.id}/messages", {"body": " "}, idempotency_key="k").status_code
        == 422
    )
    assert (
        bank.post(f"/use-cases/{uc.id}/messages", {"body": "Hi"}, idempotency_key="k2").status_code
        == 201
    )


def test_every_post_needs_an_idempotency_key(world: World, client, api_as):
    uc = pilot(world)
    bank: Api = api_as(world.bank_user)
    response = client.post(
        f"/api/v1/use-cases/{uc.id}/messages",
        json={"body": "Hi"},
        headers={"Authorization": f"Bearer {bank.token}"},
    )
    assert response.status_code == 400
    assert response.json["type"].endswith("#problem-idempotency-key-missing")
    assert _count(Message) == 0


def test_two_writers_with_the_same_etag_one_wins_one_is_told(world: World, api_as):
    draft = f.create_use_case(world.cohort, world.bank, world.category)
    db.session.commit()
    alice: Api = api_as(world.bank_user)
    colleague = f.create_user(Role.INSTITUTION, institution=world.bank)
    db.session.commit()
    bob: Api = api_as(colleague)
    etag = alice.get(f"/use-cases/{draft.id}").headers["ETag"]
    won = alice.patch(f"/use-cases/{draft.id}", {"title": "Alice's title"}, if_match=etag)
    lost = bob.patch(f"/use-cases/{draft.id}", {"title": "Bob's title"}, if_match=etag)
    assert won.status_code == 200
    assert lost.status_code == 409
    assert lost.mimetype == "application/problem+json"
    assert lost.json["type"].endswith("#problem-conflict")
    db.session.expire_all()
    assert db.session.get(UseCase, draft.id).title == "Alice's title"


def test_a_stale_transition_is_409_with_what_changed(world: World, api_as):
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    regulator: Api = api_as(world.reviewer)
    bank: Api = api_as(world.bank_user)
    assert (
        regulator.post(
            f"/use-cases/{uc.id}/transitions/start_review", {}, if_match='"1"'
        ).status_code
        == 200
    )
    stale = bank.post(
        f"/use-cases/{uc.id}/transitions/withdraw", {"reason": "Changed plans"}, if_match='"1"'
    )
    assert stale.status_code == 409
    assert stale.json["last_change"]["what"].startswith("Start review")
    db.session.expire_all()
    assert db.session.get(UseCase, uc.id).stage is Stage.UNDER_REVIEW


def test_a_write_without_if_match_where_the_version_matters_is_428(world: World, api_as):
    draft = f.create_use_case(world.cohort, world.bank, world.category)
    db.session.commit()
    bank: Api = api_as(world.bank_user)
    for response in (
        bank.patch(f"/use-cases/{draft.id}", {"title": "New"}),
        bank.post(f"/use-cases/{draft.id}/transitions/submit", {}),
    ):
        assert response.status_code == 428
        assert response.json["type"].endswith("#problem-precondition-required")
    assert db.session.get(UseCase, draft.id).stage is Stage.DRAFT


def test_a_milestone_is_added_and_updated_with_its_own_version(world: World, api_as):
    uc = pilot(world)
    regulator: Api = api_as(world.reviewer)
    body = {"title": "Go-live", "planned_on": "2030-01-01", "status": "planned"}
    added = regulator.post(f"/use-cases/{uc.id}/milestones", body)
    assert added.status_code == 201
    path = added.headers["Location"].removeprefix("/api/v1")
    done = {**body, "status": "done", "actual_on": local_today().isoformat()}
    updated = regulator.call("PUT", path, done, if_match=added.headers["ETag"])
    assert updated.status_code == 200, updated.json
    assert updated.json["status"] == "done"
    stale = regulator.call("PUT", path, body, if_match=added.headers["ETag"])
    assert stale.status_code == 409
    assert regulator.call("PUT", path, body).status_code == 428


def test_comments_and_incident_resolution(world: World, api_as):
    uc = pilot(world)
    bank: Api = api_as(world.bank_user)
    body = return_body(uc)
    body["incidents"] = [
        {"description": "Outage", "severity": "medium", "occurred_on": body["period_start"]}
    ]
    filed = bank.post(f"/use-cases/{uc.id}/returns", body).json
    regulator: Api = api_as(world.reviewer)
    comment = regulator.post(
        f"/use-cases/{uc.id}/returns/{filed['id']}/comments", {"body": "Explain the outage."}
    )
    assert comment.status_code == 201
    assert (
        bank.post(
            f"/use-cases/{uc.id}/returns/{filed['id']}/comments", {"body": "Me too"}
        ).status_code
        == 403
    )
    incident_id = filed["incidents"][0]["id"]
    resolution = {"resolved_on": body["period_end"], "resolution": "Restarted."}
    closed = bank.post(f"/use-cases/{uc.id}/incidents/{incident_id}/resolution", resolution)
    assert closed.status_code == 200
    assert closed.json["resolved_on"] == body["period_end"]
    again = bank.post(f"/use-cases/{uc.id}/incidents/{incident_id}/resolution", resolution)
    assert again.status_code == 409
    listed = bank.get(f"/use-cases/{uc.id}/returns/{filed['id']}").json
    assert listed["comments"][0]["body"] == "Explain the outage."


def test_a_document_is_uploaded_listed_and_downloaded(world: World, client, api_as):
    uc = pilot(world)
    bank: Api = api_as(world.bank_user)
    headers = {"Authorization": f"Bearer {bank.token}", "Idempotency-Key": "doc-1"}
    uploaded = client.post(
        f"/api/v1/use-cases/{uc.id}/documents",
        data={"file": (io.BytesIO(PDF), "plan.pdf"), "description": "Pilot plan"},
        headers=headers,
    )
    assert uploaded.status_code == 201, uploaded.get_data(as_text=True)
    assert uploaded.json["description"] == "Pilot plan"
    assert uploaded.json["has_scripts"] is False
    listed = bank.get(f"/use-cases/{uc.id}/documents").json
    assert [d["filename"] for d in listed] == ["plan.pdf"]
    content = bank.get(uploaded.headers["Location"].removeprefix("/api/v1"))
    assert content.status_code == 200
    assert content.data == PDF
    refused = client.post(
        f"/api/v1/use-cases/{uc.id}/documents",
        data={"file": (io.BytesIO(b"#!/bin/sh\n"), "run.pdf")},
        headers={**headers, "Idempotency-Key": "doc-2"},
    )
    assert refused.status_code == 422
    assert list(refused.json["errors"]) == ["file"]
    other: Api = api_as(world.other_bank_user)
    assert other.get(uploaded.headers["Location"].removeprefix("/api/v1")).status_code == 404
    assert _count(Document) == 1


def test_internal_notes_stay_on_the_regulator_side(world: World, api_as):
    uc = pilot(world)
    regulator: Api = api_as(world.reviewer)
    bank: Api = api_as(world.bank_user)
    regulator.post(f"/use-cases/{uc.id}/messages", {"body": "Watch them", "internal": True})
    regulator.post(f"/use-cases/{uc.id}/messages", {"body": "Hello"})
    refused = bank.post(f"/use-cases/{uc.id}/messages", {"body": "Psst", "internal": True})
    assert refused.status_code == 422
    assert list(refused.json["errors"]) == ["internal"]
    assert [m["body"] for m in bank.get(f"/use-cases/{uc.id}/messages").json] == ["Hello"]
    assert len(regulator.get(f"/use-cases/{uc.id}/messages").json) == 2


def test_the_list_pages_by_cursor_with_the_list_pages_filters(world: World, api_as):
    for n in range(5):
        f.create_use_case(
            world.cohort, world.bank, world.category, title=f"UC {n}", stage=Stage.SUBMITTED
        )
    f.create_use_case(
        world.other_cohort, world.bank, world.category, title="Elsewhere", stage=Stage.SUBMITTED
    )
    db.session.commit()
    bank: Api = api_as(world.bank_user)
    seen: list[str] = []
    path = f"/use-cases?limit=2&cohort={world.cohort.id}"
    pages = 0
    while path:
        page = bank.get(path)
        assert page.status_code == 200
        seen += [item["title"] for item in page.json["items"]]
        pages += 1
        cursor = page.json["next_cursor"]
        path = f"/use-cases?limit=2&cohort={world.cohort.id}&cursor={cursor}" if cursor else ""
        if cursor:
            assert 'rel="next"' in page.headers["Link"]
    assert pages == 3
    assert sorted(seen) == [f"UC {n}" for n in range(5)]
    assert bank.get("/use-cases?q=elsew").json["items"][0]["title"] == "Elsewhere"
    bad = bank.get("/use-cases?cursor=not-a-cursor")
    assert bad.status_code == 422
    assert list(bad.json["errors"]) == ["cursor"]


def test_a_supervisor_requests_a_report_and_fetches_it_when_ready(world: World, api_as):
    f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    supervisor: Api = api_as(world.supervisor)
    asked = supervisor.post("/reports", {"kind": "cohort", "subject_id": world.cohort.id})
    assert asked.status_code == 202, asked.json
    assert asked.json["status"] == "queued"
    status_path = asked.headers["Location"].removeprefix("/api/v1")
    # The test queue runs jobs at once, after the commit.
    done = supervisor.get(status_path).json
    assert done["status"] == "done", done
    pdf = supervisor.get(f"/reports/{done['report']['id']}/pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert api_as(world.ia_reviewer).get(status_path).status_code == 404
    assert api_as(world.bank_user).get(f"/reports/{done['report']['id']}/pdf").status_code == 404


def test_kept_answers_are_dropped_after_a_month(world: World, api_as):
    uc = pilot(world)
    bank: Api = api_as(world.bank_user)
    bank.post(f"/use-cases/{uc.id}/messages", {"body": "Old"}, idempotency_key="old")
    bank.post(f"/use-cases/{uc.id}/messages", {"body": "New"}, idempotency_key="new")
    db.session.execute(
        sa.update(IdempotentResponse)
        .where(IdempotentResponse.key == "old")
        .values(created_at=utcnow() - KEEP_RESPONSES - timedelta(minutes=1))
    )
    db.session.commit()
    assert purge_idempotent_responses() == 1
    assert db.session.scalars(sa.select(IdempotentResponse.key)).all() == ["new"]


def test_a_regulator_scores_a_proposal_and_may_then_select_it(world: World, api_as):
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.UNDER_REVIEW)
    db.session.commit()
    regulator: Api = api_as(world.reviewer)
    review = regulator.get(f"/use-cases/{uc.id}/review").json
    criteria = [c["id"] for c in review["criteria"]]
    assert len(criteria) == 4 and review["scores"] == []
    partial = regulator.call(
        "PUT",
        f"/use-cases/{uc.id}/review",
        {"scores": [{"criterion_id": criteria[0], "score": 5}]},
    )
    assert partial.status_code == 422
    assert list(partial.json["errors"]) == ["scores"]
    assert len(partial.json["errors"]["scores"]) == 3
    saved = regulator.call(
        "PUT",
        f"/use-cases/{uc.id}/review",
        {
            "scores": [{"criterion_id": c, "score": 4, "comment": "Sound"} for c in criteria],
            "overall_comment": "Select.",
        },
    )
    assert saved.status_code == 200, saved.json
    assert [s["score"] for s in saved.json["scores"]] == [4, 4, 4, 4]
    assert "select" in regulator.get(f"/use-cases/{uc.id}").json["allowed_transitions"]
    bank: Api = api_as(world.bank_user)
    assert bank.get(f"/use-cases/{uc.id}/review").status_code == 403
    assert bank.call("PUT", f"/use-cases/{uc.id}/review", {"scores": []}).status_code == 403
