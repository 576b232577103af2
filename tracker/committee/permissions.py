"""Who may do what in a selection committee. Pure predicates over the user and the objects.

External experts hold no role-wide permission at all (``ROLE_PERMISSIONS[Role.EXPERT]`` is
empty): everything they may see comes from an assignment to them on a committee they sit on,
and the pages they may open are listed in ``EXPERT_ENDPOINTS`` (every other page answers 403 or
404 to them, whatever it is and whenever it was added)."""

from __future__ import annotations

from tracker.auth.models import Role, User
from tracker.auth.permissions import Permission, has
from tracker.committee.models import Assignment, Committee, Declaration
from tracker.programmes.models import Cohort
from tracker.usecases.models import Stage, UseCase

# Pages an external expert may open; the rest of the application is closed to them.
EXPERT_ENDPOINTS = frozenset(
    {
        "static",
        "core.index",
        "core.healthz",
        "auth.login",
        "auth.logout",
        "auth.language",
        "auth.account_language",
        "auth.account",
        # Two-factor sign-in (an administrator may require it of experts) and the e-mailed links.
        "auth.two_factor",
        "auth.two_factor_start",
        "auth.two_factor_confirm",
        "auth.two_factor_disable",
        "auth.two_factor_recovery_codes",
        "auth.two_factor_sign_in",
        "auth.forgot_password",
        "auth.reset_password",
        "auth.accept_invitation",
        # Published exit reports' abstracts are public: open to anyone, signed in or not.
        "exits.published_index",
        "exits.published",
        "notifications.index",
        "notifications.mark_read",
        "notifications.mark_all_read",
        "notifications.preferences",
        "notifications.unsubscribe",
        "committee.my_reviews",
        "committee.declare",
        "committee.score",
    }
)

# Stages in which a proposal is before the committee.
BEFORE_COMMITTEE = frozenset({Stage.SUBMITTED, Stage.UNDER_REVIEW})


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.active)


def in_programme(user: User, cohort: Cohort) -> bool:
    """Regulator staff of a regulator leading or taking part in the cohort's programme."""
    return (
        has(user, Permission.ACT_AS_REGULATOR)
        and user.regulator_id is not None
        and user.regulator_id in cohort.programme.regulator_ids
    )


def can_view_committee(user: User, cohort: Cohort) -> bool:
    """The committee page: the programme's regulator staff and admins (never experts)."""
    return has(user, Permission.VIEW_ALL) or in_programme(user, cohort)


def can_manage_committee(user: User, cohort: Cohort) -> bool:
    """Set up the committee, its members, its criteria's weights and its assignments: the lead
    regulator's staff (and admins, who set programmes up)."""
    if has(user, Permission.ADMINISTER):
        return True
    return in_programme(user, cohort) and user.regulator_id == cohort.programme.lead_regulator_id


def can_decide_slate(user: User, cohort: Cohort) -> bool:
    """The committee's decision is applied by the lead regulator's staff."""
    return in_programme(user, cohort) and user.regulator_id == cohort.programme.lead_regulator_id


def may_sit_on(user: User, cohort: Cohort) -> bool:
    """Who may be a member: active external experts, and active staff of a regulator in the
    programme."""
    if not user.active:
        return False
    if user.role is Role.EXPERT:
        return True
    return (
        user.role is Role.REGULATOR
        and user.regulator_id is not None
        and user.regulator_id in cohort.programme.regulator_ids
    )


def own_organisation_ids(use_case: UseCase) -> set[int]:
    """The institutions on a proposal: the applicant and its technology partners."""
    return {use_case.institution_id, *(p.id for p in use_case.partners)}


def is_own_organisation(user: User, use_case: UseCase) -> bool:
    return user.institution_id is not None and user.institution_id in own_organisation_ids(use_case)


def can_see_assignment(user: User, assignment: Assignment, committee: Committee | None) -> bool:
    """The reviewer's own assignment, while they sit on the committee and the proposal is a
    proposal (a withdrawn or decided one stays listed, read-only)."""
    return (
        _active(user)
        and assignment.reviewer_id == user.id
        and committee is not None
        and committee.has_member(user)
        and assignment.use_case.is_proposal
    )


def can_declare(user: User, assignment: Assignment, committee: Committee | None) -> bool:
    return (
        can_see_assignment(user, assignment, committee)
        and not assignment.declared
        and assignment.use_case.stage in BEFORE_COMMITTEE
    )


def can_see_proposal(user: User, assignment: Assignment, committee: Committee | None) -> bool:
    """The proposal in full, once the reviewer has declared no conflict."""
    return (
        can_see_assignment(user, assignment, committee)
        and assignment.declaration is Declaration.NO_CONFLICT
    )


def may_score(
    user: User, use_case: UseCase, committee: Committee, assignment: Assignment | None
) -> bool:
    """On a committee's cohort only an assigned member who declared no conflict scores, while
    the proposal is under review."""
    return (
        _active(user)
        and use_case.stage is Stage.UNDER_REVIEW
        and assignment is not None
        and assignment.reviewer_id == user.id
        and assignment.declaration is Declaration.NO_CONFLICT
        and committee.has_member(user)
        and (user.role is Role.EXPERT or in_programme(user, use_case.cohort))
    )


def may_see_others_scores(
    committee: Committee | None, assignment: Assignment | None, has_own_review: bool
) -> bool:
    """A recused reviewer never sees the others' scores; with blind scoring an assigned
    reviewer sees them only once their own review is in. Staff not assigned to the proposal
    (the chair, supervisors) see them."""
    if committee is None or assignment is None:
        return True
    if assignment.recused or not assignment.declared:
        return False
    return has_own_review or not committee.blind


def can_determine(user: User, use_case: UseCase, routed_regulator_id: int | None) -> bool:
    """A participating regulator's staff record its determination on a proposal routed to it."""
    return (
        routed_regulator_id is not None
        and has(user, Permission.ACT_AS_REGULATOR)
        and user.regulator_id == routed_regulator_id
        and use_case.stage in BEFORE_COMMITTEE
    )
