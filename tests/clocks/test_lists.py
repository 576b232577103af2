""" "Due soon" and "overdue" on the use-case list, the board and the dashboard: the right rows,
for the right people, read from the due-date index."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tests.dashboard.test_query_plans import captured, plan
from tracker.clocks.queries import due_soon_until
from tracker.extensions import db
from tracker.usecases.models import Stage, UseCase

TODAY = date(2026, 3, 2)  # a Monday; five working days on is Monday 9 March


@dataclass
class Clocked:
    overdue: UseCase
    soon: UseCase
    later: UseCase
    paused: UseCase
    rival_overdue: UseCase


@pytest.fixture
def clocked(world: World, freeze_time: Callable[[datetime], datetime]) -> Clocked:
    freeze_time(datetime(2026, 3, 2, 2, 0))

    def make(title: str, stage: Stage, due: date | None, bank: object = None) -> UseCase:
        uc = f.create_use_case(
            world.cohort, bank or world.bank, world.category, stage=stage, title=title
        )
        uc.clock_due_on = due
        return uc

    cases = Clocked(
        overdue=make("Overdue review", Stage.UNDER_REVIEW, date(2026, 2, 27)),
        soon=make("Soon to start", Stage.SUBMITTED, date(2026, 3, 5)),
        later=make("Later answer", Stage.CHANGES_REQUESTED, date(2026, 4, 1)),
        paused=make("Paused pilot", Stage.SUSPENDED, None),
        rival_overdue=make(
            "Rival overdue", Stage.SUBMITTED, date(2026, 2, 20), bank=world.other_bank
        ),
    )
    db.session.commit()
    return cases


def titles(html: str) -> list[str]:
    return re.findall(r'class="clamp-2[^"]*">([^<]+)</a>', html)


def test_due_soon_reaches_five_working_days(app: object) -> None:
    assert due_soon_until(TODAY) == date(2026, 3, 9)
    # Over Easter 2026 (3, 6 and 7 April are holidays) the window stretches.
    assert due_soon_until(date(2026, 4, 2)) == date(2026, 4, 14)  # 8, 9, 10, 13, 14 April


@pytest.mark.parametrize(
    ("user", "query", "expected"),
    [
        ("reviewer", "clock=overdue", {"Overdue review", "Rival overdue"}),
        ("reviewer", "clock=due_soon", {"Soon to start"}),
        (
            "reviewer",
            "clock=running",
            {"Overdue review", "Soon to start", "Later answer", "Rival overdue"},
        ),
        ("bank_user", "clock=overdue", {"Overdue review"}),
        ("bank_user", "clock=running", {"Overdue review", "Soon to start", "Later answer"}),
        ("other_bank_user", "clock=overdue", {"Rival overdue"}),
        ("ia_reviewer", "clock=overdue", set()),
    ],
)
def test_list_filters_by_clock(
    client: FlaskClient, world: World, clocked: Clocked, user: str, query: str, expected: set[str]
) -> None:
    login(client, getattr(world, user))
    response = client.get(f"/use-cases/?{query}")
    assert response.status_code == 200
    assert set(titles(response.get_data(as_text=True))) == expected


def test_list_sorts_by_due_date_and_marks_each(
    client: FlaskClient, world: World, clocked: Clocked
) -> None:
    login(client, world.reviewer)
    html = client.get("/use-cases/?sort=due&dir=asc").get_data(as_text=True)
    # Sorting by due date lists the use cases whose clock runs, soonest first.
    assert titles(html) == ["Rival overdue", "Overdue review", "Soon to start", "Later answer"]
    assert html.count(">Overdue</span>") == 2
    assert html.count(">Due soon</span>") == 1
    desc = client.get("/use-cases/?sort=due&dir=desc").get_data(as_text=True)
    assert titles(desc) == ["Later answer", "Soon to start", "Overdue review", "Rival overdue"]


def test_list_pages_through_due_dates_with_the_cursor(
    app: object, client: FlaskClient, world: World, clocked: Clocked
) -> None:
    app.config["TRACKER_PAGE_SIZE"] = 2  # type: ignore[attr-defined]
    try:
        login(client, world.reviewer)
        first = client.get("/use-cases/?sort=due&dir=asc").get_data(as_text=True)
        assert titles(first) == ["Rival overdue", "Overdue review"]
        after = re.search(r"after=(\d+)", first)
        assert after
        second = client.get(f"/use-cases/?sort=due&dir=asc&after={after.group(1)}")
        assert titles(second.get_data(as_text=True)) == ["Soon to start", "Later answer"]
    finally:
        app.config["TRACKER_PAGE_SIZE"] = 25  # type: ignore[attr-defined]


def test_an_unknown_clock_filter_is_ignored_with_a_message(
    client: FlaskClient, world: World, clocked: Clocked
) -> None:
    login(client, world.reviewer)
    html = client.get("/use-cases/?clock=late", follow_redirects=True).get_data(as_text=True)
    assert "ignored: clock" in html
    assert len(titles(html)) == 5


def test_board_filters_by_clock(
    app: Flask, client: FlaskClient, world: World, clocked: Clocked
) -> None:
    login(client, world.reviewer)
    html = client.get("/board?clock=overdue").get_data(as_text=True)
    assert set(titles(html)) == {"Overdue review", "Rival overdue"}
    assert "Clock due" in html
    bank = app.test_client()
    login(bank, world.bank_user)
    assert set(titles(bank.get("/board?clock=overdue").get_data(as_text=True))) == {
        "Overdue review"
    }


def test_dashboard_shows_overdue_and_due_soon(
    app: Flask, client: FlaskClient, world: World, clocked: Clocked
) -> None:
    login(client, world.reviewer)
    html = client.get("/dashboard").get_data(as_text=True)
    section = html[html.index('id="clocks-heading"') :]
    section = section[: section.index("</section>")]
    assert titles(section)[:3] == ["Rival overdue", "Overdue review", "Soon to start"]
    assert "Later answer" not in titles(section)
    assert re.search(r">Overdue</a> <span class=\"badge text-bg-danger\">2</span>", section)
    assert 'Due by 09 Mar 2026</a> <span class="badge text-bg-secondary">1</span>' in section

    other = app.test_client()
    login(other, world.ia_reviewer)
    html = other.get("/dashboard").get_data(as_text=True)
    assert "Rival overdue" not in html


def _uses_due_index(lines: list[str]) -> bool:
    return any("ix_use_case_clock_due_on_id" in line for line in lines)


@pytest.mark.parametrize(
    "url",
    [
        "/use-cases/?clock=overdue&sort=due&dir=asc",
        "/use-cases/?clock=due_soon&sort=due&dir=asc",
        "/dashboard",
    ],
)
def test_clock_filters_read_the_due_date_index(
    client: FlaskClient, world: World, clocked: Clocked, url: str
) -> None:
    login(client, world.admin)
    with captured() as statements:
        assert client.get(url).status_code == 200
    reading = [
        (s, p)
        for s, p in statements
        if "LIMIT" in s and re.search(r"WHERE .*use_case\.clock_due_on (<|BETWEEN|IS NOT)", s, re.S)
    ]
    assert reading, url
    for statement, parameters in reading:
        lines = plan(statement, parameters)
        assert _uses_due_index(lines), (url, lines)
        if url.startswith("/use-cases/"):
            # The list's page comes in index order and stops; the dashboard's totals (a window
            # count) read the whole overdue-or-due-soon range of the index, which is small.
            sorting = [
                line for line in lines if "TEMP B-TREE FOR ORDER BY" in line or "Sort  (" in line
            ]
            assert not sorting, (url, lines)


def test_clock_due_on_has_its_index(app: object) -> None:
    with warnings.catch_warnings():
        # SQLite's reflection skips (with a warning) the table's index on ``lower(title)``.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection")
        indexes = sa.inspect(db.engine).get_indexes("use_case")
    assert {"name": "ix_use_case_clock_due_on_id", "columns": ["clock_due_on", "id"]} in [
        {"name": i["name"], "columns": i["column_names"]} for i in indexes
    ]


def test_the_api_lists_by_clock_with_due_dates(
    client: FlaskClient, world: World, clocked: Clocked
) -> None:
    from tests.api.conftest import Api, make_token

    api = Api(client, make_token(world.bank_user))
    response = api.get("/use-cases?clock=overdue")
    assert response.status_code == 200, response.get_json()
    items = response.get_json()["items"]
    assert [(i["title"], i["clock_due_on"]) for i in items] == [("Overdue review", "2026-02-27")]
    assert api.get("/use-cases?clock=late").status_code in (400, 422)


def test_the_csv_export_carries_the_due_date(
    client: FlaskClient, world: World, clocked: Clocked
) -> None:
    import csv
    import io

    login(client, world.reviewer)
    raw = client.get("/use-cases/export.csv?clock=overdue&sort=due&dir=asc").get_data()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][-1] == "Clock due"
    assert [(r[1], r[-1]) for r in rows[1:]] == [
        ("Rival overdue", "2026-02-20"),
        ("Overdue review", "2026-02-27"),
    ]


def test_board_filtered_by_clock_shows_the_soonest_due_first(
    client: FlaskClient, world: World, clocked: Clocked
) -> None:
    # A second submitted case, due later than "Soon to start" but waiting longer.
    older = f.create_use_case(
        world.cohort, world.bank, world.category, stage=Stage.SUBMITTED, title="Waited longest"
    )
    older.stage_changed_at = datetime(2026, 1, 5, 2, 0)
    older.clock_due_on = date(2026, 3, 20)
    db.session.commit()
    login(client, world.reviewer)
    running = client.get("/board?clock=running").get_data(as_text=True)
    column = running[running.index('id="col-submitted"') :]
    column = column[: column.index("</section>")]
    assert titles(column) == ["Rival overdue", "Soon to start", "Waited longest"]
    assert "whose clock falls due soonest" in running
    unfiltered = client.get("/board").get_data(as_text=True)
    column = unfiltered[unfiltered.index('id="col-submitted"') :]
    assert titles(column[: column.index("</section>")])[0] == "Waited longest"
