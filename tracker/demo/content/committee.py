"""Cohort 2 under committee review, as data: the committee's members (three HKMA staff and an
external expert from academia), ten more proposals under review, who reviews what and what they
scored, the conflict one member declared, and the SFC's own determination on a Sandbox++
proposal. Dated relative to the day the demo is loaded, as Cohort 2 is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tracker.auth.models import Role
from tracker.demo.content.reference import (
    BAUHINIA,
    BOWEN_ROAD,
    CHEUNG_CHAU,
    COHORT_2,
    GOLDEN_BAY,
    HARBOUR,
    KAI_TAK,
    LION_ROCK,
    PEARL_RIVER,
    REVIEWER_EMAILS,
    SAI_KUNG,
    SAMPAN,
    TAI_MO_SHAN,
    TSING_MA,
    VICTORIA_PEAK,
)
from tracker.demo.spec import (
    CX,
    FRAUD,
    RISK,
    DemoAccount,
    DemoUseCase,
    Kpi,
    Step,
    days_before,
    hk,
)
from tracker.usecases.models import Audience, Technique

EXPERT_EMAIL = "expert@academia.demo"
CHAIR_EMAIL = REVIEWER_EMAILS["HKMA"]
MEMBER_EMAILS = ("fintech@hkma.demo", "ai-supervision@hkma.demo")

ACCOUNTS = (
    DemoAccount(MEMBER_EMAILS[0], "Kelvin Tam", Role.REGULATOR, "HKMA"),
    DemoAccount(MEMBER_EMAILS[1], "Mandy Yip", Role.REGULATOR, "HKMA"),
    # An academic: an external expert of no institution on the tracker.
    DemoAccount(EXPERT_EMAIL, "Prof. Alan Mak", Role.EXPERT),
)

# The cohort's criteria, in DEFAULT_CRITERIA order: weight and what a 1, 3 and 5 mean.
CRITERIA: tuple[tuple[int, str, str, str], ...] = (
    (3, "Repeats what the bank or the market already does.",
     "A known technique applied to a new problem in the bank.",
     "New to Hong Kong's banking sector, with a clear advance on today's practice."),
    (2, "No evaluation plan; the model choice is not explained.",
     "A credible design with basic evaluation and guardrails.",
     "A rigorous design: evaluation, red-teaming, drift and bias monitoring."),
    (2, "Benefits stay inside the bank.",
     "Lessons other banks could use, if published.",
     "A result the industry can adopt, with a plan to share it."),
    (3, "Customers' data or outcomes at risk; no human oversight.",
     "Fair-use principles stated, controls partly designed.",
     "Fairness, transparency and human oversight built in and tested."),
)  # fmt: skip

QUORUM, REVIEW_DAYS, PLACES = 2, 14, 6


@dataclass(frozen=True)
class Scoring:
    """One reviewer's scores of one proposal (``None``: assigned, not yet scored)."""

    reviewer: str  # email
    scores: tuple[int, int, int, int] | None
    comment: str = ""


@dataclass(frozen=True)
class Conflict:
    reviewer: str
    partner: str
    note: str


def _proposal(
    today: date,
    n: int,
    institution: str,
    partners: tuple[str, ...],
    category: str,
    title: str,
    summary: str,
    kpi: Kpi,
    technique: Technique = Technique.RAG,
    audience: Audience = Audience.INTERNAL,
) -> DemoUseCase:
    def ago(days: int, hour: int = 10) -> datetime:
        return days_before(today, days, hour)

    return DemoUseCase(
        cohort=COHORT_2,
        institution=institution,
        partners=partners,
        category=category,
        title=title,
        summary=summary,
        problem=summary.split(":")[0] + ": today this is manual and slow.",
        technique=technique,
        audience=audience,
        personal_data=audience is Audience.CUSTOMER,
        data_used="The bank's own records for the last two years, pseudonymised.",
        safeguards="Every output is checked by staff before it is acted on; monthly bias and "
        "drift review; the model is switched off if its error rate doubles.",
        kpis=(kpi,),
        gpu_hours=1500 + 250 * n,
        created=ago(42 - n),
        steps=(
            Step("submit", ago(36 - n, 15), "Proposal submitted."),
            Step("start_review", ago(26 - n, 9)),
        ),
    )


