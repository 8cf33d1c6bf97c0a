"""Plain words for people: a field by its name, a finding by what it means, never an API path
or a code (tracker issue 23).

Codes and field paths are for the API and pharmacy systems (api-v1.md). People read a field by
the form's label ("Measured average tablet weight (W)"), a list entry by its line or its number
counted from 1, and a finding by what it means ("opioid taken with naltrexone"). Pure functions
and data: the pages (``web/wording.py`` re-exports these) and the printed documents
(:mod:`compounding.documents`) both use them, so the core never imports Flask.
"""

from __future__ import annotations

import re

from compounding.screening.rules import BY_CODE

LABELS = {
    "strength_basis": "Strength written",
    "quantity": "Capsules to dispense",
    "doses_per_day": "Doses a day",
    "directions": "Directions",
    "refills": "Refills",
    "rx_number": "Rx number",
    "compounded_on": "Compounding date",
    "patient.name": "Patient name",
    "patient.date_of_birth": "Date of birth",
    "patient.weight": "Body weight",
    "patient.conditions": "Conditions",
    "patient.allergies": "Allergies",
    "prescriber.name": "Prescriber",
    "prescriber.npi": "Prescriber NPI",
    "concurrent_medications": "Concurrent medications",
    "method": "Method",
    "capsule.size": "Capsule size",
    "capsule.shell": "Capsule shell",
    "capsule.lot": "Capsule shell lot",
    "capsule.expiry": "Capsule shell expiry",
    "lot_number": "Batch lot number",
    "source.product": "Product",
    "source.strength": "Strength per tablet",
    "source.average_tablet_weight": "Measured average tablet weight (W)",
    "source.manufacturer": "Manufacturer",
    "source.ndc": "NDC",
    "source.lot": "Tablet lot",
    "source.expiry": "Tablet expiry",
    "source.excipients": "Tablet excipients",
    "source.kind": "Source",
    "powder.lot": "Powder lot",
    "powder.assay": "Assay",
    "powder.assay_basis": "Assay basis",
    "powder.water": "Water content",
    "powder.expiry": "Powder expiry",
    "powder.manufacturer": "Powder manufacturer",
    "powder.product": "Powder product",
    "filler.name": "Filler",
    "filler.grade": "Grade",
    "filler.pack_stat": "Pack stat (F): filler alone per capsule",
    "filler.density": "Filler density",
    "density_factor": "Density factor (DF)",
    "filler.lot": "Filler lot",
    "filler.expiry": "Filler expiry",
    "strength": "Strength per capsule",
    "overage_value": "Overage",
    "strength_unit": "Strength unit",
    "overage_kind": "Overage given as",
    "dosage_form": "Dosage form",
    "liquid.strength": "Dose",
    "liquid.strength_unit": "Dose unit",
    "liquid.concentration": "Concentration",
    "liquid.volume": "Volume to dispense",
    "liquid.days_supply": "Days’ supply",
    "liquid.doses_per_day": "Doses a day",
    "liquid.directions": "Directions",
    "dosing": "Dosing",
    "schedule": "Titration schedule",
    "combine": "Allow several capsules of a lower strength a dose",
    "start_on": "First day of the schedule",
    "timing": "When to take each dose",
}
"""Each order field's name as the form labels it (the web form's labels are these; an oral
liquid's own inputs are ``liquid.*``; a titration schedule's steps are rows, each input
labelled "Step 2 dose")."""

_INDEX = re.compile(r"\[(\d+)\]")
_PREFIXES = {"profile.pharmacy": "Pharmacy's", "bench": "Bench"}


def field_name(path: str) -> str:
    """The plain name of an API field path, as a page says it.

    >>> field_name("source.average_tablet_weight")
    'Measured average tablet weight (W)'
    >>> field_name("concurrent_medications[1]")
    'Concurrent medications, line 2'
    >>> field_name("profile.pharmacy.phone")
    "Pharmacy's phone (in the pharmacy's settings)"
    >>> field_name("capsule_weights[0]")
    'Capsule weights, entry 1'
    """
    bare = _INDEX.sub("", path)
    index = _INDEX.search(path)
    if bare in LABELS:
        name = LABELS[bare]
        return f"{name}, line {int(index.group(1)) + 1}" if index else name
    for prefix, said in _PREFIXES.items():
        if bare.startswith(prefix + "."):
            rest = bare.removeprefix(prefix + ".").replace("_", " ").replace(".", " ")
            where = " (in the pharmacy's settings)" if prefix == "profile.pharmacy" else ""
            return f"{said} {rest}{where}"
    words = bare.replace("_", " ").replace(".", " ").strip() or "the order"
    words = words[0].upper() + words[1:]
    return f"{words}, entry {int(index.group(1)) + 1}" if index else words


def plain_code(code: str) -> str:
    """A finding or error code as words, for a page's history: ``Opioid coadministration``."""
    words = code.replace("_", " ").lower()
    return words[:1].upper() + words[1:]


_CODED = re.compile(r"\b([A-Z]{2,}(?:_[A-Z0-9]+)+)(?::([\w.\[\]]+))?")


def plain_text(text: str) -> str:
    """Kept text that names findings by id (a signature's meaning, "acknowledged
    OPIOID_COADMINISTRATION:concurrent_medications[1]") in words, as a page says it.

    >>> plain_text("acknowledged OPIOID_COADMINISTRATION:concurrent_medications[1]")
    'acknowledged “Opioid coadministration” (Concurrent medications, line 2)'
    """

    def words(found: re.Match[str]) -> str:
        said = f"“{plain_code(found.group(1))}”"
        return f"{said} ({field_name(found.group(2))})" if found.group(2) else said

    return _CODED.sub(words, text)


# -- printed records (worksheet, executed compounding record) ---------------------------------

ITEMS = {
    "concurrent_medications": "concurrent medication",
    "patient.conditions": "condition",
    "patient.allergies": "allergy",
    "source.excipients": "tablet excipient",
    "capsule_weights": "capsule",
    "bench.capsule_weights": "capsule",
    "trituration": "trituration",
    "bench.trituration": "trituration",
}
"""A list's entries as a printed record numbers them, from 1: "concurrent medication 1"."""

BENCH_LABELS = {
    "tablets_used": "Tablets used",
    "tablet_powder_actual": "Tablet powder weighed",
    "filler_actual": "Filler weighed",
    "aliquot_actual": "Aliquot weighed",
    "capsules_made": "Capsules made",
    "capsule_weights": "Capsule weights",
    "beyond_use_date": "Beyond-use date",
}
"""What the bench entered, as the executed record names it (domain.md §12)."""

FINDING_TITLES = {
    "NAME_MIXED_SCRIPTS": "name that mixes alphabets",
    "DOSE_VERY_LOW": "very-low dose (under 1 mg a day)",
    "DOSE_ABOVE_LDN": "dose above the LDN range",
    "DIRECTIONS_UNREAD": "directions not plain enough to check",
    "BUD_SHORTER_THAN_SUPPLY": "supply lasts past the beyond-use date",
    "DOSE_MULTIPLE_DAILY": "more than one dose a day",
    "PEDIATRIC_DOSE_HIGH": "high dose for a patient under 18",
    "PEDIATRIC_NO_WEIGHT": "patient under 18 without a body weight",
    "FILLER_UNLISTED": "filler not in the filler table",
    "FILLER_GRADE_UNKNOWN": "filler grade not in the filler table",
    "FILLER_LACTOSE": "filler that contains lactose",
    "LACTOSE_INTOLERANCE": "lactose for a lactose-intolerant patient",
    "BELOW_MINIMUM_WEIGHABLE": "capsule fill below the balance's minimum weighable quantity",
    "OPIOID_COADMINISTRATION": "opioid taken with naltrexone",
    "OPIOID_ANTIDIARRHEAL": "opioid antidiarrheal taken with naltrexone",
    "OPIOID_POSSIBLE": "possible opioid: check the name",
    "OPIOID_PAMORA": "medicine that implies opioid therapy",
    "OPIOID_ANTAGONIST_DUPLICATE": "second opioid antagonist",
    "OPIOID_WITHDRAWAL_TREATMENT": "treatment of opioid withdrawal",
    "OPIOID_DEPENDENCE": "opioid dependence or opioid therapy",
    "NALTREXONE_HYPERSENSITIVITY": "allergy to naltrexone",
    "LACTOSE_ALLERGY": "lactose or milk allergy",
    "PREGNANCY_OR_BREASTFEEDING": "pregnancy or breast-feeding",
    "HEPATIC_FAILURE": "acute hepatitis or liver failure",
    "RENAL_IMPAIRMENT": "severe kidney impairment",
    "BATCH_SURPLUS": "many capsules beyond those required",
    "BUD_LIMITED_BY_COMPONENT": "beyond-use date set by a component's expiry",
    "BENCH_WEIGHT_UNIFORMITY": "too many capsules outside the weight range",
    "BENCH_WEIGHT_VARIATION": "capsule weights that vary widely",
    "BENCH_TABLETS_MISMATCH": "tablets used other than planned",
    "BENCH_STRENGTH_DEVIATION": "strength made more than 5 % off",
    "BENCH_STRENGTH_OUT_OF_RANGE": "strength made more than 10 % off",
    "BUD_SHORTENED_AT_BENCH": "beyond-use date shortened at the bench",
    "CAPSULE_OUT_OF_RANGE": "capsule outside the weight range",
}
"""Each finding's plain summary, short enough to head a row or end a signature's meaning
(the catalogue's full summaries, :mod:`compounding.screening.rules`, are the README's)."""

