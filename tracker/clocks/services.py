"""Commands and reads of the stage clocks and the regulators' closure days.

Commands check the actor's permission and every rule, raise ``RuleError`` per field (or
``ConflictError`` for settings edited meanwhile), flush and record ``RecordChanged``; the caller's
unit of work commits. ``refresh`` keeps ``UseCase.clock_due_on`` true: the workflow command
calls it on every move, and the commands here call it for the use cases a change of settings or
closures touches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from tracker.auth.models import User
from tracker.auth.permissions import Permission, has
from tracker.clock import local_today
from tracker.clocks.calendar import WorkingCalendar, calendars_for
from tracker.clocks.clocks import (
    BUILT_IN,
    KINDS,
    RUNS_IN,
    Allowance,
    Clock,
    Move,
    compute_all,
    running_due_on,
)
from tracker.clocks.models import CLOCK_NAMES, MAX_CLOCK_DAYS, ClockSettings, RegulatorClosure
from tracker.extensions import db
from tracker.i18n import N_
from tracker.i18n import gettext as _
from tracker.organisations.models import Regulator
from tracker.organisations.services import record_changed, required_text
from tracker.programmes.models import Cohort, Programme
from tracker.programmes.permissions import can_manage_cohort
from tracker.rules import ConflictError, LastChange, NotAllowedError, RuleCollector, RuleError
from tracker.usecases.models import StageTransition, UseCase

CLOSURE_NAME_MAX = 200
# Stages in which a clock can run: only use cases in them carry a due date.
CLOCKED_STAGES = frozenset(RUNS_IN.values())

# Where an allowance came from, as the settings page says it.
SOURCE_COHORT, SOURCE_PROGRAMME, SOURCE_BUILT_IN = "cohort", "programme", "built-in"
_SOURCE_LABELS = {
    SOURCE_COHORT: N_("cohort"),
    SOURCE_PROGRAMME: N_("programme"),
    SOURCE_BUILT_IN: N_("built-in"),
}


# Allowances --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolved:
    allowance: Allowance
    source: str

    @property
    def source_label(self) -> str:
        """Where the allowance comes from, in the page's language."""
        return _(_SOURCE_LABELS[self.source])


def _own(row: ClockSettings | None, name: str) -> Allowance | None:
    if row is None:
        return None
    days = getattr(row, f"{name}_days")
    if days is None:
        return None
    working = getattr(row, f"{name}_working")
    return Allowance(days, BUILT_IN[name].working if working is None else working)


def resolve(
    cohort_row: ClockSettings | None, programme_row: ClockSettings | None
) -> dict[str, Resolved]:
    """Each clock's allowance: the cohort's, else the programme's, else the built-in one."""
    out: dict[str, Resolved] = {}
    for name in CLOCK_NAMES:
        own = _own(cohort_row, name)
        inherited = _own(programme_row, name)
        if own is not None:
            out[name] = Resolved(own, SOURCE_COHORT)
        elif inherited is not None:
            out[name] = Resolved(inherited, SOURCE_PROGRAMME)
        else:
            out[name] = Resolved(BUILT_IN[name], SOURCE_BUILT_IN)
    return out


def settings_rows(
    cohorts: Iterable[Cohort],
) -> tuple[dict[int, ClockSettings], dict[int, ClockSettings]]:
    """The settings rows of these cohorts and of their programmes, in one query."""
    cohorts = list(cohorts)
    cohort_ids = {c.id for c in cohorts}
    programme_ids = {c.programme_id for c in cohorts}
    by_cohort: dict[int, ClockSettings] = {}
    by_programme: dict[int, ClockSettings] = {}
    if not cohorts:
        return by_cohort, by_programme
    rows = db.session.scalars(
        sa.select(ClockSettings).where(
            sa.or_(
                ClockSettings.cohort_id.in_(cohort_ids),
                ClockSettings.programme_id.in_(programme_ids),
            )
        )
    )
    for row in rows:
        if row.cohort_id is not None:
            by_cohort[row.cohort_id] = row
        elif row.programme_id is not None:
            by_programme[row.programme_id] = row
    return by_cohort, by_programme


