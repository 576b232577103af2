"""Done when: a bank's system, with only a token and the OpenAPI document, drafts, submits,
follows and files returns over HTTP, against a real server in its own process.

The client below knows nothing of the tracker but its token: it reads every address from the
OpenAPI document and every id from the API's answers. The regulator's side (review, score, select,
start the pilot) goes through the API too, with the regulator's own token."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from tests import factories as f
from tests.api.conftest import make_token, pilot
from tests.conftest import World, local_today
from tracker.extensions import db
from tracker.plans.models import Direction
from tracker.plans.services import KpiInput
from tracker.usecases.models import Message, ProgressReturn, UseCase

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("api-server")]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any


@dataclass
class Client:
    """A system's HTTP client: the base URL, the OpenAPI document and a token."""

    base: str
    token: str
    spec: dict[str, Any]

    def path(self, method: str, template: str, **values: Any) -> str:
        """An address from the OpenAPI document, with its parameters filled in."""
        full = "/api/v1" + template
        assert method.lower() in self.spec["paths"][full], f"{method} {full} is not documented"
        return full.format(**values)

    def send(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> Answer:
        sent = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        request = urllib.request.Request(  # noqa: S310 (http to the test's own server)
            self.base + path, data=data, method=method, headers=sent
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our server)
                return Answer(response.status, dict(response.headers), json.load(response))
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), json.load(error))

    def post(self, path: str, body: Any, key: str | None = None, **headers: str) -> Answer:
        return self.send(
            "POST", path, body, {"Idempotency-Key": key or str(uuid.uuid4()), **headers}
        )


def _spec(base: str) -> dict[str, Any]:
    with urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=30) as response:  # noqa: S310
        spec: dict[str, Any] = json.load(response)
    assert spec["openapi"] == "3.1.0"
    return spec


