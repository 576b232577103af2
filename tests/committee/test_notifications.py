"""Who the committee's events tell: the assigned reviewer of their assignment, and under
"reviewers" the assigned members who are not recused (never an expert of anything outside
their assignments: they see no use-case page)."""

from __future__ import annotations

import sqlalchemy as sa

from tests.committee.conftest import Panel, run
from tracker.committee import services
from tracker.committee.models import ConflictWith
from tracker.extensions import db
from tracker.notifications.models import Notification
from tracker.usecases import services as usecase_services


def _told(kind: str) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == kind)))


def test_assignment_tells_each_reviewer_once(panel: Panel):
    assert _told("review_assigned") == {panel.expert.id, panel.colleague.id}


def test_reviewers_means_the_assigned_members_not_recused(panel: Panel):
    sitting = run(
        lambda: services.assign(panel.world.reviewer, panel.uc, (panel.world.reviewer.id,))
    )[0]
    run(
        lambda: services.declare(
            panel.world.reviewer,
            sitting,
            services.DeclarationData(True, ConflictWith.INSTITUTION, note="Former employer."),
        )
    )
    run(lambda: usecase_services.post_message(panel.uc, panel.world.bank_user, "Update.", False))
    told = _told("message")
    assert panel.colleague.id in told  # assigned, not yet declared: a reviewer of it
    assert panel.expert.id not in told  # experts see no use-case page, so no message
    # The world's reviewer is told as lead staff, not as a reviewer; the recusal only takes
    # them off the reviewers, so they still hear as the lead regulator's staff.
    assert panel.world.reviewer.id in told


def test_the_reviewers_audience_leaves_out_the_recused(panel: Panel):
    from tracker.auth.models import User
    from tracker.notifications.recipients import Audience, Occurrence, Trigger, audience_filter

    sitting = run(
        lambda: services.assign(panel.world.reviewer, panel.uc, (panel.world.reviewer.id,))
    )[0]
    run(
        lambda: services.declare(
            panel.world.reviewer,
            sitting,
            services.DeclarationData(True, ConflictWith.INSTITUTION, note="Former employer."),
        )
    )
    occurrence = Occurrence(
        Trigger.REVIEW_SAVED, "k", None, "t", "usecases.detail", use_case=panel.uc
    )
    ids = set(
        db.session.scalars(
            sa.select(User.id).where(audience_filter(Audience.REVIEWERS, occurrence))
        )
    )
    assert ids == {panel.expert.id, panel.colleague.id}
