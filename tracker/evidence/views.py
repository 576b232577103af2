"""Pages of the AI evidence register: the register of a use case, an entry with its history,
adding and editing entries (institution), commenting and marking reviewed (regulator)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from tracker.evidence import forms, permissions, queries, services
from tracker.evidence.models import Direction, EvidenceEntry, Hosting, Outcome
from tracker.extensions import db
from tracker.formutil import options
from tracker.i18n import gettext as _
from tracker.rules import ConflictError, RuleError
from tracker.unit_of_work import unit_of_work
from tracker.usecases import queries as usecase_queries
from tracker.usecases.models import Technique, UseCase
from tracker.web import rule_errors_onto

bp = Blueprint("evidence", __name__, url_prefix="/use-cases")


def _use_case(id: int) -> UseCase:
    return usecase_queries.get_visible_or_404(id, current_user)


def _entry(use_case: UseCase, entry_id: int) -> EvidenceEntry:
    entry = db.session.get(EvidenceEntry, entry_id)
    if entry is None or entry.use_case_id != use_case.id:
        abort(404)
    return entry


@bp.get("/<int:id>/evidence")
@login_required
def register(id: int) -> str:
    """The use case's AI evidence register: every model iteration as it stands now."""
    use_case = _use_case(id)
    return render_template(
        "evidence/register.html",
        use_case=use_case,
        entries=queries.evidence_as_at(use_case.id),
        can_record=permissions.can_record(current_user, use_case),
        can_review=permissions.can_review(current_user, use_case),
    )


