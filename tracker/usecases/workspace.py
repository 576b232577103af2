"""The read side of the regulator's workspace: counts, funnels, what waits on whom, the board.

Every function takes the signed-in user and restricts itself to what that user may see
(``visible_filter`` for use cases, ``remit_programme_ids`` for programmes and cohorts). Figures are
aggregated in the database with GROUP BY, and lists are eager-loaded, so each page issues a
bounded number of queries whatever the number of use cases.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import contains_eager, defer, joinedload, load_only, selectinload
from sqlalchemy.sql import expression
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import replacement_traverse

from tracker.auth.models import User
from tracker.auth.permissions import Permission, has, per_user
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.i18n import number
from tracker.institutions.models import Category, Institution
from tracker.programmes.models import Cohort, Programme
from tracker.programmes.permissions import remit_programme_ids
from tracker.usecases import figures
from tracker.usecases import institution_figures as institution_counts
from tracker.usecases.figures import UseCaseCount
from tracker.usecases.institution_figures import InstitutionCount
from tracker.usecases.models import (
    Milestone,
    MilestoneStatus,
    Stage,
    StageTransition,
    UseCase,
    use_case_partner,
)
from tracker.usecases.permissions import visible_filter
from tracker.usecases.workflow import (
    MILESTONE_STAGES,
    PILOT_OR_LATER,
    PILOT_STAGES,
    SELECTED_OR_LATER,
    in_order,
)
from tracker.usecases.workflow import REVIEW_STAGES as _REVIEW
from tracker.web import MAX_ID

# The review queue lists submitted before under review: the lifecycle's order.
REVIEW_STAGES = in_order(_REVIEW)
OPEN_MILESTONE = (MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS)


# --- planner hints -----------------------------------------------------------------------


class sqlite_unindexed(expression.FunctionElement[Any]):  # noqa: N801  (reads as SQL)
    """``expr``, written ``+expr`` on SQLite: its documented way of keeping a term off every
    index (SQLite has no statistics to weigh one index against another). Same value and type."""

    name = "sqlite_unindexed"
    inherit_cache = True

    def __init__(self, expr: Any) -> None:
        super().__init__(expr)
        self.type = expr.type


@compiles(sqlite_unindexed)
def _unindexed_default(element: sqlite_unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(list(element.clauses)[0], **kw))


@compiles(sqlite_unindexed, "sqlite")
def _unindexed_sqlite(element: sqlite_unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return f"+{compiler.process(list(element.clauses)[0], **kw)}"


# --- remit -------------------------------------------------------------------------------


def programme_filter(user: User) -> sa.ColumnElement[bool]:
    """Programmes in the user's remit (admins: all; institution users: none)."""
    ids = remit_programme_ids(user)
    return sa.true() if ids is None else Programme.id.in_(ids)


# What a programme overview (a supervisor's dashboard) shows of each cohort: a remit has
# hundreds. A page that reads more of a cohort loads it again (the rest of its columns fill in
# then).
PICKED_COHORT_COLUMNS = (Cohort.id, Cohort.programme_id, Cohort.name, Cohort.name_zh, Cohort.status)


def remit_programmes(user: User, with_participants: bool = False) -> list[Programme]:
    """Programmes the user oversees, with their cohorts, for overviews (pickers read
    ``scope_choices``).
    ``with_participants`` also loads the participating regulators, which the remit checks behind
    report buttons read."""
    if not (has(user, Permission.VIEW_ALL) or has(user, Permission.VIEW_REMIT)):
        return []
    stmt = (
        sa.select(Programme)
        .where(programme_filter(user))
        .options(
            selectinload(Programme.cohorts).load_only(*PICKED_COHORT_COLUMNS),
            joinedload(Programme.lead_regulator),
        )
        .order_by(Programme.name)
    )
    if with_participants:
        stmt = stmt.options(selectinload(Programme.participants))
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class CohortChoice:
    """A cohort as a scope picker offers it (``local_name`` reads its names)."""

    id: int
    name: str
    name_zh: str | None


@dataclass(frozen=True)
class ProgrammeChoice:
    """A programme and its cohorts as the scope pickers offer them."""

    id: int
    name: str
    name_zh: str | None
    cohorts: list[CohortChoice] = field(default_factory=list)


def scope_choices(user: User) -> list[ProgrammeChoice]:
    """The programmes and cohorts the user's pickers offer: the remit, or for institution users
    those of their use cases. Plain columns in one query: a remit has hundreds of cohorts, and
    the dashboard, the list and the board each offer them all."""
    joined: sa.ColumnElement[bool]
    where: sa.ColumnElement[bool]
    if user.is_institution_user:
        cohort_ids = sa.select(UseCase.cohort_id).where(visible_filter(user))
        joined = sa.and_(Cohort.programme_id == Programme.id, Cohort.id.in_(cohort_ids))
        where = Programme.id.in_(sa.select(Cohort.programme_id).where(Cohort.id.in_(cohort_ids)))
    elif has(user, Permission.VIEW_ALL) or has(user, Permission.VIEW_REMIT):
        joined = Cohort.programme_id == Programme.id
        where = programme_filter(user)
    else:
        return []
    stmt = (
        sa.select(
            Programme.id, Programme.name, Programme.name_zh, Cohort.id, Cohort.name, Cohort.name_zh
        )
        .outerjoin(Cohort, joined)
        .where(where)
        # The programmes by name, each one's cohorts as ``Programme.cohorts`` orders them.
        .order_by(Programme.name, Programme.id, Cohort.applications_open_on, Cohort.id)
    )
    choices: list[ProgrammeChoice] = []
    for programme_id, name, name_zh, cohort_id, cohort_name, cohort_name_zh in db.session.execute(
        stmt
    ):
        if not choices or choices[-1].id != programme_id:
            choices.append(ProgrammeChoice(programme_id, name, name_zh))
        if cohort_id is not None:
            choices[-1].cohorts.append(CohortChoice(cohort_id, cohort_name, cohort_name_zh))
    return choices


