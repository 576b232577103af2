"""What the reports say of a proposal's selection committee, as at a date: who was assigned and
what each declared (the recusals), each participating regulator's determination, and the
committee's decision. Data only; the use-case report's story lays it out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from tracker.committee.models import Assignment, Declaration, Determination, SlateEntry
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.i18n import local_name


@dataclass(frozen=True)
class DeclarationRow:
    reviewer: str
    role: str
    assigned_at: datetime
    declaration: str
    detail: str
    declared_at: datetime | None


@dataclass(frozen=True)
class DeterminationRow:
    regulator: str
    decision: str
    reasons: str
    conditions: str
    by: str
    at: datetime


@dataclass(frozen=True)
class CommitteeRecord:
    declarations: tuple[DeclarationRow, ...]
    determinations: tuple[DeterminationRow, ...]
    decision: str | None  # the committee's latest decision on the slate, with its reason


def committee_record(
    use_case_id: int, cutoff: datetime, local: Callable[[datetime], datetime]
) -> CommitteeRecord | None:
    """The record as it stood at ``cutoff`` (naive UTC), or None where there is none; times
    are shown as ``local`` gives them (the report's time zone)."""
    assignments = list(
        db.session.scalars(
            sa.select(Assignment)
            .where(Assignment.use_case_id == use_case_id, Assignment.assigned_at <= cutoff)
            .options(joinedload(Assignment.reviewer), joinedload(Assignment.conflict_partner))
            .order_by(Assignment.assigned_at, Assignment.id)
        )
    )
    determinations = list(
        db.session.scalars(
            sa.select(Determination)
            .where(Determination.use_case_id == use_case_id, Determination.at <= cutoff)
            .options(joinedload(Determination.regulator), joinedload(Determination.by))
            .order_by(Determination.at, Determination.id)
        )
    )
    slate = db.session.scalar(
        sa.select(SlateEntry)
        .where(SlateEntry.use_case_id == use_case_id, SlateEntry.decided_at <= cutoff)
        .order_by(SlateEntry.decided_at.desc(), SlateEntry.id.desc())
        .limit(1)
    )
    if not assignments and not determinations and slate is None:
        return None
    rows = []
    for a in assignments:
        declared = a.declared_at is not None and a.declared_at <= cutoff
        detail = ""
        if declared and a.declaration is Declaration.CONFLICT and a.conflict_with is not None:
            party = a.conflict_with.label.lower()
            if a.conflict_partner:
                detail = _(
                    "With %(party)s (%(partner)s):",
                    party=party,
                    partner=local_name(a.conflict_partner),
                )
            else:
                detail = _("With %(party)s:", party=party)
            detail += f" {a.conflict_note}"
        elif declared:
            detail = a.conflict_note
        rows.append(
            DeclarationRow(
                reviewer=a.reviewer.name,
                role=a.reviewer.role.label,
                assigned_at=local(a.assigned_at),
                declaration=(a.declaration if declared else Declaration.PENDING).label,
                detail=detail,
                declared_at=local(a.declared_at) if declared and a.declared_at else None,
            )
        )
    decision = None
    if slate is not None:
        decision = f"{slate.outcome.label}: {slate.reason}"
        if slate.override_reason:
            decision += " " + _("Override of the objection:") + f" {slate.override_reason}"
    return CommitteeRecord(
        declarations=tuple(rows),
        determinations=tuple(
            DeterminationRow(
                regulator=d.regulator.code,
                decision=d.decision.label,
                reasons=d.reasons,
                conditions=d.conditions,
                by=d.by.name if d.by else "",
                at=local(d.at),
            )
            for d in determinations
        ),
        decision=decision,
    )
