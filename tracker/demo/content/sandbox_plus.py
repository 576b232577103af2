"""GenA.I. Sandbox++, Cohort 1 (2026): the cross-sector programme, with securities,
insurance, MPF and stored-value use cases supervised by their own regulators."""

from __future__ import annotations

from datetime import date

from tracker.demo.content.reference import (
    BOWEN_ROAD,
    CHEUNG_CHAU,
    DING_DING,
    KAI_TAK,
    PEARL_RIVER,
    PLUS_COHORT,
    SAI_WAN,
    SAMPAN,
    SANDBOX_PLUS,
    TIN_HAU,
)
from tracker.demo.spec import (
    CX,
    DONE,
    FRAUD,
    CohortSpec,
    DemoIncident,
    DemoMessage,
    DemoMilestone,
    DemoReview,
    DemoUseCase,
    Kpi,
    PilotTerms,
    Step,
    hk,
)
from tracker.programmes.models import CohortStatus
from tracker.usecases.models import Audience, Rag, Severity, Technique

COHORT = CohortSpec(
    SANDBOX_PLUS, "Cohort 1", date(2026, 3, 5), date(2026, 5, 29), date(2026, 7, 10),
    date(2026, 8, 3), date(2027, 1, 29),
    timeline=(
        (date(2026, 3, 5), CohortStatus.OPEN),
        (date(2026, 5, 30), CohortStatus.SELECTION),
        (date(2026, 8, 3), CohortStatus.PILOTING),
    ),
    name_zh="第一期",
)  # fmt: skip

PLUS_SELECTION_AT = hk(2026, 7, 10, 11, 0)
PLUS_SELECTION_NOTE = "Selected by the joint HKMA, SFC, IA and MPFA committee."
PLUS_PILOT_START = hk(2026, 8, 3, 9, 30)


