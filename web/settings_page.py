"""The pharmacy's settings (admin, issue 23): its details, time zone, label stock, balance,
pack-stat calibrations, shell colours by size and a titration kit's shell colours by strength
(issue 26), changed after first start and kept in every version.

The profile in force (``app.config["PROFILE"]``, read by each request: a batch keeps the one in
force when it was made) is built, at start and after each save, from:

1. the profile file (or the defaults), as the app started;
2. the pharmacy's details from first start (``pharmacy_settings``);
3. each section as its newest saved version left it (``profile_settings``,
   :mod:`compounding.records.settings_store`);
4. the service's own time zone (``COMPOUNDING_TIME_ZONE``), when it sets one: it still wins.

Registering the blueprint applies step 3 at start (:func:`_at_start`). A save validates every
section on the page with the profile model and reports every error at once, each beside its
input and named by its field (``balance.minimum_weighable_quantity``); the time zone must be one
of the list the page offers; a balance must weigh something (readability ≤ minimum weighable
quantity ≤ capacity) and a pack stat must pack to a density a filler could have (domain.md §9);
a kit colour needs its strength and its colour, and no two strengths share a strength or a
colour (a patient tells a kit's capsules apart by colour alone).
The sections that changed become one new version, and one audit event, ``settings_change``,
with each section before and after. A save made from a page older than the newest version is
refused (409), so no one overwrites a change they did not see.
"""

from __future__ import annotations

import logging
import re
from decimal import Context, Decimal
from fractions import Fraction
from functools import cache
from typing import Any, get_args

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from pydantic import ValidationError

from compounding.display import show
from compounding.errors import ErrorDetail
from compounding.formulation.capsules import BY_SIZE
from compounding.formulation.fill import MG_PER_G
from compounding.orders.models import CapsuleSizeName
from compounding.orders.reading import validation_errors
from compounding.profile import Balance, LabelStock, Pharmacy, Profile
from compounding.records.settings_store import ProfileSettings, SettingsChanged
from compounding.settings import Settings

from .auth import accounts, audit, principal
from .pages import EXPIRED, session_notice, whole_number
from .security import csrf_valid

log = logging.getLogger(__name__)

bp = Blueprint("settings", __name__, url_prefix="/admin/settings")

SECTIONS = {"pharmacy": "the pharmacy", "label": "label stock", "balance": "balance",
            "pack_stats": "pack stats", "shell_colours": "shell colours",
            "kit_colours": "kit colours"}
"""The profile's sections this page shows and changes, and their names in a notice."""
PHARMACY_FIELDS = tuple(Pharmacy.model_fields)
BALANCE_FIELDS = tuple(Balance.model_fields)
SIZES: tuple[str, ...] = get_args(CapsuleSizeName)
STOCKS = {"4x2": "4 × 2 in", "3x2": "3 × 2 in thermal", "letter": "Letter sheet of ten 4 × 2 in"}
assert set(STOCKS) == set(get_args(LabelStock))
NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})
"""Names the zone data holds that are no pharmacy's zone."""
VERSIONS_SHOWN = 20
KIT_ROWS = 12
"""The most kit colours the page takes (the profile's limit)."""
LABELS = {"pharmacy-name": "Pharmacy name", "pharmacy-address": "Address",
          "pharmacy-phone": "Phone", "pharmacy-time_zone": "Time zone",
          "label-stock": "Label stock", "label-printer": "Label printer (host or host:port)",
          "balance-readability": "Readability",
          "balance-minimum_weighable_quantity": "Minimum weighable quantity (MWQ)",
          "balance-capacity": "Capacity",
          **{f"pack_stats-{size}": f"Pack stat, size {size}" for size in SIZES},
          **{f"shell_colours-{size}": f"Shell colour, size {size}" for size in SIZES},
          **{f"kit_colours-{i}-{leaf}": f"Kit {words} {i + 1}" for i in range(KIT_ROWS)
             for leaf, words in (("strength", "strength (mg)"), ("colour", "colour"))}}
"""Each input's label: errors are named by it on the page (by the field in ``data-field``)."""


@cache
def time_zones() -> tuple[str, ...]:
    """The IANA time zones the page offers (and accepts), sorted."""
    from zoneinfo import available_timezones

    return tuple(sorted(available_timezones() - NOT_ZONES))


def settings_store() -> ProfileSettings:
    return ProfileSettings(current_app.extensions["records"].engine)


# -- the profile in force -----------------------------------------------------------------------