def use_cases(today: date) -> list[DemoUseCase]:
    """Ten more proposals under review in Cohort 2."""
    p = _proposal
    return [
        p(today, 0, VICTORIA_PEAK, (SAMPAN,), CX,
          "Cantonese voice assistant for elderly customers' branch queries",
          "Answers elderly customers' questions in Cantonese at branches: staff spend hours "
          "on routine queries.",
          Kpi("Queries answered without staff (%)", 0, 60, "{:.0f}%"),
          Technique.FINE_TUNING, Audience.CUSTOMER),
        p(today, 1, TSING_MA, (KAI_TAK,), RISK,
          "Climate-risk narrative extraction from corporate borrowers' reports",
          "Extracts climate exposures from borrowers' reports: analysts read hundreds a quarter.",
          Kpi("Reports processed per analyst-day", 4, 25, "{:.0f}")),
        p(today, 2, BAUHINIA, (), FRAUD,
          "Romance-scam conversation flags for outgoing transfers",
          "Flags transfers that follow a romance-scam pattern: victims rarely report in time.",
          Kpi("Scam transfers stopped per month", 2, 15, "{:.0f}"),
          Technique.FINE_TUNING, Audience.CUSTOMER),
        p(today, 3, SAI_KUNG, (PEARL_RIVER,), RISK,
          "Second-line review of credit memos with a retrieval assistant",
          "Checks credit memos against policy: second-line reviewers sample only 5% of memos.",
          Kpi("Memos reviewed by the second line (%)", 5, 40, "{:.0f}%")),
        p(today, 4, TAI_MO_SHAN, (CHEUNG_CHAU,), FRAUD,
          "AI versus AI: synthetic-identity detection for credit card applications",
          "Detects synthetic identities built with generative AI: today's rules miss them.",
          Kpi("Synthetic identities caught in testing (%)", 0, 90, "{:.0f}%"),
          Technique.NEW_MODEL),
        p(today, 5, GOLDEN_BAY, (SAMPAN,), CX,
          "Plain-language explanations of declined loan applications",
          "Explains declines in plain Chinese and English: customers call to ask why.",
          Kpi("Decline-related complaints per month", 60, 20, "{:.0f}"),
          Technique.RAG, Audience.CUSTOMER),
        p(today, 6, HARBOUR, (KAI_TAK,), RISK,
          "Third-line audit sampling with a document question-answering model",
          "Answers auditors' questions over control evidence: fieldwork takes weeks.",
          Kpi("Audit fieldwork days per engagement", 20, 12, "{:.0f}")),
        p(today, 7, LION_ROCK, (CHEUNG_CHAU,), FRAUD,
          "Deepfake-scam call warnings in the mobile app",
          "Warns customers on a call with a suspected deepfake impersonator: losses are rising.",
          Kpi("Customers warned before paying (%)", 0, 70, "{:.0f}%"),
          Technique.FINE_TUNING, Audience.CUSTOMER),
        p(today, 8, VICTORIA_PEAK, (PEARL_RIVER,), RISK,
          "Model-risk documentation drafting for validators",
          "Drafts model documentation from code and test results: validators wait for it.",
          Kpi("Days from model build to validation", 45, 20, "{:.0f}")),
        p(today, 9, TSING_MA, (), CX,
          "Complaint triage and draft replies in Traditional Chinese",
          "Sorts complaints and drafts replies: replies take 10 working days on average.",
          Kpi("Average days to reply", 10, 4, "{:.0f}")),
    ]  # fmt: skip