METHODS = {
    "whole_tablets": "whole tablets (all the powder is used)",
    "exact_portion": "exact portion (the powder the capsules need is weighed out)",
    "trituration": "trituration (the powder is diluted first, then an aliquot weighed)",
}
"""Each method of domain.md §3 and §9 in words."""


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _in_sentence(text: str) -> str:
    """``text`` lower-cased at its start, unless it starts with an abbreviation (NDC, Rx)."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def finding_title(code: str) -> str:
    """A finding's plain summary, in lower case to go in a sentence; a code without one is
    said by the catalogue's summary, never printed as a code.

    >>> finding_title("OPIOID_COADMINISTRATION")
    'opioid taken with naltrexone'
    """
    if code in FINDING_TITLES:
        return FINDING_TITLES[code]
    if code in BY_CODE:
        return _in_sentence(BY_CODE[code].summary.rstrip("."))
    return plain_code(code).lower()


def printed_field(path: str) -> str:
    """A field as a printed record names it: a list's entry by its item, numbered from 1, a
    bench entry by what was weighed or counted, any other by its name (:func:`field_name`).

    >>> printed_field("concurrent_medications[0]"), printed_field("capsule_weights[2]")
    ('Concurrent medication 1', 'Capsule 3')
    >>> printed_field("tablet_powder_actual"), printed_field("capsule.size")
    ('Tablet powder weighed', 'Capsule size')
    """
    bare = _INDEX.sub("", path)
    index = _INDEX.search(path)
    if index and bare in ITEMS:
        return _sentence_case(f"{ITEMS[bare]} {int(index.group(1)) + 1}")
    if not index and bare.removeprefix("bench.") in BENCH_LABELS:
        return BENCH_LABELS[bare.removeprefix("bench.")]
    return field_name(path)


def finding_line(field: str, message: str) -> str:
    """A finding's message after the field it is about, unless the message names it first
    ("Capsule 3 weighs 150 mg", not "Capsule 3: Capsule 3 weighs 150 mg").

    >>> finding_line("concurrent_medications[0]", "“Percocet” contains oxycodone.")
    'Concurrent medication 1: “Percocet” contains oxycodone.'
    >>> finding_line("capsule_weights[2]", "Capsule 3 weighs 150 mg.")
    'Capsule 3 weighs 150 mg.'
    """
    name = printed_field(field)
    if message.casefold().startswith(name.casefold()):
        return message
    return f"{name}: {message}"


_ACKNOWLEDGED = re.compile(r"\b(acknowledged) (?=[A-Z]{2,}_)")


def printed_text(text: str) -> str:
    """Kept text that names findings by id (a signature's meaning) as a printed record says
    it: each finding by its plain summary and the entry it is about, numbered from 1.

    >>> printed_text("acknowledged OPIOID_COADMINISTRATION:concurrent_medications[0]")
    'acknowledged: opioid taken with naltrexone (concurrent medication 1)'
    >>> printed_text("approved batch")
    'approved batch'
    """

    def words(found: re.Match[str]) -> str:
        said = finding_title(found.group(1))
        if not found.group(2):
            return said
        return f"{said} ({_in_sentence(printed_field(found.group(2)))})"

    return _CODED.sub(words, _ACKNOWLEDGED.sub(r"\1: ", text))


def method_name(method: str) -> str:
    """A method in words: ``whole tablets (all the powder is used)``."""
    return METHODS.get(method, method.replace("_", " "))


def shell_name(shell: str) -> str:
    """A capsule shell as printed: ``gelatin``, ``HPMC``, ``pullulan``."""
    return "HPMC" if shell.casefold() == "hpmc" else shell
