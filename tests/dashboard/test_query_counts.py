"""The main pages issue the same number of SQL queries whatever the number of use cases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tests.dashboard.conftest import add_return
from tracker.extensions import db
from tracker.institutions.models import Category, Institution, InstitutionKind
from tracker.usecases.models import Milestone, MilestoneStatus, Stage

# Upper bounds per page (the sign-in check and the navigation's unread count included); the
# point of the test is that the count does not grow with the data, the bound keeps an eye on the
# absolute number.
PAGES: dict[str, int] = {
    # 12, 1 for the incidents awaiting acknowledgement (2 when there are some), 1 for the
    # stage clocks panel, up to 2 for the KPIs moving away from target (their page with its use
    # cases, and a count only past a page) and 1 for the open boundary breaches (tracker/plans).
    "/dashboard": 17,
    "/dashboard?cohort={cohort}": 17,
    "/use-cases/": 9,
    # 9, and 1 for the institutions, cohorts and categories the term names (read first, so the
    # search of the use cases is planned from what matches).
    "/use-cases/?q=bank&sort=institution": 10,
    # Titles found through the text index, a reference, and a term too short for it.
    "/use-cases/?q=detection": 10,
    "/use-cases/?q=UC-00001": 10,
    "/use-cases/?q=ai": 10,
    "/use-cases/export.csv": 3,
    "/cohorts/{cohort}": 14,
    "/programmes/{programme}": 10,
    "/board": 8,
    "/cohorts/": 7,
    "/institutions/": 6,
    "/institutions/{bank}": 10,
    "/api/charts/stage-category": 5,
    "/api/charts/funnel": 4,
}

STAGES = [
    Stage.DRAFT,
    Stage.SUBMITTED,
    Stage.UNDER_REVIEW,
    Stage.CHANGES_REQUESTED,
    Stage.SELECTED,
    Stage.PILOT,
    Stage.PRODUCTION,
    Stage.REJECTED,
]


@contextmanager
def counting() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def add_use_cases(world: World, n: int, start: int) -> None:
    """``n`` more use cases across stages, institutions, categories, partners, with history."""
    today = date.today()
    categories = [world.category, *db.session.scalars(sa.select(Category).limit(2))]
    banks = [world.bank, world.other_bank]
    for i in range(start, start + n):
        stage = STAGES[i % len(STAGES)]
        uc = f.create_use_case(
            world.cohort if i % 3 else world.other_cohort,
            banks[i % 2],
            categories[i % len(categories)],
            stage=stage,
            title=f"Bank use case {i}",
            partners=[world.partner] if i % 2 else [],
        )
        if stage is Stage.PILOT:
            add_return(uc, today - timedelta(days=40))
            db.session.add(
                Milestone(
                    use_case=uc,
                    title=f"Milestone {i}",
                    planned_on=today - timedelta(days=2),
                    status=MilestoneStatus.IN_PROGRESS,
                )
            )
    db.session.commit()


def count(client: FlaskClient, url: str) -> int:
    with counting() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


@pytest.mark.parametrize("user", ["reviewer", "admin", "supervisor"])
def test_query_count_does_not_grow(client: FlaskClient, world: World, user: str) -> None:
    f.create_category("Risk management")
    f.create_institution(None, InstitutionKind.TECH_PARTNER, name="Second partner")
    db.session.commit()
    login(client, getattr(world, user))
    urls = {
        page.format(cohort=world.cohort.id, programme=world.programme.id, bank=world.bank.id): bound
        for page, bound in PAGES.items()
    }
    add_use_cases(world, 5, 0)
    small = {url: count(client, url) for url in urls}
    add_use_cases(world, 45, 5)
    assert db.session.scalar(sa.select(sa.func.count(Institution.id))) == 4
    large = {url: count(client, url) for url in urls}
    assert large == small
    for url, bound in urls.items():
        assert large[url] <= bound, f"{url}: {large[url]} queries, bound {bound}"


def test_institution_dashboard_query_count(client: FlaskClient, world: World) -> None:
    login(client, world.bank_user)
    add_use_cases(world, 5, 0)
    small = count(client, "/dashboard")
    add_use_cases(world, 45, 5)
    assert count(client, "/dashboard") == small <= 8


def test_supervisor_dashboard_does_not_grow_with_programmes(
    client: FlaskClient, world: World
) -> None:
    """Every cohort row carries a report button whose remit check reads the programme's
    participants: they must come with the programmes, not one query per programme."""
    login(client, world.supervisor)
    small = count(client, "/dashboard")
    for n in range(6):
        programme = f.create_programme(world.hkma, [world.sfc], name=f"Extra programme {n}")
        f.create_cohort(programme, name=f"Extra cohort {n}")
    db.session.commit()
    assert count(client, "/dashboard") == small
