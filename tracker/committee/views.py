"""The committee's pages: each reviewer's queue, the declaration of interests, the scoring form
beside the proposal and its rubric, a participating regulator's determination, and for the lead
regulator the committee's set-up, assignment, ranking and slate. Every view loads, authorises,
then acts through one command."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from tracker.auth.forms import EmptyForm
from tracker.clock import local_today
from tracker.committee import forms, permissions, queries, services
from tracker.committee.models import ConflictWith, Decision, Outcome
from tracker.committee.rules import others_scores_visible
from tracker.extensions import db
from tracker.formutil import options
from tracker.i18n import gettext as _
from tracker.i18n import local_name
from tracker.rules import ConflictError, RuleError
from tracker.text import plural
from tracker.unit_of_work import unit_of_work
from tracker.usecases import forms as usecase_forms
from tracker.usecases import queries as usecase_queries
from tracker.usecases import services as usecase_services
from tracker.web import parse_id, rule_errors_onto

bp = Blueprint("committee", __name__, url_prefix="/committee")


@bp.before_app_request
def _experts_see_only_their_assignments() -> Response | None:
    """Deny by default: an external expert reaches only the pages listed for them; any other
    page, whenever it was added, answers 404 where it names a record and 403 otherwise."""
    if not current_user.is_authenticated or not current_user.is_expert:
        return None
    endpoint = request.endpoint
    if endpoint is None or endpoint in permissions.EXPERT_ENDPOINTS:
        return None
    if endpoint == "dashboard.index":
        return redirect(url_for("committee.my_reviews"))
    abort(404 if request.view_args else 403)


# ---------------------------------------------------------------- reviewers


@bp.get("/reviews")
@login_required
def my_reviews() -> str:
    """What is assigned to the signed-in reviewer, what is late, and for a participating
    regulator's staff the proposals awaiting its determination."""
    if not (current_user.is_expert or current_user.is_regulator_staff):
        abort(403)
    return render_template(
        "committee/my_reviews.html",
        items=queries.my_assignments(current_user),
        awaited=queries.determinations_awaited(current_user),
        today=local_today(),
    )


def _declaration_data(form: forms.DeclarationForm) -> services.DeclarationData:
    conflict = {"yes": True, "no": False}.get(form.conflict.data or "")
    try:
        conflict_with = ConflictWith(form.conflict_with.data) if form.conflict_with.data else None
    except ValueError:
        conflict_with = None
    return services.DeclarationData(
        conflict=conflict,
        conflict_with=conflict_with if conflict else None,
        partner_id=form.partner_id.data if conflict else None,
        note=form.note.data or "",
    )


@bp.route("/assignments/<int:id>/declare", methods=["GET", "POST"])
@login_required
def declare(id: int) -> str | Response | tuple[str, int]:
    """Declare a conflict of interest or none, before the proposal is shown in full. Only its
    title, applicant and technology partners are shown here: enough to know."""
    assignment, committee = queries.assignment_or_404(id, current_user)
    if assignment.declared:
        return redirect(url_for("committee.score", id=assignment.id))
    if not permissions.can_declare(current_user, assignment, committee):
        abort(403)
    form = forms.DeclarationForm()
    form.partner_id.choices = options(
        [(0, ""), *((p.id, local_name(p)) for p in assignment.use_case.partners)]
    )
    status = 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.declare(current_user, assignment, _declaration_data(form))
        except RuleError as exc:
            rule_errors_onto(form, exc)
            status = 400
        except ConflictError:
            flash(_("You have already declared your interests on this proposal."), "warning")
            return redirect(url_for("committee.score", id=id))
        else:
            if assignment.recused:
                flash(_("Your conflict is on record: you are recused from this proposal."), "info")
            else:
                flash(_("No conflict declared. The proposal is now shown to you."), "success")
            return redirect(url_for("committee.score", id=id))
    elif request.method == "POST":
        status = 400
    return render_template(
        "committee/declare.html", form=form, assignment=assignment, use_case=assignment.use_case
    ), status


