"""Saved filters on the use-case list: a user names a set of list filters and finds it again.

A saved filter belongs to one user; nobody else can list, open or delete it.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tracker.auth.models import User
from tracker.extensions import Base, db, utcnow
from tracker.i18n import gettext as _
from tracker.rules import RuleError

NAME_LENGTH = 100
QUERY_LENGTH = 1000
MAX_PER_USER = 50


class SavedFilter(Base):
    """The query string of the list's filters (search, scope, stage, sort), under a name."""

    __tablename__ = "saved_filter"
    __table_args__ = (sa.UniqueConstraint("user_id", "name", name="uq_saved_filter_user_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_LENGTH))
    query: Mapped[str] = mapped_column(sa.String(QUERY_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def owned_by(user: User) -> list[SavedFilter]:
    """The user's saved filters, by name."""
    return list(
        db.session.scalars(
            sa.select(SavedFilter).where(SavedFilter.user_id == user.id).order_by(SavedFilter.name)
        )
    )


def get_owned(user: User, filter_id: int) -> SavedFilter | None:
    """The saved filter if it is the user's own; None for anyone else's (the caller 404s)."""
    return db.session.scalar(
        sa.select(SavedFilter).where(SavedFilter.id == filter_id, SavedFilter.user_id == user.id)
    )


def save(user: User, name: str, args: dict[str, object]) -> SavedFilter:
    """Save ``args`` (the list's non-empty filters) as ``name``, replacing the user's filter of
    that name. Flushes; the unit of work commits. Raises ``RuleError`` on the ``name`` field."""
    action = "saved_filter.save"
    name = name.strip()
    query = urlencode(sorted(args.items()))
    rules = RuleError.collect(action)
    rules.check(bool(name), "name", _("Give the filter a name."))
    rules.check(
        len(name) <= NAME_LENGTH,
        "name",
        _("A filter name has at most %(num)d characters.", num=NAME_LENGTH),
    )
    rules.check(len(query) <= QUERY_LENGTH, "name", _("These filters are too long to save."))
    rules.raise_if_any()
    existing = db.session.scalar(
        sa.select(SavedFilter).where(SavedFilter.user_id == user.id, SavedFilter.name == name)
    )
    if existing is not None:
        existing.query = query
        db.session.flush()
        return existing
    count = db.session.scalar(
        sa.select(sa.func.count(SavedFilter.id)).where(SavedFilter.user_id == user.id)
    )
    if (count or 0) >= MAX_PER_USER:
        raise RuleError(
            {"name": _("You can keep at most %(num)d saved filters.", num=MAX_PER_USER)}, action
        )
    saved = SavedFilter(user_id=user.id, name=name, query=query)
    db.session.add(saved)
    db.session.flush()
    return saved


def delete(saved: SavedFilter) -> None:
    db.session.delete(saved)
    db.session.flush()
