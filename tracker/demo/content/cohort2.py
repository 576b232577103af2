"""GenA.I. Sandbox, Cohort 2: its application window (and the proposals in it) is
placed around the day the data is loaded, so that it is open whenever the demo runs."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tracker.demo.content.reference import (
    CHEUNG_CHAU,
    COHORT_2,
    HARBOUR,
    KAI_TAK,
    KOWLOON,
    LANTAU,
    LION_ROCK,
    PEARL_RIVER,
    SANDBOX,
)
from tracker.demo.spec import (
    FRAUD,
    RISK,
    CohortSpec,
    DemoMessage,
    DemoReview,
    DemoUseCase,
    Kpi,
    Step,
    days_before,
)
from tracker.programmes.models import CohortStatus
from tracker.usecases.models import Audience, Technique


def cohort(today: date) -> CohortSpec:
    """Open for applications whenever the demo is loaded."""
    return CohortSpec(
        SANDBOX, "Cohort 2", today - timedelta(days=45), today + timedelta(days=30),
        today + timedelta(days=75), today + timedelta(days=120), today + timedelta(days=302),
        timeline=((today - timedelta(days=45), CohortStatus.OPEN),),
        name_zh="第二期",
    )  # fmt: skip


def use_cases(today: date) -> list[DemoUseCase]:
    """Proposals in the open second cohort; dated relative to ``today``."""

    def ago(days: int, hour: int = 10, minute: int = 0) -> datetime:
        return days_before(today, days, hour, minute)

    return [
        DemoUseCase(
            cohort=COHORT_2,
            institution=HARBOUR,
            partners=(CHEUNG_CHAU,),
            category=FRAUD,
            title="AI versus AI: deepfake detection in remote account opening",
            summary="Detects face-swap and injected video in the remote account-opening "
            "journey and asks for a live step-up check when it suspects a deepfake.",
            problem="Fraudsters open mule accounts remotely with deepfaked identity videos; "
            "liveness checks alone no longer stop them.",
            technique=Technique.NEW_MODEL,
            audience=Audience.CUSTOMER,
            personal_data=True,
            data_used="Consented onboarding videos, known attack samples and synthetic "
            "deepfakes generated for training.",
            safeguards="No applicant is refused on the model's score alone; flagged "
            "applications go to a video call with staff; bias testing by age and skin tone.",
            kpis=(
                Kpi("Deepfake attacks detected in red-team tests (%)", 0, 95, "{:.0f}%"),
                Kpi("Genuine applicants sent to a video call (%)", 0, 3, "{:.1f}%"),
                Kpi("Mule accounts opened remotely per month", 40, 10, "{:.0f}"),
            ),
            gpu_hours=7000,
            created=ago(40, 11),
            steps=(
                Step("submit", ago(33, 16, 10), "Proposal submitted."),
                Step("start_review", ago(25, 9, 30)),
            ),
            reviews=(
                DemoReview(
                    "HKMA",
                    ago(10, 15),
                    (5, 4, 5, 3),
                    "Strong fit with the 'AI versus AI' theme; bias testing plan needs detail.",
                ),
            ),
            messages=(
                DemoMessage(
                    ago(12, 10, 30),
                    True,
                    "Please share the bias-testing protocol before the committee meets.",
                ),
                DemoMessage(ago(11, 14), False, "Protocol uploaded to the documents tab."),
            ),
        ),
        DemoUseCase(
            cohort=COHORT_2,
            institution=LION_ROCK,
            partners=(PEARL_RIVER,),
            category=RISK,
            title="第二道防線：合規監察抽樣助理",
            summary="協助合規監察人員按風險挑選抽樣交易，並整理抽樣結果及初步發現。",
            problem="合規監察抽樣主要靠人手，覆蓋面有限，而且發現往往要數月後才匯報。",
            technique=Technique.RAG,
            audience=Audience.INTERNAL,
            personal_data=True,
            data_used="合規監察計劃、過往抽樣結果及相關交易紀錄。",
            safeguards="抽樣計劃由合規主管批核；模型只提供建議；所有發現由人員核實。",
            kpis=(
                Kpi("每季完成的監察測試數目", 12, 30, "{:.0f}"),
                Kpi("由測試至匯報發現的日數", 60, 20, "{:.0f}"),
            ),
            gpu_hours=900,
            created=ago(20, 15),
            steps=(Step("submit", ago(6, 17, 40), "建議書已提交。"),),
            zh=True,
        ),
        DemoUseCase(
            cohort=COHORT_2,
            institution=KOWLOON,
            partners=(CHEUNG_CHAU, KAI_TAK),
            category=FRAUD,
            title="Graph-augmented detection of mule account networks",
            summary="Builds on the bank's Cohort 1 mule detection model by adding the network "
            "of payments between accounts, to find whole mule rings rather than single "
            "accounts.",
            problem="Mule rings rotate accounts faster than single-account models can flag them.",
            technique=Technique.FINE_TUNING,
            audience=Audience.INTERNAL,
            personal_data=True,
            data_used="Pseudonymised payment graph for 12 months.",
            safeguards="Drafting: to be completed with the partner before submission.",
            kpis=(Kpi("Mule rings identified per quarter", 5, 20, "{:.0f}"),),
            gpu_hours=None,
            created=ago(4, 9, 20),
        ),
        DemoUseCase(
            cohort=COHORT_2,
            institution=LANTAU,
            partners=(CHEUNG_CHAU,),
            category=FRAUD,
            title="Deepfake voice detection at phone banking (re-application)",
            summary="Re-application of the bank's Cohort 1 proposal, now that the new IVR "
            "platform is live: detects synthetic voices before voice authentication.",
            problem="Cloned voices were used in attempted account takeovers through phone banking.",
            technique=Technique.NEW_MODEL,
            audience=Audience.CUSTOMER,
            personal_data=True,
            data_used="Consented voice samples and generated synthetic voices.",
            safeguards="Flagged calls go to a live agent with step-up checks.",
            kpis=(
                Kpi("Synthetic voices detected in red-team tests (%)", 0, 95, "{:.0f}%"),
                Kpi("Genuine callers sent to step-up checks (%)", 0, 2, "{:.1f}%"),
            ),
            gpu_hours=6000,
            created=ago(44, 10),
            steps=(
                Step("submit", ago(38, 12), "Re-application following our Cohort 1 withdrawal."),
                Step("start_review", ago(30, 10)),
                Step(
                    "request_changes",
                    ago(16, 17),
                    "Please explain how genuine callers with speech impairments or strong "
                    "accents will be treated when flagged, and add a KPI for it.",
                ),
            ),
        ),
    ]
