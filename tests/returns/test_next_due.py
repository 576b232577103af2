"""The kept next-return due date (``UseCase.next_return_due_on``) and open milestones' cohort
(``Milestone.open_cohort_id``) stay equal to their rules computed afresh whatever the commands do
(rolled-back ones included); the pages read them from their indexes."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests import factories as f
from tests.conftest import World
from tracker.clock import local_today
from tracker.extensions import db
from tracker.returns import due, schedule
from tracker.returns.models import ExpectedReturn, ExpectedStatus, Frequency
from tracker.rules import ConflictError, NotAllowedError, RuleError
from tracker.unit_of_work import unit_of_work
from tracker.usecases import open_milestones, services, workspace
from tracker.usecases.models import Milestone, MilestoneStatus, Rag, Stage, UseCase
from tracker.usecases.workflow import BY_NAME, PILOT_STAGES


def kept() -> dict[int, date | None]:
    return dict(db.session.execute(sa.select(UseCase.id, UseCase.next_return_due_on)).all())


def recomputed() -> dict[int, date | None]:
    return dict(db.session.execute(sa.select(UseCase.id, due.due_on())).all())


def milestones_kept() -> dict[int, int | None]:
    return dict(db.session.execute(sa.select(Milestone.id, Milestone.open_cohort_id)).all())


def milestones_recomputed() -> dict[int, int | None]:
    return dict(db.session.execute(sa.select(Milestone.id, open_milestones.open_cohort())).all())


def assert_in_step() -> None:
    db.session.expire_all()
    assert kept() == recomputed()
    assert milestones_kept() == milestones_recomputed()


def _regulator(world: World, use_case: UseCase) -> Any:
    return world.reviewer if use_case.cohort_id == world.cohort.id else world.ia_reviewer


def _owner(world: World, use_case: UseCase) -> Any:
    return world.bank_user if use_case.institution_id == world.bank.id else world.other_bank_user


def _transition(rng: random.Random, world: World, use_case: UseCase) -> None:
    names = [
        name
        for name in ("start_pilot", "suspend", "resume", "discontinue", "approve_production")
        if use_case.stage in BY_NAME[name].sources
    ]
    if not names:
        raise RuleError({"stage": "nothing to do"}, "test")
    # Leaving the pilot for good is rarer, so that the sequence keeps pilots to work on.
    name = rng.choices(
        names, [1 if n in ("discontinue", "approve_production") else 4 for n in names]
    )[0]
    fields: dict[str, Any] | None = None
    if name == "start_pilot":
        f.create_agreed_plan(use_case, _owner(world, use_case), _regulator(world, use_case))
        # Selected today (the factory's time), so the pilot starts today.
        fields = {"pilot_started_on": local_today()}
    elif name == "approve_production":
        fields = {"exit_outcome": "KPIs met.", "exit_lessons": "Some.", "exit_conditions": "None."}
    services.apply_transition(
        use_case,
        BY_NAME[name],
        _regulator(world, use_case),
        use_case.version,
        fields=fields,
        reason="Because.",
    )


def _file(rng: random.Random, world: World, use_case: UseCase) -> None:
    start = use_case.next_return_start
    if start is None or start > local_today():
        raise RuleError({"period_start": "nothing to file"}, "test")
    end = min(local_today(), start + timedelta(days=rng.randint(0, 60)))
    data = services.ReturnData(
        period_start=start,
        period_end=end,
        rag=Rag.GREEN,
        narrative="On track.",
        attested_by_name="Grace Ho",
        attested_by_title="CRO",
        kpi_values=tuple((k, "1") for k in use_case.kpi_list),
        incidents=(),
    )
    services.file_return(use_case, _owner(world, use_case), data)


def _schedule(rng: random.Random, world: World, use_case: UseCase) -> None:
    current = schedule.schedule_of(use_case)
    frequency = rng.choice([Frequency.MONTHLY, Frequency.QUARTERLY])
    data = schedule.ScheduleData(
        frequency,
        None,
        days_to_file=rng.randint(0, 30),
        milestone_days=rng.choice([None, 5]),
    )
    schedule.set_return_schedule(
        use_case, _regulator(world, use_case), data, current.version if current else 0
    )


def _request(rng: random.Random, world: World, use_case: UseCase) -> None:
    end = local_today() - timedelta(days=rng.randint(0, 10))
    data = schedule.RequestData(
        None, end, local_today() + timedelta(days=rng.randint(0, 40)), "Losses avoided."
    )
    schedule.request_return(use_case, _regulator(world, use_case), data)


def _open(use_case: UseCase) -> list[ExpectedReturn]:
    return [e for e in schedule.expected_returns(use_case) if e.status is ExpectedStatus.OPEN]


def _waive(rng: random.Random, world: World, use_case: UseCase) -> None:
    found = _open(use_case)
    if not found:
        raise RuleError({"expected": "none open"}, "test")
    expected = rng.choice(found)
    schedule.waive(expected, _regulator(world, use_case), "Not needed.", expected.version)


def _milestone(rng: random.Random, world: World, use_case: UseCase) -> None:
    """A milestone added, or one of the use case's changed, to any status."""
    existing = list(
        db.session.scalars(sa.select(Milestone).where(Milestone.use_case_id == use_case.id))
    )
    milestone = rng.choice(existing) if existing and rng.random() < 0.6 else None
    status = rng.choice(list(MilestoneStatus))
    services.save_milestone(
        use_case,
        milestone,
        user=_regulator(world, use_case),
        title="Bias audit",
        planned_on=local_today() - timedelta(days=rng.randint(-10, 10)),
        actual_on=local_today() - timedelta(days=rng.randint(0, 5))
        if status is MilestoneStatus.DONE
        else None,
        status=status,
        expected_version=milestone.version if milestone else 0,
    )


