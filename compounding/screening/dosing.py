"""Dose rules on the daily dose as naltrexone HCl (domain.md §4).

Bands from Toljan & Vrooman, Med Sci 2018;6:82; paediatric limits from Smith et al.,
J Clin Gastroenterol 2013 and NCT00715117.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from compounding.display import show
from compounding.screening.review import Review


@dataclass(frozen=True, slots=True)
class DoseBand:
    """Daily doses below ``upper`` [mg] (or up to it, when ``inclusive``) get ``code``."""

    upper: Fraction | None
    inclusive: bool
    code: str | None
    message: str


DOSE_BANDS: tuple[DoseBand, ...] = (
    DoseBand(Fraction(1, 1000), False, "DOSE_ULTRA_LOW",
             "daily dose {daily} mg is below 0.001 mg (ultra-low dose): capsules made from "
             "50 mg tablets cannot deliver it"),
    DoseBand(Fraction(1), False, "DOSE_VERY_LOW",
             "daily dose {daily} mg is a very-low dose (below 1 mg): check the prescription; "
             "the usual LDN range is 1-5 mg"),
    DoseBand(Fraction(5), True, None, ""),
    DoseBand(Fraction(50), False, "DOSE_ABOVE_LDN",
             "daily dose {daily} mg is above the LDN range (1-5 mg; Kaufman: max 5 mg): confirm "
             "with the prescriber before compounding"),
    DoseBand(None, False, "DOSE_STANDARD",
             "daily dose {daily} mg is a standard dose: 50 mg tablets are sold and are not "
             "compounded"),
)

PEDIATRIC_AGE = 18  # [years]
PEDIATRIC_MG_PER_KG = Fraction(1, 10)  # [mg/kg/day], Smith 2013
PEDIATRIC_MAX = Fraction(9, 2)  # [mg/day], Smith 2013; NCT00715117
ONCE_DAILY_SOURCE = "Younger, Parkitny & McLain, Clin Rheumatol 2014 (once daily at bedtime)"


def band_for(daily: Fraction) -> DoseBand:
    """The band a daily dose [mg] falls in."""
    for band in DOSE_BANDS:
        if band.upper is None or daily < band.upper or (band.inclusive and daily == band.upper):
            return band
    raise AssertionError("the last band is open")  # pragma: no cover


def age_on(birth: date, day: date) -> int:
    """Age in whole years on ``day`` [years]."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_dose(review: Review, *, strength: Fraction, doses_per_day: int,
               birth: date | None, weight: Fraction | None, on: date,
               daily_capsules: int | None = None, field: str = "doses_per_day") -> None:
    """Dose bands, once-daily and paediatric rules, on the daily dose = ``strength`` [mg HCl] ×
    ``daily_capsules`` (capsules per dose × doses per day, the highest step of a titration;
    domain.md §10); ``weight`` [kg]; ``field`` is where the daily amount was given."""
    daily_capsules = daily_capsules or doses_per_day
    daily = strength * daily_capsules
    band = band_for(daily)
    if band.code is not None:
        field = "strength" if daily_capsules == 1 else field
        text = band.message.format(daily=show(daily))
        if band.code in ("DOSE_ULTRA_LOW", "DOSE_STANDARD"):
            review.error(band.code, field, text)
        else:
            review.finding(band.code, field, text[0].upper() + text[1:] + ".")
    if doses_per_day > 1:
        review.finding("DOSE_MULTIPLE_DAILY", field,
                       f"{doses_per_day} doses a day: LDN is taken once daily, usually at bedtime "
                       f"({ONCE_DAILY_SOURCE}). Confirm the directions with the prescriber.")
    if birth is None or age_on(birth, on) >= PEDIATRIC_AGE:
        return
    age = age_on(birth, on)
    if weight is None:
        review.finding("PEDIATRIC_NO_WEIGHT", "patient.weight",
                       f"Patient is {age} years old and no weight is given: the paediatric limit "
                       f"of 0.1 mg/kg/day cannot be checked. Record the weight.")
        return
    limit = min(PEDIATRIC_MG_PER_KG * weight, PEDIATRIC_MAX)
    if daily > limit:
        review.finding("PEDIATRIC_DOSE_HIGH", "strength",
                       f"Patient is {age} years old and {show(weight)} kg: daily dose "
                       f"{show(daily)} mg is above the paediatric limit of {show(limit)} mg "
                       f"(0.1 mg/kg, at most 4.5 mg; Smith 2013). Confirm with the prescriber.")
