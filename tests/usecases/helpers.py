"""Shared helpers for the use-case tests."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.conftest import World
from tracker.extensions import db
from tracker.usecases.models import UseCase


def proposal_form(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "cohort_id": world.cohort.id,
        "category_id": world.category.id,
        "title": "Deepfake voice detection for call centres",
        "summary": "Detect synthetic voices in inbound calls.",
        "problem_statement": "Scammers clone customers' voices.",
        "technique": "fine_tuning",
        "partner_ids": [world.partner.id],
        "data_used": "Recorded calls with consent.",
        "personal_data": "y",
        "audience": "customer",
        "safeguards": "Human review before any account action.",
        "kpis": "Detection rate\nFalse alarms per 1,000 calls",
        "gpu_hours": "1200",
    }
    data.update(overrides)
    return data


def version_of(use_case_id: int) -> int:
    db.session.expire_all()
    use_case = db.session.get(UseCase, use_case_id)
    assert use_case is not None
    return use_case.version


def act(client: FlaskClient, use_case_id: int, action: str, **data: Any) -> Any:
    """POST a workflow action with the use case's current version."""
    data.setdefault("version", version_of(use_case_id))
    return client.post(f"/use-cases/{use_case_id}/actions/{action}", data=data)
