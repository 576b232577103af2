"""Who may generate which report, and which issued reports a user may list and download.

- Admins: every report.
- Supervisors and regulator staff: cohort, programme and use-case reports within their remit;
  institution reports for institutions their regulator supervises or that have a use case in
  their remit (the report then covers only the use cases in that remit).
- Institution users: the report of their own institution and of the use cases it leads.
- Exit reports and written proof of activities (use cases in production or discontinued): as
  use-case reports; the institution also sees those the regulator issued on its use cases.
"""

from __future__ import annotations

import sqlalchemy as sa

from tracker.auth.models import User
from tracker.auth.permissions import Permission, has
from tracker.extensions import db
from tracker.institutions.models import Institution
from tracker.programmes.models import Cohort, Programme
from tracker.programmes.permissions import in_remit, remit_programme_ids
from tracker.reports.data import involving
from tracker.reports.models import IssuedReport, ReportKind
from tracker.usecases import permissions as usecase_permissions
from tracker.usecases.models import UseCase

Subject = Cohort | Programme | Institution | UseCase

MODELS: dict[ReportKind, type[Subject]] = {
    ReportKind.COHORT: Cohort,
    ReportKind.PROGRAMME: Programme,
    ReportKind.INSTITUTION: Institution,
    ReportKind.USE_CASE: UseCase,
    ReportKind.EXIT: UseCase,
    ReportKind.EXIT_PROOF: UseCase,
}
# Reports on one use case.
ON_USE_CASE = (ReportKind.USE_CASE, ReportKind.EXIT, ReportKind.EXIT_PROOF)
EXIT_KINDS = (ReportKind.EXIT, ReportKind.EXIT_PROOF)


def _own_institution(user: User, institution_id: int) -> bool:
    return (
        user.is_authenticated
        and user.active
        and user.is_institution_user
        and user.institution_id == institution_id
    )


def _exports(user: User) -> bool:
    return has(user, Permission.EXPORT_REPORTS)


def can_generate(user: User, kind: ReportKind, subject: Subject) -> bool:
    """Whether ``user`` may issue a report of ``kind`` on ``subject``."""
    if isinstance(subject, Cohort) and kind is ReportKind.COHORT:
        return _exports(user) and in_remit(user, subject.programme)
    if isinstance(subject, Programme) and kind is ReportKind.PROGRAMME:
        return _exports(user) and in_remit(user, subject)
    if isinstance(subject, UseCase) and kind in ON_USE_CASE:
        if _exports(user) and usecase_permissions.can_view(user, subject):
            return True  # within the remit, and a proposal rather than a draft
        return usecase_permissions.is_owner(user, subject)
    if isinstance(subject, Institution) and kind is ReportKind.INSTITUTION:
        if _own_institution(user, subject.id):
            return True
        return _exports(user) and _knows_institution(user, subject)
    return False


def _knows_institution(user: User, institution: Institution) -> bool:
    """Regulator-side users know the institutions their regulator supervises and those with a
    use case in their remit; admins know every one."""
    if has(user, Permission.VIEW_ALL):
        return True
    if not has(user, Permission.VIEW_REMIT):
        return False
    if user.regulator_id is not None and institution.regulator_id == user.regulator_id:
        return True
    return bool(
        db.session.scalar(
            sa.select(
                sa.exists().where(
                    involving(institution.id), usecase_permissions.visible_filter(user)
                )
            )
        )
    )


def can_see_subject(user: User, kind: ReportKind, subject: Subject) -> bool:
    """Whether the subject itself is visible to ``user`` (else a refusal is a 404, not a 403)."""
    if isinstance(subject, Cohort):
        return in_remit(user, subject.programme)
    if isinstance(subject, Programme):
        return in_remit(user, subject)
    if isinstance(subject, UseCase):
        return usecase_permissions.can_view(user, subject)
    return _own_institution(user, subject.id) or _knows_institution(user, subject)


def visible_reports(user: User) -> sa.ColumnElement[bool]:
    """A WHERE clause on IssuedReport: the issued reports ``user`` may list and download.

    Regulator-side users see cohort, programme and use-case reports in their remit, and
    institution reports issued by their own regulator's staff (which were limited to that
    remit). Institution users see the reports their own institution's users issued. Both follow
    the issuer's organisation at the time of issue, recorded on the report.
    """
    if not user.is_authenticated or not user.active:
        return sa.false()
    # Use-case reports issued on drafts (their institution may issue them) stay with the
    # institution, whatever the use case became since.
    on_proposal = IssuedReport.on_draft.is_(False)
    if has(user, Permission.VIEW_ALL):
        return on_proposal
    if has(user, Permission.VIEW_REMIT) and user.regulator_id is not None:
        programmes = remit_programme_ids(user)
        assert programmes is not None  # only VIEW_ALL is unrestricted
        return sa.or_(
            sa.and_(
                IssuedReport.kind == ReportKind.COHORT,
                IssuedReport.subject_id.in_(
                    sa.select(Cohort.id).where(Cohort.programme_id.in_(programmes))
                ),
            ),
            sa.and_(
                IssuedReport.kind == ReportKind.PROGRAMME,
                IssuedReport.subject_id.in_(programmes),
            ),
            sa.and_(
                IssuedReport.kind.in_(ON_USE_CASE),
                on_proposal,
                IssuedReport.subject_id.in_(
                    sa.select(UseCase.id)
                    .join(Cohort, UseCase.cohort_id == Cohort.id)
                    .where(Cohort.programme_id.in_(programmes))
                ),
            ),
            sa.and_(
                IssuedReport.kind == ReportKind.INSTITUTION,
                IssuedReport.issuer_regulator_id == user.regulator_id,
            ),
        )
    if user.is_institution_user and user.institution_id is not None:
        own_use_cases = sa.select(UseCase.id).where(UseCase.institution_id == user.institution_id)
        return sa.or_(
            # The exit PDFs of its own use cases, whoever issued them.
            sa.and_(IssuedReport.kind.in_(EXIT_KINDS), IssuedReport.subject_id.in_(own_use_cases)),
            _issued_by_institution(user.institution_id),
        )
    return sa.false()


def _issued_by_institution(institution_id: int) -> sa.ColumnElement[bool]:
    """What the institution's own users issued on it and on the use cases it leads."""
    return sa.and_(
        IssuedReport.issuer_institution_id == institution_id,
        sa.or_(
            sa.and_(
                IssuedReport.kind == ReportKind.INSTITUTION,
                IssuedReport.subject_id == institution_id,
            ),
            sa.and_(
                IssuedReport.kind == ReportKind.USE_CASE,
                IssuedReport.subject_id.in_(
                    sa.select(UseCase.id).where(UseCase.institution_id == institution_id)
                ),
            ),
        ),
    )
