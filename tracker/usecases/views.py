"""Use-case pages: proposals, workflow actions, reviews, milestones, returns, documents and
messages. Every view loads, authorises, then acts."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from tracker.clock import local_today
from tracker.clocks import display as clock_display
from tracker.extensions import db
from tracker.formutil import options
from tracker.i18n import gettext as _
from tracker.i18n import local_name, ngettext
from tracker.institutions.models import Category
from tracker.pagecache import cached_page
from tracker.returns import incidents as incident_register
from tracker.returns import views as returns_views
from tracker.rules import ConflictError, RuleError
from tracker.unit_of_work import unit_of_work
from tracker.usecases import forms, permissions, queries, services, workflow, workspace
from tracker.usecases import listing as _listing  # noqa: F401  (registers the list routes)
from tracker.usecases.blueprint import bp
from tracker.usecases.models import (
    Audience,
    Document,
    Incident,
    Milestone,
    MilestoneStatus,
    ProgressReturn,
    Rag,
    Severity,
    Stage,
    Technique,
    UseCase,
)
from tracker.web import rule_errors_onto

# The review queue shows this many of each of its two lists, oldest (or most overdue) first,
# and reads on from a cursor; the counts say how many there are in all.
QUEUE_LIMIT = 50


# ---------------------------------------------------------------- proposals


def _proposal_choices(form: forms.ProposalForm, use_case: UseCase | None) -> None:
    """Open cohorts (a submitted proposal stays in its cohort), active categories and partners,
    always including what the use case already has so that saving never changes it silently."""
    if use_case is not None and use_case.stage is not Stage.DRAFT:
        cohorts = [use_case.cohort]
    else:
        cohorts = [c for c in queries.open_cohorts() if permissions.can_propose_in(current_user, c)]
        if use_case is not None and use_case.cohort not in cohorts:
            cohorts.insert(0, use_case.cohort)
    form.cohort_id.choices = options(
        (c.id, f"{local_name(c.programme)} — {local_name(c)}") for c in cohorts
    )
    categories = list(
        db.session.scalars(
            db.select(Category).where(Category.active.is_(True)).order_by(Category.name)
        )
    )
    if use_case is not None and use_case.category not in categories:
        categories.insert(0, use_case.category)
    form.category_id.choices = options((c.id, local_name(c)) for c in categories)
    partners = queries.technology_partners()
    if use_case is not None:
        partners += [p for p in use_case.partners if p not in partners]
    form.partner_ids.choices = options((p.id, local_name(p)) for p in partners)


def _proposal_data(form: forms.ProposalForm) -> services.ProposalData:
    return services.ProposalData(
        cohort_id=form.cohort_id.data,
        category_id=form.category_id.data,
        title=(form.title.data or "").strip(),
        summary=form.summary.data or "",
        problem_statement=form.problem_statement.data or "",
        technique=Technique(form.technique.data),
        data_used=form.data_used.data or "",
        personal_data=bool(form.personal_data.data),
        audience=Audience(form.audience.data),
        safeguards=form.safeguards.data or "",
        kpis=form.kpis.data or "",
        gpu_hours=form.gpu_hours.data,
        partner_ids=tuple(form.partner_ids.data or ()),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> str | Response:
    """Draft a new proposal for the user's institution."""
    if not permissions.can_propose(current_user):
        abort(403)
    form = forms.ProposalForm()
    _proposal_choices(form, None)
    if not form.cohort_id.choices:
        return render_template("usecases/no_open_cohort.html")
    if form.validate_on_submit():
        try:
            with unit_of_work():
                use_case = services.create_draft(current_user, _proposal_data(form))
        except RuleError as exc:
            rule_errors_onto(form, exc)
        else:
            flash(_("Draft saved. Submit it when it is ready."), "success")
            return redirect(url_for("usecases.detail", id=use_case.id))
    return render_template("usecases/form.html", form=form, use_case=None)


