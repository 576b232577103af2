"""The use-case list: server-side filters, search, sorting, pagination and CSV export."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any, cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload
from werkzeug.wrappers import Response

from tracker.auth.models import User
from tracker.auth.permissions import Permission, has
from tracker.clock import days_since, local_today
from tracker.clocks import queries as clock_queries
from tracker.clocks.queries import ClockFilter
from tracker.extensions import db
from tracker.i18n import N_, number
from tracker.i18n import gettext as _
from tracker.institutions.models import Category, Institution
from tracker.pagecache import cached_page
from tracker.programmes.models import Cohort, Programme
from tracker.rules import ConflictError, NotAllowedError, RuleError
from tracker.text import plural
from tracker.unit_of_work import unit_of_work
from tracker.usecases import saved_filters, services, text_index
from tracker.usecases import workspace as queries
from tracker.usecases.blueprint import bp
from tracker.usecases.models import Review, Stage, UseCase, use_case_partner
from tracker.usecases.permissions import can_view, visible_filter
from tracker.usecases.workflow import TRANSITIONS, Needs, Side
from tracker.web import clean_text, parse_id

REFERENCE_RE = re.compile(r"^\s*UC-?0*(\d{1,9})\s*$", re.IGNORECASE)
# A spreadsheet treats a cell beginning with one of these as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A spreadsheet told to split on any of these starts a new cell after it.
CELL_SEPARATORS = frozenset(",;\t|\r\n")

_STAGE_ORDER = sa.case(*[(UseCase.stage == s, i) for i, s in enumerate(Stage)], else_=len(Stage))

# key -> (column heading, expression, whether "ascending" sorts the expression descending); the
# headings are msgids, translated where they are shown.
SORTS: dict[str, tuple[str, Any, bool]] = {
    "title": (N_("Title"), sa.func.lower(UseCase.title), False),
    "institution": (N_("Institution"), sa.func.lower(Institution.name), False),
    "category": (N_("Category"), sa.func.lower(Category.name), False),
    "cohort": (N_("Cohort"), sa.func.lower(Cohort.name), False),
    "stage": (N_("Stage"), _STAGE_ORDER, False),
    # Ascending "days in stage" means the most recent change first.
    "in_stage": (N_("Days in stage"), UseCase.stage_changed_at, True),
    "updated": (N_("Last updated"), UseCase.updated_at, False),
    # Only use cases whose clock runs have a due date: this sort lists those (see from_args).
    "due": (N_("Clock due"), UseCase.clock_due_on, False),
}
DEFAULT_SORT = ("updated", "desc")


@dataclass(frozen=True)
class ListFilters:
    """What the list's GET form asks for; every field is optional."""

    q: str = ""
    programme: int | None = None
    cohort: int | None = None
    stage: Stage | None = None
    category: int | None = None
    institution: int | None = None
    clock: ClockFilter | None = None
    sort: str = DEFAULT_SORT[0]
    direction: str = DEFAULT_SORT[1]

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> tuple[ListFilters, list[str]]:
        """Parse query-string arguments; returns the filters and the names of ignored values."""
        ignored: list[str] = []

        def number(name: str) -> int | None:
            raw = (args.get(name) or "").strip()
            if not raw:
                return None
            value = parse_id(raw)
            if value is None:
                ignored.append(name)
            return value

        stage: Stage | None = None
        raw_stage = (args.get("stage") or "").strip()
        if raw_stage:
            try:
                stage = Stage(raw_stage)
            except ValueError:
                ignored.append("stage")
        clock: ClockFilter | None = None
        raw_clock = (args.get("clock") or "").strip()
        if raw_clock:
            try:
                clock = ClockFilter(raw_clock)
            except ValueError:
                ignored.append("clock")
        sort = args.get("sort") or DEFAULT_SORT[0]
        if sort not in SORTS:
            ignored.append("sort")
            sort = DEFAULT_SORT[0]
        if sort == "due" and clock is None:
            # A due date exists only while a clock runs (a NULL would break the seek cursor).
            clock = ClockFilter.RUNNING
        direction = args.get("dir") or ("desc" if sort == DEFAULT_SORT[0] else "asc")
        if direction not in ("asc", "desc"):
            ignored.append("dir")
            direction = "asc"
        filters = cls(
            q=clean_text(args.get("q")),
            programme=number("programme"),
            cohort=number("cohort"),
            stage=stage,
            category=number("category"),
            institution=number("institution"),
            clock=clock,
            sort=sort,
            direction=direction,
        )
        return filters, ignored

    def args(self) -> dict[str, Any]:
        """The non-empty filters as query-string arguments (for links and pagination)."""
        out: dict[str, Any] = {}
        if self.q:
            out["q"] = self.q
        for name in ("programme", "cohort", "category", "institution"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.stage is not None:
            out["stage"] = self.stage.value
        if self.clock is not None:
            out["clock"] = self.clock.value
        if (self.sort, self.direction) != DEFAULT_SORT:
            out["sort"] = self.sort
            out["dir"] = self.direction
        return out

    @property
    def active(self) -> bool:
        return bool(
            self.q
            or self.stage
            or self.clock
            or any(
                getattr(self, n) is not None
                for n in ("programme", "cohort", "category", "institution")
            )
        )

    def sort_link(self, key: str) -> dict[str, Any]:
        """Arguments for a column heading: sort by ``key``, flipping direction if already so."""
        direction = "desc" if self.sort == key and self.direction == "asc" else "asc"
        args = {k: v for k, v in self.args().items() if k not in ("sort", "dir")}
        return {**args, "sort": key, "dir": direction}

    def aria_sort(self, key: str) -> str | None:
        if self.sort != key:
            return None
        return "ascending" if self.direction == "asc" else "descending"

    @cached_property
    def named(self) -> NamedMatches | None:
        """What the search term names, read once (when first needed) for every query made from
        these filters."""
        return named_matches(self.q) if self.q else None

    def conditions(self, *, indexed: bool = True) -> list[sa.ColumnElement[bool]]:
        """WHERE clauses on the use-case table alone, so a count needs no join. Without
        ``indexed`` the search reads no text index (see ``search_condition``)."""
        where: list[sa.ColumnElement[bool]] = []
        if self.programme is not None:
            where.append(
                UseCase.cohort_id.in_(
                    sa.select(Cohort.id).where(Cohort.programme_id == self.programme)
                )
            )
        if self.cohort is not None:
            where.append(UseCase.cohort_id == self.cohort)
        if self.stage is not None:
            where.append(UseCase.stage == self.stage)
        if self.category is not None:
            where.append(UseCase.category_id == self.category)
        if self.institution is not None:
            where.append(UseCase.institution_id == self.institution)
        if self.clock is not None:
            where.append(clock_queries.condition(self.clock))
        if self.q:
            where.append(search_condition(self.q, indexed=indexed, named=self.named))
        return where


# A name matching more of these than this is searched by a subquery rather than a list of ids.
NAMED_LIST_LIMIT = 200


@dataclass(frozen=True)
class NamedMatches:
    """The institutions, cohorts (by their own or their programme's name) and categories whose
    name, in English or Chinese, contains a search term; None for a kind matching more than
    ``NAMED_LIST_LIMIT``."""

    institutions: tuple[int, ...] | None
    cohorts: tuple[int, ...] | None
    categories: tuple[int, ...] | None


def contains(column: Any, term: str) -> sa.ColumnElement[bool]:
    """``column.icontains(term, autoescape=True)``: on SQLite its LIKE alone, which folds the
    case of ASCII letters as its ``lower()`` does (SQLite's folds ASCII only), without a call
    of ``lower()`` on each row read; elsewhere ``icontains`` itself."""
    if db.engine.dialect.name != "sqlite":
        return cast(sa.ColumnElement[bool], column.icontains(term, autoescape=True))
    escaped = term.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return cast(sa.ColumnElement[bool], column.like(f"%{escaped}%", escape="/"))


def _named(model: Any, term: str) -> sa.ColumnElement[bool]:
    return sa.or_(contains(model.name, term), contains(model.name_zh, term))


def _named_selects(term: str) -> dict[str, sa.Select[Any]]:
    programmes = sa.select(Programme.id).where(_named(Programme, term))
    return {
        "institutions": sa.select(Institution.id).where(_named(Institution, term)),
        "cohorts": sa.select(Cohort.id).where(
            sa.or_(_named(Cohort, term), Cohort.programme_id.in_(programmes))
        ),
        "categories": sa.select(Category.id).where(_named(Category, term)),
    }


def named_matches(term: str) -> NamedMatches:
    """What ``term`` names, read in one statement: these tables are small, and the ids known
    beforehand let the database plan the search of the use cases from what matches (none of
    them, often) instead of guessing."""
    selects = _named_selects(term)
    kinds = list(selects)
    limited = [
        select.add_columns(sa.literal(i).label("kind")).limit(NAMED_LIST_LIMIT + 1).subquery()
        for i, select in enumerate(selects.values())
    ]
    rows = db.session.execute(sa.union_all(*(sa.select(*sub.c) for sub in limited))).all()
    found: dict[str, list[int]] = {kind: [] for kind in kinds}
    for id_, kind in rows:
        found[kinds[kind]].append(id_)
    lists = {
        kind: tuple(sorted(ids)) if len(ids) <= NAMED_LIST_LIMIT else None
        for kind, ids in found.items()
    }
    return NamedMatches(**lists)


def search_condition(
    term: str, *, indexed: bool = True, named: NamedMatches | None = None
) -> sa.ColumnElement[bool]:
    """Case-insensitive match on title, lead institution or partner name, programme, cohort or
    category name (each in English or Chinese), or the reference UC-00042. LIKE wildcards typed
    by the user are matched literally.

    ``named`` (from ``named_matches``) gives what the term names as lists of ids; without it
    they are subqueries. With ``indexed`` (and on SQLite) the titles' FTS5 index finds the
    candidates, which lets the database start from the matches: best when they are few. Without
    it the same matches come from testing each row read, best for a page read in the sort's
    index order when they are many (it stops after a page). PostgreSQL's ILIKE reads its trigram
    index as its planner sees fit."""
    selects = _named_selects(term)

    def ids(kind: str) -> Any:
        listed = getattr(named, kind) if named is not None else None
        return selects[kind] if listed is None else listed

    title = contains(UseCase.title, term)
    # On SQLite the titles' FTS5 index finds the candidates and the same test checks each.
    candidates = text_index.title_candidates(db.engine.dialect.name, UseCase.id, term)
    if indexed and candidates is not None:
        title = sa.and_(candidates, title)
    # Institutions, programmes, cohorts and categories are few: those named are found first,
    # then their use cases by index; a kind that names nothing is left out.
    institutions, cohorts, categories = ids("institutions"), ids("cohorts"), ids("categories")
    options: list[sa.ColumnElement[bool]] = [title]
    if not isinstance(institutions, tuple) or institutions:
        options.append(UseCase.institution_id.in_(institutions))
        options.append(
            UseCase.id.in_(
                sa.select(use_case_partner.c.use_case_id).where(
                    use_case_partner.c.institution_id.in_(institutions)
                )
            )
        )
    if not isinstance(cohorts, tuple) or cohorts:
        options.append(UseCase.cohort_id.in_(cohorts))
    if not isinstance(categories, tuple) or categories:
        options.append(UseCase.category_id.in_(categories))
    reference = REFERENCE_RE.match(term)
    if reference:
        options.append(UseCase.id == int(reference.group(1)))
    return sa.or_(*options)


def sort_order(filters: ListFilters) -> tuple[Any, bool]:
    """The sort expression and whether it runs descending; the id breaks ties the same way."""
    _heading, expression, inverted = SORTS[filters.sort]
    return expression, (filters.direction == "desc") != inverted


def _ordered(descending: bool) -> list[Any]:
    return [UseCase.id.desc()] if descending else [UseCase.id.asc()]


def _joined(stmt: sa.Select[Any]) -> sa.Select[Any]:
    """The lead institution, category and cohort a list row shows and the sorts read."""
    return (
        stmt.join(Institution, Institution.id == UseCase.institution_id)
        .join(Category, Category.id == UseCase.category_id)
        .join(Cohort, Cohort.id == UseCase.cohort_id)
    )


def _table(model: Any) -> sa.Table:
    table: sa.Table = model.__table__
    return table


def use_case_select(
    user: User, filters: ListFilters, *extra: sa.ColumnElement[bool], indexed: bool = False
) -> sa.Select[UseCase]:
    """Visible use cases matching ``filters`` (and ``extra`` conditions), sorted, with what a list
    shows eager-loaded. ``indexed``: whether the search reads the text index (see
    ``search_condition``); a caller that knows the matches are few asks for it (the list, from
    its count), others read the sort's index and stop after a page, as a search by the API
    does."""
    expression, descending = sort_order(filters)
    # Narrowed to a cohort or an institution, the rows are few enough to sort; otherwise they are
    # read in the sort's index order and the read stops after a page.
    narrow = filters.cohort is not None or filters.institution is not None or extra
    visible = visible_filter(user) if narrow else queries.visible_in_index_order(user)
    return (
        _joined(sa.select(UseCase))
        .where(visible, *filters.conditions(indexed=indexed), *extra)
        .options(
            contains_eager(UseCase.institution),
            contains_eager(UseCase.category),
            contains_eager(UseCase.cohort).joinedload(Cohort.programme),
            selectinload(UseCase.partners),
        )
        .order_by(expression.desc() if descending else expression.asc(), *_ordered(descending))
    )


# A list counts its matches up to this many: an exact count of tens of thousands of rows costs
# as much as the page itself, and nobody pages that far without a filter.
COUNT_LIMIT = 1000
# A search counts up to this many. Its matches come from the text index as candidates, each
# read from the table to test it and its visibility, so the count costs in step with the
# matches it reads: a term in one title in ten read 2,400 rows at 100,000 use cases to count
# to 1,000, where it read all of its 800 at 10,000. A search with more matches than this is
# told to narrow its term.
SEARCH_COUNT_LIMIT = 500


def count_limit(filters: ListFilters) -> int:
    """Up to how many matches the list counts (``COUNT_LIMIT``, a search ``SEARCH_COUNT_LIMIT``)."""
    return SEARCH_COUNT_LIMIT if filters.q else COUNT_LIMIT


@dataclass(frozen=True)
class KeysetPage:
    """One page of a list read with a seek ("keyset") cursor: the rows after (or before) a
    given row in the list's order, so a deep page costs what the first one does."""

    items: list[UseCase]
    total: int
    total_is_lower_bound: bool
    next_after: int | None
    prev_before: int | None
    is_first: bool

    @property
    def total_label(self) -> str:
        if self.total_is_lower_bound:
            return _("more than %(num)s", num=number(self.total))
        return number(self.total)


def count_matching(user: User, filters: ListFilters) -> tuple[int, bool]:
    """How many visible use cases match, counted up to ``count_limit(filters)``; and whether
    there are more."""
    limit = count_limit(filters)
    visible = visible_filter(user)
    if filters.q and text_index.sqlite_finds(db.engine.dialect.name, filters.q):
        # The search's indexes (titles, institutions, cohorts, categories) find the matches and
        # the count stops at the limit; SQLite would otherwise read the remit's cohorts' rows
        # and test each for the search until it had counted enough.
        visible = queries.visible_in_index_order(user)
    matching = (
        sa.select(UseCase.id).where(visible, *filters.conditions()).limit(limit + 1).subquery()
    )
    n = db.session.scalar(sa.select(sa.func.count()).select_from(matching)) or 0
    return min(n, limit), n > limit


def keyset_page(
    user: User,
    filters: ListFilters,
    per_page: int,
    after: int | None = None,
    before: int | None = None,
) -> KeysetPage:
    """The page after the use case ``after`` (or before ``before``), or the first page. A cursor
    naming a use case the user may not see is ignored (the first page is shown)."""
    expression, descending = sort_order(filters)
    total, lower_bound = count_matching(user, filters)
    # Beyond the count's limit the matches are many: the page is read in the sort's index order,
    # testing each row, and the read stops after a page. Up to it the text index finds them and
    # the few are sorted.
    stmt = use_case_select(user, filters, indexed=not lower_bound).options(
        *queries.without_long_texts()
    )
    cursor_id = after if after is not None else before
    boundary = None
    if cursor_id is not None:
        boundary = db.session.execute(
            _joined(sa.select(expression, UseCase.id)).where(
                UseCase.id == cursor_id, visible_filter(user)
            )
        ).first()
    backwards = boundary is not None and after is None
    if boundary is not None:
        key = sa.tuple_(expression, UseCase.id)
        bound = sa.tuple_(
            sa.bindparam(None, boundary[0], type_=expression.type),
            sa.bindparam(None, boundary[1], type_=sa.Integer()),
        )
        # Reading backwards runs the order the other way and turns the rows round afterwards.
        stmt = stmt.where(key < bound if descending != backwards else key > bound)
        if backwards:
            reverse = not descending
            stmt = stmt.order_by(None).order_by(
                expression.desc() if reverse else expression.asc(), *_ordered(reverse)
            )
    rows = list(db.session.scalars(stmt.limit(per_page + 1)).unique())
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()
    has_prev = boundary is not None and (more or not backwards)
    has_next = more if not backwards else True
    return KeysetPage(
        items=rows,
        total=total,
        total_is_lower_bound=lower_bound,
        next_after=rows[-1].id if rows and has_next else None,
        prev_before=rows[0].id if rows and has_prev else None,
        is_first=not has_prev,
    )


def neutralise(value: Any) -> str:
    """A CSV cell that no spreadsheet will run as a formula, however it splits the line.

    A quote goes before a formula character wherever a cell could begin: at the start, after
    any common separator (a spreadsheet importing with ``;`` or tab sees ``;=cmd|…`` as two
    cells) and after the spaces that may follow one. Nothing else changes."""
    text = "" if value is None else str(value)
    out: list[str] = []
    cell_start = True
    for ch in text:
        if cell_start and ch in FORMULA_PREFIXES:
            out.append("'")
        out.append(ch)
        if ch in CELL_SEPARATORS:
            cell_start = True
        elif ch not in " \u00a0":
            cell_start = False
    return "".join(out)


CSV_HEADER = (
    "Reference",
    "Title",
    "Institution",
    "Institution (Chinese)",
    "Technology partners",
    "Programme",
    "Cohort",
    "Category",
    "Stage",
    "In stage since",
    "Days in stage",
    "Submitted",
    "Pilot started",
    "Last updated",
    "Clock due",
)


def _partner_names() -> sa.ScalarSelect[Any]:
    """The use case's technology partners by name, joined with "; ", as one column."""
    partner = aliased(Institution)
    names = sa.select(partner.name.label("name")).join(
        use_case_partner, use_case_partner.c.institution_id == partner.id
    )
    if db.engine.dialect.name == "postgresql":
        return (
            names.with_only_columns(
                sa.func.string_agg(partner.name, aggregate_order_by(sa.literal("; "), partner.name))
            )
            .where(use_case_partner.c.use_case_id == UseCase.id)
            .scalar_subquery()
        )
    # SQLite before 3.44 has no ORDER BY inside an aggregate; it concatenates in the order of an
    # ordered subquery, which is correlated to the outer use case by name (SQLAlchemy does not
    # correlate a subquery in FROM).
    ordered = (
        names.where(use_case_partner.c.use_case_id == sa.literal_column("use_case.id"))
        .order_by(partner.name)
        .subquery()
    )
    return sa.select(sa.func.group_concat(ordered.c.name, "; ")).scalar_subquery()


def export_select(user: User, filters: ListFilters) -> sa.Select[Any]:
    """The columns of the CSV export as one select, in the list's order: no ORM objects."""
    expression, descending = sort_order(filters)
    return (
        _joined(
            sa.select(
                UseCase.id,
                UseCase.title,
                Institution.name,
                Institution.name_zh,
                _partner_names(),
                Programme.name,
                Cohort.name,
                Category.name,
                UseCase.stage,
                UseCase.stage_changed_at,
                UseCase.submitted_at,
                UseCase.pilot_started_on,
                UseCase.updated_at,
                UseCase.clock_due_on,
            )
        )
        .join(Programme, Programme.id == Cohort.programme_id)
        .where(visible_filter(user), *filters.conditions())
        .order_by(expression.desc() if descending else expression.asc(), *_ordered(descending))
    )


def csv_rows(rows: Iterable[Sequence[Any]], zone: ZoneInfo, today: date) -> Iterable[list[str]]:
    """The header, then a list of cells for each row of ``export_select``."""
    utc = ZoneInfo("UTC")

    def local(value: datetime | None) -> str:
        if value is None:
            return ""
        return value.replace(tzinfo=utc).astimezone(zone).strftime("%Y-%m-%d %H:%M")

    yield list(CSV_HEADER)
    for (
        use_case_id,
        title,
        institution,
        institution_zh,
        partners,
        programme,
        cohort,
        category,
        stage,
        stage_changed_at,
        submitted_at,
        pilot_started_on,
        updated_at,
        clock_due_on,
    ) in rows:
        yield [
            neutralise(cell)
            for cell in (
                f"UC-{use_case_id:05d}",
                title,
                institution,
                institution_zh or "",
                partners or "",
                programme,
                cohort,
                category,
                stage.label,
                local(stage_changed_at),
                days_since(stage_changed_at, today, zone),
                local(submitted_at),
                pilot_started_on.isoformat() if pilot_started_on else "",
                local(updated_at),
                clock_due_on.isoformat() if clock_due_on else "",
            )
        ]


# Rows fetched from the cursor, and CSV lines written out, at a time.
EXPORT_CHUNK = 1000


def csv_chunks(
    engine: sa.Engine, stmt: sa.Select[Any], zone: ZoneInfo, today: date
) -> Iterator[bytes]:
    """The export as UTF-8 (with a byte-order mark) in pieces of ``EXPORT_CHUNK`` rows, read
    from a server-side cursor, so memory stays flat whatever the number of rows.

    The generator holds its own connection and needs no Flask context: the request (and its
    session) ends when the view returns, and a download dropped unread opens nothing."""
    with (
        engine.connect() as conn,
        conn.execution_options(stream_results=True, yield_per=EXPORT_CHUNK).execute(stmt) as result,
    ):
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer, lineterminator="\r\n")
        for n, row in enumerate(csv_rows(result, zone, today)):
            writer.writerow(row)
            if n % EXPORT_CHUNK == 0:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode("utf-8")


