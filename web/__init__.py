"""The web form and the HTTP API (API v1) over the :mod:`compounding` core."""

from __future__ import annotations

import os
import secrets
from fractions import Fraction
from pathlib import Path
from typing import Any

from flask import Flask

from compounding.display import GRAMS_FROM, show
from compounding.profile import DEFAULT_PROFILE, load_profile

from .server import LOOPBACK_HOSTS

MAX_BODY = 64 * 1024  # [bytes]


def _template_folder() -> str:
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "templates", here / "templates"):  # checkout, installed
        if candidate.is_dir():
            return str(candidate)
    raise RuntimeError("the templates folder is missing from this installation")


def amount(mass: Fraction) -> str:
    """A plan's mass [mg] as a pharmacist reads it: ``3583.333 mg``, ``750 mg``; from 10 g in
    g, ``119.88 g`` (domain.md §13)."""
    if mass >= GRAMS_FROM:
        return f"{show(Fraction(mass) / 1000, 6)} g"
    return f"{show(mass, 3)} mg"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The Flask application. ``config`` keys: ``PROFILE`` (a :class:`Profile`), ``SECRET_KEY``,
    ``DATABASE_URL``, ``TRUSTED_HOSTS`` (default: the loopback names), ``CHAIN_KEY`` (the key of
    the records' chain, default ``COMPOUNDING_CHAIN_KEY`` or ``chain.key`` in the instance
    folder), ``PASSWORD_HASHER`` (an argon2 ``PasswordHasher``; default: the library's cost)
    and any Flask setting; otherwise ``COMPOUNDING_PROFILE`` (a TOML path),
    ``COMPOUNDING_SECRET_KEY`` and ``COMPOUNDING_DATABASE_URL`` from the environment, else
    defaults: the records live in a SQLite file in the instance folder, made on first start."""
    app = Flask(__name__, template_folder=_template_folder())
    profile_path = os.environ.get("COMPOUNDING_PROFILE")
    app.config.update(
        SECRET_KEY=os.environ.get("COMPOUNDING_SECRET_KEY") or secrets.token_hex(32),
        MAX_CONTENT_LENGTH=MAX_BODY,
        MAX_FORM_MEMORY_SIZE=MAX_BODY,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PROFILE=(load_profile(Path(profile_path).read_text(encoding="utf-8"))
                 if profile_path else DEFAULT_PROFILE),
        JSON_SORT_KEYS=False,
        TRUSTED_HOSTS=LOOPBACK_HOSTS,
    )
    app.config.update(config or {})
    app.json.sort_keys = False  # type: ignore[attr-defined]
    from records import Accounts, AuditLog, Store
    from records.chain import load_key
    from records.db import default_url

    from .health import Health
    from .setup_page import with_pharmacy

    url = app.config.get("DATABASE_URL") or default_url(app.instance_path)
    key = app.config.get("CHAIN_KEY") or load_key(app.instance_path)
    store = Store.open(url, key)
    app.extensions["records"] = store
    app.extensions["health"] = Health(store)
    app.extensions["accounts"] = Accounts(store.engine, app.config.get("PASSWORD_HASHER"))
    app.extensions["audit"] = AuditLog(store.engine, key)
    pharmacy = store.pharmacy()
    if pharmacy is not None:
        app.config["PROFILE"] = with_pharmacy(app.config["PROFILE"], pharmacy)
    if app.extensions["accounts"].count() == 0:
        app.extensions["setup_token"] = secrets.token_urlsafe(24)
    app.jinja_env.filters["amount"] = amount

    from . import (
        access_log,
        admin,
        api,
        auth,
        errors,
        fhir_api,
        form,
        integration_api,
        record_pages,
        records_api,
        security,
    )

    security.init_app(app)
    access_log.init_app(app)
    errors.init_app(app)
    auth.init_app(app)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(records_api.bp)
    app.register_blueprint(integration_api.bp)
    app.register_blueprint(fhir_api.bp)
    app.before_request(integration_api.check_query)
    app.register_blueprint(form.bp)
    app.register_blueprint(record_pages.bp)
    return app