def use_cases() -> list[DemoUseCase]:
    return [
        DemoUseCase(
            cohort=PLUS_COHORT,
            institution=BOWEN_ROAD,
            partners=(PEARL_RIVER,),
            category=CX,
            title="Research note summaries with citation checks for retail clients",
            summary="Summarises the firm's equity research notes for retail clients in plain "
            "English and Chinese, with every figure checked against the source note.",
            problem="Retail clients rarely read 20-page research notes; summaries written by "
            "hand are late and occasionally misstate figures.",
            technique=Technique.RAG,
            audience=Audience.CUSTOMER,
            personal_data=False,
            data_used="Published research notes and the firm's disclosures library.",
            safeguards="Summaries carry the full disclosures and a link to the note; figures "
            "are checked automatically; a licensed representative approves each summary.",
            kpis=(
                Kpi("Summaries published within 24 hours of the note (%)", 40, 90, "{:.0f}%"),
                Kpi("Figures failing the citation check (%)", 6, 0.5, "{:.1f}%"),
                Kpi("Clients opening a summary each month", 1500, 6000, "{:,.0f}"),
            ),
            gpu_hours=1200,
            created=hk(2026, 3, 20, 10, 0),
            regulator="SFC",
            steps=(
                Step("submit", hk(2026, 4, 24, 15, 0), "Proposal submitted."),
                Step("start_review", hk(2026, 6, 1, 9, 30)),
                Step("select", PLUS_SELECTION_AT, PLUS_SELECTION_NOTE),
                Step("start_pilot", PLUS_PILOT_START, "Pilot terms agreed with the SFC."),
            ),
            pilot=PilotTerms(
                26,
                "Notes on Hong Kong-listed equities only; at most 10,000 retail clients.",
                "Published research and disclosures; no client data.",
            ),
            reviews=(
                DemoReview(
                    "SFC",
                    hk(2026, 6, 26, 15, 0),
                    (4, 4, 4, 5),
                    "Good investor-protection controls.",
                ),
                DemoReview(
                    "HKMA", hk(2026, 6, 29, 10, 0), (4, 3, 4, 5), "Agree with the SFC's assessment."
                ),
            ),
            milestones=(
                DemoMilestone(
                    "Onboarding to the AISC environment", date(2026, 8, 14), date(2026, 8, 13), DONE
                ),
                DemoMilestone(
                    "Citation checker validated", date(2026, 9, 30), date(2026, 10, 6), DONE
                ),
                DemoMilestone("Pilot exit report", date(2027, 2, 1)),
            ),
        ),
        DemoUseCase(
            cohort=PLUS_COHORT,
            institution=TIN_HAU,
            partners=(CHEUNG_CHAU, KAI_TAK),
            category=FRAUD,
            title="醫療索償文件欺詐偵測",
            summary="分析醫療索償文件（收據、診斷書）的內容及格式，找出疑似偽造或重複索償，"
            "交由理賠調查員跟進。",
            problem="偽造收據及重複索償愈來愈難以人手識別，調查員只能抽查少量個案。",
            technique=Technique.FINE_TUNING,
            audience=Audience.INTERNAL,
            personal_data=True,
            data_used="過去三年已去識別化的醫療索償文件及調查結果。",
            safeguards="模型只標示可疑個案，理賠決定由調查員作出；不會因模型結果拒絕索償；"
            "每月檢討誤報。",
            kpis=(
                Kpi("每月確認的欺詐索償宗數", 8, 25, "{:.0f}"),
                Kpi("被標示個案中確認欺詐的比例", 10, 28, "{:.0f}%"),
                Kpi("正常索償因標示而延誤的日數", 0, 1, "{:.1f}"),
            ),
            gpu_hours=2400,
            created=hk(2026, 3, 16, 11, 0),
            regulator="IA",
            zh=True,
            steps=(
                Step("submit", hk(2026, 4, 30, 11, 0), "建議書已提交。"),
                Step("start_review", hk(2026, 6, 1, 10, 30)),
                Step("select", PLUS_SELECTION_AT, PLUS_SELECTION_NOTE),
                Step("start_pilot", PLUS_PILOT_START, "試行條款已與保監局確認。"),
            ),
            pilot=PilotTerms(
                26,
                "只限門診及住院醫療索償；模型結果不作拒賠依據。",
                "去識別化的索償文件，保存在公司私有雲。",
            ),
            reviews=(
                DemoReview(
                    "IA",
                    hk(2026, 6, 25, 11, 0),
                    (4, 4, 5, 4),
                    "Clear fraud-loss case; fair treatment of genuine claims covered.",
                ),
                DemoReview("HKMA", hk(2026, 6, 29, 11, 0), (4, 4, 4, 4), "Supports selection."),
            ),
            milestones=(
                DemoMilestone("接入AISC環境", date(2026, 8, 14), date(2026, 8, 18), DONE),
                DemoMilestone("誤報檢討機制上線", date(2026, 10, 15), date(2026, 10, 15), DONE),
                DemoMilestone("試行總結報告", date(2027, 2, 1)),
            ),
            incidents=(
                DemoIncident(
                    date(2026, 9, 21),
                    Severity.MEDIUM,
                    "A batch of genuine claims was held for three days after a threshold change.",
                    "41 claimants were paid three days late.",
                    "Threshold changes now need sign-off by the claims manager.",
                    True,
                ),
            ),
            rag=((1, Rag.AMBER),),
        ),
        DemoUseCase(
            cohort=PLUS_COHORT,
            institution=SAI_WAN,
            partners=(SAMPAN,),
            category=CX,
            title="Member enquiry assistant for fund switching and consolidation",
            summary="Answers scheme members' questions about switching funds and consolidating "
            "MPF accounts, in Cantonese and English, from the scheme's own documents.",
            problem="Enquiries peak after market falls; members wait on the hotline and some "
            "switch funds on incomplete information.",
            technique=Technique.RAG,
            audience=Audience.CUSTOMER,
            personal_data=False,
            data_used="Scheme documents, fund fact sheets and the MPFA's member education "
            "material.",
            safeguards="No investment advice or fund recommendations; switching is done by "
            "the member in the usual channel; every answer cites the scheme document.",
            kpis=(
                Kpi("Enquiries answered without a hotline call (%)", 30, 60, "{:.0f}%"),
                Kpi("Answers judged accurate in sampling (%)", 95, 99, "{:.1f}%"),
            ),
            gpu_hours=900,
            created=hk(2026, 3, 25, 15, 0),
            regulator="MPFA",
            steps=(
                Step("submit", hk(2026, 5, 8, 10, 0), "Proposal submitted."),
                Step("start_review", hk(2026, 6, 2, 9, 0)),
                Step("select", PLUS_SELECTION_AT, PLUS_SELECTION_NOTE),
            ),
            reviews=(
                DemoReview(
                    "MPFA",
                    hk(2026, 6, 24, 15, 30),
                    (3, 3, 4, 5),
                    "Member protection well handled; limited novelty.",
                ),
                DemoReview("HKMA", hk(2026, 6, 29, 14, 0), (3, 3, 4, 4), "Agree."),
            ),
            milestones=(
                DemoMilestone(
                    "Scheme documents indexed", date(2026, 9, 15), date(2026, 9, 10), DONE
                ),
                DemoMilestone("Pilot start", date(2026, 12, 7)),
            ),
        ),
        DemoUseCase(
            cohort=PLUS_COHORT,
            institution=DING_DING,
            partners=(CHEUNG_CHAU,),
            category=FRAUD,
            title="Real-time scam payee warnings for wallet transfers",
            summary="Scores each new payee of a wallet transfer for scam risk and shows the "
            "user a tailored warning before the money leaves the wallet.",
            problem="Wallet users are targeted by shopping and romance scams; generic warnings "
            "are ignored.",
            technique=Technique.FINE_TUNING,
            audience=Audience.CUSTOMER,
            personal_data=True,
            data_used="Pseudonymised transfer records, scam reports and the industry scam "
            "database.",
            safeguards="Warnings only; the user decides whether to pay; warning wording "
            "reviewed by the HKMA; complaint channel monitored weekly.",
            kpis=(
                Kpi(
                    "Transfers to confirmed scam payees stopped after a warning (%)",
                    20,
                    55,
                    "{:.0f}%",
                ),
                Kpi("Warnings shown per 1,000 transfers", 0, 6, "{:.1f}"),
                Kpi("Complaints about warnings per month", 0, 4, "{:.0f}"),
            ),
            gpu_hours=1400,
            created=hk(2026, 3, 12, 9, 0),
            steps=(
                Step("submit", hk(2026, 4, 15, 14, 0), "Proposal submitted."),
                Step("start_review", hk(2026, 6, 1, 11, 0)),
                Step("select", PLUS_SELECTION_AT, PLUS_SELECTION_NOTE),
                Step("start_pilot", PLUS_PILOT_START, "Pilot terms agreed with the HKMA."),
            ),
            pilot=PilotTerms(
                26,
                "Person-to-person transfers up to HK$8,000; warnings only, no blocking.",
                "Pseudonymised transfer data; scam database matches.",
            ),
            reviews=(
                DemoReview(
                    "HKMA",
                    hk(2026, 6, 30, 16, 0),
                    (4, 4, 5, 4),
                    "Direct consumer benefit; good fit for an SVF.",
                ),
            ),
            milestones=(
                DemoMilestone(
                    "Warning wording reviewed with the HKMA",
                    date(2026, 8, 21),
                    date(2026, 8, 20),
                    DONE,
                ),
                DemoMilestone("Extend to merchant payments", date(2027, 1, 15)),
            ),
            messages=(
                DemoMessage(
                    hk(2026, 9, 3, 11, 0),
                    True,
                    "Please include the complaint log with each return.",
                ),
                DemoMessage(hk(2026, 9, 3, 15, 30), False, "Will do from the next return."),
            ),
        ),
    ]
