"""Who is in the demo: the four regulators, the categories, the two programmes, the
institutions (fictional) and every demo account."""

from __future__ import annotations

import re
from datetime import date

from tracker.auth.models import Role
from tracker.demo.spec import BANK, PARTNER, DemoAccount, DemoInstitution, ProgrammeSpec
from tracker.institutions.models import InstitutionKind

# Published on purpose: demo mode shows it on the sign-in page and in `make run`.
DEMO_PASSWORD = "sandbox-demo"  # noqa: S105


def slug(name: str) -> str:
    """``"Lion Rock Bank"`` -> ``"lion-rock-bank"``, the host of an institution's demo email."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def institution_email(name: str) -> str:
    return f"user@{slug(name)}.demo"


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

ADMIN_EMAIL = "admin@tracker.demo"
REVIEWER_EMAILS = {
    "HKMA": "reviewer@hkma.demo",
    "SFC": "reviewer@sfc.demo",
    "IA": "reviewer@ia.demo",
    "MPFA": "reviewer@mpfa.demo",
}


def demo_accounts() -> list[DemoAccount]:
    """Every demo account, in the order ``demo-logins`` lists them."""
    accounts = [
        DemoAccount(ADMIN_EMAIL, "Demo Administrator", Role.ADMIN),
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
    from tracker.demo.content.committee import ACCOUNTS as COMMITTEE_ACCOUNTS

    return accounts + list(COMMITTEE_ACCOUNTS)


PROGRAMMES: tuple[ProgrammeSpec, ...] = (
    ProgrammeSpec(
        name=SANDBOX,
        name_zh="生成式人工智能沙盒",
        description="Run by the HKMA with Cyberport: banks and their technology partners "
        "trial generative AI on the AI Supercomputing Centre with supervisory and "
        "technical feedback. Focus areas: risk management, anti-fraud and customer "
        "experience.",
        lead_regulator="HKMA",
        participants=(),
        sectors=("banking",),
        starts_on=date(2024, 8, 13),
    ),
    ProgrammeSpec(
        name=SANDBOX_PLUS,
        name_zh="生成式人工智能沙盒++",
        description="The cross-sector successor run jointly by the HKMA, SFC, IA and MPFA "
        "with Cyberport, open to banks, securities and asset-management firms, insurers, "
        "MPF trustees and stored-value facility licensees.",
        lead_regulator="HKMA",
        participants=("SFC", "IA", "MPFA"),
        sectors=("banking", "securities", "insurance", "mpf", "svf"),
        starts_on=date(2026, 3, 5),
    ),
)
