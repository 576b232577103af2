"""Commands on organisations: regulators, institutions and categories.

Each command checks the actor's permission and every rule, raises ``RuleError`` with a message
per field, flushes and records ``RecordChanged``; the caller's unit of work commits. Nothing is
deleted, since history points to these records: they are deactivated instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker import events
from tracker.admin.permissions import Area, can_enter
from tracker.auth.models import User
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.organisations.models import Category, Institution, InstitutionKind, Regulator
from tracker.organisations.queries import is_taken
from tracker.rules import NotAllowedError, RuleCollector, RuleError

CODE_RE = re.compile(r"^[A-Z0-9-]+$")

Organisation = Regulator | Institution | Category

# What each kind of record is called in events and which administration area owns it.
KINDS: dict[type[Organisation], tuple[str, Area]] = {
    Regulator: ("regulator", Area.REGULATORS),
    Institution: ("institution", Area.INSTITUTIONS),
    Category: ("category", Area.CATEGORIES),
}


def _allow(actor: User, area: Area, action: str) -> None:
    if not can_enter(actor, area):
        raise NotAllowedError(action)


def record_changed(actor: User | None, kind: str, record_id: int, change: str) -> None:
    """Record that an administrative record changed (no actor: the command line)."""
    events.record(
        events.RecordChanged(
            actor_id=actor.id if actor else None, kind=kind, record_id=record_id, change=change
        )
    )


def required_text(rules: RuleCollector, field: str, value: str, limit: int, missing: str) -> bool:
    """A required line of text within ``limit`` characters."""
    return rules.check(bool(value), field, missing) and rules.check(
        len(value) <= limit, field, _("Use at most %(num)d characters.", num=limit)
    )


def _optional(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


# Regulators -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegulatorInput:
    code: str
    name_en: str
    name_zh: str | None = None


def save_regulator(actor: User, regulator: Regulator | None, data: RegulatorInput) -> Regulator:
    """Create a regulator (``regulator`` is None) or update one. Codes are unique, ignoring
    case, and stored in capitals."""
    _allow(actor, Area.REGULATORS, "regulator.save")
    code, name_en, name_zh = (
        data.code.strip().upper(),
        data.name_en.strip(),
        _optional(data.name_zh),
    )
    rules = RuleError.collect("regulator.save")
    if required_text(rules, "code", code, 16, _("Enter a code.")) and rules.check(
        bool(CODE_RE.match(code)), "code", _("Use letters, digits and hyphens only.")
    ):
        exclude = regulator.id if regulator else None
        rules.check(
            not is_taken(Regulator.code, code, exclude_id=exclude),
            "code",
            _("Another regulator already uses this code."),
        )
    required_text(rules, "name_en", name_en, 200, _("Enter a name."))
    rules.check(len(name_zh or "") <= 200, "name_zh", _("Use at most %(num)d characters.", num=200))
    rules.raise_if_any()
    change = "update" if regulator else "create"
    if regulator is None:
        regulator = Regulator(code=code)
        db.session.add(regulator)
    regulator.code, regulator.name_en, regulator.name_zh = code, name_en, name_zh
    db.session.flush()
    record_changed(actor, "regulator", regulator.id, change)
    return regulator


# Institutions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstitutionInput:
    name: str
    kind: InstitutionKind
    regulator_id: int | None
    name_zh: str | None = None


def save_institution(
    actor: User, institution: Institution | None, data: InstitutionInput
) -> Institution:
    """Create or update an institution. Every kind but a technology partner is supervised by
    a regulator."""
    _allow(actor, Area.INSTITUTIONS, "institution.save")
    name, name_zh = data.name.strip(), _optional(data.name_zh)
    rules = RuleError.collect("institution.save")
    if required_text(rules, "name", name, 200, _("Enter a name.")):
        rules.check(
            not is_taken(
                Institution.name, name, exclude_id=institution.id if institution else None
            ),
            "name",
            _("Another institution already has this name."),
        )
    rules.check(len(name_zh or "") <= 200, "name_zh", _("Use at most %(num)d characters.", num=200))
    if data.regulator_id is None:
        rules.check(
            data.kind is InstitutionKind.TECH_PARTNER,
            "regulator_id",
            _("Choose the supervising regulator: only technology partners may have none."),
        )
    else:
        rules.check(
            db.session.get(Regulator, data.regulator_id) is not None,
            "regulator_id",
            _("Choose a regulator from the list."),
        )
    rules.raise_if_any()
    change = "update" if institution else "create"
    if institution is None:
        institution = Institution(name=name, kind=data.kind)
        db.session.add(institution)
    institution.name, institution.name_zh = name, name_zh
    institution.kind, institution.regulator_id = data.kind, data.regulator_id
    db.session.flush()
    record_changed(actor, "institution", institution.id, change)
    return institution


# Categories -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryInput:
    name: str
    name_zh: str | None = None
    description: str = ""


def save_category(actor: User, category: Category | None, data: CategoryInput) -> Category:
    """Create or update a use-case category (administrators and regulator staff)."""
    _allow(actor, Area.CATEGORIES, "category.save")
    name, name_zh = data.name.strip(), _optional(data.name_zh)
    description = (data.description or "").strip()
    rules = RuleError.collect("category.save")
    if required_text(rules, "name", name, 120, _("Enter a name.")):
        rules.check(
            not is_taken(Category.name, name, exclude_id=category.id if category else None),
            "name",
            _("Another category already has this name."),
        )
    rules.check(len(name_zh or "") <= 120, "name_zh", _("Use at most %(num)d characters.", num=120))
    rules.check(
        len(description) <= 5000, "description", _("Use at most %(num)d characters.", num=5000)
    )
    rules.raise_if_any()
    change = "update" if category else "create"
    if category is None:
        category = Category(name=name)
        db.session.add(category)
    category.name, category.name_zh, category.description = name, name_zh, description
    db.session.flush()
    record_changed(actor, "category", category.id, change)
    return category


# Any of the three -----------------------------------------------------------------------------


def set_active(actor: User, record: Organisation, active: bool) -> None:
    """Deactivate or reactivate a regulator, institution or category. Links to it stay."""
    kind, area = KINDS[type(record)]
    _allow(actor, area, f"{kind}.{'reactivate' if active else 'deactivate'}")
    record.active = active
    db.session.flush()
    record_changed(actor, kind, record.id, "reactivate" if active else "deactivate")