def visible_institutions_filter(user: User) -> sa.ColumnElement[bool]:
    """Institutions a user may look at.

    Admins: all. Regulator side: those their regulator supervises and those leading or partnering
    a use case in their remit. Institution users: only their own.
    """
    if has(user, Permission.VIEW_ALL):
        return sa.true()
    if has(user, Permission.VIEW_REMIT) and user.regulator_id is not None:
        # An institution takes part in the remit if it has kept counts (leading or partnering a
        # proposal) in a cohort of it: a look-up of its few rows by the counts' key, row by row,
        # so that a page read in the list's order stops after the page. Written as a LIMIT 1
        # subquery rather than EXISTS: PostgreSQL turns an EXISTS under OR into a hash of every
        # row of the remit, read in full before the first institution.
        takes_part = (
            sa.select(sa.literal(1))
            .where(
                InstitutionCount.institution_id == Institution.id,
                institution_counts.in_remit(user),
            )
            .limit(1)
            .scalar_subquery()
        )
        return sa.or_(Institution.regulator_id == user.regulator_id, takes_part.is_not(None))
    if user.is_institution_user and user.institution_id is not None:
        return Institution.id == user.institution_id
    return sa.false()


INSTITUTION_CHOICES = 20


def institution_choices(
    user: User, q: str = "", limit: int = INSTITUTION_CHOICES
) -> list[Institution]:
    """Lead institutions to offer in the filters' search-as-you-type box: those the user may see
    that lead a use case and whose English or Chinese name contains ``q``, the first ``limit``
    by name."""
    stmt = sa.select(Institution).where(
        visible_institutions_filter(user),
        sa.exists().where(UseCase.institution_id == Institution.id),
    )
    if q:
        stmt = stmt.where(
            sa.or_(
                Institution.name.icontains(q, autoescape=True),
                Institution.name_zh.icontains(q, autoescape=True),
            )
        )
    return list(db.session.scalars(stmt.order_by(Institution.name, Institution.id).limit(limit)))


def filter_institution(user: User, institution_id: int | None) -> Institution | None:
    """The institution a filter names, if the user may see it (for the filter's label)."""
    if institution_id is None:
        return None
    return db.session.scalar(
        sa.select(Institution).where(
            Institution.id == institution_id, visible_institutions_filter(user)
        )
    )


def all_categories() -> list[Category]:
    return list(db.session.scalars(sa.select(Category).order_by(Category.name)))


def visible_in_index_order(user: User) -> sa.ColumnElement[bool]:
    """``visible_filter(user)`` for queries that should read an index in their ORDER BY and stop
    after a page: on SQLite the remit's ``cohort_id IN (...)`` is written ``cohort_id + 0``.

    Without statistics (nobody runs ANALYZE on a SQLite file) SQLite's planner serves that IN
    from a cohort index and then sorts every visible row; ``+ 0`` is SQLite's documented way of
    keeping a term off an index, so the rows come from the sort's index instead. PostgreSQL has
    statistics and chooses for itself."""
    return per_user("visible_in_index_order", user, lambda: off_cohort_index(visible_filter(user)))