def over(profile: Profile, sections: dict[str, Any]) -> Profile:
    """``profile`` with ``sections`` (as saved: text) over it. A saved section the model no
    longer accepts (zone data changed, a rule tightened) is left out, with an error in the
    log: the section under it stands until the page saves a new version of it."""
    kept: dict[str, Any] = {}
    for name, value in sections.items():
        if name not in Profile.model_fields:
            log.error("saved settings: no profile section %r; left out", name)
            continue
        try:
            kept[name] = getattr(Profile.model_validate({name: value}), name)
        except ValidationError as exc:
            log.error("saved settings: section %s left out: %s", name,
                      "; ".join(f"{e.field}: {e.message}" for e in validation_errors(exc)))
    return Profile.model_validate({**{name: getattr(profile, name)
                                      for name in Profile.model_fields}, **kept})


def configured(app: Flask) -> tuple[int, Profile]:
    """The newest saved version's number, and the profile as configured: the file, first
    start's pharmacy details, each saved section (before the service's time zone)."""
    profile: Profile = app.extensions["base_profile"]
    pharmacy = app.extensions["records"].pharmacy()
    if pharmacy is not None:
        profile = profile.with_pharmacy(pharmacy)
    version, sections = ProfileSettings(app.extensions["records"].engine).sections()
    return version, over(profile, sections)


def apply(app: Flask) -> Profile:
    """Put the profile in force: as configured, in the service's time zone if it sets one."""
    profile = configured(app)[1].in_zone(app.extensions["settings"].time_zone)
    app.config["PROFILE"] = profile
    return profile


@bp.record_once
def _at_start(state: BlueprintSetupState) -> None:
    """At registration (app start): keep the profile as started (file, first start's details,
    service zone) as the base of every later build, and put the saved sections in force."""
    app: Any = state.app
    app.extensions["base_profile"] = app.config["PROFILE"]
    apply(app)


# -- the form -----------------------------------------------------------------------------------


def decimal_text(value: Fraction) -> str:
    """An exact fraction as decimal text (every mass typed in decimals is one): ``0.125``."""
    number = Context(prec=60).divide(Decimal(value.numerator), Decimal(value.denominator))
    text = f"{number.normalize():f}"
    return text if Fraction(text) == value else show(value, 12)


def mass_text(mass: Fraction) -> str:
    """A mass [mg] as typed on the page and kept: ``0.1 mg``, ``128 mg``; from 10 g in g."""
    return f"{decimal_text(mass / 1000)} g" if mass >= 10_000 else f"{decimal_text(mass)} mg"


def section_text(profile: Profile, name: str) -> Any:
    """A section as kept and audited: JSON the profile model reads back exactly."""
    value = getattr(profile, name)
    if name == "balance":
        return {key: mass_text(getattr(value, key)) for key in BALANCE_FIELDS}
    if name == "pack_stats":
        return {size: mass_text(value[size]) for size in SIZES if size in value}
    if name == "shell_colours":
        return {size: value[size] for size in SIZES if size in value}
    if name == "kit_colours":
        return dict(sorted(value.items(), key=lambda item: Fraction(item[0])))
    return value.model_dump(mode="json")


def form_values(profile: Profile) -> dict[str, str]:
    """The page's inputs filled with ``profile``'s values."""
    values = {f"pharmacy-{key}": getattr(profile.pharmacy, key) or "" for key in PHARMACY_FIELDS}
    values["label-stock"] = profile.label.stock
    values["label-printer"] = profile.label.printer or ""
    values |= {f"balance-{key}": mass_text(getattr(profile.balance, key))
               for key in BALANCE_FIELDS}
    for size in SIZES:
        stat = profile.pack_stats.get(size)  # type: ignore[call-overload]
        values[f"pack_stats-{size}"] = mass_text(stat) if stat is not None else ""
        values[f"shell_colours-{size}"] = profile.shell_colours.get(size, "")  # type: ignore[call-overload]
    for i, (strength, colour) in enumerate(section_text(profile, "kit_colours").items()):
        values[f"kit_colours-{i}-strength"], values[f"kit_colours-{i}-colour"] = strength, colour
    return values


def kit_rows(values: dict[str, str]) -> int:
    """How many kit colour rows the page draws: those filled and two empty, at least four."""
    filled = [i for i in range(KIT_ROWS) if values.get(f"kit_colours-{i}-strength")
              or values.get(f"kit_colours-{i}-colour")]
    return min(KIT_ROWS, max(4, (filled[-1] + 3) if filled else 0))