def _orm(rng: random.Random, world: World, use_case: UseCase) -> None:
    """Changes made straight through the ORM: a cohort's interval, an expected return moved or
    removed, a use case moved to the other cohort."""
    roll = rng.random()
    if roll < 0.4:
        cohort = rng.choice([world.cohort, world.other_cohort])
        cohort.return_interval_days = rng.choice([14, 30, 45, 90])
    elif roll < 0.7 and (found := _open(use_case)):
        expected = rng.choice(found)
        if rng.random() < 0.5:
            expected.due_on = expected.due_on + timedelta(days=rng.randint(-20, 20))
        else:
            db.session.delete(expected)
    else:
        use_case.cohort_id = rng.choice([world.cohort.id, world.other_cohort.id])


STEPS = [_transition, _file, _file, _schedule, _request, _waive, _milestone, _milestone, _orm]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_random_sequence_of_commands_keeps_the_due_dates_equal_to_the_rule(
    world: World, seed: int
) -> None:
    rng = random.Random(seed)
    with unit_of_work():
        cases = [
            f.create_use_case(
                rng.choice([world.cohort, world.other_cohort]),
                rng.choice([world.bank, world.other_bank]),
                world.category,
                stage=stage,
                pilot_started_on=local_today() - timedelta(days=rng.randint(20, 200))
                if stage is not Stage.SELECTED
                else None,
            )
            for stage in [Stage.SELECTED] * 3 + [Stage.PILOT] * 4 + [Stage.SUSPENDED]
        ]
    assert_in_step()
    done: list[str] = []
    ever_due = ever_open = 0
    for _ in range(80):
        step = rng.choice(STEPS)
        pilots = [uc for uc in cases if uc.stage in PILOT_STAGES]
        use_case = rng.choice(pilots if pilots and step is not _transition else cases)
        try:
            with unit_of_work():
                step(rng, world, use_case)
                if rng.random() < 0.15:
                    raise RuntimeError("the command failed after its changes")
            done.append(step.__name__)
        except (RuleError, NotAllowedError, ConflictError, RuntimeError) as exc:
            print("refused", step.__name__, type(exc).__name__, exc)  # seen with -s
        assert_in_step()
        # What the session holds agrees with the database, without a reload.
        dates = kept()
        for uc in cases:
            assert uc.next_return_due_on == dates[uc.id]
            assert dates[uc.id] is None or uc.stage in PILOT_STAGES
        ever_due += sum(day is not None for day in dates.values())
        ever_open += sum(cohort is not None for cohort in milestones_kept().values())
    # The sequence went somewhere: most kinds of step were applied, and dates were kept.
    assert len(set(done)) >= 6, done
    assert ever_due > 80
    assert ever_open > 0


def test_a_new_pilot_is_due_from_its_start_and_leaving_the_pilot_clears_it(world: World) -> None:
    started = local_today() - timedelta(days=10)
    with unit_of_work():
        uc = f.create_use_case(
            world.cohort, world.bank, world.category, stage=Stage.PILOT, pilot_started_on=started
        )
    assert uc.next_return_due_on == started + timedelta(days=world.cohort.return_interval_days)
    with unit_of_work():
        services.apply_transition(
            uc, BY_NAME["discontinue"], world.reviewer, uc.version, reason="Stopped."
        )
    assert uc.next_return_due_on is None
    assert_in_step()


def test_rebuild_recomputes_and_the_command_says_so(app: Any, world: World) -> None:
    for _ in range(2):
        f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.PILOT)
    f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    db.session.execute(sa.update(UseCase.__table__).values(next_return_due_on=date(2000, 1, 1)))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["rebuild-figures"])
    assert result.exit_code == 0, result.output
    assert "next_return_due_on: 3 changed" in result.output
    assert "milestone.open_cohort_id: 0 changed" in result.output
    assert_in_step()
    assert sum(day is not None for day in kept().values()) == 2


def test_the_synthetic_data_carries_the_due_dates(world: World) -> None:
    from tracker.synthetic import build_synthetic

    build_synthetic(60, seed=5)
    db.session.commit()
    assert_in_step()
    dates = kept()
    assert sum(day is not None for day in dates.values()) > 0