def test_a_banks_system_drafts_submits_follows_and_files_returns(api_server: str, world: World):
    spec = _spec(api_server)
    bank = Client(api_server, make_token(world.bank_user), spec)
    regulator = Client(api_server, make_token(world.reviewer), spec)

    # What may the bank propose into?
    cohorts = bank.send("GET", bank.path("get", "/cohorts")).body
    cohort = next(c for c in cohorts if c["open_to_you"])
    category = bank.send("GET", bank.path("get", "/categories")).body[0]

    # Draft.
    draft = bank.post(
        bank.path("post", "/use-cases"),
        {
            "cohort_id": cohort["id"],
            "category_id": category["id"],
            "title": "Suspicious-transaction narratives",
            "summary": "Drafts the narrative of a suspicious-transaction report.",
            "problem_statement": "Analysts spend hours writing each narrative.",
            "technique": "rag",
            "data_used": "Past reports and their outcomes.",
            "audience": "internal",
            "safeguards": "An analyst approves every narrative.",
            "kpis": ["Hours per report", "Narratives accepted without change"],
        },
    )
    assert draft.status == 201, draft.body
    use_case_path = draft.headers["Location"]
    uc_id = draft.body["id"]
    assert use_case_path == bank.path("get", "/use-cases/{id}", id=uc_id)

    # Submit, with the ETag it was given.
    submitted = bank.post(
        bank.path("post", "/use-cases/{id}/transitions/{name}", id=uc_id, name="submit"),
        {"reason": "Ready for review."},
        **{"If-Match": draft.headers["ETag"]},
    )
    assert submitted.status == 200, submitted.body
    assert submitted.body["stage"] == "submitted"
    assert submitted.body["allowed_transitions"] == ["withdraw"]

    # The regulator reviews and starts the pilot.
    def regulator_moves(name: str, body: dict[str, Any]) -> None:
        etag = regulator.send("GET", use_case_path).headers["ETag"]
        moved = regulator.post(
            regulator.path("post", "/use-cases/{id}/transitions/{name}", id=uc_id, name=name),
            body,
            **{"If-Match": etag},
        )
        assert moved.status == 200, moved.body

    regulator_moves("start_review", {})
    review_path = regulator.path("put", "/use-cases/{id}/review", id=uc_id)
    criteria = regulator.send("GET", review_path).body["criteria"]
    scored = regulator.send(
        "PUT",
        review_path,
        {"scores": [{"criterion_id": c["id"], "score": 4} for c in criteria]},
    )
    assert scored.status == 200, scored.body
    regulator_moves("select", {})
    # The sandbox plan is agreed on its pages (tests/plans); the pilot starts on it.
    db.session.expire_all()
    selected = db.session.get(UseCase, uc_id)
    assert selected is not None
    # The plan measures what the proposal put in words, under the names returns must use.
    kpis = (
        KpiInput("Analyst hours per report", "h", Direction.LOWER, Decimal(6), Decimal(2)),
        KpiInput("Narratives accepted unchanged", "%", Direction.HIGHER, Decimal(20), Decimal(80)),
    )
    f.create_agreed_plan(selected, world.bank_user, world.reviewer, duration_weeks=12, kpis=kpis)
    db.session.commit()
    regulator_moves("start_pilot", {"pilot_started_on": local_today().isoformat()})

    # Follow: the bank sees the pilot, its history and when its first return starts.
    followed = bank.send("GET", use_case_path)
    assert followed.body["stage"] == "pilot"
    history = bank.send("GET", bank.path("get", "/use-cases/{id}/history", id=uc_id)).body
    assert [t["action"] for t in history["transitions"]] == [
        "create",
        "submit",
        "start_review",
        "select",
        "start_pilot",
    ]
    start = followed.body["next_return_start"]

    # Which KPIs does a return report? The plan in force's, read from the API.
    plan = bank.send("GET", bank.path("get", "/use-cases/{id}/plan", id=uc_id))
    assert plan.status == 200, plan.body
    assert plan.headers["ETag"] == '"1"'
    assert (plan.body["number"], plan.body["status"]) == (1, "agreed")
    assert plan.body["reporting"]["frequency"] == "monthly"
    plan_kpis = [(k["name"], k["unit"], k["direction"]) for k in plan.body["kpis"]]
    assert plan_kpis == [
        ("Analyst hours per report", "h", "lower"),
        ("Narratives accepted unchanged", "%", "higher"),
    ]
    assert [k["name"] for k in followed.body["plan_kpis"]] == [k[0] for k in plan_kpis]
    versions = bank.send("GET", bank.path("get", "/use-cases/{id}/plan/versions", id=uc_id)).body
    assert [(v["number"], v["in_force"]) for v in versions] == [(1, True)]

    # File a return; the network drops the answer, so the system sends it again, same key.
    returns_path = bank.path("post", "/use-cases/{id}/returns", id=uc_id)
    filed_body = {
        "period_start": start,
        "period_end": local_today().isoformat(),
        "rag": "amber",
        "narrative": "The first narratives are in use.",
        "attested_by_name": "Mei Wong",
        "attested_by_title": "Head of Financial Crime",
        "attested": True,
        # The proposal's KPIs, in words: not what a return under a plan names.
        "kpi_values": [
            {"kpi": kpi, "value": value}
            for kpi, value in zip(followed.body["kpis"], ["3.5", "40%"], strict=True)
        ],
        "incidents": [
            {
                "description": "A narrative named the wrong account.",
                "severity": "medium",
                "occurred_on": start,
                "remediation": "Account numbers are now checked against the case.",
            }
        ],
    }
    refused = bank.post(returns_path, filed_body)
    assert refused.status == 422, refused.body
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert (
        '"Analyst hours per report", "Narratives accepted unchanged"'
        in (refused.body["errors"]["kpi_values"][0])
    )
    assert refused.body["errors"]["kpi_values.0.kpi"] == [
        'Expected "Analyst hours per report" here.'
    ]
    filed_body["kpi_values"] = [
        {"kpi": kpi["name"], "value": value, "note": "Sampled"}
        for kpi, value in zip(plan.body["kpis"], ["3.5", "40%"], strict=True)
    ]
    key = str(uuid.uuid4())
    filed = bank.post(returns_path, filed_body, key=key)
    retried = bank.post(returns_path, filed_body, key=key)
    assert filed.status == retried.status == 201, filed.body
    assert retried.body == filed.body
    assert retried.headers.get("Idempotent-Replayed") == "true"
    assert filed.body["incidents"][0]["severity"] == "medium"
    assert [(v["kpi"], v["number"], v["value"]) for v in filed.body["kpi_values"]] == [
        ("Analyst hours per report", "3.5000", "Sampled"),
        ("Narratives accepted unchanged", "40.0000", "Sampled"),
    ]

    listed = bank.send("GET", bank.path("get", "/use-cases/{id}/returns", id=uc_id)).body
    assert [r["id"] for r in listed] == [filed.body["id"]]
    count = db.session.scalar(sa.select(sa.func.count()).select_from(ProgressReturn))
    assert count == 1

    # And nothing of another institution's is there to see or touch.
    other = Client(api_server, make_token(world.other_bank_user), spec)
    assert other.send("GET", use_case_path).status == 404
    assert other.post(returns_path, filed_body).status == 404
    assert other.send("GET", other.path("get", "/use-cases")).body["items"] == []


def test_the_same_post_sent_at_once_from_many_connections_acts_once(api_server: str, world: World):
    """A client that retries before the first answer arrives: whichever request commits first
    acts; the others, refused by the key's unique constraint, answer with its answer."""
    uc = pilot(world)
    spec = _spec(api_server)
    bank = Client(api_server, make_token(world.bank_user), spec)
    path = bank.path("post", "/use-cases/{id}/messages", id=uc.id)
    key = str(uuid.uuid4())
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _n: bank.post(path, {"body": "Once"}, key=key), range(6)))
    assert [a.status for a in answers] == [201] * 6, [a.body for a in answers]
    created = [a.body for a in answers]
    assert all(body == created[0] for body in created)
    retried = bank.post(path, {"body": "Once"}, key=key)
    assert retried.status == 201 and retried.body == created[0]
    db.session.expire_all()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Message))
    assert count == 1