def _kit_colours(form: Any) -> tuple[dict[str, str], list[ErrorDetail]]:
    """The kit colours as posted (each strength as its number, ``"1.5"``), or every row's
    problem: a strength without its colour or a colour without its strength, a strength that is
    not one, one given twice, two strengths in one colour."""
    kept: dict[str, str] = {}
    errors: list[ErrorDetail] = []
    by_strength: dict[Fraction, int] = {}
    by_colour: dict[str, str] = {}

    def error(i: int, leaf: str, message: str) -> None:
        errors.append(ErrorDetail("INVALID_VALUE", f"kit_colours[{i}].{leaf}", message))

    for i in range(KIT_ROWS):
        strength = form.get(f"kit_colours-{i}-strength", "").strip()
        colour = form.get(f"kit_colours-{i}-colour", "").strip()
        if not strength and not colour:
            continue
        if not colour:
            error(i, "colour", f"enter the shell colour of the {strength} capsules, like white")
            continue
        if not strength:
            error(i, "strength", f"enter the strength of the {colour} capsules, in mg, like 1.5")
            continue
        try:
            [(key, colour)] = Profile.model_validate(
                {"kit_colours": {strength: colour}}).kit_colours.items()
        except ValidationError as exc:
            for e in validation_errors(exc):
                error(i, "colour" if e.field.endswith('"]') else "strength", e.message)
            continue
        number = Fraction(key)
        if number in by_strength:
            error(i, "strength", f"{show(number)} mg has a colour already, in row "
                                 f"{by_strength[number] + 1}: give each strength one colour")
            continue
        if colour.casefold() in by_colour:
            error(i, "colour", f"the {by_colour[colour.casefold()]} mg capsules are {colour} "
                               f"too: a patient tells a kit's capsules apart by colour alone, so "
                               f"give each strength its own")
            continue
        by_strength[number], by_colour[colour.casefold()] = i, show(number)
        kept[decimal_text(number)] = colour
    return kept, errors


def _posted(form: Any) -> dict[str, Any]:
    """Each section as posted (text; an empty pack stat or colour: none for that size)."""

    def text(name: str) -> str:
        return form.get(name, "").strip()

    return {
        "pharmacy": {key: text(f"pharmacy-{key}") for key in PHARMACY_FIELDS},
        "label": {"stock": text("label-stock"), "printer": text("label-printer") or None},
        "balance": {key: text(f"balance-{key}") for key in BALANCE_FIELDS},
        "pack_stats": {size: text(f"pack_stats-{size}") for size in SIZES
                       if text(f"pack_stats-{size}")},
        "shell_colours": {size: text(f"shell_colours-{size}") for size in SIZES
                          if text(f"shell_colours-{size}")},
    }


def _zone_problems(pharmacy: Pharmacy) -> list[ErrorDetail]:
    if pharmacy.time_zone in time_zones():
        return []
    return [ErrorDetail("INVALID_TIME_ZONE", "pharmacy.time_zone",
                        f"“{pharmacy.time_zone}” is not in the list of time zones: choose one "
                        "from it, such as America/Chicago")]


def _balance_problems(balance: Balance) -> list[ErrorDetail]:
    found = []
    if balance.minimum_weighable_quantity < balance.readability:
        found.append(ErrorDetail(
            "INVALID_VALUE", "balance.minimum_weighable_quantity",
            f"the minimum weighable quantity ({mass_text(balance.minimum_weighable_quantity)}) "
            f"is below the readability ({mass_text(balance.readability)}): it is the "
            "sensitivity ÷ the acceptable error, many steps of the balance (Class A: 120 mg)"))
    if balance.capacity < balance.minimum_weighable_quantity:
        found.append(ErrorDetail(
            "INVALID_VALUE", "balance.capacity",
            f"the capacity ({mass_text(balance.capacity)}) is below the minimum weighable "
            f"quantity ({mass_text(balance.minimum_weighable_quantity)}): the balance could "
            "weigh nothing"))
    return found


def _pack_stat_problems(pack_stats: dict[str, Fraction], settings: Settings) -> list[ErrorDetail]:
    """A pack stat ÷ the capsule's volume outside the plausible fill densities (domain.md §9),
    as an order's own pack stat would be (``FILL_IMPLAUSIBLE``)."""
    low, high = settings.fill_density_min, settings.fill_density_max
    found = []
    for size, stat in pack_stats.items():
        volume = BY_SIZE[size].volume
        packs = stat / (volume * MG_PER_G)
        if not low <= packs <= high:
            found.append(ErrorDetail(
                "FILL_IMPLAUSIBLE", f'pack_stats["{size}"]',
                f"{show(stat)} mg of filler in a size {size} capsule ({show(volume)} mL) would "
                f"pack to {show(packs, 2)} g/mL, outside {show(low)}-{show(high)} g/mL: check "
                "the pack stat and its unit"))
    return found