def test_returns_due_read_the_due_date_index_and_count_its_range(world: World) -> None:
    """EXPLAIN: the page's rows come from the due-date index in order (no sort of the pilots),
    and the total from that index alone."""
    for _ in range(3):
        f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.PILOT)
    db.session.commit()
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_args: Any) -> None:
        seen.append((statement, params))

    # Unscoped, and scoped to a programme (whose many use cases the cohort index would give).
    for scope in (workspace.Scope(), workspace.Scope(programme=world.programme)):
        seen.clear()
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            found = workspace.returns_due(
                world.reviewer, scope, local_today() + timedelta(days=400)
            )
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        assert found.total == 3
        [(statement, params)] = [(s, p) for s, p in seen if "next_return_due_on <" in s]
        plan = _plan(statement, params)
        assert "ix_use_case_next_return_due" in plan
        if db.engine.dialect.name == "sqlite":
            assert "TEMP B-TREE" not in plan
            assert "COVERING INDEX ix_use_case_next_return_due" in plan
        else:
            assert "Sort" not in plan.split("Limit", 1)[1].split("Nested Loop", 1)[0]


def _plan(statement: str, params: Any) -> str:
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # Plan as if the table were big, so that a sequential scan loses on cost.
            conn.exec_driver_sql("SET enable_seqscan = off")
            rows = conn.exec_driver_sql("EXPLAIN " + statement, params).all()
        else:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
    return "\n".join(str(row[-1]) for row in rows)


def test_returns_due_take_a_bounded_number_of_queries(world: World) -> None:
    for _ in range(12):
        f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.PILOT)
    db.session.commit()
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    db.session.expire_all()
    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        found = workspace.returns_due(
            world.reviewer, workspace.Scope(), local_today() + timedelta(days=400), limit=10
        )
        assert [(r.use_case.institution.name, r.use_case.cohort.name) for r in found.items]
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert (len(found.items), found.total) == (10, 12)
    assert len(seen) <= 2, seen


def test_the_overdue_milestones_count_reads_the_open_cohort_index(world: World) -> None:
    """EXPLAIN: the regulator side's total is a range of the (open_cohort_id, planned_on) index
    per cohort, without reading the use cases; it agrees with the milestones themselves.
    PostgreSQL's plan is priced out of sequential scans, as in ``test_query_plans``."""
    pilot = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.PILOT)
    ended = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.PRODUCTION)
    today = local_today()
    for use_case in (pilot, ended):
        for status in MilestoneStatus:
            for days in (-3, 3):
                db.session.add(
                    Milestone(
                        use_case=use_case,
                        title="M",
                        planned_on=today + timedelta(days=days),
                        status=status,
                        actual_on=today if status is MilestoneStatus.DONE else None,
                    )
                )
    db.session.commit()
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_args: Any) -> None:
        seen.append((statement, params))

    for user, scope in (
        (world.reviewer, workspace.Scope()),
        (world.reviewer, workspace.Scope(programme=world.programme)),
        (world.admin, workspace.Scope(programme=world.programme, cohort=world.cohort)),
    ):
        seen.clear()
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            found = workspace.overdue_milestones(user, scope, today)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        # Planned or in progress, before today, of the pilot only (production has none).
        assert found.total == 2
        assert {m.use_case_id for m in found.items} == {pilot.id}
        [(statement, params)] = [(s, p) for s, p in seen if "FROM milestone" in s]
        plan = _plan(statement, params)
        if db.engine.dialect.name == "sqlite":
            # SQLite's choice does not depend on the row counts: the range per cohort.
            assert "COVERING INDEX ix_milestone_open_cohort_planned_on" in plan, plan
        else:
            # PostgreSQL prices by the (here tiny) tables: an index, never a scan of them.
            count = plan.split("InitPlan", 1)[1].split("->  Sort", 1)[0]
            assert "Index" in count and "Seq Scan on milestone" not in count, plan
            assert "use_case" not in count, plan
    assert len(workspace.overdue_milestones(world.ia_reviewer, workspace.Scope(), today).items) == 0


def test_the_overdue_milestones_are_counted_up_to_a_limit(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond the limit the count says "more than", as the returns due do: the dashboard shows
    ten, and counting every overdue milestone would cost in step with the data."""
    pilot = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.PILOT)
    today = local_today()
    for days in (1, 2, 3, 4):
        db.session.add(Milestone(use_case=pilot, title="M", planned_on=today - timedelta(days)))
    db.session.commit()
    for user in (world.reviewer, world.bank_user):  # the kept cohort's index, and the other way
        exact = workspace.overdue_milestones(user, workspace.Scope(), today, limit=1)
        assert (exact.total, exact.total_is_lower_bound, exact.more_label) == (4, False, "3")
        monkeypatch.setattr(workspace, "WAITING_COUNT_LIMIT", 2)
        capped = workspace.overdue_milestones(user, workspace.Scope(), today, limit=1)
        assert (capped.total, capped.total_is_lower_bound) == (2, True)
        assert (capped.total_label, capped.more_label) == ("more than 2", "more than 1")
        assert [m.planned_on for m in capped.items] == [today - timedelta(4)]
        monkeypatch.setattr(workspace, "WAITING_COUNT_LIMIT", 4)
        assert not workspace.overdue_milestones(user, workspace.Scope(), today).total_is_lower_bound
        monkeypatch.undo()
