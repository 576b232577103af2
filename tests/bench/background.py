"""A large report in the background, as a user meets it: ``python -m tests.bench.background``.

Builds a cohort of ``--use-cases`` (default 5,000) synthetic use cases, starts gunicorn with two
workers and one job worker (as production runs them, with SQLite or PostgreSQL and the SQLite
queue), signs in as a supervisor, asks for the cohort report through the web form, and prints:
how long the request took to answer, how long until the PDF was in the register, how sign-ins
by other users fared while it was produced, and the job worker's peak memory.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import sqlalchemy as sa

from tracker import create_app
from tracker.demo import DEMO_PASSWORD
from tracker.extensions import db
from tracker.programmes.models import Cohort
from tracker.synthetic import build_synthetic

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
COHORT = "Bench cohort"
SIGNERS = ("analyst1.sfc@synthetic.demo", "analyst2.hkma@synthetic.demo")
SUPERVISOR = "analyst1.hkma@synthetic.demo"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """Cookies, a User-Agent and CSRF tokens, as a browser keeps them."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            NoRedirect(),
        )

    def get(self, path: str) -> tuple[int, str, dict[str, str]]:
        return self._send(urllib.request.Request(self.base + path))  # noqa: S310 (http only)

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str, dict[str, str]]:
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base + path, data=body, method="POST")  # noqa: S310
        return self._send(request)

    def post_form(self, path: str, data: dict[str, str]) -> tuple[int, str, dict[str, str]]:
        _status, page, _headers = self.get(path)
        match = TOKEN.search(page)
        if match is None:
            raise SystemExit(f"bench: no CSRF token on {path}")
        return self.post(path, {**data, "csrf_token": match.group(1)})

    def sign_in(self, email: str) -> int:
        status, _page, _headers = self.post_form(
            "/login", {"email": email, "password": DEMO_PASSWORD}
        )
        return status

    def _send(self, request: urllib.request.Request) -> tuple[int, str, dict[str, str]]:
        request.add_header("User-Agent", "tracker-bench")
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace"), dict(exc.headers)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None


def _peak_mb(pid: int) -> float:
    total = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            total = int(line.split()[1]) / 1024
    return total


def _wait_until_up(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310 (http only)
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("bench: gunicorn did not start")


def run(database_url: str, queue_url: str, n: int, port: int) -> dict[str, float | str]:
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench", "QUEUE_URL": queue_url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        build_synthetic(n, cohort_name=COHORT)
        db.session.commit()
        cohort_id = db.session.scalar(sa.select(Cohort.id).where(Cohort.name == COHORT))
        print(f"  {n:,} use cases built in {time.perf_counter() - started:.0f} s", flush=True)
        db.engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(
        TRACKER_DATABASE_URL=database_url,
        TRACKER_QUEUE_URL=queue_url,
        TRACKER_SECRET_KEY="bench",
        TRACKER_SECURE_COOKIES="0",
        TRACKER_LOG_LEVEL="WARNING",
    )
    web = subprocess.Popen(
        [BIN / "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "tracker:create_app()"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [BIN / "flask", "--app", "tracker", "worker", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base)
        supervisor = Browser(base)
        if supervisor.sign_in(SUPERVISOR) != 302:
            raise SystemExit("bench: the supervisor could not sign in")
        asked_at = time.perf_counter()
        status, _page, headers = supervisor.post_form(f"/reports/cohort/{cohort_id}", {"as_at": ""})
        answered_ms = (time.perf_counter() - asked_at) * 1000
        if status != 302:
            raise SystemExit(f"bench: asking for the report answered {status}")
        progress = urllib.parse.urlparse(headers["Location"]).path
        sign_ins: list[tuple[int, float]] = []
        state: dict[str, str] = {}
        last_sign_in = 0.0
        while time.perf_counter() - asked_at < 900:
            _s, body, _h = supervisor.get(progress + "/status")
            state = json.loads(body)
            if state["status"] in ("done", "failed"):
                break
            if time.perf_counter() - last_sign_in > 2:
                last_sign_in = time.perf_counter()
                visitor = Browser(base)
                began = time.perf_counter()
                code = visitor.sign_in(SIGNERS[len(sign_ins) % len(SIGNERS)])
                sign_ins.append((code, (time.perf_counter() - began) * 1000))
            time.sleep(0.5)
        ready_s = time.perf_counter() - asked_at
        ok = sum(1 for code, _ms in sign_ins if code == 302)
        return {
            "answered_ms": answered_ms,
            "ready_s": ready_s,
            "status": state.get("status", "?"),
            "sign_ins": f"{ok}/{len(sign_ins)}",
            "sign_in_median_ms": statistics.median(ms for _c, ms in sign_ins) if sign_ins else 0,
            "sign_in_max_ms": max((ms for _c, ms in sign_ins), default=0),
            "worker_peak_mb": _peak_mb(worker.pid),
        }
    finally:
        for process in (web, worker):
            process.send_signal(signal.SIGTERM)
        for process in (web, worker):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--use-cases", type=int, default=5000)
    parser.add_argument("--port", type=int, default=5077)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        targets = {
            "sqlite": f"sqlite:///{tmp}/bench.db",
            "postgresql": os.environ.get(
                "TRACKER_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432"
            )
            + "/tracker_bench_background",
        }
        for name, url in targets.items():
            if args.only and name != args.only:
                continue
            if name == "postgresql":
                admin = sa.create_engine(
                    url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT"
                )
                with admin.connect() as conn:
                    conn.execute(sa.text("DROP DATABASE IF EXISTS tracker_bench_background"))
                    conn.execute(sa.text("CREATE DATABASE tracker_bench_background"))
                admin.dispose()
            print(f"{name}:", flush=True)
            results[name] = run(url, f"sqlite:///{tmp}/{name}-queue.db", args.use_cases, args.port)
    print()
    print(
        f"Cohort report of {args.use_cases:,} use cases under gunicorn (2 workers) + 1 job worker"
    )
    print(
        "| database | request answered | in the register | sign-ins during it "
        "| sign-in median / max | worker peak |"
    )
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['answered_ms']:.0f} ms | {r['ready_s']:.0f} s ({r['status']}) "
            f"| {r['sign_ins']} | {r['sign_in_median_ms']:.0f} / {r['sign_in_max_ms']:.0f} ms "
            f"| {r['worker_peak_mb']:.0f} MB |"
        )


if __name__ == "__main__":
    main()
