"""Odd ids, page numbers and search text are answered, never a server error."""

from __future__ import annotations

import pytest

from tests.conftest import World, login

URLS = [
    "/use-cases/99999999999999999999",
    "/use-cases/2147483648",
    "/use-cases/?programme=99999999999999999999",
    "/use-cases/?cohort=2147483648&page=99999999999999",
    "/use-cases/?q=%00bad",
    "/use-cases/export.csv?q=%00&institution=99999999999999999999",
    "/board?programme=99999999999999999999&category=-1",
    "/cohorts/?page=-5&q=%00",
    "/institutions/?page=99999999999999999999",
    "/dashboard?cohort=99999999999999999999",
    "/admin/users/?page=99999999999999999999",
    "/reports/99999999999999999999/download",
]


@pytest.mark.parametrize("url", URLS)
def test_odd_requests_get_an_answer(client, world: World, url: str):
    login(client, world.admin)
    assert client.get(url).status_code in (200, 404)
