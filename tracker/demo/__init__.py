"""The demo dataset: ``flask --app tracker seed-demo`` and ``flask --app tracker demo-logins``.

The data is modelled on the HKMA GenA.I. Sandbox (see /work/shared/DOMAIN.md) with fictional
institutions and people. The content is data (``content/``, one module per cohort, written in
the records of ``spec``); ``seed`` replays it through the use-case commands at its own dates,
so every demo record passes the rules a real one does. Everything historical is pinned to fixed
dates; only the second cohort's application window (and the proposals in it) is placed around
the day the data is loaded, so that it is open whenever the demo runs. Seeding looks every
record up by its natural key first, so it can run any number of times without doubling
anything.
"""

from __future__ import annotations

from tracker.demo.cli import (
    DEMO_MODE_REFUSAL,
    account_label,
    demo_logins_command,
    demo_mode_on,
    require_demo_mode,
    seed_demo_command,
)
from tracker.demo.content import demo_use_cases
from tracker.demo.content.reference import (
    COHORT_1,
    COHORT_2,
    DEMO_PASSWORD,
    HARBOUR,
    INSTITUTIONS,
    PEARL_RIVER,
    PLUS_COHORT,
    SANDBOX,
    SANDBOX_PLUS,
    demo_accounts,
    institution_email,
    slug,
)
from tracker.demo.seed import SeedResult, ensure_categories, ensure_regulators, seed_demo
from tracker.demo.spec import DATA_CUTOFF, DemoAccount, DemoUseCase

__all__ = [
    "COHORT_1",
    "COHORT_2",
    "DATA_CUTOFF",
    "DEMO_MODE_REFUSAL",
    "DEMO_PASSWORD",
    "HARBOUR",
    "INSTITUTIONS",
    "PEARL_RIVER",
    "PLUS_COHORT",
    "SANDBOX",
    "SANDBOX_PLUS",
    "DemoAccount",
    "DemoUseCase",
    "SeedResult",
    "account_label",
    "demo_accounts",
    "demo_logins_command",
    "demo_mode_on",
    "demo_use_cases",
    "ensure_categories",
    "ensure_regulators",
    "institution_email",
    "require_demo_mode",
    "seed_demo",
    "seed_demo_command",
    "slug",
]
