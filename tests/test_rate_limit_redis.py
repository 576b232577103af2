"""With Redis storage, workers in separate processes share one login limit."""

from __future__ import annotations

import hashlib
import multiprocessing
import uuid

import pytest
import redis

from tests.limit_worker import attempts

REDIS = "redis://127.0.0.1:6379/5"


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
            args=(database_url, REDIS, email, address, 10, barrier, results),
        )
        for _ in range(2)
    ]
    for w in workers:
        w.start()
    statuses = [results.get(timeout=120) for _ in range(20)]
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    # Twenty parallel attempts, ten in each worker, against a limit of four. With per-process
    # memory storage each worker lets four through; when the limit is checked before a request
    # and counted after it, most get through. Counted before the check, exactly four do.
    assert statuses.count(200) == 4, statuses
    assert statuses.count(429) == 16
    account = hashlib.sha256(email.encode()).hexdigest()[:32]  # the account's key (no e-mail)
    for key in client.scan_iter():
        if account.encode() in key or address.encode() in key:
            client.delete(key)
