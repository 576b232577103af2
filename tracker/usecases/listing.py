"""The use-case list: server-side filters, search, sorting, pagination and CSV export."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, flash, render_template, request
from flask_login import current_user, login_required
from sqlalchemy.orm import aliased, contains_eager, selectinload
from werkzeug.wrappers import Response

from tracker.auth.models import User
from tracker.clock import days_since, local_today
from tracker.dashboard import queries
from tracker.extensions import db
from tracker.institutions.models import Category, Institution
from tracker.programmes.models import Cohort
from tracker.usecases.blueprint import bp
from tracker.usecases.models import Stage, UseCase, use_case_partner
from tracker.usecases.permissions import can_propose, visible_filter
from tracker.web import clean_text, page_arg, parse_id

REFERENCE_RE = re.compile(r"^\s*UC-?0*(\d{1,9})\s*$", re.IGNORECASE)
# A spreadsheet treats a cell beginning with one of these as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A spreadsheet told to split on any of these starts a new cell after it.
CELL_SEPARATORS = frozenset(",;\t|\r\n")

_STAGE_ORDER = sa.case(*[(UseCase.stage == s, i) for i, s in enumerate(Stage)], else_=len(Stage))

# key -> (column heading, expression sorted ascending)
SORTS: dict[str, tuple[str, Any]] = {
    "title": ("Title", sa.func.lower(UseCase.title)),
    "institution": ("Institution", sa.func.lower(Institution.name)),
    "category": ("Category", sa.func.lower(Category.name)),
    "cohort": ("Cohort", sa.func.lower(Cohort.name)),
    "stage": ("Stage", _STAGE_ORDER),
    # Ascending "days in stage" means the most recent change first.
    "in_stage": ("Days in stage", UseCase.stage_changed_at.desc()),
    "updated": ("Last updated", UseCase.updated_at),
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
        sort = args.get("sort") or DEFAULT_SORT[0]
        if sort not in SORTS:
            ignored.append("sort")
            sort = DEFAULT_SORT[0]
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
        if (self.sort, self.direction) != DEFAULT_SORT:
            out["sort"] = self.sort
            out["dir"] = self.direction
        return out

    @property
    def active(self) -> bool:
        return bool(
            self.q
            or self.stage
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

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = []
        if self.programme is not None:
            where.append(Cohort.programme_id == self.programme)
        if self.cohort is not None:
            where.append(UseCase.cohort_id == self.cohort)
        if self.stage is not None:
            where.append(UseCase.stage == self.stage)
        if self.category is not None:
            where.append(UseCase.category_id == self.category)
        if self.institution is not None:
            where.append(UseCase.institution_id == self.institution)
        if self.q:
            where.append(search_condition(self.q))
        return where


def search_condition(term: str) -> sa.ColumnElement[bool]:
    """Case-insensitive match on title, lead institution or partner name (English or Chinese),
    or the reference UC-00042. LIKE wildcards typed by the user are matched literally."""
    partner = aliased(Institution)
    partner_ids = (
        sa.select(use_case_partner.c.use_case_id)
        .join(partner, partner.id == use_case_partner.c.institution_id)
        .where(
            sa.or_(
                partner.name.icontains(term, autoescape=True),
                partner.name_zh.icontains(term, autoescape=True),
            )
        )
    )
    options: list[sa.ColumnElement[bool]] = [
        UseCase.title.icontains(term, autoescape=True),
        Institution.name.icontains(term, autoescape=True),
        Institution.name_zh.icontains(term, autoescape=True),
        UseCase.id.in_(partner_ids),
    ]
    reference = REFERENCE_RE.match(term)
    if reference:
        options.append(UseCase.id == int(reference.group(1)))
    return sa.or_(*options)


def use_case_select(
    user: User, filters: ListFilters, *extra: sa.ColumnElement[bool]
) -> sa.Select[UseCase]:
    """Visible use cases matching ``filters`` (and ``extra`` conditions), sorted, with what a list
    shows eager-loaded."""
    sort_column = SORTS[filters.sort][1]
    if filters.direction == "desc":
        # A column already sorted descending (days in stage) flips back to ascending.
        sort_column = (
            sort_column.element.asc()
            if isinstance(sort_column, sa.UnaryExpression)
            else sort_column.desc()
        )
    tiebreak = UseCase.id.desc() if filters.direction == "desc" else UseCase.id.asc()
    return (
        sa.select(UseCase)
        .join(Institution, Institution.id == UseCase.institution_id)
        .join(Category, Category.id == UseCase.category_id)
        .join(Cohort, Cohort.id == UseCase.cohort_id)
        .where(visible_filter(user), *filters.conditions(), *extra)
        .options(
            contains_eager(UseCase.institution),
            contains_eager(UseCase.category),
            contains_eager(UseCase.cohort).joinedload(Cohort.programme),
            selectinload(UseCase.partners),
        )
        .order_by(sort_column, tiebreak)
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
)


def csv_rows(use_cases: Iterable[UseCase], zone: ZoneInfo, today: date) -> Iterable[list[str]]:
    def local(value: datetime | None) -> str:
        if value is None:
            return ""
        return value.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).strftime("%Y-%m-%d %H:%M")

    yield list(CSV_HEADER)
    for uc in use_cases:
        yield [
            neutralise(cell)
            for cell in (
                uc.reference,
                uc.title,
                uc.institution.name,
                uc.institution.name_zh or "",
                "; ".join(p.name for p in uc.partners),
                uc.cohort.programme.name,
                uc.cohort.name,
                uc.category.name,
                uc.stage.label,
                local(uc.stage_changed_at),
                days_since(uc.stage_changed_at, today),
                local(uc.submitted_at),
                uc.pilot_started_on.isoformat() if uc.pilot_started_on else "",
                local(uc.updated_at),
            )
        ]


def _filter_options(user: User) -> dict[str, Any]:
    return {
        "programmes": queries.visible_programmes(user),
        "categories": queries.all_categories(),
        "institutions": queries.filter_institutions(user),
        "stages": list(Stage),
    }


def _parse() -> ListFilters:
    filters, ignored = ListFilters.from_args(request.args)
    if ignored:
        flash(
            "Some filter values were not understood and were ignored: " + ", ".join(ignored) + ".",
            "warning",
        )
    return filters


@bp.get("/")
@login_required
def index() -> str:
    """Use cases the user may see, filtered, searched, sorted and paginated on the server."""
    filters = _parse()
    page = db.paginate(
        use_case_select(current_user, filters),
        page=page_arg(),
        per_page=current_app.config["TRACKER_PAGE_SIZE"],
        max_per_page=100,
        error_out=False,
    )
    return render_template(
        "usecases/list.html",
        page=page,
        filters=filters,
        sorts=SORTS,
        can_propose=can_propose(current_user),
        **_filter_options(current_user),
    )


@bp.get("/export.csv")
@login_required
def export_csv() -> Response:
    """The filtered list as CSV: UTF-8 with a byte-order mark, formulas neutralised."""
    filters = _parse()
    use_cases = db.session.scalars(use_case_select(current_user, filters)).unique()
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    zone = ZoneInfo(current_app.config["TRACKER_TIMEZONE"])
    writer.writerows(csv_rows(use_cases, zone, local_today()))
    stamp = datetime.now(zone).strftime("%Y%m%d-%H%M")
    current_app.logger.info("use-case export user=%s filters=%s", current_user.id, filters.args())
    return Response(
        buffer.getvalue().encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="use-cases-{stamp}.csv"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )
