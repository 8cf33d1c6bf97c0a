"""Who is asking, and may they? Sign-in, sessions, API tokens and the access table.

Every endpoint is in :data:`ACCESS` (or :data:`PUBLIC`): the role it needs and, for a pharmacy
system's bearer token, the scope. An endpoint in neither is refused to everyone, so a new route
cannot be reached before someone decides who may use it; the route-by-role test reads the app's
URL map. Pages take a signed-in session; ``/api/v1/`` also takes ``Authorization: Bearer``
(the token's owner's roles, narrowed to its scopes). No one: 401 ``UNAUTHENTICATED`` (a page
sends the browser to sign in); the wrong role or scope: 403 ``FORBIDDEN``.

Sessions are kept by the server (:mod:`compounding.records.sessions`): the signed cookie holds
only the session's secret; a new session at sign-in, signed out after 15 minutes idle and 12
hours after it began *(defaults)*, and ended everywhere by signing out, a password change or
disabling. Failed sign-ins hold back the name and address that failed, with a doubling wait
(:mod:`compounding.records.throttle`). A password set by someone else must be changed on its
owner's own page (:mod:`.account_page`) before any other page. Every sign-in, failure, hold and
sign-out is in the audit trail (security.md). First start's page is :mod:`.setup_page`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from compounding.errors import CompoundingError, ErrorDetail
from compounding.records import Accounts, AuditLog, Token, User
from compounding.records.people import Failure

PUBLIC = frozenset({"static", "api.healthz", "api.openapi_json", "auth.login", "auth.logout",
                    "setup.setup"})
TECHNICIAN, PHARMACIST, ADMIN = "technician", "pharmacist", "admin"
SIGNED_IN = "signed_in"
"""The "role" of a page every signed-in person may use (their own password)."""
TEMPORARY_PASSWORD_PAGES = frozenset({"account.password", "auth.logout", "static"})
# endpoint -> (role, the token scope that reaches it; None: signed-in people only)
ACCESS: dict[str, tuple[str, str | None]] = {
    "api.plan": (TECHNICIAN, "plan"),
    "api.label": (TECHNICIAN, "plan"),
    "api.worksheet": (TECHNICIAN, "records:write"),
    "records_api.search": (TECHNICIAN, "records:read"),
    "records_api.search_by_post": (TECHNICIAN, "records:read"),
    "records_api.read": (TECHNICIAN, "records:read"),
    "records_api.revision": (TECHNICIAN, "records:read"),
    "records_api.worksheet": (TECHNICIAN, "records:read"),
    "records_api.executed": (TECHNICIAN, "records:read"),
    "records_api.recall": (TECHNICIAN, "records:read"),
    "records_api.bench": (TECHNICIAN, "records:write"),
    "records_api.correction": (TECHNICIAN, "records:write"),
    "records_api.verification": (PHARMACIST, "records:write"),
    "records_api.acknowledgement": (PHARMACIST, "records:write"),
    "records_api.scrap": (PHARMACIST, "records:write"),
    "records_api.label": (PHARMACIST, "labels:print"),
    "integration_api.create": (TECHNICIAN, "records:write"),
    "api.create_kit": (TECHNICIAN, "records:write"),  # as a batch record's creation
    "api.read_kit": (TECHNICIAN, "records:read"),
    "api.kit_label": (PHARMACIST, "labels:print"),  # as a batch's dispensing label
    "api.kit_calendar": (TECHNICIAN, "records:read"),
    "api.kit_leaflet": (TECHNICIAN, "records:read"),
    "integration_api.events": (TECHNICIAN, "records:read"),
    "integration_api.log": (TECHNICIAN, "records:read"),
    "fhir_api.medication_request": (TECHNICIAN, "plan"),
    "fhir_api.dispense": (TECHNICIAN, "records:read"),
    "formulary_api.listing": (TECHNICIAN, "records:read"),
    "formulary_api.read": (TECHNICIAN, "records:read"),
    "formulary_api.pdf": (TECHNICIAN, "records:read"),
    "formulary_api.draft": (TECHNICIAN, "records:write"),
    "formulary_api.approval": (PHARMACIST, "records:write"),  # as a batch's verification
    "formulary.index": (TECHNICIAN, None),
    "formulary.show": (TECHNICIAN, None),
    "formulary.changes": (TECHNICIAN, None),
    "formulary.approve": (PHARMACIST, None),
    "form.index": (TECHNICIAN, None),
    "form.preview": (TECHNICIAN, None),
    "form.create_batch": (TECHNICIAN, None),
    "form.discard_draft": (TECHNICIAN, None),
    "records.index": (TECHNICIAN, None),
    "records.search": (TECHNICIAN, None),
    "records.show": (TECHNICIAN, None),
    "records.worksheet": (TECHNICIAN, None),
    "records.executed": (TECHNICIAN, None),
    "records.bench": (TECHNICIAN, None),
    "records.correction": (TECHNICIAN, None),
    "records.verification": (PHARMACIST, None),
    "records.acknowledgement": (PHARMACIST, None),
    "records.scrap": (PHARMACIST, None),
    "records.label": (PHARMACIST, None),
    "kits.show": (TECHNICIAN, None),
    "kits.label": (PHARMACIST, None),  # as a batch's dispensing label
    "kits.calendar": (TECHNICIAN, None),
    "kits.leaflet": (TECHNICIAN, None),
    "inventory.index": (TECHNICIAN, None),
    "inventory.receive": (TECHNICIAN, None),
    "inventory.show": (TECHNICIAN, None),
    "inventory.quarantine": (PHARMACIST, None),
    "inventory.lots_json": (TECHNICIAN, None),
    "inventory.quarantine_json": (TECHNICIAN, None),
    "admin.users": (ADMIN, None),
    "admin.add_user": (ADMIN, None),
    "admin.change_user": (ADMIN, None),
    "admin.tokens": (ADMIN, None),
    "admin.create_token": (ADMIN, None),
    "admin.revoke_token": (ADMIN, None),
    "admin.audit": (ADMIN, None),
    "settings.index": (ADMIN, None),
    "settings.save": (ADMIN, None),
    "equipment.index": (ADMIN, None),
    "equipment.save": (ADMIN, None),
    "account.password": (SIGNED_IN, None),
    "queue.index": (TECHNICIAN, None),
}

bp = Blueprint("auth", __name__)
login_manager = LoginManager()


class SessionUser(UserMixin):
    """A :class:`compounding.records.User` as Flask-Login holds it."""

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        return str(self.user.id)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a signed-in user, or a token and its owner."""

    user: User
    token: Token | None = None

    def may(self, role: str, scope: str | None) -> bool:
        if role == SIGNED_IN:
            return self.token is None
        if not self.user.has(role):
            return False
        if self.token is None:
            return True
        return scope is not None and scope in self.token.scopes


