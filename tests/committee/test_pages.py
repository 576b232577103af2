"""The committee's pages over HTTP: declaring before seeing, scoring beside the rubric, blind
scoring and recusal on the use case's page, the lead's set-up, weights, assignment, spread and
slate, a participating regulator's determination, and the applicant's feedback. Bad input is
refused with its message, what was typed is kept and nothing is saved."""

from __future__ import annotations

import html

import sqlalchemy as sa
from flask.testing import FlaskClient

from tests import factories as f
from tests.committee.conftest import Panel, declare_none, run, scores_for
from tests.conftest import login
from tracker.committee import services
from tracker.committee.models import Assignment, Committee, Declaration, SlateEntry
from tracker.extensions import db
from tracker.notifications.models import Notification
from tracker.programmes.models import SelectionCriterion
from tracker.usecases import services as usecase_services
from tracker.usecases.models import Review, Stage, UseCase


def switch(client: FlaskClient, user: object) -> None:
    """Sign out, then in as someone else."""
    client.post("/logout")
    login(client, user)  # type: ignore[arg-type]


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def test_the_expert_declares_before_the_proposal_is_shown(client: FlaskClient, panel: Panel):
    switch(client, panel.expert)
    page = _text(client.get(f"/committee/assignments/{panel.pending.id}/declare"))
    assert panel.uc2.title in page
    assert panel.uc2.summary not in page  # not before the declaration
    # Straight to the scoring page: sent back to declare, nothing shown.
    response = client.get(f"/committee/assignments/{panel.pending.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/declare")
    response = client.post(
        f"/committee/assignments/{panel.pending.id}/declare", data={"conflict": "no"}
    )
    assert response.status_code == 302
    page = _text(client.get(f"/committee/assignments/{panel.pending.id}"))
    assert panel.uc2.summary in page
    assert "Weak." in page and "Excellent." in page  # the rubric beside the form


def test_scoring_without_a_declaration_over_http_is_refused(client: FlaskClient, panel: Panel):
    switch(client, panel.expert)
    data = {f"score_{c.id}": "4" for c in panel.uc2.cohort.criteria}
    response = client.post(f"/committee/assignments/{panel.pending.id}", data=data)
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0
    page = _text(client.get(response.headers["Location"]))
    assert "Declare whether you have a conflict of interest before scoring" in page


def test_a_conflict_without_a_note_is_refused_with_the_input_kept(
    client: FlaskClient, panel: Panel
):
    switch(client, panel.expert)
    response = client.post(
        f"/committee/assignments/{panel.pending.id}/declare",
        data={"conflict": "yes", "conflict_with": "institution", "note": ""},
    )
    assert response.status_code == 400
    assert "Describe the conflict." in _text(response)
    assert 'value="institution" checked' in _text(response) or "checked" in _text(response)
    db.session.expire_all()
    assert db.session.get(Assignment, panel.pending.id).declaration is Declaration.PENDING


def test_the_expert_scores_beside_the_proposal(client: FlaskClient, panel: Panel):
    switch(client, panel.expert)
    data = {f"score_{c.id}": "5" for c in panel.uc.cohort.criteria}
    data["version"] = str(panel.uc.version)
    response = client.post(f"/committee/assignments/{panel.cleared.id}", data=data)
    assert response.status_code == 302
    review = db.session.scalar(sa.select(Review).where(Review.reviewer_id == panel.expert.id))
    assert review is not None and review.total == 20
    missing = client.post(f"/committee/assignments/{panel.cleared.id}", data={})
    assert missing.status_code == 400
    assert "Score this criterion from 1 to 5." in _text(missing)


def test_blind_scoring_and_recusal_on_the_use_case_page(client: FlaskClient, panel: Panel):
    run(
        lambda: usecase_services.save_review(
            panel.uc, panel.expert, scores_for(panel.uc, 5), "Excellent fit."
        )
    )
    declare_none(panel.colleague, panel.colleague_on_uc)
    switch(client, panel.colleague)
    page = _text(client.get(f"/use-cases/{panel.uc.id}"))
    assert "Excellent fit." not in page
    assert "Scoring is blind" in page
    run(lambda: usecase_services.save_review(panel.uc, panel.colleague, scores_for(panel.uc), ""))
    page = _text(client.get(f"/use-cases/{panel.uc.id}"))
    assert "Excellent fit." in page
    # The chair, not assigned, sees the scores and the declarations.
    switch(client, panel.world.reviewer)
    page = _text(client.get(f"/use-cases/{panel.uc.id}"))
    assert "Excellent fit." in page and "No conflict" in page