# Who reviews which proposal (by title) and what they scored. Twelve proposals are assigned:
# the two of Cohort 2's own content that are before the committee, and the ten above.
E, C, K, M = EXPERT_EMAIL, CHAIR_EMAIL, MEMBER_EMAILS[0], MEMBER_EMAILS[1]
SCORING: dict[str, tuple[Scoring, ...]] = {
    # The chair's own scores of this one are Cohort 2's content (a review in its history).
    "AI versus AI: deepfake detection in remote account opening": (
        Scoring(C, None),
        Scoring(E, (5, 4, 4, 3), "Novel and well tested; the bias plan needs detail."),
        Scoring(K, (5, 5, 4, 4), "Strong."),
    ),
    "第二道防線：合規監察抽樣助理": (Scoring(M, None), Scoring(K, None)),
    "Cantonese voice assistant for elderly customers' branch queries": (
        Scoring(E, (4, 3, 4, 5), "Clear benefit to elderly customers."),
        Scoring(M, (4, 4, 3, 4)),
    ),
    "Climate-risk narrative extraction from corporate borrowers' reports": (
        Scoring(K, (3, 3, 4, 4)),
        Scoring(M, (3, 4, 4, 3)),
    ),
    # The reviewers disagree: 5 against 2 on innovation.
    "Romance-scam conversation flags for outgoing transfers": (
        Scoring(E, (5, 4, 4, 3), "A first in Hong Kong if it works."),
        Scoring(K, (2, 3, 3, 3), "Similar flags already run at two banks."),
    ),
    "Second-line review of credit memos with a retrieval assistant": (
        Scoring(M, (3, 3, 3, 4)),
        Scoring(K, (3, 4, 3, 4)),
    ),
    # The expert is recused (below); the HKMA members score.
    "AI versus AI: synthetic-identity detection for credit card applications": (
        Scoring(E, None),
        Scoring(K, (4, 5, 4, 3)),
        Scoring(M, (5, 4, 4, 3)),
    ),
    "Plain-language explanations of declined loan applications": (
        Scoring(E, (3, 3, 5, 5), "Good for consumers and easy for others to adopt."),
        Scoring(M, (3, 3, 4, 5)),
    ),
    "Third-line audit sampling with a document question-answering model": (
        Scoring(K, (2, 3, 3, 3)),
        Scoring(M, None),
    ),
    "Deepfake-scam call warnings in the mobile app": (
        Scoring(E, (4, 4, 4, 4)),
        Scoring(K, (4, 3, 4, 4)),
    ),
    "Model-risk documentation drafting for validators": (
        Scoring(M, (2, 3, 2, 4)),
        Scoring(E, (3, 3, 2, 4)),
    ),
    "Complaint triage and draft replies in Traditional Chinese": (
        Scoring(K, (3, 3, 3, 4)),
        Scoring(E, None),
    ),
}

CONFLICTS: dict[str, Conflict] = {
    "AI versus AI: synthetic-identity detection for credit card applications": Conflict(
        E,
        CHEUNG_CHAU,
        "My research group holds a grant from Cheung Chau Analytics for synthetic-data work.",
    ),
}

# Days before the demo is loaded that the committee did each thing.
SET_UP_DAYS_AGO = 22
ASSIGNED_DAYS_AGO = 21  # due 14 days later: unscored ones are late by a week
DECLARED_DAYS_AGO = 20
SCORED_DAYS_AGO = 12


# The SFC's determination on the securities firm's Sandbox++ proposal, between the start of
# the review and the joint selection.
SFC_DETERMINATION = (
    BOWEN_ROAD,
    "Research note summaries with citation checks for retail clients",
    hk(2026, 6, 26, 16, 0),
    "Supports the trial as a regulated activity of the firm under the SFC's supervision.",
    "Summaries are shown to retail clients only with the full note one click away; the firm "
    "reports any summary found to misstate a rating within two business days.",
)
