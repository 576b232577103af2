"""The demo dataset: ``flask --app tracker seed-demo`` and ``flask --app tracker demo-logins``.

The data is modelled on the HKMA GenA.I. Sandbox (see /work/shared/DOMAIN.md) with fictional
institutions and people. Everything historical is pinned to fixed dates; only the second cohort's
application window (and the proposals in it) is placed around the day the data is loaded, so that
it is open whenever the demo runs. Seeding looks every record up by its natural key first, so it
can run any number of times without doubling anything.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from tracker.auth.models import Role, User
from tracker.auth.passwords import hash_password
from tracker.extensions import db
from tracker.institutions.models import DEFAULT_CATEGORIES, Category, Institution, InstitutionKind
from tracker.notifications.demo import seed_notifications
from tracker.programmes.models import (
    DEFAULT_CRITERIA,
    Cohort,
    CohortStatus,
    Programme,
    Regulator,
    SelectionCriterion,
)
from tracker.usecases.models import (
    Audience,
    FieldChange,
    Incident,
    KpiValue,
    Message,
    Milestone,
    MilestoneStatus,
    ProgressReturn,
    Rag,
    ReturnComment,
    Review,
    ReviewScore,
    Severity,
    Stage,
    StageTransition,
    Technique,
    UseCase,
)
from tracker.usecases.workflow import BY_NAME, Needs, Side

# Published on purpose: demo mode shows it on the sign-in page and in `make run`.
DEMO_PASSWORD = "sandbox-demo"  # noqa: S105
DEMO_MODE_REFUSAL = (
    "Demo data creates accounts with a published password. Set TRACKER_DEMO_MODE=1 "
    "(or pass --force) to load it."
)

# Returns and milestones dated after this day are not part of the historical record.
DATA_CUTOFF = date(2026, 11, 20)
# Hong Kong keeps no daylight saving time, so a fixed offset converts wall-clock times to UTC.
HK_OFFSET = timedelta(hours=8)


def hk(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A Hong Kong wall-clock time as the naive UTC the database stores."""
    return datetime(year, month, day, hour, minute) - HK_OFFSET


def hk_date(at: datetime) -> date:
    """The Hong Kong calendar day of a stored naive-UTC time."""
    return (at + HK_OFFSET).date()


def _days_before(today: date, days: int, hour: int = 10, minute: int = 0) -> datetime:
    day = today - timedelta(days=days)
    return hk(day.year, day.month, day.day, hour, minute)


def demo_mode_on() -> bool:
    return bool(current_app.config.get("TRACKER_DEMO_MODE"))


