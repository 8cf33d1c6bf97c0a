"""The baselines of ``bench_web``: a WSGI hello-world on waitress with the service's own
settings, or (``flask``) the same answer from a one-route Flask app, to show what Flask itself
costs.

Run: ``python benchmarks/bare_wsgi.py PORT THREADS [wsgi|flask]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from waitress import serve

from compounding.web.server import SERVER_SETTINGS

BODY = b'{"ok": true}'


def app(environ, start_response):  # type: ignore[no-untyped-def]
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(BODY)))])
    return [BODY]


def flask_app():  # type: ignore[no-untyped-def]
    from flask import Flask

    hello = Flask(__name__)
    hello.add_url_rule("/", "hello", lambda: {"ok": True})
    return hello


if __name__ == "__main__":
    chosen = flask_app() if sys.argv[3:] == ["flask"] else app
    serve(chosen, host="127.0.0.1", port=int(sys.argv[1]), threads=int(sys.argv[2]),
          **SERVER_SETTINGS)
