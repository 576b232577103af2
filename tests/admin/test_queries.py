"""The administration lists load in a fixed number of queries, however many rows they show."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World
from tracker.auth.models import Role
from tracker.extensions import db
from tracker.institutions.models import InstitutionKind

LISTS = [
    "/admin/regulators/",
    "/admin/programmes/",
    "/admin/cohorts/",
    "/admin/institutions/",
    "/admin/categories/",
    "/admin/users/",
]


@contextmanager
def count_queries() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def _more_of_everything(world: World) -> None:
    for n in range(3):
        regulator = f.create_regulator(f"X{n}")
        programme = f.create_programme(regulator, [world.hkma, world.sfc], name=f"Extra {n}")
        cohort = f.create_cohort(programme, name=f"Extra cohort {n}")
        institution = f.create_institution(regulator, name=f"Extra bank {n}")
        f.create_institution(None, InstitutionKind.TECH_PARTNER, name=f"Extra partner {n}")
        f.create_category(f"Extra category {n}")
        f.create_user(Role.REGULATOR, regulator=regulator)
        f.create_user(Role.INSTITUTION, institution=institution)
        f.create_use_case(cohort, institution, world.category)
    db.session.commit()


@pytest.mark.parametrize("url", LISTS)
def test_list_query_count_does_not_grow(admin_client: FlaskClient, world: World, url: str) -> None:
    with count_queries() as few:
        assert admin_client.get(url).status_code == 200
    _more_of_everything(world)
    with count_queries() as many:
        assert admin_client.get(url).status_code == 200
    assert len(many) == len(few), "\n".join(many)
