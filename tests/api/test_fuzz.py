"""Schemathesis against the live OpenAPI document, with an institution's token and a regulator's:
no 5xx, and every status, content type, header and body as the document says. Bounded in time
(about half a minute a token) and deterministic. The webhook's address is not fuzzed: the server
would call whatever address the fuzzer made up."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests import factories as f
from tests.api.conftest import make_token, pilot
from tests.conftest import World
from tracker.extensions import db, utcnow
from tracker.plans import services as plan_services
from tracker.unit_of_work import unit_of_work
from tracker.usecases import services
from tracker.usecases.models import Rag, Severity, Stage

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("api-server")]

SECONDS_PER_TOKEN = 35
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    )
)


def _records(world: World) -> None:
    """Something of each kind to find: a pilot with a return, an incident, a sandbox plan, a
    milestone, a document and messages, a draft, and a proposal under review."""
    uc = pilot(world, partners=[world.partner])
    start = uc.pilot_started_on
    assert start is not None
    with unit_of_work():
        services.file_return(
            uc,
            world.bank_user,
            services.ReturnData(
                period_start=start,
                period_end=start + timedelta(days=29),
                rag=Rag.AMBER,
                narrative="Going.",
                attested_by_name="A",
                attested_by_title="CRO",
                kpi_values=tuple((k, "1") for k in uc.kpi_list),
                incidents=(
                    services.IncidentData("Outage", Severity.LOW, "", "", occurred_on=start),
                ),
            ),
        )
        services.add_document(uc, world.bank_user, "plan.pdf", b"%PDF-1.4\n%%EOF\n")
        services.post_message(uc, world.reviewer, "Internal", internal=True)
        services.post_message(uc, world.bank_user, "Hello", internal=False)
    # A plan agreed after the first return, and an amendment drafted: the plan's endpoints
    # answer with a version in force and a draft only the bank sees.
    f.create_agreed_plan(uc, world.bank_user, world.reviewer)
    plan_services.save_draft(uc, world.bank_user, f.plan_data(customer_cap=100))
    f.create_milestone(uc, planned_on=utcnow().date())
    f.create_use_case(world.cohort, world.bank, world.category)
    f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.UNDER_REVIEW)
    db.session.commit()


@pytest.mark.parametrize("who", ["bank_user", "reviewer"])
def test_the_api_matches_its_document_under_fuzzing(
    api_server: str, world: World, who: str, tmp_path: Path
):
    _records(world)
    token = make_token(getattr(world, who))
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("schemathesis")),
            "run",
            f"{api_server}/api/v1/openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            CHECKS,
            "--max-examples",
            "20",
            "--max-time",
            str(SECONDS_PER_TOKEN),
            "--workers",
            "1",
            "--generation-deterministic",
            "--no-color",
            # A fuzzed webhook address would make the server call out to arbitrary hosts
            # (tests/api/test_webhooks.py covers the webhook against a local receiver).
            "--exclude-path-regex",
            "/webhook",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=SECONDS_PER_TOKEN * 4,
    )
    tail = "\n".join((result.stdout + result.stderr).splitlines()[-80:])
    assert result.returncode == 0, tail
    assert " passed" in result.stdout, tail
