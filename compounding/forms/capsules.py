"""Planning capsules, the first dosage form (:class:`compounding.forms.capsule_form.Capsules`).

Planning a capsule batch: the order checked (source, release, dose and directions, the
beyond-use date under its master formulation record, capsule capacity, weighings, medications,
conditions and allergies, names), the batch worked out exactly by the method the balance allows
(:mod:`compounding.formulation`), and the plan of API v1 made from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from pydantic import ValidationError

from compounding.display import show
from compounding.errors import ErrorDetail, OrderError
from compounding.forms import liquid
from compounding.forms.common import acknowledged, compounding_date
from compounding.forms.equipment import check_balances, runs_of, weighings_of
from compounding.formulary import FormularyEntry
from compounding.formulation.batch import (
    Batch,
    filler_per_capsule,
    hydrochloride_strength,
    overage_from_percent,
)
from compounding.formulation.capsules import COLOURS
from compounding.formulation.dating import Component, beyond_use
from compounding.formulation.fill import FillBasis, filler_capacity, smallest_fitting_size
from compounding.formulation.fillers import fillers_named
from compounding.formulation.methods import LIQUID_ADVICE, choose, weighings
from compounding.formulation.plausibility import check_fill_inputs
from compounding.formulation.sources import (
    DEFAULT_BUD_DAYS,
    bud_basis,
    check_source,
    formulation_record,
    inputs_of,
    mfr_used,
    powder_density_factor,
    source_per_drug,
)
from compounding.formulation.weighing import check_weighings
from compounding.orders.liquid import LiquidOrder, LiquidSig
from compounding.orders.models import (
    MfrUsed,
    Order,
    Plan,
    TriturationStage,
    WeighingPlan,
    medication_entry,
)
from compounding.orders.reading import parse_order
from compounding.screening.conditions import check_allergies, check_conditions
from compounding.screening.directions import Directions
from compounding.screening.directions import resolve as resolve_directions
from compounding.screening.dosing import check_dose
from compounding.screening.findings import Finding
from compounding.screening.lactose import lactose_sources
from compounding.screening.medications import check_medications
from compounding.screening.name_scripts import check_name_scripts
from compounding.screening.release import check_release
from compounding.screening.review import Review
from compounding.settings import DEFAULT_SETTINGS, Settings


@dataclass(frozen=True, slots=True)
class Worked:
    """Everything ``plan_order`` works out for one order, exact; the plan is its JSON face."""

    order: Order
    settings: Settings
    strength: Fraction
    overage_percent: Fraction | None
    pack_stat: Fraction
    basis: FillBasis
    batch: Batch
    beyond_use_date: date
    beyond_use_rationale: str
    findings: list[Finding]
    contains_lactose: bool
    compounded_on: date
    directions: Directions
    days_supply: int
    method_reason: str = ""
    mfr: MfrUsed | None = None
    weighings: list[WeighingPlan] | None = None


def trituration_stages(batch: Batch) -> list[TriturationStage] | None:
    """The plan's view of a trituration: each stage with what is weighed out of it."""
    if batch.trituration is None:
        return None
    stages = batch.trituration.stages
    taken = [s.taken for s in stages[1:]] + [batch.trituration.aliquot]
    return [TriturationStage.model_construct(  # the core's own values, already of their types
        stage=s.number, tablets=(batch.tablets or None) if s.number == 1 else None,
        powder=s.taken,
        filler_added=s.filler, total=s.total, concentration=float(s.concentration),
        aliquot=out) for s, out in zip(stages, taken, strict=True)]