def off_cohort_index(clause: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    """``clause`` with the use case's ``cohort_id`` written ``cohort_id + 0`` on SQLite (see
    ``visible_in_index_order``); unchanged on PostgreSQL."""
    if db.engine.dialect.name != "sqlite":
        return clause
    table: sa.Table = UseCase.__table__  # type: ignore[assignment]

    def blind(element: Any, **_kw: Any) -> Any:
        if (
            isinstance(element, sa.Column)
            and element.table is table
            and element.name == "cohort_id"
        ):
            return table.c.cohort_id + 0
        return None

    no_options: dict[str, Any] = {}
    return replacement_traverse(clause, no_options, blind)


# --- scope ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """An optional narrowing of a page to one programme or one cohort."""

    programme: Programme | None = None
    cohort: Cohort | None = None

    @property
    def label(self) -> str:
        if self.cohort is not None:
            return f"{self.cohort.programme.name} — {self.cohort.name}"
        if self.programme is not None:
            return self.programme.name
        return ""

    def where(self) -> sa.ColumnElement[bool]:
        if self.cohort is not None:
            return UseCase.cohort_id == self.cohort.id
        if self.programme is not None:
            return UseCase.cohort_id.in_(
                sa.select(Cohort.id).where(Cohort.programme_id == self.programme.id)
            )
        return sa.true()

    def where_counts(self) -> sa.ColumnElement[bool]:
        """``where()`` on the kept counts (``UseCaseCount``)."""
        if self.cohort is not None:
            return UseCaseCount.cohort_id == self.cohort.id
        if self.programme is not None:
            return UseCaseCount.cohort_id.in_(
                sa.select(Cohort.id).where(Cohort.programme_id == self.programme.id)
            )
        return sa.true()

    def args(self) -> dict[str, int]:
        if self.cohort is not None:
            return {"cohort": self.cohort.id}
        if self.programme is not None:
            return {"programme": self.programme.id}
        return {}


def resolve_scope(
    choices: Sequence[ProgrammeChoice], programme_id: int | None, cohort_id: int | None
) -> Scope | None:
    """The scope named by ids, taken only from ``choices`` (what the user may pick), with the
    programme and cohort loaded.

    Returns None when an id names something outside them, so callers answer 404.
    """
    if cohort_id is not None:
        if not any(c.id == cohort_id for p in choices for c in p.cohorts):
            return None
        cohort = db.session.get(Cohort, cohort_id, options=[joinedload(Cohort.programme)])
        return None if cohort is None else Scope(programme=cohort.programme, cohort=cohort)
    if programme_id is not None:
        if not any(p.id == programme_id for p in choices):
            return None
        programme = db.session.get(Programme, programme_id)
        return None if programme is None else Scope(programme=programme)
    return Scope()


# --- figures --------------------------------------------------------------------------------


@dataclass
class Matrix:
    """Use cases by stage (rows) and category (columns)."""

    stages: list[Stage]
    categories: list[Category]
    counts: dict[tuple[Stage, int], int]

    def cell(self, stage: Stage, category: Category) -> int:
        return self.counts.get((stage, category.id), 0)

    def stage_total(self, stage: Stage) -> int:
        return sum(n for (s, _c), n in self.counts.items() if s is stage)

    def category_total(self, category: Category) -> int:
        return sum(n for (_s, c), n in self.counts.items() if c == category.id)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def reads_counts(user: User) -> bool:
    """Whether the user's figures come from the kept counts: the regulator side's visibility is
    a function of the counts' key (submitted, in a cohort of the remit); an institution user's
    is not (partners), and they have few use cases to count."""
    return not user.is_institution_user and (
        has(user, Permission.VIEW_ALL) or has(user, Permission.VIEW_REMIT)
    )


def _counted(*columns: Any) -> sa.Select[*tuple[Any, ...]]:
    """``columns`` and the number of use cases, from the kept counts, grouped by ``columns``."""
    return (
        sa.select(*columns, sa.func.sum(UseCaseCount.n))
        .where(UseCaseCount.n > 0)
        .group_by(*columns)
    )


@dataclass(frozen=True)
class KeptCounts:
    """The kept counts a regulator-side user sees in a scope, by stage, category and whether
    selected and piloted: read once, they give a page's stage-by-category figures, its funnel,
    the review queue's total and the scope's number of use cases."""

    rows: list[tuple[Stage, int, bool, bool, int]]

    def total(self, stages: Iterable[Stage] | None = None) -> int:
        wanted = None if stages is None else set(stages)
        return sum(n for stage, *_rest, n in self.rows if wanted is None or stage in wanted)


def kept_counts(user: User, scope: Scope) -> KeptCounts | None:
    """The scope's kept counts (one small GROUP BY), or None for a user whose figures are not
    read from them (``reads_counts``)."""
    if not reads_counts(user):
        return None
    c = UseCaseCount
    stmt = _counted(c.stage, c.category_id, c.selected, c.piloted).where(
        figures.visible(user), scope.where_counts()
    )
    return KeptCounts(
        [
            (stage, int(cat), bool(sel), bool(pil), int(n))
            for stage, cat, sel, pil, n in db.session.execute(stmt)
        ]
    )


def scope_total(user: User, scope: Scope, counts: KeptCounts | None) -> int:
    """How many use cases the user sees in the scope: from ``counts`` when the page read them,
    else counted."""
    if counts is not None:
        return counts.total()
    return sum(stage_counts(user, scope.where()).values())


def stage_category_matrix(
    user: User,
    scope: Scope,
    extra: sa.ColumnElement[bool] | None = None,
    counts: KeptCounts | None = None,
) -> Matrix:
    """Use cases by stage and category: from ``counts`` when the page read them, else a
    query of its own."""
    stmt: sa.Select[*tuple[Any, ...]]
    if extra is None and counts is not None:
        cells: dict[tuple[Stage, int], int] = {}
        for stage, cat_id, _selected, _piloted, n in counts.rows:
            cells[stage, cat_id] = cells.get((stage, cat_id), 0) + n
        return _matrix(cells)
    if extra is None and reads_counts(user):
        stmt = _counted(UseCaseCount.stage, UseCaseCount.category_id).where(
            figures.visible(user), scope.where_counts()
        )
    else:
        stmt = (
            sa.select(UseCase.stage, UseCase.category_id, sa.func.count(UseCase.id))
            .where(visible_filter(user), scope.where())
            .group_by(UseCase.stage, UseCase.category_id)
        )
        if extra is not None:
            stmt = stmt.where(extra)
    return _matrix({(stage, cat_id): n for stage, cat_id, n in db.session.execute(stmt)})


def _matrix(counts: dict[tuple[Stage, int], int]) -> Matrix:
    used = {cat_id for _s, cat_id in counts}
    categories = [c for c in all_categories() if c.active or c.id in used]
    return Matrix(stages=list(Stage), categories=categories, counts=counts)


@dataclass(frozen=True)
class FunnelStep:
    key: str
    label: str
    count: int


def funnel(user: User, scope: Scope, counts: KeptCounts | None = None) -> list[FunnelStep]:
    """Proposals → selected → pilot → production, counting every use case that reached a step,
    including those that later left the programme (a case discontinued in pilot counts as
    selected and as piloted). From ``counts`` when the page read them."""
    if counts is not None:
        steps = [0, 0, 0, 0]
        for stage, _cat_id, was_selected, was_piloted, n in counts.rows:
            steps[0] += n
            if stage in SELECTED_OR_LATER or was_piloted or was_selected:
                steps[1] += n
            if stage in PILOT_OR_LATER or was_piloted:
                steps[2] += n
            if stage is Stage.PRODUCTION:
                steps[3] += n
        return _funnel(*steps)
    reached_selection = sa.or_(
        UseCase.stage.in_(SELECTED_OR_LATER),
        UseCase.pilot_started_on.is_not(None),
        # Kept by the workflow command, so the figure reads the use case, not its history.
        UseCase.selected_at.is_not(None),
    )
    reached_pilot = sa.or_(UseCase.stage.in_(PILOT_OR_LATER), UseCase.pilot_started_on.is_not(None))

    def total(condition: sa.ColumnElement[bool], n: Any = 1) -> sa.ColumnElement[Any]:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, n), else_=0)), 0)

    if reads_counts(user):
        c = UseCaseCount
        stmt = sa.select(
            total(c.proposal.is_(True), c.n),
            total(sa.or_(c.stage.in_(SELECTED_OR_LATER), c.piloted, c.selected), c.n),
            total(sa.or_(c.stage.in_(PILOT_OR_LATER), c.piloted), c.n),
            total(c.stage == Stage.PRODUCTION, c.n),
        ).where(figures.visible(user), scope.where_counts())
        proposals, selected, piloted, production = db.session.execute(stmt).one()
        return _funnel(proposals, selected, piloted, production)
    stmt = sa.select(
        total(UseCase.proposals()),
        total(reached_selection),
        total(reached_pilot),
        total(UseCase.stage == Stage.PRODUCTION),
    ).where(visible_filter(user), scope.where())
    proposals, selected, piloted, production = db.session.execute(stmt).one()
    return _funnel(proposals, selected, piloted, production)


def _funnel(proposals: Any, selected: Any, piloted: Any, production: Any) -> list[FunnelStep]:
    return [
        FunnelStep("proposals", _("Proposals"), int(proposals)),
        FunnelStep("selected", _("Selected"), int(selected)),
        FunnelStep("pilot", _("Pilot"), int(piloted)),
        FunnelStep("production", _("Production"), int(production)),
    ]


