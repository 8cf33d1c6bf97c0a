"""Planning an oral liquid (:class:`compounding.forms.liquid_form.OralLiquids`).

The order checked (source, release, the dose or each step of its schedule, the dose volume
measurable with one oral syringe, the beyond-use date under its master formulation record,
medications, conditions and allergies, names), the batch worked out exactly
(:mod:`compounding.formulation.liquid`) and the API v1.2 plan made from it. Sources: USP <795>
(2023) §8 and Table 4; Fawcett, Morgan & Woods, Ann Pharmacother 1997;31:1291-5.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from compounding.display import count, show
from compounding.errors import ErrorDetail, OrderError
from compounding.forms.common import acknowledged, compounding_date
from compounding.forms.equipment import check_balances, weighings_of
from compounding.forms.liquid_dosing import (
    Step,
    directions_of,
    measurable,
    steps_of,
    volume_of,
)
from compounding.formulary import FormularyEntry
from compounding.formulary.model import MasterFormulationRecord
from compounding.formulation.dating import Component, beyond_use
from compounding.formulation.exact import ceil
from compounding.formulation.liquid import (
    Stage,
    overage_of,
    scaled,
    smallest_batch,
    stock_stages,
    surplus_volume_limit,
    syringe_for,
)
from compounding.formulation.sources import bud_basis, check_source, mfr_used
from compounding.orders.liquid import (
    DoseStep,
    LiquidOrder,
    LiquidPlan,
    LiquidSig,
    StockStage,
    Syringe,
)
from compounding.orders.models import MfrUsed, WeighingPlan, medication_entry
from compounding.screening.conditions import check_allergies, check_conditions
from compounding.screening.dosing import check_dose
from compounding.screening.findings import Finding
from compounding.screening.lactose import source_lactose
from compounding.screening.medications import check_medications
from compounding.screening.name_scripts import check_name_scripts
from compounding.screening.release import check_source_release
from compounding.screening.review import Review
from compounding.settings import DEFAULT_SETTINGS, Settings


@dataclass(frozen=True, slots=True)
class Drug:
    """How the drug gets into the batch: ``method``, its reason, whole ``tablets`` used,
    ``powder`` [mg] weighed (tablet powder or API) and the ``stock`` stages, if any."""

    method: str
    reason: str
    tablets: int
    powder: Fraction | None
    stock: list[Stage] | None


@dataclass(frozen=True, slots=True)
class LiquidWorked:
    """Everything planning works out for one oral liquid order, exact."""

    order: LiquidOrder
    settings: Settings
    mfr_record: MasterFormulationRecord
    concentration: Fraction
    steps: list[Step]
    syringe: Syringe
    volume: Fraction
    overage: Fraction
    batch_volume: Fraction
    batch_volume_reason: str
    drug: Drug
    beyond_use_date: date
    beyond_use_rationale: str
    findings: list[Finding]
    contains_lactose: bool
    compounded_on: date
    sig: LiquidSig
    directions: str
    days_supply: int
    mfr: MfrUsed
    weighings: list[WeighingPlan] | None = None


def parse_liquid(order: LiquidOrder | Mapping[str, Any]) -> LiquidOrder:
    """A validated liquid order, or :class:`OrderError` naming every wrong field."""
    from compounding.orders.reading import parse_any

    parsed = parse_any(order)
    if not isinstance(parsed, LiquidOrder):
        raise OrderError([ErrorDetail("INVALID_VALUE", "form",
                                      "this is not an oral liquid order")])
    return parsed


def work_out(order: LiquidOrder | Mapping[str, Any], settings: Settings | None = None, *,
             kept: bool = False) -> LiquidWorked:
    """Check a liquid order and compute its batch exactly (:class:`OrderError` when invalid);
    ``kept``: a kept record's order, planned on its own compounding date."""
    order = parse_liquid(order)
    settings = settings or DEFAULT_SETTINGS
    review = Review()
    on = (order.compounded_on if kept and order.compounded_on is not None
          else compounding_date(review, order.compounded_on, settings))
    source = order.source
    check_source(review, source)
    check_source_release(review, order.release, source)
    entry = _record(review, order, settings)
    review.raise_errors()
    assert entry is not None
    mfr = entry.mfr
    concentration = order.concentration or Fraction(mfr.concentration or 0)
    if order.vehicle is not None and not any(
            order.vehicle.casefold() in i.name.casefold() for i in mfr.ingredients
            if i.role == "vehicle"):
        review.error("INVALID_VALUE", "vehicle",
                     f"{entry.ref} is made in {_vehicle(mfr)}, not “{order.vehicle}”")
    steps = steps_of(review, order)
    review.raise_errors()
    measurable(review, order, steps, concentration, settings)
    syringe = syringe_for([s.volume for s in steps], settings.syringes)
    if syringe is None and not review.errors:
        said = ", ".join(f"{show(s.volume)} mL" for s in steps)
        table = "; ".join(f"{show(s.capacity)} mL by {show(s.graduation)} mL"
                          for s in settings.syringes)
        review.error("DOSE_VOLUME", "concentration",
                     f"no oral syringe in the pharmacy's table ({table}) measures {said}"
                     f"{' with one syringe' if len(steps) > 1 else ''}: choose a "
                     f"concentration that gives a measurable volume")
    patient = order.patient
    birth = patient.date_of_birth if patient else None
    if birth is not None and birth > on:
        review.error("FUTURE_BIRTH_DATE", "patient.date_of_birth",
                     f"date of birth {birth.isoformat()} is after the compounding date")
        birth = None
    top = max(steps, key=lambda s: s.dose * s.doses_per_day)
    check_dose(review, strength=top.dose, doses_per_day=top.doses_per_day, birth=birth,
               weight=patient.weight if patient else None, on=on, daily_capsules=1,
               field=top.field)
    volume, days_supply = volume_of(review, order, steps)
    review.raise_errors()
    assert syringe is not None
    used = mfr_used(entry, settings)
    bud, rationale = beyond_use(review, on, used.bud_days, _components(order),
                                basis=bud_basis(entry))
    if bud < on + timedelta(days=days_supply):
        day = (bud - on).days + 1
        review.finding("BUD_SHORTER_THAN_SUPPLY", "volume" if order.volume else "days_supply",
                       f"{show(volume)} mL lasts {days_supply} days as directed, past the "
                       f"beyond-use date {bud.isoformat()} (day {day} of the supply): the "
                       f"patient would take doses after it. Dispense less, or tell the patient "
                       f"to discard the rest on that date.")
    overage = overage_of(volume, settings)
    batch_volume, reason = volume + overage, ""
    least, setter = smallest_batch(mfr, settings)
    if least > batch_volume:
        reason = (f"raised from {show(batch_volume)} mL to {show(least)} mL so that the "
                  f"{setter.lower()} weighs at least the minimum weighable quantity "
                  f"({show(settings.minimum_weighable_quantity)} mg)")
        batch_volume = least
    drug = _drug(review, order, concentration, volume, batch_volume, settings)
    review.raise_errors()
    assert drug is not None
    if drug.method == "whole_tablets":
        batch_volume = drug.tablets * source.strength / concentration
    weighed = weighings_of(_weighed(drug, mfr, batch_volume), settings,
                           mfr.weigh_in_portions)
    check_balances(review, weighed, settings, on)
    check_medications(review, [medication_entry(m) for m in order.concurrent_medications])
    lactose = source_lactose(source)
    check_conditions(review, patient.conditions if patient else [], lactose)
    check_allergies(review, patient.allergies if patient else [], lactose)
    check_name_scripts(review, order)
    sig = order.sig or LiquidSig(doses_per_day=steps[0].doses_per_day,
                                 timing="at bedtime" if steps[0].doses_per_day == 1 else None)
    directions = directions_of(review, order, steps, concentration, sig)
    findings = acknowledged(review, review.findings, order.acknowledgements)
    review.raise_errors()
    return LiquidWorked(order=order, settings=settings, mfr_record=mfr,
                        concentration=concentration, steps=steps, syringe=syringe,
                        volume=volume, overage=overage, batch_volume=batch_volume,
                        batch_volume_reason=reason, drug=drug, beyond_use_date=bud,
                        beyond_use_rationale=rationale, findings=findings,
                        contains_lactose=bool(lactose), compounded_on=on, sig=sig,
                        directions=directions, days_supply=days_supply, mfr=used,
                        weighings=weighed)


