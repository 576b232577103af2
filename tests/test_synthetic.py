"""The synthetic load-test data set: N use cases, each with a valid, time-ordered history."""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import selectinload

from tests.conftest import clear_tables
from tracker.extensions import db
from tracker.programmes.models import Cohort
from tracker.synthetic import build_synthetic, path_to, walk
from tracker.usecases.models import ProgressReturn, Stage, StageTransition, UseCase
from tracker.usecases.workflow import BY_NAME


def count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def loaded_use_cases() -> list[UseCase]:
    return list(
        db.session.scalars(
            sa.select(UseCase)
            .order_by(UseCase.id)
            .options(
                selectinload(UseCase.transitions),
                selectinload(UseCase.reviews),
                selectinload(UseCase.milestones),
                selectinload(UseCase.returns).selectinload(ProgressReturn.kpi_values),
                selectinload(UseCase.cohort).selectinload(Cohort.criteria),
                selectinload(UseCase.cohort).selectinload(Cohort.programme),
            )
        )
    )


def test_builds_n_use_cases_with_about_ten_transitions_each():
    result = build_synthetic(300, seed=1)
    db.session.commit()
    assert count(UseCase) == 300
    assert result.created["use cases"] == 300
    transitions = count(StageTransition)
    assert result.created["stage transitions"] == transitions
    assert 8.0 <= transitions / 300 <= 12.0


def test_every_history_is_a_valid_time_ordered_path():
    build_synthetic(200, seed=2)
    db.session.commit()
    use_cases = loaded_use_cases()
    assert {uc.stage for uc in use_cases} >= {Stage.PILOT, Stage.PRODUCTION, Stage.REJECTED}
    for uc in use_cases:
        history = uc.transitions
        if not history:
            assert uc.stage is Stage.DRAFT
            continue
        assert history[0].from_stage is Stage.DRAFT
        assert history[-1].to_stage is uc.stage
        assert uc.stage_changed_at == history[-1].at
        assert uc.created_at < history[0].at
        for before, after in zip(history, history[1:], strict=False):
            assert before.at < after.at
            assert after.from_stage is before.to_stage
        for row in history:
            transition = BY_NAME[row.action]
            assert row.from_stage in transition.sources
            assert row.to_stage is transition.target
        assert uc.cohort.programme.sectors


def test_pilots_have_terms_returns_and_kpi_values():
    build_synthetic(200, seed=3)
    db.session.commit()
    use_cases = loaded_use_cases()
    piloted = [uc for uc in use_cases if any(t.action == "start_pilot" for t in uc.transitions)]
    assert piloted
    for uc in piloted:
        assert uc.pilot_started_on is not None and uc.pilot_duration_weeks
        for progress in uc.returns:
            assert progress.period_start >= uc.pilot_started_on
            assert [v.kpi for v in progress.kpi_values] == uc.kpi_list
    assert sum(len(uc.returns) for uc in piloted) > len(piloted)
    for uc in use_cases:
        select = next((t for t in uc.transitions if t.action == "select"), None)
        if select is None:
            continue
        assert uc.milestones
        criteria = {c.id for c in uc.cohort.criteria}
        assert any(
            {s.criterion_id for s in r.scores} == criteria and r.at < select.at for r in uc.reviews
        )
    production = [uc for uc in use_cases if uc.stage is Stage.PRODUCTION]
    assert production and all(uc.exit_outcome for uc in production)


