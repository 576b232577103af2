"""Every main page's queries are served by indexes: EXPLAIN shows no full scan of the big tables,
and the list's page of rows is read in index order (no sort of everything visible).

The test runs on the suite's database. On SQLite the planner's choice does not depend on the row
counts; on PostgreSQL sequential scans and sorts are priced out (``enable_seqscan``,
``enable_sort`` off), so a full scan or a sort that remains is one no index can avoid.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tests.conftest import World, login
from tests.dashboard.conftest import Cases
from tracker.extensions import db

# Tables that grow with the use cases (about ten history rows each).
BIG_TABLES = (
    "use_case",
    "stage_transition",
    "progress_return",
    "milestone",
    "kpi_value",
    "review",
    "review_score",
    "use_case_partner",
)

PAGES = (
    "/dashboard",
    "/dashboard?cohort={cohort}",
    "/use-cases/",
    "/use-cases/?after={pilot}",
    "/use-cases/?before={pilot}",
    "/use-cases/?stage=pilot&category={category}",
    "/use-cases/?sort=in_stage&dir=asc",
    "/use-cases/?clock=overdue",
    "/use-cases/?clock=due_soon&sort=due&dir=asc",
    "/use-cases/?q=voice",
    "/use-cases/{pilot}",
    "/use-cases/queue",
    "/use-cases/queue?proposals_after={submitted_cursor}&overdue_after={pilot_cursor}",
    "/use-cases/institutions.json?q=bank",
    "/cohorts/{cohort}",
    "/board",
    "/board?clock=overdue",
    "/institutions/",
    "/institutions/{bank}",
    "/reports/",
)
# List pages whose rows must come from an index in the list's order, stopping after a page.
ORDERED_PAGES = (
    "/use-cases/",
    "/use-cases/?after={pilot}",
    "/use-cases/?before={pilot}",
    "/use-cases/?stage=pilot&category={category}",
    "/use-cases/?sort=in_stage&dir=asc",
    "/use-cases/?clock=overdue&sort=due&dir=asc",
    "/use-cases/?sort=due&dir=desc",
)


@contextmanager
def captured() -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def plan(statement: str, parameters: Any) -> list[str]:
    """The query plan's lines, on the suite's database."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_sort = off")
            rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).scalars().all()
        else:
            rows = [
                r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            ]
        conn.rollback()
    return [str(r) for r in rows]


def full_scans(lines: list[str]) -> list[str]:
    """Plan lines that read a whole big table."""
    names = "|".join(BIG_TABLES)
    sqlite = re.compile(rf"^SCAN ({names})(?: AS \w+)?$")
    postgres = re.compile(rf"Seq Scan on ({names})\b")
    return [line for line in lines if sqlite.match(line.strip()) or postgres.search(line)]


def sorts(lines: list[str]) -> list[str]:
    return [line for line in lines if "TEMP B-TREE FOR ORDER BY" in line or "Sort  (" in line]


def _url(page: str, world: World, cases: Cases) -> str:
    return page.format(
        cohort=world.cohort.id,
        pilot=cases.pilot.id,
        submitted_cursor=f"{cases.submitted.submitted_at.isoformat()}~{cases.submitted.id}",
        pilot_cursor=f"{cases.pilot.next_return_due_on}~{cases.pilot.id}",
        category=world.category.id,
        bank=world.bank.id,
    )


@pytest.mark.parametrize("user", ["admin", "reviewer", "bank_user"])
def test_no_page_reads_a_big_table_in_full(
    client: FlaskClient, world: World, cases: Cases, user: str
) -> None:
    login(client, getattr(world, user))
    problems = []
    for page in PAGES:
        url = _url(page, world, cases)
        with captured() as statements:
            status = client.get(url).status_code
        if status != 200:
            continue  # pages the user may not open read nothing worth checking
        for statement, parameters in statements:
            found = full_scans(plan(statement, parameters))
            if "q=" in page:
                # Substring search cannot use a B-tree index: it may read use cases in turn, but
                # the count stops at SEARCH_COUNT_LIMIT matches and the page at one page of them.
                found = [line for line in found if not re.search(r"\buse_case\b", line)]
            if found:
                problems.append(f"{url}: {found} in {statement}")
    assert problems == [], "\n\n".join(problems)