def _filter_options(user: User, filters: ListFilters) -> dict[str, Any]:
    return {
        "programmes": queries.scope_choices(user),
        "categories": queries.all_categories(),
        "selected_institution": queries.filter_institution(user, filters.institution),
        "stages": list(Stage),
        "clock_filters": list(ClockFilter),
        "today": local_today(),
        "due_soon_until": clock_queries.due_soon_until(),
    }


def _parse() -> ListFilters:
    filters, ignored = ListFilters.from_args(request.args)
    if ignored:
        flash(
            _(
                "Some filter values were not understood and were ignored: %(values)s.",
                values=", ".join(ignored),
            ),
            "warning",
        )
    return filters


@bp.get("/")
@login_required
@cached_page
def index() -> str:
    """Use cases the user may see, filtered, searched, sorted and paged with a seek cursor."""
    filters = _parse()
    page = keyset_page(
        current_user,
        filters,
        per_page=current_app.config["TRACKER_PAGE_SIZE"],
        after=parse_id(request.args.get("after")),
        before=parse_id(request.args.get("before")),
    )
    return render_template(
        "usecases/list.html",
        page=page,
        filters=filters,
        sorts=SORTS,
        saved=saved_filters.owned_by(current_user),
        bulk_transitions=BULK_TRANSITIONS if can_act_in_bulk(current_user) else (),
        **_filter_options(current_user, filters),
    )


