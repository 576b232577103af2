"""The use-case list: filters, search, sorting, pagination, CSV export."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tests.dashboard.conftest import Cases
from tracker.extensions import db
from tracker.institutions.models import InstitutionKind
from tracker.usecases.listing import neutralise
from tracker.usecases.models import Stage


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


def test_pagination(client: FlaskClient, world: World, cases: Cases, small_pages: None) -> None:
    login(client, world.reviewer)
    first = titles(client, "/use-cases/?sort=title")
    second = titles(client, "/use-cases/?sort=title&page=2")
    third = titles(client, "/use-cases/?sort=title&page=3")
    assert len(first) == 3 and len(second) == 3 and third == []
    assert sorted(first + second + third, key=str.lower) == first + second + third
    html = client.get("/use-cases/?sort=title&stage=pilot&page=1").get_data(as_text=True)
    assert "page 1 of" not in html  # two pilots fit on one page: no pager
    html = client.get("/use-cases/?sort=title").get_data(as_text=True)
    assert "/use-cases/?sort=title&amp;dir=asc&amp;page=2" in html  # filters kept
    assert titles(client, "/use-cases/?sort=title&page=99") == []


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