@pytest.mark.parametrize("user", ["admin", "reviewer"])
def test_list_rows_come_in_index_order(
    client: FlaskClient, world: World, cases: Cases, user: str
) -> None:
    login(client, getattr(world, user))
    problems = []
    for page in ORDERED_PAGES:
        url = _url(page, world, cases)
        with captured() as statements:
            assert client.get(url).status_code == 200
        rows = [
            (s, p) for s, p in statements if "ORDER BY" in s and "LIMIT" in s and "use_case" in s
        ]
        assert rows, url
        for statement, parameters in rows:
            found = sorts(plan(statement, parameters))
            if found:
                problems.append(f"{url}: {found} in {statement}")
    assert problems == [], "\n\n".join(problems)


def test_the_institution_list_tests_visibility_on_the_kept_counts(
    client: FlaskClient, world: World, cases: Cases
) -> None:
    """Whether an institution takes part in the analyst's remit is read from the kept counts'
    key (``institution_use_case_count``), institution by institution, while the page is read in
    the list's order from an index and stops: neither the use cases nor the partnerships are
    read, nothing is sorted, and on SQLite the probe is by the institution alone (not once per
    cohort of the remit, whose number grows with the data). The same for every sort."""
    login(client, world.reviewer)
    for url in ("/institutions/", "/institutions/?sort=kind&dir=desc"):
        with captured() as statements:
            assert client.get(url).status_code == 200
        listed = [(s, p) for s, p in statements if s.lstrip().startswith("SELECT institution.id")]
        assert listed, url
        for statement, parameters in listed:
            assert "LIMIT" in statement
            lines = plan(statement, parameters)
            text = "\n".join(lines)
            assert not re.search(r"\buse_case(_partner)?\b", text), text
            assert sorts(lines) == [], text
            if db.engine.dialect.name == "sqlite":
                assert any(
                    line.startswith("SCAN institution USING INDEX ix_institution_")
                    for line in lines
                ), text
                probe = "SEARCH institution_use_case_count USING COVERING INDEX"
                probes = [line for line in lines if "institution_use_case_count" in line]
                assert probes and all(
                    line.startswith(probe) and line.endswith("(institution_id=?)")
                    for line in probes
                ), text
            else:
                assert full_scans(lines) == [], text
                # Probed row by row from the key, not hashed from a read of the whole table.
                assert "pk_institution_use_case_count" in text, text


@pytest.mark.parametrize(
    "page", ["/dashboard", "/dashboard?cohort={cohort}", "/cohorts/{cohort}", "/board"]
)
def test_figures_come_from_the_kept_counts(
    client: FlaskClient, world: World, cases: Cases, page: str
) -> None:
    """The regulator's stage-by-category figures, funnel and board totals are read from
    ``use_case_count``; no query groups the use cases themselves by stage."""
    login(client, world.reviewer)
    with captured() as statements:
        assert client.get(_url(page, world, cases)).status_code == 200
    assert any("FROM use_case_count" in s for s, _p in statements)
    grouped = [s for s, _p in statements if re.search(r"GROUP BY use_case\.stage\b", s)]
    assert grouped == []


def test_the_cohort_page_reads_its_use_cases_in_title_order_and_counts_none(
    client: FlaskClient, world: World, cases: Cases
) -> None:
    """A cohort's page of use cases comes from the cohort's title index in the list's order
    (no sort of the cohort's use cases, which grow with it), and how many there are from the
    kept counts (no count of its use cases)."""
    login(client, world.reviewer)
    with captured() as statements:
        assert client.get(f"/cohorts/{world.cohort.id}").status_code == 200
    listed = [(s, p) for s, p in statements if "ORDER BY lower(use_case.title)" in s]
    assert listed
    for statement, parameters in listed:
        lines = plan(statement, parameters)
        assert sorts(lines) == [], "\n".join(lines)
        assert any("ix_use_case_cohort_lower_title_id" in line for line in lines), lines
    counted = [
        s for s, _p in statements if re.match(r"\s*SELECT count\(\*\) .*\bFROM use_case\b", s, re.S)
    ]
    assert counted == []


@pytest.mark.parametrize(
    "page", ["/use-cases/", "/use-cases/?after={pilot}", "/board", "/use-cases/queue"]
)
def test_lists_and_cards_leave_the_long_texts_in_the_database(
    client: FlaskClient, world: World, cases: Cases, page: str
) -> None:
    """A page of rows or cards reads no proposal's summary, problem statement or other long
    text: none of them is shown, and a real proposal's run to pages."""
    login(client, world.reviewer)
    url, title = _url(page, world, cases), cases.pilot.title
    with captured() as statements:
        shown = client.get(url)
    assert shown.status_code == 200
    read = [s for s, _ in statements if "FROM use_case" in s]
    assert read, page
    assert [s for s in read if "use_case.summary" in s or "use_case.kpis" in s] == []
    assert title in shown.get_data(as_text=True) or page != "/board"
