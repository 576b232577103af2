"""The use-case list: filters, search, sorting, pagination, CSV export."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tests.dashboard.conftest import Cases
from tracker.extensions import db
from tracker.institutions.models import InstitutionKind
from tracker.usecases import listing
from tracker.usecases.listing import neutralise
from tracker.usecases.models import Stage, UseCase


def titles(client: FlaskClient, url: str) -> list[str]:
    """The use-case titles listed on a page, in order."""
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    out = []
    for chunk in body.split('<a href="/use-cases/')[1:]:
        # The link text, without the language mark a Chinese title carries.
        out.append(re.sub(r"<[^>]+>", "", chunk.split(">", 1)[1].split("</a>", 1)[0]))
    return out


@pytest.fixture
def small_pages(app: Flask) -> Iterator[None]:
    before = app.config["TRACKER_PAGE_SIZE"]
    app.config["TRACKER_PAGE_SIZE"] = 3
    yield
    app.config["TRACKER_PAGE_SIZE"] = before


def test_lists_only_visible(client: FlaskClient, world: World, cases: Cases) -> None:
    login(client, world.bank_user)
    assert sorted(titles(client, "/use-cases/")) == [
        "AML alert triage",
        "Complaint summaries",
        "Deepfake voice detection",
        "Scam call warnings",
    ]


def test_partner_lists_the_case_it_is_named_on(
    client: FlaskClient, world: World, cases: Cases
) -> None:
    login(client, world.partner_user)
    assert titles(client, "/use-cases/") == ["Deepfake voice detection"]


def test_filters(client: FlaskClient, world: World, cases: Cases) -> None:
    login(client, world.admin)
    assert titles(client, "/use-cases/?stage=pilot&sort=title") == [
        "Claims fraud screening",
        "Credit memo drafting",
        "Deepfake voice detection",
    ]
    assert titles(client, f"/use-cases/?stage=pilot&cohort={world.cohort.id}&sort=title") == [
        "Credit memo drafting",
        "Deepfake voice detection",
    ]
    assert titles(client, f"/use-cases/?programme={world.other_programme.id}") == [
        "Claims fraud screening"
    ]
    url = f"/use-cases/?institution={world.other_bank.id}&category={cases.risk.id}&sort=title"
    assert titles(client, url) == ["Credit memo drafting", "Policy assistant"]


def test_filter_cannot_widen_the_remit(client: FlaskClient, world: World, cases: Cases) -> None:
    login(client, world.reviewer)
    assert titles(client, f"/use-cases/?cohort={world.other_cohort.id}") == []


def test_bad_filter_values_are_ignored_with_a_message(
    client: FlaskClient, world: World, cases: Cases
) -> None:
    login(client, world.admin)
    response = client.get("/use-cases/?stage=nonsense&cohort=abc&sort=evil")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "were not understood and were ignored: stage, sort, cohort" in html
    assert len(titles(client, "/use-cases/?stage=nonsense")) == 7  # all but the draft


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("deepfake", ["Deepfake voice detection"]),
        ("DEEPFAKE", ["Deepfake voice detection"]),
        (
            "lion rock",
            [
                "Claims fraud screening",
                "Credit memo drafting",
                "Mule account detection",
                "Policy assistant",
            ],
        ),
        ("kowloon", ["Deepfake voice detection"]),  # partner name
        (
            "獅子山",
            [
                "Claims fraud screening",
                "Credit memo drafting",
                "Mule account detection",
                "Policy assistant",
            ],
        ),  # Chinese institution name
        ("100%", []),  # wildcards are matched literally
        ("_", []),
        ("UC-00001", ["Deepfake voice detection"]),
    ],
)
def test_search(
    client: FlaskClient, world: World, cases: Cases, query: str, expected: list[str]
) -> None:
    world.other_bank.name_zh = "獅子山銀行"
    db.session.commit()
    login(client, world.admin)
    assert titles(client, f"/use-cases/?sort=title&q={query.replace('%', '%25')}") == expected


def test_search_in_chinese_title(client: FlaskClient, world: World) -> None:
    f.create_use_case(
        world.cohort, world.bank, world.category, title="深度偽造語音偵測", stage=Stage.SUBMITTED
    )
    f.create_use_case(
        world.cohort, world.bank, world.category, title="Something else", stage=Stage.SUBMITTED
    )
    db.session.commit()
    login(client, world.admin)
    assert titles(client, "/use-cases/?q=語音") == ["深度偽造語音偵測"]


def test_sorting(client: FlaskClient, world: World, cases: Cases) -> None:
    login(client, world.reviewer)
    ascending = titles(client, "/use-cases/?sort=title&dir=asc")
    assert ascending == sorted(ascending, key=str.lower)
    assert titles(client, "/use-cases/?sort=title&dir=desc") == ascending[::-1]
    by_stage = titles(client, "/use-cases/?sort=stage&dir=asc")
    # Lifecycle order, not alphabetical: submitted first (the regulator sees no draft),
    # production last.
    assert by_stage[0] == "AML alert triage"
    assert by_stage[-1] == "Policy assistant"
    html = client.get("/use-cases/?sort=institution&dir=desc").get_data(as_text=True)
    assert 'aria-sort="descending"' in html


def _link(html: str, rel: str) -> str | None:
    """The pager's ``rel`` ("next" or "prev") link, unescaped, or None."""
    match = re.search(r'href="([^"]+)" rel="' + rel + '"', html)
    return match.group(1).replace("&amp;", "&") if match else None


