"""The demo dataset and its commands: idempotent, consistent with the workflow, usable logins."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import selectinload

from tests.conftest import World, login
from tracker import clock, events
from tracker.auth.models import Role, User
from tracker.clock import local_date
from tracker.demo import DATA_CUTOFF, DEMO_PASSWORD, SeedResult, demo_use_cases, seed_demo
from tracker.demo.spec import DemoMilestone, DemoUseCase, hk
from tracker.extensions import db
from tracker.institutions.models import Category, Institution, InstitutionKind
from tracker.notifications.models import Notification
from tracker.programmes.models import Cohort, CohortStatus, Programme
from tracker.reports.services import describe
from tracker.rules import RuleError
from tracker.usecases import services
from tracker.usecases.models import (
    FieldChange,
    Incident,
    Message,
    Milestone,
    MilestoneStatus,
    ProgressReturn,
    Review,
    ReviewScore,
    Stage,
    StageTransition,
    UseCase,
    use_case_partner,
)
from tracker.usecases.workflow import BY_NAME, TRANSITIONS, Needs, Side


@pytest.fixture
def demo_mode(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "TRACKER_DEMO_MODE", True)


@pytest.fixture
def seeded() -> SeedResult:
    result = seed_demo()
    db.session.commit()
    return result


def table_counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in db.metadata.sorted_tables
        }


def cohort(programme: str, name: str) -> Cohort:
    return db.session.scalars(
        sa.select(Cohort)
        .join(Programme)
        .where(Programme.name == programme, Cohort.name == name)
        .options(
            selectinload(Cohort.use_cases).selectinload(UseCase.partners),
            selectinload(Cohort.use_cases).selectinload(UseCase.institution),
            selectinload(Cohort.use_cases).selectinload(UseCase.category),
        )
    ).one()


def all_use_cases() -> list[UseCase]:
    return list(
        db.session.scalars(
            sa.select(UseCase).options(
                selectinload(UseCase.transitions).selectinload(StageTransition.actor),
                selectinload(UseCase.reviews),
                selectinload(UseCase.returns).selectinload(ProgressReturn.kpi_values),
                selectinload(UseCase.returns).selectinload(ProgressReturn.incidents),
                selectinload(UseCase.milestones),
                selectinload(UseCase.cohort).selectinload(Cohort.programme),
                selectinload(UseCase.cohort).selectinload(Cohort.criteria),
            )
        )
    )


def test_seed_demo_twice_leaves_identical_counts(app: Flask, demo_mode: None):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Demo data loaded" in first.output
    after_first = table_counts()
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert "nothing to add" in second.output
    assert table_counts() == after_first
    for table in ("use_case", "stage_transition", "user_account", "progress_return", "review"):
        assert after_first[table] > 0, table


def test_cohort_1_has_15_use_cases_from_10_banks_and_4_partners(seeded: SeedResult):
    first = cohort("GenA.I. Sandbox", "Cohort 1")
    assert len(first.use_cases) == 15
    leads = {uc.institution for uc in first.use_cases}
    assert len(leads) == 10
    assert {i.kind for i in leads} == {InstitutionKind.BANK}
    partners = {p for uc in first.use_cases for p in uc.partners}
    assert len(partners) == 4
    assert {p.kind for p in partners} == {InstitutionKind.TECH_PARTNER}
    assert {uc.category.name for uc in first.use_cases} == {
        "Risk management",
        "Anti-fraud",
        "Customer experience",
    }
    stages = Counter(uc.stage for uc in first.use_cases)
    assert stages[Stage.PRODUCTION] >= 3
    assert stages[Stage.PILOT] >= 3
    assert stages[Stage.SELECTED] >= 1
    assert stages[Stage.REJECTED] == 1
    assert stages[Stage.WITHDRAWN] == 1
    names = {i.name: i.name_zh for i in leads}
    assert names["Harbour Bank"] == "海港銀行"
    assert names["Lion Rock Bank"] == "獅子山銀行"
    assert first.status is CohortStatus.PILOTING
    assert first.created_at == datetime(2024, 7, 30, 1, 0)  # set up at 09:00 in Hong Kong
    assert first.applications_close_on == date(2024, 11, 15)
    assert first.selection_on == date(2024, 12, 19)


def test_cohort_2_is_open_today_with_proposals_before_its_committee(seeded: SeedResult):
    second = cohort("GenA.I. Sandbox", "Cohort 2")
    assert second.status is CohortStatus.OPEN
    assert second.applications_open_on is not None and second.applications_close_on is not None
    assert second.applications_open_on <= date.today() <= second.applications_close_on
    assert len(second.use_cases) == 14
    assert {Stage.DRAFT, Stage.SUBMITTED, Stage.UNDER_REVIEW} <= {
        uc.stage for uc in second.use_cases
    }


def test_sandbox_plus_spans_regulators_and_sectors(seeded: SeedResult):
    programme = db.session.scalars(
        sa.select(Programme).where(Programme.name == "GenA.I. Sandbox++")
    ).one()
    assert programme.lead_regulator.code == "HKMA"
    assert [r.code for r in programme.participants] == ["IA", "MPFA", "SFC"]
    assert set(programme.sectors) == {"banking", "securities", "insurance", "mpf", "svf"}
    use_cases = [uc for c in programme.cohorts for uc in c.use_cases]
    supervised_by = {uc.institution.kind: str(uc.institution.regulator) for uc in use_cases}
    assert supervised_by == {
        InstitutionKind.SECURITIES: "SFC",
        InstitutionKind.INSURER: "IA",
        InstitutionKind.MPF_TRUSTEE: "MPFA",
        InstitutionKind.SVF: "HKMA",
    }


def test_reference_data_is_bilingual(seeded: SeedResult):
    from tracker.programmes.models import Regulator

    names = {r.code: r.name_zh for r in db.session.scalars(sa.select(Regulator))}
    assert names == {
        "HKMA": "香港金融管理局",
        "SFC": "證券及期貨事務監察委員會",
        "IA": "保險業監管局",
        "MPFA": "強制性公積金計劃管理局",
    }
    categories = {c.name: c.name_zh for c in db.session.scalars(sa.select(Category))}
    assert categories == {
        "Risk management": "風險管理",
        "Anti-fraud": "反詐騙",
        "Customer experience": "客戶體驗",
    }


def test_every_institution_programme_and_cohort_has_a_chinese_name(seeded: SeedResult):
    assert all(i.name_zh for i in db.session.scalars(sa.select(Institution)))
    programmes = {p.name: p.name_zh for p in db.session.scalars(sa.select(Programme))}
    assert programmes == {
        "GenA.I. Sandbox": "生成式人工智能沙盒",
        "GenA.I. Sandbox++": "生成式人工智能沙盒++",
    }
    cohorts = {(c.programme.name, c.name): c.name_zh for c in db.session.scalars(sa.select(Cohort))}
    assert cohorts == {
        ("GenA.I. Sandbox", "Cohort 1"): "第一期",
        ("GenA.I. Sandbox", "Cohort 2"): "第二期",
        ("GenA.I. Sandbox++", "Cohort 1"): "第一期",
    }


def test_every_history_follows_the_workflow(seeded: SeedResult):
    use_cases = all_use_cases()
    assert len(use_cases) >= 20
    for uc in use_cases:
        # The draft's creation opens every history, as the create_draft command records it.
        created, *history = uc.transitions
        assert (created.action, created.from_stage, created.to_stage) == (
            "create",
            None,
            Stage.DRAFT,
        ), uc.title
        assert created.at == uc.created_at, uc.title
        assert created.actor is not None and created.actor.institution_id == uc.institution_id
        if not history:
            assert uc.stage is Stage.DRAFT, uc.title
            continue
        assert history[0].from_stage is Stage.DRAFT, uc.title
        assert history[-1].to_stage is uc.stage, uc.title
        assert uc.stage_changed_at == history[-1].at, uc.title
        assert uc.created_at < history[0].at, uc.title
        for before, after in zip(history, history[1:], strict=False):
            assert before.at < after.at, uc.title
            assert after.from_stage is before.to_stage, uc.title
        for row in history:
            transition = BY_NAME[row.action]
            assert row.from_stage in transition.sources, (uc.title, row.action)
            assert row.to_stage is transition.target, (uc.title, row.action)
            if transition.needs in (Needs.REASON, Needs.RESPONSE):
                assert row.reason, (uc.title, row.action)
            actor = row.actor
            assert actor is not None
            if transition.side is Side.INSTITUTION:
                assert actor.institution_id == uc.institution_id, (uc.title, row.action)
            else:
                assert actor.role is Role.REGULATOR, (uc.title, row.action)
                assert actor.regulator_id in uc.cohort.programme.regulator_ids


def test_decisions_pilots_and_returns_are_complete(seeded: SeedResult):
    for uc in all_use_cases():
        select = next((t for t in uc.transitions if t.action == "select"), None)
        if select is not None:
            criteria = {c.id for c in uc.cohort.criteria}
            assert len(criteria) == 4
            review_started = uc.transitions[uc.transitions.index(select) - 1]
            assert review_started.action == "start_review", uc.title
            complete = [r for r in uc.reviews if {s.criterion_id for s in r.scores} == criteria]
            assert any(review_started.at < r.at < select.at for r in complete), uc.title
        if uc.stage in (Stage.PILOT, Stage.SUSPENDED, Stage.PRODUCTION):
            assert uc.pilot_started_on and uc.pilot_duration_weeks, uc.title
            assert uc.pilot_limits and uc.pilot_data_scope, uc.title
            assert uc.returns, uc.title
        if uc.stage is Stage.PRODUCTION:
            assert uc.exit_outcome and uc.exit_lessons and uc.exit_conditions, uc.title
        for row in uc.transitions:
            if row.action == "start_pilot":
                assert uc.pilot_started_on is not None
                assert row.details["pilot_started_on"] == uc.pilot_started_on.isoformat()
                assert row.details["pilot_duration_weeks"] == uc.pilot_duration_weeks
            if row.action == "approve_production":
                assert row.details["exit_outcome"] == uc.exit_outcome
        for progress in uc.returns:
            assert uc.pilot_started_on is not None
            assert progress.period_start >= uc.pilot_started_on
            assert [v.kpi for v in progress.kpi_values] == uc.kpi_list, uc.title


def test_pilot_records_tell_a_realistic_story(seeded: SeedResult):
    incidents = list(db.session.scalars(sa.select(Incident)))
    # One in a return, and the one the SME pilot was suspended for (tests/returns/test_demo.py).
    assert len([i for i in incidents if not i.resolved]) == 2
    assert len(incidents) >= 3
    milestones = list(db.session.scalars(sa.select(Milestone)))
    assert [m.title for m in milestones if m.is_overdue(DATA_CUTOFF)] == [
        "Model risk committee approval of the pilot plan"
    ]
    assert any(m.actual_on is not None for m in milestones)
    assert any(m.planned_on > DATA_CUTOFF for m in milestones)
    messages = list(db.session.scalars(sa.select(Message)))
    assert any(m.internal for m in messages) and any(not m.internal for m in messages)
    changed = db.session.scalars(
        sa.select(UseCase).where(
            UseCase.id.in_(sa.select(FieldChange.use_case_id)),
            UseCase.id.in_(
                sa.select(StageTransition.use_case_id).where(
                    StageTransition.action == "request_changes"
                )
            ),
        )
    ).all()
    assert changed
    chinese = re.compile("[\u4e00-\u9fff]")
    assert len([uc for uc in all_use_cases() if chinese.search(uc.title)]) >= 3
    narratives = db.session.scalars(sa.select(ProgressReturn.narrative)).all()
    assert any(chinese.search(n) for n in narratives)
    assert any(not chinese.search(n) for n in narratives)


@pytest.mark.parametrize(
    "email",
    [
        "admin@tracker.demo",
        "reviewer@hkma.demo",
        "reviewer@sfc.demo",
        "supervisor@hkma.demo",
        "user@harbour-bank.demo",
        "user@lion-rock-bank.demo",
    ],
)
def test_demo_logins_work(client: FlaskClient, seeded: SeedResult, email: str):
    login(client, email, DEMO_PASSWORD)


def test_every_institution_has_a_demo_account(seeded: SeedResult):
    accounts = {
        u.institution_id: u.email
        for u in db.session.scalars(sa.select(User).where(User.role == Role.INSTITUTION))
    }
    institutions = list(db.session.scalars(sa.select(Institution)))
    assert len(institutions) == 18
    for institution in institutions:
        assert accounts[institution.id].endswith(".demo"), institution.name
    roles = {
        u.email: (u.role, u.organisation and str(u.organisation))
        for u in db.session.scalars(sa.select(User).where(User.role != Role.INSTITUTION))
    }
    assert roles == {
        "admin@tracker.demo": (Role.ADMIN, None),
        "reviewer@hkma.demo": (Role.REGULATOR, "HKMA"),
        "reviewer@sfc.demo": (Role.REGULATOR, "SFC"),
        "reviewer@ia.demo": (Role.REGULATOR, "IA"),
        "reviewer@mpfa.demo": (Role.REGULATOR, "MPFA"),
        "supervisor@hkma.demo": (Role.SUPERVISOR, "HKMA"),
        "fintech@hkma.demo": (Role.REGULATOR, "HKMA"),
        "ai-supervision@hkma.demo": (Role.REGULATOR, "HKMA"),
        "expert@academia.demo": (Role.EXPERT, None),
    }


def test_if_empty_skips_when_users_exist(app: Flask, demo_mode: None, world: World):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "not loaded" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UseCase)) == 0


def test_if_empty_loads_into_an_empty_database(app: Flask, demo_mode: None):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UseCase)) == 33


def test_seed_demo_refuses_outside_demo_mode(app: Flask):
    assert not app.config["TRACKER_DEMO_MODE"]
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "TRACKER_DEMO_MODE=1" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    forced = app.test_cli_runner().invoke(args=["seed-demo", "--force"])
    assert forced.exit_code == 0, forced.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 27


def test_demo_logins_lists_accounts_in_demo_mode(app: Flask, demo_mode: None, seeded: SeedResult):
    result = app.test_cli_runner().invoke(args=["demo-logins"])
    assert result.exit_code == 0, result.output
    assert f"password: {DEMO_PASSWORD}" in result.output
    lines = result.output.splitlines()
    assert any(
        "reviewer@hkma.demo" in line and "Regulator staff" in line and "HKMA" in line
        for line in lines
    )
    assert any("user@lion-rock-bank.demo" in line and "Lion Rock Bank" in line for line in lines)
    assert len([line for line in lines if ".demo" in line]) == 27
    assert any("expert@academia.demo" in line and "External expert" in line for line in lines)


def test_demo_logins_refuses_outside_demo_mode(app: Flask, seeded: SeedResult):
    result = app.test_cli_runner().invoke(args=["demo-logins"])
    assert result.exit_code != 0
    assert "sandbox-demo" not in result.output


def test_report_covers_name_demo_staff_without_repeating_their_organisation(
    seeded: SeedResult,
) -> None:
    supervisor = db.session.scalars(
        sa.select(User).where(User.email == "supervisor@hkma.demo")
    ).one()
    assert describe(supervisor) == "Raymond Lee (Supervisor, HKMA)"
    for user in db.session.scalars(sa.select(User).where(User.regulator_id.is_not(None))):
        assert user.regulator is not None
        assert f"({user.regulator.code})" not in user.name, user.name


# ---------------------------------------------------------------- seeded through the commands


def test_every_record_was_written_by_a_command(seeded: SeedResult):
    actions = {t.name for t in TRANSITIONS} | {"create"}
    for row in db.session.scalars(sa.select(StageTransition)):
        assert row.actor_id is not None, row.id
        assert row.action in actions, row.action
    assert db.session.scalar(
        sa.select(sa.func.count()).where(StageTransition.action == "create")
    ) == db.session.scalar(sa.select(sa.func.count()).select_from(UseCase))
    # Who did what is the command's own record: returns by the institution, resolutions too.
    for progress in db.session.scalars(sa.select(ProgressReturn)):
        assert progress.submitted_by is not None
        assert progress.submitted_by.institution_id == progress.use_case.institution_id
    resolved = [i for i in db.session.scalars(sa.select(Incident)) if i.resolved]
    assert resolved and all(i.resolved_by_id is not None and i.resolution for i in resolved)


def test_the_replayed_past_is_not_dispatched_to_subscribers(monkeypatch: pytest.MonkeyPatch):
    dispatched: list[list[events.Event]] = []
    monkeypatch.setattr(events, "dispatch", dispatched.append)
    seed_demo()
    assert dispatched == [[]]


def test_returns_follow_the_rules_of_a_real_return(seeded: SeedResult):
    for uc in all_use_cases():
        # The columns the commands keep for the lists agree with the history.
        select = next((t for t in uc.transitions if t.action == "select"), None)
        assert uc.selected_at == (select.at if select else None), uc.title
        assert uc.last_return_end == (uc.returns[-1].period_end if uc.returns else None)
        starts = [uc.pilot_started_on] + [r.period_end + timedelta(days=1) for r in uc.returns]
        for progress, expected_start in zip(uc.returns, starts, strict=False):
            filed_on = local_date(progress.submitted_at)
            assert progress.period_start == expected_start, uc.title
            assert progress.period_start <= progress.period_end <= filed_on, uc.title
            assert filed_on <= DATA_CUTOFF, uc.title
            assert [v.kpi for v in progress.kpi_values] == uc.kpi_list, uc.title
            for incident in progress.incidents:
                assert incident.occurred_on is not None
                assert uc.pilot_started_on <= incident.occurred_on <= progress.period_end
                if incident.resolved_on is not None:
                    assert incident.occurred_on <= incident.resolved_on <= DATA_CUTOFF


def test_reviews_milestones_and_messages_were_made_when_the_commands_allow(seeded: SeedResult):
    for uc in all_use_cases():
        history = uc.transitions

        def stage_at(moment: datetime, history: list[StageTransition] = history) -> Stage:
            return [t for t in history if t.at <= moment][-1].to_stage

        for review in uc.reviews:
            assert stage_at(review.at) is Stage.UNDER_REVIEW, uc.title
        for milestone in uc.milestones:
            assert stage_at(milestone.created_at) in (
                Stage.SELECTED,
                Stage.PILOT,
                Stage.SUSPENDED,
            ), (uc.title, milestone.title)
            assert (milestone.actual_on is not None) == (milestone.status is MilestoneStatus.DONE)
        for message in db.session.scalars(sa.select(Message).where(Message.use_case_id == uc.id)):
            assert uc.submitted_at is not None and message.at >= uc.submitted_at, uc.title
        for row in history:
            if row.action == "start_pilot":
                select = next(t for t in history if t.action == "select")
                assert uc.pilot_started_on is not None
                assert uc.pilot_started_on >= local_date(select.at), uc.title


def test_the_commands_still_accept_each_seeded_milestone_and_refuse_a_repeated_return(
    seeded: SeedResult,
):
    """A sample re-checked by the commands themselves, at the data cut-off."""
    piloting = [uc for uc in all_use_cases() if uc.stage in (Stage.PILOT, Stage.SUSPENDED)]
    assert piloting
    with clock.frozen_at(datetime(2026, 11, 20, 10, 0)):
        for uc in piloting:
            staff = next(
                t.actor for t in reversed(uc.transitions) if t.actor and t.actor.regulator_id
            )
            for milestone in uc.milestones:
                services.save_milestone(
                    uc,
                    milestone,
                    user=staff,
                    title=milestone.title,
                    planned_on=milestone.planned_on,
                    actual_on=milestone.actual_on,
                    status=milestone.status,
                    expected_version=milestone.version,
                )
            last = uc.returns[-1]
            owner = db.session.get_one(User, last.submitted_by_id)
            again = services.ReturnData(
                period_start=last.period_start,
                period_end=last.period_end,
                rag=last.rag,
                narrative=last.narrative,
                attested_by_name=last.attested_by_name,
                attested_by_title=last.attested_by_title,
                kpi_values=tuple(
                    (v.kpi, str(v.number) if v.number is not None else v.value)
                    for v in last.kpi_values
                ),
                customers_reached=last.customers_reached,
                exposure_used=last.exposure_used,
                incidents=(),
            )
            with pytest.raises(RuleError) as refused:
                services.file_return(uc, owner, again)
            assert set(refused.value.errors) == {"period_start"}, uc.title
    db.session.rollback()


def _content_with(title: str, **changes: object) -> Callable[[date], list[DemoUseCase]]:
    def content(today: date) -> list[DemoUseCase]:
        return [
            dataclasses.replace(spec, **changes) if spec.title == title else spec
            for spec in demo_use_cases(today)
        ]

    return content


def test_content_that_breaks_a_rule_is_refused_and_nothing_is_kept(
    monkeypatch: pytest.MonkeyPatch,
):
    reached_but_in_progress = DemoMilestone(
        "Pilot plan drafted", date(2025, 3, 31), date(2025, 4, 14), MilestoneStatus.IN_PROGRESS,
        status_on=date(2025, 4, 14),
    )  # fmt: skip
    monkeypatch.setattr(
        "tracker.demo.seed.demo_use_cases",
        _content_with(
            "Model documentation reviewer for second-line validation",
            milestones=(reached_but_in_progress,),
        ),
    )
    with pytest.raises(RuleError) as refused:
        seed_demo()
    assert set(refused.value.errors) == {"actual_on"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UseCase)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    assert clock.frozen_moment() is None


def test_a_proposal_is_only_made_while_its_cohort_is_open(monkeypatch: pytest.MonkeyPatch):
    # Sandbox++ applications closed on 29 May 2026; the cohort moved to selection the next day.
    monkeypatch.setattr(
        "tracker.demo.seed.demo_use_cases",
        _content_with(
            "Real-time scam payee warnings for wallet transfers",
            created=hk(2026, 6, 2),
            steps=(),
            reviews=(),
            milestones=(),
            messages=(),
            pilot=None,
        ),
    )
    with pytest.raises(RuleError) as refused:
        seed_demo()
    assert set(refused.value.errors) == {"cohort_id"}


def test_seeding_adds_only_missing_use_cases_and_keeps_a_cohorts_status(seeded: SeedResult):
    first = cohort("GenA.I. Sandbox", "Cohort 1")
    first.status = CohortStatus.CLOSED
    missing = next(uc for uc in first.use_cases if uc.stage is Stage.REJECTED)
    reviews = sa.select(Review.id).where(Review.use_case_id == missing.id)
    db.session.execute(sa.delete(ReviewScore).where(ReviewScore.review_id.in_(reviews)))
    db.session.execute(sa.delete(Review).where(Review.use_case_id == missing.id))
    # Bulk deletes: the history's append-only guard is for the application, not this test.
    db.session.execute(sa.delete(StageTransition).where(StageTransition.use_case_id == missing.id))
    db.session.execute(
        sa.delete(use_case_partner).where(use_case_partner.c.use_case_id == missing.id)
    )
    db.session.execute(sa.delete(Notification).where(Notification.use_case_id == missing.id))
    db.session.execute(sa.delete(UseCase).where(UseCase.id == missing.id))
    db.session.commit()

    again = seed_demo()
    db.session.commit()
    assert again.created == Counter(
        {"use cases": 1, "stage transitions": 4, "reviews": 1, "review scores": 4}
    )
    assert cohort("GenA.I. Sandbox", "Cohort 1").status is CohortStatus.CLOSED
