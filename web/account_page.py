"""A person's own password: the only page open to someone whose password was set by another.

21 CFR 11.300(a): the secret of a signature is known to its owner alone, so a password an
administrator set (a new account, a reset) is changed here before anything else is done; the
change ends every other session of the person and is in the audit trail. The page is open to
everyone signed in (:data:`.auth.ACCESS`: ``account.password``).
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session
from flask_login import login_user

from compounding.errors import CompoundingError, ErrorDetail

from .auth import SessionUser, accounts, audit, failure_words, home, principal
from .security import csrf_valid

bp = Blueprint("account", __name__, url_prefix="/account")


def _page(errors: list[ErrorDetail] | list[str], status: int = 200):
    user = principal().user
    return render_template("password.html", errors=errors, temporary=user.temporary), status


@bp.route("/password", methods=["GET", "POST"])
def password():
    """A signed-in person changes their own password (and must, when someone else set it)."""
    if request.method == "GET":
        return _page([])
    form = request.form
    if not csrf_valid(form.get("csrf_token")):
        return _page(["This form has expired; submit it again."], 400)
    errors: list[ErrorDetail] | list[str] = []
    new, again = form.get("new_password", ""), form.get("repeat_password", "")
    if new != again:
        errors = [ErrorDetail("PASSWORDS_DIFFER", "repeat_password",
                              "the new password and its repetition differ")]
        return _page(errors, 422)
    user = principal().user
    pharmacy = current_app.config["PROFILE"].pharmacy.name or ""
    try:
        outcome = accounts().change_password(user.id, form.get("current_password", ""), new,
                                             address=request.remote_addr, pharmacy=pharmacy)
    except CompoundingError as exc:
        return _page(exc.errors, 422)
    if not isinstance(outcome, type(user)):
        audit("password_change_failed", user.username, reason=outcome.reason)
        return _page([failure_words(outcome).replace("username or password",
                                                     "current password")], 401)
    audit("password_changed", user.username, temporary_before=user.temporary)
    # every session ended with the change; this one goes on as a new one
    session.clear()
    session["sid"] = accounts().sessions.begin(outcome.id, request.remote_addr)
    login_user(SessionUser(outcome))
    session["notice"] = "Your password was changed."
    return redirect(home(outcome), code=303)
