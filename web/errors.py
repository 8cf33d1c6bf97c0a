"""One error handler: every error of the API, whatever its status, in the one API v1 shape.

Pages of the form get an HTML page instead, unless the client asks for JSON. Nothing a client
sends may produce a 500; a fault of ours is logged and answered in the same shape.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from compounding.errors import CompoundingError, ErrorDetail, error_body

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


def respond(status: int, errors: list[ErrorDetail]) -> Response | tuple[str, int]:
    if wants_json():
        response = jsonify(error_body(status, errors))
        response.status_code = status
        return response
    return render_template("error.html", status=status, errors=errors), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CompoundingError)
    def compounding_error(exc: CompoundingError):
        return respond(exc.status, exc.errors)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        code, field, message = HTTP_CODES.get(status, ("INVALID_JSON", "order",
                                                       exc.description or "bad request"))
        response = respond(status, [ErrorDetail(code, field, message)])
        if status == 405 and exc.get_response().headers.get("Allow"):
            response = app.make_response(response)
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response

    @app.errorhandler(Exception)
    def fault(exc: Exception):
        app.logger.exception("internal error on %s %s", request.method, request.path)
        return respond(500, [ErrorDetail("INTERNAL_ERROR", "order",
                                         "internal error; it has been logged for a fix")])
