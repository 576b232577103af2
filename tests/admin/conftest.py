"""Fixtures for the administration tests."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.conftest import World, login


@pytest.fixture
def admin_client(client: FlaskClient, world: World) -> FlaskClient:
    """A client signed in as the administrator of ``world``."""
    login(client, world.admin)
    return client


@pytest.fixture
def reviewer_client(client: FlaskClient, world: World) -> FlaskClient:
    """A client signed in as HKMA regulator staff (the lead regulator of ``world.programme``)."""
    login(client, world.reviewer)
    return client