def parse(form: Any, current: Profile) -> tuple[Profile | None, list[ErrorDetail]]:
    """The profile the form asks for (``current`` with the page's sections over it), or every
    error of every section at once, in the page's order."""
    parsed: dict[str, Any] = {}
    posted = _posted(form)
    kit_colours, errors = _kit_colours(form)
    if not errors:
        posted["kit_colours"] = kit_colours
    for name, value in posted.items():
        try:
            section = getattr(Profile.model_validate({name: value}), name)
        except ValidationError as exc:
            errors += validation_errors(exc)
            continue
        parsed[name] = section
        if name == "pharmacy":
            errors += _zone_problems(section)
        elif name == "balance":
            errors += _balance_problems(section)
        elif name == "pack_stats":
            errors += _pack_stat_problems(section, current.settings)
    if errors:
        return None, errors
    return Profile.model_validate({**{name: getattr(current, name)
                                      for name in Profile.model_fields}, **parsed}), []


_CONTROL = re.compile(r'(\w+)(?:\.(\w+)|\["([^"]+)"\])')
_KIT_ROW = re.compile(r"kit_colours\[(\d+)\]\.(strength|colour)")


def control(field: str) -> str | None:
    """The input an error's field belongs to: ``balance.capacity`` is ``balance-capacity``,
    ``pack_stats["3"]`` is ``pack_stats-3``, ``kit_colours[0].colour`` is
    ``kit_colours-0-colour``; ``None`` for a whole section or the form."""
    row = _KIT_ROW.fullmatch(field)
    if row:
        return f"kit_colours-{row[1]}-{row[2]}"
    found = _CONTROL.fullmatch(field)
    return f"{found[1]}-{found[2] or found[3]}" if found else None


def _page(values: dict[str, str] | None = None, errors: list[ErrorDetail] | None = None,
          status: int = 200):
    version, profile = configured(current_app)
    by_control: dict[str, list[ErrorDetail]] = {}
    for error in errors or []:
        by_control.setdefault(control(error.field) or "", []).append(error)
    names = {u.id: u.username for u in accounts().all()}
    service_zone = current_app.extensions["settings"].time_zone
    shown = form_values(profile) if values is None else values
    return render_template(
        "admin_settings.html", values=shown, kit_rows=kit_rows(shown),
        errors=[(e, control(e.field)) for e in errors or []], field_errors=by_control,
        version=version, versions=settings_store().versions(VERSIONS_SHOWN), names=names,
        sections=SECTIONS, sizes=SIZES, stocks=STOCKS, time_zones=time_zones(), labels=LABELS,
        volumes={size: BY_SIZE[size].volume for size in SIZES},
        service_zone=service_zone if service_zone != profile.pharmacy.time_zone else None,
    ), status


@bp.get("")
def index():
    return _page()


@bp.post("")
def save():
    form = request.form
    values = {k: v for k, v in form.items() if k != "csrf_token"}
    if not csrf_valid(form.get("csrf_token")):
        return _page(values, [EXPIRED], 400)
    current = configured(current_app)[1]
    wanted, errors = parse(form, current)
    if wanted is None:
        return _page(values, errors, 422)
    changed = {name: section_text(wanted, name) for name in SECTIONS
               if getattr(wanted, name) != getattr(current, name)}
    if not changed:
        session_notice("Nothing was changed: no new version was saved.")
        return redirect(url_for("settings.index"), code=303)
    made_from = whole_number(form.get("version"))
    try:
        saved = settings_store().save(changed, by=principal().user.id,
                                      expected=-1 if made_from is None else made_from)
    except SettingsChanged as exc:
        values["version"] = str(settings_store().latest())
        return _page(values, exc.errors, exc.status)
    apply(current_app)
    audit("settings_change", f"version {saved.version}", version=saved.version,
          sections=list(changed), before={name: section_text(current, name) for name in changed},
          after=changed)
    session_notice(f"Settings saved as version {saved.version}: "
                   f"{', '.join(SECTIONS[name] for name in changed)} changed.")
    return redirect(url_for("settings.index"), code=303)
