"""Where the drug comes from, and the master formulation record a batch follows.

Tablets (the default): S [mg HCl] per tablet, W [mg] measured per lot; the powder carrying a
dose d is p = d·W/S. Naltrexone hydrochloride USP powder (API): the lot's certificate of
analysis gives the assay, as is or on the dried basis with the water content; the powder
carrying d is p = d ÷ assay as is (assay as is = assay dried × (1 − water)), and it is weighed,
never counted (USP <795>, revision official 1 Nov 2023, §8 and §9; USP monograph Naltrexone
Hydrochloride). An assay as is outside 90-110 % is ``SOURCE_ASSAY_IMPLAUSIBLE``: a certificate
misread (99.2 written as 9.92) would make every capsule ten times too strong.

The master formulation record (USP <795> §8) decides the beyond-use date and its rationale and,
for powder, the powder's density factor; an order names it (``mfr``) or gets the formulary's
default for its form and source (``MFR_REQUIRED`` when there is none).
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from compounding.display import show
from compounding.errors import OrderError
from compounding.formulary import FormularyEntry
from compounding.formulary.model import TABLE4_NAMES
from compounding.formulation.dating import USP_795
from compounding.formulation.methods import Inputs, powder_inputs
from compounding.orders.models import MfrUsed, Order, Source
from compounding.screening.review import Review
from compounding.settings import Settings

DEFAULT_BUD_DAYS = 180
"""USP <795> (2023) Table 4, other non-aqueous dosage forms [days]: the beyond-use date of a
plan kept before the formulary, which names no record."""
ASSAY_LOW, ASSAY_HIGH = Fraction(90, 100), Fraction(110, 100)
"""A plausible assay as is [mg HCl per mg of powder]: 90-110 %."""


def formulation_record(review: Review, order: Order,
                       settings: Settings) -> FormularyEntry | None:
    """The formulary entry the order is made under; its errors in ``review`` otherwise."""
    try:
        return settings.formulary_of().resolve(order.mfr, order.form, order.source.kind,
                                               strength_mg=order.strength)
    except OrderError as exc:
        for error in exc.errors:
            review.error(error.code, error.field, error.message)
        return None


def mfr_used(entry: FormularyEntry, settings: Settings) -> MfrUsed:
    """What a plan says of its record: id, version, name, and the BUD it gives, capped by the
    pharmacy's own ``beyond_use_days`` when that is shorter."""
    mfr = entry.mfr
    days = mfr.bud.days
    rationale = mfr.bud.summary()
    cap = settings.beyond_use_days
    if cap is not None and cap < days:
        days, rationale = cap, f"{rationale}; capped at {cap} days by the pharmacy's settings"
    return MfrUsed(id=mfr.id, version=mfr.version, name=mfr.name, bud_days=days,
                   bud_rationale=rationale, built_in=entry.status == "built_in",
                   bud_basis=bud_basis(entry))


def bud_basis(entry: FormularyEntry | None) -> str:
    """The words the beyond-use rationale gives its day count: USP <795> for a Table 4 record,
    the study for one that cites a stability study."""
    if entry is None or entry.mfr.bud.category == "other_non_aqueous":
        return USP_795
    category = entry.mfr.bud.category
    if category is not None:
        return f"USP <795> Table 4, {TABLE4_NAMES[category]}"
    return f"stability study: {entry.mfr.bud.citation}"


def source_per_drug(source: Source) -> Fraction | None:
    """Source powder per mg of naltrexone HCl [mg/mg]: W/S for tablets, 1 ÷ assay as is for
    API powder; ``None`` when the order cannot say (its errors are the source's own).

    >>> source_per_drug(Source(average_tablet_weight="250 mg"))
    Fraction(5, 1)
    >>> show(144 * source_per_drug(Source(kind="api_powder", assay="99.2 %")))  # mg to weigh
    '145.1613'
    """
    if source.powder:
        assay = source.assay_as_is
        return None if not assay else 1 / assay
    if source.average_tablet_weight is None or source.average_tablet_weight < source.strength:
        return None
    return source.average_tablet_weight / source.strength


