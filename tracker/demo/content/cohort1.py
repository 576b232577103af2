"""GenA.I. Sandbox, Cohort 1 (2024-2026): selected in December 2024, piloting since
February 2025; its use cases reach every stage."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tracker.demo.content.reference import (
    BAUHINIA,
    CHEUNG_CHAU,
    COHORT_1,
    GOLDEN_BAY,
    HARBOUR,
    KAI_TAK,
    KOWLOON,
    LANTAU,
    LION_ROCK,
    PEARL_RIVER,
    SAI_KUNG,
    SAMPAN,
    SANDBOX,
    TAI_MO_SHAN,
    TSING_MA,
    VICTORIA_PEAK,
)
from tracker.demo.spec import (
    CX,
    DONE,
    FRAUD,
    IN_PROGRESS,
    RISK,
    CohortSpec,
    DemoIncident,
    DemoMessage,
    DemoMilestone,
    DemoReview,
    DemoUseCase,
    ExitReport,
    Kpi,
    PilotTerms,
    Step,
    hk,
)
from tracker.programmes.models import CohortStatus
from tracker.usecases.models import Audience, MilestoneStatus, Rag, Severity, Technique

COHORT = CohortSpec(
    SANDBOX, "Cohort 1", date(2024, 8, 13), date(2024, 11, 15), date(2024, 12, 19),
    date(2025, 2, 3), date(2025, 8, 1),
    timeline=(
        (date(2024, 8, 13), CohortStatus.OPEN),
        (date(2024, 11, 16), CohortStatus.SELECTION),
        (date(2025, 2, 3), CohortStatus.PILOTING),
    ),
    name_zh="第一期",
)  # fmt: skip

SELECTION_AT = hk(2024, 12, 19, 11, 0)
SELECTION_NOTE = "Selected by the selection committee on 19 December 2024."
C1_PILOT_START = hk(2025, 2, 3, 9, 30)


def _c1_selected(submitted: datetime, review_started: datetime) -> tuple[Step, ...]:
    """The common start of a Cohort 1 case that the committee selected in December 2024."""
    return (
        Step("submit", submitted, "Proposal and model risk assessment attached."),
        Step("start_review", review_started),
        Step("select", SELECTION_AT, SELECTION_NOTE),
    )


def _c1_review(at: datetime, scores: tuple[int, int, int, int], comment: str) -> DemoReview:
    return DemoReview("HKMA", at, scores, comment)


def _production_milestones(exit_on: date) -> tuple[DemoMilestone, ...]:
    return (
        DemoMilestone("Onboarding to the AISC environment", date(2025, 2, 14),
                      date(2025, 2, 12), DONE),
        DemoMilestone("Red-team and guardrail testing complete", date(2025, 4, 11),
                      date(2025, 4, 17), DONE),
        DemoMilestone("Interim supervisory review", date(2025, 5, 23), date(2025, 5, 23), DONE),
        DemoMilestone("Exit report submitted", exit_on - timedelta(days=14),
                      exit_on - timedelta(days=16), DONE),
    )  # fmt: skip


def use_cases() -> list[DemoUseCase]:
    """The fifteen proposals of the first cohort, one for every way a use case can end."""
    return [
        # 1. Production, anti-fraud
        DemoUseCase(
            cohort=COHORT_1,
            institution=HARBOUR,
            partners=(SAMPAN, KAI_TAK),
            category=FRAUD,
            title="Scam-call transcript triage for the fraud hotline",
            summary="A Cantonese-capable language model reads transcripts of calls to the "
            "bank's fraud hotline, classifies the scam typology and drafts the case note, so "
            "that analysts can freeze funds while they can still be recovered.",
            problem="Hotline analysts spend most of a call writing notes. Reports of "
            "investment and impersonation scams wait up to 40 minutes for triage at peak "
            "times, by which point the money has often moved on.",
            technique=Technique.FINE_TUNING,
            audience=Audience.INTERNAL,
            personal_data=True,
            data_used="18 months of de-identified hotline transcripts (about 60,000 calls) and "
            "the bank's scam typology taxonomy.",
            safeguards="Analysts confirm every classification before any action on an "
            "account; transcripts are de-identified before fine-tuning; model outputs are "
            "logged and 5% are sampled daily by the fraud control team.",
            kpis=(
                Kpi("Median triage time per reported scam call (minutes)", 18, 6, "{:.1f}"),
                Kpi("Confirmed scam reports escalated within one hour (%)", 52, 88, "{:.0f}%"),
                Kpi("Analyst overrides of the model's typology (%)", 24, 9, "{:.1f}%"),
            ),
            gpu_hours=4200,
            created=hk(2024, 9, 20, 14, 5),
            steps=_c1_selected(hk(2024, 10, 21, 15, 30), hk(2024, 11, 18, 9, 45))
            + (
                Step("start_pilot", C1_PILOT_START, "Pilot terms agreed at the kick-off."),
                Step("approve_production", hk(2025, 8, 25, 16, 0), "Exit report accepted."),
            ),
            pilot=PilotTerms(
                26,
                "Hotline calls handled by the Kwun Tong fraud centre only; no automated action "
                "on customer accounts.",
                "De-identified call transcripts and fraud case notes; no voice recordings leave "
                "the bank.",
            ),
            exit=ExitReport(
                "All three KPIs met their targets: median triage time fell from 18 to about "
                "6 minutes and escalation within one hour rose to 88%.",
                "Fine-tuning on Cantonese code-mixed speech mattered more than model size. "
                "Analysts trusted the tool once the typology explanation was shown.",
                "Keep analyst confirmation before any account action; report override rates "
                "quarterly to the HKMA for the first year.",
            ),
            reviews=(
                _c1_review(
                    hk(2024, 12, 6, 15, 0),
                    (5, 4, 5, 4),
                    "Clear consumer benefit; strong data-protection design.",
                ),
            ),
            milestones=_production_milestones(date(2025, 8, 25)),
            incidents=(
                DemoIncident(
                    date(2025, 4, 22),
                    Severity.LOW,
                    "Transcription service latency above 30 seconds for two hours.",
                    "None: analysts fell back to manual notes.",
                    "Autoscaling threshold lowered with Kai Tak Cloud.",
                    True,
                ),
            ),
            messages=(
                DemoMessage(
                    hk(2025, 3, 12, 11, 20),
                    True,
                    "Please share the sampling results for February with the next "
                    "return, including the override reasons.",
                ),
                DemoMessage(
                    hk(2025, 3, 13, 9, 5),
                    False,
                    "Noted. We will add a breakdown of overrides by scam typology.",
                ),
                DemoMessage(
                    hk(2025, 7, 30, 17, 40),
                    True,
                    "Strong candidate for production; check the exit conditions with "
                    "the supervisor before approval.",
                    internal=True,
                ),
            ),
        ),
        # 2. Pilot (suspended once and resumed), customer experience, Chinese
        DemoUseCase(
            cohort=COHORT_1,
            institution=HARBOUR,
            partners=(SAMPAN,),
            category=CX,
            title="網上理財粵語聊天助理",
            summary="以檢索增強生成技術建立的粵語聊天助理，回答客戶有關網上理財、收費及"
            "轉賬限額的查詢，並在需要時轉交真人客服。",
            problem="網上理財查詢中約六成屬重複問題，客服熱線輪候時間在月底高峰期超過十五分鐘。",
            technique=Technique.RAG,
            audience=Audience.CUSTOMER,
            personal_data=False,
            data_used="銀行公開的產品資料、收費表及常見問題；不使用客戶個人資料。",
            safeguards="只引用已核准的文件並附出處；涉及投資或信貸建議的問題一律轉交真人；"
            "每日抽查回覆；客戶可隨時要求真人服務。",
            kpis=(
                Kpi("無需轉交真人即解決的查詢比例", 38, 64, "{:.0f}%"),
                Kpi("回覆準確率（抽樣覆核）", 91, 98.5, "{:.1f}%"),
                Kpi("客戶滿意度（五分制）", 3.6, 4.4, "{:.1f}"),
            ),
            gpu_hours=2600,
            created=hk(2024, 10, 2, 10, 30),
            steps=_c1_selected(hk(2024, 11, 12, 16, 45), hk(2024, 11, 18, 10, 15))
            + (
                Step("start_pilot", C1_PILOT_START, "試行條款已於啟動會議上確認。"),
                Step(
                    "suspend",
                    hk(2025, 9, 10, 18, 0),
                    "The assistant quoted an outdated fee schedule to 14 customers. Paused "
                    "until index refreshes are under change control.",
                ),
                Step(
                    "resume",
                    hk(2025, 10, 6, 10, 0),
                    "Index refresh now gated by change control; affected customers "
                    "contacted and fees refunded.",
                ),
            ),
            zh=True,
            pilot=PilotTerms(
                96,
                "最多5,000名已登記的網上理財客戶；每日最多20,000次對話；不提供投資或信貸建議。",
                "公開產品資料及收費表；對話紀錄保留90日作質素覆核。",
            ),
            reviews=(
                _c1_review(
                    hk(2024, 12, 9, 14, 30),
                    (4, 4, 4, 5),
                    "Good safeguards for a customer-facing pilot; keep the cap low.",
                ),
            ),
            milestones=(
                DemoMilestone("接入AISC環境", date(2025, 2, 14), date(2025, 2, 14), DONE),
                DemoMilestone(
                    "首階段客戶試用（1,000名客戶）", date(2025, 4, 1), date(2025, 4, 8), DONE
                ),
                DemoMilestone("擴展至5,000名客戶", date(2025, 11, 3), date(2025, 11, 17), DONE),
                DemoMilestone("試行總結報告", date(2026, 12, 14)),
            ),
            incidents=(
                DemoIncident(
                    date(2025, 9, 8),
                    Severity.MEDIUM,
                    "Answers quoted the 2024 fee schedule after a document refresh was missed.",
                    "14 customers were told a lower overseas transfer fee; the difference was "
                    "refunded.",
                    "Index refresh added to the change calendar with a pre-release check.",
                    True,
                ),
            ),
            messages=(
                DemoMessage(
                    hk(2025, 9, 10, 18, 30),
                    True,
                    "Please send the list of affected customers and the remediation "
                    "plan by Friday.",
                ),
                DemoMessage(
                    hk(2025, 9, 11, 12, 0),
                    False,
                    "已附上受影響客戶名單及補救方案，退款將於本週內完成。",
                ),
                DemoMessage(
                    hk(2025, 10, 3, 15, 0),
                    True,
                    "Remediation verified on site; agree to resume on Monday.",
                    internal=True,
                ),
            ),
            rag=((7, Rag.RED), (8, Rag.AMBER)),
        ),
        # 3. Production, risk management
        DemoUseCase(
            cohort=COHORT_1,
            institution=LION_ROCK,
            partners=(PEARL_RIVER,),
            category=RISK,
            title="Credit early-warning signals from annual reports and news",
            summary="Retrieval-augmented generation over borrowers' filings and news flags "
            "early signs of credit deterioration for corporate relationship managers, with "
            "the source passages quoted.",
            problem="Credit officers review about 1,200 corporate borrowers. Adverse news and "
            "going-concern language in filings are spotted late, often after a covenant "
            "breach.",
            technique=Technique.RAG,
            audience=Audience.INTERNAL,
            personal_data=False,
            data_used="Public annual reports, exchange filings and licensed news feeds for the "
            "corporate portfolio.",
            safeguards="Signals are advisory; credit decisions stay with credit officers. Every "
            "signal cites its source passage. Monthly back-testing against realised "
            "downgrades.",
            kpis=(
                Kpi("Downgrades flagged at least 60 days in advance (%)", 31, 67, "{:.0f}%"),
                Kpi("False-alert rate per 100 borrowers per month", 9.5, 3.2, "{:.1f}"),
                Kpi("Analyst hours saved per week", 0, 46, "{:.0f}"),
            ),
            gpu_hours=1800,
            created=hk(2024, 9, 5, 9, 40),
            steps=_c1_selected(hk(2024, 10, 8, 11, 0), hk(2024, 11, 18, 11, 30))
            + (
                Step("start_pilot", C1_PILOT_START, "Pilot terms agreed at the kick-off."),
                Step("approve_production", hk(2025, 9, 8, 15, 30), "Exit report accepted."),
            ),
            pilot=PilotTerms(
                26,
                "Corporate portfolio only (no retail); signals shown to 25 named credit officers.",
                "Public filings and licensed news; no customer account data.",
            ),
            exit=ExitReport(
                "Two thirds of later downgrades were flagged at least 60 days earlier; false "
                "alerts fell to about three per hundred borrowers a month.",
                "Quoting the source passage was what made officers act on a signal. Retrieval "
                "quality, not the model, drove most of the gains.",
                "Annual back-test shared with the HKMA; signals stay advisory.",
            ),
            reviews=(
                _c1_review(
                    hk(2024, 12, 5, 10, 0),
                    (4, 4, 5, 4),
                    "Useful to the industry; good explainability.",
                ),
            ),
            milestones=_production_milestones(date(2025, 9, 8)),
        ),
        # 4. Pilot, anti-fraud, Chinese
        DemoUseCase(
            cohort=COHORT_1,
            institution=LION_ROCK,
            partners=(CHEUNG_CHAU,),
            category=FRAUD,
            title="可疑交易報告草擬助手",
            summary="微調模型根據警示、交易紀錄及調查筆記草擬可疑交易報告的敍述部分，"
            "由調查員覆核及定稿後才提交聯合財富情報組。",
            problem="調查員撰寫每份可疑交易報告平均需時兩小時，積壓個案令報告延遲提交。",
            technique=Technique.FINE_TUNING,
            audience=Audience.INTERNAL,
            personal_data=True,
            data_used="過去三年已去識別化的可疑交易報告及調查筆記。",
            safeguards="所有草稿須經調查員覆核及簽署；模型不會決定是否提交報告；"
            "存取權限只限調查組。",
            kpis=(
                Kpi("每份報告平均撰寫時間（分鐘）", 120, 45, "{:.0f}"),
                Kpi("主管退回修改的報告比例", 22, 8, "{:.0f}%"),
                Kpi("積壓個案數目", 340, 90, "{:.0f}"),
            ),
            gpu_hours=3100,
            created=hk(2024, 9, 25, 15, 0),
            steps=_c1_selected(hk(2024, 11, 1, 10, 20), hk(2024, 11, 19, 9, 30))
            + (Step("start_pilot", hk(2025, 3, 3, 9, 30), "試行條款已確認。"),),
            zh=True,
            pilot=PilotTerms(
                100,
                "只限金融犯罪調查組20名調查員使用；不自動提交任何報告。",
                "去識別化的警示及交易資料，保存在銀行私有雲。",
            ),
            reviews=(
                _c1_review(
                    hk(2024, 12, 10, 16, 0),
                    (4, 5, 4, 4),
                    "Technically strong; clear human sign-off.",
                ),
            ),
            milestones=(
                DemoMilestone("完成模型微調第一版", date(2025, 4, 15), date(2025, 4, 30), DONE),
                DemoMilestone("與調查組進行並行測試", date(2025, 9, 1), date(2025, 9, 15), DONE),
                DemoMilestone(
                    "第二版模型（加入新詐騙類型）", date(2026, 6, 1), date(2026, 6, 19), DONE
                ),
                DemoMilestone("試行總結報告", date(2027, 1, 25)),
            ),
            messages=(
                DemoMessage(
                    hk(2026, 6, 22, 10, 0),
                    True,
                    "Please describe how the second model version was validated before release.",
                ),
                DemoMessage(
                    hk(2026, 6, 24, 14, 10),
                    False,
                    "已附上驗證報告：以300份歷史報告作盲測，主管評分與第一版相若。",
                ),
            ),
        ),
        # 5. Production, customer experience
        DemoUseCase(
            cohort=COHORT_1,
            institution=VICTORIA_PEAK,
            partners=(PEARL_RIVER, KAI_TAK),
            category=CX,
            title="Complaint classification and response drafting",
            summary="Customer complaints are classified by product and root cause and a first "
            "reply is drafted from approved templates for a complaints officer to edit.",
            problem="The complaints team receives about 3,000 complaints a month in English "
            "and Chinese; first replies miss the service pledge in one case in five.",
            technique=Technique.RAG,
            audience=Audience.INTERNAL,
            personal_data=True,
            data_used="Complaint records for the last two years, approved reply templates and "
            "the complaint-handling policy.",
            safeguards="Officers edit and send every reply; no reply leaves without a named "
            "officer; root-cause tags are reviewed monthly by Compliance.",
            kpis=(
                Kpi("First replies within the service pledge (%)", 79, 97, "{:.0f}%"),
                Kpi("Root-cause tags agreed by Compliance review (%)", 70, 92, "{:.0f}%"),
                Kpi("Officer editing time per reply (minutes)", 25, 9, "{:.0f}"),
            ),
            gpu_hours=1500,
            created=hk(2024, 8, 30, 16, 20),
            steps=_c1_selected(hk(2024, 9, 30, 10, 0), hk(2024, 11, 18, 14, 0))
            + (
                Step("start_pilot", C1_PILOT_START, "Pilot terms agreed at the kick-off."),
                Step("approve_production", hk(2025, 9, 22, 11, 0), "Exit report accepted."),
            ),
            pilot=PilotTerms(
                26,
                "Complaints about cards and deposits only; replies sent by officers.",
                "Complaint records of the two product lines, held in the bank's tenancy.",
            ),
            exit=ExitReport(
                "97% of first replies met the service pledge; root-cause tagging now feeds the "
                "bank's conduct dashboard.",
                "Bilingual templates reduced editing more than model changes did.",
                "Extend to other products only after a Compliance sign-off per product line.",
            ),
            reviews=(
                _c1_review(
                    hk(2024, 12, 4, 11, 0),
                    (3, 4, 4, 5),
                    "Modest innovation but clear customer benefit.",
                ),
            ),
            milestones=_production_milestones(date(2025, 9, 22)),
        ),
        # 6. Selected, pilot deferred; holds the overdue milestone
        DemoUseCase(
            cohort=COHORT_1,
            institution=VICTORIA_PEAK,
            partners=(PEARL_RIVER,),
            category=RISK,
            title="Model documentation reviewer for second-line validation",
            summary="An assistant checks model development documents against the bank's model "
            "risk standard and lists gaps for the second-line validation team.",
            problem="Validation of a single model takes eight weeks, two of them spent "
            "checking whether documentation is complete.",
            technique=Technique.RAG,
            audience=Audience.INTERNAL,
            personal_data=False,
            data_used="Model documentation and validation reports for about 150 models.",
            safeguards="Validators decide; the tool only lists candidate gaps with references "
            "to the standard.",
            kpis=(
                Kpi("Documentation review time per model (days)", 10, 3, "{:.0f}"),
                Kpi("Gaps found by the tool and confirmed by validators (%)", 60, 85, "{:.0f}%"),
            ),
            gpu_hours=900,
            created=hk(2024, 10, 10, 11, 0),
            steps=_c1_selected(hk(2024, 11, 14, 17, 50), hk(2024, 11, 20, 9, 0)),
            reviews=(
                _c1_review(
                    hk(2024, 12, 11, 15, 30),
                    (3, 3, 4, 4),
                    "Sound; start depends on model risk committee approval.",
                ),
            ),
            milestones=(
                DemoMilestone("Pilot plan drafted", date(2025, 3, 31), date(2025, 4, 14), DONE),
                DemoMilestone(
                    "Model risk committee approval of the pilot plan",
                    date(2026, 10, 30),
                    None,
                    IN_PROGRESS,
                    status_on=date(2026, 9, 1),
                ),
                DemoMilestone("Pilot start", date(2027, 1, 18)),
            ),
            messages=(
                DemoMessage(
                    hk(2026, 11, 9, 10, 30),
                    True,
                    "The committee approval milestone is overdue. Please give a new "
                    "date or tell us if the bank wishes to withdraw.",
                ),
                DemoMessage(
                    hk(2026, 11, 10, 16, 0),
                    False,
                    "The committee meets on 4 December; we expect approval then.",
                ),
            ),
        ),
        # 7. Production, anti-fraud
        DemoUseCase(
            cohort=COHORT_1,
            institution=KOWLOON,
            partners=(CHEUNG_CHAU, KAI_TAK),
            category=FRAUD,
            title="Mule account detection with transaction narratives",
            summary="A model adapted to the bank's payment narratives scores accounts for "
            "mule behaviour and explains the pattern, feeding the existing alert queue.",
            problem="Rule-based mule detection misses accounts recruited through social media "
            "that pass small amounts with innocuous narratives.",
            technique=Technique.FINE_TUNING,
            audience=Audience.INTERNAL,
            personal_data=True,
            data_used="Pseudonymised payment records and narratives for 12 months; confirmed "
            "mule cases shared through the bank's anti-fraud programme.",
            safeguards="Scores go to investigators, never to automatic blocking; fairness "
            "testing across customer age groups; quarterly model review.",
            kpis=(
                Kpi("Confirmed mule accounts detected per month", 45, 118, "{:.0f}"),
                Kpi("Alert precision (%)", 12, 31, "{:.0f}%"),
                Kpi("Median days from first mule payment to restriction", 21, 6, "{:.0f}"),
            ),
            gpu_hours=5200,
            created=hk(2024, 9, 12, 10, 0),
            steps=_c1_selected(hk(2024, 10, 25, 12, 30), hk(2024, 11, 19, 11, 0))
            + (
                Step("start_pilot", C1_PILOT_START, "Pilot terms agreed at the kick-off."),
                Step("approve_production", hk(2025, 10, 13, 15, 0), "Exit report accepted."),
            ),
            pilot=PilotTerms(
                26,
                "Scores shown to the mule investigation team only; no change to customer "
                "treatment without an investigator's decision.",
                "Pseudonymised payment data held in the bank's private cloud.",
            ),
            exit=ExitReport(
                "Detection of confirmed mule accounts more than doubled at higher precision.",
                "Narrative text added signal that amounts alone did not; fairness tests "
                "found no material difference across age groups.",
                "Quarterly fairness report to the HKMA for the first year.",
            ),
            reviews=(
                _c1_review(
                    hk(2024, 12, 3, 14, 0),
                    (5, 5, 5, 3),
                    "High industry value; fair-use testing must be shown during the pilot.",
                ),
            ),
            milestones=_production_milestones(date(2025, 10, 13)),
            incidents=(
                DemoIncident(
                    date(2025, 6, 16),
                    Severity.LOW,
                    "A batch of scores was delayed by a day after a data pipeline failure.",
                    "None.",
                    "Pipeline monitoring alert added.",
                    True,
                ),
            ),
        ),
        # 8. Discontinued during the pilot
        DemoUseCase(
            cohort=COHORT_1,
            institution=KOWLOON,
            partners=(SAMPAN,),
            category=CX,
            title="Relationship manager meeting notes and suitability summary",
            summary="Drafts meeting notes and a suitability summary from a relationship "
            "manager's dictated notes after investment advice meetings.",
            problem="Relationship managers spend 30 minutes after each advice meeting on "
            "notes; suitability records are inconsistent.",
            technique=Technique.RAG,
            audience=Audience.INTERNAL,
            personal_data=True,
            data_used="Dictated meeting notes, product risk ratings and customer risk profiles.",
            safeguards="Relationship managers approve every note; Compliance samples 10% of "
            "summaries.",
            kpis=(
                Kpi("Time spent on notes per meeting (minutes)", 30, 22, "{:.0f}"),
                Kpi("Summaries missing a required risk disclosure (%)", 4, 7, "{:.1f}%"),
            ),
            gpu_hours=700,
            created=hk(2024, 9, 18, 15, 0),
            steps=_c1_selected(hk(2024, 10, 29, 11, 45), hk(2024, 11, 20, 15, 0))
            + (
                Step("start_pilot", C1_PILOT_START, "Pilot terms agreed at the kick-off."),
                Step(
                    "discontinue",
                    hk(2025, 5, 19, 17, 0),
                    "Summaries omitted a required risk disclosure in 7% of samples. The "
                    "bank will redesign the tool around structured templates before any "
                    "new application.",
                ),
            ),
            pilot=PilotTerms(
                26,
                "Ten relationship managers in the Central branch; notes approved by the RM.",
                "Meeting notes and customer risk profiles of pilot customers.",
            ),
            reviews=(
                _c1_review(
                    hk(2024, 12, 12, 10, 0),
                    (3, 3, 3, 3),
                    "Borderline; selected on condition of Compliance sampling.",
                ),
            ),
            milestones=(
                DemoMilestone(
                    "Onboarding to the AISC environment", date(2025, 2, 14), date(2025, 2, 20), DONE
                ),
                DemoMilestone(
                    "Compliance sampling of 200 summaries",
                    date(2025, 4, 30),
                    date(2025, 5, 9),
                    DONE,
                ),
                # Dropped on the day of the decision, before the pilot was discontinued.
                DemoMilestone(
                    "Exit report submitted",
                    date(2025, 8, 15),
                    None,
                    MilestoneStatus.DROPPED,
                    status_on=date(2025, 5, 19),
                ),
            ),
            rag=((1, Rag.AMBER), (2, Rag.RED)),
            messages=(
                DemoMessage(
                    hk(2025, 5, 12, 14, 0),
                    True,
                    "The disclosure omissions are a conduct risk. Recommend "
                    "discontinuing rather than suspending.",
                    internal=True,
                ),
            ),
        ),
        # 9. Pilot, risk management (started late)
        DemoUseCase(
            cohort=COHORT_1,
            institution=LANTAU,
            partners=(PEARL_RIVER, KAI_TAK),
            category=RISK,
            title="Trade-finance document discrepancy checks",
            summary="Reads letters of credit, invoices and bills of lading and lists "
            "discrepancies and sanctions-relevant details for document checkers.",
            problem="Document checking is manual and slow; discrepancies are found late and "
            "dual-use goods descriptions are easy to miss.",
            technique=Technique.RAG,
            audience=Audience.INTERNAL,
            personal_data=False,
            data_used="Scanned trade documents for 8,000 past transactions and UCP 600 rules.",
            safeguards="Checkers make every decision; the tool never releases documents; "
            "sanctions hits go to the existing screening process.",
            kpis=(
                Kpi("Checking time per presentation (minutes)", 55, 20, "{:.0f}"),
                Kpi("Discrepancies found by the tool confirmed by checkers (%)", 72, 90, "{:.0f}%"),
                Kpi("Dual-use goods descriptions flagged for review", 3, 14, "{:.0f}"),
            ),
            gpu_hours=2300,
            created=hk(2024, 10, 14, 9, 15),
            steps=_c1_selected(hk(2024, 11, 6, 14, 0), hk(2024, 11, 19, 14, 30))
            + (
                Step(
                    "start_pilot",
                    hk(2025, 9, 1, 9, 30),
                    "Start deferred until the trade document archive was digitised.",
                ),
            ),
            pilot=PilotTerms(
                78,
                "Import letters of credit handled by the Kwai Chung trade centre.",
                "Scanned trade documents; no personal data beyond names on documents.",
            ),
            reviews=(
                _c1_review(
                    hk(2024, 12, 10, 11, 0),
                    (4, 4, 4, 4),
                    "Solid; the dual-use flag is a useful addition.",
                ),
            ),
            milestones=(
                DemoMilestone(
                    "Trade document archive digitised", date(2025, 7, 31), date(2025, 8, 22), DONE
                ),
                DemoMilestone(
                    "Parallel run with document checkers",
                    date(2026, 3, 31),
                    date(2026, 4, 10),
                    DONE,
                ),
                DemoMilestone(
                    "Extend to export documentary collections",
                    date(2026, 12, 15),
                    None,
                    IN_PROGRESS,
                    status_on=date(2026, 10, 5),
                ),
                DemoMilestone("Pilot exit report", date(2027, 2, 15)),
            ),
        ),
        # 10. Withdrawn after selection
        DemoUseCase(
            cohort=COHORT_1,
            institution=LANTAU,
            partners=(CHEUNG_CHAU,),
            category=FRAUD,
            title="Deepfake voice detection at the phone-banking IVR",
            summary="Detects synthetic or replayed voices at the start of phone-banking calls "
            "before voice authentication.",
            problem="Voice cloning tools can pass voice biometrics; two attempted account "
            "takeovers used cloned voices in 2024.",
            technique=Technique.NEW_MODEL,
            audience=Audience.CUSTOMER,
            personal_data=True,
            data_used="Consented voice samples and synthetic voices generated for testing.",
            safeguards="Flagged calls go to a live agent with step-up checks; no call is "
            "refused on the model's score alone.",
            kpis=(
                Kpi("Synthetic voices detected in red-team tests (%)", 0, 95, "{:.0f}%"),
                Kpi("Genuine callers sent to step-up checks (%)", 0, 2, "{:.1f}%"),
            ),
            gpu_hours=6000,
            created=hk(2024, 9, 30, 17, 0),
            steps=_c1_selected(hk(2024, 11, 13, 10, 10), hk(2024, 11, 19, 16, 0))
            + (
                Step(
                    "withdraw",
                    hk(2025, 1, 24, 12, 0),
                    "Our IVR replacement contract moved the voice channel out of scope for "
                    "2025. We will re-apply in the next cohort.",
                ),
            ),
            reviews=(
                _c1_review(
                    hk(2024, 12, 13, 9, 30),
                    (5, 4, 4, 3),
                    "Highly relevant threat; consent for voice data must be shown.",
                ),
            ),
        ),
        # 11. Suspended, with the open incident
        DemoUseCase(
            cohort=COHORT_1,
            institution=TSING_MA,
            partners=(SAMPAN, PEARL_RIVER),
            category=CX,
            title="SME loan application pre-screening assistant",
            summary="Helps small businesses complete loan applications online: explains what "
            "documents are needed and checks the application is complete before submission.",
            problem="Half of SME loan applications arrive incomplete, adding two weeks to a "
            "decision.",
            technique=Technique.RAG,
            audience=Audience.CUSTOMER,
            personal_data=True,
            data_used="Product terms, document checklists and anonymised past applications.",
            safeguards="The assistant gives no view on approval; credit decisions are made by "
            "credit officers; conversation scripts reviewed by Compliance.",
            kpis=(
                Kpi("Applications complete at first submission (%)", 50, 81, "{:.0f}%"),
                Kpi("Days from application to credit decision", 19, 11, "{:.0f}"),
                Kpi("Conversations escalated to staff (%)", 30, 18, "{:.0f}%"),
            ),
            gpu_hours=1600,
            created=hk(2024, 10, 4, 13, 0),
            steps=_c1_selected(hk(2024, 10, 30, 9, 50), hk(2024, 11, 19, 10, 0))
            + (
                Step(
                    "start_pilot",
                    hk(2025, 6, 2, 9, 30),
                    "Start aligned with the bank's new loan-origination platform.",
                ),
                Step(
                    "suspend",
                    hk(2026, 10, 12, 18, 30),
                    "The assistant told three applicants their loan would likely be "
                    "approved. Suspended until the response filter is fixed and tested.",
                ),
            ),
            pilot=PilotTerms(
                78,
                "SME customers applying online for unsecured loans up to HK$2 million; at "
                "most 1,500 applications.",
                "Application data of pilot applicants; no data used for model training.",
            ),
            reviews=(
                _c1_review(
                    hk(2024, 12, 11, 11, 0),
                    (4, 3, 4, 3),
                    "Useful for SMEs; wording about credit outcomes must be controlled.",
                ),
            ),
            milestones=(
                DemoMilestone(
                    "Loan-origination platform live", date(2025, 5, 26), date(2025, 5, 30), DONE
                ),
                DemoMilestone(
                    "Compliance review of conversation scripts",
                    date(2025, 6, 30),
                    date(2025, 7, 4),
                    DONE,
                ),
                # Added when the pilot was suspended, and begun at once.
                DemoMilestone(
                    "Response filter fix tested and approved",
                    date(2026, 12, 11),
                    None,
                    IN_PROGRESS,
                    added_on=date(2026, 10, 13),
                    status_on=date(2026, 10, 13),
                ),
                DemoMilestone("Pilot exit report", date(2027, 1, 29)),
            ),
            incidents=(
                DemoIncident(
                    date(2026, 10, 8),
                    Severity.HIGH,
                    "The assistant told three SME applicants that their loan 'would likely be "
                    "approved' before any credit assessment.",
                    "Three applicants may have relied on the statement; two were later declined.",
                    "Response filter for credit-outcome wording being rebuilt; affected "
                    "applicants contacted by their relationship managers.",
                    False,
                ),
            ),
            messages=(
                DemoMessage(
                    hk(2026, 10, 12, 19, 0),
                    True,
                    "The pilot is suspended. Please confirm that the assistant is "
                    "switched off for all applicants.",
                ),
                DemoMessage(
                    hk(2026, 10, 13, 9, 15),
                    False,
                    "Confirmed: switched off at 18:45 yesterday. Remediation plan attached.",
                ),
                DemoMessage(
                    hk(2026, 10, 14, 11, 0),
                    True,
                    "Supervisor asked for a conduct review before any resumption.",
                    internal=True,
                ),
            ),
            rag=((-1, Rag.RED),),
        ),
        # 12. Production, risk management, Chinese
        DemoUseCase(
            cohort=COHORT_1,
            institution=BAUHINIA,
            partners=(CHEUNG_CHAU,),
            category=RISK,
            title="制裁名單篩查警示解釋",
            summary="就制裁名單模糊比對所產生的警示，自動整理名字、地址及出生日期的異同，"
            "並建議處理方向，供合規分析員決定。",
            problem="九成以上的篩查警示最終屬誤報，分析員花大量時間逐項比較資料。",
            technique=Technique.FINE_TUNING,
            audience=Audience.INTERNAL,
            personal_data=True,
            data_used="過去兩年的篩查警示及處理紀錄（已去識別化）、制裁名單。",
            safeguards="所有警示由分析員決定；模型建議附理由；每月抽查10%已關閉警示。",
            kpis=(
                Kpi("每宗警示平均處理時間（分鐘）", 14, 5, "{:.0f}"),
                Kpi("抽查中與資深分析員意見一致的比例", 88, 97, "{:.0f}%"),
                Kpi("真實命中遺漏數目", 0, 0, "{:.0f}"),
            ),
            gpu_hours=2000,
            created=hk(2024, 9, 9, 10, 0),
            steps=_c1_selected(hk(2024, 10, 15, 15, 20), hk(2024, 11, 18, 16, 0))
            + (
                Step("start_pilot", C1_PILOT_START, "試行條款已於啟動會議上確認。"),
                Step("approve_production", hk(2025, 11, 3, 14, 0), "Exit report accepted."),
            ),
            zh=True,
            pilot=PilotTerms(
                26,
                "只處理個人客戶的篩查警示；分析員作最終決定。",
                "去識別化的警示資料；制裁名單原文。",
            ),
            exit=ExitReport(
                "處理時間由14分鐘減至約5分鐘，試行期間沒有遺漏真實命中。",
                "中英文姓名拼寫差異是主要難點；加入粵語拼音規則後準確度明顯提升。",
                "繼續每月抽查；模型更新前須通知金管局。",
            ),
            reviews=(
                _c1_review(
                    hk(2024, 12, 5, 15, 0),
                    (4, 4, 5, 5),
                    "Clear control design; valuable for smaller banks.",
                ),
            ),
            milestones=_production_milestones(date(2025, 11, 3)),
        ),
        # 13. Pilot, anti-fraud (started 2026)
        DemoUseCase(
            cohort=COHORT_1,
            institution=SAI_KUNG,
            partners=(KAI_TAK,),
            category=FRAUD,
            title="Phishing SMS and fake website takedown assistant",
            summary="Clusters phishing SMS and look-alike websites reported by customers and "
            "drafts takedown requests and customer alerts for the security team.",
            problem="Customers report hundreds of phishing messages a week; takedown requests "
            "are written by hand and a fake site stays up for three days on average.",
            technique=Technique.RAG,
            audience=Audience.INTERNAL,
            personal_data=False,
            data_used="Customer-reported messages and URLs; threat-intelligence feeds.",
            safeguards="Security analysts send every takedown request and alert; no customer "
            "data is used.",
            kpis=(
                Kpi("Hours from first report to takedown request", 30, 4, "{:.0f}"),
                Kpi("Fake websites taken down within 24 hours (%)", 35, 80, "{:.0f}%"),
                Kpi("Duplicate reports grouped automatically (%)", 0, 75, "{:.0f}%"),
            ),
            gpu_hours=800,
            created=hk(2024, 10, 21, 11, 0),
            steps=_c1_selected(hk(2024, 11, 11, 16, 0), hk(2024, 11, 20, 11, 0))
            + (
                Step(
                    "start_pilot",
                    hk(2026, 1, 5, 9, 30),
                    "Started once the industry data-sharing agreement was signed.",
                ),
            ),
            pilot=PilotTerms(
                60,
                "Security operations team only; takedown requests sent by analysts.",
                "Reported messages and URLs; threat-intelligence feeds.",
            ),
            reviews=(
                _c1_review(
                    hk(2024, 12, 12, 15, 0),
                    (3, 3, 5, 4),
                    "Industry value if the clusters are shared with other banks.",
                ),
            ),
            milestones=(
                DemoMilestone(
                    "Industry data-sharing agreement signed",
                    date(2025, 11, 28),
                    date(2025, 12, 15),
                    DONE,
                ),
                DemoMilestone(
                    "Automated clustering live", date(2026, 3, 2), date(2026, 3, 2), DONE
                ),
                DemoMilestone(
                    "Share anonymised clusters with the industry platform",
                    date(2026, 12, 31),
                    None,
                    IN_PROGRESS,
                    status_on=date(2026, 9, 1),
                ),
                DemoMilestone("Pilot exit report", date(2027, 2, 26)),
            ),
        ),
        # 14. Rejected
        DemoUseCase(
            cohort=COHORT_1,
            institution=TAI_MO_SHAN,
            partners=(SAMPAN,),
            category=CX,
            title="Plain-language and voice explanations of account statements",
            summary="Explains monthly statements in plain language and by voice for elderly "
            "and visually impaired customers.",
            problem="Customers with visual impairments depend on family members to read "
            "statements.",
            technique=Technique.RAG,
            audience=Audience.CUSTOMER,
            personal_data=True,
            data_used="Customer statements and the product glossary.",
            safeguards="To be defined with the technology partner.",
            kpis=(
                Kpi("Customers using the service monthly", 0, 2000, "{:,.0f}"),
                Kpi("Explanation accuracy (%)", 90, 99, "{:.0f}%"),
            ),
            gpu_hours=500,
            created=hk(2024, 10, 25, 9, 0),
            steps=(
                Step("submit", hk(2024, 11, 14, 18, 20), "Proposal submitted."),
                Step("start_review", hk(2024, 11, 20, 14, 0)),
                Step(
                    "reject",
                    SELECTION_AT,
                    "The committee found no check of explanations before they reach "
                    "customers, and no fair-use assessment of the foundation model. The "
                    "bank is encouraged to re-apply.",
                ),
            ),
            reviews=(
                _c1_review(
                    hk(2024, 12, 13, 16, 0),
                    (3, 2, 3, 1),
                    "Worthy aim; safeguards and fair-use assessment missing.",
                ),
            ),
        ),
        # 15. Selected after a change request; has field changes
        DemoUseCase(
            cohort=COHORT_1,
            institution=GOLDEN_BAY,
            partners=(PEARL_RIVER,),
            category=RISK,
            title="Regulatory change mapping to internal policies",
            summary="Reads new regulatory circulars and maps each requirement to the bank's "
            "policies and controls, proposing the owners who must act.",
            problem="Compliance receives more than 400 regulatory updates a year; mapping "
            "them to policies takes weeks and owners are sometimes missed.",
            technique=Technique.RAG,
            audience=Audience.INTERNAL,
            personal_data=False,
            data_used="Public circulars and guidelines; the bank's policy library and control "
            "inventory.",
            safeguards="Compliance officers confirm every mapping and owner; mappings carry "
            "the source paragraph; monthly accuracy sampling by Internal Audit.",
            kpis=(
                Kpi("Days from circular to confirmed mapping", 21, 5, "{:.0f}"),
                Kpi("Mappings accepted without change (%)", 60, 85, "{:.0f}%"),
                Kpi("Requirements missed in Internal Audit sampling", 4, 0, "{:.0f}"),
            ),
            gpu_hours=1100,
            created=hk(2024, 10, 1, 10, 0),
            steps=(
                Step("submit", hk(2024, 11, 8, 11, 30), "Proposal submitted."),
                Step("start_review", hk(2024, 11, 18, 15, 0)),
                Step(
                    "request_changes",
                    hk(2024, 11, 29, 17, 0),
                    "Please describe how mappings will be checked before owners act on "
                    "them, and add a KPI for missed requirements.",
                ),
                Step(
                    "resubmit",
                    hk(2024, 12, 9, 10, 45),
                    "Safeguards now include Internal Audit sampling; KPI for missed "
                    "requirements added.",
                ),
                Step("start_review", hk(2024, 12, 10, 9, 0)),
                Step("select", SELECTION_AT, SELECTION_NOTE),
            ),
            field_changes=(
                ("safeguards", "Compliance officers confirm every mapping and owner."),
                (
                    "kpis",
                    "Days from circular to confirmed mapping\nMappings accepted without change (%)",
                ),
            ),
            reviews=(
                _c1_review(
                    hk(2024, 12, 16, 10, 0),
                    (3, 4, 4, 4),
                    "Changes address the committee's concerns.",
                ),
            ),
            milestones=(
                DemoMilestone("Policy library indexed", date(2025, 6, 30), date(2025, 6, 27), DONE),
                DemoMilestone("Pilot start (after core policy system upgrade)", date(2027, 1, 11)),
            ),
            messages=(
                DemoMessage(
                    hk(2024, 11, 29, 17, 5),
                    True,
                    "We have requested changes; see the reason on the record.",
                ),
                DemoMessage(
                    hk(2024, 12, 2, 9, 30),
                    False,
                    "Thank you. Could you confirm whether sampling by Internal Audit "
                    "would satisfy the committee?",
                ),
                DemoMessage(
                    hk(2024, 12, 2, 15, 0),
                    True,
                    "Yes, provided the sample size and frequency are stated.",
                ),
            ),
        ),
    ]