def stage_counts(user: User, extra: sa.ColumnElement[bool] | None = None) -> dict[Stage, int]:
    stmt = (
        sa.select(UseCase.stage, sa.func.count(UseCase.id))
        .where(visible_filter(user))
        .group_by(UseCase.stage)
    )
    if extra is not None:
        stmt = stmt.where(extra)
    return {stage: n for stage, n in db.session.execute(stmt)}


def cohort_stage_counts(user: User, cohort_ids: Iterable[int]) -> dict[int, dict[Stage, int]]:
    """Use cases per cohort and stage, for the cohorts named (one GROUP BY query)."""
    ids = list(cohort_ids)
    out: dict[int, dict[Stage, int]] = {cid: {} for cid in ids}
    if not ids:
        return out
    stmt: sa.Select[*tuple[Any, ...]]
    if reads_counts(user):
        stmt = _counted(UseCaseCount.cohort_id, UseCaseCount.stage).where(
            figures.visible(user), UseCaseCount.cohort_id.in_(ids)
        )
    else:
        stmt = (
            sa.select(UseCase.cohort_id, UseCase.stage, sa.func.count(UseCase.id))
            .where(visible_filter(user), UseCase.cohort_id.in_(ids))
            .group_by(UseCase.cohort_id, UseCase.stage)
        )
    for cohort_id, stage, n in db.session.execute(stmt):
        out[cohort_id][stage] = n
    return out


# --- what waits -----------------------------------------------------------------------------


T = TypeVar("T")


@dataclass
class Waiting(Generic[T]):
    """The first few items of a list and how many there are in all."""

    items: list[T] = field(default_factory=list)
    total: int = 0
    # For lists read a page at a time: where the next page starts (None on the last page), and
    # whether this page is the first.
    next_after: Cursor | None = None
    is_first: bool = True
    # Counted up to ``WAITING_COUNT_LIMIT``: True when there are more than that.
    total_is_lower_bound: bool = False

    @property
    def more(self) -> int:
        return self.total - len(self.items)

    @property
    def total_label(self) -> str:
        if self.total_is_lower_bound:
            return _("more than %(num)s", num=number(self.total))
        return number(self.total)

    @property
    def more_label(self) -> str:
        if self.total_is_lower_bound:
            return _("more than %(num)s", num=number(self.more))
        return number(self.more)


# A list of what waits counts its rows up to this many (as the use-case list does): the rows
# beyond are read by no page, and counting them would cost in step with the data.
WAITING_COUNT_LIMIT = 1000


def _counted_up_to_limit(where: Sequence[Any]) -> Any:
    """The number of use cases matching ``where``, up to one more than ``WAITING_COUNT_LIMIT``."""
    return _rows_up_to_limit(sa.select(UseCase.id).where(*where))


def _rows_up_to_limit(rows: sa.Select[Any]) -> Any:
    """The number of ``rows``, up to one more than ``WAITING_COUNT_LIMIT``: a scalar subquery
    that stops reading there."""
    first = rows.limit(WAITING_COUNT_LIMIT + 1).subquery()
    return sa.select(sa.func.count()).select_from(first).scalar_subquery()


@dataclass(frozen=True)
class Cursor:
    """A place in a list read in the order (key, id): the key and id of the last row of the page
    before. It carries the key itself, so a row that moves or leaves the list (a return filed, a
    proposal decided) moves nothing after it; and it names no row, so it shows nothing."""

    key: date
    id: int

    def __str__(self) -> str:
        return f"{self.key.isoformat()}~{self.id}"

    @classmethod
    def parse(cls, raw: str | None, kind: type[date]) -> Cursor | None:
        """A cursor from a URL (``2026-11-30~123``, or a timestamp for ``datetime``); None for
        anything else, which shows the first page."""
        text = (raw or "").strip()
        key, _sep, ident = text.partition("~")
        if len(text) > 64 or not ident.isascii() or not ident.isdigit():
            return None
        try:
            value = kind.fromisoformat(key)
        except ValueError:
            return None
        if isinstance(value, datetime) != (kind is datetime) or int(ident) > MAX_ID:
            return None
        if isinstance(value, datetime) and value.tzinfo is not None:
            return None  # stored times are naive UTC
        return cls(value, int(ident))


def _after(key: Any, cursor: Cursor | None) -> list[sa.ColumnElement[bool]]:
    """The condition that starts a page after ``cursor`` in the order (``key``, id)."""
    if cursor is None:
        return []
    bound = sa.tuple_(
        sa.bindparam(None, cursor.key, type_=key.type),
        sa.bindparam(None, cursor.id, type_=sa.Integer()),
    )
    return [sa.tuple_(key, UseCase.id) > bound]


def _paged(
    items: list[Any], limit: int, key: Callable[[Any], date | None]
) -> tuple[list[Any], Cursor | None]:
    """The first ``limit`` of ``items`` (read one more than a page) and the cursor after them,
    or None when nothing follows."""
    if len(items) > limit:
        last = items[limit - 1]
        value = key(last)
        return items[:limit], Cursor(value, last.id) if value is not None else None
    return items, None


# The proposal's long texts: no list or card shows them.
LONG_TEXTS = (
    UseCase.summary,
    UseCase.problem_statement,
    UseCase.data_used,
    UseCase.safeguards,
    UseCase.kpis,
    UseCase.pilot_limits,
    UseCase.pilot_data_scope,
    UseCase.exit_outcome,
    UseCase.exit_lessons,
    UseCase.exit_conditions,
)


def without_long_texts() -> list[Any]:
    """Loader options for lists and cards: the long texts stay in the database unless read (a
    proposal's run to pages, and a board carries hundreds of cards)."""
    return [defer(column) for column in LONG_TEXTS]


# What a row of a waiting list shows of a use case (the review queue, returns due, milestones
# past due, recent activity): each column read is a column set on each of the rows.
LISTED_COLUMNS = (
    UseCase.id,
    UseCase.cohort_id,
    UseCase.institution_id,
    UseCase.category_id,
    UseCase.title,
    UseCase.stage,
    UseCase.stage_changed_at,
    UseCase.clock_due_on,
    UseCase.submitted_at,
    UseCase.next_return_due_on,
)