def _weighed(drug: Drug, mfr: MasterFormulationRecord,
             batch_volume: Fraction) -> list[tuple[str, Fraction]]:
    """What the bench weighs: the drug's powder (or the stock's), each % w/v ingredient."""
    found: list[tuple[str, Fraction]] = []
    powder = drug.stock[0].powder if drug.stock else drug.powder
    if powder is not None and drug.method != "whole_tablets":
        found.append(("naltrexone HCl powder" if drug.method in ("api_powder", "stock_solution")
                      else "tablet powder", powder))
    found += [(x.name, x.amount) for x in scaled(mfr, batch_volume, Fraction(0))
              if x.role != "active" and x.unit == "mg" and x.amount is not None]
    return found


def _record(review: Review, order: LiquidOrder, settings: Settings) -> FormularyEntry | None:
    dose = order.strength if order.strength is not None else (
        order.schedule[0].dose if order.schedule else None)
    try:
        return settings.formulary_of().resolve(order.mfr, "oral_liquid", order.source.kind,
                                               strength_mg=dose,
                                               concentration=order.concentration)
    except OrderError as exc:
        for error in exc.errors:
            review.error(error.code, error.field, error.message)
        return None


def _vehicle(mfr: MasterFormulationRecord) -> str:
    return next((i.name for i in mfr.ingredients if i.role == "vehicle"), "its vehicle")


