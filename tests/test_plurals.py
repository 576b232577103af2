"""Counts read as English: "1 day", "2 days", "asked today", never "1 days" or "(s)"."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import ROOT, World, login
from tracker.extensions import db, utcnow
from tracker.text import plural
from tracker.usecases.models import Stage


@pytest.mark.parametrize(
    ("n", "expected"), [(0, "0 days"), (1, "1 day"), (2, "2 days"), (21, "21 days")]
)
def test_plural_picks_the_form_by_the_count(n: int, expected: str) -> None:
    assert plural(n, "%(num)d day", "%(num)d days") == expected


def test_plural_takes_other_variables_like_ngettext() -> None:
    assert plural(1, "%(num)d return for %(name)s", "%(num)d returns", name="Harbour") == (
        "1 return for Harbour"
    )


def test_plural_is_a_template_global(app: Flask) -> None:
    with app.test_request_context():
        out = render_template_string("{{ plural(n, '%(num)d week', '%(num)d weeks') }}", n=1)
    assert out == "1 week"


def test_no_template_spells_a_plural_by_hand() -> None:
    """No "day{{ 's' if … }}", "(s)" or "{{ n }} days" left in the pages."""
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        if path.parent.name == "reports":
            continue  # the report pages are another change's
        text = Path(path).read_text(encoding="utf-8")
        if re.search(r"'s' if|\(s\)|\}\}\s*(days|weeks)\b", text):
            offenders.append(path.name)
    assert offenders == []


def _days_ago(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


def test_the_institution_dashboard_says_asked_today_and_1_day_ago(
    client: FlaskClient, world: World
) -> None:
    for days, title in ((0, "Asked this morning"), (1, "Asked yesterday")):
        f.create_use_case(
            world.cohort,
            world.bank,
            world.category,
            stage=Stage.CHANGES_REQUESTED,
            title=title,
            stage_changed_at=_days_ago(days),
        )
    db.session.commit()
    login(client, world.bank_user)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "asked today" in page and "asked 1 day ago" in page
    assert "days ago" not in page


def test_the_queue_and_board_count_1_day(client: FlaskClient, world: World) -> None:
    f.create_use_case(
        world.cohort,
        world.bank,
        world.category,
        stage=Stage.SUBMITTED,
        stage_changed_at=_days_ago(1),
    )
    db.session.commit()
    login(client, world.reviewer)
    queue = client.get("/use-cases/queue").get_data(as_text=True)
    assert "<td>1 day</td>" in queue
    board = client.get("/board").get_data(as_text=True)
    assert "1 day in stage" in board and "1 days" not in board
    assert "1 use case." in board