def slug(name: str) -> str:
    """``"Lion Rock Bank"`` -> ``"lion-rock-bank"``, the host of an institution's demo email."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def institution_email(name: str) -> str:
    return f"user@{slug(name)}.demo"


# --------------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------------

REGULATORS: tuple[tuple[str, str, str], ...] = (
    ("HKMA", "Hong Kong Monetary Authority", "香港金融管理局"),
    ("SFC", "Securities and Futures Commission", "證券及期貨事務監察委員會"),
    ("IA", "Insurance Authority", "保險業監管局"),
    ("MPFA", "Mandatory Provident Fund Schemes Authority", "強制性公積金計劃管理局"),
)

CATEGORY_DESCRIPTIONS = {
    "Risk management": "Credit, market, operational and compliance risk: early warning, "
    "model validation, regulatory change and the second and third lines of defence.",
    "Anti-fraud": "Scams, mule accounts, deepfakes, phishing and suspicious-transaction reporting.",
    "Customer experience": "Customer service, complaints, accessibility and advice support, "
    "with the customer-protection safeguards that go with them.",
}

SANDBOX = "GenA.I. Sandbox"
SANDBOX_PLUS = "GenA.I. Sandbox++"
COHORT_1 = (SANDBOX, "Cohort 1")
COHORT_2 = (SANDBOX, "Cohort 2")
PLUS_COHORT = (SANDBOX_PLUS, "Cohort 1")


@dataclass(frozen=True)
class DemoInstitution:
    name: str
    name_zh: str
    kind: InstitutionKind
    regulator: str | None
    contact: str  # the demo user's name
    attester: str  # the senior manager who attests progress returns
    attester_title: str


BANK = InstitutionKind.BANK
PARTNER = InstitutionKind.TECH_PARTNER

HARBOUR = "Harbour Bank"
LION_ROCK = "Lion Rock Bank"
VICTORIA_PEAK = "Victoria Peak Bank"
KOWLOON = "Kowloon Commercial Bank"
LANTAU = "Lantau Bank"
TSING_MA = "Tsing Ma Bank"
BAUHINIA = "Bauhinia Savings Bank"
SAI_KUNG = "Sai Kung Bank"
TAI_MO_SHAN = "Tai Mo Shan Bank"
GOLDEN_BAY = "Golden Bay Bank"
PEARL_RIVER = "Pearl River AI Labs"
KAI_TAK = "Kai Tak Cloud"
CHEUNG_CHAU = "Cheung Chau Analytics"
SAMPAN = "Sampan Language Models"
BOWEN_ROAD = "Bowen Road Securities"
TIN_HAU = "Tin Hau Life Assurance"
SAI_WAN = "Sai Wan MPF Trustees"
DING_DING = "Ding Ding Wallet"

INSTITUTIONS: tuple[DemoInstitution, ...] = (
    DemoInstitution(
        HARBOUR, "海港銀行", BANK, "HKMA", "Wong Mei-ling", "Ho Chun-kit", "Chief Risk Officer"
    ),
    DemoInstitution(
        LION_ROCK, "獅子山銀行", BANK, "HKMA", "Leung Ka-yan", "Chan Tai-man",
        "Chief Operating Officer",
    ),
    DemoInstitution(
        VICTORIA_PEAK, "太平山銀行", BANK, "HKMA", "Tse Wing-sze", "Lam Siu-ming",
        "Head of Compliance",
    ),
    DemoInstitution(
        KOWLOON, "九龍商業銀行", BANK, "HKMA", "Yip Chi-ho", "Ng Pui-shan", "Chief Risk Officer"
    ),
    DemoInstitution(
        LANTAU, "大嶼銀行", BANK, "HKMA", "Fung Hoi-yee", "Lau Kwok-wai", "Head of Operations"
    ),
    DemoInstitution(
        TSING_MA, "青馬銀行", BANK, "HKMA", "Kwok Sze-wai", "Cheng Yuk-lin",
        "Head of Retail Banking",
    ),
    DemoInstitution(
        BAUHINIA, "紫荊儲蓄銀行", BANK, "HKMA", "Mak Tsz-ching", "So Ka-wai",
        "Money Laundering Reporting Officer",
    ),
    DemoInstitution(
        SAI_KUNG, "西貢銀行", BANK, "HKMA", "Choi Hiu-tung", "Tang Wai-keung",
        "Chief Information Security Officer",
    ),
    DemoInstitution(
        TAI_MO_SHAN, "大帽山銀行", BANK, "HKMA", "Au Yeung Ming", "Poon Lai-ha",
        "Head of Digital Banking",
    ),
    DemoInstitution(
        GOLDEN_BAY, "金灣銀行", BANK, "HKMA", "Siu Chun-hei", "Yuen Man-kit",
        "Chief Compliance Officer",
    ),
    DemoInstitution(
        PEARL_RIVER, "珠江人工智能實驗室", PARTNER, None, "Dr Li Wen", "Dr Li Wen",
        "Chief Scientist",
    ),
    DemoInstitution(
        KAI_TAK, "啟德雲端", PARTNER, None, "Ken Lo", "Ken Lo", "Head of Solutions"
    ),
    DemoInstitution(
        CHEUNG_CHAU, "長洲數據分析", PARTNER, None, "Priya Nair", "Priya Nair",
        "Director, Financial Crime Analytics",
    ),
    DemoInstitution(
        SAMPAN, "舢舨語言模型", PARTNER, None, "Cheung Hok-lam", "Cheung Hok-lam",
        "Co-founder",
    ),
    DemoInstitution(
        BOWEN_ROAD, "寶雲道證券", InstitutionKind.SECURITIES, "SFC", "Ma Ching-yi",
        "Kwan Tak-shing", "Responsible Officer",
    ),
    DemoInstitution(
        TIN_HAU, "天后人壽保險", InstitutionKind.INSURER, "IA", "Chow Lok-yin", "Lui Mei-kuen",
        "Chief Claims Officer",
    ),
    DemoInstitution(
        SAI_WAN, "西環強積金受託人", InstitutionKind.MPF_TRUSTEE, "MPFA", "Hui Ching-man",
        "Ip Wai-lun", "Chief Executive",
    ),
    DemoInstitution(
        DING_DING, "叮叮錢包", InstitutionKind.SVF, "HKMA", "Law Pak-hei", "Sin Hoi-ting",
        "Chief Executive",
    ),
)  # fmt: skip

INSTITUTIONS_BY_NAME = {i.name: i for i in INSTITUTIONS}

REVIEWER_EMAILS = {
    "HKMA": "reviewer@hkma.demo",
    "SFC": "reviewer@sfc.demo",
    "IA": "reviewer@ia.demo",
    "MPFA": "reviewer@mpfa.demo",
}


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: Role
    regulator: str | None = None
    institution: str | None = None


def demo_accounts() -> list[DemoAccount]:
    """Every demo account, in the order ``demo-logins`` lists them."""
    accounts = [
        DemoAccount("admin@tracker.demo", "Demo Administrator", Role.ADMIN),
        DemoAccount(REVIEWER_EMAILS["HKMA"], "Carmen Chan", Role.REGULATOR, "HKMA"),
        DemoAccount("supervisor@hkma.demo", "Raymond Lee", Role.SUPERVISOR, "HKMA"),
        DemoAccount(REVIEWER_EMAILS["SFC"], "Joyce Ng", Role.REGULATOR, "SFC"),
        DemoAccount(REVIEWER_EMAILS["IA"], "Daniel Cheung", Role.REGULATOR, "IA"),
        DemoAccount(REVIEWER_EMAILS["MPFA"], "Vivian Lau", Role.REGULATOR, "MPFA"),
    ]
    accounts += [
        DemoAccount(
            institution_email(inst.name), inst.contact, Role.INSTITUTION, institution=inst.name
        )
        for inst in INSTITUTIONS
    ]
    return accounts


# --------------------------------------------------------------------------------------------
# Use-case specifications
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    label: str
    start: float
    end: float
    fmt: str  # a str.format pattern for one number, e.g. "{:.1f}%"

    def value(self, fraction: float, jitter: float) -> str:
        raw = self.start + (self.end - self.start) * fraction + abs(self.end - self.start) * jitter
        raw = max(raw, 0.0)
        if "%" in self.fmt:
            raw = min(raw, 100.0)
        return self.fmt.format(raw)


@dataclass(frozen=True)
class Step:
    """One transition of the path a use case took; ``text`` is its reason, response or note."""

    action: str
    at: datetime
    text: str | None = None


@dataclass(frozen=True)
class PilotTerms:
    weeks: int
    limits: str
    data_scope: str


@dataclass(frozen=True)
class ExitReport:
    outcome: str
    lessons: str
    conditions: str


@dataclass(frozen=True)
class DemoReview:
    regulator: str  # whose reviewer scored it
    at: datetime
    scores: tuple[int, int, int, int]  # in DEFAULT_CRITERIA order
    comment: str


@dataclass(frozen=True)
class DemoMilestone:
    title: str
    planned_on: date
    actual_on: date | None = None
    status: MilestoneStatus = MilestoneStatus.PLANNED


# Resolved demo incidents were closed this many days after they occurred.
RESOLUTION_DAYS = 9


@dataclass(frozen=True)
class DemoIncident:
    occurred_on: date  # filed with the progress return whose period contains this day
    severity: Severity
    description: str
    customer_impact: str
    remediation: str
    resolved: bool


@dataclass(frozen=True)
class DemoMessage:
    at: datetime
    from_regulator: bool
    body: str
    internal: bool = False


@dataclass(frozen=True)
class DemoUseCase:
    cohort: tuple[str, str]
    institution: str
    partners: tuple[str, ...]
    category: str
    title: str
    summary: str
    problem: str
    technique: Technique
    audience: Audience
    personal_data: bool
    data_used: str
    safeguards: str
    kpis: tuple[Kpi, ...]
    gpu_hours: int | None
    created: datetime
    steps: tuple[Step, ...] = ()
    regulator: str = "HKMA"  # whose staff act on the regulator side
    zh: bool = False  # progress returns and comments written in Traditional Chinese
    pilot: PilotTerms | None = None
    exit: ExitReport | None = None
    reviews: tuple[DemoReview, ...] = ()
    milestones: tuple[DemoMilestone, ...] = ()
    incidents: tuple[DemoIncident, ...] = ()
    messages: tuple[DemoMessage, ...] = ()
    # Fields the institution changed when it answered a change request: (field, old value).
    field_changes: tuple[tuple[str, str], ...] = ()
    # Progress-return ratings other than green, by return index (negative counts from the end).
    rag: tuple[tuple[int, Rag], ...] = ()


RISK = "Risk management"
FRAUD = "Anti-fraud"
CX = "Customer experience"

DONE = MilestoneStatus.DONE
PLANNED = MilestoneStatus.PLANNED
IN_PROGRESS = MilestoneStatus.IN_PROGRESS

SELECTION_AT = hk(2024, 12, 19, 11, 0)
SELECTION_NOTE = "Selected by the selection committee on 19 December 2024."
C1_PILOT_START = hk(2025, 2, 3, 9, 30)
PLUS_SELECTION_AT = hk(2026, 7, 10, 11, 0)
PLUS_SELECTION_NOTE = "Selected by the joint HKMA, SFC, IA and MPFA committee."
PLUS_PILOT_START = hk(2026, 8, 3, 9, 30)


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


def _cohort1() -> list[DemoUseCase]:
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
                DemoMilestone(
                    "Exit report submitted", date(2025, 8, 15), None, MilestoneStatus.DROPPED
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
                DemoMilestone(
                    "Response filter fix tested and approved", date(2026, 12, 11), None, IN_PROGRESS
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


def _cohort2(today: date) -> list[DemoUseCase]:
    """Proposals in the open second cohort; dated relative to ``today``."""

    def ago(days: int, hour: int = 10, minute: int = 0) -> datetime:
        return _days_before(today, days, hour, minute)

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


def _sandbox_plus() -> list[DemoUseCase]:
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


def demo_use_cases(today: date) -> list[DemoUseCase]:
    return [*_cohort1(), *_cohort2(today), *_sandbox_plus()]


# --------------------------------------------------------------------------------------------
# Progress-return wording
# --------------------------------------------------------------------------------------------

EN_PHASES = (
    "Onboarding and baseline. The solution was deployed in the ring-fenced environment and "
    "baseline measurements were taken on the agreed test population.",
    "First iteration. Prompts and retrieval sources were tuned after the first supervisory "
    "feedback session; the control team sampled outputs daily.",
    "Guardrail hardening. Red-team testing covered prompt injection, data leakage and "
    "out-of-scope requests; findings were fixed before the next release.",
    "Scaling within limits. Usage grew towards the agreed cap; no boundary breaches were recorded.",
    "Stabilisation. Model and prompt versions were frozen for the evaluation window and "
    "monitoring thresholds recalibrated.",
    "Steady operation. Sampled outputs were reviewed by the first line and results shared with "
    "the regulator; no change to the pilot boundaries.",
)
ZH_PHASES = (
    "啟動及基線量度。方案已部署於隔離環境，並就協定的測試範圍完成基線量度。",
    "第一輪優化。根據首次監管回饋調整提示及檢索來源；監控團隊每日抽查輸出。",
    "加強防護。紅隊測試涵蓋提示注入、資料外洩及超出範圍的要求；問題已於下次發布前修正。",
    "在限額內擴展。使用量逐步增加至協定上限，期內沒有違反試行界限。",
    "穩定運作。評估期內凍結模型及提示版本，並重新校準監察門檻。",
    "持續運作。前線抽查輸出並與監管機構分享結果；試行界限不變。",
)
EN_COMMENTS = (
    "Thank you. Please state the sample size behind the sampled figures in the next return.",
    "Noted the improvement. Keep the human-review rate at the agreed level until the exit "
    "assessment.",
    "Please confirm that the guardrail changes went through your change-management process.",
    "Satisfactory. No further questions for this period.",
)
ZH_COMMENTS = (
    "謝謝。請在下一份報告列明抽樣數目。",
    "已備悉指標改善，請維持協定的人工覆核比例。",
    "請確認防護措施的修改已按變更管理程序批核。",
    "內容滿意，本期沒有其他問題。",
)


# --------------------------------------------------------------------------------------------
# Seeding
# --------------------------------------------------------------------------------------------


@dataclass
class SeedResult:
    """What a seeding run created, counted per kind of record."""

    created: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.created.values())

    def summary(self) -> str:
        if not self.total:
            return "Demo data already present: nothing to add."
        parts = ", ".join(f"{count} {kind}" for kind, count in sorted(self.created.items()))
        return f"Demo data loaded: {parts}."


@dataclass
class _Context:
    categories: dict[str, Category]
    institutions: dict[str, Institution]
    users: dict[str, User]
    cohorts: dict[tuple[str, str], Cohort]
    result: SeedResult


def _add(result: SeedResult, kind: str, *objects: object) -> None:
    db.session.add_all(objects)
    result.created[kind] += len(objects)


def ensure_regulators(result: SeedResult) -> dict[str, Regulator]:
    """The four Hong Kong financial regulators, by code, created where missing."""
    found = {
        r.code: r
        for r in db.session.scalars(
            sa.select(Regulator).where(Regulator.code.in_([code for code, *_ in REGULATORS]))
        )
    }
    for code, name_en, name_zh in REGULATORS:
        if code not in found:
            found[code] = Regulator(code=code, name_en=name_en, name_zh=name_zh)
            _add(result, "regulators", found[code])
    return found


def ensure_categories(result: SeedResult) -> dict[str, Category]:
    """The default use-case categories, by name, created where missing."""
    names = [name for name, _ in DEFAULT_CATEGORIES]
    found = {
        c.name: c for c in db.session.scalars(sa.select(Category).where(Category.name.in_(names)))
    }
    for name, name_zh in DEFAULT_CATEGORIES:
        if name not in found:
            found[name] = Category(
                name=name, name_zh=name_zh, description=CATEGORY_DESCRIPTIONS.get(name, "")
            )
            _add(result, "categories", found[name])
    return found


def _ensure_institutions(
    regulators: dict[str, Regulator], result: SeedResult
) -> dict[str, Institution]:
    found = {
        i.name: i
        for i in db.session.scalars(
            sa.select(Institution).where(Institution.name.in_(list(INSTITUTIONS_BY_NAME)))
        )
    }
    for spec in INSTITUTIONS:
        if spec.name not in found:
            found[spec.name] = Institution(
                name=spec.name,
                name_zh=spec.name_zh,
                kind=spec.kind,
                regulator=regulators[spec.regulator] if spec.regulator else None,
            )
            _add(result, "institutions", found[spec.name])
    return found


def _ensure_users(
    regulators: dict[str, Regulator], institutions: dict[str, Institution], result: SeedResult
) -> dict[str, User]:
    accounts = demo_accounts()
    found = {
        u.email: u
        for u in db.session.scalars(
            sa.select(User).where(User.email.in_([a.email for a in accounts]))
        )
    }
    missing = [a for a in accounts if a.email not in found]
    if missing:
        # One hash for the one shared password: argon2 at production cost is deliberately slow.
        password_hash = hash_password(DEMO_PASSWORD)
        for account in missing:
            found[account.email] = User(
                email=account.email,
                name=account.name,
                password_hash=password_hash,
                role=account.role,
                regulator=regulators[account.regulator] if account.regulator else None,
                institution=institutions[account.institution] if account.institution else None,
            )
            _add(result, "users", found[account.email])
    return found


@dataclass(frozen=True)
class _CohortSpec:
    programme: str
    name: str
    status: CohortStatus
    applications_open_on: date
    applications_close_on: date
    selection_on: date
    pilot_starts_on: date
    pilot_ends_on: date
    return_interval_days: int = 30


def _cohort_specs(today: date) -> list[_CohortSpec]:
    return [
        _CohortSpec(
            SANDBOX, "Cohort 1", CohortStatus.PILOTING, date(2024, 8, 13), date(2024, 11, 15),
            date(2024, 12, 19), date(2025, 2, 3), date(2025, 8, 1),
        ),
        _CohortSpec(
            SANDBOX, "Cohort 2", CohortStatus.OPEN, today - timedelta(days=45),
            today + timedelta(days=30), today + timedelta(days=75),
            today + timedelta(days=120), today + timedelta(days=302),
        ),
        _CohortSpec(
            SANDBOX_PLUS, "Cohort 1", CohortStatus.PILOTING, date(2026, 3, 5), date(2026, 5, 29),
            date(2026, 7, 10), date(2026, 8, 3), date(2027, 1, 29),
        ),
    ]  # fmt: skip


def _ensure_programmes(
    regulators: dict[str, Regulator], today: date, result: SeedResult
) -> dict[tuple[str, str], Cohort]:
    programmes = {
        p.name: p
        for p in db.session.scalars(
            sa.select(Programme).where(Programme.name.in_([SANDBOX, SANDBOX_PLUS]))
        )
    }
    if SANDBOX not in programmes:
        programmes[SANDBOX] = Programme(
            name=SANDBOX,
            name_zh="生成式人工智能沙盒",
            description="Run by the HKMA with Cyberport: banks and their technology partners "
            "trial generative AI on the AI Supercomputing Centre with supervisory and "
            "technical feedback. Focus areas: risk management, anti-fraud and customer "
            "experience.",
            lead_regulator=regulators["HKMA"],
            sectors=["banking"],
            starts_on=date(2024, 8, 13),
        )
        _add(result, "programmes", programmes[SANDBOX])
    if SANDBOX_PLUS not in programmes:
        programmes[SANDBOX_PLUS] = Programme(
            name=SANDBOX_PLUS,
            name_zh="生成式人工智能沙盒++",
            description="The cross-sector successor run jointly by the HKMA, SFC, IA and MPFA "
            "with Cyberport, open to banks, securities and asset-management firms, insurers, "
            "MPF trustees and stored-value facility licensees.",
            lead_regulator=regulators["HKMA"],
            sectors=["banking", "securities", "insurance", "mpf", "svf"],
            starts_on=date(2026, 3, 5),
        )
        programmes[SANDBOX_PLUS].participants = [
            regulators["SFC"],
            regulators["IA"],
            regulators["MPFA"],
        ]
        _add(result, "programmes", programmes[SANDBOX_PLUS])
    db.session.flush()

    cohorts: dict[tuple[str, str], Cohort] = {}
    for spec in _cohort_specs(today):
        programme = programmes[spec.programme]
        cohort = db.session.scalar(
            sa.select(Cohort).where(Cohort.programme_id == programme.id, Cohort.name == spec.name)
        )
        if cohort is None:
            cohort = Cohort(
                programme=programme,
                name=spec.name,
                status=spec.status,
                applications_open_on=spec.applications_open_on,
                applications_close_on=spec.applications_close_on,
                selection_on=spec.selection_on,
                pilot_starts_on=spec.pilot_starts_on,
                pilot_ends_on=spec.pilot_ends_on,
                return_interval_days=spec.return_interval_days,
                created_at=hk(
                    spec.applications_open_on.year,
                    spec.applications_open_on.month,
                    spec.applications_open_on.day,
                    9,
                )
                - timedelta(days=14),
            )
            _add(result, "cohorts", cohort)
            db.session.flush()
        have = {c.name for c in cohort.criteria}
        for position, name in enumerate(DEFAULT_CRITERIA):
            if name not in have:
                _add(
                    result,
                    "selection criteria",
                    SelectionCriterion(cohort=cohort, name=name, position=position),
                )
        cohorts[(spec.programme, spec.name)] = cohort
    db.session.flush()
    return cohorts


def _walk(spec: DemoUseCase) -> list[tuple[Step, Stage, Stage]]:
    """The path as (step, from, to), checked against the workflow table and the clock."""
    stage = Stage.DRAFT
    last = spec.created
    walked = []
    for step in spec.steps:
        transition = BY_NAME[step.action]
        if stage not in transition.sources:
            raise ValueError(f"{spec.title}: {step.action} is not allowed from {stage.value}")
        if step.at <= last:
            raise ValueError(f"{spec.title}: {step.action} is not after the previous step")
        if transition.needs in (Needs.REASON, Needs.RESPONSE) and not step.text:
            raise ValueError(f"{spec.title}: {step.action} needs a reason")
        walked.append((step, stage, transition.target))
        stage = transition.target
        last = step.at
    return walked


def _ensure_use_case(spec: DemoUseCase, ctx: _Context) -> None:
    cohort = ctx.cohorts[spec.cohort]
    institution = ctx.institutions[spec.institution]
    exists = db.session.scalar(
        sa.select(UseCase.id).where(
            UseCase.cohort_id == cohort.id,
            UseCase.institution_id == institution.id,
            UseCase.title == spec.title,
        )
    )
    if exists is not None:
        return

    owner = ctx.users[institution_email(spec.institution)]
    staff = ctx.users[REVIEWER_EMAILS[spec.regulator]]
    walked = _walk(spec)
    stage = walked[-1][2] if walked else Stage.DRAFT
    last_at = walked[-1][0].at if walked else spec.created
    pilot_steps = [step for step, _, _ in walked if step.action == "start_pilot"]
    if bool(pilot_steps) != (spec.pilot is not None):
        raise ValueError(f"{spec.title}: pilot terms must match a start_pilot step")
    went_live = any(step.action == "approve_production" for step, _, _ in walked)
    if went_live != (spec.exit is not None):
        raise ValueError(f"{spec.title}: an exit report must match approve_production")
    submits = [step.at for step, _, _ in walked if step.action == "submit"]

    use_case = UseCase(
        cohort=cohort,
        institution=institution,
        category=ctx.categories[spec.category],
        title=spec.title,
        summary=spec.summary,
        problem_statement=spec.problem,
        technique=spec.technique,
        data_used=spec.data_used,
        personal_data=spec.personal_data,
        audience=spec.audience,
        safeguards=spec.safeguards,
        kpis="\n".join(k.label for k in spec.kpis),
        gpu_hours=spec.gpu_hours,
        stage=stage,
        stage_changed_at=last_at,
        created_at=spec.created,
        updated_at=last_at,
        submitted_at=submits[0] if submits else None,
        selected_at=next((s.at for s, _, _ in walked if s.action == "select"), None),
        created_by=owner,
        partners=[ctx.institutions[name] for name in spec.partners],
    )
    if spec.pilot is not None:
        use_case.pilot_started_on = hk_date(pilot_steps[-1].at)
        use_case.pilot_duration_weeks = spec.pilot.weeks
        use_case.pilot_limits = spec.pilot.limits
        use_case.pilot_data_scope = spec.pilot.data_scope
    if spec.exit is not None:
        use_case.exit_outcome = spec.exit.outcome
        use_case.exit_lessons = spec.exit.lessons
        use_case.exit_conditions = spec.exit.conditions
    _add(ctx.result, "use cases", use_case)
    db.session.flush()

    for step, from_stage, to_stage in walked:
        transition = BY_NAME[step.action]
        # Like the workflow service: the history keeps the terms recorded with the transition.
        details: dict[str, object] = {}
        if step.action == "start_pilot" and spec.pilot is not None:
            details = {
                "pilot_started_on": hk_date(step.at).isoformat(),
                "pilot_duration_weeks": spec.pilot.weeks,
                "pilot_limits": spec.pilot.limits,
                "pilot_data_scope": spec.pilot.data_scope,
            }
        elif step.action == "approve_production" and spec.exit is not None:
            details = {
                "exit_outcome": spec.exit.outcome,
                "exit_lessons": spec.exit.lessons,
                "exit_conditions": spec.exit.conditions,
            }
        _add(
            ctx.result,
            "stage transitions",
            StageTransition(
                use_case=use_case,
                action=step.action,
                from_stage=from_stage,
                to_stage=to_stage,
                actor=owner if transition.side is Side.INSTITUTION else staff,
                at=step.at,
                reason=step.text,
                details=details,
            ),
        )

    resubmitted = next((s.at for s, _, _ in walked if s.action == "resubmit"), None)
    for name, old_value in spec.field_changes:
        if resubmitted is None:
            raise ValueError(f"{spec.title}: field changes need a resubmit step")
        _add(
            ctx.result,
            "field changes",
            FieldChange(
                use_case_id=use_case.id,
                actor=owner,
                at=resubmitted - timedelta(minutes=20),
                field=name,
                old_value=old_value,
                new_value=getattr(use_case, name),
            ),
        )

    for review in spec.reviews:
        _add_review(ctx, use_case, review)
    selected_at = next((s.at for s, _, _ in walked if s.action == "select"), last_at)
    for milestone in spec.milestones:
        _add(
            ctx.result,
            "milestones",
            Milestone(
                use_case=use_case,
                title=milestone.title,
                planned_on=milestone.planned_on,
                actual_on=milestone.actual_on,
                status=milestone.status,
                created_at=selected_at + timedelta(days=1),
            ),
        )
    if pilot_steps:
        _add_returns(ctx, spec, use_case, hk_date(pilot_steps[-1].at), walked, (owner, staff))
    for message in spec.messages:
        _add(
            ctx.result,
            "messages",
            Message(
                use_case_id=use_case.id,
                author=staff if message.from_regulator else owner,
                at=message.at,
                body=message.body,
                internal=message.internal,
            ),
        )


def _add_review(ctx: _Context, use_case: UseCase, spec: DemoReview) -> None:
    review = Review(
        use_case_id=use_case.id,
        reviewer=ctx.users[REVIEWER_EMAILS[spec.regulator]],
        at=spec.at,
        overall_comment=spec.comment,
    )
    _add(ctx.result, "reviews", review)
    for criterion, score in zip(use_case.cohort.criteria, spec.scores, strict=True):
        _add(
            ctx.result,
            "review scores",
            ReviewScore(review=review, criterion=criterion, score=score, comment=""),
        )


def _pilot_end(walked: list[tuple[Step, Stage, Stage]]) -> date:
    """The last day a return can be filed: the day the pilot closed, or the data cut-off."""
    for step, _, to_stage in walked:
        if to_stage.is_closed and step.action != "reject":
            return hk_date(step.at) - timedelta(days=1)
    return DATA_CUTOFF


def _add_returns(
    ctx: _Context,
    spec: DemoUseCase,
    use_case: UseCase,
    pilot_start: date,
    walked: list[tuple[Step, Stage, Stage]],
    people: tuple[User, User],
) -> None:
    """Periodic returns from the pilot start until the pilot closed or the data cut-off."""
    owner, staff = people
    interval = use_case.cohort.return_interval_days
    last_day = _pilot_end(walked)
    periods: list[tuple[date, date, date]] = []
    start = pilot_start
    while True:
        end = start + timedelta(days=interval - 1)
        filed_on = end + timedelta(days=6)
        if filed_on > last_day:
            break
        periods.append((start, end, filed_on))
        start = end + timedelta(days=1)

    rng = random.Random(f"tracker-demo:{spec.title}")
    rags = [Rag.GREEN] * len(periods)
    for index, rag in spec.rag:
        rags[index] = rag
    institution = INSTITUTIONS_BY_NAME[spec.institution]
    phases = ZH_PHASES if spec.zh else EN_PHASES
    comments = ZH_COMMENTS if spec.zh else EN_COMMENTS
    ramp = max(min(len(periods), 8), 1)
    incidents = list(spec.incidents)

    if periods:
        use_case.last_return_end = max(period_end for _, period_end, _ in periods)
    for index, (period_start, period_end, filed_on) in enumerate(periods):
        fraction = min((index + 1) / ramp, 1.0)
        values = [kpi.value(fraction, rng.uniform(-0.05, 0.05)) for kpi in spec.kpis]
        first = spec.kpis[0]
        lead = (
            f"主要指標——{first.label}：{values[0]}。"
            if spec.zh
            else f"Key indicator: {first.label.rstrip('.')} at {values[0]}."
        )
        submitted_at = hk(
            filed_on.year, filed_on.month, filed_on.day, rng.randint(9, 17), rng.randrange(0, 60, 5)
        )
        progress = ProgressReturn(
            use_case=use_case,
            period_start=period_start,
            period_end=period_end,
            rag=rags[index],
            narrative=f"{phases[min(index, len(phases) - 1)]} {lead}",
            attested_by_name=institution.attester,
            attested_by_title=institution.attester_title,
            submitted_by=owner,
            submitted_at=submitted_at,
        )
        _add(ctx.result, "progress returns", progress)
        for position, (kpi, value) in enumerate(zip(spec.kpis, values, strict=True)):
            _add(
                ctx.result,
                "KPI values",
                KpiValue(progress_return=progress, position=position, kpi=kpi.label, value=value),
            )
        for incident in [i for i in incidents if period_start <= i.occurred_on <= period_end]:
            incidents.remove(incident)
            _add(
                ctx.result,
                "incidents",
                Incident(
                    use_case_id=use_case.id,
                    progress_return=progress,
                    description=incident.description,
                    severity=incident.severity,
                    customer_impact=incident.customer_impact,
                    remediation=incident.remediation,
                    occurred_on=incident.occurred_on,
                    resolved_on=(
                        incident.occurred_on + timedelta(days=RESOLUTION_DAYS)
                        if incident.resolved
                        else None
                    ),
                    resolution=incident.remediation if incident.resolved else "",
                ),
            )
        if rags[index] is not Rag.GREEN or rng.random() < 0.4:
            _add(
                ctx.result,
                "return comments",
                ReturnComment(
                    progress_return=progress,
                    author=staff,
                    at=submitted_at + timedelta(days=2, hours=rng.randint(1, 6)),
                    body=comments[rng.randrange(len(comments))],
                ),
            )
    if incidents:
        raise ValueError(f"{spec.title}: incident outside every return period")


def seed_demo(today: date | None = None) -> SeedResult:
    """Load the demo dataset, adding only what is missing. Flushes; the caller commits."""
    today = today or date.today()
    result = SeedResult()
    regulators = ensure_regulators(result)
    categories = ensure_categories(result)
    institutions = _ensure_institutions(regulators, result)
    users = _ensure_users(regulators, institutions, result)
    cohorts = _ensure_programmes(regulators, today, result)
    ctx = _Context(categories, institutions, users, cohorts, result)
    for spec in demo_use_cases(today):
        _ensure_use_case(spec, ctx)
    db.session.flush()
    seed_notifications()
    return result


def require_demo_mode(force: bool) -> None:
    """Stop a command that would create known-password accounts outside demo mode."""
    if not force and not demo_mode_on():
        raise click.ClickException(DEMO_MODE_REFUSAL)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when any user account exists.")
@click.option("--force", is_flag=True, help="Load the demo data even outside demo mode.")
@with_appcontext
def seed_demo_command(if_empty: bool, force: bool) -> None:
    """Load the demo dataset (fictional institutions; password sandbox-demo)."""
    require_demo_mode(force)
    if if_empty and db.session.scalar(sa.select(sa.func.count(User.id))):
        click.echo("User accounts already exist: demo data not loaded.")
        return
    result = seed_demo()
    db.session.commit()
    click.echo(result.summary())


@click.command("demo-logins")
@with_appcontext
def demo_logins_command() -> None:
    """List the demo accounts and their password."""
    if not demo_mode_on():
        raise click.ClickException("Demo logins are only shown in demo mode (TRACKER_DEMO_MODE=1).")
    accounts = demo_accounts()
    users = {
        u.email: u
        for u in db.session.scalars(
            sa.select(User).where(User.email.in_([a.email for a in accounts]))
        )
    }
    present = [users[a.email] for a in accounts if a.email in users]
    if not present:
        click.echo("No demo accounts yet: run `flask --app tracker seed-demo`.")
        return
    width = max(len(u.email) for u in present)
    click.echo(f"Demo accounts (password: {DEMO_PASSWORD})")
    for user in present:
        click.echo(f"  {user.email:<{width}}  {account_label(user)}")


def account_label(user: User) -> str:
    """Who an account stands for: "Bank user, Harbour Bank", "Regulator staff, HKMA"."""
    if user.institution is not None:
        return f"{user.institution.kind.label} user, {user.institution.name}"
    if user.regulator is not None:
        return f"{user.role.label}, {user.regulator}"
    return user.role.label