def _walk(client: FlaskClient, url: str, rel: str) -> list[list[str]]:
    """Follow the pager's ``rel`` links from ``url``: the titles of each page in turn."""
    pages = []
    next_url: str | None = url
    while next_url is not None:
        html = client.get(next_url).get_data(as_text=True)
        pages.append(titles(client, next_url))
        next_url = _link(html, rel)
        assert len(pages) < 10
    return pages


def test_keyset_pagination(client: FlaskClient, world: World, cases: Cases, small_pages: None):
    login(client, world.reviewer)
    pages = _walk(client, "/use-cases/?sort=title", "next")
    # Six proposals in the reviewer's remit, three a page.
    assert [len(p) for p in pages] == [3, 3]
    listed = [t for p in pages for t in p]
    assert listed == sorted(listed, key=str.lower)
    html = client.get("/use-cases/?sort=title").get_data(as_text=True)
    assert _link(html, "prev") is None
    next_url = _link(html, "next")
    assert next_url is not None and "sort=title" in next_url and "dir=asc" in next_url
    # Back from the last page lands on the first, which has no previous link.
    last = client.get(next_url).get_data(as_text=True)
    prev_url = _link(last, "prev")
    assert prev_url is not None and "before=" in prev_url
    assert titles(client, prev_url) == pages[0]
    assert _link(client.get(prev_url).get_data(as_text=True), "prev") is None
    html = client.get("/use-cases/?sort=title&stage=pilot").get_data(as_text=True)
    assert 'rel="next"' not in html  # two pilots fit on one page: no pager


def test_keyset_pagination_is_stable_under_ties(
    client: FlaskClient, world: World, small_pages: None
) -> None:
    """Seven cases with the same title and the same update time: each appears exactly once,
    forwards and backwards, ordered by id."""
    moment = datetime(2026, 11, 1, 9, 0)
    ids = []
    for _ in range(7):
        uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
        uc.title = "Same title"
        ids.append(uc.id)
    db.session.flush()
    db.session.execute(sa.update(UseCase).values(updated_at=moment, stage_changed_at=moment))
    db.session.commit()
    login(client, world.reviewer)
    for sort in (
        "title&dir=asc",
        "title&dir=desc",
        "updated",
        "in_stage",
        "stage&dir=desc",
        "institution",
        "cohort&dir=desc",
        "category",
    ):
        html_pages = []
        url: str | None = f"/use-cases/?sort={sort}"
        while url is not None:
            html = client.get(url).get_data(as_text=True)
            html_pages.append(re.findall(r">UC-(\d{5})<", html.split("<tbody>", 1)[1]))
            url = _link(html, "next")
        forwards = [int(n) for page in html_pages for n in page]
        assert sorted(forwards) == sorted(ids), sort
        assert [len(p) for p in html_pages] == [3, 3, 1], sort
        # And back again from the last page.
        backwards: list[int] = []
        url = _link(html, "prev")
        while url is not None:
            html = client.get(url).get_data(as_text=True)
            backwards = [
                int(n) for n in re.findall(r">UC-(\d{5})<", html.split("<tbody>", 1)[1])
            ] + backwards
            url = _link(html, "prev")
        assert backwards == forwards[:6], sort


def test_a_cursor_naming_an_invisible_case_shows_the_first_page(
    client: FlaskClient, world: World, cases: Cases, small_pages: None
) -> None:
    login(client, world.reviewer)
    first = titles(client, "/use-cases/?sort=title")
    # The draft is the institution's own: the reviewer may not page from it.
    assert titles(client, f"/use-cases/?sort=title&after={cases.draft.id}") == first
    assert titles(client, "/use-cases/?sort=title&after=999999") == first


def test_count_is_capped(
    client: FlaskClient, world: World, cases: Cases, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "COUNT_LIMIT", 4)
    login(client, world.reviewer)
    html = client.get("/use-cases/").get_data(as_text=True)
    assert "more than 4 use cases found" in html
    assert "Export all to CSV" in html
    html = client.get("/use-cases/?stage=pilot").get_data(as_text=True)
    assert "2 use cases found" in html


