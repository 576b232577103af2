"""Commands on the AI evidence register. Each checks the user and the use case itself, every
rule of the input (all broken rules at once), flushes and records its event.

An entry is versioned: an edit names the version the user read, and a stale one is a conflict
(409, input kept). Every save appends a revision holding the whole entry as saved, so the
register can be shown as it stood at any past moment; an edit after the regulator's review
clears the review mark and says so on the record.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from tracker import events
from tracker.auth.models import User
from tracker.evidence import permissions
from tracker.evidence.events import EvidenceCommented, EvidenceReviewed, EvidenceSaved
from tracker.evidence.models import (
    ActivityKind,
    Direction,
    EvidenceActivity,
    EvidenceEntry,
    EvidenceEvaluation,
    EvidenceRevision,
    Hosting,
    Outcome,
    outcome_of,
)
from tracker.extensions import db, utcnow
from tracker.i18n import N_
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.i18n import number as grouped
from tracker.rules import ConflictError, LastChange, NotAllowedError, RuleCollector, RuleError
from tracker.usecases.models import Document, Technique, UseCase

LONG_TEXT = 20_000
NAME = 200
VERSION = 100
DATASET = 300
MAX_EVALUATIONS = 20

# The narrative fields of an entry, in the order the register shows them.
NARRATIVE_FIELDS: tuple[tuple[str, str], ...] = (
    ("guardrails", N_("Guardrails in place")),
    ("red_teaming", N_("Adversarial and red-team tests")),
    ("bias_testing", N_("Bias and fairness tests")),
    ("human_oversight", N_("Human oversight")),
    ("drift_monitoring", N_("Monitoring for drift")),
    ("limitations", N_("Known limitations")),
)
REQUIRED_NARRATIVE = {
    "guardrails": _l("Describe the guardrails in place."),
    "human_oversight": _l("Describe the human oversight of the model's output."),
}


@dataclass(frozen=True)
class EvaluationData:
    """One evaluation row as typed: the numbers are text, checked here."""

    metric: str = ""
    dataset: str = ""
    result: str = ""
    threshold: str = ""
    direction: Direction | None = None
    stated_outcome: Outcome | None = None

    @property
    def is_blank(self) -> bool:
        return not any(
            (
                self.metric.strip(),
                self.dataset.strip(),
                self.result.strip(),
                self.threshold.strip(),
                self.stated_outcome,
            )
        )


@dataclass(frozen=True)
class EntryData:
    model_name: str
    model_version: str
    provider: str
    technique: Technique | None
    hosting: Hosting | None
    guardrails: str = ""
    red_teaming: str = ""
    bias_testing: str = ""
    human_oversight: str = ""
    drift_monitoring: str = ""
    limitations: str = ""
    evaluations: tuple[EvaluationData, ...] = ()
    document_ids: tuple[int, ...] = field(default=())


def _text(value: str | None) -> str:
    return (value or "").strip()


def parse_number(raw: str) -> float | None:
    """A decimal number as people type it (``0.93``, ``1,200``, ``-3``); None if it is not
    one."""
    text = raw.strip().replace(",", "")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _number(rules: RuleCollector, name: str, raw: str, what: str) -> float | None:
    if not raw.strip():
        return None
    value = parse_number(raw)
    messages = {
        "result": _("Give the result as a number, such as 0.93 or 95."),
        "threshold": _("Give the threshold as a number, such as 0.93 or 95."),
    }
    rules.check(value is not None, name, messages[what])
    return value


def _fmt(value: float) -> str:
    return f"{value:g}"


def _check_evaluation(
    rules: RuleCollector, index: int, row: EvaluationData
) -> dict[str, Any] | None:
    """The row's stored values, or None when it breaks a rule (the rules say which)."""
    prefix = f"evaluations.{index}."
    before = len(rules.errors)
    rules.check(bool(_text(row.metric)), prefix + "metric", _("Name the metric evaluated."))
    rules.check(
        len(_text(row.metric)) <= NAME,
        prefix + "metric",
        _("At most %(limit)s characters.", limit=NAME),
    )
    rules.check(
        len(_text(row.dataset)) <= DATASET,
        prefix + "dataset",
        _("At most %(limit)s characters.", limit=DATASET),
    )
    result = _number(rules, prefix + "result", row.result, "result")
    threshold = _number(rules, prefix + "threshold", row.threshold, "threshold")
    if row.threshold.strip() and not row.result.strip():
        rules.add(
            prefix + "result",
            _(
                "A threshold needs the result measured against it: give the result, or "
                "clear the threshold."
            ),
        )
    if row.threshold.strip():
        rules.check(
            row.direction is not None,
            prefix + "direction",
            _("Say which side of the threshold passes."),
        )
    elif row.direction is not None:
        rules.add(prefix + "threshold", _("Give the threshold the direction refers to."))
    if (
        result is not None
        and threshold is not None
        and row.direction is not None
        and row.stated_outcome is not None
    ):
        derived = outcome_of(result, threshold, row.direction, None)
        rules.check(
            derived is row.stated_outcome,
            prefix + "stated_outcome",
            _(
                "A result of %(result)s against a threshold of %(threshold)s is a %(outcome)s: "
                "leave pass/fail blank to derive it, or correct the figures.",
                result=_fmt(result),
                threshold=_fmt(threshold),
                outcome=derived.label.lower() if derived else "",
            ),
        )
    if len(rules.errors) > before:
        return None
    return {
        "metric": _text(row.metric),
        "dataset": _text(row.dataset),
        "result": result,
        "threshold": threshold,
        "direction": row.direction if threshold is not None else None,
        "stated_outcome": row.stated_outcome if threshold is None else None,
    }