@bp.route("/assignments/<int:id>", methods=["GET", "POST"])
@login_required
def score(id: int) -> str | Response | tuple[str, int]:
    """The proposal (the fields the committee needs) beside the scoring form and the rubric.
    A reviewer who has not declared is sent to declare first; a recused one sees only that."""
    assignment, committee = queries.assignment_or_404(id, current_user)
    if not assignment.declared:
        if request.method == "POST":
            # Scoring without a declaration: the command gives the refusal.
            try:
                with unit_of_work():
                    usecase_services.save_review(assignment.use_case, current_user, {}, "")
            except RuleError as exc:
                flash(" ".join(m for ms in exc.errors.values() for m in ms), "danger")
        return redirect(url_for("committee.declare", id=id))
    use_case = assignment.use_case
    criteria = use_case.cohort.criteria
    may_score = permissions.may_score(current_user, use_case, committee, assignment)  # type: ignore[arg-type]
    mine = next((r for r in use_case.reviews if r.reviewer_id == current_user.id), None)
    form_class = usecase_forms.review_form_class([(c.id, c.name) for c in criteria])
    form = form_class()
    status = 200
    if request.method == "GET" and mine is not None:
        form.overall_comment.data = mine.overall_comment
        for s in mine.scores:
            form[f"score_{s.criterion_id}"].data = str(s.score)
            form[f"comment_{s.criterion_id}"].data = s.comment
    if request.method == "GET":
        form.version.data = str(use_case.version)
    elif form.validate_on_submit():
        scores = {
            c.id: (int(form[f"score_{c.id}"].data), form[f"comment_{c.id}"].data or "")
            for c in criteria
        }
        try:
            with unit_of_work():
                usecase_services.save_review(
                    use_case,
                    current_user,
                    scores,
                    form.overall_comment.data or "",
                    form.carried_version(),
                )
        except RuleError as exc:
            rule_errors_onto(form, exc)
            status = 400
        except ConflictError:
            status = 409
            flash(
                _(
                    "The proposal changed since you opened it. Nothing was saved; your scores "
                    "are still in the form. Check the proposal and save again."
                ),
                "danger",
            )
            fresh, _committee = queries.assignment_or_404(id, current_user)
            form.version.data = str(fresh.use_case.version)
        except IntegrityError:
            status = 409
            flash(_("Your scores were saved from another window at the same moment."), "warning")
        else:
            flash(_("Your scores are submitted."), "success")
            return redirect(url_for("committee.my_reviews"))
    else:
        status = 400
    return render_template(
        "committee/score.html",
        form=form,
        assignment=assignment,
        use_case=use_case,
        criteria=criteria,
        mine=mine,
        may_score=may_score and not assignment.recused,
    ), status


@bp.route("/use-cases/<int:id>/determination", methods=["GET", "POST"])
@login_required
def determination(id: int) -> str | Response | tuple[str, int]:
    """A participating regulator records its own determination on a proposal routed to it."""
    use_case = usecase_queries.get_visible_or_404(id, current_user)
    from tracker.committee.rules import routed_regulator_id

    if not permissions.can_determine(current_user, use_case, routed_regulator_id(use_case)):
        abort(403)
    form = forms.DeterminationForm()
    status = 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.record_determination(
                    current_user,
                    use_case,
                    Decision(form.decision.data),
                    form.reasons.data or "",
                    form.conditions.data or "",
                )
        except RuleError as exc:
            rule_errors_onto(form, exc)
            status = 400
        else:
            flash(_("Your regulator's determination is recorded."), "success")
            return redirect(url_for("usecases.detail", id=id) + "#committee")
    elif request.method == "POST":
        status = 400
    return render_template("committee/determination.html", form=form, use_case=use_case), status


# ---------------------------------------------------------------- the cohort's committee


def _cohort_for(id: int, manage: bool = False) -> Any:
    cohort = queries.cohort_or_404(id)
    if not permissions.can_view_committee(current_user, cohort):
        abort(404)
    if manage and not permissions.can_manage_committee(current_user, cohort):
        abort(403)
    return cohort


@bp.get("/cohorts/<int:id>")
@login_required
def cohort(id: int) -> str:
    """The committee's view of the cohort: every proposal ranked by weighted mean with its
    spread and disagreements, the capacity, each member's load and the slate."""
    return _render_cohort(id, EmptyForm(), {}, {})


