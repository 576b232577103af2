"""Background work of accounts: answering a "forgot your password?" request.

The page hands every request to the queue and answers at once, whatever address was typed, so
neither the answer nor its timing tells whether an account exists; this job looks the address
up and, for an active account, queues the e-mail with the link."""

from __future__ import annotations

from tracker import jobs
from tracker.auth import services
from tracker.unit_of_work import unit_of_work


@jobs.app_job(retries=3, retry_delay=30)
def request_password_reset(email: str) -> None:
    with unit_of_work("auth.password_reset_request"):
        services.request_password_reset(email)
