"""The pharmacy's balances and capsule machines (admin): the profile's ``[[balances]]`` and
``[[capsule_machines]]`` changed after first start, kept in every version as the other settings
are (:mod:`.settings_page`: one new version of the sections that changed, one
``settings_change`` audit event, a save from a page older than the newest version refused).

Each balance has a name, its readability, its minimum weighable quantity (MWQ = sensitivity ÷
acceptable error; USP <1251>), its capacity, the day it was last calibrated or checked and the
days after which its check is overdue (``BALANCE_CHECK_OVERDUE`` on a plan); each machine a
name, the holes of its plate and the capsule sizes it takes. A row left empty is no balance or
machine; a row partly filled is an error beside each input it needs. Every error of the page
is reported at once, each named by its field (``balances[1].capacity``) and shown beside its
input: a readability above the MWQ, a capacity not above it, two balances or two machines of
one name (the bench names the balance it used by its name).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, get_args

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from pydantic import TypeAdapter, ValidationError

from compounding import clock
from compounding.errors import ErrorDetail
from compounding.orders.equipment import Balance, CapsuleMachine
from compounding.orders.models import CapsuleSizeName
from compounding.orders.reading import validation_errors
from compounding.orders.types import Mass
from compounding.profile import Profile
from compounding.records.settings_store import SettingsChanged

from .auth import audit, principal
from .pages import EXPIRED, session_notice, whole_number
from .security import csrf_valid
from .settings_page import apply, configured, mass_text, settings_store

bp = Blueprint("equipment", __name__, url_prefix="/admin/settings/equipment")

SECTIONS = {"balances": "balances", "capsule_machines": "capsule machines"}
"""The profile's sections this page changes, and their names in a notice."""
ROWS = 12
"""The most balances, and the most machines, a profile lists."""
BALANCE_FIELDS = ("name", "readability", "minimum_weighable_quantity", "capacity",
                  "checked_on", "check_interval_days")
MACHINE_FIELDS = ("name", "holes", "sizes")
MASSES = ("readability", "minimum_weighable_quantity", "capacity")
SIZES: tuple[str, ...] = get_args(CapsuleSizeName)
WORDS = {"name": "name", "readability": "readability",
         "minimum_weighable_quantity": "minimum weighable quantity (MWQ)",
         "capacity": "capacity", "checked_on": "last checked on",
         "check_interval_days": "check interval (days)", "holes": "holes", "sizes": "sizes"}
_MASS: TypeAdapter[Any] = TypeAdapter(Mass)
_FIELD = re.compile(r"(balances|capsule_machines)\[(\d+)\]\.(\w+)")


def label(section: str, index: int, leaf: str) -> str:
    """An input's label: ``Balance 2 capacity``, ``Machine 1 holes``."""
    kind = "Balance" if section == "balances" else "Machine"
    return f"{kind} {index + 1} {WORDS[leaf]}"


def control(field: str) -> str | None:
    """The input an error's field belongs to: ``balances[1].capacity`` is
    ``balances-1-capacity``, ``capsule_machines[0].sizes[2]`` is ``capsule_machines-0-sizes``;
    ``None`` for the form or the version.

    >>> control("capsule_machines[0].sizes[2]"), control("version") is None
    ('capsule_machines-0-sizes', True)
    """
    found = _FIELD.match(field)
    return f"{found[1]}-{found[2]}-{found[3]}" if found else None


# -- the profile's sections as the page shows them and as they are kept ------------------------


def section_text(profile: Profile, name: str) -> list[dict[str, Any]]:
    """A section as kept and audited: JSON the profile model reads back exactly (masses as
    typed on the page, ``220 g``)."""
    if name == "balances":
        return [{"name": b.name, **{m: mass_text(getattr(b, m)) for m in MASSES},
                 "checked_on": b.checked_on.isoformat() if b.checked_on else None,
                 "check_interval_days": b.check_interval_days} for b in profile.balances]
    return [{"name": m.name, "holes": m.holes, "sizes": list(m.sizes)}
            for m in profile.capsule_machines]


