"""Pages of the lessons register: a use case's lessons (record or propose one, record a
proposal) and the search across cohorts for the regulator side."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from tracker.extensions import db
from tracker.formutil import options
from tracker.i18n import gettext as _
from tracker.lessons import forms, permissions, queries, services
from tracker.lessons.models import Lesson, Theme
from tracker.programmes.models import Cohort
from tracker.programmes.permissions import remit_programme_ids
from tracker.returns.dates import period
from tracker.rules import ConflictError, RuleError
from tracker.unit_of_work import unit_of_work
from tracker.usecases import queries as usecase_queries
from tracker.usecases.models import Technique, UseCase
from tracker.usecases.permissions import can_see_internal, is_owner
from tracker.web import clean_text, page_arg, parse_id, rule_errors_onto

bp = Blueprint("lessons", __name__)


def _form(use_case: UseCase, form: forms.LessonForm | None = None) -> forms.LessonForm:
    form = form or forms.LessonForm()
    form.return_id.choices = options(
        [("", _("The pilot and its exit"))]
        + [(str(r.id), period(r.period_start, r.period_end)) for r in reversed(use_case.returns)]
    )
    return form


def _render(
    use_case: UseCase, form: forms.LessonForm | None = None, status: int = 200
) -> tuple[str, int]:
    user = current_user
    # Proposals are between the institution and the regulator: partners see recorded lessons.
    sees_proposed = is_owner(user, use_case) or can_see_internal(user)
    may_add = permissions.can_record(user, use_case) or permissions.can_propose(user, use_case)
    return render_template(
        "lessons/use_case.html",
        use_case=use_case,
        lessons=queries.lessons_for_use_case(use_case.id, include_proposed=sees_proposed),
        form=_form(use_case, form) if may_add else None,
        records=permissions.can_record(user, use_case),
    ), status


@bp.get("/use-cases/<int:id>/lessons")
@login_required
def use_case_lessons(id: int) -> tuple[str, int]:
    """The lessons of one use case, from its returns and its exit."""
    return _render(usecase_queries.get_visible_or_404(id, current_user))


@bp.post("/use-cases/<int:id>/lessons")
@login_required
def add(id: int) -> Response | tuple[str, int]:
    """Regulator staff record a lesson; the institution proposes one."""
    use_case = usecase_queries.get_visible_or_404(id, current_user)
    if not (
        permissions.can_record(current_user, use_case)
        or permissions.can_propose(current_user, use_case)
    ):
        abort(403)
    form = _form(use_case)
    if form.validate_on_submit():
        data = services.LessonData(
            title=form.title.data or "",
            text=form.text.data or "",
            themes=tuple(Theme(t) for t in form.themes.data or ()),
            return_id=parse_id(form.return_id.data),
        )
        try:
            with unit_of_work():
                lesson = services.add_lesson(use_case, current_user, data)
                recorded = lesson.recorded_at is not None
        except RuleError as exc:
            rule_errors_onto(form, exc)
        else:
            flash(
                _("Lesson recorded.") if recorded else _("Lesson proposed to the regulator."),
                "success",
            )
            return redirect(url_for("lessons.use_case_lessons", id=id))
    return _render(use_case, form, status=400)


@bp.post("/use-cases/<int:id>/lessons/<int:lesson_id>/record")
@login_required
def record(id: int, lesson_id: int) -> Response | tuple[str, int]:
    """Regulator staff record a lesson the institution proposed."""
    use_case = usecase_queries.get_visible_or_404(id, current_user)
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.use_case_id != use_case.id:
        abort(404)
    if not permissions.can_record(current_user, use_case):
        abort(403)
    form = forms.RecordForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.record_proposed(lesson, use_case, current_user, form.expected_version())
        except RuleError as exc:
            flash(" ".join(m for ms in exc.errors.values() for m in ms), "danger")
            return _render(use_case, status=400)
        except ConflictError:
            flash(
                _(
                    "The lesson changed since you read it: nothing was recorded. "
                    "Read it again below."
                ),
                "danger",
            )
            return _render(usecase_queries.get_visible_or_404(id, current_user), status=409)
        flash(_("Lesson recorded."), "success")
        return redirect(url_for("lessons.use_case_lessons", id=id))
    return _render(use_case, status=400)


def _enum(enum_cls: Any, name: str) -> Any:
    raw = request.args.get(name) or ""
    try:
        return enum_cls(raw) if raw else None
    except ValueError:
        return None


@bp.get("/lessons/")
@login_required
def search() -> str:
    """Lessons across cohorts, for the regulator side: by text, theme, category, technique and
    cohort."""
    if not permissions.can_search(current_user):
        abort(403)
    filters = queries.LessonFilters(
        q=clean_text(request.args.get("q")),
        theme=_enum(Theme, "theme"),
        category_id=parse_id(request.args.get("category")),
        technique=_enum(Technique, "technique"),
        cohort_id=parse_id(request.args.get("cohort")),
        include_proposed=request.args.get("proposed") == "1",
    )
    page = db.paginate(
        queries.search_select(current_user, filters),
        page=page_arg(),
        per_page=current_app.config["TRACKER_PAGE_SIZE"],
        error_out=False,
    )
    args = {
        "q": filters.q,
        "theme": filters.theme.value if filters.theme else None,
        "category": filters.category_id,
        "technique": filters.technique.value if filters.technique else None,
        "cohort": filters.cohort_id,
        "proposed": "1" if filters.include_proposed else None,
    }
    in_remit = remit_programme_ids(current_user)
    cohorts = db.session.scalars(
        db.select(Cohort)
        .where(db.true() if in_remit is None else Cohort.programme_id.in_(in_remit))
        .options(joinedload(Cohort.programme))
        .order_by(Cohort.programme_id, Cohort.id)
    )
    return render_template(
        "lessons/search.html",
        page=page,
        lessons=[queries.view(lesson) for lesson in page.items],
        filters=filters,
        themes=list(Theme),
        techniques=list(Technique),
        categories=queries.categories(),
        cohorts=list(cohorts),
        args={k: v for k, v in args.items() if v not in (None, "")},
    )
