"""Throughput under load: ``python -m tests.bench.load``.

Serves the tracker (on the cached 100,000-use-case data set of ``tests.bench.pages``) and a
hello-world Flask app (``tests.bench.hello``) under the same gunicorn (2 sync workers each), then
runs ``wrk`` (2 threads, 16 connections) against the use-case list, the dashboard and the
hello-world page in turn, ``--rounds`` times, alternating, and prints the median requests per
second of each and their ratio to hello-world. Each page is measured twice: from a server with
the page cache (the default: a page is served again to its reader until the data changes, so
wrk's repeated request is served from it after the first) and from one with the cache off
(``TRACKER_PAGE_CACHE_SECONDS=0``), which renders every request.

wrk replays the session of one sign-in as the synthetic HKMA analyst. Flask-Login's
``session_protection = "strong"`` drops a session presented with another User-Agent, so the
sign-in and wrk send the same one (otherwise wrk would measure redirects to the sign-in page).

Options: ``--only sqlite|postgresql``, ``--scale N``, ``--rounds N``, ``--duration S``.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.bench.pages import REGULATOR_EMAIL, ROOT, postgres_url, sqlite_url
from tracker.demo import DEMO_PASSWORD

USER_AGENT = "tracker-bench/1.0"
TRACKER_PORT = 5611
HELLO_PORT = 5612
RENDERING_PORT = 5613


@contextmanager
def gunicorn(app: str, port: int, env: dict[str, str]) -> Iterator[None]:
    """``app`` served by gunicorn with two sync workers until the block ends."""
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app,
        ],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/")
                conn.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit(f"bench: {app} did not start") from None
                time.sleep(0.2)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def sign_in(port: int) -> str:
    """Sign in through the form (with its CSRF token); the session cookie to replay."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login", headers={"User-Agent": USER_AGENT})
    response = conn.getresponse()
    page = response.read().decode()
    cookie = _cookies(response)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    if token is None:
        raise SystemExit("bench: no CSRF token on the sign-in page")
    body = urllib.parse.urlencode(
        {"email": REGULATOR_EMAIL, "password": DEMO_PASSWORD, "csrf_token": token.group(1)}
    )
    conn.request(
        "POST",
        "/login",
        body=body,
        headers={
            "User-Agent": USER_AGENT,
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    response = conn.getresponse()
    response.read()
    if response.status != 302:
        raise SystemExit(f"bench: sign-in answered {response.status}")
    return _cookies(response) or cookie


def _cookies(response: http.client.HTTPResponse) -> str:
    return "; ".join(
        value.split(";", 1)[0] for name, value in response.getheaders() if name == "Set-Cookie"
    )


def check(port: int, path: str, cookie: str) -> None:
    """The page answers 200 to the replayed session (not a redirect to the sign-in page)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers={"User-Agent": USER_AGENT, "Cookie": cookie})
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise SystemExit(f"bench: {path} answered {response.status} to the replayed session")


def wrk(url: str, duration: int, cookie: str | None) -> float:
    command = ["wrk", "-t2", "-c16", f"-d{duration}s", "-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise SystemExit(f"bench: {url}: {non_2xx.group(1)} responses were not 2xx")
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if found is None:
        raise SystemExit(f"bench: no requests/sec from wrk:\n{output}")
    return float(found.group(1))


def run(database_url: str, rounds: int, duration: int) -> dict[str, float]:
    """Hello-world, then each page from a server that keeps pages for their reader (the
    default, ``tracker/pagecache.py``) and from one that renders every request."""
    env = {
        "TRACKER_DATABASE_URL": database_url,
        "TRACKER_SECRET_KEY": "bench-secret-key",
        "TRACKER_SECURE_COOKIES": "0",
    }
    with tempfile.TemporaryDirectory(prefix="tracker-bench-pages-") as folder:
        kept = {**env, "TRACKER_PAGE_CACHE_URL": folder}
        rendered = {**env, "TRACKER_PAGE_CACHE_SECONDS": "0"}
        targets = {
            "hello-world": (HELLO_PORT, "/"),
            "use-case list": (TRACKER_PORT, "/use-cases/"),
            "dashboard": (TRACKER_PORT, "/dashboard"),
            "list, rendered": (RENDERING_PORT, "/use-cases/"),
            "dashboard, rendered": (RENDERING_PORT, "/dashboard"),
        }
        results: dict[str, list[float]] = {name: [] for name in targets}
        with (
            gunicorn("tracker:create_app()", TRACKER_PORT, kept),
            gunicorn("tracker:create_app()", RENDERING_PORT, rendered),
            gunicorn("tests.bench.hello:app", HELLO_PORT, {}),
        ):
            cookies = {port: sign_in(port) for port in (TRACKER_PORT, RENDERING_PORT)}
            for port, path in targets.values():
                if port in cookies:
                    check(port, path, cookies[port])
            for _ in range(rounds):
                for name, (port, path) in targets.items():
                    url = f"http://127.0.0.1:{port}{path}"
                    results[name].append(wrk(url, duration, cookies.get(port)))
    return {name: statistics.median(values) for name, values in results.items()}


def report(label: str, medians: dict[str, float]) -> None:
    hello = medians["hello-world"]
    print(f"{label}: requests/s under gunicorn (2 workers), wrk -t2 -c16 (median of rounds)")
    for name, value in medians.items():
        print(f"  {name:<16}{value:>10.1f}{value / hello:>9.1%} of hello-world")
    print(flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--cache", type=Path, default=ROOT / ".bench-cache")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("bench: wrk is not installed (apt-get install wrk)")
    server = os.environ.get("TRACKER_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
    prefix = os.environ.get("TRACKER_BENCH_PREFIX", "tracker_bench")
    if args.only != "postgresql":
        url = sqlite_url(args.cache, args.scale, fresh=False)
        report(f"SQLite, {args.scale:,} use cases", run(url, args.rounds, args.duration))
    if args.only != "sqlite":
        url = postgres_url(server, prefix, args.scale, fresh=False)
        report(f"PostgreSQL, {args.scale:,} use cases", run(url, args.rounds, args.duration))
    return 0


if __name__ == "__main__":
    sys.exit(main())
