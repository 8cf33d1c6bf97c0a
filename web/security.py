"""Security headers and the form's anti-forgery token.

The Content-Security-Policy forbids scripts outright, but on the order form, which may run
this site's own script files (its schedule's step editor, a progressive enhancement: the form
works without it), never an inline script or one from elsewhere; styles come only from this
site; the page may not be framed. Form posts carry a token tied to the session
(synchroniser token pattern, OWASP CSRF prevention). The JSON API accepts only
``application/json`` bodies, which a cross-site form cannot send.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from flask import Flask, Request, Response, g, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
SCRIPTED_CSP = CSP + "; script-src 'self'"
"""The policy of a page that runs this site's own script files (:func:`allow_scripts`)."""


class Sessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signer made once per secret key instead of on
    every request, and no signer at all for a request that brings no session cookie."""

    def __init__(self) -> None:
        self._signers: dict[object, Any] = {}

    def get_signing_serializer(self, app: Flask) -> Any:
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if key not in self._signers:
            self._signers = {key: super().get_signing_serializer(app)}
        return self._signers[key]

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure whenever the request came over TLS (directly or through a trusted proxy)."""
        from flask import request

        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.cookies.get(self.get_cookie_name(app)) is None and app.secret_key:
            return self.session_class()
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    app.session_interface = Sessions()
    app.after_request(_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token


HEADERS = [
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
]


def allow_scripts() -> None:
    """Let this response's page run this site's own script files (``static/*.js``)."""
    g.scripted = True


def _headers(response: Response) -> Response:
    response.headers.extend(HEADERS)
    if g.get("scripted"):
        response.headers["Content-Security-Policy"] = SCRIPTED_CSP
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def csrf_token() -> str:
    """This session's token, made on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_valid(sent: str | None) -> bool:
    expected = session.get("csrf")
    if not isinstance(expected, str) or not sent:
        return False
    return hmac.compare_digest(expected, sent)