def _components(order: LiquidOrder) -> list[Component]:
    source = order.source
    found = [Component("naltrexone HCl powder lot" if source.powder else "source tablet lot",
                       "source.expiry", source.expiry)]
    found += [Component(f"{i.name} lot", f"ingredients[{n}].expiry", i.expiry)
              for n, i in enumerate(order.ingredients)]
    return found


def _drug(review: Review, order: LiquidOrder, concentration: Fraction, volume: Fraction,
          batch_volume: Fraction, settings: Settings) -> Drug | None:
    """Whole tablets, an exact portion, the API powder weighed, or a stock."""
    source = order.source
    drug = concentration * batch_volume
    low, high = settings.minimum_weighable_quantity, settings.balance_capacity
    mwq = f"{show(low)} mg"
    if source.powder:
        assert source.assay_as_is is not None
        powder = drug / source.assay_as_is
        if low <= powder <= high:
            return Drug("api_powder", f"the powder ({show(powder)} mg) is weighable directly",
                        0, powder, None)
        stock = stock_stages(drug, concentration, settings, assay=source.assay_as_is)
        why = f"the powder ({show(powder)} mg) is under the minimum weighable quantity ({mwq})"
        return _stock(review, stock, why)
    strength, weight = source.strength, source.average_tablet_weight
    assert weight is not None
    whole = ceil(drug / strength)
    made = whole * strength / concentration
    surplus, limit = made - volume, surplus_volume_limit(volume, settings)
    if surplus <= limit:
        makes = "makes" if whole == 1 else "make"
        return Drug("whole_tablets", f"{count(whole, 'whole tablet')} {makes} {show(made)} mL, "
                                     f"{show(surplus)} mL over the volume dispensed (at most "
                                     f"{show(limit)} mL)", whole, whole * weight, None)
    loss = 1 - settings.crushing_loss_percent / 100
    tablets = ceil(drug / (strength * loss))
    portion = drug * weight / strength
    over = (f"{count(whole, 'whole tablet')} would make {show(made)} mL, {show(surplus)} mL over "
            f"the volume dispensed (at most {show(limit)} mL)")
    if low <= portion <= high:
        return Drug("exact_portion", f"{over}; the portion ({show(portion)} mg of the powder "
                                     f"of {tablets} tablets) is weighable", tablets, portion,
                    None)
    stock = stock_stages(drug, concentration, settings, tablet_strength=strength)
    return _stock(review, stock, f"{over}; the portion ({show(portion)} mg) is under the "
                                 f"minimum weighable quantity ({mwq})")