def cohort_allowances(cohort: Cohort) -> dict[str, Resolved]:
    by_cohort, by_programme = settings_rows([cohort])
    return resolve(by_cohort.get(cohort.id), by_programme.get(cohort.programme_id))


def _for_use_case(use_case: UseCase, resolved: dict[str, Resolved]) -> dict[str, Allowance]:
    """The allowances for one use case: a pilot runs for the duration agreed when it started."""
    allowances = {name: r.allowance for name, r in resolved.items()}
    if use_case.pilot_duration_weeks:
        allowances["pilot"] = Allowance(use_case.pilot_duration_weeks * 7, False)
    return allowances


def moves_of(transitions: Iterable[StageTransition]) -> list[Move]:
    return [Move(t.at, t.to_stage) for t in sorted(transitions, key=lambda t: (t.at, t.id or 0))]


# Reading clocks ----------------------------------------------------------------------------


class ClockReader:
    """Clocks of many use cases with the settings and calendars read once."""

    def __init__(self, use_cases: Sequence[UseCase]) -> None:
        cohorts = {u.cohort.id: u.cohort for u in use_cases}
        by_cohort, by_programme = settings_rows(cohorts.values())
        self._resolved = {
            cid: resolve(by_cohort.get(cid), by_programme.get(c.programme_id))
            for cid, c in cohorts.items()
        }
        self._calendars = calendars_for({c.programme.lead_regulator_id for c in cohorts.values()})

    def calendar(self, use_case: UseCase) -> WorkingCalendar:
        return self._calendars[use_case.cohort.programme.lead_regulator_id]

    def clocks(
        self,
        use_case: UseCase,
        as_at: date | None = None,
        transitions: Iterable[StageTransition] | None = None,
    ) -> list[Clock]:
        history = use_case.transitions if transitions is None else transitions
        return compute_all(
            _for_use_case(use_case, self._resolved[use_case.cohort_id]),
            moves_of(history),
            self.calendar(use_case),
            as_at or local_today(),
        )


def clocks_of(use_case: UseCase, as_at: date | None = None) -> list[Clock]:
    """The use case's clocks as at ``as_at`` (today by default), from its stage history."""
    return ClockReader([use_case]).clocks(use_case, as_at)


def refresh(use_case: UseCase, transitions: Iterable[StageTransition] | None = None) -> None:
    """Set ``clock_due_on`` from the history (``transitions``, if the caller holds rows not yet
    flushed). Called by every move of stage; it does not flush."""
    if use_case.stage not in CLOCKED_STAGES:
        use_case.clock_due_on = None
        return
    clocks = ClockReader([use_case]).clocks(use_case, transitions=transitions)
    use_case.clock_due_on = running_due_on(clocks)


def _refresh_where(*where: sa.ColumnElement[bool]) -> int:
    """Recompute the due dates of the use cases in clocked stages matching ``where``."""
    use_cases = list(
        db.session.scalars(
            sa.select(UseCase)
            .where(UseCase.stage.in_(CLOCKED_STAGES), *where)
            .options(
                selectinload(UseCase.transitions),
                selectinload(UseCase.cohort).selectinload(Cohort.programme),
            )
        )
    )
    if not use_cases:
        return 0
    reader = ClockReader(use_cases)
    changed: list[dict[str, Any]] = []
    for use_case in use_cases:
        due = running_due_on(reader.clocks(use_case))
        if use_case.clock_due_on != due:
            changed.append({"uid": use_case.id, "due": due})
            set_committed_value(use_case, "clock_due_on", due)
    if changed:
        # A derived column: one statement for all, and neither the use cases' version (so no
        # form open on them goes stale) nor their "last updated" time moves.
        table: sa.Table = UseCase.__table__  # type: ignore[assignment]
        db.session.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("uid"))
            .values(clock_due_on=sa.bindparam("due"), updated_at=table.c.updated_at),
            changed,
        )
    return len(use_cases)


