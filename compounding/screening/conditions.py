"""Patient conditions and allergies that call for the pharmacist's attention (domain.md §4 and
§14; naltrexone tablet labels).

Phrases are matched by whole words, and a mention the text denies ("not pregnant", "pregnancy
test negative", "no history of opioid use disorder") is not a finding (:mod:`.negation`).
"""

from __future__ import annotations

from dataclasses import dataclass

from compounding.screening.negation import mentions
from compounding.screening.review import Review


@dataclass(frozen=True, slots=True)
class Condition:
    """A condition, the phrases that name it, and the finding it raises. A condition that
    ``needs_lactose`` is a finding only when the batch contains lactose; its message names
    where the lactose comes from (``{source}``)."""

    code: str
    phrases: tuple[str, ...]
    message: str
    needs_lactose: bool = False


_LACTOSE_MESSAGE = ("Patient reports “{entry}”, and the capsules contain lactose from {source}. "
                    "Counsel the patient; the label says the capsules contain lactose.")

CONDITIONS: tuple[Condition, ...] = (
    Condition("OPIOID_DEPENDENCE",
              ("opioid use disorder", "oud", "opioid dependence", "opioid dependency",
               "opioid dependent", "opioid addiction", "opiate dependence", "opiate addiction",
               "opiate use disorder", "heroin addiction", "heroin dependence",
               "methadone maintenance", "methadone program", "methadone programme",
               "methadone clinic", "buprenorphine maintenance", "suboxone maintenance",
               "opioid maintenance", "opioid substitution", "opioid replacement",
               "opioid agonist therapy", "opioid agonist treatment", "medication for opioid",
               "mat program", "chronic opioid therapy", "chronic opioid use",
               "long term opioid therapy", "long term opioid use", "opioid tolerant",
               "opioid tolerance", "on opioids", "taking opioids", "opioid withdrawal"),
              "Patient reports “{entry}”: naltrexone is contraindicated in opioid dependence and "
              "with opioid therapy; it precipitates withdrawal even at low dose (tablet labels). "
              "Do not dispense until the prescriber confirms the patient is opioid-free."),
    Condition("LACTOSE_INTOLERANCE",
              ("lactose intolerance", "lactose intolerant", "lactase deficiency",
               "milk sugar intolerance", "hypolactasia"),
              _LACTOSE_MESSAGE, needs_lactose=True),
    Condition("LACTOSE_ALLERGY",
              ("galactosemia", "galactosaemia", "glucose galactose malabsorption",
               "lactose allergy", "milk allergy", "milk protein allergy", "cow s milk allergy",
               "cows milk allergy", "cmpa"),
              _LACTOSE_MESSAGE, needs_lactose=True),
    Condition("PREGNANCY_OR_BREASTFEEDING",
              ("pregnant", "pregnancy", "breast feeding", "breastfeeding", "lactating",
               "lactation", "nursing mother", "nursing mom", "nursing an infant",
               "nursing a baby", "nursing her baby", "nursing infant", "currently nursing",
               "is nursing", "nursing postpartum"),
              "Patient reports “{entry}”: naltrexone in pregnancy or breast-feeding needs the "
              "prescriber's documented benefit-risk decision."),
    Condition("HEPATIC_FAILURE",
              ("acute hepatitis", "liver failure", "hepatic failure", "acute liver failure",
               "fulminant hepatitis", "decompensated cirrhosis", "end stage liver disease",
               "end stage liver failure", "end stage hepatic disease", "esld",
               "child pugh c", "child pugh class c", "child pugh score c",
               "severe hepatic impairment", "severe liver impairment", "severe hepatic disease",
               "severe liver disease", "hepatic encephalopathy", "alcoholic hepatitis",
               "acute liver injury", "drug induced hepatitis", "active hepatitis"),
              "Patient reports “{entry}”: naltrexone is contraindicated in acute hepatitis and "
              "liver failure (tablet labels). Do not dispense without the prescriber."),
    Condition("RENAL_IMPAIRMENT",
              ("severe renal impairment", "renal failure", "kidney failure", "end stage renal",
               "esrd", "dialysis", "haemodialysis", "hemodialysis", "ckd stage 5", "ckd 5"),
              "Patient reports “{entry}”: naltrexone is used with caution in severe renal "
              "impairment (tablet labels). Confirm with the prescriber."),
)

# Allergies: naltrexone or naloxone hypersensitivity (critical), lactose or milk (a warning
# when the batch contains lactose).
ALLERGIES: tuple[Condition, ...] = (
    Condition("NALTREXONE_HYPERSENSITIVITY",
              ("naltrexone", "naloxone", "nalmefene", "opioid antagonist", "opioid antagonists",
               "revia", "depade", "nalorex", "adepend", "vivitrol", "contrave", "mysimba",
               "narcan", "nyxoid", "prenoxad", "evzio", "kloxxado", "zimhi", "ldn",
               "low dose naltrexone"),
              "Patient is allergic to “{entry}”: naltrexone is contraindicated after "
              "hypersensitivity to naltrexone or to a related antagonist such as naloxone "
              "(tablet labels). Do not dispense without the prescriber."),
    Condition("LACTOSE_ALLERGY",
              ("lactose", "milk", "milk protein", "dairy", "cow s milk", "cows milk", "casein",
               "whey", "galactosemia", "galactosaemia"),
              "Patient is allergic to “{entry}”, and the capsules contain lactose from {source}. "
              "Pharmaceutical lactose can carry milk protein: check with the prescriber; "
              "microcrystalline cellulose and lactose-free tablets avoid it.",
              needs_lactose=True),
)


def _check(review: Review, table: tuple[Condition, ...], entries: list[str], field: str,
           lactose: list[str]) -> None:
    source = " and ".join(lactose)
    for index, entry in enumerate(entries):
        for condition in table:
            if condition.needs_lactose and not lactose:
                continue
            if mentions(entry, condition.phrases):
                review.finding(condition.code, f"{field}[{index}]",
                               condition.message.format(entry=entry, source=source))


def check_conditions(review: Review, conditions: list[str], lactose: list[str]) -> None:
    """A finding for each entry naming a listed condition (once per code and entry);
    ``lactose`` lists the batch's sources of lactose (:func:`.lactose.lactose_sources`)."""
    _check(review, CONDITIONS, conditions, "patient.conditions", lactose)


def check_allergies(review: Review, allergies: list[str], lactose: list[str]) -> None:
    """Findings for ``patient.allergies`` (domain.md §14)."""
    _check(review, ALLERGIES, allergies, "patient.allergies", lactose)
