"""The dashboard's open boundary breaches are counted from their own index, not by reading every
visible use case in turn (what made the count grow with the use cases)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tests import factories as f
from tests.conftest import World
from tracker.extensions import db
from tracker.plans import queries
from tracker.usecases.models import Stage


def test_the_open_breaches_count_reads_the_open_breach_index(world: World) -> None:
    for _ in range(3):
        f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.PILOT)
    db.session.commit()
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_args: Any) -> None:
        seen.append((statement, params))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert queries.open_breaches(world.reviewer, sa.true()) == ([], 0)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    [(statement, params)] = [(s, p) for s, p in seen if "boundary_breach" in s]
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")
            rows = conn.exec_driver_sql("EXPLAIN " + statement, params).all()
        else:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
    plan = "\n".join(str(row[-1]) for row in rows)
    assert "ix_boundary_breach_open" in plan, plan
    if db.engine.dialect.name == "sqlite":
        # The use cases are looked up by key, one per open breach.
        assert "SEARCH use_case USING INTEGER PRIMARY KEY" in plan, plan
