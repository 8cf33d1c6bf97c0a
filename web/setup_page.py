"""First start: the one-time page that records the pharmacy's details and makes the first admin.

``compounding serve`` prints its address, with a random token, when no user exists yet; the page
answers only to that token and only until the first user exists.
"""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from pydantic import ValidationError

from compounding.errors import CompoundingError, ErrorDetail
from compounding.orders import validation_errors
from compounding.profile import Pharmacy, Profile

from .auth import accounts, audit_log
from .security import csrf_valid

PHARMACY_FIELDS = ("name", "address", "phone", "time_zone")


def with_pharmacy(profile: Profile, pharmacy: Pharmacy) -> Profile:
    """``profile`` with the pharmacy's details as set up (a new object: settings follow)."""
    return profile.with_pharmacy(pharmacy)


def first_start():
    values = {k: v for k, v in request.form.items() if k not in ("csrf_token", "password")}
    if request.method == "GET":
        return render_template("setup.html", values={}, errors=[])
    if not csrf_valid(request.form.get("csrf_token")):
        return render_template("setup.html", values=values, errors=[ErrorDetail(
            "CSRF_FAILED", "form", "This form has expired; submit it again.")]), 400
    form = request.form
    errors: list[ErrorDetail] = []
    pharmacy = None
    try:
        pharmacy = Pharmacy.model_validate({k: form.get(f"pharmacy-{k}", "").strip()
                                            for k in PHARMACY_FIELDS})
    except ValidationError as exc:
        errors += validation_errors(exc, prefix="pharmacy.")
    roles = ["admin", "pharmacist"] if form.get("pharmacist") else ["admin"]
    if not errors:
        try:
            user = accounts().add(form.get("username", ""), form.get("name", ""),
                                  form.get("password", ""), roles, form.get("licence") or None)
        except CompoundingError as exc:
            errors += exc.errors
    if errors or pharmacy is None:
        return render_template("setup.html", values=values, errors=errors), 422
    store = current_app.extensions["records"]
    store.save_pharmacy(pharmacy)
    current_app.config["PROFILE"] = with_pharmacy(current_app.config["PROFILE"], pharmacy).in_zone(
        current_app.extensions["settings"].time_zone)
    current_app.extensions.pop("setup_token", None)
    audit_log().record("setup", user_id=user.id, target=user.username,
                       detail={"roles": roles, "pharmacy": pharmacy.model_dump()},
                       remote=request.remote_addr)
    return redirect(url_for("auth.login"), code=303)