def _render_entry(
    use_case: UseCase,
    entry: EvidenceEntry,
    comment_form: forms.CommentForm | None = None,
    review_form: forms.ReviewForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    may_review = permissions.can_review(current_user, use_case)
    view = next(v for v in queries.evidence_as_at(use_case.id) if v.entry_id == entry.id)
    if review_form is None:
        review_form = forms.ReviewForm()
        review_form.version.data = str(entry.version)
    return render_template(
        "evidence/entry.html",
        use_case=use_case,
        entry=view,
        revisions=queries.revisions(entry.id),
        can_record=permissions.can_record(current_user, use_case),
        comment_form=(comment_form or forms.CommentForm()) if may_review else None,
        review_form=review_form if may_review and not view.reviewed else None,
    ), status


@bp.get("/<int:id>/evidence/<int:entry_id>")
@login_required
def entry(id: int, entry_id: int) -> tuple[str, int]:
    """One iteration: its evidence, its revisions, the regulator's comments and review."""
    use_case = _use_case(id)
    return _render_entry(use_case, _entry(use_case, entry_id))


def _choices(form: forms.EntryForm, use_case: UseCase) -> None:
    form.document_ids.choices = options(
        (d.id, d.filename) for d in usecase_queries.documents(use_case)
    )


def _data(form: forms.EntryForm) -> services.EntryData:
    return services.EntryData(
        model_name=form.model_name.data or "",
        model_version=form.model_version.data or "",
        provider=form.provider.data or "",
        technique=Technique(form.technique.data) if form.technique.data else None,
        hosting=Hosting(form.hosting.data) if form.hosting.data else None,
        guardrails=form.guardrails.data or "",
        red_teaming=form.red_teaming.data or "",
        bias_testing=form.bias_testing.data or "",
        human_oversight=form.human_oversight.data or "",
        drift_monitoring=form.drift_monitoring.data or "",
        limitations=form.limitations.data or "",
        evaluations=tuple(
            services.EvaluationData(
                metric=sub.form.metric.data or "",
                dataset=sub.form.dataset.data or "",
                result=sub.form.result.data or "",
                threshold=sub.form.threshold.data or "",
                direction=Direction(sub.form.direction.data) if sub.form.direction.data else None,
                stated_outcome=(
                    Outcome(sub.form.stated_outcome.data) if sub.form.stated_outcome.data else None
                ),
            )
            for sub in form.evaluations
        ),
        document_ids=tuple(form.document_ids.data or ()),
    )


def _prefixes(form: forms.EntryForm) -> dict[str, Any]:
    return {f"evaluations.{i}": sub.form for i, sub in enumerate(form.evaluations)}


def _pad(form: forms.EntryForm) -> None:
    """Blank evaluation rows to fill in below the recorded ones."""
    filled = sum(1 for sub in form.evaluations if (sub.form.metric.data or "").strip())
    target = min(form.evaluations.max_entries or 20, max(filled + forms.SPARE_EVALUATION_ROWS, 3))
    while len(form.evaluations) < target:
        form.evaluations.append_entry()


@bp.route("/<int:id>/evidence/new", methods=["GET", "POST"])
@login_required
def new(id: int) -> str | Response:
    """The institution records a new model iteration."""
    use_case = _use_case(id)
    if not permissions.can_record(current_user, use_case):
        abort(403)
    form = forms.EntryForm()
    _choices(form, use_case)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                created = services.add_entry(use_case, current_user, _data(form))
                created_id, iteration = created.id, created.iteration
        except RuleError as exc:
            rule_errors_onto(form, exc, _prefixes(form))
        else:
            flash(
                _("Iteration %(num)d recorded in the evidence register.", num=iteration),
                "success",
            )
            return redirect(url_for("evidence.entry", id=use_case.id, entry_id=created_id))
    if request.method == "GET":
        _pad(form)
    return render_template("evidence/form.html", form=form, use_case=use_case, entry=None)


@bp.route("/<int:id>/evidence/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit(id: int, entry_id: int) -> str | Response | tuple[str, int]:
    """The institution corrects or completes an entry; an edit after review clears the mark."""
    use_case = _use_case(id)
    existing = _entry(use_case, entry_id)
    if request.method == "GET" and not permissions.can_record(current_user, use_case):
        abort(403)
    if request.method == "GET":
        form = forms.EntryForm(obj=existing)
        form.technique.data = existing.technique.value
        form.hosting.data = existing.hosting.value
        form.version.data = str(existing.version)
        form.document_ids.data = [d.id for d in existing.documents]
        while len(form.evaluations):
            form.evaluations.pop_entry()
        for e in existing.evaluations:
            form.evaluations.append_entry(
                {
                    "metric": e.metric,
                    "dataset": e.dataset,
                    "result": "" if e.result is None else f"{e.result:g}",
                    "threshold": "" if e.threshold is None else f"{e.threshold:g}",
                    "direction": e.direction.value if e.direction else "",
                    "stated_outcome": e.stated_outcome.value if e.stated_outcome else "",
                }
            )
        _pad(form)
    else:
        form = forms.EntryForm()
    _choices(form, use_case)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.update_entry(
                    existing, use_case, current_user, _data(form), form.expected_version()
                )
        except RuleError as exc:
            rule_errors_onto(form, exc, _prefixes(form))
        except ConflictError as exc:
            use_case = _use_case(id)
            current = _entry(use_case, entry_id)
            # Saving again applies the user's input over the current version.
            form.version.data = str(current.version)
            current_view = next(
                v for v in queries.evidence_as_at(use_case.id) if v.entry_id == current.id
            )
            return render_template(
                "evidence/form.html",
                form=form,
                use_case=use_case,
                entry=current_view,
                conflict=exc,
                conflict_can_retry=permissions.can_record(current_user, use_case),
            ), 409
        else:
            flash(_("Entry saved. The earlier revision is kept in its history."), "success")
            return redirect(url_for("evidence.entry", id=use_case.id, entry_id=entry_id))
    view = next((v for v in queries.evidence_as_at(use_case.id) if v.entry_id == entry_id), None)
    return render_template("evidence/form.html", form=form, use_case=use_case, entry=view)


@bp.post("/<int:id>/evidence/<int:entry_id>/comments")
@login_required
def comment(id: int, entry_id: int) -> Response | tuple[str, int]:
    """Regulator staff comment on an entry."""
    use_case = _use_case(id)
    existing = _entry(use_case, entry_id)
    form = forms.CommentForm()
    if not permissions.can_review(current_user, use_case):
        abort(403)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.comment(existing, use_case, current_user, form.body.data or "")
        except RuleError as exc:
            rule_errors_onto(form, exc)
        else:
            flash(_("Comment added."), "success")
            return redirect(url_for("evidence.entry", id=id, entry_id=entry_id) + "#comments")
    return _render_entry(use_case, existing, comment_form=form, status=400)


@bp.post("/<int:id>/evidence/<int:entry_id>/review")
@login_required
def review(id: int, entry_id: int) -> Response | tuple[str, int]:
    """Regulator staff mark the entry, as they read it, reviewed."""
    use_case = _use_case(id)
    existing = _entry(use_case, entry_id)
    form = forms.ReviewForm()
    if not permissions.can_review(current_user, use_case):
        abort(403)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.mark_reviewed(
                    existing, use_case, current_user, form.expected_version(), form.note.data or ""
                )
        except RuleError as exc:
            rule_errors_onto(form, exc)
        except ConflictError:
            flash(
                _(
                    "The institution changed this entry since you opened it: nothing was marked. "
                    "Read the current revision below, then mark it reviewed."
                ),
                "danger",
            )
            use_case = _use_case(id)
            current = _entry(use_case, entry_id)
            form.version.data = str(current.version)
            return _render_entry(use_case, current, review_form=form, status=409)
        else:
            flash(_("Entry marked reviewed."), "success")
            return redirect(url_for("evidence.entry", id=id, entry_id=entry_id))
    return _render_entry(use_case, existing, review_form=form, status=400)