@bp.get("/institutions.json")
@login_required
def institution_choices() -> Response:
    """Lead institutions whose name contains ``q``, for the filter's search-as-you-type box;
    only institutions the user may see."""
    q = clean_text(request.args.get("q"), limit=100)
    return jsonify(
        results=[
            {"id": i.id, "name": i.name, "name_zh": i.name_zh or ""}
            for i in queries.institution_choices(current_user, q)
        ]
    )


@bp.post("/saved-filters")
@login_required
def save_filter() -> Response:
    """Save the list's current filters under a name (replacing the user's filter of that name)."""
    filters, _ignored = ListFilters.from_args(request.form)
    try:
        with unit_of_work("saved_filter.save"):
            saved = saved_filters.save(current_user, request.form.get("name", ""), filters.args())
    except RuleError as error:
        flash(str(error), "danger")
        return redirect(url_for("usecases.index", **filters.args()))
    flash(_("Filter “%(name)s” saved.", name=saved.name), "success")
    return redirect(url_for("usecases.index", **filters.args()))


@bp.get("/saved-filters/<int:id>")
@login_required
def open_filter(id: int) -> Response:  # noqa: A002  (the route parameter is called id)
    """The list with a saved filter applied; only its owner may open it."""
    saved = saved_filters.get_owned(current_user, id)
    if saved is None:
        abort(404)
    return redirect(url_for("usecases.index") + ("?" + saved.query if saved.query else ""))