def work_out(order: Order | Mapping[str, Any], settings: Settings | None = None, *,
             kept: bool = False) -> Worked:
    """Check the order and compute its batch exactly (:class:`OrderError` when invalid).
    ``kept``: the order of a kept batch record, planned again for its documents or a replay:
    its compounding date is its own, however long ago (the window around today is for orders
    that arrive, :func:`_compounding_date`)."""
    order = parse_order(order)
    settings = settings or DEFAULT_SETTINGS
    review = Review()
    on = (order.compounded_on if kept and order.compounded_on is not None
          else compounding_date(review, order.compounded_on, settings))
    strength = hydrochloride_strength(order.strength, order.strength_basis)
    source = order.source
    entry = formulation_record(review, order, settings)
    check_source(review, source)

    filler = check_release(review, order)
    patient = order.patient
    birth = patient.date_of_birth if patient else None
    if birth is not None and birth > on:
        review.error("FUTURE_BIRTH_DATE", "patient.date_of_birth",
                     f"date of birth {birth.isoformat()} is after the compounding date")
        birth = None
    directions = resolve_directions(review, order)
    check_dose(review, strength=strength, doses_per_day=directions.doses_per_day, birth=birth,
               weight=patient.weight if patient else None, on=on,
               daily_capsules=directions.daily_capsules, field=directions.field)
    mfr = mfr_used(entry, settings) if entry is not None else None
    bud, rationale = beyond_use(review, on, mfr.bud_days if mfr else DEFAULT_BUD_DAYS, [
        Component("naltrexone HCl powder lot" if source.powder else "source tablet lot",
                  "source.expiry", source.expiry),
        Component("filler lot", "filler.expiry", order.filler.expiry),
        Component("capsule shell lot", "capsule.expiry", order.capsule.expiry),
    ], basis=bud_basis(entry))
    days_supply = directions.days_supply(order.quantity)
    if bud < on + timedelta(days=days_supply):
        review.finding("BUD_SHORTER_THAN_SUPPLY", "quantity",
                       f"{order.quantity} capsules last {days_supply} days as directed "
                       f"(at most {directions.daily_capsules} a day), past the beyond-use date "
                       f"{bud.isoformat()}: the patient would take capsules after it. Dispense "
                       f"fewer, or tell the patient to discard the rest on that date.")
    check_fill_inputs(review, order, settings)
    capacity = _capacity(review, order, settings, filler, strength, entry)
    review.raise_errors()
    assert capacity is not None

    overage = order.overage
    percent = None if overage and overage.capsules is not None else (
        overage.percent if overage else settings.overage_percent)
    if percent is not None:
        extra = overage_from_percent(order.quantity, percent)
    else:
        assert overage is not None and overage.capsules is not None
        extra = overage.capsules
    pack_stat, basis = capacity
    chosen = choose(review, order.method, inputs_of(order, settings, strength, extra, pack_stat,
                                                  entry), settings)
    if chosen is None:
        _advise_liquid(review, order, directions, days_supply, settings, kept)
    review.raise_errors()
    assert chosen is not None
    batch, method_reason = chosen
    check_weighings(review, batch, settings.minimum_weighable_quantity)
    weighed = weighings_of(((what, mass) for what, mass, addition in weighings(batch)
                            if not (addition and mass == 0)), settings,
                           entry is not None and entry.mfr.weigh_in_portions)
    check_balances(review, weighed, settings, on)
    check_medications(review, [medication_entry(m) for m in order.concurrent_medications])
    lactose = lactose_sources(order)
    check_conditions(review, patient.conditions if patient else [], lactose)
    check_allergies(review, patient.allergies if patient else [], lactose)
    check_name_scripts(review, order)
    findings = acknowledged(review, review.findings, order.acknowledgements)
    review.raise_errors()
    return Worked(order=order, settings=settings, strength=strength, overage_percent=percent,
                  pack_stat=pack_stat, basis=basis, batch=batch, beyond_use_date=bud,
                  beyond_use_rationale=rationale,
                  findings=findings,
                  contains_lactose=bool(lactose), compounded_on=on,
                  directions=directions, days_supply=days_supply,
                  method_reason=method_reason, mfr=mfr, weighings=weighed)


def _capacity(review: Review, order: Order, settings: Settings, filler: Any,
              strength: Any, entry: FormularyEntry | None = None
              ) -> tuple[Any, FillBasis] | None:
    """F and its basis; ``CAPSULE_TOO_SMALL`` / ``FILL_BASIS_MISSING`` errors otherwise."""
    if filler is None:
        return None
    size = order.capsule.size
    blend = len(fillers_named(order.filler.name)) > 1
    if blend and order.filler.pack_stat is None and order.filler.density is None:
        review.error("FILL_BASIS_MISSING", "filler.pack_stat",
                     f"“{order.filler.name}” is a blend: the chart pack stat of "
                     f"{filler.name} alone does not hold for it. Give filler.pack_stat "
                     f"(calibrated) or filler.density")
        return None
    found = filler_capacity(size, filler, pack_stat=order.filler.pack_stat,
                            density=order.filler.density, pharmacy_pack_stats=settings.pack_stats)
    if found is None:
        review.error("FILL_BASIS_MISSING", "filler.pack_stat",
                     f"size {size} capsules of {filler.name} have no chart pack stat: give "
                     f"filler.pack_stat (calibrated) or filler.density")
        return None
    source = order.source
    per_unit = source_per_drug(source)
    if per_unit is None:
        return None
    powder = strength * per_unit
    factor = powder_density_factor(order, entry)
    if filler_per_capsule(found[0], powder, factor) > 0:
        return found
    fits = smallest_fitting_size(powder, factor, filler,
                                 density=order.filler.density,
                                 pharmacy_pack_stats=settings.pack_stats)
    advice = f"the smallest size that fits is {fits}" if fits else "no capsule size fits"
    review.error("CAPSULE_TOO_SMALL", "capsule.size",
                 f"{'naltrexone HCl' if source.powder else 'tablet'} powder per capsule "
                 f"({show(powder)} mg) fills a size {size} capsule "
                 f"({show(found[0])} mg of filler) with no room for filler: {advice}")
    return None


