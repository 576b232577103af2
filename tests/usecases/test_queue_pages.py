"""The review queue reads each of its lists a page at a time, from a cursor: the proposals oldest
first, the pilots' returns by due date. A cursor the user may not follow shows the first page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tracker.clock import local_today
from tracker.extensions import db, utcnow
from tracker.usecases import views, workspace
from tracker.usecases.models import Stage, UseCase


def _proposals(world: World, n: int) -> list[UseCase]:
    """``n`` proposals submitted a day apart, oldest first, alternately submitted and under
    review (the queue reads each stage from its own index)."""
    made = []
    for i in range(n):
        use_case = f.create_use_case(
            world.cohort,
            world.bank,
            world.category,
            stage=Stage.SUBMITTED if i % 2 else Stage.UNDER_REVIEW,
            title=f"Proposal {i:02d}",
        )
        use_case.submitted_at = utcnow() - timedelta(days=100 - i)
        made.append(use_case)
    db.session.commit()
    return made


def _shown(page: str) -> list[str]:
    return re.findall(r"Proposal \d\d", page)


def _next(page: str, cursor: str) -> str | None:
    found = re.search(rf'href="(/use-cases/queue\?[^"]*{cursor}=[^"]+)" rel="next"', page)
    return found.group(1).replace("&amp;", "&") if found else None


def _cursor(use_case: UseCase) -> str:
    return str(workspace.Cursor(use_case.submitted_at, use_case.id))


def test_the_queue_pages_through_the_proposals_oldest_first(
    client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "QUEUE_LIMIT", 2)
    _proposals(world, 5)
    login(client, world.reviewer)
    page = client.get("/use-cases/queue").get_data(as_text=True)
    assert _shown(page) == ["Proposal 00", "Proposal 01"]
    assert "Showing the 2 oldest of 5." in page and ">First<" not in page
    seen: list[str] = []
    url = _next(page, "proposals_after")
    while url is not None:
        assert len(seen) < 5, seen  # a cursor that is ignored would start again
        page = client.get(url).get_data(as_text=True)
        seen += _shown(page)
        assert ">First<" in page and "Showing " in page and "of 5, after the older ones." in page
        url = _next(page, "proposals_after")
    assert seen == ["Proposal 02", "Proposal 03", "Proposal 04"]


def test_a_cursor_that_is_not_one_shows_the_first_page(
    client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "QUEUE_LIMIT", 2)
    made = _proposals(world, 3)
    login(client, world.reviewer)
    first = _shown(client.get("/use-cases/queue").get_data(as_text=True))
    later = _cursor(made[0])
    for cursor in (
        "x",
        str(made[0].id),  # an id alone
        later.split("~")[0],  # a time alone
        later.replace("~", "~x"),
        later.replace("~", "+08:00~"),  # stored times are naive UTC
        later + "9" * 60,
    ):
        page = client.get(f"/use-cases/queue?proposals_after={cursor}").get_data(as_text=True)
        assert _shown(page) == first, cursor
        assert ">First<" not in page


def test_a_page_reads_on_from_its_place_when_the_row_before_it_leaves_the_list(
    client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cursor is a place, not a row: a decision on the last proposal of a page does not send
    the next page back to the start."""
    monkeypatch.setattr(views, "QUEUE_LIMIT", 2)
    made = _proposals(world, 5)
    login(client, world.reviewer)
    url = _next(client.get("/use-cases/queue").get_data(as_text=True), "proposals_after")
    assert url is not None
    made[1].stage = Stage.REJECTED
    db.session.commit()
    assert _shown(client.get(url).get_data(as_text=True)) == ["Proposal 02", "Proposal 03"]


def test_a_page_past_the_end_says_so_and_keeps_the_total(
    client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "QUEUE_LIMIT", 2)
    _proposals(world, 3)
    login(client, world.reviewer)
    future = workspace.Cursor(utcnow() + timedelta(days=1), 1)
    page = client.get(f"/use-cases/queue?proposals_after={future}").get_data(as_text=True)
    assert _shown(page) == []
    assert "Proposals waiting on the regulator (3)" in page
    assert "Nothing more in this list." in page and ">First<" in page
    assert "Nothing to review" not in page


def test_each_list_keeps_the_other_lists_place(
    client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "QUEUE_LIMIT", 2)
    made = _proposals(world, 5)
    login(client, world.reviewer)
    overdue = "2020-01-01~1"
    page = client.get(
        f"/use-cases/queue?overdue_after={overdue}&proposals_after={_cursor(made[1])}"
    )
    text = page.get_data(as_text=True)
    assert _shown(text) == ["Proposal 02", "Proposal 03"]
    url = _next(text, "proposals_after")
    assert (
        url is not None
        and f"overdue_after={overdue.replace('~', '%7E')}" in url
        or (url is not None and f"overdue_after={overdue}" in url)
    )
    # The first page of the proposals keeps the overdue list's cursor, and only it.
    assert re.search(r'href="/use-cases/queue\?overdue_after=2020-01-01(~|%7E)1">First<', text)


def test_returns_due_pages_through_the_pilots_by_due_date(world: World) -> None:
    pilots = [
        f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.PILOT)
        for _ in range(5)
    ]
    db.session.commit()
    until = local_today() + timedelta(days=400)
    everything = workspace.Scope()
    expected = sorted(pilots, key=lambda uc: (uc.next_return_due_on, uc.id))
    seen: list[int] = []
    after = None
    pages = 0
    while pages < 5:
        page = workspace.returns_due(world.reviewer, everything, until, limit=2, after=after)
        pages += 1
        assert page.total == 5 and page.is_first == (after is None)
        seen += [due.use_case.id for due in page.items]
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == [uc.id for uc in expected] and pages == 3
    # Another regulator's analyst reading on from the same place sees none of these pilots.
    outsider = workspace.returns_due(
        world.ia_reviewer, everything, until, limit=2, after=workspace.Cursor(date(2000, 1, 1), 0)
    )
    assert outsider.items == [] and outsider.total == 0


def test_the_returns_due_are_counted_up_to_a_limit(
    client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond the limit the count says "more than": counting every overdue return would cost in
    step with the data, and no page reads that far."""
    for _ in range(3):
        f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.PILOT)
    db.session.commit()
    until = local_today() + timedelta(days=400)
    everything = workspace.Scope()
    exact = workspace.returns_due(world.reviewer, everything, until, limit=1)
    assert (exact.total, exact.total_is_lower_bound, exact.total_label) == (3, False, "3")
    assert exact.more_label == "2"
    monkeypatch.setattr(workspace, "WAITING_COUNT_LIMIT", 2)
    capped = workspace.returns_due(world.reviewer, everything, until, limit=1)
    assert (capped.total, capped.total_is_lower_bound) == (2, True)
    assert capped.total_label == "more than 2" and capped.more_label == "more than 1"
    [due] = capped.items
    assert capped.next_after == workspace.Cursor(due.due_on, due.use_case.id)
    monkeypatch.setattr(workspace, "WAITING_COUNT_LIMIT", 3)
    assert workspace.returns_due(world.reviewer, everything, until).total_is_lower_bound is False
