"""Serve the application for the browser tests.

``python -m tests.browser.live_server DATABASE_URL PORT_FILE``

It runs in a process of its own, so the browser talks to a server with its own extensions,
sessions and rate-limit storage, as in production, against the test database the fixtures fill.
CSRF protection is on and cookies are not marked secure (the browser talks plain http). Once
it listens, the server writes its port to PORT_FILE.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from tests.conftest import ROOT, make_app

START_SECONDS = 30


def main(database_url: str, port_file: Path) -> None:
    app = make_app(database_url, pooled=True, WTF_CSRF_ENABLED=True, SERVER_NAME=None)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Written whole under another name, then renamed, so the reader never sees half a number.
    partial = port_file.with_suffix(".partial")
    partial.write_text(str(server.server_port))
    partial.rename(port_file)
    server.serve_forever()


@contextmanager
def serving(database_url: str, folder: Path, **env: str) -> Iterator[str]:
    """Run this module in a process of its own; yield the server's base URL, stop it after.
    ``env`` adds environment variables for the server."""
    log_path, port_file = folder / "server.log", folder / "port"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.browser.live_server", database_url, str(port_file)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_SECONDS
        while not port_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"The live server did not start. Its log:\n{log_path.read_text()}"
                )
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port_file.read_text()}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=START_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
