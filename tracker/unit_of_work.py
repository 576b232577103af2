"""One unit of work: commit once, roll back on any error, and only after a successful commit
hand the recorded domain events to their subscribers (Indico's ``RH.process`` is the model).

Every adapter that changes data (web views, the CLI, jobs, the demo seeder) runs its command
inside ``unit_of_work()``; nothing else commits a change. At the end of a request or job, a
transaction that only read is ended with COMMIT rather than rolled back (``end_reading``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.exc import StaleDataError

from tracker import events
from tracker.extensions import db
from tracker.rules import ConflictError, NotAllowedError, RuleError

log = logging.getLogger("tracker.commands")


def _outcome(exc: BaseException) -> str:
    if isinstance(exc, RuleError):
        return "refused"
    if isinstance(exc, NotAllowedError):
        return "forbidden"
    if isinstance(exc, ConflictError):
        return "conflict"
    return "error"


@contextmanager
def unit_of_work(action: str = "") -> Iterator[None]:
    """Run the block as one transaction. A version clash on commit becomes ``ConflictError``;
    any exception rolls everything back and is re-raised; events go out after the commit."""
    session = db.session()
    try:
        yield
        recorded = list(events.pending(session))
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        log.info("command", extra={"action": action, "outcome": "conflict"})
        raise ConflictError(action=action) from exc
    except BaseException as exc:
        session.rollback()
        if isinstance(exc, RuleError | NotAllowedError | ConflictError | IntegrityError):
            log.info(
                "command",
                extra={
                    "action": getattr(exc, "action", "") or action,
                    "outcome": _outcome(exc),
                    "detail": str(exc)[:300],
                },
            )
        raise
    events.take(session)
    for event in recorded:
        log.info("command", extra={**event.describe(), "outcome": "ok"})
    events.dispatch(recorded)


# Set on a session once its transaction has written (a flush, or a statement other than a
# SELECT); cleared when the transaction ends.
WROTE = "tracker.wrote"


@sa.event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    session.info[WROTE] = True


@sa.event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if not state.is_select:
        state.session.info[WROTE] = True


@sa.event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(WROTE, None)


def end_reading(app: Flask) -> None:
    """End each app context's transaction that only read with COMMIT, before Flask-SQLAlchemy
    removes the session (which would roll it back).

    The two end a read alike, but psycopg forgets every prepared statement on a rollback (one
    may undo DDL the statements depend on), so that a page's queries, the same on every
    request, would be sent, parsed and planned afresh each time. After a commit it prepares
    those run five times on a connection, and PostgreSQL reuses their plans. A transaction that
    wrote anything, or a request that failed, is rolled back as before. Registered after
    ``db.init_app``: teardown functions run last-registered first."""

    @app.teardown_appcontext
    def _end_reading(exc: BaseException | None) -> None:
        if exc is not None or not db.session.registry.has():
            return
        session = db.session()
        if not session.in_transaction() or session.info.get(WROTE):
            return
        if session.new or session.dirty or session.deleted:
            return  # changes never flushed: left to the rollback
        try:
            session.commit()
        except SQLAlchemyError:
            session.rollback()
