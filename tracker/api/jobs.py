"""The API's periodic job: answers kept for Idempotency-Keys are dropped after a month, by when
no client is still retrying the request they answer."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from huey import crontab

from tracker import jobs
from tracker.api.models import IdempotentResponse
from tracker.extensions import db, utcnow
from tracker.unit_of_work import unit_of_work

KEEP_RESPONSES = timedelta(days=30)


def purge_idempotent_responses(now: datetime | None = None) -> int:
    """Drop the kept answers older than ``KEEP_RESPONSES``; returns how many."""
    before = (now or utcnow()) - KEEP_RESPONSES
    with unit_of_work("api.idempotency.purge"):
        result = db.session.execute(
            sa.delete(IdempotentResponse).where(IdempotentResponse.created_at < before)
        )
    return int(result.rowcount)  # type: ignore[attr-defined]


@jobs.app_periodic(crontab(hour="3", minute="17"))
def purge_idempotent_responses_daily() -> None:
    purge_idempotent_responses()