def institution_names() -> Any:
    """Loader option for a use case's institution: what a list shows of it."""
    return joinedload(UseCase.institution).load_only(
        Institution.id, Institution.name, Institution.name_zh
    )


def _with_total(stmt: sa.Select[*tuple[Any, ...]], limit: int) -> tuple[list[Any], int]:
    """Run ``stmt`` (whose last column is the total, ``count(*) OVER ()`` or a scalar count)
    for ``limit`` rows."""
    rows = db.session.execute(stmt.limit(limit)).unique().all()
    total = rows[0][-1] if rows else 0
    return [row[0] if len(row) == 2 else tuple(row[:-1]) for row in rows], int(total)


def _first_per_stage(
    stages: Iterable[Stage],
    where: Sequence[sa.ColumnElement[bool]],
    order: Sequence[Any],
    limit: int,
) -> sa.CompoundSelect:
    """The ids of the first ``limit`` use cases of each stage in ``order``: one LIMIT select per
    stage, each read from a (stage, ...) index and stopped early, in one UNION ALL."""
    return sa.union_all(
        *[
            sa.select(
                sa.select(UseCase.id)
                .where(UseCase.stage == stage, *where)
                .order_by(*order)
                .limit(limit)
                .subquery()
            )
            for stage in stages
        ]
    )


def review_queue(
    user: User,
    scope: Scope,
    limit: int = 10,
    detailed: bool = False,
    after: Cursor | None = None,
    counts: KeptCounts | None = None,
) -> Waiting[UseCase]:
    """Proposals submitted or under review, oldest submission first: the first ``limit``, or
    those after the proposal ``after``. ``detailed`` also loads each case's cohort and reviews,
    for the review queue page. The total comes from ``counts`` when the page read them."""
    options = [load_only(*LISTED_COLUMNS), institution_names(), joinedload(UseCase.category)]
    if detailed:
        options += [
            joinedload(UseCase.cohort).joinedload(Cohort.programme),
            selectinload(UseCase.reviews),
        ]
    order = (UseCase.submitted_at.asc(), UseCase.id.asc())
    # The total from the kept counts (or the figures index); the rows from each stage's first
    # ``limit``.
    total: Any
    if reads_counts(user):
        total = (
            sa.select(sa.func.coalesce(sa.func.sum(UseCaseCount.n), 0))
            .where(
                figures.visible(user),
                scope.where_counts(),
                UseCaseCount.stage.in_(REVIEW_STAGES),
            )
            .scalar_subquery()
        )
    else:
        total = (
            sa.select(sa.func.count(UseCase.id))
            .where(visible_filter(user), scope.where(), UseCase.stage.in_(REVIEW_STAGES))
            .scalar_subquery()
        )
    start = _after(UseCase.submitted_at, after)
    first = _first_per_stage(
        REVIEW_STAGES, [visible_in_index_order(user), scope.where(), *start], order, limit + 1
    )
    if counts is not None:
        stmt = sa.select(UseCase).where(UseCase.id.in_(first)).options(*options).order_by(*order)
        items = list(db.session.scalars(stmt.limit(limit + 1)).unique())
        count = counts.total(REVIEW_STAGES)
    else:
        stmt = (
            sa.select(UseCase, total)
            .where(UseCase.id.in_(first))
            .options(*options)
            .order_by(*order)
        )
        items, count = _with_total(stmt, limit + 1)
    if not items and start and counts is None:  # a page past the end: the list's total
        count = int(db.session.scalar(sa.select(total)) or 0)
    items, next_after = _paged(items, limit, lambda uc: uc.submitted_at)
    return Waiting(items, count, next_after, is_first=not start)


@dataclass(frozen=True)
class ReturnDue:
    use_case: UseCase
    due_on: date

    def overdue(self, today: date) -> bool:
        return self.due_on < today

    def days_overdue(self, today: date) -> int:
        return (today - self.due_on).days


def returns_due(
    user: User,
    scope: Scope,
    due_before: date,
    limit: int = 10,
    extra: sa.ColumnElement[bool] | None = None,
    after: Cursor | None = None,
) -> Waiting[ReturnDue]:
    """Pilots whose next progress return falls due before ``due_before``: the first ``limit``,
    or those after the pilot ``after``.

    Under a reporting schedule the next return is the first expected one still open. Without
    one it is due ``return_interval_days`` after the end of the last period reported, or after
    the pilot started when nothing has been filed yet (or earlier, if the regulator asked).
    That date is kept on the use case (``tracker.returns.due``): the first ``limit`` are read
    from its index in order and stopped, and the total counts the index's range.
    """
    due_on = UseCase.next_return_due_on
    # Without statistics SQLite would rather serve the stage and the visibility test from the
    # (stage, submitted_at) or cohort indexes and sort every pilot: both are kept off them, so
    # the rows and their number come from the due-date index, which holds every column read.
    # A cohort's few use cases may come from the cohort index; a programme's many may not.
    where = [
        visible_in_index_order(user),
        scope.where() if scope.cohort is not None else off_cohort_index(scope.where()),
        sqlite_unindexed(UseCase.stage).in_(PILOT_STAGES),
        due_on < due_before,
    ]
    if extra is not None:
        where.append(extra)
    total = _counted_up_to_limit(where)
    start = _after(due_on, after)
    stmt = (
        sa.select(UseCase, total)
        .where(*where, *start)
        .options(load_only(*LISTED_COLUMNS), joinedload(UseCase.cohort), institution_names())
        .order_by(due_on, UseCase.id)
    )
    items, count = _with_total(stmt, limit + 1)
    if not items and start:  # a page past the end: the total is still the list's
        count = int(db.session.scalar(sa.select(total)) or 0)
    items, next_after = _paged(items, limit, lambda uc: uc.next_return_due_on)
    return Waiting(
        [ReturnDue(uc, uc.next_return_due_on) for uc in items],
        min(count, WAITING_COUNT_LIMIT),
        next_after,
        is_first=not start,
        total_is_lower_bound=count > WAITING_COUNT_LIMIT,
    )


