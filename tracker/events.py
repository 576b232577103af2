"""Domain events: what the commands record, handed to subscribers only after a commit.

A command calls ``record(SomeEvent(...))``; the event waits in the session until the unit of work
commits (``tracker.unit_of_work``), then every subscriber of its type runs. A rollback drops
the events, so nobody is told of, or acts on, a change that did not happen.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_KEY = "tracker.events"


@dataclass(frozen=True)
class Event:
    """Something a command did: who, what, on which record."""

    action: ClassVar[str] = ""
    actor_id: int | None

    @property
    def subject(self) -> str:
        return ""

    def describe(self) -> dict[str, Any]:
        """The fields of the structured log line."""
        return {"action": self.action, "actor": self.actor_id, "object": self.subject}


@dataclass(frozen=True)
class UseCaseEvent(Event):
    use_case_id: int

    @property
    def subject(self) -> str:
        return f"use_case:{self.use_case_id}"


@dataclass(frozen=True)
class DraftCreated(UseCaseEvent):
    action: ClassVar[str] = "use_case.create"


@dataclass(frozen=True)
class ProposalEdited(UseCaseEvent):
    action: ClassVar[str] = "use_case.edit"
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class UseCaseMoved(UseCaseEvent):
    action: ClassVar[str] = "use_case.transition"
    transition: str = ""
    from_stage: str = ""
    to_stage: str = ""


@dataclass(frozen=True)
class ReviewSaved(UseCaseEvent):
    action: ClassVar[str] = "use_case.review"


@dataclass(frozen=True)
class MilestoneSaved(UseCaseEvent):
    action: ClassVar[str] = "use_case.milestone"
    milestone_id: int = 0


@dataclass(frozen=True)
class ReturnFiled(UseCaseEvent):
    action: ClassVar[str] = "use_case.return"
    return_id: int = 0
    incident_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class IncidentResolved(UseCaseEvent):
    action: ClassVar[str] = "use_case.incident_resolved"
    incident_id: int = 0


@dataclass(frozen=True)
class ReturnCommented(UseCaseEvent):
    action: ClassVar[str] = "use_case.return_comment"
    return_id: int = 0


@dataclass(frozen=True)
class MessagePosted(UseCaseEvent):
    action: ClassVar[str] = "use_case.message"
    message_id: int = 0
    internal: bool = False


@dataclass(frozen=True)
class DocumentAdded(UseCaseEvent):
    action: ClassVar[str] = "use_case.document"
    document_id: int = 0


@dataclass(frozen=True)
class RecordChanged(Event):
    """An administrative record (programme, cohort, institution, user, …) was created or
    changed."""

    action: ClassVar[str] = "record.save"
    kind: str = ""
    record_id: int = 0
    change: str = "save"

    @property
    def subject(self) -> str:
        return f"{self.kind}:{self.record_id}"

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "action": f"{self.kind}.{self.change}"}


@dataclass(frozen=True)
class AccountMailQueued(Event):
    """An account e-mail (a password-reset or invitation link) waits in the outbox: it goes to
    the queue once committed."""

    action: ClassVar[str] = "account.mail"
    mail_id: int = 0
    user_id: int = 0
    kind: str = ""

    @property
    def subject(self) -> str:
        return f"user:{self.user_id}"


@dataclass(frozen=True)
class ReportRequested(Event):
    action: ClassVar[str] = "report.request"
    request_id: int = 0
    kind: str = ""
    subject_id: int = 0
    as_at: date | None = None

    @property
    def subject(self) -> str:
        return f"report_request:{self.request_id}"


@dataclass(frozen=True)
class ReportIssued(Event):
    action: ClassVar[str] = "report.issue"
    request_id: int = 0
    report_id: int = 0
    reference: str = ""

    @property
    def subject(self) -> str:
        return f"report:{self.reference}"


# ---------------------------------------------------------------- recording and dispatch

E = TypeVar("E", bound=Event)
Subscriber = Callable[[Any], None]
_subscribers: dict[type[Event], list[Subscriber]] = defaultdict(list)


def subscribe(event_type: type[E]) -> Callable[[Callable[[E], None]], Callable[[E], None]]:
    """Register a function to run, after a successful commit, for each event of this type
    (and of its subclasses)."""

    def register(handler: Callable[[E], None]) -> Callable[[E], None]:
        if handler not in _subscribers[event_type]:
            _subscribers[event_type].append(handler)
        return handler

    return register


def subscribers(event: Event) -> list[Subscriber]:
    return [h for cls in type(event).__mro__ for h in _subscribers.get(cls, [])]


def record(event: Event) -> None:
    """Keep the event until the current unit of work commits."""
    from tracker.extensions import db

    pending(db.session()).append(event)


def pending(session: Session) -> list[Event]:
    events: list[Event] = session.info.setdefault(_KEY, [])
    return events


def take(session: Session) -> list[Event]:
    """The recorded events, removed from the session."""
    return session.info.pop(_KEY, [])


@sa.event.listens_for(Session, "after_soft_rollback")
def _drop_on_rollback(session: Session, _previous_transaction: Any) -> None:
    # Whatever was recorded belonged to the work that was just undone.
    session.info.pop(_KEY, None)


@sa.event.listens_for(Session, "after_commit")
def _drop_on_commit(session: Session) -> None:
    # The unit of work took its copy before committing; a commit made anywhere else (a test's
    # set-up) must not leave events behind for the next unit of work to send.
    session.info.pop(_KEY, None)


def dispatch(events: list[Event]) -> None:
    """Hand each event to its subscribers. A failing subscriber is logged, never raised: the
    change the event describes is already committed."""
    for event in events:
        for handler in subscribers(event):
            try:
                handler(event)
            except Exception:  # noqa: BLE001 (a subscriber must not undo a commit)
                log.exception(
                    "subscriber %s failed for %s", getattr(handler, "__name__", handler), event
                )
