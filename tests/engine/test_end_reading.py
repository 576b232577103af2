"""An app context's transaction that only read ends with COMMIT, so that psycopg keeps the
statements it prepared (it forgets them all on a rollback); anything that wrote, and anything
that failed, is rolled back as before."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import World
from tracker.auth.models import User
from tracker.extensions import db


@contextmanager
def endings() -> Iterator[list[str]]:
    seen: list[str] = []

    def commit(_conn: object) -> None:
        seen.append("commit")

    def rollback(_conn: object) -> None:
        seen.append("rollback")

    sa.event.listen(db.engine, "commit", commit)
    sa.event.listen(db.engine, "rollback", rollback)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "commit", commit)
        sa.event.remove(db.engine, "rollback", rollback)


def name_of(app: Flask, user_id: int) -> str:
    with app.app_context():
        return db.session.get_one(User, user_id).name


def test_a_transaction_that_only_read_ends_with_commit(app: Flask, world: World) -> None:
    with endings() as seen, app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) >= 1
    assert seen == ["commit"]


def test_a_flushed_change_is_rolled_back(app: Flask, world: World) -> None:
    before = name_of(app, world.reviewer.id)
    with endings() as seen, app.app_context():
        db.session.get_one(User, world.reviewer.id).name = "Changed, never committed"
        db.session.flush()
    assert seen == ["rollback"]
    assert name_of(app, world.reviewer.id) == before


def test_a_change_never_flushed_is_rolled_back(app: Flask, world: World) -> None:
    before = name_of(app, world.reviewer.id)
    with endings() as seen, app.app_context():
        db.session.get_one(User, world.reviewer.id).name = "Changed, never flushed"
    assert seen == ["rollback"]
    assert name_of(app, world.reviewer.id) == before


def test_a_statement_that_writes_is_rolled_back(app: Flask, world: World) -> None:
    before = name_of(app, world.reviewer.id)
    with endings() as seen, app.app_context():
        db.session.execute(
            sa.update(User).where(User.id == world.reviewer.id).values(name="Updated")
        )
    assert seen == ["rollback"]
    assert name_of(app, world.reviewer.id) == before


def test_a_failure_is_rolled_back(app: Flask, world: World) -> None:
    with endings() as seen, pytest.raises(RuntimeError), app.app_context():
        db.session.scalar(sa.select(sa.func.count(User.id)))
        raise RuntimeError("the request failed")
    assert seen == ["rollback"]


def test_a_commit_that_wrote_leaves_the_next_read_to_commit(app: Flask, world: World) -> None:
    """The mark of a write lasts as long as its transaction: a command's commit, then a read."""
    with endings() as seen, app.app_context():
        db.session.get_one(User, world.reviewer.id).name = "Renamed"
        db.session.commit()
        db.session.scalar(sa.select(sa.func.count(User.id)))
    assert seen == ["commit", "commit"]
    assert name_of(app, world.reviewer.id) == "Renamed"


def test_the_statements_of_a_page_stay_prepared_across_requests(app: Flask, world: World) -> None:
    """The same query in one request after another: on PostgreSQL psycopg prepares it after five
    runs on a connection and keeps it, which a rollback at each request's end would undo."""
    prepared = []
    for _ in range(12):
        with app.app_context():
            db.session.scalars(sa.select(User).where(User.active.is_(True))).all()
            connection = db.session.connection()
            if connection.dialect.name == "postgresql":
                prepared.append(
                    connection.exec_driver_sql(
                        "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %(p)s",
                        {"p": "%FROM user_account%"},
                    ).scalar()
                )
            else:  # SQLite's driver keeps its statement cache whatever the ending
                prepared.append(1)
    assert max(prepared) >= 1
    assert prepared[-1] >= 1
