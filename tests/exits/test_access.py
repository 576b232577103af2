# ruff: noqa: E501  (the tables read one row to a line)
"""Who may issue, list and download exit PDFs, open the exit page and change the publication
record; the public pages need no sign-in. Literal tables."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tests.exits.conftest import Exited
from tracker.auth.models import Role
from tracker.exits import services as exit_services
from tracker.extensions import db
from tracker.reports import services
from tracker.reports.models import IssuedReport, ReportKind

USERS = (
    "admin",
    "supervisor",
    "reviewer",
    "sfc_reviewer",
    "ia_reviewer",
    "bank_user",
    "other_bank_user",
    "partner_user",
    "expert",
)


def _user(world: World, name: str):  # type: ignore[no-untyped-def]
    if name == "expert":
        expert = f.create_user(Role.EXPERT, email="expert@example.com")
        db.session.commit()
        return expert
    return getattr(world, name)


# POST /reports/<slug>/<production case>: 302 asked for (then produced), else refused.
# fmt: off
GENERATE: dict[str, tuple[int, ...]] = {
    #               adm  sup  hkma  sfc   ia  bank obank prtn  exp
    "exit":        (302, 302, 302, 302, 404, 302, 404, 403, 404),
    "exit-proof":  (302, 302, 302, 302, 404, 302, 404, 403, 404),
}
# Exit PDFs issued by HKMA staff on the production case: who lists and downloads them.
SEES =         (True, True, True, True, False, True, False, False, False)
# The exit page and its commands (POSTs with version 0: the consent is recorded, the rest are
# refused as rules). The public pages need no sign-in, and are open to everyone signed in,
# external experts included (tracker.committee.permissions.EXPERT_ENDPOINTS).
PAGES: dict[tuple[str, str], tuple[int, ...]] = {
    #                                   adm  sup  hkma  sfc   ia  bank obank prtn  exp
    ("GET", "/use-cases/{uc}/exit"):             (200, 200, 200, 200, 404, 200, 404, 403, 404),
    ("POST", "/use-cases/{uc}/exit/consent"):    (403, 403, 302, 302, 404, 302, 404, 403, 404),
    ("POST", "/use-cases/{uc}/exit/withdraw"):   (403, 403, 400, 400, 404, 400, 404, 403, 404),
    ("POST", "/use-cases/{uc}/exit/publish"):    (403, 403, 400, 400, 404, 403, 404, 403, 404),
    ("GET", "/published/"):                      (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "/published/{slug}"):                (404, 404, 404, 404, 404, 404, 404, 404, 404),
}
# fmt: on


@pytest.mark.parametrize(
    ("slug", "user", "status"),
    [(slug, user, s) for slug, row in GENERATE.items() for user, s in zip(USERS, row, strict=True)],
)
def test_who_may_issue_exit_pdfs(
    client: FlaskClient, world: World, exited: Exited, slug: str, user: str, status: int
) -> None:
    login(client, _user(world, user))
    response = client.post(f"/reports/{slug}/{exited.production.id}", data={})
    assert response.status_code == status
    issued = db.session.scalars(db.select(IssuedReport)).all()
    assert len(issued) == (1 if status == 302 else 0)


@pytest.mark.parametrize(("user", "sees"), list(zip(USERS, SEES, strict=True)))
def test_who_sees_exit_pdfs(
    client: FlaskClient, world: World, exited: Exited, user: str, sees: bool
) -> None:
    reports = [
        services.issue(kind, exited.production, as_at=None, user=world.reviewer)
        for kind in (ReportKind.EXIT, ReportKind.EXIT_PROOF)
    ]
    db.session.commit()
    login(client, _user(world, user))
    listing = client.get("/reports/")
    for report in reports:
        if listing.status_code == 200:
            assert (report.reference in listing.get_data(as_text=True)) is sees
        assert client.get(f"/reports/{report.id}/download").status_code == (200 if sees else 404)


@pytest.mark.parametrize(
    ("route", "user", "status"),
    [(route, user, s) for route, row in PAGES.items() for user, s in zip(USERS, row, strict=True)],
)
def test_exit_pages_by_role(
    client: FlaskClient,
    world: World,
    exited: Exited,
    route: tuple[str, str],
    user: str,
    status: int,
) -> None:
    login(client, _user(world, user))
    method, template = route
    url = template.format(uc=exited.production.id, slug="not-published")
    response = client.open(url, method=method, data={"version": "0", "abstract": "A."})
    assert response.status_code == status


def test_anonymous_reads_only_the_public_pages(
    client: FlaskClient, world: World, exited: Exited
) -> None:
    uc = exited.production
    assert client.get("/published/").status_code == 200
    for url in (f"/use-cases/{uc.id}/exit", f"/reports/exit/{uc.id}"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    for url in ("consent", "withdraw", "publish"):
        assert client.post(f"/use-cases/{uc.id}/exit/{url}", data={}).status_code == 302
    assert exit_services.publication_of(uc.id) is None