def powder_density_factor(order: Order, entry: FormularyEntry | None) -> Fraction:
    """DF of the source powder: the order's for tablets; for API powder, the master
    formulation record's setting (1 unless the record says otherwise)."""
    if order.source.powder and entry is not None:
        return Fraction(entry.mfr.api_powder_dilution_factor)
    return order.density_factor


def inputs_of(order: Order, settings: Settings, strength: Fraction, overage: int,
              pack_stat: Fraction, entry: FormularyEntry | None) -> Inputs:
    """The batch's inputs from its source: tablets as counted, API powder as weighed."""
    source = order.source
    factor = powder_density_factor(order, entry)
    portions = entry is not None and entry.mfr.weigh_in_portions
    if source.powder:
        assert source.assay_as_is is not None
        return replace(powder_inputs(strength=strength, quantity=order.quantity,
                                     overage=overage, assay=source.assay_as_is,
                                     pack_stat=pack_stat, density_factor=factor,
                                     settings=settings), portions=portions)
    assert source.average_tablet_weight is not None
    return Inputs(strength=strength, quantity=order.quantity, overage=overage,
                  tablet_strength=source.strength, tablet_weight=source.average_tablet_weight,
                  pack_stat=pack_stat, density_factor=factor, portions=portions)


def check_source(review: Review, source: Source) -> None:
    """Errors for a source the batch cannot be worked out from: tablets without their measured
    weight, or lighter than their drug; powder without its certificate's assay, lot and
    expiry, with a tablet weight, or with an implausible assay."""
    if not source.powder:
        for field, given in (("assay", source.assay is not None),
                             ("assay_basis", source.assay_basis != "as_is"),
                             ("water", source.water is not None)):
            if given:
                review.error("INVALID_VALUE", f"source.{field}",
                             "an assay belongs to naltrexone HCl powder: give source.kind "
                             "\"api_powder\", or leave it out for tablets")
        if source.average_tablet_weight is None:
            review.error("FIELD_REQUIRED", "source.average_tablet_weight",
                         "the measured average weight of one whole tablet of this lot is "
                         "needed")
        elif source.average_tablet_weight < source.strength:
            review.error("TABLET_LIGHTER_THAN_DRUG", "source.average_tablet_weight",
                         f"a tablet weighing {show(source.average_tablet_weight)} mg cannot hold "
                         f"{show(source.strength)} mg of naltrexone: check the weight")
        return
    for field, value, what in (("assay", source.assay, "the assay from the lot's certificate "
                                                       "of analysis"),
                               ("lot", source.lot, "the powder's lot number"),
                               ("expiry", source.expiry, "the powder lot's expiry")):
        if value is None:
            review.error("FIELD_REQUIRED", f"source.{field}", f"{what} is needed for a "
                                                               f"powder source")
    if source.average_tablet_weight is not None:
        review.error("INVALID_VALUE", "source.average_tablet_weight",
                     "naltrexone HCl powder is weighed, not counted in tablets: leave the "
                     "tablet weight out")
    if source.assay_basis == "dried" and source.water is None:
        review.error("FIELD_REQUIRED", "source.water",
                     "an assay on the dried basis needs the water content of the certificate, "
                     "to give the assay as weighed")
    if source.assay_basis == "as_is" and source.water is not None:
        review.error("INVALID_VALUE", "source.water",
                     "an assay as is already counts the water: give assay_basis \"dried\" "
                     "with the water, or leave the water out")
    assay = source.assay_as_is
    if assay is not None and not ASSAY_LOW <= assay <= ASSAY_HIGH:
        review.error("SOURCE_ASSAY_IMPLAUSIBLE", "source.assay",
                     f"an assay of {show(assay * 100)} % as is lies outside 90-110 %: check the "
                     f"certificate of analysis (and its basis)")
