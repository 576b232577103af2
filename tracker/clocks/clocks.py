"""Stage clocks computed from a use case's stage history, as at any date.

The lifecycle names a clock per phase (``Phase.clock`` in ``tracker.usecases.workflow``): while
a use case sits in that stage its clock runs. Each clock is allowed a number of days, working
(the lead regulator's calendar) or calendar days, set on the cohort, else the programme, else
``BUILT_IN``.

Stop-the-clock: the regulator's clocks (``submitted``, ``under_review``) pause while changes are
requested and resume where they stopped on resubmission, so their days add up over every visit
to their stage; the applicant's clock (``changes_requested``) starts afresh for each request;
the pilot clock pauses while the pilot is suspended. A clock whose use case has moved on for good
is finished: within time or late.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from tracker.clock import local_date
from tracker.clocks.calendar import WorkingCalendar
from tracker.i18n import N_, ngettext
from tracker.i18n import gettext as _
from tracker.usecases.models import Stage
from tracker.usecases.workflow import PHASES


@dataclass(frozen=True)
class Allowance:
    days: int
    working: bool

    @property
    def label(self) -> str:
        if self.working:
            return ngettext("%(num)d working day", "%(num)d working days", self.days)
        return ngettext("%(num)d calendar day", "%(num)d calendar days", self.days)


@dataclass(frozen=True)
class ClockKind:
    name: str
    # The English name, marked for the catalogue; ``label`` gives it in the page's language.
    title: str
    # Whose move it is while the clock runs: "regulator", "applicant" or "pilot".
    side: str
    # Stages in which the clock stands paused, waiting to resume.
    paused_in: frozenset[Stage]
    # Whether each visit to the stage starts the clock afresh (else the days add up).
    restarts: bool = False

    @property
    def label(self) -> str:
        return _(self.title)


# The clocks, by the name ``Phase.clock`` gives; the stage each runs in comes from PHASES.
KINDS: dict[str, ClockKind] = {
    k.name: k
    for k in (
        ClockKind(
            "submitted",
            N_("Start of review"),
            "regulator",
            frozenset({Stage.CHANGES_REQUESTED}),
        ),
        ClockKind(
            "under_review",
            N_("Review decision"),
            "regulator",
            frozenset({Stage.CHANGES_REQUESTED}),
        ),
        ClockKind(
            "changes_requested",
            N_("Applicant's response"),
            "applicant",
            frozenset(),
            restarts=True,
        ),
        ClockKind("pilot", N_("Pilot duration"), "pilot", frozenset({Stage.SUSPENDED})),
    )
}
RUNS_IN: dict[str, Stage] = {p.clock: p.stage for p in PHASES if p.clock is not None}
assert set(RUNS_IN) == set(KINDS), "every clock named in PHASES needs a kind, and only those"
REGULATOR_CLOCKS: tuple[str, ...] = tuple(k for k in KINDS if KINDS[k].side == "regulator")

# Allowances used when neither the cohort nor its programme sets one. Ten working days to start
# a review and thirty to decide follow the scale of the UAE central bank's 15/21/15 working days
# and sit well within the EU AI Act's three months; twenty working days for the applicant's
# answer; a pilot runs about six months (the HKMA's and the FCA's length).
BUILT_IN: dict[str, Allowance] = {
    "submitted": Allowance(10, True),
    "under_review": Allowance(30, True),
    "changes_requested": Allowance(20, True),
    "pilot": Allowance(182, False),
}


class ClockStatus(enum.Enum):
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"

    @property
    def label(self) -> str:
        return _(_STATUS_LABELS[self.value])


_STATUS_LABELS = {"running": N_("Running"), "paused": N_("Paused"), "finished": N_("Finished")}


@dataclass(frozen=True)
class Move:
    """One entry of the stage history: the stage entered and when (naive UTC)."""

    at: datetime
    to_stage: Stage


@dataclass(frozen=True)
class Clock:
    kind: ClockKind
    allowance: Allowance
    status: ClockStatus
    started_on: date  # the first day of the clock (of its latest run, for one that restarts)
    paused_since: date | None
    days_used: int
    due_on: date | None  # while running, or when it ran out; none while paused within time
    finished_on: date | None
    as_at: date

    @property
    def days_left(self) -> int:
        return self.allowance.days - self.days_used

    @property
    def overdue(self) -> bool:
        return self.days_used > self.allowance.days

    @property
    def within_time(self) -> bool:
        return not self.overdue

    @property
    def label(self) -> str:
        return self.kind.label


def _intervals(moves: Sequence[Move], stage: Stage, as_at: date) -> list[tuple[date, date | None]]:
    """The local-date spans the use case spent in ``stage`` up to ``as_at``: (entered, left),
    ``left`` is ``None`` for a span still open on that day."""
    spans: list[tuple[date, date | None]] = []
    for move in moves:
        day = local_date(move.at)
        if day > as_at:
            break
        if spans and spans[-1][1] is None and move.to_stage is not stage:
            spans[-1] = (spans[-1][0], day)
        elif move.to_stage is stage and (not spans or spans[-1][1] is not None):
            spans.append((day, None))
    return spans


def _between(calendar: WorkingCalendar, allowance: Allowance, a: date, b: date) -> int:
    if allowance.working:
        return calendar.working_days_between(a, b)
    return max(0, (b - a).days)


def _add(calendar: WorkingCalendar, allowance: Allowance, start: date, n: int) -> date:
    if allowance.working:
        return calendar.add_working_days(start, n)
    return date.fromordinal(start.toordinal() + max(0, n))


def compute(
    kind: ClockKind,
    allowance: Allowance,
    moves: Sequence[Move],
    calendar: WorkingCalendar,
    as_at: date,
) -> Clock | None:
    """The clock as it stood at the end of ``as_at``; ``None`` if it had not started."""
    spans = _intervals(moves, RUNS_IN[kind.name], as_at)
    if not spans:
        return None
    if kind.restarts:
        spans = spans[-1:]
    stage_then = next((m.to_stage for m in reversed(moves) if local_date(m.at) <= as_at), None)
    used = 0
    due: date | None = None
    for start, end in spans:
        left = allowance.days - used
        stop = end if end is not None else as_at
        if due is None and (end is None or _between(calendar, allowance, start, end) > left):
            # The allowance runs out within this span (or, for the open one, ahead of it).
            due = _add(calendar, allowance, start, left)
        used += _between(calendar, allowance, start, stop)
    last_end = spans[-1][1]
    if last_end is None:
        status, paused_since, finished_on = ClockStatus.RUNNING, None, None
    elif stage_then in kind.paused_in:
        status, paused_since, finished_on = ClockStatus.PAUSED, last_end, None
    else:
        status, paused_since, finished_on = ClockStatus.FINISHED, None, last_end
    if status is not ClockStatus.RUNNING and used <= allowance.days:
        due = None
    return Clock(
        kind=kind,
        allowance=allowance,
        status=status,
        started_on=spans[0][0],
        paused_since=paused_since,
        days_used=used,
        due_on=due,
        finished_on=finished_on,
        as_at=as_at,
    )


def compute_all(
    allowances: Mapping[str, Allowance],
    moves: Sequence[Move],
    calendar: WorkingCalendar,
    as_at: date,
) -> list[Clock]:
    """Every clock that had started by ``as_at``, in the lifecycle's order."""
    clocks = (compute(KINDS[n], allowances[n], moves, calendar, as_at) for n in KINDS)
    return [c for c in clocks if c is not None]


def running_due_on(clocks: Sequence[Clock]) -> date | None:
    """The due date of the clock running now: what ``UseCase.clock_due_on`` keeps."""
    return next((c.due_on for c in clocks if c.status is ClockStatus.RUNNING), None)


def decided_within_time(clocks: Sequence[Clock]) -> bool:
    """Whether every regulator clock stayed within its allowance."""
    return all(c.within_time for c in clocks if c.kind.side == "regulator")
