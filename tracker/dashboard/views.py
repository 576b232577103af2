"""Dashboards by role, the pipeline board, cohort, programme and institution pages, and the JSON
behind the charts. Every page and endpoint is limited to the signed-in user's remit."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, jsonify, render_template, request
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from tracker.auth.permissions import Permission, has
from tracker.clock import local_today, utcnow
from tracker.clocks import queries as clock_queries
from tracker.clocks.queries import ClockFilter
from tracker.enums import LabelledEnum
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.i18n import local_name
from tracker.institutions.models import Institution, InstitutionKind
from tracker.pagecache import cached_page
from tracker.plans import queries as plan_queries
from tracker.programmes.models import Cohort, CohortStatus, Programme
from tracker.programmes.permissions import can_view_cohort, can_view_programme
from tracker.returns import incidents
from tracker.usecases import workspace as queries
from tracker.usecases.figures import UseCaseCount
from tracker.usecases.listing import ListFilters, use_case_select
from tracker.usecases.models import Stage, UseCase
from tracker.usecases.workspace import Scope
from tracker.web import clean_text, page_arg, parse_id

bp = Blueprint("dashboard", __name__)

BOARD_CARDS_PER_COLUMN = 30
# Institution users see the returns falling due within this many days.
RETURN_NOTICE_DAYS = 14
E = TypeVar("E", bound=LabelledEnum)


def _int_arg(name: str) -> int | None:
    return parse_id(request.args.get(name))


def _enum_arg(enum_cls: type[E], name: str) -> E | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return enum_cls(raw)
    except ValueError:
        flash(
            _("The %(name)s filter value was not understood and was ignored.", name=name),
            "warning",
        )
        return None


def _choice_arg(name: str, choices: dict[str, Any], default: str) -> str:
    value = request.args.get(name) or default
    return value if value in choices else default


def _direction(default: str = "asc") -> str:
    value = request.args.get("dir") or default
    return value if value in ("asc", "desc") else default


def _require_regulator_side() -> None:
    """Cohort, programme and institution lists are for the regulator side and admins."""
    if not (has(current_user, Permission.VIEW_ALL) or has(current_user, Permission.VIEW_REMIT)):
        abort(403)


def _scope() -> tuple[list[queries.ProgrammeChoice], Scope]:
    choices = queries.scope_choices(current_user)
    scope = queries.resolve_scope(choices, _int_arg("programme"), _int_arg("cohort"))
    if scope is None:
        abort(404)
    return choices, scope


@bp.get("/dashboard")
@login_required
@cached_page
def index() -> str:
    """The signed-in user's dashboard: what waits on them and where things stand."""
    today = local_today()
    if current_user.is_institution_user:
        return _institution_dashboard(today)
    follows = has(current_user, Permission.ACT_AS_REGULATOR) or has(
        current_user, Permission.VIEW_ALL
    )
    programmes, scope = _scope()
    counts = queries.kept_counts(current_user, scope)
    context: dict[str, Any] = {
        "programmes": programmes,
        "scope": scope,
        "matrix": queries.stage_category_matrix(current_user, scope, counts=counts),
        "funnel": queries.funnel(current_user, scope, counts=counts),
        "activity": queries.recent_activity(current_user, scope),
        "today": today,
        "clock_watch": clock_queries.watch(current_user, scope.where()),
    }
    if follows:
        context.update(
            queue=queries.review_queue(current_user, scope, counts=counts),
            returns=queries.returns_due(current_user, scope, due_before=today),
            milestones=queries.overdue_milestones(current_user, scope, today),
            acknowledgements=incidents.acknowledgements_overdue(current_user, scope, utcnow()),
            kpis_away=plan_queries.kpis_moving_away(current_user, scope.where()),
            breaches=plan_queries.open_breaches(current_user, scope.where()),
        )
    else:
        # A supervisor's dashboard lists the cohorts with report buttons, whose remit checks
        # read the programmes' participants.
        overview = queries.remit_programmes(current_user, with_participants=True)
        cohort_ids = [c.id for p in overview for c in p.cohorts]
        context.update(
            overview=overview,
            cohort_counts=queries.cohort_stage_counts(current_user, cohort_ids),
            Stage=Stage,
        )
    return render_template("dashboard/index.html", **context)


def _institution_dashboard(today: date) -> str:
    own = UseCase.institution_id == current_user.institution_id
    return render_template(
        "dashboard/institution.html",
        today=today,
        counts=queries.stage_counts(current_user),
        stages=list(Stage),
        recent=queries.recent_use_cases(current_user),
        changes=queries.owned_in_stages(current_user, [Stage.CHANGES_REQUESTED]),
        drafts=queries.owned_in_stages(current_user, [Stage.DRAFT]),
        returns=queries.returns_due(
            current_user,
            Scope(),
            due_before=today + timedelta(days=RETURN_NOTICE_DAYS + 1),
            extra=own,
        ),
        notice_days=RETURN_NOTICE_DAYS,
    )


