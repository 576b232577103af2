"""Commands on programmes and cohorts.

Each command checks the actor's permission (``tracker.admin.permissions``) and every rule,
raises ``RuleError`` with a message per field, flushes and records ``RecordChanged``; the
caller's unit of work commits. Programmes are deactivated and cohorts closed, never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tracker.admin.permissions import (
    Area,
    can_create_cohort_in,
    can_edit_cohort,
    can_enter,
    can_move_cohort,
)
from tracker.auth.models import User
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.i18n import ngettext
from tracker.organisations.models import Regulator, Sector
from tracker.organisations.queries import is_taken
from tracker.organisations.services import record_changed, required_text
from tracker.programmes import queries
from tracker.programmes.models import (
    DEFAULT_CRITERIA,
    Cohort,
    CohortStatus,
    Programme,
    SelectionCriterion,
)
from tracker.rules import NotAllowedError, RuleCollector, RuleError

CRITERION_MAX_LENGTH = 120
MAX_RETURN_INTERVAL = 366


def _in_order(
    rules: RuleCollector, earlier: date | None, later: date | None, field: str, message: str
) -> None:
    rules.check(earlier is None or later is None or later >= earlier, field, message)


# Programmes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeData:
    name: str
    name_zh: str | None
    description: str
    lead_regulator_id: int | None
    participant_ids: list[int]
    sectors: list[str]
    starts_on: date | None
    ends_on: date | None


def save_programme(actor: User, programme: Programme | None, data: ProgrammeData) -> Programme:
    """Create or update a programme. Names are unique, ignoring case; the lead regulator is
    never also listed as a participant."""
    if not can_enter(actor, Area.PROGRAMMES):
        raise NotAllowedError("programme.save")
    name = data.name.strip()
    rules = RuleError.collect("programme.save")
    if required_text(rules, "name", name, 200, _("Enter a name.")):
        rules.check(
            not is_taken(Programme.name, name, exclude_id=programme.id if programme else None),
            "name",
            _("Another programme already has this name."),
        )
    lead = db.session.get(Regulator, data.lead_regulator_id) if data.lead_regulator_id else None
    rules.check(lead is not None, "lead_regulator_id", _("Choose the lead regulator."))
    participant_ids = [
        i for i in dict.fromkeys(data.participant_ids) if i != data.lead_regulator_id
    ]
    participants = [db.session.get(Regulator, i) for i in participant_ids]
    rules.check(
        all(r is not None for r in participants),
        "participant_ids",
        _("Choose regulators from the list."),
    )
    known = {s.value for s in Sector}
    rules.check(bool(data.sectors), "sectors", _("Choose at least one sector."))
    rules.check(set(data.sectors) <= known, "sectors", _("Choose sectors from the list."))
    _in_order(
        rules,
        data.starts_on,
        data.ends_on,
        "ends_on",
        _("The end date cannot be before the start."),
    )
    rules.raise_if_any()
    assert lead is not None
    change = "update" if programme else "create"
    if programme is None:
        programme = Programme()
        db.session.add(programme)
    programme.name = name
    programme.name_zh = (data.name_zh or "").strip() or None
    programme.description = (data.description or "").strip()
    programme.lead_regulator_id = lead.id
    programme.sectors = list(dict.fromkeys(data.sectors))
    programme.starts_on, programme.ends_on = data.starts_on, data.ends_on
    programme.participants = [r for r in participants if r is not None]
    db.session.flush()
    record_changed(actor, "programme", programme.id, change)
    return programme


def set_programme_active(actor: User, programme: Programme, active: bool) -> None:
    """Deactivate or reactivate a programme. Its cohorts and use cases stay as they are."""
    change = "reactivate" if active else "deactivate"
    if not can_enter(actor, Area.PROGRAMMES):
        raise NotAllowedError(f"programme.{change}")
    programme.active = active
    db.session.flush()
    record_changed(actor, "programme", programme.id, change)


# Cohorts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortData:
    programme_id: int | None
    name: str
    applications_open_on: date | None
    applications_close_on: date | None
    selection_on: date | None
    pilot_starts_on: date | None
    pilot_ends_on: date | None
    status: CohortStatus
    return_interval_days: int


def _check_cohort(
    rules: RuleCollector, data: CohortData, programme: Programme, current: Cohort | None
) -> str:
    name = data.name.strip()
    if required_text(rules, "name", name, 120, _("Enter a name.")):
        rules.check(
            not is_taken(
                Cohort.name,
                name,
                exclude_id=current.id if current else None,
                scope=Cohort.programme_id == programme.id,
            ),
            "name",
            _("This programme already has a cohort with this name."),
        )
    _in_order(
        rules,
        data.applications_open_on,
        data.applications_close_on,
        "applications_close_on",
        _("Applications cannot close before they open."),
    )
    _in_order(
        rules,
        data.applications_close_on,
        data.selection_on,
        "selection_on",
        _("Selection cannot be announced before applications close."),
    )
    _in_order(
        rules,
        data.pilot_starts_on,
        data.pilot_ends_on,
        "pilot_ends_on",
        _("Pilots cannot end before they start."),
    )
    rules.check(
        1 <= data.return_interval_days <= MAX_RETURN_INTERVAL,
        "return_interval_days",
        _("Enter a number of days from 1 to %(most)d.", most=MAX_RETURN_INTERVAL),
    )
    return name


def _apply_cohort(cohort: Cohort, data: CohortData, programme: Programme, name: str) -> None:
    cohort.programme_id = programme.id
    cohort.name = name
    cohort.applications_open_on = data.applications_open_on
    cohort.applications_close_on = data.applications_close_on
    cohort.selection_on = data.selection_on
    cohort.pilot_starts_on = data.pilot_starts_on
    cohort.pilot_ends_on = data.pilot_ends_on
    cohort.status = data.status
    cohort.return_interval_days = data.return_interval_days


def _programme(data: CohortData) -> Programme:
    programme = db.session.get(Programme, data.programme_id) if data.programme_id else None
    if programme is None:
        raise RuleError({"programme_id": _("Choose the programme.")}, "cohort.save")
    return programme


def create_cohort(actor: User, data: CohortData) -> Cohort:
    """A new cohort in an active programme the actor may manage, scored on the default
    selection criteria until staff change them."""
    programme = _programme(data)
    if not can_create_cohort_in(actor, programme):
        raise NotAllowedError("cohort.create")
    rules = RuleError.collect("cohort.create")
    rules.check(
        programme.active, "programme_id", _("This programme is inactive: reactivate it first.")
    )
    name = _check_cohort(rules, data, programme, None)
    rules.raise_if_any()
    cohort = Cohort()
    _apply_cohort(cohort, data, programme, name)
    db.session.add(cohort)
    db.session.flush()
    for position, criterion in enumerate(DEFAULT_CRITERIA):
        db.session.add(SelectionCriterion(cohort_id=cohort.id, name=criterion, position=position))
    db.session.flush()
    record_changed(actor, "cohort", cohort.id, "create")
    return cohort


def _moving_refusal(cohort: Cohort) -> str | None:
    """Why the cohort cannot leave its programme, in words every regulator-side user may
    read: drafts are the institutions' own, so their existence is never spelt out."""
    proposals = queries.use_case_counts([cohort.id]).get(cohort.id, 0)
    if proposals:
        return ngettext(
            "This cohort holds %(num)d proposal, so it stays in its programme: their reviews "
            "and history belong to it.",
            "This cohort holds %(num)d proposals, so it stays in its programme: their reviews "
            "and history belong to it.",
            proposals,
        )
    if queries.has_use_cases(cohort):
        return _(
            "Institutions may be preparing proposals in this cohort, so it cannot move to "
            "another programme."
        )
    return None


def _check_criteria(rules: RuleCollector, cohort: Cohort, names: list[str]) -> None:
    field = "criteria_text"
    if not rules.check(bool(names), field, _("List at least one criterion.")):
        return
    too_long = [n for n in names if len(n) > CRITERION_MAX_LENGTH]
    if too_long:
        rules.add(
            field,
            _(
                "Keep each criterion to %(most)d characters: “%(start)s…”.",
                most=CRITERION_MAX_LENGTH,
                start=too_long[0][:40],
            ),
        )
        return
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:
            rules.add(field, _("“%(name)s” is listed twice.", name=name))
            return
        seen.add(name.casefold())
    scores = queries.scored_criteria(cohort)
    blocked = [c for c in plan_criteria(list(cohort.criteria), names).removed if scores.get(c.id)]
    if blocked:
        described = _("; ").join(
            _("“%(name)s” (%(num)d scores)", name=c.name, num=scores[c.id]) for c in blocked
        )
        rules.add(
            field,
            _(
                "Reviewers have already scored proposals against %(criteria)s. Those scores "
                "would lose their criterion, so keep it in the list.",
                criteria=described,
            ),
        )


def update_cohort(actor: User, cohort: Cohort, data: CohortData, criteria: list[str]) -> Cohort:
    """Change a cohort's details and criteria. A cohort holding use cases stays in its
    programme, and a criterion reviewers have scored against is never removed."""
    if not can_edit_cohort(actor, cohort):
        raise NotAllowedError("cohort.update")
    programme = _programme(data)
    if not can_move_cohort(actor, cohort, programme):
        raise NotAllowedError("cohort.move")
    rules = RuleError.collect("cohort.update")
    if programme.id != cohort.programme_id:
        refusal = _moving_refusal(cohort)
        if refusal:
            rules.add("programme_id", refusal)
    names = [line.strip() for line in criteria if line.strip()]
    name = _check_cohort(rules, data, programme, cohort)
    _check_criteria(rules, cohort, names)
    rules.raise_if_any()
    _apply_cohort(cohort, data, programme, name)
    db.session.flush()
    replace_criteria(cohort, names)
    record_changed(actor, "cohort", cohort.id, "update")
    return cohort


def close_cohort(actor: User, cohort: Cohort) -> None:
    """Deactivating a cohort closes it; its use cases and history are untouched."""
    if not can_edit_cohort(actor, cohort):
        raise NotAllowedError("cohort.deactivate")
    cohort.status = CohortStatus.CLOSED
    db.session.flush()
    record_changed(actor, "cohort", cohort.id, "deactivate")


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
    """Make the cohort's criteria exactly ``names``, in that order. ``update_cohort`` has
    checked that no criterion to be removed has review scores."""
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