def _check(
    use_case: UseCase, data: EntryData, action: str
) -> tuple[list[dict[str, Any]], list[Document]]:
    rules = RuleError.collect(action)
    for name, required, limit in (
        ("model_name", _("Give the model's name."), NAME),
        ("model_version", _("Give the model's version."), VERSION),
        ("provider", _("Give the model's provider."), NAME),
    ):
        value = _text(getattr(data, name))
        rules.check(bool(value), name, required)
        rules.check(
            len(value) <= limit,
            name,
            _("This is at most %(limit)s characters long.", limit=grouped(limit)),
        )
    rules.check(data.technique is not None, "technique", _("Choose the technique."))
    rules.check(data.hosting is not None, "hosting", _("Choose where the model runs."))
    for name, _label in NARRATIVE_FIELDS:
        value = _text(getattr(data, name))
        if name in REQUIRED_NARRATIVE:
            rules.check(bool(value), name, str(REQUIRED_NARRATIVE[name]))
        rules.check(
            len(value) <= LONG_TEXT,
            name,
            _("This is at most %(limit)s characters long.", limit=grouped(LONG_TEXT)),
        )
    rows = [(i, row) for i, row in enumerate(data.evaluations) if not row.is_blank]
    rules.check(bool(rows), "evaluations", _("Record at least one evaluation of this iteration."))
    rules.check(
        len(rows) <= MAX_EVALUATIONS,
        "evaluations",
        _("An entry holds at most %(limit)s evaluations.", limit=MAX_EVALUATIONS),
    )
    evaluations = [_check_evaluation(rules, i, row) for i, row in rows]
    wanted = set(data.document_ids)
    documents: list[Document] = []
    if wanted:
        documents = list(
            db.session.scalars(
                sa.select(Document).where(
                    Document.id.in_(wanted), Document.use_case_id == use_case.id
                )
            )
        )
        rules.check(
            len(documents) == len(wanted),
            "document_ids",
            _("Link only documents uploaded to this use case."),
        )
    rules.raise_if_any()
    return [e for e in evaluations if e is not None], documents