def accounts() -> Accounts:
    return current_app.extensions["accounts"]


def audit_log() -> AuditLog:
    return current_app.extensions["audit"]


def principal() -> Principal:
    return g.principal


def audit(action: str, target: str | None = None, **detail: Any) -> None:
    """One event in the audit trail, by whoever is asking, from where they ask."""
    who: Principal | None = g.get("principal")
    audit_log().record(action, user_id=who.user.id if who else detail.pop("user_id", None),
                       token_id=who.token.id if who and who.token else None, target=target,
                       detail=detail, remote=request.remote_addr)


def home_url() -> str:
    """The signed-in person's home page, or the sign-in page (for templates)."""
    if current_user.is_authenticated:
        return home(current_user.user)
    return url_for("auth.login")


def init_app(app: Flask) -> None:
    app.jinja_env.globals["home_url"] = home_url
    login_manager.init_app(app)
    login_manager.session_protection = None  # sessions are renewed at sign-in instead
    app.before_request(_gate)
    app.register_blueprint(bp)


@login_manager.user_loader
def _load(user_id: str) -> SessionUser | None:
    """The session's user, while the server still holds the session (its secret in the
    cookie) live; why it ended, if it did, is left in ``g.session_ended``."""
    user = accounts().get(int(user_id)) if user_id.isdigit() else None
    if user is None or user.disabled:
        return None
    ended = accounts().sessions.check(session.get("sid"), user.id)
    if ended is not None:
        g.session_ended = (ended, user.id)
        return None
    return SessionUser(user)


class Denied(CompoundingError):
    """401 or 403 in the one error shape."""

    def __init__(self, status: int, errors: list[ErrorDetail]) -> None:
        self.status = status
        super().__init__(errors)


UNAUTHENTICATED = ErrorDetail("UNAUTHENTICATED", "headers[\"Authorization\"]",
                              "sign in, or send a pharmacy system's token as "
                              "Authorization: Bearer")


def _gate() -> Any:
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC:
        return None
    api = request.path.startswith("/api/")
    who = _token_principal() if api and "Authorization" in request.headers else None
    if who is None:
        who = _session_principal()
    if who is None:
        if api:
            raise Denied(401, [UNAUTHENTICATED])
        return redirect(url_for("auth.login", next=request.path), code=303)
    g.principal = who
    if who.token is None and who.user.temporary and endpoint not in TEMPORARY_PASSWORD_PAGES:
        if api:
            raise Denied(403, [ErrorDetail(
                "PASSWORD_CHANGE_REQUIRED", "password",
                "your password was set by an administrator: change it in the workbench first")])
        return redirect(url_for("account.password"), code=303)
    role, scope = ACCESS.get(endpoint, (None, None))
    if role is None or not who.may(role, scope):
        needed = f"the {role} role" if role else "an access rule"
        if who.token is not None and role is not None and who.user.has(role):
            needed = f"the {scope or 'signed-in session'} scope"
        raise Denied(403, [ErrorDetail("FORBIDDEN", "path",
                                       f"this needs {needed}, which you do not have")])
    return None


def _token_principal() -> Principal:
    kind, _, text = request.headers.get("Authorization", "").partition(" ")
    found = accounts().token_user(text.strip()) if kind.lower() == "bearer" else None
    if found is None:
        raise Denied(401, [ErrorDetail("UNAUTHENTICATED", "headers[\"Authorization\"]",
                                       "the token is unknown, revoked, or its owner disabled")])
    token, owner = found
    return Principal(owner, token)