@bp.get("/board")
@login_required
@cached_page
def board() -> str:
    """Pipeline board: a column per stage, filtered by programme, cohort, category, institution."""
    programmes = queries.scope_choices(current_user)
    selected = {
        "programme": _int_arg("programme"),
        "cohort": _int_arg("cohort"),
        "category": _int_arg("category"),
        "institution": _int_arg("institution"),
    }
    conditions: list[sa.ColumnElement[bool]] = []
    # The same filters on the kept counts, which give the columns' totals while no filter
    # names what they do not count (an institution, a clock).
    count_conditions: list[sa.ColumnElement[bool]] = []
    counts_apply = True
    if selected["programme"] is not None:
        in_programme = sa.select(Cohort.id).where(Cohort.programme_id == selected["programme"])
        conditions.append(UseCase.cohort_id.in_(in_programme))
        count_conditions.append(UseCaseCount.cohort_id.in_(in_programme))
    if selected["cohort"] is not None:
        conditions.append(UseCase.cohort_id == selected["cohort"])
        count_conditions.append(UseCaseCount.cohort_id == selected["cohort"])
    if selected["category"] is not None:
        conditions.append(UseCase.category_id == selected["category"])
        count_conditions.append(UseCaseCount.category_id == selected["category"])
    if selected["institution"] is not None:
        conditions.append(UseCase.institution_id == selected["institution"])
        counts_apply = False
    list_args: dict[str, Any] = {k: v for k, v in selected.items() if v is not None}
    clock = _enum_arg(ClockFilter, "clock")
    order = None
    if clock is not None:
        conditions.append(clock_queries.condition(clock))
        counts_apply = False
        list_args["clock"] = clock.value
        # Filtered by clock, each column shows the soonest due first.
        order = (UseCase.clock_due_on.asc(), UseCase.id.asc())
    return render_template(
        "dashboard/board.html",
        clock_filters=list(ClockFilter),
        clock_selected=clock,
        today=local_today(),
        due_soon_until=clock_queries.due_soon_until(),
        board=queries.board(
            current_user,
            conditions,
            BOARD_CARDS_PER_COLUMN,
            order,
            count_conditions if counts_apply else None,
        ),
        per_column=BOARD_CARDS_PER_COLUMN,
        programmes=programmes,
        categories=queries.all_categories(),
        selected_institution=queries.filter_institution(current_user, selected["institution"]),
        selected=selected,
        list_args=list_args,
    )


@bp.get("/cohorts/")
@login_required
@cached_page
def cohorts() -> str:
    """Cohorts in the user's remit, with their use cases by stage."""
    _require_regulator_side()
    q = clean_text(request.args.get("q"))
    programme_id = _int_arg("programme")
    status = _enum_arg(CohortStatus, "status")
    sort = _choice_arg("sort", queries.COHORT_SORTS, "opens")
    direction = _direction("desc" if sort == "opens" else "asc")
    page = db.paginate(
        queries.cohort_select(
            current_user,
            q=q,
            programme_id=programme_id,
            status=status,
            sort=sort,
            direction=direction,
        ),
        page=page_arg(),
        per_page=current_app.config["TRACKER_PAGE_SIZE"],
        error_out=False,
    )
    args: dict[str, Any] = {"q": q, "programme": programme_id, "sort": sort, "dir": direction}
    if status is not None:
        args["status"] = status.value
    return render_template(
        "dashboard/cohorts.html",
        page=page,
        counts=queries.cohort_stage_counts(current_user, [c.id for c in page.items]),
        programmes=queries.scope_choices(current_user),
        statuses=list(CohortStatus),
        Stage=Stage,
        q=q,
        programme_id=programme_id,
        status=status,
        sort=sort,
        direction=direction,
        args={k: v for k, v in args.items() if v not in (None, "")},
    )