def _apply(
    entry: EvidenceEntry,
    data: EntryData,
    evaluations: list[dict[str, Any]],
    documents: list[Document],
) -> None:
    entry.model_name = _text(data.model_name)
    entry.model_version = _text(data.model_version)
    entry.provider = _text(data.provider)
    assert data.technique is not None and data.hosting is not None
    entry.technique = data.technique
    entry.hosting = data.hosting
    for name, _label in NARRATIVE_FIELDS:
        setattr(entry, name, _text(getattr(data, name)))
    entry.evaluations = [
        EvidenceEvaluation(position=i, **values) for i, values in enumerate(evaluations)
    ]
    entry.documents = sorted(documents, key=lambda d: d.filename)
    entry.updated_at = utcnow()


def snapshot(entry: EvidenceEntry) -> dict[str, Any]:
    """The entry as a revision keeps it: plain values only, so it reads the same later."""
    return {
        "iteration": entry.iteration,
        "model_name": entry.model_name,
        "model_version": entry.model_version,
        "provider": entry.provider,
        "technique": entry.technique.value,
        "hosting": entry.hosting.value,
        **{name: getattr(entry, name) for name, _label in NARRATIVE_FIELDS},
        "evaluations": [
            {
                "metric": e.metric,
                "dataset": e.dataset,
                "result": e.result,
                "threshold": e.threshold,
                "direction": e.direction.value if e.direction else None,
                "stated_outcome": e.stated_outcome.value if e.stated_outcome else None,
            }
            for e in entry.evaluations
        ],
        "documents": [{"id": d.id, "filename": d.filename} for d in entry.documents],
    }


def _revise(entry: EvidenceEntry, user: User, number: int) -> None:
    db.session.add(
        EvidenceRevision(
            entry_id=entry.id, number=number, actor_id=user.id, at=utcnow(), content=snapshot(entry)
        )
    )


def _flush(entry: EvidenceEntry | None, action: str) -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise ConflictError(_last_change(entry.id) if entry is not None else None, action) from exc


def _last_change(entry_id: int) -> LastChange | None:
    revision = db.session.scalar(
        sa.select(EvidenceRevision)
        .where(EvidenceRevision.entry_id == entry_id)
        .order_by(EvidenceRevision.number.desc())
        .limit(1)
    )
    if revision is None:
        return None
    by = revision.actor.name if revision.actor else _("someone")
    what = _("revision %(num)d of the entry", num=revision.number)
    return LastChange(what=what, by=by, at=revision.at)


def _revisions(entry: EvidenceEntry) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(EvidenceRevision)
            .where(EvidenceRevision.entry_id == entry.id)
        )
        or 0
    )


def _belongs(entry: EvidenceEntry, use_case: UseCase, action: str) -> None:
    if entry.use_case_id != use_case.id:
        raise NotAllowedError(action)


def add_entry(use_case: UseCase, user: User, data: EntryData) -> EvidenceEntry:
    """The institution records a new model iteration of its selected use case."""
    action = "use_case.evidence"
    if not permissions.can_record(user, use_case):
        raise NotAllowedError(action)
    evaluations, documents = _check(use_case, data, action)
    last = db.session.scalar(
        sa.select(sa.func.max(EvidenceEntry.iteration)).where(
            EvidenceEntry.use_case_id == use_case.id
        )
    )
    entry = EvidenceEntry(
        use_case_id=use_case.id,
        iteration=(last or 0) + 1,
        created_by_id=user.id,
        created_at=utcnow(),
    )
    _apply(entry, data, evaluations, documents)
    db.session.add(entry)
    _flush(None, action)
    _revise(entry, user, 1)
    _flush(None, action)
    events.record(
        EvidenceSaved(actor_id=user.id, use_case_id=use_case.id, entry_id=entry.id, revision=1)
    )
    return entry