def form_values(profile: Profile) -> dict[str, str]:
    """The page's inputs filled with ``profile``'s balances and machines."""
    values: dict[str, str] = {}
    for i, b in enumerate(section_text(profile, "balances")):
        values |= {f"balances-{i}-{k}": "" if v is None else str(v) for k, v in b.items()}
    for i, m in enumerate(profile.capsule_machines):
        values |= {f"capsule_machines-{i}-name": m.name,
                   f"capsule_machines-{i}-holes": str(m.holes),
                   f"capsule_machines-{i}-sizes": ", ".join(m.sizes)}
    return values


def rows_shown(values: dict[str, str], section: str, fields: tuple[str, ...]) -> int:
    """How many rows of ``section`` the page draws: those filled and two empty, at least
    three."""
    filled = [i for i in range(ROWS)
              if any(values.get(f"{section}-{i}-{leaf}") for leaf in fields)]
    return min(ROWS, max(3, (filled[-1] + 3) if filled else 0))


# -- reading the page -----------------------------------------------------------------------------


def _posted_rows(form: Any, section: str,
                 fields: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """The rows of ``section`` with anything typed in them: (the page's row, its text)."""
    rows = []
    for i in range(ROWS):
        row = {leaf: (form.get(f"{section}-{i}-{leaf}") or "").strip() for leaf in fields}
        if any(row.values()):
            rows.append((i, row))
    return rows


def _range_problems(i: int, row: dict[str, str]) -> list[ErrorDetail]:
    """A balance's range said at the input to change: the MWQ below the readability, the
    capacity not above the MWQ (a balance that could weigh nothing)."""
    readability, mwq, capacity = (_MASS.validate_python(row[m]) for m in MASSES)
    found = []
    if mwq < readability:
        found.append(ErrorDetail(
            "INVALID_VALUE", f"balances[{i}].minimum_weighable_quantity",
            f"the minimum weighable quantity ({mass_text(mwq)}) is below the readability "
            f"({mass_text(readability)}): it is the sensitivity ÷ the acceptable error, many "
            f"steps of the balance (an analytical balance of 0.1 mg: about 20 mg)"))
    if capacity <= mwq:
        found.append(ErrorDetail(
            "INVALID_VALUE", f"balances[{i}].capacity",
            f"the capacity ({mass_text(capacity)}) is not above the minimum weighable quantity "
            f"({mass_text(mwq)}): the balance could weigh nothing"))
    return found


def _twice(names: dict[str, tuple[int, str]], i: int, name: str, kind: str) -> str | None:
    """What is wrong with row ``i``'s ``name`` when an earlier row of its ``kind`` has it,
    whatever the case (``names``: each name's first row and spelling, kept here); ``None`` when
    it is the first."""
    key = name.casefold()
    if key in names:
        row, first = names[key]
        return f"{kind} {row + 1} is called “{first}” already: give each its own name"
    if key:
        names[key] = (i, name)
    return None


def _balances(form: Any) -> tuple[list[Balance], list[ErrorDetail]]:
    """The balances as posted, or every row's problems."""
    kept: list[Balance] = []
    errors: list[ErrorDetail] = []
    names: dict[str, tuple[int, str]] = {}
    for i, row in _posted_rows(form, "balances", BALANCE_FIELDS):
        twice = _twice(names, i, row["name"], "balance")
        if twice:
            errors.append(ErrorDetail("INVALID_VALUE", f"balances[{i}].name",
                                      f"{twice} (the bench names the balance it used by its "
                                      f"name)"))
        data: dict[str, Any] = {k: row[k] for k in ("name", *MASSES)}
        data["checked_on"] = row["checked_on"] or None
        if row["check_interval_days"]:
            number = whole_number(row["check_interval_days"])
            data["check_interval_days"] = row["check_interval_days"] if number is None \
                else number
        try:
            kept.append(Balance.model_validate(data))
        except ValidationError as exc:
            found = [e for e in validation_errors(exc, prefix=f"balances[{i}].")
                     if not (twice and e.field == f"balances[{i}].name")]
            ranged = [e for e in found if e.field == f"balances[{i}].order"]
            errors += [e for e in found if e not in ranged]
            errors += _range_problems(i, row) if ranged else []
    return kept, errors


def _machines(form: Any) -> tuple[list[CapsuleMachine], list[ErrorDetail]]:
    """The capsule machines as posted (sizes separated by commas or spaces), or every row's
    problems."""
    kept: list[CapsuleMachine] = []
    errors: list[ErrorDetail] = []
    names: dict[str, tuple[int, str]] = {}
    for i, row in _posted_rows(form, "capsule_machines", MACHINE_FIELDS):
        where = f"capsule_machines[{i}]."
        found: list[ErrorDetail] = []
        twice = _twice(names, i, row["name"], "machine")
        if twice:
            found.append(ErrorDetail("INVALID_VALUE", where + "name", twice))
        sizes = [s for s in re.split(r"[\s,;]+", row["sizes"]) if s]
        holes = whole_number(row["holes"])
        if holes is not None and not 1 <= holes <= 2000:
            found.append(ErrorDetail("INVALID_VALUE", where + "holes",
                                     "a plate has 1 to 2000 holes"))
        if not sizes:
            found.append(ErrorDetail("FIELD_REQUIRED", where + "sizes",
                                     f"enter the capsule sizes it takes, from {', '.join(SIZES)}, "
                                     f"like 0, 1, 3"))
        try:
            machine = CapsuleMachine.model_validate(
                {"name": row["name"], "holes": row["holes"] if holes is None else holes,
                 "sizes": sizes})
        except ValidationError as exc:
            taken = {e.field for e in found}
            for e in validation_errors(exc, prefix=where):
                field = re.sub(r"\.sizes\[\d+\]$", ".sizes", e.field)
                if field not in taken:
                    taken.add(field)
                    found.append(ErrorDetail(e.code, field, e.message))
        else:
            kept += [] if found else [machine]
        errors += found
    return kept, errors


def parse(form: Any, current: Profile) -> tuple[Profile | None, list[ErrorDetail]]:
    """The profile the page asks for (``current`` with its balances and machines), or every
    error of the page at once, in the page's order."""
    balances, errors = _balances(form)
    machines, machine_errors = _machines(form)
    errors += machine_errors
    if errors:
        return None, errors
    return Profile.model_validate({**{name: getattr(current, name)
                                      for name in Profile.model_fields},
                                   "balances": tuple(balances),
                                   "capsule_machines": tuple(machines)}), []


# -- the page -------------------------------------------------------------------------------------


def _due(profile: Profile) -> dict[int, tuple[str, bool]]:
    """Each balance's next check by its row: the day it is due, and whether it is overdue on
    the pharmacy's today."""
    today = clock.today(current_app.config["PROFILE"].settings.time_zone)
    return {i: ((b.checked_on + timedelta(days=b.check_interval_days)).isoformat(),
                b.overdue(today))
            for i, b in enumerate(profile.balances) if b.checked_on is not None}


def _page(values: dict[str, str] | None = None, errors: list[ErrorDetail] | None = None,
          status: int = 200):
    version, profile = configured(current_app)
    shown = form_values(profile) if values is None else values
    by_control: dict[str, list[ErrorDetail]] = {}
    for error in errors or []:
        by_control.setdefault(control(error.field) or "", []).append(error)
    labels = {f"{section}-{i}-{leaf}": label(section, i, leaf)
              for section, fields in (("balances", BALANCE_FIELDS),
                                      ("capsule_machines", MACHINE_FIELDS))
              for i in range(ROWS) for leaf in fields}
    return render_template(
        "equipment.html", values=shown, version=version, labels=labels,
        errors=[(e, control(e.field)) for e in errors or []], field_errors=by_control,
        balance_rows=rows_shown(shown, "balances", BALANCE_FIELDS),
        machine_rows=rows_shown(shown, "capsule_machines", MACHINE_FIELDS),
        due=_due(profile) if values is None else {}, sizes=SIZES,
        single=profile.balance), status


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
        return redirect(url_for("equipment.index"), code=303)
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
    return redirect(url_for("equipment.index"), code=303)
