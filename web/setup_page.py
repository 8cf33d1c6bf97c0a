"""First start: the one-time page that records the pharmacy's details and makes the first admin.

``compounding serve`` prints its address, with a random token, when no user exists yet; the page
answers only to that token and only until the first user exists (404 otherwise); it is public
(:data:`.auth.PUBLIC`: ``setup.setup``).
"""

from __future__ import annotations

import hmac
import re
import unicodedata

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from pydantic import ValidationError

from compounding.errors import CompoundingError, ErrorDetail
from compounding.orders.reading import validation_errors
from compounding.profile import Pharmacy, Profile
from compounding.records.passwords import password_problem, username_key

from .auth import accounts, audit_log
from .security import csrf_valid
from .settings_page import time_zones

bp = Blueprint("setup", __name__)

PHARMACY_FIELDS = ("name", "address", "phone", "time_zone")


def with_pharmacy(profile: Profile, pharmacy: Pharmacy) -> Profile:
    """``profile`` with the pharmacy's details as set up (a new object: settings follow)."""
    return profile.with_pharmacy(pharmacy)


_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
"""A username (as :meth:`compounding.records.Accounts.add` allows it)."""


def account_problems(form, roles: list[str]) -> list[ErrorDetail]:
    """What is wrong with the first administrator the form asks for, checked as
    :meth:`compounding.records.Accounts.add` checks it but without making the account: so that
    the page reports the pharmacy's errors and the account's together, not in rounds
    (``add`` checks again, and alone knows which names are taken)."""
    found = []
    username = username_key(form.get("username", ""))
    if not _USERNAME.fullmatch(username):
        found.append(ErrorDetail("INVALID_VALUE", "username",
                                 "a username is 2-64 letters, digits, '.', '_' or '-'"))
    name = " ".join(unicodedata.normalize("NFC", form.get("name", "")).split())
    if not name or len(name) > 120 or not name.isprintable():
        found.append(ErrorDetail("INVALID_VALUE", "name",
                                 "the printed name is 1-120 printable characters"))
    if "pharmacist" in roles and not form.get("licence", "").strip():
        found.append(ErrorDetail("FIELD_REQUIRED", "licence",
                                 "a pharmacist's licence number is printed at signatures"))
    problem = password_problem(form.get("password", ""), username, name=name,
                               pharmacy=form.get("pharmacy-name", ""))
    if problem:
        found.append(ErrorDetail("WEAK_PASSWORD", "password", problem))
    return found


@bp.route("/setup/<token>", methods=["GET", "POST"])
def setup(token: str):
    """The one-time page that creates the first administrator and the pharmacy's details."""
    expected = current_app.extensions.get("setup_token")
    if not expected or not hmac.compare_digest(expected, token) or accounts().count():
        abort(404)
    return _first_start()


def _first_start():
    values = {k: v for k, v in request.form.items() if k not in ("csrf_token", "password")}
    if request.method == "GET":
        return render_template("setup.html", values={}, errors=[], time_zones=time_zones())
    if not csrf_valid(request.form.get("csrf_token")):
        return render_template("setup.html", values=values, time_zones=time_zones(),
                               errors=[ErrorDetail("CSRF_FAILED", "form",
                                                   "This form has expired; submit it again.")]), 400
    form = request.form
    errors: list[ErrorDetail] = []
    pharmacy = None
    try:
        pharmacy = Pharmacy.model_validate({k: form.get(f"pharmacy-{k}", "").strip()
                                            for k in PHARMACY_FIELDS})
    except ValidationError as exc:
        errors += validation_errors(exc, prefix="pharmacy.")
    roles = ["admin", "pharmacist"] if form.get("pharmacist") else ["admin"]
    errors += account_problems(form, roles)  # with the pharmacy's: every error at once
    if not errors:
        try:
            user = accounts().add(form.get("username", ""), form.get("name", ""),
                                  form.get("password", ""), roles, form.get("licence") or None,
                                  own=True, first=True, pharmacy=form.get("pharmacy-name", ""))
        except CompoundingError as exc:
            errors += exc.errors
    if errors or pharmacy is None:
        return render_template("setup.html", values=values, errors=errors,
                               time_zones=time_zones()), 422
    store = current_app.extensions["records"]
    store.save_pharmacy(pharmacy)
    current_app.config["PROFILE"] = with_pharmacy(current_app.config["PROFILE"], pharmacy).in_zone(
        current_app.extensions["settings"].time_zone)
    current_app.extensions.pop("setup_token", None)
    audit_log().record("setup", user_id=user.id, target=user.username,
                       detail={"roles": roles, "pharmacy": pharmacy.model_dump()},
                       remote=request.remote_addr)
    return redirect(url_for("auth.login"), code=303)