def overdue_milestones(
    user: User, scope: Scope, today: date, limit: int = 10
) -> Waiting[Milestone]:
    """Open milestones planned before today: the SQL form of ``Milestone.is_overdue``.

    Unscoped, each open status's first ``limit`` come from the (status, planned_on) index, read
    in order until enough are visible. On the regulator side the total, and a scoped page's rows,
    come from the kept ``Milestone.open_cohort_id`` (``tracker.usecases.open_milestones``): a
    range of its index per cohort of the remit and scope. For anyone else, scoped to a programme
    or cohort, the scope's use cases are the way in: the status test is written so that no
    planner takes the index over all of them.
    """
    scoped = scope.cohort is not None or scope.programme is not None
    where = [
        scope.where(),
        Milestone.planned_on < today,
        UseCase.stage.in_(MILESTONE_STAGES),
    ]
    open_values = [s.value for s in OPEN_MILESTONE]
    # Counted up to ``WAITING_COUNT_LIMIT``, as the returns due are: the page shows ten.
    total: Any
    if reads_counts(user):
        # The regulator side's visibility is a function of the cohort: counted from the kept
        # ``open_cohort_id`` (``tracker.usecases.open_milestones``), a range of its index per
        # cohort, without reading a use case.
        total = _rows_up_to_limit(
            sa.select(sa.literal(1))
            .select_from(Milestone)
            .where(_open_in_cohorts(user, scope), Milestone.planned_on < today)
        )
    else:
        # Counted from the covering (status, planned_on, use_case_id) index against the ids of
        # the visible use cases in milestone stages (themselves read from a covering index).
        in_scope = sa.select(UseCase.id).where(
            visible_filter(user), scope.where(), UseCase.stage.in_(MILESTONE_STAGES)
        )
        total = _rows_up_to_limit(
            sa.select(Milestone.id).where(
                Milestone.use_case_id.in_(in_scope),
                Milestone.planned_on < today,
                sa.func.lower(Milestone.status).in_(open_values)
                if scoped
                else Milestone.status.in_(OPEN_MILESTONE),
            )
        )
    order = (Milestone.planned_on.asc(), Milestone.id.asc())

    def first(*condition: sa.ColumnElement[bool], visible: sa.ColumnElement[bool]) -> Any:
        return sa.select(
            sa.select(Milestone.id)
            .join(UseCase, UseCase.id == Milestone.use_case_id)
            .where(visible, *where, *condition)
            .order_by(*order)
            .limit(limit)
            .subquery()
        )

    if scoped and reads_counts(user):
        # The scope's overdue milestones from the kept cohort's index (a range per cohort,
        # read from the index alone), the first ``limit`` sorted out of them.
        ids: Any = (
            sa.select(Milestone.id)
            .where(_open_in_cohorts(user, scope), Milestone.planned_on < today)
            .order_by(*order)
            .limit(limit)
        )
    elif scoped:
        ids = first(sa.func.lower(Milestone.status).in_(open_values), visible=visible_filter(user))
    else:
        ids = sa.union_all(
            *[
                first(Milestone.status == status, visible=visible_in_index_order(user))
                for status in OPEN_MILESTONE
            ]
        )
    stmt = (
        sa.select(Milestone, total)
        .where(Milestone.id.in_(ids))
        .options(
            joinedload(Milestone.use_case).options(load_only(*LISTED_COLUMNS), institution_names())
        )
        .order_by(*order)
    )
    items, count = _with_total(stmt, limit)
    return Waiting(
        items,
        min(count, WAITING_COUNT_LIMIT),
        total_is_lower_bound=count > WAITING_COUNT_LIMIT,
    )


def _open_in_cohorts(user: User, scope: Scope) -> sa.ColumnElement[bool]:
    """Open milestones of submitted use cases in milestone stages, in the remit and the scope,
    on the kept ``Milestone.open_cohort_id``."""
    column = Milestone.open_cohort_id
    ids = remit_programme_ids(user)
    # IS NOT NULL always, so that PostgreSQL reads the index's open range rather than the table.
    where: list[sa.ColumnElement[bool]] = [column.is_not(None)]
    if ids is not None:
        where.append(column.in_(sa.select(Cohort.id).where(Cohort.programme_id.in_(ids))))
    if scope.cohort is not None:
        where.append(column == scope.cohort.id)
    elif scope.programme is not None:
        where.append(
            column.in_(sa.select(Cohort.id).where(Cohort.programme_id == scope.programme.id))
        )
    return sa.and_(*where)


def owned_in_stages(user: User, stages: Iterable[Stage], limit: int = 10) -> Waiting[UseCase]:
    """An institution user's own (lead) use cases in the given stages."""
    stmt = (
        sa.select(UseCase, sa.func.count().over())
        .where(
            visible_filter(user),
            UseCase.institution_id == user.institution_id,
            UseCase.stage.in_(list(stages)),
        )
        .options(joinedload(UseCase.cohort).joinedload(Cohort.programme))
        .order_by(UseCase.stage_changed_at.asc(), UseCase.id)
    )
    items, total = _with_total(stmt, limit)
    return Waiting(items, total)


def recent_use_cases(user: User, limit: int = 10) -> Waiting[UseCase]:
    stmt = (
        sa.select(UseCase, sa.func.count().over())
        .where(visible_filter(user))
        .options(
            joinedload(UseCase.institution),
            joinedload(UseCase.category),
            joinedload(UseCase.cohort).joinedload(Cohort.programme),
        )
        .order_by(UseCase.updated_at.desc(), UseCase.id.desc())
    )
    items, total = _with_total(stmt, limit)
    return Waiting(items, total)


