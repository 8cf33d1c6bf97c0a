"""One error handler: every error of the API, whatever its status, in the one API v1 shape.

Pages of the form get an HTML page instead, unless the client asks for JSON. Nothing a client
sends may produce a 500. A database that cannot be reached or written (a restart, a full disk, a
read-only file) is 503 ``UNAVAILABLE`` with ``Retry-After``, never a 500. A fault of ours is
logged by its kind and stack alone: no message, no parameter, no query string, so no patient
data reaches the log.
"""

from __future__ import annotations

import traceback

from flask import Flask, Response, jsonify, render_template, request
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, SecurityError

from compounding.errors import CompoundingError, ErrorDetail, error_body

RETRY_AFTER_S = 5
HTTP_CODES = {
    400: ("INVALID_JSON", "order", "the request could not be read"),
    404: ("NOT_FOUND", "path", "no such path"),
    405: ("METHOD_NOT_ALLOWED", "method", "this path does not take that method"),
    413: ("BODY_TOO_LARGE", "body", "the body is larger than 64 KiB"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "content_type", "send the order as application/json"),
}


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def respond(status: int, errors: list[ErrorDetail]) -> Response:
    if wants_json():
        response = jsonify(error_body(status, errors))
    else:
        response = Response(_error_page(status, errors))
    response.status_code = status
    return response


def _error_page(status: int, errors: list[ErrorDetail]) -> str:
    """The error page; if its template cannot be read (the installation changed under a
    running service), the same words on a page built here, never a bare 500."""
    try:
        return render_template("error.html", status=status, errors=errors)
    except Exception:  # any failure to render: the plain page below
        from markupsafe import escape

        items = "".join(f"<li>{escape(e.message)}</li>" for e in errors)
        return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>Error {status} · Compounding workbench</title></head><body><main>"
                f"<h1>The workbench could not do this (HTTP {status})</h1><ul>{items}</ul>"
                "<p><a href=\"/\">Back to the workbench</a></p></main></body></html>")


def unavailable(reason: str = "the records database cannot be reached or written just now; "
                              "nothing was saved by this request") -> Response:
    """503 ``UNAVAILABLE`` with ``Retry-After``, saying why in words."""
    detail = ErrorDetail("UNAVAILABLE", "service", f"{reason}; try again in {RETRY_AFTER_S} s")
    response = respond(503, [detail])
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def log_fault(app: Flask, exc: BaseException, what: str) -> None:
    """The fault's kind and where it happened (file, line, function of each frame); never its
    message, its source lines or the request's data."""
    stack = "\n".join(f"  {frame.filename}:{frame.lineno} in {frame.name}"
                      for frame in traceback.extract_tb(exc.__traceback__))
    app.logger.error("%s on %s %s: %s\n%s", what, request.method, request.path,
                     type(exc).__name__, stack)


def init_app(app: Flask) -> None:
    @app.errorhandler(CompoundingError)
    def compounding_error(exc: CompoundingError):
        response = respond(exc.status, exc.errors)
        if exc.status == 503:  # busy (too many password checks at once): come back soon
            from compounding.records.passwords import RETRY_AFTER_S

            response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return response

    @app.errorhandler(SecurityError)
    def untrusted_host(exc: SecurityError):
        return respond(400, [ErrorDetail(
            "UNTRUSTED_HOST", 'headers["Host"]',
            "this service does not answer to that host name; use the address the pharmacy "
            "set up (COMPOUNDING_TRUSTED_HOSTS)")])

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        code, field, message = HTTP_CODES.get(status, ("INVALID_JSON", "order",
                                                       exc.description or "bad request"))
        response = respond(status, [ErrorDetail(code, field, message)])
        if status == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(exc: Exception):
        log_fault(app, exc, "records database unavailable")
        return unavailable()

    @app.errorhandler(Exception)
    def fault(exc: Exception):
        log_fault(app, exc, "internal error")
        return respond(500, [ErrorDetail("INTERNAL_ERROR", "order",
                                         "internal error; it has been logged for a fix")])