@bp.post("/saved-filters/<int:id>/delete")
@login_required
def delete_filter(id: int) -> Response:  # noqa: A002
    """Forget a saved filter; only its owner may."""
    saved = saved_filters.get_owned(current_user, id)
    if saved is None:
        abort(404)
    with unit_of_work("saved_filter.delete"):
        saved_filters.delete(saved)
    flash(_("Filter “%(name)s” deleted.", name=saved.name), "success")
    return redirect(url_for("usecases.index"))


# Actions regulator staff may take on several proposals at once: those of the regulator side
# that ask for nothing but an optional note (e.g. start review).
BULK_TRANSITIONS = tuple(
    t for t in TRANSITIONS if t.side is Side.REGULATOR and t.needs is Needs.NOTE
)
BULK_LIMIT = 100


def can_act_in_bulk(user: User) -> bool:
    return has(user, Permission.ACT_AS_REGULATOR)


def _selected_items() -> list[tuple[int, int]]:
    """The ticked rows as (use case id, version read), at most ``BULK_LIMIT``."""
    items = []
    for raw in request.form.getlist("items")[:BULK_LIMIT]:
        use_case_id, _, version = raw.partition(":")
        parsed_id, parsed_version = parse_id(use_case_id), parse_id(version)
        if parsed_id is not None and parsed_version is not None:
            items.append((parsed_id, parsed_version))
    return items


