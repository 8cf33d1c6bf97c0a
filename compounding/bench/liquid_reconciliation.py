"""An oral liquid's bench entry checked against its plan (USP <795> 2023 §8): the drug put in,
the strength made c_made = drug ÷ final volume [mg/mL] judged against the planned concentration
(95-105 %: a warning outside; 90-110 %: critical outside, the batch can only be rejected or
corrected), the tablets used, the final volume against the master formulation record's tolerance
and the volume to dispense, every ingredient entered with its lot and expiry, and the
beyond-use date worked out again from the day of the bench work and the lots used.

The entry is :class:`compounding.bench.liquid_entry.LiquidBenchEntry`; the result is the
:class:`~compounding.bench.reconciliation.Reconciliation` a capsule batch gets.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from compounding.bench.liquid_entry import LiquidBenchEntry
from compounding.bench.reconciliation import (
    POWDER_MARGIN,
    STRENGTH_LIMIT,
    STRENGTH_WARN,
    Reconciliation,
    bench_beyond_use,
)
from compounding.clock import day_of, today
from compounding.display import show
from compounding.errors import ErrorDetail, OrderError
from compounding.formulation.dating import USP_795, Component
from compounding.orders.liquid import IngredientAmount, LiquidOrder, LiquidPlan
from compounding.screening.findings import Finding
from compounding.screening.review import Review
from compounding.settings import DEFAULT_SETTINGS, Settings


def _names(name: str) -> set[str]:
    """The ways the bench may name an ingredient: "Glycerin (glycerol)" is also "Glycerin"
    and "glycerol", any case."""
    full = " ".join(name.casefold().split())
    head, _, rest = full.partition(" (")
    return {full, head, rest.removesuffix(")")} - {""}


def planned_ingredient(plan: LiquidPlan, name: str) -> IngredientAmount | None:
    """The plan's ingredient (not the drug) the bench names ``name``, or ``None``."""
    wanted = " ".join(name.casefold().split())
    return next((i for i in plan.ingredients if i.role != "active" and wanted in _names(i.name)),
                None)


def stock_concentrations(entry: LiquidBenchEntry, plan: LiquidPlan,
                         order: LiquidOrder) -> list[Fraction]:
    """Each stock stage's concentration as made [mg/mL]: c₁ = (tablets used × S, or powder
    weighed × assay as is) ÷ the volume stage 1 was made to; c₂ = the volume of stage 1 taken
    × c₁ ÷ the volume stage 2 was made to."""
    found: list[Fraction] = []
    for index, stage in enumerate(entry.stock):
        if index == 0:
            drug = _source_drug(entry, plan, order)
        else:
            drug = Fraction(stage.taken or 0) * found[-1]
        found.append(drug / stage.volume)
    return found


def _source_drug(entry: LiquidBenchEntry, plan: LiquidPlan, order: LiquidOrder) -> Fraction:
    """The naltrexone HCl the source put in [mg]: whole tablets × S, the tablet powder
    weighed × S/W, or the powder weighed × its assay as is."""
    source = order.source
    if plan.source_kind == "api_powder":
        return Fraction(entry.powder_actual or 0) * (source.assay_as_is or 0)
    if plan.method == "exact_portion":
        return (Fraction(entry.powder_actual or 0) * source.strength
                / (source.average_tablet_weight or 1))
    return (entry.tablets_used or 0) * source.strength


def drug_put_in(entry: LiquidBenchEntry, plan: LiquidPlan, order: LiquidOrder) -> Fraction:
    """The naltrexone HCl in the batch [mg]: from the source directly, or the aliquot
    measured × the concentration of the last stock stage as made."""
    if plan.method == "stock_solution":
        return Fraction(entry.aliquot_actual or 0) * stock_concentrations(entry, plan, order)[-1]
    return _source_drug(entry, plan, order)