def test_a_recused_reviewer_does_not_see_the_scores(client: FlaskClient, panel: Panel):
    run(
        lambda: usecase_services.save_review(
            panel.uc, panel.expert, scores_for(panel.uc, 5), "Excellent fit."
        )
    )
    run(
        lambda: services.declare(
            panel.colleague,
            panel.colleague_on_uc,
            services.DeclarationData(True, services.ConflictWith.INSTITUTION, note="Ex-employer"),
        )
    )
    switch(client, panel.colleague)
    page = _text(client.get(f"/use-cases/{panel.uc.id}"))
    assert "Excellent fit." not in page
    assert "You are recused from this proposal" in page
    # The use case's scoring page sends an assigned member to the committee's, which says so.
    response = client.get(f"/use-cases/{panel.uc.id}/review")
    assert response.headers["Location"].endswith(
        f"/committee/assignments/{panel.colleague_on_uc.id}"
    )
    assert "are recused from this proposal" in _text(client.get(response.headers["Location"]))


def test_set_up_refuses_a_quorum_larger_than_the_committee(client: FlaskClient, panel: Panel):
    switch(client, panel.world.reviewer)
    url = f"/committee/cohorts/{panel.world.cohort.id}/setup"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        data={
            "member_ids": [panel.world.reviewer.id, panel.expert.id, panel.colleague.id,
                           panel.partner_expert.id],
            "quorum": "9",
            "review_days": "10",
        },
    )  # fmt: skip
    assert response.status_code == 400
    assert "The quorum (9) cannot be larger than the committee (4 members)." in _text(response)
    assert 'value="9"' in _text(response)
    db.session.expire_all()
    assert db.session.scalar(sa.select(Committee.quorum)) == 2


def test_weights_summing_to_zero_are_refused_on_the_page(client: FlaskClient, panel: Panel):
    switch(client, panel.world.reviewer)
    criteria = panel.world.cohort.criteria
    data = {f"weight_{c.id}": "0" for c in criteria}
    data[f"rubric_5_{criteria[0].id}"] = "Typed and kept"
    response = client.post(f"/committee/cohorts/{panel.world.cohort.id}/criteria", data=data)
    assert response.status_code == 400
    assert "The weights sum to zero" in _text(response)
    assert "Typed and kept" in _text(response)
    db.session.expire_all()
    assert set(db.session.scalars(sa.select(SelectionCriterion.weight))) == {1}


def test_assigning_an_expert_to_their_own_partners_proposal_is_refused_on_the_page(
    client: FlaskClient, panel: Panel
):
    switch(client, panel.world.reviewer)
    url = f"/committee/cohorts/{panel.world.cohort.id}/assign"
    assert panel.uc.title in _text(client.get(f"{url}?use_case_id={panel.uc.id}"))
    response = client.post(
        url, data={"use_case_id": panel.uc.id, "reviewer_ids": [panel.partner_expert.id]}
    )
    assert response.status_code == 400
    assert "nobody reviews their own organisation's proposal" in _text(response)
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 3


def test_spread_over_the_page(client: FlaskClient, panel: Panel):
    f.create_use_case(
        panel.world.cohort, panel.world.bank, panel.world.category, stage=Stage.SUBMITTED
    )
    db.session.commit()
    switch(client, panel.world.reviewer)
    response = client.post(
        f"/committee/cohorts/{panel.world.cohort.id}/spread", data={"per_proposal": "2"}
    )
    assert response.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 6


def test_a_refused_spread_keeps_the_number_and_says_why(client: FlaskClient, panel: Panel):
    switch(client, panel.world.reviewer)
    before = db.session.scalar(sa.select(sa.func.count(Assignment.id)))
    url = f"/committee/cohorts/{panel.world.cohort.id}/spread"
    for typed in ("0", "99", "two"):
        response = client.post(url, data={"per_proposal": typed})
        assert response.status_code == 400, typed
        page = response.get_data(as_text=True)
        assert f'value="{typed}"' in page, typed
        assert 'id="per_proposal-error"' in page and 'aria-invalid="true"' in page, typed
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == before


def _quorum(panel: Panel, use_case: UseCase) -> None:
    for member in (panel.expert, panel.colleague):
        assignment = (
            db.session.scalar(
                sa.select(Assignment).where(
                    Assignment.use_case_id == use_case.id, Assignment.reviewer_id == member.id
                )
            )
            or run(lambda m=member: services.assign(panel.world.reviewer, use_case, (m.id,)))[0]
        )
        if not assignment.declared:
            declare_none(member, assignment)
        run(lambda m=member: usecase_services.save_review(use_case, m, scores_for(use_case), ""))


