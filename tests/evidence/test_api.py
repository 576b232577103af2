"""The evidence register over the API: what it returns, as at a past moment, and 404s."""

from __future__ import annotations

from datetime import datetime

from flask.testing import FlaskClient

from tests.api.conftest import Api, make_token
from tests.conftest import World
from tests.evidence.conftest import entry_data, evaluation, selected_case
from tracker.evidence import services
from tracker.unit_of_work import unit_of_work


def test_the_register_as_now_and_as_at_a_past_moment(
    client: FlaskClient,
    world: World,
    freeze_time,  # type: ignore[no-untyped-def]
) -> None:
    freeze_time(datetime(2026, 2, 1, 2, 0))
    uc = selected_case(world)
    with unit_of_work():
        entry = services.add_entry(
            uc, world.bank_user, entry_data(evaluations=(evaluation(result="0.8"),))
        )
    freeze_time(datetime(2026, 3, 1, 2, 0))
    with unit_of_work():
        services.mark_reviewed(entry, uc, world.reviewer, entry.version)
    api = Api(client, make_token(world.supervisor))
    now = api.get(f"/use-cases/{uc.id}/evidence")
    assert now.status_code == 200
    [item] = now.json
    assert item["iteration"] == 1 and item["reviewed_by"] == world.reviewer.name
    assert item["evaluations"][0] == {
        "metric": "Recall on confirmed fraud",
        "dataset": "2024 case files (held out)",
        "result": 0.8,
        "threshold": 0.85,
        "direction": "At or above the threshold passes",
        "outcome": "fail",
        "derived": True,
    }
    assert item["reviewed_at"] == "2026-03-01T02:00:00Z"
    assert [n["title"] for n in item["narratives"]][0] == "Guardrails in place"
    before = api.get(f"/use-cases/{uc.id}/evidence?as_at=2026-02-15T00:00:00%2B08:00")
    assert before.status_code == 200 and before.json[0]["reviewed_at"] is None
    assert api.get(f"/use-cases/{uc.id}/evidence?as_at=2026-01-01T00:00:00Z").json == []
    assert api.get(f"/use-cases/{uc.id}/evidence?as_at=yesterday").status_code == 422
    one = api.get(f"/use-cases/{uc.id}/evidence/{entry.id}")
    assert one.status_code == 200 and one.json["id"] == entry.id
    assert api.get(f"/use-cases/{uc.id}/evidence/{entry.id + 1}").status_code == 404


def test_another_institution_gets_404(client: FlaskClient, world: World) -> None:
    uc = selected_case(world)
    with unit_of_work():
        entry = services.add_entry(uc, world.bank_user, entry_data())
    api = Api(client, make_token(world.other_bank_user))
    assert api.get(f"/use-cases/{uc.id}/evidence").status_code == 404
    assert api.get(f"/use-cases/{uc.id}/evidence/{entry.id}").status_code == 404