def _required(entry: LiquidBenchEntry, plan: LiquidPlan) -> list[ErrorDetail]:
    """What the plan's method needs the bench to enter (FIELD_REQUIRED), and what it cannot
    take (INVALID_VALUE)."""
    errors = []
    tablets = plan.source_kind == "tablets"
    stock = plan.method == "stock_solution"
    if tablets and entry.tablets_used is None:
        errors.append(ErrorDetail("FIELD_REQUIRED", "tablets_used",
                                  "the number of tablets crushed is required"))
    if not tablets and entry.tablets_used:
        errors.append(ErrorDetail(
            "INVALID_VALUE", "tablets_used",
            f"{entry.tablets_used} tablets entered for a batch made from naltrexone HCl "
            f"powder, which uses none: enter 0 or leave it out"))
    if entry.powder_actual is None and (plan.method in ("exact_portion", "api_powder")
                                        or (stock and not tablets)):
        errors.append(ErrorDetail("FIELD_REQUIRED", "powder_actual",
                                  "the powder weighed is required"))
    planned = plan.stock_solution or []
    if not stock and entry.stock:
        errors.append(ErrorDetail("INVALID_VALUE", "stock",
                                  "this batch is made without a stock: leave it out"))
    if stock and len(entry.stock) != len(planned):
        errors.append(ErrorDetail("FIELD_REQUIRED", "stock",
                                  f"enter the volume each of the {len(planned)} stock stages "
                                  f"was made to"))
    for index, made in enumerate(entry.stock):
        if index and made.taken is None:
            errors.append(ErrorDetail("FIELD_REQUIRED", f"stock[{index}].taken",
                                      "the volume of stock 1 measured into stock 2 is "
                                      "required"))
        elif index and (made.taken or 0) > entry.stock[index - 1].volume:
            errors.append(ErrorDetail("INVALID_VALUE", f"stock[{index}].taken",
                                      f"{show(made.taken or 0)} mL is more than the "
                                      f"{show(entry.stock[index - 1].volume)} mL stock 1 was "
                                      f"made to"))
    if stock and entry.aliquot_actual is None:
        errors.append(ErrorDetail("FIELD_REQUIRED", "aliquot_actual",
                                  "the aliquot of the stock measured into the batch is "
                                  "required"))
    elif not stock and entry.aliquot_actual is not None:
        errors.append(ErrorDetail("INVALID_VALUE", "aliquot_actual",
                                  "this batch is made without a stock: leave it out"))
    elif entry.stock and (entry.aliquot_actual or 0) > entry.stock[-1].volume:
        errors.append(ErrorDetail("INVALID_VALUE", "aliquot_actual",
                                  f"{show(entry.aliquot_actual or 0)} mL is more than the "
                                  f"{show(entry.stock[-1].volume)} mL the stock was made to"))
    return errors


def _ingredients(entry: LiquidBenchEntry, plan: LiquidPlan) -> list[ErrorDetail]:
    """Every ingredient the plan weighs or measures, entered once with its amount in the
    plan's unit, its lot and its expiry; no ingredient the plan does not have."""
    errors: list[ErrorDetail] = []
    seen: set[str] = set()
    for index, used in enumerate(entry.ingredients):
        where = f"ingredients[{index}]"
        planned = planned_ingredient(plan, used.name)
        if planned is None:
            named = ", ".join(i.name for i in plan.ingredients if i.role != "active")
            errors.append(ErrorDetail("INVALID_VALUE", f"{where}.name",
                                      f"“{used.name}” is not an ingredient of this batch "
                                      f"({named})"))
            continue
        if planned.name in seen:
            errors.append(ErrorDetail("INVALID_VALUE", f"{where}.name",
                                      f"{planned.name} is entered twice"))
        seen.add(planned.name)
        if planned.unit == "to volume":
            if used.amount is not None:
                errors.append(ErrorDetail("INVALID_VALUE", f"{where}.amount",
                                          f"{planned.name} makes the batch to volume: enter "
                                          f"the final volume instead"))
            continue
        if used.amount is None:
            errors.append(ErrorDetail("FIELD_REQUIRED", f"{where}.amount",
                                      f"the {planned.name} {_verb(planned.unit)} is required"))
        elif used.amount.unit != planned.unit:
            errors.append(ErrorDetail("WRONG_DIMENSION", f"{where}.amount",
                                      f"{planned.name} is {_verb(planned.unit)}: enter it "
                                      f"in {planned.unit}"))
        errors += [ErrorDetail("FIELD_REQUIRED", f"{where}.{part}",
                               f"the {planned.name} {part} used is required")
                   for part in ("lot", "expiry") if getattr(used, part) is None]
    missing = [i.name for i in plan.ingredients
               if i.role != "active" and i.unit != "to volume" and i.name not in seen]
    if missing:
        errors.append(ErrorDetail("FIELD_REQUIRED", "ingredients",
                                  f"enter the amount, lot and expiry of {', '.join(missing)}"))
    return errors


def _verb(unit: str) -> str:
    return "weighed" if unit == "mg" else "measured"


def _impossible(entry: LiquidBenchEntry, plan: LiquidPlan, order: LiquidOrder, day: date,
                now: date) -> list[ErrorDetail]:
    errors = []
    if day > now:
        errors.append(ErrorDetail(
            "BENCH_DATE_IN_FUTURE", "compounded_at",
            f"the bench work is dated {day.isoformat()}, after today ({now.isoformat()}) at "
            f"the pharmacy: enter when it was done"))
    errors += _required(entry, plan)
    weight = order.source.average_tablet_weight
    if (plan.method == "exact_portion" and weight is not None
            and entry.powder_actual is not None and entry.tablets_used is not None):
        most = entry.tablets_used * weight * POWDER_MARGIN
        if entry.powder_actual > most:
            errors.append(ErrorDetail(
                "BENCH_POWDER_EXCEEDS_TABLETS", "powder_actual",
                f"{show(entry.powder_actual)} mg of powder is more than "
                f"{entry.tablets_used} tablets of {show(weight)} mg hold (at most "
                f"{show(most)} mg with 2 % for the balance)"))
    if entry.final_volume < plan.volume:
        errors.append(ErrorDetail(
            "BENCH_SHORT", "final_volume",
            f"{show(entry.final_volume)} mL made cannot fill a prescription of "
            f"{show(plan.volume)} mL"))
    return errors + _ingredients(entry, plan)


