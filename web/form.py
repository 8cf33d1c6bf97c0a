"""The pharmacist's form: enter an order, preview the plan with its working, acknowledge
critical findings, then keep it as a batch record (whose page prints the worksheet, takes the
bench results and the verification, and prints the label once verified); or, for a titration
schedule of capsules, as a kit of one batch record per strength (:mod:`.kit_preview`,
:mod:`.kit_page`). Everything works without a script; the step editor's script only adds and
removes rows and keeps the schedule's total up to date (``static/kit.js``)."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import defaultdict
from datetime import date

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from compounding.clock import today
from compounding.errors import CompoundingError, ErrorDetail, OrderError
from compounding.formulation.derivation import explain
from compounding.orders.kit import KitOrder
from compounding.orders.liquid import LiquidOrder, LiquidPlan
from compounding.orders.models import Order
from compounding.plan import plan_of, work_out
from compounding.profile import Profile
from compounding.records.store import RequestKey

from .auth import audit, principal
from .formdata import CHOICES, CONTROLS, DEFAULTS, LABELS, form_field, to_order
from .inventory_pages import inventory
from .kept_records import planning_profile
from .kit_order import STEP_LABELS, compacted, form_problems, rows_shown, scheduled, total
from .kit_order import said as step_said
from .kit_preview import kit_preview, parsed_kit
from .liquid_order import ASKS, concentration_choices, ingredient_labels, ingredient_names
from .liquid_preview import liquid_preview
from .powder_order import from_inventory, powder_preview
from .security import allow_scripts, csrf_valid
from .signing import author
from .wording import for_person

bp = Blueprint("form", __name__)

SEVERITIES = ("critical", "warning", "info")
KIT_COLOURS = "Kit colours (in the pharmacy's settings)"
PICKERS = {"source.lot": "tablet", "powder.lot": "api", "filler.lot": "filler",
           "capsule.lot": "shell"}
"""The order's lot inputs, and the kind of inventory lot each offers (a ``<datalist>``: a lot
may still be typed)."""


def _page(values: dict[str, str], status: int = 200, draft_saved: object = None,
          **context: object):
    """The form; ``submission`` is this order entry's one-time key, kept through previews so
    that a double submit or a Back-and-resubmit of "Create" finds the batch it made. The
    oral liquid's concentrations and other ingredients are the formulary's."""
    allow_scripts()  # the schedule's step editor (static/kit.js): the form works without it
    formulary = planning_profile().settings.formulary_of()
    names = ingredient_names(formulary)
    return render_template("form.html", values=values, severities=SEVERITIES,
                           choices={**CHOICES,
                                    "liquid.concentration": concentration_choices(formulary)},
                           labels={**LABELS, **ingredient_labels(names), **STEP_LABELS,
                                   "kit_colours": KIT_COLOURS},
                           rows=rows_shown(values), live_total=total(values),
                           ingredient_names=names, submission=secrets.token_urlsafe(18),
                           lot_choices=_lot_choices(), draft_saved=draft_saved,
                           **context), status


def _lot_choices() -> dict[str, list]:
    """Each lot input's usable inventory lots (not expired today, not quarantined)."""
    stock = inventory()
    day = stock.today()
    return {name: stock.list(kind, usable_on=day) for name, kind in PICKERS.items()}


def _refused_lots(order: dict) -> list[ErrorDetail]:
    """An error for each lot typed or picked on the order that the inventory has received and
    that is quarantined, or expired on the compounding date (today when none is given), naming
    its input. A lot the inventory does not know is left to the order's own rules."""
    stock = inventory()
    try:
        day = date.fromisoformat(str(order.get("compounded_on") or "")[:10])
    except ValueError:
        day = stock.today()
    refused = []
    lots = {"source.lot": "api" if _powder(order) else "tablet",
            "filler.lot": "filler", "capsule.lot": "shell"}
    for name, kind in lots.items():
        part, _, leaf = name.partition(".")
        typed = (order.get(part) or {}).get(leaf)
        if isinstance(typed, str) and (problem := stock.refusal(kind, typed, name, day)):
            refused.append(problem)
    return refused


