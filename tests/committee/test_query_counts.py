"""The committee's pages read a fixed number of queries, whatever the cohort holds: the
committee view of 500 proposals and 20 members reads what the view of 5 does, in time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tracker.auth.models import Role, User
from tracker.committee.models import Assignment, Committee, CommitteeMember, Declaration
from tracker.extensions import db, utcnow
from tracker.programmes.models import Cohort
from tracker.usecases.models import Review, ReviewScore, Stage, UseCase

# Upper bounds (sign-in and the navigation's unread count included).
BOUNDS = {"cohort": 16, "reviews": 10}
# Seconds the committee view of 500 proposals may take on the test machine.
TIME_BUDGET = 5.0


@contextmanager
def counting() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def _committee(world: World, members: int) -> tuple[Committee, list[User]]:
    users = [world.reviewer] + [
        f.create_user(
            Role.EXPERT if n % 2 else Role.REGULATOR, regulator=None if n % 2 else world.hkma
        )
        for n in range(1, members)
    ]
    committee = Committee(cohort_id=world.cohort.id, quorum=2, places=40)
    committee.members = [CommitteeMember(user_id=u.id) for u in users]
    db.session.add(committee)
    db.session.commit()
    return committee, users


def _proposals(world: World, cohort: Cohort, users: list[User], count: int) -> None:
    """``count`` proposals under review, each with four assignments (two complete reviews,
    one recused, one not yet declared and late), inserted in bulk."""
    now = utcnow()
    start = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(UseCase.id), 0))) or 0
    rows = [
        {
            "id": start + n + 1,
            "cohort_id": cohort.id,
            "institution_id": world.bank.id if n % 2 else world.other_bank.id,
            "category_id": world.category.id,
            "title": f"Proposal {n}",
            "summary": "s",
            "problem_statement": "p",
            "technique": "rag",
            "data_used": "d",
            "personal_data": False,
            "audience": "internal",
            "safeguards": "g",
            "kpis": "k",
            "stage": Stage.UNDER_REVIEW.value,
            "stage_changed_at": now,
            "created_at": now,
            "updated_at": now,
            "submitted_at": now,
            "version": 1,
        }
        for n in range(count)
    ]
    db.session.execute(sa.insert(UseCase.__table__), rows)
    criteria = [c.id for c in cohort.criteria]
    assignments, reviews, scores = [], [], []
    review_id = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Review.id), 0))) or 0
    for n, row in enumerate(rows):
        four = [users[(n + k) % len(users)] for k in range(4)]
        for k, user in enumerate(four):
            declared = (
                Declaration.NO_CONFLICT,
                Declaration.NO_CONFLICT,
                Declaration.CONFLICT,
                Declaration.PENDING,
            )[k]
            assignments.append(
                {
                    "use_case_id": row["id"],
                    "reviewer_id": user.id,
                    "assigned_at": now,
                    "due_on": (now - timedelta(days=1)).date(),
                    "declaration": declared.value,
                    "conflict_with": "institution" if k == 2 else None,
                    "conflict_note": "",
                    "declared_at": None if k == 3 else now,
                }
            )
            if k < 2:
                review_id += 1
                reviews.append(
                    {
                        "id": review_id,
                        "use_case_id": row["id"],
                        "reviewer_id": user.id,
                        "at": now,
                        "overall_comment": "",
                    }
                )
                scores += [
                    {
                        "review_id": review_id,
                        "criterion_id": c,
                        "score": 1 + (n + k * 3) % 5,
                        "comment": "",
                    }
                    for c in criteria
                ]
    db.session.execute(sa.insert(Assignment.__table__), assignments)
    db.session.execute(sa.insert(Review.__table__), reviews)
    db.session.execute(sa.insert(ReviewScore.__table__), scores)
    db.session.commit()


def _measure(client: FlaskClient, url: str) -> tuple[int, float, bytes]:
    with counting() as statements:
        began = time.perf_counter()
        response = client.get(url)
        took = time.perf_counter() - began
    assert response.status_code == 200
    return len(statements), took, response.data


def test_the_committee_view_of_500_proposals_and_20_members_reads_a_fixed_count(
    client: FlaskClient, world: World
):
    _committee(world, 20)
    _, users = (
        None,
        list(
            db.session.scalars(
                sa.select(User)
                .join(CommitteeMember, CommitteeMember.user_id == User.id)
                .order_by(User.id)
            )
        ),
    )
    _proposals(world, world.cohort, users, 5)
    login(client, world.reviewer)
    url = f"/committee/cohorts/{world.cohort.id}"
    few, _took, small = _measure(client, url)
    _proposals(world, world.cohort, users, 495)
    many, took, large = _measure(client, url)
    assert few == many <= BOUNDS["cohort"]
    assert took < TIME_BUDGET
    assert large.count(b'name="outcome_') == 500
    assert b"Disagreement" in large


def test_a_reviewers_queue_reads_a_fixed_count(client: FlaskClient, world: World):
    _committee(world, 20)
    users = list(
        db.session.scalars(
            sa.select(User)
            .join(CommitteeMember, CommitteeMember.user_id == User.id)
            .order_by(User.id)
        )
    )
    expert = next(u for u in users if u.role is Role.EXPERT)
    _proposals(world, world.cohort, users, 20)
    login(client, expert)
    few, _took, _ = _measure(client, "/committee/reviews")
    _proposals(world, world.cohort, users, 200)
    many, _took, page = _measure(client, "/committee/reviews")
    assert few == many <= BOUNDS["reviews"]
    assert b"Late by" in page
