"""Changes to reference data and accounts. Services flush; the view commits. Nothing here
deletes a record that history can point to: records are deactivated instead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tracker.auth import services as auth_services
from tracker.auth.models import Role, User
from tracker.extensions import db
from tracker.institutions.models import Category, Institution, InstitutionKind
from tracker.programmes.models import (
    DEFAULT_CRITERIA,
    Cohort,
    CohortStatus,
    Programme,
    Regulator,
    SelectionCriterion,
)


def set_active(record: Regulator | Programme | Institution | Category, active: bool) -> None:
    """Deactivate or reactivate a reference record. Existing links to it stay as they are."""
    record.active = active
    db.session.flush()


# Regulators -------------------------------------------------------------------------------


def save_regulator(
    regulator: Regulator | None, *, code: str, name_en: str, name_zh: str | None
) -> Regulator:
    """Create a regulator (``regulator`` is None) or update one."""
    if regulator is None:
        regulator = Regulator(code=code)
        db.session.add(regulator)
    regulator.code = code
    regulator.name_en = name_en
    regulator.name_zh = name_zh
    db.session.flush()
    return regulator


# Programmes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeData:
    name: str
    name_zh: str | None
    description: str
    lead_regulator_id: int
    participant_ids: list[int]
    sectors: list[str]
    starts_on: date | None
    ends_on: date | None


def save_programme(programme: Programme | None, data: ProgrammeData) -> Programme:
    """Create or update a programme. The lead regulator is never also listed as a participant."""
    if programme is None:
        programme = Programme()
        db.session.add(programme)
    programme.name = data.name
    programme.name_zh = data.name_zh
    programme.description = data.description
    programme.lead_regulator_id = data.lead_regulator_id
    programme.sectors = list(data.sectors)
    programme.starts_on = data.starts_on
    programme.ends_on = data.ends_on
    participant_ids = [i for i in data.participant_ids if i != data.lead_regulator_id]
    programme.participants = [db.session.get_one(Regulator, i) for i in participant_ids]
    db.session.flush()
    return programme


# Cohorts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortData:
    programme_id: int
    name: str
    applications_open_on: date | None
    applications_close_on: date | None
    selection_on: date | None
    pilot_starts_on: date | None
    pilot_ends_on: date | None
    status: CohortStatus
    return_interval_days: int


def _apply_cohort(cohort: Cohort, data: CohortData) -> None:
    cohort.programme_id = data.programme_id
    cohort.name = data.name
    cohort.applications_open_on = data.applications_open_on
    cohort.applications_close_on = data.applications_close_on
    cohort.selection_on = data.selection_on
    cohort.pilot_starts_on = data.pilot_starts_on
    cohort.pilot_ends_on = data.pilot_ends_on
    cohort.status = data.status
    cohort.return_interval_days = data.return_interval_days


def create_cohort(data: CohortData) -> Cohort:
    """A new cohort, scored on the default selection criteria until staff change them."""
    cohort = Cohort()
    _apply_cohort(cohort, data)
    db.session.add(cohort)
    db.session.flush()
    for position, name in enumerate(DEFAULT_CRITERIA):
        db.session.add(SelectionCriterion(cohort_id=cohort.id, name=name, position=position))
    db.session.flush()
    return cohort


def update_cohort(cohort: Cohort, data: CohortData, criteria: list[str]) -> Cohort:
    _apply_cohort(cohort, data)
    db.session.flush()
    replace_criteria(cohort, criteria)
    return cohort


@dataclass(frozen=True)
class CriteriaPlan:
    """How a cohort's criteria change to match an edited list of names."""

    kept: dict[str, SelectionCriterion]  # casefolded name -> the row that stays
    removed: list[SelectionCriterion]


def plan_criteria(existing: list[SelectionCriterion], names: list[str]) -> CriteriaPlan:
    """Match edited names to existing rows, ignoring case, so a row (and the scores given
    against it) survives a change of capitalisation. Unmatched rows are to be removed."""
    wanted = {name.casefold() for name in names}
    kept: dict[str, SelectionCriterion] = {}
    removed: list[SelectionCriterion] = []
    for criterion in existing:
        key = criterion.name.casefold()
        if key in wanted and key not in kept:
            kept[key] = criterion
        else:
            removed.append(criterion)
    return CriteriaPlan(kept=kept, removed=removed)


def replace_criteria(cohort: Cohort, names: list[str]) -> None:
    """Make the cohort's criteria exactly ``names``, in that order. The caller has checked
    (see ``plan_criteria``) that no criterion to be removed has review scores."""
    plan = plan_criteria(list(cohort.criteria), names)
    for criterion in plan.removed:
        db.session.delete(criterion)
    # Removed rows go first so that a renamed row never collides with one on its way out.
    db.session.flush()
    for position, name in enumerate(names):
        found = plan.kept.get(name.casefold())
        criterion = found or SelectionCriterion(cohort_id=cohort.id, name=name)
        if found is None:
            db.session.add(criterion)
        criterion.name = name
        criterion.position = position
    db.session.flush()
    db.session.expire(cohort, ["criteria"])


def close_cohort(cohort: Cohort) -> None:
    """Deactivating a cohort closes it; its use cases and history are untouched."""
    cohort.status = CohortStatus.CLOSED
    db.session.flush()


# Institutions and categories --------------------------------------------------------------


def save_institution(
    institution: Institution | None,
    *,
    name: str,
    name_zh: str | None,
    kind: InstitutionKind,
    regulator_id: int | None,
) -> Institution:
    if institution is None:
        institution = Institution(name=name, kind=kind)
        db.session.add(institution)
    institution.name = name
    institution.name_zh = name_zh
    institution.kind = kind
    institution.regulator_id = regulator_id
    db.session.flush()
    return institution


def save_category(
    category: Category | None, *, name: str, name_zh: str | None, description: str
) -> Category:
    if category is None:
        category = Category(name=name)
        db.session.add(category)
    category.name = name
    category.name_zh = name_zh
    category.description = description
    db.session.flush()
    return category


# Users ------------------------------------------------------------------------------------


def _organisation(
    role: Role, regulator_id: int | None, institution_id: int | None
) -> tuple[int | None, int | None]:
    """Keep only the organisation the role calls for (the database checks the same rule)."""
    if role in (Role.REGULATOR, Role.SUPERVISOR):
        return regulator_id, None
    if role is Role.INSTITUTION:
        return None, institution_id
    return None, None


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    role: Role,
    regulator_id: int | None,
    institution_id: int | None,
) -> User:
    regulator_id, institution_id = _organisation(role, regulator_id, institution_id)
    return auth_services.create_user(
        email=email,
        name=name,
        password=password,
        role=role,
        regulator_id=regulator_id,
        institution_id=institution_id,
    )


def update_user(
    user: User,
    *,
    email: str,
    name: str,
    role: Role,
    regulator_id: int | None,
    institution_id: int | None,
    new_password: str | None,
) -> None:
    """Update an account. A new password signs the user out of every session."""
    user.email = auth_services.normalise_email(email)
    user.name = name.strip()
    user.role = role
    user.regulator_id, user.institution_id = _organisation(role, regulator_id, institution_id)
    db.session.flush()
    if new_password:
        auth_services.change_password(user, new_password)


def set_user_active(user: User, active: bool) -> None:
    """Deactivating an account also revokes every session it holds."""
    user.active = active
    if not active:
        auth_services.revoke_sessions(user)
    db.session.flush()
