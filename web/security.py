"""Security headers and the form's anti-forgery token.

No JavaScript is served, so the Content-Security-Policy forbids scripts outright; styles come
only from this site; the page may not be framed. Form posts carry a token tied to the session
(synchroniser token pattern, OWASP CSRF prevention). The JSON API accepts only
``application/json`` bodies, which a cross-site form cannot send.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, Response, session

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")


def init_app(app: Flask) -> None:
    app.after_request(_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token


def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def csrf_token() -> str:
    """This session's token, made on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_valid(sent: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and sent) and hmac.compare_digest(expected, sent)  # type: ignore[arg-type]
