"""With Redis storage, workers in separate processes share one login limit."""

from __future__ import annotations

import multiprocessing
import uuid

import pytest
import redis

from tests.limit_worker import attempts

REDIS = "redis://127.0.0.1:6379/15"


@pytest.mark.slow
@pytest.mark.xdist_group("processes")
def test_workers_share_the_login_limit(database_url: str):
    client = redis.Redis.from_url(REDIS)
    client.ping()  # Redis runs on the development and CI machines; fail loudly if it does not.
    run = uuid.uuid4()
    email = f"limit-{run.hex}@example.com"
    # A documentation-range address unique to this run, so earlier runs' counters do not count.
    address = f"192.0.2.{run.int % 250 + 1}"
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    results = ctx.Queue()
    workers = [
        ctx.Process(
            target=attempts,
            args=(database_url, REDIS, email, address, 4, barrier, results),
        )
        for _ in range(2)
    ]
    for w in workers:
        w.start()
    statuses = [results.get(timeout=120) for _ in range(8)]
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    # Eight attempts against a limit of four. With per-process memory storage all eight get
    # through. With shared storage the limit holds, give or take one attempt per other worker
    # still in flight (only failures count, so a hit is recorded after its response).
    allowed = statuses.count(200)
    assert 4 <= allowed <= 5, statuses
    assert statuses.count(429) == 8 - allowed
    for key in client.scan_iter():
        if email.encode() in key or address.encode() in key:
            client.delete(key)