def test_a_second_load_numbers_its_rows_after_the_first_and_links_them_to_their_own():
    """Ids come from the database's largest on SQLite and from RETURNING elsewhere: either way
    a load into tables that already hold rows, in several batches, links each review, score,
    return and KPI value to the row it was made for."""
    build_synthetic(40, seed=3, batch_size=7)
    db.session.commit()
    first_ids = {uc.id for uc in loaded_use_cases()}
    build_synthetic(40, seed=4, batch_size=7)
    db.session.commit()
    use_cases = loaded_use_cases()
    assert len(use_cases) == 80
    assert min(uc.id for uc in use_cases if uc.id not in first_ids) > max(first_ids)
    piloted = [uc for uc in use_cases if uc.pilot_started_on is not None]
    assert sum(len(uc.returns) for uc in piloted) > len(piloted)
    for uc in use_cases:
        for progress in uc.returns:
            assert uc.pilot_started_on is not None
            assert progress.period_start >= uc.pilot_started_on
            assert [v.kpi for v in progress.kpi_values] == uc.kpi_list
        criteria = {c.id for c in uc.cohort.criteria}
        for review in uc.reviews:
            assert {s.criterion_id for s in review.scores} == criteria
    assert count(ProgressReturn) == sum(len(uc.returns) for uc in use_cases)


def test_same_seed_gives_the_same_data():
    def fingerprint() -> list[tuple[str, Stage, int]]:
        return [(uc.title, uc.stage, len(uc.transitions)) for uc in loaded_use_cases()]

    build_synthetic(60, seed=7)
    db.session.commit()
    first = fingerprint()
    clear_tables()
    build_synthetic(60, seed=7)
    db.session.commit()
    assert fingerprint() == first


def test_one_named_cohort_takes_every_use_case():
    result = build_synthetic(40, seed=4, cohort_name="Benchmark cohort")
    db.session.commit()
    cohort = db.session.scalars(sa.select(Cohort).where(Cohort.name == "Benchmark cohort")).one()
    assert result.cohort_ids == [cohort.id]
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(UseCase).where(UseCase.cohort_id == cohort.id)
        )
        == 40
    )


@pytest.mark.parametrize("stage", list(Stage))
def test_paths_reach_their_stage_through_the_workflow(stage: Stage):
    lengths = set()
    for seed in range(40):
        actions = path_to(stage, random.Random(seed))
        steps = walk(actions)
        assert (steps[-1][2] if steps else Stage.DRAFT) is stage
        lengths.add(len(actions))
    if stage in (Stage.PILOT, Stage.PRODUCTION, Stage.SUBMITTED):
        assert len(lengths) > 1, "paths should vary: change rounds and suspensions"


def test_seed_synthetic_command(app: Flask, monkeypatch: pytest.MonkeyPatch):
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["seed-synthetic", "--use-cases", "5"])
    assert refused.exit_code != 0
    assert "TRACKER_DEMO_MODE=1" in refused.output
    assert count(UseCase) == 0

    monkeypatch.setitem(app.config, "TRACKER_DEMO_MODE", True)
    result = runner.invoke(args=["seed-synthetic", "--use-cases", "25", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "25 use cases" in result.output
    assert count(UseCase) == 25


def test_the_bulk_load_reads_through_a_large_page_cache_and_gives_it_back():
    """On SQLite the load runs with a 256 MB page cache on its connection, and the connection
    gets its own setting back afterwards; PostgreSQL has no such setting and is sent none."""
    sizes: list[int] = []
    pragmas: list[str] = []
    sqlite = db.engine.dialect.name == "sqlite"

    def record(_conn, _cursor, statement, *_args):
        if statement.startswith("PRAGMA cache_size"):
            pragmas.append(statement)
        if sqlite and statement.startswith("INSERT INTO use_case "):
            sizes.append(db.session.execute(sa.text("PRAGMA cache_size")).scalar_one())

    if sqlite:
        db.session.execute(sa.text("PRAGMA cache_size = -3000"))
    sa.event.listen(db.engine, "after_cursor_execute", record)
    try:
        build_synthetic(5, seed=2)
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", record)
    if sqlite:
        assert sizes and set(sizes) == {-262144}
        assert db.session.execute(sa.text("PRAGMA cache_size")).scalar_one() == -3000
    else:
        assert pragmas == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UseCase)) == 5
    db.session.commit()