def _refusal(use_case: UseCase, error: Exception) -> str:
    """Which use case was refused and why, as the person who ticked it reads it."""
    if isinstance(error, ConflictError):
        why = _("it changed since the list was loaded")
    elif isinstance(error, RuleError):
        why = str(error).rstrip(".")
    else:
        why = _("it is %(stage)s", stage=use_case.stage.label.lower())
    return _("%(reference)s (%(why)s)", reference=use_case.reference, why=why)


@bp.post("/bulk")
@login_required
def bulk_action() -> Response:
    """Apply one lifecycle action to every ticked use case, each through the same command as the
    single action. All or nothing: if any one is refused, none is changed and the page says which
    and why."""
    if not can_act_in_bulk(current_user):
        abort(403)
    transition = next((t for t in BULK_TRANSITIONS if t.name == request.form.get("action")), None)
    if transition is None:
        abort(400)
    filters, _ignored = ListFilters.from_args(request.args)
    back = redirect(url_for("usecases.index", **filters.args()))
    items = _selected_items()
    if not items:
        flash(_("Tick the use cases to act on first."), "warning")
        return back
    versions = dict(items)
    refused: list[str] = []
    try:
        with unit_of_work(f"use_case.bulk_{transition.name}"):
            found = {
                uc.id: uc
                for uc in db.session.scalars(
                    sa.select(UseCase)
                    .where(UseCase.id.in_(versions))
                    .options(
                        joinedload(UseCase.cohort).selectinload(Cohort.criteria),
                        selectinload(UseCase.reviews).selectinload(Review.scores),
                    )
                )
                if can_view(current_user, uc)
            }
            for use_case_id, version in items:
                use_case = found.get(use_case_id)
                if use_case is None:
                    refused.append(_("UC-%(id)05d (not found)", id=use_case_id))
                    continue
                try:
                    services.apply_transition(use_case, transition, current_user, version)
                except (RuleError, NotAllowedError, ConflictError) as error:
                    refused.append(_refusal(use_case, error))
            if refused:
                raise RuleError("; ".join(refused), f"use_case.bulk_{transition.name}")
    except RuleError:
        flash(
            _(
                "Nothing was changed: %(action)s is not possible for %(refused)s. Untick those "
                "and try again.",
                action=transition.label,
                refused="; ".join(refused),
            ),
            "danger",
        )
        return back
    except ConflictError:
        flash(
            _("Nothing was changed: a use case changed while this was applied. Try again."),
            "danger",
        )
        return back
    flash(
        plural(
            len(items),
            "%(action)s: done for %(num)d use case.",
            "%(action)s: done for %(num)d use cases.",
            action=transition.label,
        ),
        "success",
    )
    return back


@bp.get("/export.csv")
@login_required
def export_csv() -> Response:
    """The filtered list as CSV: UTF-8 with a byte-order mark, formulas neutralised, streamed."""
    filters = _parse()
    zone = ZoneInfo(current_app.config["TRACKER_TIMEZONE"])
    stamp = datetime.now(zone).strftime("%Y%m%d-%H%M")
    current_app.logger.info("use-case export user=%s filters=%s", current_user.id, filters.args())
    return Response(
        csv_chunks(db.engine, export_select(current_user, filters), zone, local_today()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="use-cases-{stamp}.csv"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )
