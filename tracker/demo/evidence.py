"""Demo AI evidence: each of Cohort 1's production cases records its model iterations during
the pilot, and the HKMA reviews them, through the evidence commands under the frozen clock at
the moment each happened. Adds only what is missing (a case with entries is left alone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from tracker import clock
from tracker.auth.models import Role, User
from tracker.demo.content.reference import REVIEWER_EMAILS, SANDBOX
from tracker.evidence import services
from tracker.evidence.models import Direction, EvidenceEntry, Hosting
from tracker.extensions import db
from tracker.programmes.models import Cohort, Programme
from tracker.usecases.models import Stage, StageTransition, Technique, UseCase

COHORT = "Cohort 1"
HOUR = time(3, 0)  # 11:00 in Hong Kong


@dataclass(frozen=True)
class Iteration:
    model_name: str
    model_version: str
    results: tuple[float, float, float]  # against the case's three metrics
    guardrails: str
    red_teaming: str
    limitations: str
    hosting: Hosting = Hosting.AISC


@dataclass(frozen=True)
class CaseEvidence:
    provider: str
    # (metric, dataset, threshold, direction) — three per case.
    metrics: tuple[tuple[str, str, float, Direction], ...]
    bias: str
    oversight: str
    drift: str
    iterations: tuple[Iteration, ...]
    review_comment: str


_GUARD = "Prompt and output filters for customer identifiers; answers outside the task refused."
EVIDENCE: dict[str, CaseEvidence] = {
    "Scam-call transcript triage for the fraud hotline": CaseEvidence(
        provider="Sampan Analytics",
        metrics=(
            ("Typology accuracy", "2,000 held-out Cantonese transcripts", 0.85, Direction.HIGHER),
            ("Recall of urgent scam reports", "Urgent-escalation test set", 0.9, Direction.HIGHER),
            ("Hallucinated facts per 100 case notes", "Analyst-checked sample", 2, Direction.LOWER),
        ),
        bias="Accuracy compared for callers aged over 65 and under 65, and for Cantonese, "
        "English and code-mixed calls: within 3 points after iteration 2.",
        oversight="An analyst confirms every typology and edits the case note before any "
        "action on an account; 5% of outputs sampled daily.",
        drift="Weekly accuracy on newly confirmed cases; alert if it falls 5 points below the "
        "pilot baseline.",
        iterations=(
            Iteration(
                "Llama-3.1-8B",
                "base",
                (0.71, 0.78, 6.5),
                _GUARD,
                "Red-team of 150 prompts (injection through transcript text): 9 succeeded.",
                "Weak on code-mixed Cantonese; invents amounts when the caller is unclear.",
            ),
            Iteration(
                "Llama-3.1-8B hotline adapter",
                "1.0",
                (0.86, 0.91, 2.4),
                _GUARD + " Amounts are copied from the transcript only.",
                "Same 150 prompts plus 40 new: 2 succeeded, both closed by the output filter.",
                "Still over the hallucination threshold on long calls (over 20 minutes).",
            ),
            Iteration(
                "Llama-3.1-8B hotline adapter",
                "1.2",
                (0.89, 0.93, 1.1),
                _GUARD + " Amounts are copied from the transcript only; long calls chunked.",
                "Quarterly red-team by the bank's second line: no successful injection.",
                "Not tested on calls in Putonghua; to be handled by a later iteration.",
            ),
        ),
        review_comment="Thank you. Please show the over-65 results separately in the next return.",
    ),
    "Credit early-warning signals from annual reports and news": CaseEvidence(
        provider="Kai Tak Cloud",
        metrics=(
            ("Precision of early-warning flags", "2019-2024 downgrades", 0.6, Direction.HIGHER),
            ("Lead time before downgrade (days)", "2019-2024 downgrades", 60, Direction.HIGHER),
            ("Unsupported citations (%)", "Reviewer-checked summaries", 3, Direction.LOWER),
        ),
        bias="Flag rates compared across sectors and borrower size bands; SME borrowers were "
        "over-flagged by iteration 1 and re-weighted.",
        oversight="A credit officer reviews every flag and its cited sources before a watch-list "
        "decision.",
        drift="Monthly precision on the latest quarter's rating actions.",
        iterations=(
            Iteration(
                "GPT-4o (retrieval over filings)",
                "2024-08",
                (0.52, 71, 4.8),
                "Retrieval restricted to filings and licensed news; every claim cites a source.",
                "Injected instructions in news articles tested: 3 of 60 followed.",
                "Over-flags SMEs with thin filings.",
                Hosting.APPROVED_CLOUD,
            ),
            Iteration(
                "GPT-4o (retrieval over filings)",
                "2024-11",
                (0.64, 66, 1.9),
                "Retrieval restricted to filings and licensed news; citations checked "
                "automatically against the retrieved passage.",
                "Same 60 articles: none followed; source text is quoted, never obeyed.",
                "Lead time shorter for listed borrowers with frequent disclosures.",
                Hosting.APPROVED_CLOUD,
            ),
        ),
        review_comment="Evaluations adequate; keep the SME re-weighting under monitoring.",
    ),
    "Complaint classification and response drafting": CaseEvidence(
        provider="Victoria Peak Bank (in-house)",
        metrics=(
            ("Classification F1", "3,000 labelled complaints", 0.8, Direction.HIGHER),
            ("Drafts needing major rewrite (%)", "Complaint handlers' sample", 20, Direction.LOWER),
            ("Harmful or dismissive tone (per 1,000)", "Tone test set", 1, Direction.LOWER),
        ),
        bias="Drafts for complaints in Chinese and English compared for tone and completeness.",
        oversight="A complaint handler approves and signs every response; none is sent "
        "automatically.",
        drift="Monthly F1 against the handlers' final classification.",
        iterations=(
            Iteration(
                "Qwen2.5-14B",
                "base",
                (0.74, 31, 2.0),
                _GUARD,
                "Tone red-team with 80 hostile complaints: 4 dismissive drafts.",
                "Misreads complaints about fees as service complaints.",
                Hosting.ON_PREMISES,
            ),
            Iteration(
                "Qwen2.5-14B complaints",
                "1.0",
                (0.84, 14, 0.4),
                _GUARD + " Tone classifier checks every draft.",
                "Same 80 complaints plus 40 new: no dismissive draft.",
                "Long multi-issue complaints are split by the handler, not the model.",
                Hosting.ON_PREMISES,
            ),
        ),
        review_comment="Reviewed with the conduct team; no further questions.",
    ),
    "Mule account detection with transaction narratives": CaseEvidence(
        provider="Kowloon Commercial Bank (in-house)",
        metrics=(
            (
                "Mule accounts detected (recall)",
                "Confirmed mule accounts 2024",
                0.75,
                Direction.HIGHER,
            ),
            ("False alerts per true mule", "Alert queue sample", 8, Direction.LOWER),
            ("Explanation judged useful (%)", "Investigator survey", 70, Direction.HIGHER),
        ),
        bias="Alert rates compared by account age and customer nationality: no group above "
        "1.5 times the average after iteration 2.",
        oversight="Investigators decide every account restriction; the model only ranks the queue.",
        drift="Weekly recall on newly confirmed mules; feature drift report monthly.",
        iterations=(
            Iteration(
                "Graph features + Phi-3-mini narratives",
                "0.9",
                (0.69, 11.0, 58),
                _GUARD,
                "Adversarial narratives written to look like salary payments: 12% missed.",
                "Alerts on new students' accounts too often.",
            ),
            Iteration(
                "Graph features + Phi-3-mini narratives",
                "1.1",
                (0.79, 6.5, 76),
                _GUARD,
                "Same adversarial set: 4% missed.",
                "Cross-bank mule chains are out of reach without shared data.",
            ),
        ),
        review_comment="Good progress on false alerts. Please keep the nationality comparison "
        "in every return.",
    ),
    "制裁名單篩查警示解釋": CaseEvidence(
        provider="Bauhinia Bank (in-house)",
        metrics=(
            (
                "Explanations judged correct (%)",
                "500 analyst-reviewed alerts",
                95,
                Direction.HIGHER,
            ),
            ("Alert handling time (minutes)", "Screening team log", 8, Direction.LOWER),
            ("Missed true matches", "Regulator test list", 0, Direction.LOWER),
        ),
        bias="Name-matching explanations compared for Chinese, Latin and transliterated names.",
        oversight="A screening analyst clears or escalates every alert; the model only explains.",
        drift="Monthly check against the updated sanctions lists.",
        iterations=(
            Iteration(
                "Qwen2.5-7B",
                "base",
                (88, 9.5, 0),
                _GUARD,
                "Transliteration attacks (120 variants): 6 explanations misleading.",
                "Weak on Cantonese romanisation variants.",
                Hosting.ON_PREMISES,
            ),
            Iteration(
                "Qwen2.5-7B screening",
                "1.0",
                (96, 6.2, 0),
                _GUARD,
                "Same 120 variants: none misleading.",
                "Explanations only; matching itself is the existing screening engine.",
                Hosting.ON_PREMISES,
            ),
        ),
        review_comment="已審閱：評估充分。",
    ),
}


def _data(case: CaseEvidence, it: Iteration, technique: Technique) -> services.EntryData:
    return services.EntryData(
        model_name=it.model_name,
        model_version=it.model_version,
        provider=case.provider,
        technique=technique,
        hosting=it.hosting,
        guardrails=it.guardrails,
        red_teaming=it.red_teaming,
        bias_testing=case.bias,
        human_oversight=case.oversight,
        drift_monitoring=case.drift,
        limitations=it.limitations,
        evaluations=tuple(
            services.EvaluationData(
                metric=metric,
                dataset=dataset,
                result=f"{result:g}",
                threshold=f"{threshold:g}",
                direction=direction,
            )
            for (metric, dataset, threshold, direction), result in zip(
                case.metrics, it.results, strict=True
            )
        ),
    )


def _moments(start: datetime, end: datetime, count: int) -> list[datetime]:
    """``count`` working moments spread through the pilot, the last well before its end."""
    span = (end - start) * 0.8
    return [datetime.combine((start + span * (i + 0.3) / count).date(), HOUR) for i in range(count)]


def seed_evidence() -> int:
    """Record the evidence of Cohort 1's production cases; how many entries were added."""
    cases = db.session.scalars(
        sa.select(UseCase)
        .join(Cohort)
        .join(Programme)
        .where(Programme.name == SANDBOX, Cohort.name == COHORT, UseCase.stage == Stage.PRODUCTION)
        .order_by(UseCase.id)
    )
    added = 0
    for use_case in cases:
        case = EVIDENCE.get(use_case.title)
        if case is None or db.session.scalar(
            sa.select(EvidenceEntry.id).where(EvidenceEntry.use_case_id == use_case.id).limit(1)
        ):
            continue
        author = db.session.scalars(
            sa.select(User)
            .where(User.institution_id == use_case.institution_id, User.role == Role.INSTITUTION)
            .order_by(User.id)
        ).first()
        reviewer = db.session.scalar(
            sa.select(User).where(
                User.email == REVIEWER_EMAILS[use_case.cohort.programme.lead_regulator.code]
            )
        )
        started = db.session.scalar(
            sa.select(StageTransition.at).where(
                StageTransition.use_case_id == use_case.id,
                StageTransition.to_stage == Stage.PILOT,
            )
        )
        ended = use_case.stage_changed_at
        if author is None or reviewer is None or started is None:
            continue
        for n, (moment, iteration) in enumerate(
            zip(_moments(started, ended, len(case.iterations)), case.iterations, strict=True)
        ):
            with clock.frozen_at(moment):
                entry = services.add_entry(
                    use_case, author, _data(case, iteration, use_case.technique)
                )
            with clock.frozen_at(moment + timedelta(days=6)):
                services.comment(entry, use_case, reviewer, case.review_comment)
                services.mark_reviewed(entry, use_case, reviewer, entry.version)
            if n == 1 and len(case.iterations) > 2:
                # The institution corrected figures after the review: the mark is cleared on
                # the record, and the HKMA reviews the corrected revision.
                with clock.frozen_at(moment + timedelta(days=9)):
                    services.update_entry(
                        entry,
                        use_case,
                        author,
                        _data(case, iteration, use_case.technique),
                        entry.version,
                    )
                with clock.frozen_at(moment + timedelta(days=12)):
                    services.mark_reviewed(
                        entry, use_case, reviewer, entry.version, "Corrected figures reviewed."
                    )
            added += 1
    return added