def refresh_all() -> int:
    """Recompute every due date (after an upgrade, or from the command line)."""
    return _refresh_where()


def refresh_missing() -> int:
    """Recompute the due dates still empty in a stage with a clock (paused clocks among them,
    which have none: cheap, as few are paused at once)."""
    return _refresh_where(UseCase.clock_due_on.is_(None))


def _in_cohorts(cohort_ids: sa.Select[Any]) -> sa.ColumnElement[bool]:
    return UseCase.cohort_id.in_(cohort_ids)


# Closures ----------------------------------------------------------------------------------


def can_manage_closures(user: User) -> bool:
    return has(user, Permission.ADMINISTER)


@dataclass(frozen=True)
class ClosureData:
    regulator_id: int | None
    on: date | None
    name: str


def _refresh_regulator(regulator_id: int) -> None:
    _refresh_where(
        _in_cohorts(
            sa.select(Cohort.id)
            .join(Programme, Programme.id == Cohort.programme_id)
            .where(Programme.lead_regulator_id == regulator_id)
        )
    )


def add_closure(actor: User, data: ClosureData) -> RegulatorClosure:
    """Record a day the regulator's office is closed; its running clocks' due dates move."""
    if not can_manage_closures(actor):
        raise NotAllowedError("closure.create")
    rules = RuleError.collect("closure.create")
    regulator = db.session.get(Regulator, data.regulator_id) if data.regulator_id else None
    rules.check(regulator is not None, "regulator_id", _("Choose the regulator."))
    name = (data.name or "").strip()
    required_text(rules, "name", name, CLOSURE_NAME_MAX, _("Say why the office is closed."))
    if rules.check(data.on is not None, "on", _("Enter the date.")):
        assert data.on is not None
        if data.on.weekday() >= 5:
            rules.add("on", _("That day is a weekend: clocks already skip it."))
        if regulator is not None:
            taken = db.session.scalar(
                sa.select(RegulatorClosure.id).where(
                    RegulatorClosure.regulator_id == regulator.id, RegulatorClosure.on == data.on
                )
            )
            rules.check(taken is None, "on", _("This closure is already recorded."))
    rules.raise_if_any()
    assert regulator is not None and data.on is not None
    closure = RegulatorClosure(
        regulator_id=regulator.id, on=data.on, name=name, created_by_id=actor.id
    )
    db.session.add(closure)
    db.session.flush()
    _refresh_regulator(regulator.id)
    db.session.flush()
    record_changed(actor, "regulator_closure", closure.id, "create")
    return closure


def remove_closure(actor: User, closure: RegulatorClosure) -> None:
    """Remove a closure recorded in error; the clocks count the day again."""
    if not can_manage_closures(actor):
        raise NotAllowedError("closure.delete")
    regulator_id, closure_id = closure.regulator_id, closure.id
    db.session.delete(closure)
    db.session.flush()
    _refresh_regulator(regulator_id)
    db.session.flush()
    record_changed(actor, "regulator_closure", closure_id, "delete")


def closures(regulator_id: int | None = None) -> list[RegulatorClosure]:
    stmt = sa.select(RegulatorClosure).options(
        selectinload(RegulatorClosure.regulator), selectinload(RegulatorClosure.created_by)
    )
    if regulator_id is not None:
        stmt = stmt.where(RegulatorClosure.regulator_id == regulator_id)
    return list(db.session.scalars(stmt.order_by(RegulatorClosure.on.desc(), RegulatorClosure.id)))


# Settings ----------------------------------------------------------------------------------


