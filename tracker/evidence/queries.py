"""The read side of the evidence register, shared by its pages, the API, the use-case report
and other domains (the exit report): the register as it stood at a moment, as frozen views.

``evidence_as_at(use_case_id, moment)`` takes each entry's last revision saved before the
moment, its review mark as it stood then and the comments made by then. ``moment=None`` is now.
Three queries, however many entries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from tracker.evidence.models import (
    ActivityKind,
    Direction,
    EvidenceActivity,
    EvidenceEntry,
    EvidenceRevision,
    Hosting,
    Outcome,
    outcome_of,
)
from tracker.evidence.services import NARRATIVE_FIELDS
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.usecases.models import Technique


@dataclass(frozen=True)
class EvaluationRow:
    metric: str
    dataset: str
    result: float | None
    threshold: float | None
    direction: str  # the label, "" without a threshold
    outcome: Outcome | None
    derived: bool  # the outcome follows from the result and the threshold

    @property
    def outcome_label(self) -> str:
        return self.outcome.label if self.outcome else _("Not stated")


@dataclass(frozen=True)
class ActivityRow:
    kind: ActivityKind
    at: datetime
    by: str
    body: str
    revision: int | None


@dataclass(frozen=True)
class DocumentLink:
    id: int
    filename: str


@dataclass(frozen=True)
class EvidenceView:
    """One entry as it stood at the moment asked for."""

    entry_id: int
    version: int  # the entry's current version (forms carry it)
    iteration: int
    model_name: str
    model_version: str
    provider: str
    technique: str
    hosting: str
    narratives: tuple[tuple[str, str], ...]  # (label, text), in the register's order
    evaluations: tuple[EvaluationRow, ...]
    documents: tuple[DocumentLink, ...]
    revision: int
    revised_at: datetime
    revised_by: str
    recorded_at: datetime
    reviewed_at: datetime | None
    reviewed_by: str | None
    activity: tuple[ActivityRow, ...]  # comments and review marks, oldest first

    @property
    def title(self) -> str:
        return _(
            "Iteration %(num)d: %(model)s %(version)s",
            num=self.iteration,
            model=self.model_name,
            version=self.model_version,
        )

    @property
    def reviewed(self) -> bool:
        return self.reviewed_at is not None

    @property
    def comments(self) -> tuple[ActivityRow, ...]:
        return tuple(a for a in self.activity if a.kind is ActivityKind.COMMENT)

    @property
    def passed(self) -> int:
        return sum(1 for e in self.evaluations if e.outcome is Outcome.PASS)

    @property
    def failed(self) -> int:
        return sum(1 for e in self.evaluations if e.outcome is Outcome.FAIL)


def _evaluation(values: dict[str, Any]) -> EvaluationRow:
    direction = Direction(values["direction"]) if values.get("direction") else None
    stated = Outcome(values["stated_outcome"]) if values.get("stated_outcome") else None
    result, threshold = values.get("result"), values.get("threshold")
    derived = result is not None and threshold is not None and direction is not None
    return EvaluationRow(
        metric=values["metric"],
        dataset=values.get("dataset", ""),
        result=result,
        threshold=threshold,
        direction=direction.label if direction else "",
        outcome=outcome_of(result, threshold, direction, stated),
        derived=derived,
    )


def _name(user: Any) -> str:
    return user.name if user is not None else "—"


def evidence_as_at(
    use_case_id: int,
    moment: datetime | None = None,
    local: Callable[[datetime], datetime] = lambda value: value,
) -> tuple[EvidenceView, ...]:
    """The use case's evidence register as it stood at ``moment`` (naive UTC; None: now),
    iterations in order. ``local`` converts the times shown (reports give their time zone)."""
    entries = list(
        db.session.scalars(
            sa.select(EvidenceEntry)
            .where(EvidenceEntry.use_case_id == use_case_id)
            .where(sa.true() if moment is None else EvidenceEntry.created_at < moment)
            .order_by(EvidenceEntry.iteration)
        )
    )
    if not entries:
        return ()
    ids = [e.id for e in entries]
    revisions = db.session.scalars(
        sa.select(EvidenceRevision)
        .where(EvidenceRevision.entry_id.in_(ids))
        .where(sa.true() if moment is None else EvidenceRevision.at < moment)
        .options(joinedload(EvidenceRevision.actor))
        .order_by(EvidenceRevision.entry_id, EvidenceRevision.number)
    )
    latest: dict[int, EvidenceRevision] = {}
    for saved in revisions:
        latest[saved.entry_id] = saved
    activity: dict[int, list[EvidenceActivity]] = defaultdict(list)
    for row in db.session.scalars(
        sa.select(EvidenceActivity)
        .where(EvidenceActivity.entry_id.in_(ids))
        .where(sa.true() if moment is None else EvidenceActivity.at < moment)
        .options(joinedload(EvidenceActivity.actor))
        .order_by(EvidenceActivity.at, EvidenceActivity.id)
    ):
        activity[row.entry_id].append(row)
    views = []
    for entry in entries:
        revision = latest.get(entry.id)
        if revision is None:
            continue
        views.append(_view(entry, revision, activity[entry.id], local))
    return tuple(views)


def _view(
    entry: EvidenceEntry,
    revision: EvidenceRevision,
    activity: list[EvidenceActivity],
    local: Callable[[datetime], datetime],
) -> EvidenceView:
    content = revision.content
    # The review mark as it stood: the last mark or clearing of one by then.
    marks = [a for a in activity if a.kind in (ActivityKind.REVIEWED, ActivityKind.REVIEW_CLEARED)]
    mark = marks[-1] if marks and marks[-1].kind is ActivityKind.REVIEWED else None
    return EvidenceView(
        entry_id=entry.id,
        version=entry.version,
        iteration=entry.iteration,
        model_name=content["model_name"],
        model_version=content["model_version"],
        provider=content["provider"],
        technique=Technique(content["technique"]).label,
        hosting=Hosting(content["hosting"]).label,
        narratives=tuple((label, content.get(name, "")) for name, label in NARRATIVE_FIELDS),
        evaluations=tuple(_evaluation(e) for e in content.get("evaluations", [])),
        documents=tuple(
            DocumentLink(id=d["id"], filename=d["filename"]) for d in content.get("documents", [])
        ),
        revision=revision.number,
        revised_at=local(revision.at),
        revised_by=_name(revision.actor),
        recorded_at=local(entry.created_at),
        reviewed_at=local(mark.at) if mark else None,
        reviewed_by=_name(mark.actor) if mark else None,
        activity=tuple(
            ActivityRow(
                kind=a.kind,
                at=local(a.at),
                by=_name(a.actor),
                body=a.body,
                revision=a.revision_number,
            )
            for a in activity
        ),
    )


def revisions(entry_id: int) -> list[EvidenceRevision]:
    """Every saved revision of an entry, newest first, for its history."""
    return list(
        db.session.scalars(
            sa.select(EvidenceRevision)
            .where(EvidenceRevision.entry_id == entry_id)
            .options(joinedload(EvidenceRevision.actor))
            .order_by(EvidenceRevision.number.desc())
        )
    )


def evidence_reviewed_as_at(
    use_case_id: int, moment: datetime | None = None
) -> tuple[EvidenceView, ...]:
    """The entries that stood reviewed at ``moment``: what an exit report lists as the
    evidence the regulator reviewed."""
    return tuple(v for v in evidence_as_at(use_case_id, moment) if v.reviewed)