def _said(error: ErrorDetail, control: str, order: dict) -> ErrorDetail:
    """``error`` as the form says it; one of a powder source's fields, or of an oral liquid's,
    named as its input ("Powder lot", not "Tablet lot"; "Volume to dispense"), and a tablet
    weight sent with the powder refused as the core says it (the tablets' fieldset was not the
    source chosen)."""
    if control.startswith("schedule") or control in ("combine", "start_on", "timing"):
        return step_said(error, control)
    if control.startswith(("powder.", "liquid.", "ingredients.")) or control == "dosage_form":
        error = ErrorDetail(error.code, control, error.message)
        if control in ASKS and error.code in ("INVALID_QUANTITY", "INVALID_VALUE",
                                              "WRONG_DIMENSION"):
            return ErrorDetail(error.code, control, ASKS[control])
    elif control == "source.average_tablet_weight" and _powder(order):
        return error
    return for_person(error, control)


def _powder(order: dict) -> bool:
    return isinstance(order.get("source"), dict) and order["source"].get("kind") == "api_powder"


def _linked(errors: list[ErrorDetail], order: dict,
            values: dict[str, str]) -> list[tuple[ErrorDetail, str | None]]:
    """Each error, as the form says it, with the id of the input it belongs beside, or
    ``None`` when no input of the form holds it (the pharmacy's profile, say): the summary
    links only to what exists."""
    found = []
    for error in errors:
        if error.code == "KIT_COLOURS_CLASH":  # the pharmacy's settings: an admin's page
            settings = url_for("settings.index") + "#kit_colours-section"
            found.append((ErrorDetail(error.code, "kit_colours", error.message),
                          settings if "admin" in principal().user.roles else None))
            continue
        control = form_field(error.field, order, values, error.code)
        found.append((_said(error, control, order), control if control in CONTROLS else None))
    return found


def _fields(errors: list[ErrorDetail], order: dict,
            values: dict[str, str]) -> dict[str, list[ErrorDetail]]:
    by_field: dict[str, list[ErrorDetail]] = defaultdict(list)
    for error in errors:
        control = form_field(error.field, order, values, error.code)
        by_field[control].append(_said(error, control, order))
    return by_field


def _drafts():
    return current_app.extensions["drafts"]


@bp.get("/")
def index():
    """The form, empty; or with the order this person was typing, kept by the server (when
    they previewed it, or posted it after being signed out for inactivity)."""
    zone = current_app.config["PROFILE"].settings.time_zone
    kept = _drafts().latest(principal().user.id)
    if kept is not None:
        fields, saved = kept
        return _page({**DEFAULTS, **{k: v for k, v in fields.items() if isinstance(v, str)}},
                     draft_saved=saved)
    return _page({**DEFAULTS, "compounded_on": today(zone).isoformat()})


@bp.post("/drafts/discard")
def discard_draft():
    """Empty the form: the kept order is dropped."""
    if csrf_valid(request.form.get("csrf_token")):
        _drafts().discard(principal().user.id)
    return redirect(url_for("form.index"), code=303)


@bp.post("/")
def preview():
    return _handle(None)


@bp.post("/batch")
def create_batch():
    """Keep the order as a batch record and go to its page (worksheet, bench, verification);
    a titration schedule of capsules as a kit."""
    return _handle("batch")