def can_edit_programme_clocks(user: User, programme: Programme) -> bool:
    """Admins, and the staff of the programme's lead regulator, set its default clocks."""
    if has(user, Permission.ADMINISTER):
        return True
    return has(user, Permission.ACT_AS_REGULATOR) and user.regulator_id == (
        programme.lead_regulator_id
    )


def can_edit_cohort_clocks(user: User, cohort: Cohort) -> bool:
    return can_manage_cohort(user, cohort, None)


@dataclass(frozen=True)
class ClockSetting:
    """One clock's setting as typed: ``days`` ``None`` inherits; ``working`` ``None`` keeps the
    clock's usual unit."""

    days: int | None
    working: bool | None


def settings_row(
    programme: Programme | None = None, cohort: Cohort | None = None
) -> ClockSettings | None:
    if cohort is not None:
        return db.session.scalar(
            sa.select(ClockSettings).where(ClockSettings.cohort_id == cohort.id)
        )
    assert programme is not None
    return db.session.scalar(
        sa.select(ClockSettings).where(ClockSettings.programme_id == programme.id)
    )


def _check_settings(rules: RuleCollector, values: dict[str, ClockSetting]) -> None:
    for name in CLOCK_NAMES:
        setting = values.get(name)
        if setting is None or setting.days is None:
            continue
        rules.check(
            1 <= setting.days <= MAX_CLOCK_DAYS,
            f"{name}_days",
            _(
                "Enter a whole number of days from 1 to %(most)d, or leave it empty.",
                most=MAX_CLOCK_DAYS,
            ),
        )


def save_clock_settings(
    actor: User,
    values: dict[str, ClockSetting],
    expected_version: int | None,
    programme: Programme | None = None,
    cohort: Cohort | None = None,
) -> ClockSettings:
    """Set the clocks of a programme (defaults) or a cohort. ``expected_version`` is the
    version the form showed (``None``: there were no settings yet); a mismatch is a conflict.
    Running clocks in scope take the new allowances at once."""
    kind = "cohort_clocks" if cohort is not None else "programme_clocks"
    if cohort is not None:
        allowed = can_edit_cohort_clocks(actor, cohort)
    else:
        assert programme is not None
        allowed = can_edit_programme_clocks(actor, programme)
    if not allowed:
        raise NotAllowedError(f"{kind}.save")
    row = settings_row(programme, cohort)
    if (row.version if row is not None else None) != expected_version:
        raise ConflictError(_last_change(row), f"{kind}.save")
    rules = RuleError.collect(f"{kind}.save")
    _check_settings(rules, values)
    rules.raise_if_any()
    if row is None:
        row = ClockSettings(
            cohort_id=cohort.id if cohort is not None else None,
            programme_id=programme.id if cohort is None and programme is not None else None,
        )
        db.session.add(row)
    for name in CLOCK_NAMES:
        setting = values.get(name) or ClockSetting(None, None)
        setattr(row, f"{name}_days", setting.days)
        setattr(row, f"{name}_working", setting.working if setting.days is not None else None)
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise ConflictError(None, f"{kind}.save") from exc
    if cohort is not None:
        _refresh_where(UseCase.cohort_id == cohort.id)
    else:
        assert programme is not None
        _refresh_where(_in_cohorts(sa.select(Cohort.id).where(Cohort.programme_id == programme.id)))
    db.session.flush()
    record_changed(
        actor, kind, cohort.id if cohort is not None else row.programme_id or 0, "update"
    )
    return row


def _last_change(row: ClockSettings | None) -> LastChange | None:
    if row is None:
        return LastChange(what=_("The clock settings were removed"), by=_("someone"), at=None)
    return LastChange(what=_("The clock settings were changed"), by=_("someone"), at=row.updated_at)


__all__ = [
    "KINDS",
    "ClockReader",
    "ClockSetting",
    "ClosureData",
    "add_closure",
    "clocks_of",
    "cohort_allowances",
    "refresh",
    "refresh_all",
    "remove_closure",
    "save_clock_settings",
]
