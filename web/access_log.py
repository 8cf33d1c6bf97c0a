"""One access log line per request, with a request id, and no patient data.

The line gives the method, the path without its query (a query may carry a search term), the
status, the duration [ms], the request id and the signed-in user's id (or the token's owner):
``POST /api/v1/plan 200 3.1ms id=5f0c... user=2``. Bodies, query strings and names are never
logged. The request id is the client's ``X-Request-Id`` when it is 1-64 visible ASCII characters
(a reverse proxy's), else a new one; it is sent back in ``X-Request-Id`` so that a pharmacy's IT
can find the line of a given answer.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

LOG = logging.getLogger("compounding.access")
_ID = re.compile(r"[\x21-\x7e]{1,64}")


def _start() -> None:
    sent = request.headers.get("X-Request-Id", "")
    g.request_id = sent if _ID.fullmatch(sent) else uuid.uuid4().hex
    g.started = time.perf_counter()


_SECRET_PATH = re.compile(r"^(/setup/)[^/]+")


def _logged_path(path: str) -> str:
    """The path as logged: a one-time setup link's token is a secret, and is left out.

    >>> _logged_path("/setup/Zx9-secret"), _logged_path("/records/20261122-001")
    ('/setup/…', '/records/20261122-001')
    """
    return _SECRET_PATH.sub(r"\1…", path[:200])


def _line(response: Response) -> Response:
    started = g.get("started")
    if started is None:  # a request refused before the first hook ran
        _start()
        started = g.started
    who = g.get("principal")
    user = who.user.id if who is not None else "-"
    response.headers["X-Request-Id"] = g.request_id
    LOG.info("%s %s %d %.1fms id=%s user=%s", request.method, _logged_path(request.path),
             response.status_code, (time.perf_counter() - started) * 1000, g.request_id, user)
    return response


def init_app(app: Flask) -> None:
    """Register the hooks first, so that the time counts everything the request does."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_line)