def _stock(review: Review, stock: list[Stage] | None, why: str) -> Drug | None:
    if stock is None:
        review.error("TRITURATION_INFEASIBLE", "concentration",
                     f"{why}, and no stock of at most two stages delivers the drug with "
                     f"aliquots of at least 1 mL: choose a higher concentration or a larger "
                     f"volume")
        return None
    first = stock[0]
    stages = "one stage" if len(stock) == 1 else "two stages"
    return Drug("stock_solution", f"{why}: a stock in {stages}", first.tablets or 0,
                first.powder, stock)


def plan_of(worked: LiquidWorked) -> LiquidPlan:
    """The API v1.2 plan of a worked-out liquid batch."""
    order, drug = worked.order, worked.drug
    top = max(worked.steps, key=lambda s: s.dose * s.doses_per_day)
    stock = None if drug.stock is None else [
        StockStage(stage=s.number, tablets=s.tablets, powder=s.powder, aliquot_in=s.aliquot_in,
                   drug=s.drug, volume=s.volume, concentration=s.concentration,
                   aliquot=s.aliquot) for s in drug.stock]
    first = worked.steps[0]
    qc = worked.mfr_record.qc
    tolerance = Fraction(qc.final_volume_tolerance_percent or 5)
    return LiquidPlan.model_construct(
        form="oral_liquid", kind=worked.mfr_record.kind or "suspension",
        concentration=worked.concentration,
        strength=first.dose, strength_basis=order.strength_basis,
        strength_as_ordered=order.strength if order.strength is not None else (
            order.schedule[0].dose if order.schedule else first.dose),
        dose_volume=first.volume,
        steps=[DoseStep(dose=s.dose, dose_volume=s.volume, doses_per_day=s.doses_per_day,
                        days=s.days, first_day=s.first_day) for s in worked.steps],
        syringe=worked.syringe, volume=worked.volume, overage_volume=worked.overage,
        batch_volume=worked.batch_volume, batch_volume_reason=worked.batch_volume_reason,
        drug_total=worked.concentration * worked.batch_volume,
        method=drug.method, method_reason=drug.reason, tablets=drug.tablets,
        tablet_powder=drug.powder, stock_solution=stock,
        ingredients=scaled(worked.mfr_record, worked.batch_volume, worked.concentration),
        final_volume_min=worked.batch_volume * (100 - tolerance) / 100,
        final_volume_max=worked.batch_volume * (100 + tolerance) / 100,
        appearance=qc.appearance,
        ph_range=f"{qc.ph_range.low}-{qc.ph_range.high}" if qc.ph_range else None,
        storage=worked.mfr_record.storage, contains_lactose=worked.contains_lactose,
        compounded_on=worked.compounded_on, beyond_use_date=worked.beyond_use_date,
        beyond_use_rationale=worked.beyond_use_rationale, sig=worked.sig,
        directions=worked.directions, daily_dose=top.dose * top.doses_per_day,
        days_supply=worked.days_supply, findings=worked.findings,
        source_kind=order.source.kind, mfr=worked.mfr, weighings=worked.weighings)
