"""A separate process standing in for one gunicorn worker (used by test_rate_limit_redis)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.conftest import make_app
from tracker.auth import services


def attempts(
    url: str, storage: str, email: str, address: str, count: int, barrier: Any, results: Any
) -> None:
    """Send ``count`` wrong passwords at once, on threads, after every worker is ready. Each
    check takes a tenth of a second, as argon2 does in production, so the attempts overlap."""
    real = services.verify_password

    def slow(password_hash: str | None, password: str) -> bool:
        time.sleep(0.1)
        return real(password_hash, password)

    services.verify_password = slow  # type: ignore[assignment]
    app = make_app(url, RATELIMIT_STORAGE_URI=storage, LOGIN_RATE_LIMIT="4 per 15 minutes")

    def attempt(_n: int) -> int:
        response = app.test_client().post(
            "/login",
            data={"email": email, "password": "wrong"},
            environ_base={"REMOTE_ADDR": address},
        )
        return response.status_code

    barrier.wait(timeout=60)
    with ThreadPoolExecutor(max_workers=count) as pool:
        for status in pool.map(attempt, range(count)):
            results.put(status)
