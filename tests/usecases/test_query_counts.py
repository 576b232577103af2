"""The use-case page and the review queue issue a bounded number of SQL queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import sqlalchemy as sa

from tests import factories as f
from tests.conftest import World, login
from tracker.extensions import db
from tracker.usecases import services
from tracker.usecases.models import MilestoneStatus, Rag, Severity, Stage


@contextmanager
def count_queries() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def _busy_use_case(world: World, records: int) -> int:
    # Weekly returns from a pilot that began long enough ago for every period to be in the past.
    start = date.today() - timedelta(days=7 * records + 7)
    uc = f.create_use_case(
        world.cohort,
        world.bank,
        world.category,
        stage=Stage.PILOT,
        partners=[world.partner],
        pilot_started_on=start,
    )
    for n in range(records):
        services.file_return(
            uc,
            world.bank_user,
            services.ReturnData(
                period_start=start + timedelta(days=7 * n),
                period_end=start + timedelta(days=7 * n + 6),
                rag=Rag.GREEN,
                narrative=f"Month {n}",
                attested_by_name="A. Manager",
                attested_by_title="CRO",
                kpi_values=tuple((kpi, str(n)) for kpi in uc.kpi_list),
                incidents=(
                    services.IncidentData(
                        "Glitch", Severity.LOW, "", "", occurred_on=start + timedelta(days=7 * n)
                    ),
                ),
            ),
        )
        services.save_milestone(
            uc,
            None,
            user=world.reviewer,
            title=f"Milestone {n}",
            planned_on=start + timedelta(days=n),
            actual_on=None,
            status=MilestoneStatus.PLANNED,
        )
        services.post_message(uc, world.reviewer, f"Note {n}", internal=n % 2 == 0)
        services.add_document(uc, world.bank_user, f"file{n}.pdf", b"%PDF-1.4\n%x\n")
    f.create_review(uc, world.reviewer)
    db.session.commit()
    return uc.id


def _queries_for(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def test_use_case_page_query_count_does_not_grow(client, world: World):
    small = _busy_use_case(world, 1)
    large = _busy_use_case(world, 12)
    login(client, world.reviewer)
    few = _queries_for(client, f"/use-cases/{small}")
    many = _queries_for(client, f"/use-cases/{large}")
    assert few == many
    # 20, 4 for the reporting schedule, expected returns (with reminders) and incidents, and 3
    # for the plan's KPI series and open boundary breach.
    assert many <= 27


def test_review_queue_query_count_does_not_grow(client, world: World):
    for _ in range(2):
        f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    login(client, world.reviewer)
    few = _queries_for(client, "/use-cases/queue")
    for _ in range(20):
        f.create_use_case(world.cohort, world.other_bank, world.category, stage=Stage.UNDER_REVIEW)
        f.create_use_case(world.cohort, world.other_bank, world.category, stage=Stage.PILOT)
    db.session.commit()
    many = _queries_for(client, "/use-cases/queue")
    assert few == many
