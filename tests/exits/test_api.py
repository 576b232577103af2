"""Exit reports over the API: a bank's system asks for its exit report and written proof, and
a use case still in its pilot is refused with the rule's reason (422, problem+json)."""

from __future__ import annotations

from tests.api.conftest import Api, api_as  # noqa: F401  (the fixture)
from tests.conftest import World
from tests.exits.conftest import Exited


def test_the_bank_asks_for_its_exit_report_and_proof(world: World, exited: Exited, api_as):  # type: ignore[no-untyped-def]  # noqa: F811
    bank: Api = api_as(world.bank_user)
    for kind in ("exit", "exit-proof"):
        asked = bank.post("/reports", {"kind": kind, "subject_id": exited.production.id})
        assert asked.status_code == 202, asked.json
        done = bank.get(asked.headers["Location"].removeprefix("/api/v1")).json
        assert done["status"] == "done", done
        pdf = bank.get(f"/reports/{done['report']['id']}/pdf")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    refused = bank.post("/reports", {"kind": "exit", "subject_id": exited.pilot.id})
    assert refused.status_code == 422, refused.json
    assert "approved for production or discontinued" in str(refused.json)
    other: Api = api_as(world.other_bank_user)
    assert (
        other.post("/reports", {"kind": "exit", "subject_id": exited.production.id}).status_code
        == 404
    )