def _render_cohort(
    id: int,
    slate_form: EmptyForm,
    errors: dict[str, list[str]],
    typed: dict[str, str],
    spread_form: forms.SpreadForm | None = None,
) -> str:
    """The committee view, with the slate's refusal and what was typed when there is one."""
    cohort = _cohort_for(id)
    view = queries.committee_view(cohort, local_today())
    return render_template(
        "committee/cohort.html",
        cohort=cohort,
        view=view,
        may_manage=permissions.can_manage_committee(current_user, cohort),
        may_decide=permissions.can_decide_slate(current_user, cohort),
        outcomes=list(Outcome),
        slate_form=slate_form,
        spread_form=spread_form
        or forms.SpreadForm(
            formdata=None, per_proposal=view.committee.quorum if view.committee else 2
        ),
        errors=errors,
        typed=typed,
    )


@bp.route("/cohorts/<int:id>/setup", methods=["GET", "POST"])
@login_required
def setup(id: int) -> str | Response | tuple[str, int]:
    """Set up the committee: its members and how it works."""
    cohort = _cohort_for(id, manage=True)
    committee = cohort.committee
    form = forms.CommitteeForm(obj=committee if request.method == "GET" else None)
    candidates = queries.eligible_members(cohort)
    independent = _("independent")
    form.member_ids.choices = options(
        (u.id, f"{u.name} — {u.role.label}, {u.organisation or independent}") for u in candidates
    )
    if request.method == "GET" and committee is not None:
        form.member_ids.data = [m.user_id for m in committee.members]
    status = 200
    if form.validate_on_submit():
        data = services.CommitteeData(
            member_ids=tuple(form.member_ids.data or ()),
            quorum=form.quorum.data,
            review_days=form.review_days.data,
            places=form.places.data,
            blind=bool(form.blind.data),
            share_scores=bool(form.share_scores.data),
        )
        try:
            with unit_of_work():
                services.save_committee(current_user, cohort, data)
        except RuleError as exc:
            rule_errors_onto(form, exc)
            status = 400
        else:
            flash(_("The committee is saved."), "success")
            return redirect(url_for("committee.cohort", id=id))
    elif request.method == "POST":
        status = 400
    return render_template("committee/setup.html", form=form, cohort=cohort), status


@bp.route("/cohorts/<int:id>/criteria", methods=["GET", "POST"])
@login_required
def criteria(id: int) -> str | Response | tuple[str, int]:
    """Weights and rubric of the cohort's criteria."""
    cohort = _cohort_for(id, manage=True)
    form = EmptyForm()
    errors: dict[str, list[str]] = {}
    typed: dict[str, str] = {}
    status = 200
    if form.validate_on_submit():
        typed = {k: v for k, v in request.form.items() if k != "csrf_token"}
        rows = []
        for c in cohort.criteria:
            raw = (typed.get(f"weight_{c.id}") or "").strip()
            weight = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 4 else None
            if raw.startswith("-") and raw[1:].isdigit():
                weight = -1
            rows.append(
                services.CriterionData(
                    c.id,
                    weight,
                    typed.get(f"rubric_1_{c.id}", ""),
                    typed.get(f"rubric_3_{c.id}", ""),
                    typed.get(f"rubric_5_{c.id}", ""),
                )
            )
        try:
            with unit_of_work():
                services.save_criteria(current_user, cohort, rows)
        except RuleError as exc:
            errors = exc.errors
            status = 400
        else:
            flash(_("The criteria's weights and rubric are saved."), "success")
            return redirect(url_for("committee.cohort", id=id))
    elif request.method == "POST":
        status = 400
        errors = {"__all__": [_("The form expired: send it again.")]}
    return render_template(
        "committee/criteria.html", cohort=cohort, form=form, errors=errors, typed=typed
    ), status


@bp.route("/cohorts/<int:id>/assign", methods=["GET", "POST"])
@login_required
def assign(id: int) -> str | Response | tuple[str, int]:
    """Assign reviewers to one proposal by hand."""
    cohort = _cohort_for(id, manage=True)
    if cohort.committee is None:
        flash(_("Set up the committee first."), "warning")
        return redirect(url_for("committee.setup", id=id))
    view = queries.committee_view(cohort, local_today())
    form = forms.AssignForm()
    form.reviewer_ids.choices = options((m.user_id, m.user.name) for m in cohort.committee.members)
    status = 200
    chosen = None
    raw_id = parse_id(request.values.get("use_case_id"))
    if raw_id is not None:
        chosen = next((r for r in view.ranked if r.use_case.id == raw_id), None)
        if chosen is None:
            abort(404)
    if request.method == "POST":
        if chosen is None:
            abort(404)
        if form.validate_on_submit():
            try:
                with unit_of_work():
                    made = services.assign(
                        current_user, chosen.use_case, tuple(form.reviewer_ids.data or ())
                    )
            except RuleError as exc:
                rule_errors_onto(form, exc)
                status = 400
            else:
                flash(
                    _(
                        "%(num)d reviewer(s) assigned to %(reference)s.",
                        num=len(made),
                        reference=chosen.use_case.reference,
                    ),
                    "success",
                )
                return redirect(url_for("committee.cohort", id=id) + "#ranking")
        else:
            status = 400
    return render_template(
        "committee/assign.html", cohort=cohort, view=view, form=form, chosen=chosen
    ), status