def _strength(review: Review, entry: LiquidBenchEntry, plan: LiquidPlan, drug: Fraction,
              made: Fraction, ratio: Fraction) -> None:
    if not STRENGTH_LIMIT[0] <= ratio <= STRENGTH_LIMIT[1]:
        code = "BENCH_STRENGTH_OUT_OF_RANGE"
        advice = "outside 90-110 %: the batch cannot be released"
    elif not STRENGTH_WARN[0] <= ratio <= STRENGTH_WARN[1]:
        code, advice = "BENCH_STRENGTH_DEVIATION", "outside 95-105 %: check the amounts"
    else:
        return
    review.finding(code, "final_volume",
                   f"Strength made {show(made)} mg/mL is {show(ratio * 100, 1)} % of "
                   f"{show(plan.concentration)} mg/mL ({advice}): {show(drug)} mg of drug in "
                   f"{show(entry.final_volume)} mL.")


def _beyond_use(review: Review, entry: LiquidBenchEntry, plan: LiquidPlan,
                day: date) -> tuple[date, str]:
    """The BUD from the day of the bench work and the lots used (USP <795> 2023 §8: not later
    than any component's expiry), under the plan's master formulation record."""
    dating = Review()  # its BUD_LIMITED_BY_COMPONENT is said again as BUD_SHORTENED_AT_BENCH
    days = plan.mfr.bud_days if plan.mfr else (plan.beyond_use_date - plan.compounded_on).days
    basis = plan.mfr.bud_basis if plan.mfr else USP_795
    source = ("naltrexone HCl powder lot used" if plan.source_kind == "api_powder"
              else "source tablet lot used")
    components = [Component(source, "source_expiry", entry.source_expiry)]
    for index, used in enumerate(entry.ingredients):
        planned = planned_ingredient(plan, used.name)
        components.append(Component(f"{planned.name if planned else used.name} lot used",
                                    f"ingredients[{index}].expiry", used.expiry))
    return bench_beyond_use(review, dating, plan, day, days, components, basis,
                            f"{show(plan.volume)} mL lasts", "doses", "less")


def reconcile(entry: LiquidBenchEntry, plan: LiquidPlan, order: LiquidOrder,
              settings: Settings = DEFAULT_SETTINGS) -> Reconciliation:
    """The bench entry of an oral liquid checked against its plan; :class:`OrderError` for
    what cannot be. ``strength_made`` is the concentration made [mg/mL] and
    ``strength_ratio`` its ratio to the planned concentration; expiries and the BUD are judged
    on the pharmacy's date of the bench work (``settings.time_zone``)."""
    day = day_of(entry.compounded_at, settings.time_zone)
    errors = _impossible(entry, plan, order, day, today(settings.time_zone))
    if errors:
        raise OrderError(errors)
    review = Review()
    if plan.source_kind == "tablets" and entry.tablets_used != plan.tablets:
        review.finding("BENCH_TABLETS_MISMATCH", "tablets_used",
                       f"{entry.tablets_used} tablets used where the plan crushes "
                       f"{plan.tablets}: the batch's strength is not the one planned. Correct "
                       f"the entry or reject the batch.")
    drug = drug_put_in(entry, plan, order)
    made = drug / entry.final_volume
    ratio = made / plan.concentration
    _strength(review, entry, plan, drug, made, ratio)
    low, high = plan.final_volume_min, plan.final_volume_max
    if not low <= entry.final_volume <= high:
        review.finding("BENCH_VOLUME_OUT_OF_RANGE", "final_volume",
                       f"The batch was made to {show(entry.final_volume)} mL, outside "
                       f"{show(low, 2)}-{show(high, 2)} mL (the master formulation record's "
                       f"tolerance on {show(plan.batch_volume, 2)} mL): check the cylinder and "
                       f"the other ingredients' share.")
    bud, rationale = _beyond_use(review, entry, plan, day)
    review.raise_errors()
    return Reconciliation(review.findings, made, ratio, day, bud, rationale)


def check_bench(entry: LiquidBenchEntry, plan: LiquidPlan, order: LiquidOrder,
                settings: Settings = DEFAULT_SETTINGS) -> list[Finding]:
    """The findings of :func:`reconcile`."""
    return reconcile(entry, plan, order, settings).findings