def update_entry(
    entry: EvidenceEntry, use_case: UseCase, user: User, data: EntryData, expected_version: int
) -> EvidenceEntry:
    """The institution corrects or completes an entry it read at ``expected_version``. An
    entry the regulator had reviewed loses its review mark, on the record."""
    action = "use_case.evidence"
    _belongs(entry, use_case, action)
    if entry.version != expected_version:
        raise ConflictError(_last_change(entry.id), action)
    if not permissions.can_record(user, use_case):
        raise NotAllowedError(action)
    evaluations, documents = _check(use_case, data, action)
    number = _revisions(entry) + 1
    was_reviewed = entry.reviewed_at is not None
    _apply(entry, data, evaluations, documents)
    if was_reviewed:
        entry.reviewed_at = None
        entry.reviewed_by_id = None
        db.session.add(
            EvidenceActivity(
                entry_id=entry.id,
                kind=ActivityKind.REVIEW_CLEARED,
                at=utcnow(),
                actor_id=user.id,
                body=f"Edited by {user.name} after the review: the entry needs reviewing again.",
                revision_number=number,
            )
        )
    _flush(entry, action)
    _revise(entry, user, number)
    _flush(entry, action)
    events.record(
        EvidenceSaved(
            actor_id=user.id,
            use_case_id=use_case.id,
            entry_id=entry.id,
            revision=number,
            review_cleared=was_reviewed,
        )
    )
    return entry


def comment(entry: EvidenceEntry, use_case: UseCase, user: User, body: str) -> EvidenceActivity:
    """Regulator staff comment on an entry."""
    action = "use_case.evidence_comment"
    _belongs(entry, use_case, action)
    if not permissions.can_review(user, use_case):
        raise NotAllowedError(action)
    rules = RuleError.collect(action)
    rules.check(bool(_text(body)), "body", _("Write the comment."))
    rules.check(
        len(_text(body)) <= LONG_TEXT,
        "body",
        _("At most %(limit)s characters.", limit=grouped(LONG_TEXT)),
    )
    rules.raise_if_any()
    activity = EvidenceActivity(
        entry_id=entry.id,
        kind=ActivityKind.COMMENT,
        at=utcnow(),
        actor_id=user.id,
        body=_text(body),
        revision_number=_revisions(entry),
    )
    db.session.add(activity)
    _flush(None, action)
    events.record(
        EvidenceCommented(
            actor_id=user.id, use_case_id=use_case.id, entry_id=entry.id, activity_id=activity.id
        )
    )
    return activity


def mark_reviewed(
    entry: EvidenceEntry, use_case: UseCase, user: User, expected_version: int, note: str = ""
) -> EvidenceEntry:
    """Regulator staff mark the entry, as they read it at ``expected_version``, reviewed."""
    action = "use_case.evidence_reviewed"
    _belongs(entry, use_case, action)
    if entry.version != expected_version:
        raise ConflictError(_last_change(entry.id), action)
    if not permissions.can_review(user, use_case):
        raise NotAllowedError(action)
    rules = RuleError.collect(action)
    rules.check(entry.reviewed_at is None, "__all__", _("This entry is already marked reviewed."))
    rules.check(
        len(_text(note)) <= LONG_TEXT,
        "body",
        _("At most %(limit)s characters.", limit=grouped(LONG_TEXT)),
    )
    rules.raise_if_any()
    number = _revisions(entry)
    now = utcnow()
    entry.reviewed_at = now
    entry.reviewed_by_id = user.id
    db.session.add(
        EvidenceActivity(
            entry_id=entry.id,
            kind=ActivityKind.REVIEWED,
            at=now,
            actor_id=user.id,
            body=_text(note),
            revision_number=number,
        )
    )
    _flush(entry, action)
    events.record(
        EvidenceReviewed(
            actor_id=user.id, use_case_id=use_case.id, entry_id=entry.id, revision=number
        )
    )
    return entry