@bp.post("/cohorts/<int:id>/spread")
@login_required
def spread(id: int) -> Response | tuple[str, int]:
    """Spread the proposals evenly over the committee in one action. A refusal comes back on
    the committee page with the number typed and the reason beside it."""
    cohort = _cohort_for(id, manage=True)
    form = forms.SpreadForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                made = services.spread(current_user, cohort, form.per_proposal.data)
        except RuleError as exc:
            rule_errors_onto(form, exc)
        else:
            made_text = plural(len(made), "%(num)d assignment", "%(num)d assignments")
            flash(_("%(made)s made, spread evenly over the committee.", made=made_text), "success")
            return redirect(url_for("committee.cohort", id=id) + "#members", code=303)
    return _render_cohort(id, EmptyForm(), {}, {}, spread_form=form), 400


def _slate_choices(view: queries.CommitteeView) -> list[services.SlateChoice]:
    choices = []
    for row in view.ranked:
        uc = row.use_case
        raw = request.form.get(f"outcome_{uc.id}", "")
        if not raw:
            continue
        try:
            outcome = Outcome(raw)
        except ValueError:
            abort(400)
        version = parse_id(request.form.get(f"version_{uc.id}"))
        choices.append(
            services.SlateChoice(
                use_case_id=uc.id,
                outcome=outcome,
                reason=request.form.get(f"reason_{uc.id}", ""),
                feedback=request.form.get(f"feedback_{uc.id}", ""),
                override_reason=request.form.get(f"override_{uc.id}", ""),
                expected_version=version,
                rank=row.rank,
                weighted_mean=row.weighted_mean,
            )
        )
    return choices


@bp.post("/cohorts/<int:id>/slate")
@login_required
def slate(id: int) -> Response | tuple[str, int]:
    """Record the committee's decision on the slate and apply it in one action."""
    cohort = _cohort_for(id)
    if not permissions.can_decide_slate(current_user, cohort):
        abort(403)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    view = queries.committee_view(cohort, local_today())
    choices = _slate_choices(view)
    typed = {k: v for k, v in request.form.items() if k != "csrf_token"}
    status = 400
    try:
        with unit_of_work():
            entries = services.decide_slate(current_user, cohort, choices)
    except RuleError as exc:
        errors = exc.errors
    except ConflictError:
        errors = {
            "__all__": [
                _(
                    "A proposal on the slate changed since you opened this page. Nothing was "
                    "decided; the slate shows what is current and your choices are kept."
                )
            ]
        }
        status = 409
    else:
        flash(_("The slate is decided: %(num)d proposal(s).", num=len(entries)), "success")
        return redirect(url_for("committee.cohort", id=id))
    db.session.expire_all()  # the rolled-back slate: show what is current
    return _render_cohort(id, form, errors, typed), status


def use_case_panel(use_case: Any) -> Any:
    """For the use case's page: the committee panel (regulator side) or the applicant's
    feedback (its institution)."""
    from tracker.usecases.permissions import can_see_internal

    if can_see_internal(current_user):
        return queries.use_case_panel(use_case, current_user)
    return None


def applicant_feedback(use_case: Any) -> Any:
    from tracker.usecases.permissions import is_owner

    if is_owner(current_user, use_case):
        return queries.feedback_for(use_case)
    return None


def may_see_scores(use_case: Any) -> bool:
    """The reviews section of the use case's page: hidden from a recused reviewer, and with
    blind scoring from an assigned one who has not yet scored."""
    return others_scores_visible(current_user, use_case)


@bp.record_once
def _template_globals(state: Any) -> None:
    state.app.jinja_env.globals.update(
        committee_panel=use_case_panel,
        applicant_feedback=applicant_feedback,
        may_see_scores=may_see_scores,
        may_view_committee=lambda cohort: permissions.can_view_committee(current_user, cohort),
    )
