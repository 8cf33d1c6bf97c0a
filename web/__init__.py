"""The web form and the HTTP API (API v1) over the :mod:`compounding` core."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

from flask import Flask
from jinja2.bccache import Bucket, BytecodeCache

from compounding.display import GRAMS_FROM, show
from compounding.profile import DEFAULT_PROFILE, Profile, load_profile
from compounding.service_settings import ServiceSettings, load

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


def local_time(moment: datetime | None) -> str:
    """A moment as the pharmacy reads it: its own time zone (the profile's), to the minute,
    with the zone's abbreviation; the API keeps UTC."""
    if moment is None:
        return ""
    from zoneinfo import ZoneInfo

    from flask import current_app

    zone = ZoneInfo(current_app.config["PROFILE"].settings.time_zone)
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _profile(settings: ServiceSettings) -> Profile:
    """The profile file of the settings (or the defaults), in their time zone if they set one."""
    profile = (load_profile(settings.profile.read_text(encoding="utf-8"))
               if settings.profile else DEFAULT_PROFILE)
    return profile.in_zone(settings.time_zone)


class _Compiled(BytecodeCache):
    """Templates compiled once per process, shared by every app it makes (a worker, or the
    tests' many apps); each is compiled anew when its source changes (Jinja keys the code by
    the template's name and checks it against a checksum of its source)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED = _Compiled()


def create_app(config: dict[str, Any] | None = None,
               settings: ServiceSettings | None = None) -> Flask:
    """The Flask application. ``settings`` are the service settings (default: read from the
    ``COMPOUNDING_*`` variables, :mod:`compounding.service_settings`). ``config`` keys win over
    them: ``PROFILE`` (a :class:`Profile`), ``SECRET_KEY``, ``DATABASE_URL``, ``TRUSTED_HOSTS``
    (default: the loopback names), ``CHAIN_KEY`` (the key of the records' chain),
    ``PASSWORD_HASHER`` (an argon2 ``PasswordHasher``; default: the library's cost) and any
    Flask setting. By default the records live in a SQLite file in the data directory, and the
    chain key in ``chain.key`` beside it, both made on first start."""
    settings = settings or load()
    app = Flask(__name__, template_folder=_template_folder())
    app.config.update(
        SECRET_KEY=(settings.secret_key.get_secret_value() if settings.secret_key
                    else secrets.token_hex(32)),
        MAX_CONTENT_LENGTH=MAX_BODY,
        MAX_FORM_MEMORY_SIZE=MAX_BODY,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        JSON_SORT_KEYS=False,
        TRUSTED_HOSTS=LOOPBACK_HOSTS,
    )
    app.config.update(config or {})
    if "PROFILE" not in app.config:
        app.config["PROFILE"] = _profile(settings)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    from compounding.records import Accounts, AuditLog, Store
    from compounding.records.chain import load_key

    from .health import Health
    from .setup_page import with_pharmacy

    url = app.config.get("DATABASE_URL") or settings.records_url()
    key = app.config.get("CHAIN_KEY") or load_key(
        settings.data_dir, settings.chain_key.get_secret_value() if settings.chain_key else None)
    # checkpoints beside the chain key: the data folder, unless a caller gave both the key
    # and the database (and no DATA_DIR) and so keeps none
    folder = app.config.get("DATA_DIR") or (
        None if app.config.get("CHAIN_KEY") else settings.data_dir)
    store = Store.open(url, key, folder=folder)
    from compounding.documents.printable import check, check_bench

    store.checks.append(check)  # a record is kept only if its worksheet and label can print
    store.bench_checks.append(check_bench)
    app.extensions["settings"] = settings
    app.extensions["records"] = store
    app.extensions["health"] = Health(store)
    app.extensions["accounts"] = Accounts(store.engine, app.config.get("PASSWORD_HASHER"),
                                          key=key, checkpoints=store.checkpoints)
    app.extensions["audit"] = AuditLog(store.engine, key, store.checkpoints)
    from compounding.records.drafts import Drafts

    app.extensions["drafts"] = Drafts(store.engine)
    pharmacy = store.pharmacy()
    if pharmacy is not None:  # the pharmacy's own details; the service's time zone still wins
        app.config["PROFILE"] = with_pharmacy(app.config["PROFILE"], pharmacy).in_zone(
            settings.time_zone)
    if app.extensions["accounts"].count() == 0:
        app.extensions["setup_token"] = secrets.token_urlsafe(24)
    app.jinja_env.bytecode_cache = COMPILED
    app.jinja_env.filters["amount"] = amount
    app.jinja_env.filters["local_time"] = local_time
    from .wording import field_name, plain_code, plain_text

    app.jinja_env.filters["field_name"] = field_name
    app.jinja_env.filters["plain_code"] = plain_code
    app.jinja_env.filters["plain_text"] = plain_text

    from . import (
        access_log,
        account_page,
        admin,
        api,
        auth,
        equipment_settings,
        errors,
        fhir_api,
        form,
        formulary_api,
        formulary_pages,
        hosts,
        integration_api,
        inventory_pages,
        kit_page,
        nesting,
        queue_page,
        record_pages,
        records_api,
        run_bench,
        security,
        settings_page,
        setup_page,
    )

    security.init_app(app)
    access_log.init_app(app)
    hosts.init_app(app)
    nesting.init_app(app)
    errors.init_app(app)
    auth.init_app(app)
    app.register_blueprint(setup_page.bp)
    app.register_blueprint(account_page.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(records_api.bp)
    app.register_blueprint(integration_api.bp)
    app.register_blueprint(fhir_api.bp)
    app.register_blueprint(formulary_api.bp)
    app.before_request(integration_api.check_query)
    app.register_blueprint(form.bp)
    app.register_blueprint(record_pages.bp)
    app.register_blueprint(kit_page.bp)
    app.register_blueprint(inventory_pages.bp)
    app.register_blueprint(formulary_pages.bp)
    app.register_blueprint(queue_page.bp)
    app.register_blueprint(settings_page.bp)  # also puts the saved settings in force
    app.register_blueprint(equipment_settings.bp)
    app.register_blueprint(run_bench.bp)
    return app