def _handle(document: str | None):
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    if scheduled(values):  # the rows filled, from 0: schedule[n] is row n
        values = compacted(values)
    if not csrf_valid(request.form.get("csrf_token")):
        error = ErrorDetail("CSRF_FAILED", "form", "This form has expired or did not come from "
                            "this page. Check the values and submit again.")
        return _page(values, 400, errors=[(error, None)], field_errors={})
    taken, note = from_inventory(values, inventory())  # a powder lot's certificate
    _drafts().keep(principal().user.id, {k: v for k, v in values.items() if k != "submission"})
    order = to_order(values)
    profile = planning_profile()  # the pharmacy's formulary, as the record will be made
    worked = None
    kit: dict[str, object] = {}
    # the plan is still shown; no batch is kept
    refused = taken + _refused_lots(order) + form_problems(values)
    try:
        if scheduled(values) and order.get("form") != "oral_liquid":
            parsed = parsed_kit(order)
            kit = kit_preview(parsed, profile.settings)
            if refused:
                raise OrderError(refused)
            if document is not None:
                return _create_kit(parsed, profile)
            _audit_plan(parsed)
            return _page(values, 200, errors=[], field_errors={}, powder_note=note, **kit)
        worked = work_out(order, profile.settings)
        if refused:
            raise OrderError(refused)
        if document == "batch":
            record = current_app.extensions["records"].create(
                worked.order, profile, author(), request=_submission(request.form, worked.order))
            audit("create", record.lot_number, revision=record.revision)
            _drafts().discard(principal().user.id)
            return redirect(url_for("records.show", lot=record.lot_number, created=1), code=303)
    except CompoundingError as exc:
        exc.errors += [e for e in refused if e not in exc.errors]
        if any(e.code == "IDEMPOTENCY_KEY_REUSED" for e in exc.errors):
            values.pop("submission", None)  # the next "Create" is deliberate: a new key
            made = "kit" if kit else "batch"
            exc.errors[:] = [ErrorDetail(
                "IDEMPOTENCY_KEY_REUSED", "form",
                f"This order form already made a {made} with other values. Check the batch "
                f"records before making another; to make a second {made} from these values, "
                f"press Create again.")]
        plan_context = kit or (_preview(worked) if worked is not None else {})
        return _page(values, exc.status, errors=_linked(exc.errors, order, values),
                     field_errors=_fields(exc.errors, order, values), powder_note=note,
                     **plan_context)
    _audit_plan(worked.order)
    return _page(values, 200, errors=[], field_errors={}, powder_note=note, **_preview(worked))


def _create_kit(order: KitOrder, profile: Profile):
    """Keep the kit (each strength's batch record, and the kit that ties them) and go to its
    page; a double submit or a Back-and-resubmit of "Create" finds the kit it made."""
    kit = current_app.extensions["records"].create_kit(
        order, profile, author(), request=_submission(request.form, order, "form kit"))
    for lot in kit.lots:
        audit("create", lot, revision=1, kit=kit.id)
    audit("create_kit", f"kit {kit.id}", lots=kit.lots)
    _drafts().discard(principal().user.id)
    return redirect(url_for("kits.show", number=kit.id, created=1), code=303)


def _audit_plan(order: Order | LiquidOrder | KitOrder) -> None:
    """Who planned for whom: the prescription's and the patient's ids, never a name."""
    audit("plan", order.rx_number, **{k: v for k, v in {
        "prescription_id": order.prescription_id,
        "patient_id": order.patient.id if order.patient else None}.items() if v})


_SUBMISSION = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _submission(form: MultiDict[str, str], order: Order | LiquidOrder | KitOrder,
                scope: str = "form") -> RequestKey | None:
    """The form's one-time key with the digest of the order it describes; a kit's keys are
    kept apart from a batch's (``scope``)."""
    token = form.get("submission", "")
    if not _SUBMISSION.fullmatch(token):
        return None
    digest = hashlib.sha256(order.model_dump_json().encode()).hexdigest()
    return RequestKey(f"{scope} {principal().user.id}", token, digest)


def _preview(worked) -> dict[str, object]:
    plan = plan_of(worked)
    grouped = {s: [f for f in plan.findings if f.severity.value == s] for s in SEVERITIES}
    if isinstance(plan, LiquidPlan):  # an oral liquid: its own working, in its own words
        return {"plan": plan, "findings": grouped, "liquid": liquid_preview(worked, plan),
                "lot": worked.order.lot_number}
    return {"plan": plan, "steps": explain(worked), "findings": grouped,
            "powder": powder_preview(worked),
            # the order's own lot, or none yet: the records give the next YYYYMMDD-NNN only
            # when the batch is kept, and a preview must not show a number it will not have
            "lot": worked.order.lot_number}


