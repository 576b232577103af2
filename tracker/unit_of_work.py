"""One unit of work: commit once, roll back on any error, and only after a successful commit
hand the recorded domain events to their subscribers (Indico's ``RH.process`` is the model).

Every adapter that changes data (web views, the CLI, jobs, the demo seeder) runs its command
inside ``unit_of_work()``; nothing else commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError
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