def _advise_liquid(review: Review, order: Order, directions: Directions, days_supply: int,
                   settings: Settings, kept: bool) -> None:
    """``TRITURATION_INFEASIBLE`` names the oral liquid that gives the same dose for the same
    days' supply (or says that none does): its record, concentration, dose volume and syringe,
    and the volume to dispense (USP <795> 2023 §8: the dosage form that can be made
    accurately)."""
    for index, error in enumerate(review.errors):
        if error.code == "TRITURATION_INFEASIBLE":
            head = error.message.removesuffix(f": {LIQUID_ADVICE}")
            advice = _liquid_advice(order, directions, days_supply, settings, kept)
            review.errors[index] = ErrorDetail(error.code, error.field, f"{head}: {advice}")


def _liquid_advice(order: Order, directions: Directions, days_supply: int, settings: Settings,
                   kept: bool) -> str:
    """The oral liquid order equivalent to a capsule order, planned: the same source, dose
    (strength [mg] × capsules a dose), doses a day, patient and days' supply (capsules ÷
    capsules a day), in words."""
    sig = directions.sig
    try:
        equivalent = LiquidOrder.model_validate({
            "form": "oral_liquid", "strength": order.strength * sig.capsules_per_dose,
            "strength_basis": order.strength_basis, "days_supply": days_supply,
            "source": order.source, "release": order.release,
            "compounded_on": order.compounded_on, "patient": order.patient,
            "sig": LiquidSig(doses_per_day=sig.doses_per_day, timing=sig.timing)})
        worked = liquid.work_out(equivalent, settings, kept=kept)
    except OrderError as exc:
        return f"no oral liquid works either ({'; '.join(e.message for e in exc.errors[:3])})"
    except ValidationError:  # a days' supply no liquid order takes (under a day, over 366)
        return (f"no oral liquid works either ({order.quantity} capsules last {days_supply} "
                f"days)")
    step, syringe = worked.steps[0], worked.syringe
    return (f"an oral liquid works: {worked.mfr.id}, {show(worked.concentration)} mg/mL, "
            f"{show(step.volume)} mL ({show(step.dose)} mg) a dose with the "
            f"{show(syringe.capacity)} mL oral syringe, {show(worked.volume)} mL for "
            f"{worked.days_supply} days (plan it with form \"oral_liquid\")")


def plan_of(worked: Worked) -> Plan:
    """The API v1 plan of a worked-out batch."""
    order, batch = worked.order, worked.batch
    machine, runs = runs_of(order.capsule.size, batch.capsules_to_fill, batch.fill_weight,
                            worked.settings)
    return Plan.model_construct(  # every value is the core's own, already of its type
        strength=worked.strength,
        strength_basis=order.strength_basis,
        strength_as_ordered=order.strength,
        capsules_dispensed=batch.capsules_dispensed,
        overage_capsules=batch.overage_capsules,
        capsules_required=batch.capsules_required,
        method=batch.method,
        method_reason=worked.method_reason,
        trituration=trituration_stages(batch),
        capsule_size=order.capsule.size,
        tablets=batch.tablets,
        capsule_equivalents=float(round(batch.capsule_equivalents, 6)),
        capsules_to_fill=batch.capsules_to_fill,
        naltrexone_total=batch.naltrexone_total,
        tablet_powder=batch.tablet_powder,
        tablet_powder_per_capsule=batch.tablet_powder_per_capsule,
        filler_per_capsule=batch.filler_per_capsule,
        filler_total=batch.filler_total,
        fill_weight=batch.fill_weight,
        fill_weight_min=batch.fill_weight_min,
        fill_weight_max=batch.fill_weight_max,
        blend_total=batch.blend_total,
        fill_basis=worked.basis,
        capsule_filler_capacity=worked.pack_stat,
        capsules_to_weigh=min(worked.settings.capsules_to_weigh, batch.capsules_to_fill),
        contains_lactose=worked.contains_lactose,
        compounded_on=worked.compounded_on,
        beyond_use_date=worked.beyond_use_date,
        beyond_use_rationale=worked.beyond_use_rationale,
        sig=worked.directions.sig,
        directions=worked.directions.text,
        daily_dose=worked.strength * worked.directions.daily_capsules,
        days_supply=worked.days_supply,
        findings=worked.findings,
        source_kind=order.source.kind,
        mfr=worked.mfr,
        shell_colour=colour_of(order.capsule.shell) if order.kit_steps else None,
        kit_steps=order.kit_steps,
        weighings=worked.weighings,
        machine=machine,
        runs=runs,
    )


def colour_of(shell: str) -> str | None:
    """The colour words of a shell's name (``"gelatin, light blue"`` → ``"light blue"``)."""
    words = [w for w in shell.replace(",", " ").split() if w.casefold() in COLOURS]
    return " ".join(words) or None
