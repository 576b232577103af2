"""Serve the application for the browser tests.

``python -m tests.browser.live_server DATABASE_URL PORT_FILE``

It runs in a process of its own, so the browser talks to a server with its own extensions,
sessions and rate-limit storage, as in production, against the test database the fixtures fill.
CSRF protection is on and cookies are not marked secure (the browser talks plain http). Once
it listens, the server writes its port to PORT_FILE.
"""

from __future__ import annotations

import sys
from pathlib import Path

from werkzeug.serving import make_server

from tests.conftest import make_app


def main(database_url: str, port_file: Path) -> None:
    app = make_app(database_url, WTF_CSRF_ENABLED=True, SERVER_NAME=None)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Written whole under another name, then renamed, so the reader never sees half a number.
    partial = port_file.with_suffix(".partial")
    partial.write_text(str(server.server_port))
    partial.rename(port_file)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
