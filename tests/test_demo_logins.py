"""The demo-login table says which kind of account each is and whose it is."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tracker.demo import DEMO_PASSWORD, seed_demo
from tracker.extensions import db


@pytest.fixture
def listed(app: Flask, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The demo-logins output as {email: label}."""
    monkeypatch.setitem(app.config, "TRACKER_DEMO_MODE", True)
    seed_demo()
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["demo-logins"])
    assert result.exit_code == 0, result.output
    assert f"password: {DEMO_PASSWORD}" in result.output
    rows = [line.split(maxsplit=1) for line in result.output.splitlines() if ".demo" in line]
    return {email: label.strip() for email, label in rows}


def test_institution_accounts_name_their_kind_and_institution(listed: dict[str, str]) -> None:
    assert listed["user@harbour-bank.demo"] == "Bank user, Harbour Bank"
    assert listed["user@pearl-river-ai-labs.demo"] == "Technology partner user, Pearl River AI Labs"
    assert "Institution user" not in listed.values()
    # Every one of the 27 accounts can be told apart by its label alone.
    assert len(listed) == 27
    assert len(set(listed.values())) == len(listed)


def test_regulator_side_accounts_name_their_role_and_regulator(listed: dict[str, str]) -> None:
    assert listed["reviewer@hkma.demo"] == "Regulator staff, HKMA"
    assert listed["supervisor@hkma.demo"] == "Supervisor, HKMA"
    assert listed["admin@tracker.demo"] == "Administrator"


def test_the_sign_in_page_says_whose_each_demo_account_is(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.jinja_env.globals, "demo_mode", True)
    page = client.get("/login").get_data(as_text=True)
    assert "<code>user@harbour-bank.demo</code>: bank user, Harbour Bank" in page
    assert "technology partner user, Pearl River AI Labs" in page
    assert "demo-logins" in page