def test_a_search_counts_up_to_its_own_limit(
    client: FlaskClient, world: World, cases: Cases, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search reads each candidate the text index gives to count it, so it counts fewer than a
    list of filters does; the list unfiltered still counts to its own limit."""
    monkeypatch.setattr(listing, "SEARCH_COUNT_LIMIT", 1)
    monkeypatch.setattr(listing, "COUNT_LIMIT", 100)
    login(client, world.admin)
    every = client.get("/use-cases/").get_data(as_text=True)
    assert "more than" not in every
    found = re.search(r"(\d+) use cases found", every)
    assert found and int(found.group(1)) > 2
    html = client.get("/use-cases/?q=a").get_data(as_text=True)
    assert "more than 1 use cases found" in html
    assert "Export all to CSV" in html
    assert listing.count_limit(listing.ListFilters(q="fraud")) == 1
    assert listing.count_limit(listing.ListFilters(stage=Stage.PILOT)) == 100


def test_institution_choices_search_as_you_type(
    client: FlaskClient, world: World, cases: Cases
) -> None:
    login(client, world.admin)
    names = {r["name"] for r in client.get("/use-cases/institutions.json").get_json()["results"]}
    # Lead institutions only: the technology partner leads nothing.
    assert names == {world.bank.name, world.other_bank.name}
    found = client.get(f"/use-cases/institutions.json?q={world.other_bank.name[:5]}").get_json()
    assert [r["id"] for r in found["results"]] == [world.other_bank.id]
    assert client.get("/use-cases/institutions.json?q=zzzz").get_json() == {"results": []}


def test_institution_choices_only_what_the_user_may_see(
    client: FlaskClient, world: World, cases: Cases
) -> None:
    login(client, world.bank_user)
    results = client.get("/use-cases/institutions.json").get_json()["results"]
    assert [r["id"] for r in results] == [world.bank.id]
    found = client.get(f"/use-cases/institutions.json?q={world.other_bank.name}").get_json()
    assert found == {"results": []}


def test_list_no_longer_lists_every_institution(
    client: FlaskClient, world: World, cases: Cases
) -> None:
    login(client, world.admin)
    html = client.get("/use-cases/").get_data(as_text=True)
    assert world.other_bank.name not in html.split("<table", 1)[0]
    assert 'data-institution-filter="/use-cases/institutions.json"' in html
    assert "/static/js/institution-filter.js" in html
    html = client.get(f"/use-cases/?institution={world.other_bank.id}").get_data(as_text=True)
    assert f'name="institution" value="{world.other_bank.id}"' in html
    assert f'value="{world.other_bank.name}"' in html


def test_empty_states(client: FlaskClient, world: World) -> None:
    login(client, world.reviewer)
    assert "No use cases yet" in client.get("/use-cases/").get_data(as_text=True)
    assert "No use case matches" in client.get("/use-cases/?q=zzz").get_data(as_text=True)


def read_csv(client: FlaskClient, url: str) -> tuple[bytes, list[list[str]]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_export(client: FlaskClient, world: World, cases: Cases) -> None:
    world.bank.name_zh = "海港銀行"
    partner = f.create_institution(None, InstitutionKind.TECH_PARTNER, name="@Cloud Co")
    f.create_use_case(
        world.cohort,
        world.bank,
        world.category,
        stage=Stage.SUBMITTED,
        title='=HYPERLINK("http://evil","click")',
        partners=[partner],
    )
    f.create_use_case(world.cohort, world.bank, world.category, title="-2+3")
    f.create_use_case(world.cohort, world.bank, world.category, title="+cmd|' /C calc'!A0")
    f.create_use_case(world.cohort, world.bank, world.category, title="\tTabbed")
    f.create_use_case(world.cohort, world.bank, world.category, title="反詐騙模型")
    db.session.commit()
    login(client, world.bank_user)
    raw, rows = read_csv(client, "/use-cases/export.csv?sort=title")
    assert raw.startswith(b"\xef\xbb\xbf")
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Reference", "Title", "Institution"]
    by_title = {row[1]: row for row in body}
    assert '\'=HYPERLINK("http://evil","click")' in by_title
    assert "'-2+3" in by_title
    assert "'+cmd|' /C calc'!A0" in by_title
    assert "'\tTabbed" in by_title
    assert "反詐騙模型" in by_title
    assert by_title["反詐騙模型"][3] == "海港銀行"
    assert by_title['\'=HYPERLINK("http://evil","click")'][4] == "'@Cloud Co"
    # Only this institution's cases: four from the fixture and five added here.
    assert len(body) == 9
    assert not any(cell.startswith(("=", "+", "-", "@", "\t")) for row in body for cell in row)


def test_csv_export_follows_filters(client: FlaskClient, world: World, cases: Cases) -> None:
    login(client, world.reviewer)
    _raw, rows = read_csv(client, "/use-cases/export.csv?stage=pilot&sort=title")
    assert [r[1] for r in rows[1:]] == ["Credit memo drafting", "Deepfake voice detection"]
    assert rows[1][8] == "Pilot"
    _raw, rows = read_csv(client, f"/use-cases/export.csv?cohort={world.other_cohort.id}")
    assert rows[1:] == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t'=1"),
        ("\r=1", "'\r'=1"),
        ("a=1", "a=1"),
        ("", ""),
        (None, ""),
        (42, "42"),
        ("風險管理", "風險管理"),
    ],
)
def test_neutralise(value: object, expected: str) -> None:
    assert neutralise(value) == expected
