"""Demo lessons across both GenA.I. cohorts, through the lessons commands under the frozen
clock: the HKMA records lessons from Cohort 1's exits and returns (one an institution proposed
first), and from the Collaboratory reviews of Cohort 2's proposals; one proposal waits to be
recorded. Adds only what is missing (a use case with lessons is left alone)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tracker import clock
from tracker.auth.models import Role, User
from tracker.demo.content.reference import REVIEWER_EMAILS, SANDBOX
from tracker.extensions import db
from tracker.lessons import services
from tracker.lessons.models import Lesson, Theme
from tracker.programmes.models import Cohort, Programme
from tracker.usecases.models import Stage, UseCase

T = Theme
# By use-case title: (title, text, themes, from the latest return rather than the exit,
# proposed by the institution first).
LESSONS: dict[str, tuple[tuple[str, str, tuple[Theme, ...], bool, bool], ...]] = {
    "Scam-call transcript triage for the fraud hotline": (
        (
            "A small fine-tuned model can match a large general one",
            "An 8-billion-parameter model fine-tuned on 60,000 de-identified hotline transcripts "
            "classified scam typologies as well as a general model ten times its size, at a "
            "fraction of the GPU hours, once code-mixed Cantonese was in the training data.",
            (T.FINE_TUNING, T.DATA, T.EVALUATION),
            False,
            False,
        ),
        (
            "Copy figures from the source, never generate them",
            "Hallucinated amounts in case notes fell below the threshold only when the output "
            "guardrail let the model copy amounts and account numbers from the transcript and "
            "nothing else.",
            (T.GUARDRAILS,),
            True,
            True,
        ),
    ),
    "Credit early-warning signals from annual reports and news": (
        (
            "Treat retrieved text as data, not instructions",
            "Instructions planted in news articles were followed until retrieved passages were "
            "quoted to the model as evidence and the system prompt forbade acting on them.",
            (T.GUARDRAILS, T.SECURITY),
            False,
            False,
        ),
    ),
    "Complaint classification and response drafting": (
        (
            "Keep a person's signature on every customer letter",
            "Handlers rewrote one draft in seven in the first iteration; with sign-off kept, "
            "tone problems never reached a customer and complaint handling time still fell.",
            (T.HUMAN_OVERSIGHT, T.CUSTOMER_OUTCOMES),
            False,
            False,
        ),
    ),
    "Mule account detection with transaction narratives": (
        (
            "Compare alert rates across groups in every return",
            "Reporting alert rates by account age and nationality in each return found the "
            "over-alerting of students' new accounts early, before it affected customers.",
            (T.EVALUATION, T.CUSTOMER_OUTCOMES, T.GOVERNANCE),
            True,
            False,
        ),
    ),
    "制裁名單篩查警示解釋": (
        (
            "Explanations must handle romanisation variants",
            "Misleading explanations came from Cantonese and Mandarin romanisations of the same "
            "name; a variant table in the prompt removed them.",
            (T.DATA, T.EVALUATION),
            False,
            False,
        ),
    ),
}
COHORT2 = (
    (
        "Name the data owner in the problem statement",
        "Collaboratory problem statements that named who owns the data and how it will be "
        "de-identified reached a reviewable proposal weeks sooner than those that did not.",
        (T.DATA, T.GOVERNANCE),
    ),
    (
        "State the adversary for AI-versus-AI tests",
        "Proposals testing deepfake detection were clearer when they said which generators "
        "the red team would use and how often the attack set would be refreshed.",
        (T.SECURITY, T.EVALUATION),
    ),
)
PENDING = (
    "Budget GPU hours for re-training after red-team findings",
    "Our second fine-tuning round after the adversarial tests used more hours than planned; "
    "future pilots should keep a reserve in the first tranche.",
    (T.FINE_TUNING, T.GOVERNANCE),
)


def _has_lessons(use_case: UseCase) -> bool:
    return (
        db.session.scalar(sa.select(Lesson.id).where(Lesson.use_case_id == use_case.id).limit(1))
        is not None
    )


def _author(use_case: UseCase) -> User | None:
    return db.session.scalars(
        sa.select(User)
        .where(User.institution_id == use_case.institution_id, User.role == Role.INSTITUTION)
        .order_by(User.id)
    ).first()


def _cases(cohort: str) -> list[UseCase]:
    return list(
        db.session.scalars(
            sa.select(UseCase)
            .join(Cohort)
            .join(Programme)
            .where(Programme.name == SANDBOX, Cohort.name == cohort, UseCase.proposals())
            .order_by(UseCase.id)
        )
    )


def seed_lessons() -> int:
    """Record the demo lessons; how many were added."""
    reviewer = db.session.scalar(sa.select(User).where(User.email == REVIEWER_EMAILS["HKMA"]))
    if reviewer is None:
        return 0
    now = clock.utcnow()
    added = 0
    for use_case in _cases("Cohort 1"):
        spec = LESSONS.get(use_case.title)
        author = _author(use_case)
        if spec is None or author is None or _has_lessons(use_case):
            continue
        exited = use_case.stage_changed_at
        for n, (title, text, themes, from_return, proposed) in enumerate(spec):
            source = use_case.returns[-1] if from_return and use_case.returns else None
            moment = (
                source.submitted_at + timedelta(days=3)
                if source is not None
                else exited + timedelta(days=3 + n)
            )
            data = services.LessonData(title, text, themes, source.id if source else None)
            with clock.frozen_at(min(moment, now - timedelta(hours=1))):
                lesson = services.add_lesson(use_case, author if proposed else reviewer, data)
            if proposed:
                with clock.frozen_at(min(moment + timedelta(days=2), now - timedelta(minutes=30))):
                    services.record_proposed(lesson, use_case, reviewer, lesson.version)
            added += 1
        if use_case.title == "Mule account detection with transaction narratives":
            with clock.frozen_at(min(exited + timedelta(days=10), now - timedelta(hours=1))):
                services.add_lesson(use_case, author, services.LessonData(*PENDING))
            added += 1
    submitted = [uc for uc in _cases("Cohort 2") if uc.stage is not Stage.DRAFT]
    for use_case, (title, text, themes) in zip(submitted, COHORT2, strict=False):
        if _has_lessons(use_case) or use_case.submitted_at is None:
            continue
        moment = min(use_case.submitted_at + timedelta(days=5), now - timedelta(hours=1))
        with clock.frozen_at(moment):
            services.add_lesson(use_case, reviewer, services.LessonData(title, text, themes))
        added += 1
    return added
