"""Remit: which programmes, cohorts and institutions a user may see or act in."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tracker.auth.models import User
from tracker.auth.permissions import Permission, has, per_user
from tracker.programmes.models import Cohort, Programme, programme_regulator


def in_remit(user: User, programme: Programme) -> bool:
    """Admins see every programme; regulator-side users those their regulator leads or joins."""
    if has(user, Permission.VIEW_ALL):
        return True
    if has(user, Permission.VIEW_REMIT) and user.regulator_id is not None:
        return user.regulator_id in programme.regulator_ids
    return False


def can_view_programme(user: User, programme: Programme) -> bool:
    return in_remit(user, programme)


def can_view_cohort(user: User, cohort: Cohort) -> bool:
    return in_remit(user, cohort.programme)


def can_manage_cohort(user: User, cohort: Cohort | None, programme: Programme | None) -> bool:
    """Admins and the staff of a regulator taking part in the programme set up cohorts."""
    if has(user, Permission.ADMINISTER):
        return True
    target = cohort.programme if cohort is not None else programme
    return (
        has(user, Permission.ACT_AS_REGULATOR)
        and target is not None
        and user.regulator_id in target.regulator_ids
    )


def remit_programme_ids(user: User) -> sa.Select[Any] | None:
    """A subquery of programme ids in the user's remit; None means no restriction (admin)."""
    return per_user("remit_programme_ids", user, lambda: _remit_programme_ids(user))


def _remit_programme_ids(user: User) -> sa.Select[Any] | None:
    if has(user, Permission.VIEW_ALL):
        return None
    if not has(user, Permission.VIEW_REMIT) or user.regulator_id is None:
        return sa.select(Programme.id).where(sa.false())
    return sa.select(Programme.id).where(
        sa.or_(
            Programme.lead_regulator_id == user.regulator_id,
            Programme.id.in_(
                sa.select(programme_regulator.c.programme_id).where(
                    programme_regulator.c.regulator_id == user.regulator_id
                )
            ),
        )
    )