def test_the_slate_over_the_page_with_bad_input_then_good(client: FlaskClient, panel: Panel):
    _quorum(panel, panel.uc)
    _quorum(panel, panel.uc2)
    panel.committee.places = 1
    panel.committee.share_scores = False
    db.session.commit()
    switch(client, panel.world.reviewer)
    url = f"/committee/cohorts/{panel.world.cohort.id}"
    page = _text(client.get(url))
    assert "Decide the slate" in page and "1 places, 0 taken, 1 left" in page
    too_many = {
        f"outcome_{panel.uc.id}": "selected",
        f"reason_{panel.uc.id}": "Strongest",
        f"outcome_{panel.uc2.id}": "selected",
        f"reason_{panel.uc2.id}": "Typed reason kept",
    }
    response = client.post(f"{url}/slate", data=too_many)
    assert response.status_code == 400
    assert "1 too many" in _text(response) and "Typed reason kept" in _text(response)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(SlateEntry.id))) == 0
    good = {
        f"outcome_{panel.uc.id}": "selected",
        f"reason_{panel.uc.id}": "Strongest proposal.",
        f"feedback_{panel.uc.id}": "Well evidenced; start with the bias tests.",
        f"outcome_{panel.uc2.id}": "not_selected",
        f"reason_{panel.uc2.id}": "Out of the cohort's places.",
    }
    assert client.post(f"{url}/slate", data=good).status_code == 302
    db.session.expire_all()
    assert db.session.get(UseCase, panel.uc.id).stage is Stage.SELECTED
    assert db.session.get(UseCase, panel.uc2.id).stage is Stage.REJECTED
    # The applicant sees the outcome, the reasons and the feedback; never scores or names.
    switch(client, panel.world.bank_user)
    page = _text(client.get(f"/use-cases/{panel.uc.id}"))
    assert "The selection committee's decision" in page
    assert "Strongest proposal." in page and "start with the bias tests" in page
    assert "Prof. Ada Wong" not in page and "Mean scores" not in page
    panel.committee.share_scores = True
    db.session.commit()
    page = _text(client.get(f"/use-cases/{panel.uc.id}"))
    assert "Prof. Ada Wong" in page and "Mean scores" in page


def test_a_participating_regulators_objection_over_the_pages(client: FlaskClient, panel: Panel):
    w = panel.world
    broker = f.create_institution(w.sfc, f.InstitutionKind.SECURITIES, name="Peak Securities")
    uc = f.create_use_case(w.cohort, broker, w.category, stage=Stage.UNDER_REVIEW)
    db.session.commit()
    _quorum(panel, uc)
    switch(client, w.sfc_reviewer)
    assert "Peak Securities" in _text(client.get("/committee/reviews"))
    url = f"/committee/use-cases/{uc.id}/determination"
    refused = client.post(url, data={"decision": "object", "reasons": ""})
    assert refused.status_code == 400 and "Give the reasons." in _text(refused)
    assert (
        client.post(url, data={"decision": "object", "reasons": "No controls."}).status_code == 302
    )
    switch(client, w.reviewer)
    page = _text(client.get(f"/committee/cohorts/{w.cohort.id}"))
    assert "SFC: Object" in page
    response = client.post(
        f"/committee/cohorts/{w.cohort.id}/slate",
        data={f"outcome_{uc.id}": "selected", f"reason_{uc.id}": "Strong."},
    )
    assert response.status_code == 400
    assert "The SFC objects to this proposal" in _text(response)
    ok = client.post(
        f"/committee/cohorts/{w.cohort.id}/slate",
        data={
            f"outcome_{uc.id}": "selected",
            f"reason_{uc.id}": "Strong.",
            f"override_{uc.id}": "The SFC's conditions become pilot terms.",
        },
    )
    assert ok.status_code == 302
    page = _text(client.get(f"/use-cases/{uc.id}"))
    assert "Override of the objection" in page and "SFC: Object" in page
    assert "SFC determination: Object" in page  # in the history too


def test_assignment_notifies_the_expert(client: FlaskClient, panel: Panel):
    told = db.session.scalar(
        sa.select(Notification).where(
            Notification.user_id == panel.expert.id, Notification.kind == "review_assigned"
        )
    )
    assert told is not None and told.endpoint == "committee.declare"
    switch(client, panel.expert)
    page = _text(client.get("/notifications/"))
    assert "Assigned to review" in page
