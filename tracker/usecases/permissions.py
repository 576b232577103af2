"""Who may see and do what on a use case. Pure predicates over the user and the object."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from tracker.auth.models import User
from tracker.auth.permissions import Permission, has, per_user
from tracker.programmes.models import Cohort, CohortStatus
from tracker.programmes.permissions import in_remit, remit_programme_ids
from tracker.usecases.models import Stage, UseCase, use_case_partner
from tracker.usecases.workflow import EDITABLE_STAGES, MILESTONE_STAGES, PILOT_STAGES


def is_owner(user: User, use_case: UseCase) -> bool:
    """An institution user of the institution that leads the use case."""
    return (
        has(user, Permission.PROPOSE)
        and user.institution_id is not None
        and user.institution_id == use_case.institution_id
    )


def is_active_owner(user: User, use_case: UseCase) -> bool:
    """An owner whose institution is still active: only they may change the use case."""
    return is_owner(user, use_case) and user.institution is not None and user.institution.active


def is_partner(user: User, use_case: UseCase) -> bool:
    """A user of a technology partner named on a proposal (read-only access); the lead
    institution's draft stays its own."""
    return (
        use_case.is_proposal
        and user.is_authenticated
        and user.is_institution_user
        and user.institution_id is not None
        and any(p.id == user.institution_id for p in use_case.partners)
    )


def can_view(user: User, use_case: UseCase) -> bool:
    if not user.is_authenticated or not user.active:
        return False
    if has(user, Permission.VIEW_ALL) or has(user, Permission.VIEW_REMIT):
        # A draft is the institution's own until it is first submitted.
        return use_case.is_proposal and in_remit(user, use_case.cohort.programme)
    return is_owner(user, use_case) or is_partner(user, use_case)


def can_act_as_regulator(user: User, use_case: UseCase) -> bool:
    return has(user, Permission.ACT_AS_REGULATOR) and in_remit(user, use_case.cohort.programme)


def can_edit(user: User, use_case: UseCase) -> bool:
    return is_active_owner(user, use_case) and use_case.stage in EDITABLE_STAGES


def can_move_to(user: User, use_case: UseCase, cohort: Cohort) -> bool:
    """A draft may move to another open cohort; a proposal the regulator has seen may not, as it
    would carry the first regulator's notes and scores into another's programme."""
    if cohort.id == use_case.cohort_id:
        return True
    return (
        use_case.stage is Stage.DRAFT and can_edit(user, use_case) and can_propose_in(user, cohort)
    )


def can_propose(user: User) -> bool:
    """Institution users of a financial institution (not a technology partner) propose."""
    return (
        has(user, Permission.PROPOSE)
        and user.institution is not None
        and not user.institution.is_partner
        and user.institution.active
    )


def can_propose_in(user: User, cohort: Cohort) -> bool:
    """An open cohort of an active programme that covers the institution's sector."""
    if not can_propose(user) or user.institution is None:
        return False
    sector = user.institution.sector
    return (
        cohort.status is CohortStatus.OPEN
        and cohort.programme.active
        and sector is not None
        and sector.value in (cohort.programme.sectors or [])
    )


def can_review(user: User, use_case: UseCase) -> bool:
    """Regulator staff in remit score a proposal under review; on a cohort with a selection
    committee, only an assigned member who declared no conflict does."""
    from tracker.committee.rules import may_review

    committee_rule = may_review(user, use_case)
    if committee_rule is not None:
        return committee_rule
    return can_act_as_regulator(user, use_case) and use_case.stage is Stage.UNDER_REVIEW


def can_manage_milestones(user: User, use_case: UseCase) -> bool:
    return can_act_as_regulator(user, use_case) and use_case.stage in MILESTONE_STAGES


def can_file_return(user: User, use_case: UseCase, today: date) -> bool:
    """The institution files returns during its pilot, once there is a day to report on."""
    start = use_case.next_return_start
    return (
        is_active_owner(user, use_case)
        and use_case.stage in PILOT_STAGES
        and start is not None
        and start <= today
    )


def can_resolve_incident(user: User, use_case: UseCase) -> bool:
    """The institution that reported it or the regulator following the pilot closes an
    incident."""
    return is_active_owner(user, use_case) or can_act_as_regulator(user, use_case)


def can_comment_on_return(user: User, use_case: UseCase) -> bool:
    return can_act_as_regulator(user, use_case)


def can_upload(user: User, use_case: UseCase) -> bool:
    if use_case.stage.is_closed:
        return False
    return is_active_owner(user, use_case) or can_act_as_regulator(user, use_case)


def can_message(user: User, use_case: UseCase) -> bool:
    """Messages are between the institution and the regulator, so only once the regulator can
    see the proposal (it has been submitted)."""
    if not use_case.is_proposal:
        return False
    return is_active_owner(user, use_case) or can_act_as_regulator(user, use_case)


def can_see_internal(user: User) -> bool:
    """Internal messages are for the regulator side and admins, never institutions."""
    return user.is_authenticated and (user.is_admin or user.is_regulator_side)


def visible_filter(user: User) -> sa.ColumnElement[bool]:
    """A WHERE clause selecting exactly the use cases ``can_view`` allows, for list queries."""
    return per_user("visible_filter", user, lambda: _visible_filter(user))


def _visible_filter(user: User) -> sa.ColumnElement[bool]:
    if not user.is_authenticated or not user.active:
        return sa.false()
    if has(user, Permission.VIEW_ALL) or has(user, Permission.VIEW_REMIT):
        programme_ids = remit_programme_ids(user)
        if programme_ids is None:
            return UseCase.proposals()
        return sa.and_(
            UseCase.proposals(),
            UseCase.cohort_id.in_(
                sa.select(Cohort.id).where(Cohort.programme_id.in_(programme_ids))
            ),
        )
    if user.is_institution_user and user.institution_id is not None:
        return sa.or_(
            UseCase.institution_id == user.institution_id,
            sa.and_(
                UseCase.proposals(),
                UseCase.id.in_(
                    sa.select(use_case_partner.c.use_case_id).where(
                        use_case_partner.c.institution_id == user.institution_id
                    )
                ),
            ),
        )
    return sa.false()
