"""Who may open which administration page: literal tables of role x URL -> status."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.conftest import World, login

ROLES = ("admin", "reviewer", "supervisor", "bank_user", None)

# URL (placeholders filled from the world) -> status for admin, HKMA regulator staff,
# HKMA supervisor, bank user, anonymous. The reviewer's remit is "GenA.I. Sandbox" ({cohort});
# {other_cohort} belongs to the IA's programme, so for the reviewer it does not exist (404).
# Whoever may not enter an area gets 403 for all of it, before any record is loaded.
GET_TABLE: list[tuple[str, tuple[int, int, int, int, int]]] = [
    ("/admin/regulators/", (200, 403, 403, 403, 302)),
    ("/admin/regulators/new", (200, 403, 403, 403, 302)),
    ("/admin/regulators/{hkma}/edit", (200, 403, 403, 403, 302)),
    ("/admin/programmes/", (200, 403, 403, 403, 302)),
    ("/admin/programmes/new", (200, 403, 403, 403, 302)),
    ("/admin/programmes/{programme}/edit", (200, 403, 403, 403, 302)),
    ("/admin/cohorts/", (200, 200, 403, 403, 302)),
    ("/admin/cohorts/new", (200, 200, 403, 403, 302)),
    ("/admin/cohorts/{cohort}/edit", (200, 200, 403, 403, 302)),
    ("/admin/cohorts/{other_cohort}/edit", (200, 404, 403, 403, 302)),
    ("/admin/institutions/", (200, 403, 403, 403, 302)),
    ("/admin/institutions/new", (200, 403, 403, 403, 302)),
    ("/admin/institutions/{bank}/edit", (200, 403, 403, 403, 302)),
    ("/admin/categories/", (200, 200, 403, 403, 302)),
    ("/admin/categories/new", (200, 200, 403, 403, 302)),
    ("/admin/categories/{category}/edit", (200, 200, 403, 403, 302)),
    ("/admin/users/", (200, 403, 403, 403, 302)),
    ("/admin/users/new", (200, 403, 403, 403, 302)),
    ("/admin/users/{bank_user}/edit", (200, 403, 403, 403, 302)),
    ("/admin/users/two-factor", (200, 403, 403, 403, 302)),
]

# POSTs with the names blanked: a create or edit form re-renders with errors (200); an action
# redirects (302).
BLANK = {"code": "", "name": "", "name_en": "", "email": ""}
POST_TABLE: list[tuple[str, tuple[int, int, int, int, int]]] = [
    ("/admin/regulators/new", (200, 403, 403, 403, 302)),
    ("/admin/regulators/{hkma}/edit", (200, 403, 403, 403, 302)),
    ("/admin/regulators/{hkma}/deactivate", (302, 403, 403, 403, 302)),
    ("/admin/regulators/{hkma}/reactivate", (302, 403, 403, 403, 302)),
    ("/admin/programmes/new", (200, 403, 403, 403, 302)),
    ("/admin/programmes/{programme}/deactivate", (302, 403, 403, 403, 302)),
    ("/admin/cohorts/new", (200, 200, 403, 403, 302)),
    ("/admin/cohorts/{cohort}/edit", (200, 200, 403, 403, 302)),
    ("/admin/cohorts/{cohort}/close", (302, 302, 403, 403, 302)),
    ("/admin/cohorts/{other_cohort}/edit", (200, 404, 403, 403, 302)),
    ("/admin/cohorts/{other_cohort}/close", (302, 404, 403, 403, 302)),
    ("/admin/institutions/new", (200, 403, 403, 403, 302)),
    ("/admin/institutions/{bank}/deactivate", (302, 403, 403, 403, 302)),
    ("/admin/categories/new", (200, 200, 403, 403, 302)),
    ("/admin/categories/{category}/edit", (200, 200, 403, 403, 302)),
    ("/admin/categories/{category}/deactivate", (302, 302, 403, 403, 302)),
    ("/admin/categories/{category}/reactivate", (302, 302, 403, 403, 302)),
    ("/admin/users/new", (200, 403, 403, 403, 302)),
    ("/admin/users/{bank_user}/edit", (200, 403, 403, 403, 302)),
    ("/admin/users/{bank_user}/deactivate", (302, 403, 403, 403, 302)),
    ("/admin/users/{bank_user}/reactivate", (302, 403, 403, 403, 302)),
    ("/admin/users/{bank_user}/invite", (302, 403, 403, 403, 302)),
    ("/admin/users/{bank_user}/reset-two-factor", (302, 403, 403, 403, 302)),
    ("/admin/users/two-factor", (302, 403, 403, 403, 302)),
]


def _cases(table: list[tuple[str, tuple[int, int, int, int, int]]]) -> list[object]:
    return [
        pytest.param(url, role, status, id=f"{url}-{role or 'anonymous'}")
        for url, statuses in table
        for role, status in zip(ROLES, statuses, strict=True)
    ]


def _url(template: str, world: World) -> str:
    return template.format(
        hkma=world.hkma.id,
        programme=world.programme.id,
        cohort=world.cohort.id,
        other_cohort=world.other_cohort.id,
        bank=world.bank.id,
        category=world.category.id,
        bank_user=world.bank_user.id,
    )


def _as(client: FlaskClient, world: World, role: str | None) -> None:
    if role is not None:
        login(client, getattr(world, role))


@pytest.mark.parametrize(("url", "role", "status"), _cases(GET_TABLE))
def test_get(client: FlaskClient, world: World, url: str, role: str | None, status: int) -> None:
    _as(client, world, role)
    response = client.get(_url(url, world))
    assert response.status_code == status
    if role is None:
        assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(("url", "role", "status"), _cases(POST_TABLE))
def test_post(client: FlaskClient, world: World, url: str, role: str | None, status: int) -> None:
    _as(client, world, role)
    response = client.post(_url(url, world), data=BLANK)
    assert response.status_code == status
    if role is None:
        assert response.headers["Location"].startswith("/login")


# Cohort remit for regulator staff of each regulator: HKMA leads the programme, SFC takes part,
# the IA does neither (it leads the other programme).
COHORT_REMIT: list[tuple[str, str, int]] = [
    ("reviewer", "/admin/cohorts/{cohort}/edit", 200),
    ("sfc_reviewer", "/admin/cohorts/{cohort}/edit", 200),
    ("ia_reviewer", "/admin/cohorts/{cohort}/edit", 404),
    ("reviewer", "/admin/cohorts/{other_cohort}/edit", 404),
    ("sfc_reviewer", "/admin/cohorts/{other_cohort}/edit", 404),
    ("ia_reviewer", "/admin/cohorts/{other_cohort}/edit", 200),
]


@pytest.mark.parametrize(("role", "url", "status"), COHORT_REMIT)
def test_cohort_remit(client: FlaskClient, world: World, role: str, url: str, status: int) -> None:
    login(client, getattr(world, role))
    assert client.get(_url(url, world)).status_code == status


@pytest.mark.parametrize(
    "url",
    [
        "/admin/regulators/{hkma}/deactivate",
        "/admin/cohorts/{cohort}/close",
        "/admin/users/{bank_user}/deactivate",
        "/admin/users/{bank_user}/invite",
        "/admin/users/{bank_user}/reset-two-factor",
    ],
)
def test_actions_are_post_only(admin_client: FlaskClient, world: World, url: str) -> None:
    assert admin_client.get(_url(url, world)).status_code == 405


def test_missing_record_is_404(admin_client: FlaskClient) -> None:
    assert admin_client.get("/admin/regulators/9999/edit").status_code == 404
    assert admin_client.post("/admin/users/9999/invite").status_code == 404
    assert admin_client.post("/admin/users/9999/reset-two-factor").status_code == 404
    assert admin_client.post("/admin/categories/9999/deactivate").status_code == 404


# Every object URL with an id that exists and one that does not: for everyone but the admin the
# two answers are the same, so nobody can count ids. Statuses for admin, HKMA regulator staff,
# HKMA supervisor, bank user; "missing" stands for an id no record has.
EXISTS_OR_NOT: list[tuple[str, str, tuple[int, int, int, int], tuple[int, int, int, int]]] = [
    ("GET", "/admin/regulators/{id}/edit", (200, 403, 403, 403), (404, 403, 403, 403)),
    ("POST", "/admin/regulators/{id}/deactivate", (302, 403, 403, 403), (404, 403, 403, 403)),
    ("GET", "/admin/programmes/{id}/edit", (200, 403, 403, 403), (404, 403, 403, 403)),
    ("POST", "/admin/programmes/{id}/deactivate", (302, 403, 403, 403), (404, 403, 403, 403)),
    ("GET", "/admin/institutions/{id}/edit", (200, 403, 403, 403), (404, 403, 403, 403)),
    ("POST", "/admin/institutions/{id}/reactivate", (302, 403, 403, 403), (404, 403, 403, 403)),
    ("GET", "/admin/categories/{id}/edit", (200, 200, 403, 403), (404, 404, 403, 403)),
    ("GET", "/admin/users/{id}/edit", (200, 403, 403, 403), (404, 403, 403, 403)),
    ("POST", "/admin/users/{id}/reactivate", (302, 403, 403, 403), (404, 403, 403, 403)),
    # An IA cohort: outside the HKMA reviewer's remit it is as missing as a missing one.
    ("GET", "/admin/cohorts/{id}/edit", (200, 404, 403, 403), (404, 404, 403, 403)),
    ("POST", "/admin/cohorts/{id}/close", (302, 404, 403, 403), (404, 404, 403, 403)),
]
EXISTING = {
    "regulators": "sfc",
    "programmes": "other_programme",
    "institutions": "other_bank",
    "categories": "category",
    "users": "other_bank_user",
    "cohorts": "other_cohort",
}
MISSING_ID = 987654


@pytest.mark.parametrize(
    ("method", "url", "role", "exists", "missing"),
    [
        pytest.param(method, url, role, e, m, id=f"{method}-{url}-{role}")
        for method, url, existing, missing in EXISTS_OR_NOT
        for role, e, m in zip(ROLES[:-1], existing, missing, strict=True)
    ],
)
def test_answer_does_not_depend_on_whether_the_id_exists(
    client: FlaskClient,
    world: World,
    method: str,
    url: str,
    role: str,
    exists: int,
    missing: int,
) -> None:
    login(client, getattr(world, role))
    area = url.split("/")[2]
    record_id = getattr(world, EXISTING[area]).id
    send = client.get if method == "GET" else client.post
    assert send(url.format(id=record_id), data={}).status_code == exists
    assert send(url.format(id=MISSING_ID), data={}).status_code == missing
