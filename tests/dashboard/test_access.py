"""Who may open which page of the workspace: literal tables of role × page → status."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.conftest import World, login
from tests.dashboard.conftest import Cases

USERS = (
    "admin",
    "reviewer",
    "sfc_reviewer",
    "ia_reviewer",
    "supervisor",
    "bank_user",
    "other_bank_user",
    "partner_user",
)

# page -> status for each user in USERS, in order.
# HKMA leads the GenA.I. programme (cohort), SFC takes part; IA runs the insurance programme
# (other_cohort). Harbour Bank (bank) and Lion Rock Bank (other_bank) are HKMA-supervised; Lion
# Rock also has a case in the IA programme; Kowloon AI Labs (partner) partners a Harbour case.
# fmt: off
TABLE: dict[str, tuple[int, ...]] = {
    #                                                    adm  hkma  sfc   ia  sup  bank othr prtn
    "/dashboard":                                       (200, 200, 200, 200, 200, 200, 200, 200),
    "/board":                                           (200, 200, 200, 200, 200, 200, 200, 200),
    "/use-cases/":                                      (200, 200, 200, 200, 200, 200, 200, 200),
    "/use-cases/export.csv":                            (200, 200, 200, 200, 200, 200, 200, 200),
    "/cohorts/":                                        (200, 200, 200, 200, 200, 403, 403, 403),
    "/institutions/":                                   (200, 200, 200, 200, 200, 403, 403, 403),
    "/cohorts/{cohort}":                                (200, 200, 200, 404, 200, 403, 403, 403),
    "/cohorts/{other_cohort}":                          (200, 404, 404, 200, 404, 403, 403, 403),
    "/programmes/{programme}":                          (200, 200, 200, 404, 200, 403, 403, 403),
    "/programmes/{other_programme}":                    (200, 404, 404, 200, 404, 403, 403, 403),
    "/institutions/{bank}":                             (200, 200, 200, 404, 200, 200, 404, 404),
    "/institutions/{other_bank}":                       (200, 200, 200, 200, 200, 404, 200, 404),
    "/institutions/{partner}":                          (200, 200, 200, 404, 200, 404, 404, 200),
    "/api/charts/funnel":                               (200, 200, 200, 200, 200, 200, 200, 200),
    "/api/charts/stage-category?cohort={cohort}":       (200, 200, 200, 404, 200, 200, 200, 200),
    "/api/charts/stage-category?cohort={other_cohort}": (200, 404, 404, 200, 404, 404, 200, 404),
    "/api/charts/funnel?programme={other_programme}":   (200, 404, 404, 200, 404, 404, 200, 404),
    "/dashboard?cohort={other_cohort}":                 (200, 404, 404, 200, 404, 200, 200, 200),
}
# fmt: on

CASES = [
    (page, user, status)
    for page, row in TABLE.items()
    for user, status in zip(USERS, row, strict=True)
]


def _url(page: str, world: World) -> str:
    return page.format(
        cohort=world.cohort.id,
        other_cohort=world.other_cohort.id,
        programme=world.programme.id,
        other_programme=world.other_programme.id,
        bank=world.bank.id,
        other_bank=world.other_bank.id,
        partner=world.partner.id,
    )


@pytest.mark.parametrize(("page", "user", "status"), CASES)
def test_page_access(
    client: FlaskClient, world: World, cases: Cases, page: str, user: str, status: int
) -> None:
    login(client, getattr(world, user))
    assert client.get(_url(page, world)).status_code == status


@pytest.mark.parametrize("page", list(TABLE))
def test_anonymous_is_sent_to_sign_in(client: FlaskClient, world: World, page: str) -> None:
    response = client.get(_url(page, world))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_unknown_objects_are_404(client: FlaskClient, world: World) -> None:
    login(client, world.admin)
    for url in ("/cohorts/9999", "/programmes/9999", "/institutions/9999"):
        assert client.get(url).status_code == 404
    assert client.get("/dashboard?cohort=9999").status_code == 404
    assert client.get("/api/charts/funnel?programme=9999").status_code == 404
