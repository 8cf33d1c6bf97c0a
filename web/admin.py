"""The administrator's pages: users (add, disable, reset a password), API tokens (create, shown
once; revoke) and the audit trail. Every change is in the audit trail itself."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from compounding.errors import CompoundingError, ErrorDetail
from compounding.records import User

from .auth import accounts, audit_log, principal
from .auth import audit as log_event
from .records_api import whole_number
from .security import csrf_valid

bp = Blueprint("admin", __name__, url_prefix="/admin")

EXPIRED = ErrorDetail("CSRF_FAILED", "form", "This form has expired; submit it again.")


def _users_page(errors: list[ErrorDetail] | None = None, values: dict[str, str] | None = None,
                status: int = 200):
    return render_template("admin_users.html", users=accounts().all(), errors=errors or [],
                           values=values or {}), status


@bp.get("/users")
def users():
    return _users_page()


@bp.post("/users")
def add_user():
    form = request.form
    values = {k: v for k, v in form.items() if k not in ("csrf_token", "password")}
    if not csrf_valid(form.get("csrf_token")):
        return _users_page([EXPIRED], values, 400)
    try:
        user = accounts().add(form.get("username", ""), form.get("name", ""),
                              form.get("password", ""), form.getlist("roles"),
                              form.get("licence") or None, by=principal().user.id)
    except CompoundingError as exc:
        return _users_page(exc.errors, values, exc.status)
    log_event("user_add", user.username, roles=sorted(user.roles))
    return redirect(url_for("admin.users"), code=303)


@bp.post("/users/<username>")
def change_user(username: str):
    form = request.form
    if not csrf_valid(form.get("csrf_token")):
        return _users_page([EXPIRED], status=400)
    try:
        if form.get("action") == "disable":
            user: User = accounts().disable(username, by=principal().user.id)
        elif form.get("action") == "reset_password":
            user = accounts().set_password(username, form.get("password", ""),
                                           by=principal().user.id)
        else:
            return _users_page([ErrorDetail("INVALID_VALUE", "action",
                                            "disable or reset_password")], status=422)
    except CompoundingError as exc:
        return _users_page(exc.errors, status=exc.status)
    log_event(f"user_{form.get('action')}", user.username)
    return redirect(url_for("admin.users"), code=303)


def _tokens_page(errors: list[ErrorDetail] | None = None, shown: str | None = None,
                 status: int = 200):
    owners = {u.id: u.username for u in accounts().all()}
    return render_template("admin_tokens.html", tokens=accounts().tokens(), owners=owners,
                           users=accounts().all(), errors=errors or [], shown=shown), status


@bp.get("/tokens")
def tokens():
    return _tokens_page()


@bp.post("/tokens")
def create_token():
    form = request.form
    if not csrf_valid(form.get("csrf_token")):
        return _tokens_page([EXPIRED], status=400)
    try:
        token, text = accounts().create_token(form.get("name", ""), form.get("owner", ""),
                                              form.getlist("scopes"), by=principal().user.id)
    except CompoundingError as exc:
        return _tokens_page(exc.errors, status=exc.status)
    log_event("token_create", token.name, scopes=sorted(token.scopes), owner=token.owner_id)
    return _tokens_page(shown=text, status=201)


@bp.post("/tokens/<name>/revoke")
def revoke_token(name: str):
    if not csrf_valid(request.form.get("csrf_token")):
        return _tokens_page([EXPIRED], status=400)
    try:
        token = accounts().revoke_token(name, by=principal().user.id)
    except CompoundingError as exc:
        return _tokens_page(exc.errors, status=exc.status)
    log_event("token_revoke", token.name)
    return redirect(url_for("admin.tokens"), code=303)


@bp.get("/audit")
def audit():
    after = whole_number(request.args.get("after")) or 0
    events = audit_log().events(after=after, limit=100)
    names = {u.id: u.username for u in accounts().all()}
    problems = audit_log().problems() if not after else []
    return render_template("admin_audit.html", events=events, names=names,
                           problems=problems, next=events[-1].id if len(events) == 100 else None)