@bp.get("/cohorts/<int:id>")
@login_required
@cached_page
def cohort(id: int) -> str:  # noqa: A002  (the route parameter is called id)
    """One cohort: stage by category, funnel, what is overdue and its use cases."""
    _require_regulator_side()
    item = db.get_or_404(Cohort, id)
    if not can_view_cohort(current_user, item):
        abort(404)
    today = local_today()
    scope = Scope(programme=item.programme, cohort=item)
    filters = ListFilters(cohort=item.id, sort="title", direction="asc")
    # The page of use cases is read in title order from the cohort's index; how many there are
    # comes from the kept counts rather than from counting the cohort's use cases.
    page = db.paginate(
        use_case_select(current_user, filters),
        page=page_arg(),
        per_page=current_app.config["TRACKER_PAGE_SIZE"],
        error_out=False,
        count=False,
    )
    counts = queries.kept_counts(current_user, scope)
    page.total = queries.scope_total(current_user, scope, counts)
    return render_template(
        "dashboard/cohort.html",
        cohort=item,
        scope=scope,
        matrix=queries.stage_category_matrix(current_user, scope, counts=counts),
        funnel=queries.funnel(current_user, scope, counts=counts),
        returns=queries.returns_due(current_user, scope, due_before=today),
        milestones=queries.overdue_milestones(current_user, scope, today),
        page=page,
        today=today,
        can_export=has(current_user, Permission.EXPORT_REPORTS),
    )


@bp.get("/programmes/<int:id>")
@login_required
@cached_page
def programme(id: int) -> str:  # noqa: A002
    """One programme: its regulators, its cohorts with counts, stage by category, funnel."""
    _require_regulator_side()
    item = db.get_or_404(Programme, id)
    if not can_view_programme(current_user, item):
        abort(404)
    scope = Scope(programme=item)
    counts = queries.kept_counts(current_user, scope)
    return render_template(
        "dashboard/programme.html",
        programme=item,
        scope=scope,
        matrix=queries.stage_category_matrix(current_user, scope, counts=counts),
        funnel=queries.funnel(current_user, scope, counts=counts),
        counts=queries.cohort_stage_counts(current_user, [c.id for c in item.cohorts]),
        stages=list(Stage),
        can_export=has(current_user, Permission.EXPORT_REPORTS),
    )


@bp.get("/institutions/")
@login_required
@cached_page
def institutions() -> str:
    """Institutions the user may look at, with the use cases they lead or partner on."""
    _require_regulator_side()
    q = clean_text(request.args.get("q"))
    kind = _enum_arg(InstitutionKind, "kind")
    sort = _choice_arg("sort", queries.INSTITUTION_SORTS, "name")
    direction = _direction()
    page = queries.institution_page(
        current_user,
        q=q,
        kind=kind,
        sort=sort,
        direction=direction,
        per_page=current_app.config["TRACKER_PAGE_SIZE"],
        after=_int_arg("after"),
        before=_int_arg("before"),
        start=_int_arg("start") or 1,
    )
    args: dict[str, Any] = {"q": q, "sort": sort, "dir": direction}
    if kind is not None:
        args["kind"] = kind.value
    return render_template(
        "dashboard/institutions.html",
        page=page,
        figures=queries.institution_figures(current_user, [i.id for i in page.items]),
        kinds=list(InstitutionKind),
        Stage=Stage,
        q=q,
        kind=kind,
        sort=sort,
        direction=direction,
        args={k: v for k, v in args.items() if v not in (None, "")},
    )


@bp.get("/institutions/<int:id>")
@login_required
@cached_page
def institution(id: int) -> str:  # noqa: A002
    """One institution and the use cases it leads or partners on, as far as the user may see.
    Institution users may open their own institution's page only."""
    item = db.get_or_404(Institution, id)
    if current_user.is_institution_user:
        if current_user.institution_id != item.id:
            abort(404)
    elif not queries.institution_is_visible(current_user, item.id):
        abort(404)
    page = db.paginate(
        use_case_select(
            current_user,
            ListFilters(sort="title", direction="asc"),
            queries.involving_institution(item.id),
        ),
        page=page_arg(),
        per_page=current_app.config["TRACKER_PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "dashboard/institution_detail.html",
        institution=item,
        figures=queries.institution_figures(current_user, [item.id])[item.id],
        page=page,
        stages=list(Stage),
    )


# --- JSON for the charts ---------------------------------------------------------------------


@bp.get("/api/charts/stage-category")
@login_required
def chart_stage_category() -> Response:
    """Use cases by category (x) and stage (series) in the requested scope."""
    _programmes, scope = _scope()
    matrix = queries.stage_category_matrix(current_user, scope)
    return jsonify(
        scope=scope.label,
        labels=[local_name(c) for c in matrix.categories],
        datasets=[
            {
                "key": stage.value,
                "label": stage.label,
                "data": [matrix.cell(stage, c) for c in matrix.categories],
            }
            for stage in matrix.stages
            if matrix.stage_total(stage)
        ],
    )


@bp.get("/api/charts/funnel")
@login_required
def chart_funnel() -> Response:
    """Proposals → selected → pilot → production in the requested scope."""
    _programmes, scope = _scope()
    steps = queries.funnel(current_user, scope)
    return jsonify(
        scope=scope.label,
        labels=[s.label for s in steps],
        datasets=[{"key": "funnel", "label": _("Use cases"), "data": [s.count for s in steps]}],
    )
