"""The administrator's pages: users (add, disable, reset a password), API tokens (create, shown
once; revoke) and the audit trail. Every change is in the audit trail itself. A password an
administrator sets is temporary: its owner changes it at the next sign-in. A token that acts for
someone else in ways that print or sign needs that person's password as consent."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from compounding.errors import CompoundingError, ErrorDetail
from compounding.records import User

from .auth import accounts, audit_log, principal
from .auth import audit as log_event
from .pages import EXPIRED, session_notice, whole_number
from .security import csrf_valid

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _pharmacy_name() -> str:
    return current_app.config["PROFILE"].pharmacy.name or ""


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
                              form.get("licence") or None, by=principal().user.id,
                              pharmacy=_pharmacy_name())
    except CompoundingError as exc:
        return _users_page(exc.errors, values, exc.status)
    log_event("user_add", user.username, roles=sorted(user.roles))
    session_notice(f"User {user.username} added. Their password is temporary: they choose "
                   "their own when they first sign in.")
    return redirect(url_for("admin.users"), code=303)


@bp.post("/users/<username>")
def change_user(username: str):
    form = request.form
    if not csrf_valid(form.get("csrf_token")):
        return _users_page([EXPIRED], status=400)
    try:
        if form.get("action") == "disable":
            user: User = accounts().disable(username, by=principal().user.id)
        elif form.get("action") == "change":
            before = accounts().find(username)
            user = accounts().change(username, name=form.get("name"),
                                     roles=form.getlist("roles"),
                                     licence=form.get("licence", ""), by=principal().user.id)
            log_event("user_change", user.username,
                      roles_before=sorted(before.roles) if before else [],
                      roles=sorted(user.roles), licence=user.licence, name=user.name)
            session_notice(f"{user.username} changed: {', '.join(sorted(user.roles))}.")
            return redirect(url_for("admin.users"), code=303)
        elif form.get("action") == "reset_password":
            user = accounts().set_password(username, form.get("password", ""),
                                           by=principal().user.id, pharmacy=_pharmacy_name())
        else:
            return _users_page([ErrorDetail("INVALID_VALUE", "action",
                                            "change, disable or reset_password")], status=422)
    except CompoundingError as exc:
        return _users_page(exc.errors, status=exc.status)
    log_event(f"user_{form.get('action')}", user.username)
    session_notice(f"{user.username}: " + ("disabled." if form.get("action") == "disable" else
                                          "password reset; they choose their own at their next "
                                          "sign-in."))
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
    consent = False
    if form.get("owner_password"):  # the owner types it: their consent to be acted for
        outcome = accounts().authenticate(form.get("owner", ""), form["owner_password"],
                                          address=request.remote_addr, purpose="signature")
        if not isinstance(outcome, User) or outcome.temporary:
            log_event("token_consent_failed", form.get("owner", "")[:64])
            return _tokens_page([ErrorDetail(
                "CONSENT_FAILED", "owner_password", "that is not the password of the person the "
                "token acts as (or their password is still one set by an administrator)")],
                status=403)
        consent = True
    try:
        token, text = accounts().create_token(form.get("name", ""), form.get("owner", ""),
                                              form.getlist("scopes"), by=principal().user.id,
                                              consent=consent)
    except CompoundingError as exc:
        return _tokens_page(exc.errors, status=exc.status)
    log_event("token_create", token.name, scopes=sorted(token.scopes), owner=token.owner_id,
              consent=consent)
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


AUDIT_PAGE = 100
"""Events on one page of the audit trail."""


def _audit_filters(args, user_ids: set[int]) -> tuple[dict, list[ErrorDetail]]:
    """The audit page's filters from its query (``user``: one of ``user_ids``; ``action``;
    ``from`` and ``to``: days YYYY-MM-DD in the pharmacy's time zone; ``before``: the page's
    paging, an event id; ``after``: an event id), and what is wrong with them, all at once."""
    import re
    from datetime import date

    found: dict = {"after": whole_number(args.get("after")) or 0}
    errors: list[ErrorDetail] = []
    if args.get("user"):
        user = whole_number(args["user"])
        if user is None or user not in user_ids:
            errors.append(ErrorDetail("INVALID_VALUE", "user", "choose a person from the list"))
        else:
            found["user"] = user
    if args.get("action"):
        if re.fullmatch(r"[a-z][a-z0-9_]{0,31}", args["action"]):
            found["action"] = args["action"]
        else:
            errors.append(ErrorDetail("INVALID_VALUE", "action",
                                      "choose an action from the list"))
    for name in ("from", "to"):
        text = args.get(name, "").strip()
        if not text:
            continue
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError(text)
            day = date.fromisoformat(text)
        except ValueError:
            errors.append(ErrorDetail("INVALID_DATE", name,
                                      f"“{text[:40]}” is not a date written YYYY-MM-DD"))
            continue
        if not 1970 <= day.year <= 9998:  # a day whose midnight any zone can hold
            errors.append(ErrorDetail("INVALID_DATE", name, "a day from 1970 to 9998"))
        else:
            found[name] = day
    if "from" in found and "to" in found and found["from"] > found["to"]:
        errors.append(ErrorDetail("INVALID_VALUE", "to", "the last day is before the first"))
    before = whole_number(args.get("before"))
    if before is not None:
        found["before"] = before
    return found, errors


@bp.get("/audit")
def audit():
    """The audit trail, newest first, 100 events a page (``before``: the events older than an
    id), filtered by person, action and days in the pharmacy's time zone; times shown in that
    zone. Reading it is itself an event, ``audit_read``, with the filters used (``after``
    always, the others when set; recorded after the page's events are read: the next page
    shows it)."""
    users = sorted(accounts().all(), key=lambda u: u.username)
    filters, errors = _audit_filters(request.args, {u.id for u in users})
    events = []
    more = False
    if not errors:
        zone = current_app.config["PROFILE"].settings.time_zone
        events = audit_log().query(
            user_id=filters.get("user"), action=filters.get("action"),
            first_day=filters.get("from"), last_day=filters.get("to"), time_zone=zone,
            before=filters.get("before"), after=filters["after"], limit=AUDIT_PAGE + 1)
        more, events = len(events) > AUDIT_PAGE, events[:AUDIT_PAGE]
    names = {u.id: u.username for u in users}
    paged = "before" in filters or filters["after"]
    problems = audit_log().problems() if not paged and not errors else []
    log_event("audit_read", None, filters={k: str(v) if k in ("from", "to") else v
                                           for k, v in filters.items()}, shown=len(events))
    shown = {k: str(v) for k, v in filters.items() if k not in ("before", "after")}
    if filters["after"]:
        shown["after"] = str(filters["after"])
    return render_template("admin_audit.html", events=events, names=names, users=users,
                           problems=problems, errors=errors, filters=shown,
                           paged="before" in filters,
                           next=events[-1].id if more else None), 422 if errors else 200