ENDED = {"idle": ("logoff_idle", "You were signed out after 15 minutes without activity."),
         "expired": ("logoff_expired", "You were signed out: a session lasts at most 12 hours. "
                                       "Sign in again to go on.")}


DRAFTED = frozenset({"form.preview", "form.create_batch"})
"""Forms whose fields are kept as the person's draft when posted after the session ended."""


def keep_draft(user_id: int) -> None:
    """Keep the posted order form as the person's draft (:mod:`compounding.records.drafts`)."""
    fields = {k: (v if len(v) > 1 else v[0]) for k, v in request.form.lists()
              if k not in ("csrf_token", "submission")}
    current_app.extensions["drafts"].keep(user_id, fields)


def _session_principal() -> Principal | None:
    if not current_user.is_authenticated:
        ended = g.pop("session_ended", None)
        if ended is not None:
            session.clear()
            if ended[0] in ENDED:
                action, notice = ENDED[ended[0]]
                audit_log().record(action, user_id=ended[1], remote=request.remote_addr)
                if request.method == "POST" and request.endpoint in DRAFTED:
                    keep_draft(ended[1])
                    notice += " The order you were typing was kept: it is back in the form."
                session["notice"] = notice
        return None
    return Principal(current_user.user)


def home(user: User) -> str:
    """Where a person lands: the work queue, or the users page for an administrator who
    compounds nothing."""
    return url_for("queue.index") if user.has(TECHNICIAN) else url_for("admin.users")


def _safe_next(target: str | None, user: User) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(
            target).netloc:
        return target
    return home(user)


@bp.route("/login", methods=["GET", "POST"])
def login():
    from .security import csrf_valid

    notice = session.pop("notice", None)
    if request.method == "GET":
        return render_template("login.html", notice=notice, errors=[],
                               next=request.args.get("next", ""))
    form = request.form
    next_page = form.get("next", "")
    if not csrf_valid(form.get("csrf_token")):
        return render_template("login.html", errors=[
            "This form has expired; sign in again."], next=next_page), 400
    username, password = form.get("username", "")[:64], form.get("password", "")
    outcome = accounts().authenticate(username, password, address=request.remote_addr)
    if isinstance(outcome, User):
        session.clear()  # a new session at sign-in: nothing from before it carries over
        session["sid"] = accounts().sessions.begin(outcome.id, request.remote_addr)
        login_user(SessionUser(outcome))
        audit_log().record("login", user_id=outcome.id, remote=request.remote_addr)
        if outcome.temporary:
            return redirect(url_for("account.password"), code=303)
        return redirect(_safe_next(next_page, outcome), code=303)
    if outcome.reason != "held" or _first_held_in_a_minute(username, request.remote_addr):
        audit_log().record("login_failed", user_id=outcome.user.id if outcome.user else None,
                           target=username, detail={"reason": outcome.reason},
                           remote=request.remote_addr)
    if outcome.locked_now:
        audit_log().record("lockout", user_id=outcome.user.id if outcome.user else None,
                           target=username, detail={"seconds": outcome.held.seconds},
                           remote=request.remote_addr)
    return render_template("login.html", errors=[failure_words(outcome)], next=next_page), 401


_HELD_LOCK = threading.Lock()


def _first_held_in_a_minute(username: str, address: str | None) -> bool:
    """Whether a held-back try of ``username`` from ``address`` is the first in a minute: the
    audit trail records those, not each try of a flood (which would make the trail itself
    the thing flooded; the hold and every real failure are recorded)."""
    now = time.monotonic()
    logged: dict[tuple[str, str | None], float] = current_app.extensions.setdefault(
        "held_logged", {})
    with _HELD_LOCK:
        if len(logged) > 10_000:
            logged.clear()
        last = logged.get((username, address))
        if last is not None and now - last < 60:
            return False
        logged[(username, address)] = now
        return True


def failure_words(outcome: Failure) -> str:
    """Why a sign-in failed, in words that do not tell whether the name exists."""
    if outcome.held is not None:
        minutes = max(1, -(-outcome.held.seconds // 60))
        return (f"Too many failed sign-ins with this name from this computer: wait "
                f"{minutes} minute{'s' if minutes > 1 else ''} and try again.")
    if outcome.reason == "tampered":
        return ("This account was changed outside the workbench: an administrator must "
                "check it (compounding db verify) before it signs in.")
    return "The username or password is not right."


@bp.post("/logout")
def logout():
    from .security import csrf_valid

    if current_user.is_authenticated:
        if not csrf_valid(request.form.get("csrf_token")):  # another site's form signs no one out
            from compounding.errors import ErrorDetail

            from .errors import respond

            return respond(400, [ErrorDetail("CSRF_FAILED", "form", "This form has expired or "
                                             "did not come from this workbench; sign out from "
                                             "the page again.")])
        audit_log().record("logout", user_id=current_user.user.id, remote=request.remote_addr)
        accounts().sessions.end(session.get("sid"), "signed_out")
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"), code=303)
