"""Fixtures for the evidence, compute and lessons tests."""

from __future__ import annotations

from typing import Any

from tests import factories as f
from tests.conftest import World
from tracker.evidence import services
from tracker.evidence.models import Direction, Hosting, Outcome
from tracker.extensions import db
from tracker.usecases.models import Stage, Technique, UseCase


def selected_case(world: World, stage: Stage = Stage.PILOT, **kw: Any) -> UseCase:
    """Harbour Bank's use case in the HKMA's programme, Kowloon AI Labs its partner."""
    use_case = f.create_use_case(
        world.cohort, world.bank, world.category, stage=stage, partners=[world.partner], **kw
    )
    db.session.commit()
    return use_case


def evaluation(**overrides: Any) -> services.EvaluationData:
    values: dict[str, Any] = {
        "metric": "Recall on confirmed fraud",
        "dataset": "2024 case files (held out)",
        "result": "0.91",
        "threshold": "0.85",
        "direction": Direction.HIGHER,
    }
    values.update(overrides)
    return services.EvaluationData(**values)


def entry_data(**overrides: Any) -> services.EntryData:
    values: dict[str, Any] = {
        "model_name": "Qwen2.5-7B fraud adapter",
        "model_version": "1.0",
        "provider": "Kowloon AI Labs",
        "technique": Technique.FINE_TUNING,
        "hosting": Hosting.AISC,
        "guardrails": "Output filter for customer data; refusal outside fraud triage.",
        "red_teaming": "120 prompt-injection attempts; 2 got through, both fixed.",
        "bias_testing": "Recall compared across customer age bands: within 2 points.",
        "human_oversight": "An investigator confirms every alert before any action.",
        "drift_monitoring": "Weekly recall on newly confirmed cases.",
        "limitations": "Not tested on cross-border wire fraud.",
        "evaluations": (evaluation(),),
        "document_ids": (),
    }
    values.update(overrides)
    return services.EntryData(**values)


def stated(outcome: Outcome) -> services.EvaluationData:
    return evaluation(
        metric="Investigator satisfaction",
        result="",
        threshold="",
        direction=None,
        stated_outcome=outcome,
    )


def entry_form(**overrides: Any) -> dict[str, Any]:
    """The entry form as a browser posts it, with one evaluation row and a blank one."""
    data: dict[str, Any] = {
        "model_name": "Qwen2.5-7B fraud adapter",
        "model_version": "1.0",
        "provider": "Kowloon AI Labs",
        "technique": "fine_tuning",
        "hosting": "aisc",
        "guardrails": "Output filter.",
        "human_oversight": "Investigator confirms every alert.",
        "evaluations-0-metric": "Recall",
        "evaluations-0-dataset": "Held-out cases",
        "evaluations-0-result": "0.91",
        "evaluations-0-threshold": "0.85",
        "evaluations-0-direction": "higher",
        "evaluations-0-stated_outcome": "",
        "evaluations-1-metric": "",
        "evaluations-1-result": "",
        "evaluations-1-threshold": "",
    }
    data.update(overrides)
    return data
