"""Read side of accounts: the paginated list administrators manage."""

from __future__ import annotations

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import joinedload

from tracker.auth.models import User
from tracker.extensions import db

USERS_PER_PAGE = 50


def users(page: int) -> Pagination:
    """Every account, active first, with its organisation, a page at a time."""
    return db.paginate(
        sa.select(User)
        .options(joinedload(User.regulator), joinedload(User.institution))
        .order_by(User.active.desc(), User.name, User.id),
        page=page,
        per_page=USERS_PER_PAGE,
        error_out=False,
    )
