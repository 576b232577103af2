"""Dashboards by role, the figures behind them and the chart JSON, all limited to the remit."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, local_today, login
from tests.dashboard.conftest import Cases
from tracker.extensions import db, utcnow
from tracker.usecases import workspace as queries
from tracker.usecases.models import Milestone, Stage, StageTransition
from tracker.usecases.workspace import Scope


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_regulator_sees_what_waits_in_their_remit(
    client: FlaskClient, world: World, cases: Cases
) -> None:
    login(client, world.reviewer)
    html = page(client, "/dashboard")
    # Review queue: submitted and under review, in the HKMA programme only.
    assert "AML alert triage" in html
    assert "Mule account detection" in html
    # Overdue returns: the Harbour pilot, not the one that filed recently nor the IA pilot.
    assert "Overdue by 30 days" in html
    assert "Claims fraud screening" not in html
    # Milestones past due: the planned one, not the one done.
    assert "Red-team exercise" in html
    assert "Model card" not in html


def test_other_regulator_sees_only_their_programme(
    client: FlaskClient, world: World, cases: Cases
) -> None:
    login(client, world.ia_reviewer)
    html = page(client, "/dashboard")
    assert "Claims fraud screening" in html
    for title in ("Deepfake voice detection", "AML alert triage", "Mule account detection"):
        assert title not in html


def test_admin_sees_every_programme(client: FlaskClient, world: World, cases: Cases) -> None:
    login(client, world.admin)
    html = page(client, "/dashboard")
    assert "Claims fraud screening" in html
    assert "Deepfake voice detection" in html


def test_scope_narrows_the_figures(client: FlaskClient, world: World, cases: Cases) -> None:
    login(client, world.admin)
    html = page(client, f"/dashboard?cohort={world.other_cohort.id}")
    assert "Claims fraud screening" in html
    assert "Deepfake voice detection" not in html
    data = client.get(f"/api/charts/funnel?cohort={world.other_cohort.id}").get_json()
    assert data["datasets"][0]["data"] == [1, 1, 1, 0]


def test_supervisor_gets_cohort_overview(client: FlaskClient, world: World, cases: Cases) -> None:
    login(client, world.supervisor)
    html = page(client, "/dashboard")
    assert "Programmes and cohorts" in html
    assert f'href="/cohorts/{world.cohort.id}"' in html
    assert "Insurance Sandbox" not in html
    # Supervisors do not act, so they get no review queue.
    assert "Review queue" not in html
    # Each cohort row carries the report download form.
    assert 'class="report-download' in html
    assert "Issue cohort progress report (PDF)" in html


def test_institution_user_sees_own_work(client: FlaskClient, world: World, cases: Cases) -> None:
    login(client, world.bank_user)
    html = page(client, "/dashboard")
    assert "Scam call warnings" in html  # changes requested
    assert "Complaint summaries" in html  # draft
    assert "Deepfake voice detection" in html  # return overdue
    assert "Overdue by 30 days" in html
    for title in ("Mule account detection", "Credit memo drafting", "Claims fraud screening"):
        assert title not in html


def test_partner_sees_the_case_but_owes_nothing(
    client: FlaskClient, world: World, cases: Cases
) -> None:
    login(client, world.partner_user)
    html = page(client, "/dashboard")
    assert "Deepfake voice detection" in html
    assert "we are a partner" in html
    assert "Overdue by" not in html  # the lead institution files returns, not the partner
    assert "Scam call warnings" not in html


def test_institution_returns_due_soon(client: FlaskClient, world: World, cases: Cases) -> None:
    login(client, world.other_bank_user)
    html = page(client, "/dashboard")
    # Credit memo drafting filed a return 5 days ago: next due in 25 days, beyond the notice.
    assert "Credit memo drafting" in html  # listed among their use cases
    assert "Due in 25 days" not in html
    world.cohort.return_interval_days = 15
    db.session.commit()
    assert "Due in 10 days" in page(client, "/dashboard")


def test_empty_dashboards_explain_themselves(app: Flask, world: World) -> None:
    regulator = app.test_client()
    login(regulator, world.reviewer)
    html = page(regulator, "/dashboard")
    assert "The review queue is empty" in html
    assert "No use cases yet" in html
    bank = app.test_client()
    login(bank, world.bank_user)
    html = page(bank, "/dashboard")
    assert "No drafts" in html
    assert "Start a proposal" in html


def test_chart_json_obeys_remit(client: FlaskClient, world: World, cases: Cases) -> None:
    login(client, world.reviewer)
    data = client.get("/api/charts/stage-category").get_json()
    total = sum(sum(d["data"]) for d in data["datasets"])
    assert total == 6  # every submitted HKMA-programme case: not the draft, not the IA one
    client.post("/logout")
    login(client, world.bank_user)
    data = client.get("/api/charts/stage-category").get_json()
    assert sum(sum(d["data"]) for d in data["datasets"]) == 4  # Harbour Bank's own cases
    funnel = client.get("/api/charts/funnel").get_json()
    # Proposals: pilot, submitted, changes; selected and pilot: the pilot.
    assert funnel["labels"] == ["Proposals", "Selected", "Pilot", "Production"]
    assert funnel["datasets"][0]["data"] == [3, 1, 1, 0]


def test_funnel_counts_cases_that_left(world: World, cases: Cases) -> None:
    discontinued = f.create_use_case(
        world.cohort, world.bank, world.category, stage=Stage.DISCONTINUED
    )
    withdrawn = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.WITHDRAWN)
    db.session.add(
        StageTransition(
            use_case=withdrawn,
            action="select",
            from_stage=Stage.UNDER_REVIEW,
            to_stage=Stage.SELECTED,
        )
    )
    # As ``apply_transition`` keeps it: the funnel reads it rather than the history.
    withdrawn.selected_at = utcnow()
    db.session.commit()
    assert discontinued.id and withdrawn.id
    steps = {s.key: s.count for s in queries.funnel(world.admin, Scope(cohort=world.cohort))}
    # 7 non-drafts + 2; selected: 2 pilots, production, discontinued, withdrawn-after-selection.
    assert steps == {"proposals": 8, "selected": 5, "pilot": 3, "production": 1}


def test_matrix_counts_by_stage_and_category(world: World, cases: Cases) -> None:
    matrix = queries.stage_category_matrix(world.reviewer, Scope(programme=world.programme))
    assert matrix.cell(Stage.PILOT, world.category) == 1
    assert matrix.cell(Stage.PILOT, cases.risk) == 1
    assert matrix.stage_total(Stage.PILOT) == 2
    assert matrix.cell(Stage.DRAFT, cases.risk) == 0  # the bank's draft is not the regulator's
    assert matrix.category_total(cases.risk) == 3
    assert matrix.total == 6


def test_one_read_of_the_kept_counts_gives_the_same_figures(world: World, cases: Cases) -> None:
    """The dashboard and the cohort page read the scope's kept counts once for the matrix, the
    funnel, the review queue's total and the number of use cases: each the same as its own
    query gives."""
    withdrawn = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.WITHDRAWN)
    withdrawn.selected_at = utcnow()  # left after selection: counted as selected
    db.session.commit()
    scopes = [Scope(), Scope(programme=world.programme), Scope(cohort=world.cohort)]
    for user in (world.admin, world.reviewer, world.ia_reviewer):
        for scope in scopes:
            counts = queries.kept_counts(user, scope)
            assert counts is not None
            kept = queries.stage_category_matrix(user, scope, counts=counts)
            own = queries.stage_category_matrix(user, scope)
            assert kept.counts == {k: n for k, n in own.counts.items() if n}
            assert [c.id for c in kept.categories] == [c.id for c in own.categories]
            assert queries.funnel(user, scope, counts=counts) == queries.funnel(user, scope)
            queue = queries.review_queue(user, scope, counts=counts)
            assert queue.total == queries.review_queue(user, scope).total
            assert queue.items == queries.review_queue(user, scope).items
            assert counts.total() == kept.total
    assert queries.funnel(world.admin, Scope(cohort=world.cohort))[1].count >= 1
    # Institution users' figures are their own use cases counted, not the kept counts.
    assert queries.kept_counts(world.bank_user, Scope()) is None


def test_returns_due_matches_the_rule(world: World, cases: Cases) -> None:
    """Last period end (or pilot start) + the cohort's interval, computed by the database."""
    today = local_today()
    world.cohort.return_interval_days = 45
    db.session.commit()
    due = queries.returns_due(world.admin, Scope(), due_before=today + timedelta(days=365))
    got = {d.use_case.title: d.due_on for d in due.items}
    assert got == {
        "Deepfake voice detection": today - timedelta(days=60) + timedelta(days=45),
        "Credit memo drafting": today - timedelta(days=5) + timedelta(days=45),
        "Claims fraud screening": today - timedelta(days=90) + timedelta(days=30),
    }
    overdue = queries.returns_due(world.admin, Scope(), due_before=today)
    assert [d.use_case.title for d in overdue.items] == [
        "Claims fraud screening",
        "Deepfake voice detection",
    ]
    assert overdue.total == 2


def test_overdue_milestones_agree_with_the_model(world: World, cases: Cases) -> None:
    today = local_today()
    found = queries.overdue_milestones(world.admin, Scope(), today)
    every = db.session.scalars(db.select(Milestone)).all()
    assert {m.id for m in found.items} == {m.id for m in every if m.is_overdue(today)}


def test_lists_are_capped_with_a_total(world: World, cases: Cases) -> None:
    for _ in range(12):
        f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    queue = queries.review_queue(world.reviewer, Scope(), limit=10)
    assert len(queue.items) == 10
    assert queue.total == 14
    assert queue.more == 4


def test_recent_activity_is_in_remit(world: World, cases: Cases) -> None:
    titles = {t.use_case.title for t in queries.recent_activity(world.ia_reviewer, Scope())}
    assert titles == {"Claims fraud screening"}


def test_the_scope_total_is_the_same_counted_or_kept(world: World, cases: Cases) -> None:
    for scope in (Scope(), Scope(programme=world.programme), Scope(cohort=world.cohort)):
        counts = queries.kept_counts(world.reviewer, scope)
        kept = queries.scope_total(world.reviewer, scope, counts)
        assert kept == queries.scope_total(world.reviewer, scope, None) > 0