@bp.route("/<int:id>/edit", methods=["GET", "POST"])
@login_required
def edit(id: int) -> str | Response | tuple[str, int]:
    """Edit a proposal while it is a draft or changes were requested."""
    use_case = queries.get_visible_or_404(id, current_user)
    if request.method == "GET" and not permissions.can_edit(current_user, use_case):
        abort(403)
    form = forms.ProposalForm(obj=use_case if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(use_case.version)
        form.technique.data = use_case.technique.value
        form.audience.data = use_case.audience.value
        form.partner_ids.data = [p.id for p in use_case.partners]
    _proposal_choices(form, use_case)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                changes = services.update_proposal(
                    use_case, current_user, _proposal_data(form), form.expected_version()
                )
        except RuleError as exc:
            rule_errors_onto(form, exc)
        except ConflictError as exc:
            use_case = queries.get_visible_or_404(id, current_user)
            may_edit = permissions.can_edit(current_user, use_case)
            # Saving again applies the user's input over the current version.
            form.version.data = str(use_case.version)
            return render_template(
                "usecases/form.html",
                form=form,
                use_case=use_case,
                conflict=exc,
                conflict_can_retry=may_edit,
                differences=services.differences(use_case, _proposal_data(form)),
            ), 409
        else:
            flash(_changes_recorded(len(changes)) if changes else _("Saved."), "success")
            return redirect(url_for("usecases.detail", id=use_case.id))
    return render_template("usecases/form.html", form=form, use_case=use_case)


def _changes_recorded(count: int) -> str:
    return ngettext(
        "Saved. One change is recorded in the history.",
        "Saved. %(num)d changes are recorded in the history.",
        count,
    )


def _render_detail(
    use_case: UseCase,
    message_form: forms.MessageForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    user = current_user
    may_message = permissions.can_message(user, use_case)
    may_upload = permissions.can_upload(user, use_case)
    see_internal = permissions.can_see_internal(user)
    docs = queries.documents(use_case)
    visible_messages = queries.messages(use_case, user)
    html = render_template(
        "usecases/detail.html",
        use_case=use_case,
        actions=workflow.allowed_transitions(use_case, user),
        blocked=workflow.blocked_transitions(use_case, user),
        timeline=queries.timeline(use_case, user, docs, visible_messages),
        documents=docs,
        messages=visible_messages,
        can_edit=permissions.can_edit(user, use_case),
        can_review=permissions.can_review(user, use_case),
        can_milestones=permissions.can_manage_milestones(user, use_case),
        can_file_return=permissions.can_file_return(user, use_case, local_today()),
        message_form=(message_form or forms.MessageForm()) if may_message else None,
        document_form=forms.DocumentForm.for_page(use_case.id) if may_upload else None,
        see_internal=see_internal,
        **returns_views.page_context(use_case, user),  # with "today"
        clocks=clock_display.for_page(use_case, user),
        kpi_series=_kpi_series(use_case),
        open_breach=_open_breach(use_case),
    )
    return html, status


def _open_breach(use_case: UseCase) -> bool:
    """A return beyond the plan's boundaries still waits for the regulator's decision."""
    if use_case.pilot_started_on is None:
        return False
    from tracker.plans.queries import has_open_breach

    return has_open_breach(use_case.id)


def _kpi_series(use_case: UseCase) -> list[Any]:
    """Each KPI of the plan in force against its target (``tracker.plans``), once piloted."""
    if use_case.pilot_started_on is None:
        return []
    from tracker.plans.queries import kpi_series

    return kpi_series(use_case.id, use_case.returns)


@bp.get("/<int:id>")
@login_required
def detail(id: int) -> tuple[str, int]:
    """A use case: its proposal, stage, actions, reviews, pilot, returns and timeline."""
    return _render_detail(queries.get_visible_or_404(id, current_user))


# ---------------------------------------------------------------- workflow


def _transition_or_404(name: str) -> workflow.Transition:
    transition = workflow.BY_NAME.get(name)
    if transition is None:
        abort(404)
    return transition


def _transition_fields(
    transition: workflow.Transition, form: forms.VersionedForm
) -> dict[str, Any]:
    return {name: form[name].data for name in transition.fields}


# Actions that end or judge a pilot: their forms list the incidents still open.
JUDGING_A_PILOT = frozenset({"approve_production", "resume", "discontinue"})


def _open_incidents(use_case: UseCase, action: workflow.Transition) -> list[Incident]:
    if action.name not in JUDGING_A_PILOT:
        return []
    return incident_register.open_incidents(use_case)


def _plan_to_start_on(use_case: UseCase, action: workflow.Transition) -> Any:
    if action.needs is not workflow.Needs.PILOT_TERMS:
        return None
    from tracker.plans.queries import version_in_force

    return version_in_force(use_case.id)


@bp.route("/<int:id>/actions/<name>", methods=["GET", "POST"])
@login_required
def transition(id: int, name: str) -> str | Response | tuple[str, int]:
    """Apply a workflow action. The workflow table, through the command, decides whether it is
    allowed; a form opened before someone else moved the use case answers 409, input kept."""
    use_case = queries.get_visible_or_404(id, current_user)
    action = _transition_or_404(name)
    if request.method == "GET" and not workflow.is_allowed(action, use_case, current_user):
        abort(403)
    form = forms.FORMS_BY_NEED[action.needs]()
    status = 200
    context: dict[str, Any] = {}
    if request.method == "GET":
        form.version.data = str(use_case.version)
    elif form.validate_on_submit():
        try:
            with unit_of_work():
                services.apply_transition(
                    use_case,
                    action,
                    current_user,
                    form.expected_version(),
                    fields=_transition_fields(action, form),
                    reason=form.reason.data,
                )
        except RuleError as exc:
            rule_errors_onto(form, exc)
        except ConflictError as exc:
            use_case = queries.get_visible_or_404(id, current_user)
            still = workflow.is_allowed(action, use_case, current_user)
            form.version.data = str(use_case.version)
            status = 409
            context = {"conflict": exc, "conflict_can_retry": still}
        else:
            flash(action.done, "success")
            return redirect(url_for("usecases.detail", id=use_case.id))
    return render_template(
        "usecases/transition.html",
        form=form,
        use_case=use_case,
        action=action,
        open_incidents=_open_incidents(use_case, action),
        plan=_plan_to_start_on(use_case, action),
        **context,
    ), status


@bp.route("/<int:id>/review", methods=["GET", "POST"])
@login_required
def review(id: int) -> str | Response | tuple[str, int]:
    """Score a proposal against the cohort's selection criteria (one review per reviewer)."""
    use_case = queries.get_visible_or_404(id, current_user)
    if request.method == "GET" and use_case.cohort.committee is not None:
        # On a committee's cohort an assigned member scores on the committee's page, beside
        # the rubric and after declaring their interests.
        from tracker.committee.rules import assignment_of

        assigned = assignment_of(current_user, use_case)
        if assigned is not None:
            return redirect(url_for("committee.score", id=assigned.id))
    if request.method == "GET" and not permissions.can_review(current_user, use_case):
        abort(403)
    criteria = use_case.cohort.criteria
    form_class = forms.review_form_class([(c.id, c.name) for c in criteria])
    mine = next((r for r in use_case.reviews if r.reviewer_id == current_user.id), None)
    form = form_class()
    if request.method == "GET":
        form.version.data = str(use_case.version)
        if mine is not None:
            form.overall_comment.data = mine.overall_comment
            for s in mine.scores:
                form[f"score_{s.criterion_id}"].data = str(s.score)
                form[f"comment_{s.criterion_id}"].data = s.comment
    status = 200
    context: dict[str, Any] = {}
    if form.validate_on_submit():
        scores = {
            c.id: (int(form[f"score_{c.id}"].data), form[f"comment_{c.id}"].data or "")
            for c in criteria
        }
        comment = form.overall_comment.data or ""
        try:
            try:
                with unit_of_work():
                    services.save_review(
                        use_case, current_user, scores, comment, form.carried_version()
                    )
            except IntegrityError:
                # The same reviewer's first review arrived twice at once: save over the other.
                use_case = queries.get_visible_or_404(id, current_user)
                with unit_of_work():
                    services.save_review(use_case, current_user, scores, comment)
        except RuleError as exc:
            rule_errors_onto(form, exc)
        except ConflictError as exc:
            use_case = queries.get_visible_or_404(id, current_user)
            form.version.data = str(use_case.version)
            status = 409
            context = {
                "conflict": exc,
                "conflict_can_retry": permissions.can_review(current_user, use_case),
            }
        else:
            flash(_("Your scores have been saved."), "success")
            return redirect(url_for("usecases.detail", id=use_case.id) + "#reviews")
    return render_template(
        "usecases/review.html",
        form=form,
        use_case=use_case,
        criteria=criteria,
        mine=mine,
        **context,
    ), status


@bp.get("/queue")
@login_required
@cached_page
def queue() -> str:
    """What waits on the regulator: proposals to review and overdue progress returns."""
    if not current_user.is_authenticated or current_user.is_institution_user:
        abort(403)
    today = local_today()
    everything = workspace.Scope()
    proposals_after = workspace.Cursor.parse(request.args.get("proposals_after"), datetime)
    overdue_after = workspace.Cursor.parse(request.args.get("overdue_after"), date)
    return render_template(
        "usecases/queue.html",
        proposals=workspace.review_queue(
            current_user, everything, limit=QUEUE_LIMIT, detailed=True, after=proposals_after
        ),
        overdue=workspace.returns_due(
            current_user, everything, today, limit=QUEUE_LIMIT, after=overdue_after
        ),
        proposals_after=proposals_after,
        overdue_after=overdue_after,
        today=today,
    )


# ---------------------------------------------------------------- milestones


@bp.route("/<int:id>/milestones/new", methods=["GET", "POST"])
@bp.route("/<int:id>/milestones/<int:milestone_id>", methods=["GET", "POST"])
@login_required
def milestone(id: int, milestone_id: int | None = None) -> str | Response | tuple[str, int]:
    """Add or update a milestone of a selected or piloting use case."""
    use_case = queries.get_visible_or_404(id, current_user)
    existing = None
    if milestone_id is not None:
        existing = db.session.get(Milestone, milestone_id)
        if existing is None or existing.use_case_id != use_case.id:
            abort(404)
    if request.method == "GET" and not permissions.can_manage_milestones(current_user, use_case):
        abort(403)
    form = forms.MilestoneForm(obj=existing if request.method == "GET" else None)
    if request.method == "GET":
        form.use_case_version.data = str(use_case.version)
        if existing is not None:
            form.status.data = existing.status.value
            form.version.data = str(existing.version)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.save_milestone(
                    use_case,
                    existing,
                    user=current_user,
                    title=form.title.data or "",
                    planned_on=form.planned_on.data,
                    actual_on=form.actual_on.data,
                    status=MilestoneStatus(form.status.data),
                    expected_version=form.expected_version(),
                    expected_use_case_version=form.carried_use_case_version(),
                )
        except RuleError as exc:
            rule_errors_onto(form, exc)
        except ConflictError as exc:
            if milestone_id is None or exc.last_change is not None:
                # The use case itself moved on since the form was opened.
                use_case = queries.get_visible_or_404(id, current_user)
                form.use_case_version.data = str(use_case.version)
                return render_template(
                    "usecases/milestone.html",
                    form=form,
                    use_case=use_case,
                    milestone=existing,
                    conflict=exc,
                    conflict_can_retry=permissions.can_manage_milestones(current_user, use_case),
                ), 409
            current = db.session.get(Milestone, milestone_id)
            if current is None:
                abort(404)
            # The form now carries the current version: saving again replaces what is shown.
            form.version.data = str(current.version)
            flash(
                _(
                    "Someone updated this milestone since you opened it. Nothing was saved; your "
                    "input is still in the form and the current values are shown above it. "
                    "Save again to replace them with yours."
                ),
                "danger",
            )
            return render_template(
                "usecases/milestone.html", form=form, use_case=use_case, milestone=current
            ), 409
        else:
            flash(_("Milestone saved."), "success")
            return redirect(url_for("usecases.detail", id=use_case.id) + "#milestones")
    return render_template(
        "usecases/milestone.html", form=form, use_case=use_case, milestone=existing
    )


# ---------------------------------------------------------------- progress returns


def _kpi_label(kpi: Any) -> str:
    """A plan KPI as its number field is labelled: name, unit and target."""
    from tracker.plans.queries import number

    unit = f" ({kpi.unit})" if kpi.unit else ""
    if kpi.target is None or kpi.direction is None:
        return f"{kpi.name}{unit}"
    return _(
        "%(kpi)s, target %(target)s, %(direction)s",
        kpi=f"{kpi.name}{unit}",
        target=number(kpi.target),
        direction=kpi.direction.label.lower(),
    )


def _load_return(use_case: UseCase, return_id: int) -> ProgressReturn:
    found = next((r for r in use_case.returns if r.id == return_id), None)
    if found is None:
        abort(404)
    return found


@bp.route("/<int:id>/returns/new", methods=["GET", "POST"])
@login_required
def new_return(id: int) -> str | Response | tuple[str, int]:
    """File a progress return for a pilot, attested by a named senior manager."""
    use_case = queries.get_visible_or_404(id, current_user)
    today = local_today()
    if request.method == "GET" and not permissions.can_file_return(current_user, use_case, today):
        abort(403)
    plan = services.return_plan(use_case)
    plan_kpis = list(plan.kpis) if plan is not None else None
    kpis = [k.name for k in plan_kpis] if plan_kpis is not None else use_case.kpi_list
    labels = [_kpi_label(k) for k in plan_kpis] if plan_kpis is not None else kpis
    form = forms.return_form_class(labels, notes=plan_kpis is not None)()
    if request.method == "GET":
        form.period_start.data = use_case.next_return_start
        form.period_end.data = today
        form.version.data = str(use_case.version)
    status = 200
    context: dict[str, Any] = {}
    if form.validate_on_submit():
        filled = [sub.form for sub in form.incident_forms() if not sub.form.is_blank]
        incidents = tuple(
            services.IncidentData(
                description=sub.description.data or "",
                severity=Severity(sub.severity.data) if sub.severity.data else None,
                occurred_on=sub.occurred_on.data,
                customer_impact=sub.customer_impact.data or "",
                remediation=sub.remediation.data or "",
            )
            for sub in filled
        )
        data = services.ReturnData(
            period_start=form.period_start.data,
            period_end=form.period_end.data,
            rag=Rag(form.rag.data),
            narrative=form.narrative.data or "",
            attested_by_name=form.attested_by_name.data or "",
            attested_by_title=form.attested_by_title.data or "",
            kpi_values=tuple(
                (kpi, f.data or "") for kpi, f in zip(kpis, form.kpi_fields(), strict=True)
            ),
            incidents=incidents,
            attested=bool(form.attest.data),
            kpi_notes=tuple(f.data or "" for f in form.kpi_note_fields()),
            customers_reached=form.customers_reached.data,
            exposure_used=form.exposure_used.data,
        )
        try:
            with unit_of_work():
                filed = services.file_return(
                    use_case, current_user, data, today, expected_version=form.carried_version()
                )
        except RuleError as exc:
            rule_errors_onto(form, exc, {f"incidents.{n}": sub for n, sub in enumerate(filled)})
        except ConflictError as exc:
            use_case = queries.get_visible_or_404(id, current_user)
            form.version.data = str(use_case.version)
            status = 409
            context = {
                "conflict": exc,
                "conflict_can_retry": permissions.can_file_return(current_user, use_case, today),
            }
        else:
            flash(_("Progress return filed."), "success")
            return redirect(url_for("usecases.return_detail", id=use_case.id, return_id=filed.id))
    return render_template(
        "usecases/return_form.html",
        form=form,
        use_case=use_case,
        plan=plan,
        expected_open=returns_views.open_expected(use_case),
        **context,
    ), status


def _render_return(
    use_case: UseCase,
    filed: ProgressReturn,
    comment_form: forms.CommentForm | None = None,
    resolving: tuple[int, forms.ResolveIncidentForm] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The return page; a form that failed validation is shown with its errors and input."""
    user = current_user
    may_comment = permissions.can_comment_on_return(user, use_case)
    resolve_forms: dict[int, forms.ResolveIncidentForm] = {}
    if permissions.can_resolve_incident(user, use_case):
        for incident in filed.incidents:
            if not incident.resolved:
                resolve_forms[incident.id] = forms.ResolveIncidentForm(
                    formdata=None, prefix=f"incident-{incident.id}"
                )
        if resolving is not None:
            resolve_forms[resolving[0]] = resolving[1]
    html = render_template(
        "usecases/return_detail.html",
        use_case=use_case,
        filed=filed,
        form=(comment_form or forms.CommentForm(formdata=None)) if may_comment else None,
        resolve_forms=resolve_forms,
    )
    return html, status


@bp.route("/<int:id>/returns/<int:return_id>", methods=["GET", "POST"])
@login_required
def return_detail(id: int, return_id: int) -> Response | tuple[str, int]:
    """A progress return with its KPI values, incidents and the regulator's comments."""
    use_case = queries.get_visible_or_404(id, current_user)
    filed = _load_return(use_case, return_id)
    if request.method == "GET":
        return _render_return(use_case, filed)
    if not permissions.can_comment_on_return(current_user, use_case):
        abort(403)
    form = forms.CommentForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.comment_on_return(filed, current_user, form.body.data or "")
        except RuleError as exc:
            rule_errors_onto(form, exc)
        else:
            flash(_("Comment added."), "success")
            return redirect(url_for("usecases.return_detail", id=id, return_id=return_id))
    return _render_return(use_case, filed, comment_form=form, status=400)


@bp.post("/<int:id>/returns/<int:return_id>/incidents/<int:incident_id>/resolve")
@login_required
def resolve_incident(id: int, return_id: int, incident_id: int) -> Response | tuple[str, int]:
    """Record that an incident has been resolved, when and how."""
    use_case = queries.get_visible_or_404(id, current_user)
    filed = _load_return(use_case, return_id)
    incident = next((i for i in filed.incidents if i.id == incident_id), None)
    if incident is None:
        abort(404)
    if not permissions.can_resolve_incident(current_user, use_case):
        abort(403)
    form = forms.ResolveIncidentForm(prefix=f"incident-{incident.id}")
    outcome = returns_views.resolve_from_form(incident, form)
    if outcome == "conflict":
        filed = _load_return(queries.get_visible_or_404(id, current_user), return_id)
        return _render_return(use_case, filed, resolving=(incident.id, form), status=409)
    if outcome == "done":
        return redirect(url_for("usecases.return_detail", id=id, return_id=return_id))
    return _render_return(use_case, filed, resolving=(incident.id, form), status=400)


# ---------------------------------------------------------------- documents and messages


@bp.post("/<int:id>/documents")
@login_required
def upload(id: int) -> Response:
    """Attach a file; its type is checked by content and its name sanitised. A refused upload
    goes back to the use-case page with the description kept (303: never re-posted)."""
    use_case = queries.get_visible_or_404(id, current_user)
    if not permissions.can_upload(current_user, use_case):
        abort(403)
    form = forms.DocumentForm()
    if form.validate_on_submit():
        upload_file = form.file.data
        try:
            with unit_of_work():
                services.add_document(
                    use_case,
                    current_user,
                    upload_file.filename or "",
                    upload_file.read(),
                    form.description.data or "",
                )
        except RuleError as exc:
            rule_errors_onto(form, exc)
        else:
            flash(_("Document uploaded."), "success")
            return redirect(url_for("usecases.detail", id=id) + "#documents")
    form.keep_for(id)
    flash(_("The document was not uploaded. See the message beside the file field."), "danger")
    return redirect(url_for("usecases.detail", id=id) + "#documents", code=303)


@bp.get("/<int:id>/documents/<int:document_id>")
@login_required
def download(id: int, document_id: int) -> Response:
    """Download a document to users who may see its use case."""
    use_case = queries.get_visible_or_404(id, current_user)
    document = db.session.get(Document, document_id)
    if document is None or document.use_case_id != use_case.id:
        abort(404)
    return send_file(
        io.BytesIO(document.data),
        mimetype=document.content_type,
        as_attachment=True,
        download_name=document.filename,
        max_age=0,
    )


@bp.post("/<int:id>/messages")
@login_required
def post_message(id: int) -> Response | tuple[str, int]:
    """Post a message; only the regulator side may mark it internal."""
    use_case = queries.get_visible_or_404(id, current_user)
    if not permissions.can_message(current_user, use_case):
        abort(403)
    form = forms.MessageForm()
    if form.validate_on_submit():
        internal = bool(form.internal.data) and permissions.can_see_internal(current_user)
        try:
            with unit_of_work():
                services.post_message(use_case, current_user, form.body.data or "", internal)
        except RuleError as exc:
            rule_errors_onto(form, exc)
        else:
            flash(_("Internal note added.") if internal else _("Message sent."), "success")
            return redirect(url_for("usecases.detail", id=id) + "#messages")
    flash(_("The message was not sent. See the message form below."), "danger")
    return _render_detail(use_case, message_form=form, status=400)
