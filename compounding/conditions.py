"""Patient conditions that call for the pharmacist's attention (domain.md §4, other cautions).

Matched by whole words through a synonym table, like :mod:`compounding.opioids`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .fillers import normalize
from .review import Review


@dataclass(frozen=True, slots=True)
class Condition:
    """A condition, the phrases that name it, and the finding it raises."""

    code: str
    phrases: tuple[str, ...]
    message: str


CONDITIONS: tuple[Condition, ...] = (
    Condition("LACTOSE_INTOLERANCE",
              ("lactose intolerance", "lactose intolerant", "lactase deficiency",
               "lactose allergy", "milk sugar intolerance"),
              "Patient reports “{entry}”: the naltrexone tablets themselves contain lactose, "
              "whatever the filler. Counsel the patient; the label must not claim lactose-free."),
    Condition("PREGNANCY_OR_BREASTFEEDING",
              ("pregnant", "pregnancy", "breast feeding", "breastfeeding", "lactating",
               "lactation", "nursing mother", "nursing"),
              "Patient reports “{entry}”: naltrexone in pregnancy or breast-feeding needs the "
              "prescriber's documented benefit-risk decision."),
    Condition("HEPATIC_FAILURE",
              ("acute hepatitis", "liver failure", "hepatic failure", "acute liver failure",
               "fulminant hepatitis", "decompensated cirrhosis"),
              "Patient reports “{entry}”: naltrexone is contraindicated in acute hepatitis and "
              "liver failure (tablet labels). Do not dispense without the prescriber."),
    Condition("RENAL_IMPAIRMENT",
              ("severe renal impairment", "renal failure", "kidney failure", "end stage renal",
               "esrd", "dialysis", "haemodialysis", "hemodialysis", "ckd stage 5", "ckd 5"),
              "Patient reports “{entry}”: naltrexone is used with caution in severe renal "
              "impairment (tablet labels). Confirm with the prescriber."),
)


def check_conditions(review: Review, conditions: list[str]) -> None:
    """A finding for each entry naming a listed condition (once per code and entry)."""
    for index, entry in enumerate(conditions):
        padded = f" {normalize(entry)} "
        for condition in CONDITIONS:
            if any(f" {normalize(p)} " in padded for p in condition.phrases):
                review.finding(condition.code, f"patient.conditions[{index}]",
                               condition.message.format(entry=entry))
