"""A separate process standing in for one gunicorn worker (used by test_rate_limit_redis)."""

from __future__ import annotations

from typing import Any

from tests.conftest import make_app


def attempts(
    url: str, storage: str, email: str, address: str, count: int, barrier: Any, results: Any
) -> None:
    app = make_app(url, RATELIMIT_STORAGE_URI=storage, LOGIN_RATE_LIMIT="4 per 15 minutes")
    with app.app_context():
        client = app.test_client()
        barrier.wait(timeout=60)
        for _ in range(count):
            response = client.post(
                "/login",
                data={"email": email, "password": "wrong"},
                environ_base={"REMOTE_ADDR": address},
            )
            results.put(response.status_code)