def recent_activity(user: User, scope: Scope, limit: int = 10) -> list[StageTransition]:
    """The latest changes of stage the user may see."""
    # Unscoped, the newest rows of the (at, id) index are read until ``limit`` are visible;
    # scoped to a cohort or programme, that scope's use cases are few enough to start from.
    visible = visible_in_index_order(user) if scope.cohort is None else visible_filter(user)
    stmt = (
        sa.select(StageTransition)
        .join(UseCase, UseCase.id == StageTransition.use_case_id)
        .where(visible, scope.where())
        .options(
            contains_eager(StageTransition.use_case).options(
                load_only(*LISTED_COLUMNS), institution_names()
            ),
            joinedload(StageTransition.actor),
        )
        .order_by(StageTransition.at.desc(), StageTransition.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


# --- pipeline board ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Named:
    """An institution's or a category's names, as a card shows them (``local_name`` reads
    ``name`` and ``name_zh``)."""

    name: str
    name_zh: str | None


@dataclass(frozen=True, slots=True)
class Card:
    """What a board card shows of a use case, read as plain columns: a board is 300 cards, and
    loading each as a mapped object with its institution and category took as long as the
    query (17 ms of 33 for 400 cards on PostgreSQL at 100k)."""

    id: int
    title: str
    stage: Stage
    stage_changed_at: datetime
    clock_due_on: date | None
    institution: Named
    category: Named


@dataclass
class Board:
    columns: list[tuple[Stage, list[Card], int]]

    @property
    def total(self) -> int:
        return sum(n for _s, _cards, n in self.columns)


def board(
    user: User,
    filters: Sequence[sa.ColumnElement[bool]],
    per_column: int,
    order: Sequence[Any] | None = None,
    count_filters: Sequence[sa.ColumnElement[bool]] | None = None,
) -> Board:
    """A column per stage, longest-waiting cards first (or in ``order``), at most
    ``per_column`` cards each. ``count_filters``, when given, are ``filters`` written on the
    kept counts (``UseCaseCount``), which then give the columns' totals."""
    order = order or (UseCase.stage_changed_at.asc(), UseCase.id.asc())
    where = [visible_filter(user), *filters]
    if count_filters is not None and reads_counts(user):
        totals_stmt = _counted(UseCaseCount.stage).where(figures.visible(user), *count_filters)
    else:
        totals_stmt = (
            sa.select(UseCase.stage, sa.func.count(UseCase.id))
            .where(*where)
            .group_by(UseCase.stage)
        )
    totals = {stage: int(n) for stage, n in db.session.execute(totals_stmt)}
    # Each column's first cards come from the (stage, stage_changed_at, id) index, read in order
    # and stopped after ``per_column``: one UNION ALL of a limited select per non-empty stage.
    stages = [stage for stage in Stage if totals.get(stage)]
    cards: dict[Stage, list[Card]] = {stage: [] for stage in Stage}
    if stages:
        first = _first_per_stage(
            stages, [visible_in_index_order(user), *filters], order, per_column
        )
        stmt = (
            sa.select(
                UseCase.id,
                UseCase.title,
                UseCase.stage,
                UseCase.stage_changed_at,
                UseCase.clock_due_on,
                Institution.id,
                Institution.name,
                Institution.name_zh,
                Category.id,
                Category.name,
                Category.name_zh,
            )
            .join(Institution, Institution.id == UseCase.institution_id)
            .join(Category, Category.id == UseCase.category_id)
            .where(UseCase.id.in_(first))
            .order_by(*order)
        )
        # One ``Named`` per institution and category, shared by their cards.
        names: dict[tuple[type, int], Named] = {}
        for row in db.session.execute(stmt):
            institution = names.setdefault((Institution, row[5]), Named(row[6], row[7]))
            category = names.setdefault((Category, row[8]), Named(row[9], row[10]))
            card = Card(row[0], row[1], row[2], row[3], row[4], institution, category)
            cards[card.stage].append(card)
    # Drafts are the institution's own: the regulator side has no draft column.
    stages = [s for s in Stage if s is not Stage.DRAFT or user.is_institution_user]
    return Board([(stage, cards[stage], totals.get(stage, 0)) for stage in stages])


# --- cohort and institution lists ---------------------------------------------------------------

COHORT_SORTS: dict[str, Any] = {
    "name": sa.func.lower(Cohort.name),
    "programme": sa.func.lower(Programme.name),
    "opens": Cohort.applications_open_on,
    "status": Cohort.status,
}
# Each sort's key, ending in the id: the order of the list and its seek cursor, read from an
# index of the same columns (within a kind, by name).
INSTITUTION_SORTS: dict[str, tuple[Any, ...]] = {
    "name": (sa.func.lower(Institution.name), Institution.id),
    "kind": (Institution.kind, sa.func.lower(Institution.name), Institution.id),
}


def _ordered(column: Any, direction: str) -> Any:
    return column.desc() if direction == "desc" else column.asc()


def cohort_select(
    user: User,
    *,
    q: str = "",
    programme_id: int | None = None,
    status: Any = None,
    sort: str = "opens",
    direction: str = "desc",
) -> sa.Select[Cohort]:
    """Cohorts in the user's remit, filtered and sorted, with their programme joined."""
    stmt = (
        sa.select(Cohort)
        .join(Programme, Programme.id == Cohort.programme_id)
        .where(programme_filter(user))
        .options(contains_eager(Cohort.programme))
    )
    if not (has(user, Permission.VIEW_ALL) or has(user, Permission.VIEW_REMIT)):
        stmt = stmt.where(sa.false())
    if q:
        stmt = stmt.where(
            sa.or_(
                Cohort.name.icontains(q, autoescape=True),
                Programme.name.icontains(q, autoescape=True),
                Programme.name_zh.icontains(q, autoescape=True),
            )
        )
    if programme_id is not None:
        stmt = stmt.where(Cohort.programme_id == programme_id)
    if status is not None:
        stmt = stmt.where(Cohort.status == status)
    return stmt.order_by(_ordered(COHORT_SORTS[sort], direction), Cohort.id)


def institution_select(
    user: User, *, q: str = "", kind: Any = None, sort: str = "name", direction: str = "asc"
) -> sa.Select[Institution]:
    """Institutions the user may look at, filtered by kind and searched by English or Chinese
    name, in the sort's order."""
    stmt = (
        sa.select(Institution)
        .where(visible_institutions_filter(user))
        .options(joinedload(Institution.regulator))
    )
    if q:
        stmt = stmt.where(
            sa.or_(
                Institution.name.icontains(q, autoescape=True),
                Institution.name_zh.icontains(q, autoescape=True),
            )
        )
    if kind is not None:
        stmt = stmt.where(Institution.kind == kind)
    return stmt.order_by(*(_ordered(column, direction) for column in INSTITUTION_SORTS[sort]))


# The institution list counts its matches up to this many (as the use-case list does): an exact
# count reads every institution, however few are shown.
INSTITUTION_COUNT_LIMIT = 1000


@dataclass(frozen=True)
class InstitutionPage:
    """One page of the institution list, read with a seek cursor (the rows after or before a
    given institution in the list's order), so a deep page costs what the first one does.
    ``first`` is the position of the page's first row, carried from page to page."""

    items: list[Institution]
    first: int
    total: int
    total_is_lower_bound: bool
    next_after: int | None
    prev_before: int | None
    is_first: bool

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1

    @property
    def total_label(self) -> str:
        if self.total_is_lower_bound:
            return _("more than %(num)s", num=number(INSTITUTION_COUNT_LIMIT))
        return number(self.total)


def institution_page(
    user: User,
    *,
    q: str = "",
    kind: Any = None,
    sort: str = "name",
    direction: str = "asc",
    per_page: int,
    after: int | None = None,
    before: int | None = None,
    start: int = 1,
) -> InstitutionPage:
    """The page of visible institutions after the institution ``after`` (or before ``before``),
    or the first page; ``start`` is the position of the row after ``after`` (or of ``before``).
    A cursor naming an institution the user may not see is ignored (the first page is shown)."""
    stmt = institution_select(user, q=q, kind=kind, sort=sort, direction=direction)
    columns = INSTITUTION_SORTS[sort]
    descending = direction == "desc"
    cursor_id = after if after is not None else before
    boundary = None
    if cursor_id is not None:
        boundary = db.session.execute(
            sa.select(*columns).where(
                Institution.id == cursor_id, visible_institutions_filter(user)
            )
        ).first()
    backwards = boundary is not None and after is None
    if boundary is not None:
        key = sa.tuple_(*columns)
        bound = sa.tuple_(
            *(
                sa.bindparam(None, value, type_=column.type)
                for column, value in zip(columns, boundary, strict=True)
            )
        )
        # Reading backwards runs the order the other way and turns the rows round afterwards.
        stmt = stmt.where(key < bound if descending != backwards else key > bound)
        if backwards:
            reverse = "asc" if descending else "desc"
            stmt = stmt.order_by(None).order_by(*(_ordered(c, reverse) for c in columns))
    rows = list(db.session.scalars(stmt.limit(per_page + 1)).unique())
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()
    has_prev = boundary is not None and (more or not backwards)
    has_next = more if not backwards else True
    if not has_prev:
        first = 1
    elif backwards:
        first = max(start - len(rows), 2)
    else:
        first = max(start, 2)
    matching = (
        institution_select(user, q=q, kind=kind)
        .order_by(None)
        .options()
        .with_only_columns(Institution.id)
        .limit(INSTITUTION_COUNT_LIMIT + 1)
        .subquery()
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(matching)) or 0
    return InstitutionPage(
        items=rows,
        first=first,
        total=min(total, INSTITUTION_COUNT_LIMIT),
        total_is_lower_bound=total > INSTITUTION_COUNT_LIMIT,
        next_after=rows[-1].id if rows and has_next else None,
        prev_before=rows[0].id if rows and has_prev else None,
        is_first=not has_prev,
    )


def institution_is_visible(user: User, institution_id: int) -> bool:
    stmt = sa.select(Institution.id).where(
        Institution.id == institution_id, visible_institutions_filter(user)
    )
    return db.session.scalar(stmt) is not None


@dataclass
class InstitutionFigures:
    """Visible use cases an institution leads (by stage) and partners on."""

    leads: dict[Stage, int] = field(default_factory=dict)
    partners_on: int = 0

    @property
    def lead_total(self) -> int:
        return sum(self.leads.values())


def institution_figures(
    user: User, institution_ids: Iterable[int]
) -> dict[int, InstitutionFigures]:
    """Figures for the institutions named: for the regulator side from the kept counts (one
    GROUP BY of the institutions' rows), for institution users from their use cases (two)."""
    ids = list(institution_ids)
    out = {iid: InstitutionFigures() for iid in ids}
    if not ids:
        return out
    if reads_counts(user):
        counted = (
            sa.select(
                InstitutionCount.institution_id,
                InstitutionCount.lead,
                InstitutionCount.stage,
                sa.func.sum(InstitutionCount.n),
            )
            .where(InstitutionCount.institution_id.in_(ids), institution_counts.in_remit(user))
            .group_by(
                InstitutionCount.institution_id, InstitutionCount.lead, InstitutionCount.stage
            )
        )
        for institution_id, lead, stage, n in db.session.execute(counted):
            if lead:
                out[institution_id].leads[stage] = int(n)
            else:
                out[institution_id].partners_on += int(n)
        return out
    visible = visible_filter(user)
    lead_stmt = (
        sa.select(UseCase.institution_id, UseCase.stage, sa.func.count(UseCase.id))
        .where(visible, UseCase.institution_id.in_(ids))
        .group_by(UseCase.institution_id, UseCase.stage)
    )
    for institution_id, stage, n in db.session.execute(lead_stmt):
        out[institution_id].leads[stage] = n
    partner_stmt = (
        sa.select(use_case_partner.c.institution_id, sa.func.count(UseCase.id))
        .join(UseCase, UseCase.id == use_case_partner.c.use_case_id)
        .where(visible, use_case_partner.c.institution_id.in_(ids))
        .group_by(use_case_partner.c.institution_id)
    )
    for institution_id, n in db.session.execute(partner_stmt):
        out[institution_id].partners_on = n
    return out


def involving_institution(institution_id: int) -> sa.ColumnElement[bool]:
    """Use cases an institution leads or is a named partner on: the ids of both, from their
    indexes, in one IN (an OR of the two kept PostgreSQL from either index and read every use
    case)."""
    led = sa.orm.aliased(UseCase)
    return UseCase.id.in_(
        sa.union(
            sa.select(led.id).where(led.institution_id == institution_id),
            sa.select(use_case_partner.c.use_case_id).where(
                use_case_partner.c.institution_id == institution_id
            ),
        )
    )
