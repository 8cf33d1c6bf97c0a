"""Documents of a batch made from naltrexone HCl powder (API), and the master formulation record
every document names.

The powder is weighed, never crushed: the worksheet, the executed record, the working and the
label say nothing of tablets. Its amounts follow from the assay as is on the lot's certificate
of analysis; the compounding record shows those calculations (USP <795> 2023, §8 master
formulation and compounding records). Each document is read back as text (:mod:`tests.pdf`).
"""

from __future__ import annotations

import json
import re
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from compounding.bench.execution import Executed
from compounding.bench.reconciliation import powder_strength, strength_made
from compounding.bench.results import BenchEntry
from compounding.documents import executed_record_pdf, label_text, worksheet_pdf
from compounding.formulation.derivation import explain
from compounding.plan import plan_of, work_out
from compounding.profile import Profile, load_profile

from . import pdf
from .helpers import make_order

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
PROFILE = load_profile((SAMPLES / "pharmacy.toml").read_text(encoding="utf-8"))
POWDER_FORMULA = ("Formula Naltrexone HCl (low-dose) capsules from naltrexone hydrochloride "
                  "powder, in microcrystalline cellulose, LDN-CAPS-API-MCC version 1 (built-in "
                  "record, not approved by this pharmacy); method: ")
TABLETS = re.compile(r"(?i:tablet|crush)|\bW =")
"""Tablet wording: a tablet, crushing, the average tablet weight W (not w, the fill weight)."""


def sample(name: str = "powder-1.5mg", **changes: object) -> dict:
    order = json.loads((SAMPLES / f"{name}.order.json").read_text(encoding="utf-8"))
    return {**order, **changes}


@pytest.fixture
def usual_powder() -> str:
    """4.5 mg × 30 + 2 overage from the sample's powder: an exact portion."""
    return pdf.text(worksheet_pdf(sample(strength="4.5 mg"), PROFILE))


def test_the_exact_portion_weighs_the_powder_by_its_assay(usual_powder):
    """32 capsules × 4.5 mg = 144 mg of naltrexone HCl; ÷ 0.992 (the certificate's assay as is)
    = 145.161 mg of powder (USP <795> 2023 §8: the record's calculations). On the sample's
    balance (readability 1 mg) the step weighs 145 mg; the calculations keep the exact
    145.161 mg (= 4500/31)."""
    text = usual_powder
    for item in [
        POWDER_FORMULA + "exact portion",
        # the source: product, manufacturer, lot, expiry, the certificate's assay and basis
        "Naltrexone HCl USP powder (weigh out); certificate of analysis: assay 99.2 % as is; "
        "assay as is used: 99.2 % Medisca A3317 2028-11-30 145 mg",
        "Check the certificate of analysis of the naltrexone HCl powder, lot A3317: assay "
        "99.2 % as is.",
        "3. Weigh 145 mg of naltrexone HCl powder (assay as is 99.2 %) for this batch.",
        "4. Weigh 4015 mg of microcrystalline cellulose.",
        "d = 4.5 mg HCl per capsule; assay as is = 99.2 % (certificate of analysis: assay "
        "99.2 % as is)",
        "a Assay as is a = assay as is 99.2 % (certificate of analysis) 0.992 mg/mg",
        "p Naltrexone HCl powder per capsule p = d ÷ a 4.5 ÷ 0.992 4.536 (= 1125/248) mg",
        "Naltrexone HCl powder to weigh out N × p 32 × 4.536 (= 1125/248) 145.161 (= 4500/31) mg",
        "Naltrexone in batch N × d 32 × 4.5 144 mg",
    ]:
        assert item in text, item
    assert not TABLETS.search(text), TABLETS.search(text)


def test_a_finer_balance_prints_the_exact_portion_to_its_readability():
    """The same 145.161 mg (32 × 4.5 = 144 mg ÷ 0.992) on a 0.001 mg balance."""
    fine = Profile.model_validate({"balance": {"readability": "0.001 mg",
                                               "minimum_weighable_quantity": "10 mg"}})
    text = pdf.text(worksheet_pdf(sample(strength="4.5 mg"), fine))
    assert "Weigh 145.161 mg of naltrexone HCl powder (assay as is 99.2 %) for this batch." in text


def test_the_trituration_starts_from_the_powder():
    """1.5 mg × 32: an exact portion would weigh 48 ÷ 0.992 = 48.4 mg, under the 120 mg MWQ.
    Trituration 1 weighs 120 mg of powder (120 × 0.992 = 119.04 mg of drug) and at 200 mg/g
    makes 119.04 ÷ 0.2 = 595.2 mg, so 595.2 − 120 = 475.2 mg of filler (475 mg on the 1 mg
    balance); the aliquot is 32 × 1.5 ÷ 200 g = 240 mg, and the batch's filler
    32 × 130 − 240 = 3920 mg."""
    text = pdf.text(worksheet_pdf(sample(), PROFILE))
    for item in [
        POWDER_FORMULA + "trituration",
        "Naltrexone HCl USP powder (weigh out, for trituration 1); certificate of analysis: "
        "assay 99.2 % as is; assay as is used: 99.2 % Medisca A3317 2028-11-30 120 mg",
        "Filler: microcrystalline cellulose, Avicel PH-102, for trituration 1 — M7890 "
        "2028-03-31 475 mg",
        "Trituration 1 (200 mg/g), aliquot for the batch — — — 240 mg",
        "3. Trituration 1 (200 mg/g): weigh 120 mg of naltrexone HCl powder (assay as is "
        "99.2 %); record its actual weight. Add microcrystalline cellulose by geometric "
        "dilution: P (the powder weighed) × (595.2 ÷ 120 − 1) = P × 3.96 of filler, 475 mg for "
        "exactly 120 mg",
        "4. Weigh 240 mg of trituration 1 for this batch.",
        "5. Weigh 3920 mg of microcrystalline cellulose.",
        "P₁ Naltrexone HCl powder for trituration 1 (weighed) P₁ = k × u 1 × 120 (u: the "
        "balance's minimum weighable quantity) 120 mg",
        "D₁ = P₁ × a = 120 × 0.992 = 119.04 mg; 119.04 / 200 × 1000 595.2 mg",
        "Filler for trituration 1 M₁ − P₁ 595.2 − 120 475.2 mg",
        "A Aliquot of trituration 1 A = N × d / c 32 × 1.5 / 200 × 1000 240 mg",
        "Filler for the batch N × w − A 4160 − 240 3920 mg",
    ]:
        assert item in text, item
    assert not TABLETS.search(text), TABLETS.search(text)


def test_the_beyond_use_date_gives_the_plans_and_the_records_rationale(usual_powder):
    assert ("Beyond-use date 2027-05-21: compounding date + 180 days (USP <795> non-aqueous); "
            "no component expires sooner; master formulation record: USP <795> (2023) Table 4, "
            "other non-aqueous dosage forms (capsules): 180 days") in usual_powder


def test_a_dried_assay_prints_its_basis_and_the_assay_as_is():
    """99.6 % on the dried basis with 0.4 % water: 99.6 × (1 − 0.004) = 99.2016 % as is."""
    source = {**sample()["source"], "assay": "99.6 %", "assay_basis": "dried", "water": "0.4 %"}
    text = pdf.text(worksheet_pdf(sample(strength="4.5 mg", source=source), PROFILE))
    assert ("certificate of analysis: assay 99.6 % on the dried basis, water 0.4 %; assay as is "
            "used: 99.2016 %") in text
    assert ("a = assay (dried) × (1 − water) 99.6 % × (1 − 0.4 %) (certificate of analysis) "
            "0.992 (= 62001/62500) mg/mg") in text
    assert not TABLETS.search(text)


def test_the_working_has_no_tablets_for_powder_and_cites_the_certificate():
    steps = explain(work_out(sample(strength="4.5 mg"), PROFILE.settings))
    symbols = [s.symbol for s in steps]
    assert "T" not in symbols and "T₁" not in symbols and "W" not in symbols
    assay = steps[symbols.index("a")]
    assert (assay.name, assay.working, assay.result) == (
        "Assay as is", "99.2 % (certificate of analysis)", "0.992 mg/mg")
    p = steps[symbols.index("p")]
    assert (p.formula, p.working) == ("p = d ÷ a", "4.5 ÷ 0.992")


def test_the_tablet_worksheet_names_its_built_in_record():
    text = pdf.text(worksheet_pdf(make_order(), PROFILE))
    assert ("Formula Naltrexone HCl (low-dose) capsules from 50 mg tablets, in microcrystalline "
            "cellulose, LDN-CAPS-TAB-MCC version 1 (built-in record, not approved by this "
            "pharmacy); method: whole tablets") in text
    assert "Crush 3 tablets" in text and "W = 250 mg" in text


def test_the_powder_worksheet_draws(tmp_path):
    images = pdf.render(worksheet_pdf(sample(), PROFILE), tmp_path)
    assert images and all(pdf.ink(image) > 0.01 for image in images)


def test_the_powder_sample_is_current():
    # reprint = same document; rebuild with: bash samples/rebuild
    assert (worksheet_pdf(sample(), PROFILE)
            == (SAMPLES / "powder-1.5mg.worksheet.pdf").read_bytes())


def test_the_label_says_nothing_of_tablets():
    content = json.loads(label_text(sample(), PROFILE, form="json"))
    assert content["drug"] == "Naltrexone HCl 1.5 mg capsules"
    assert not TABLETS.search(json.dumps(content, ensure_ascii=False))


LOTS = {"source_lot": "A3317", "source_expiry": "2028-11-30", "filler_lot": "M7890",
        "filler_expiry": "2028-03-31", "capsule_lot": "C2291", "capsule_expiry": "2028-01"}


def executed_text(order: dict, bench: dict) -> tuple[str, Fraction]:
    """The executed record of ``order`` with ``bench`` entered, and the powder's strength the
    reconciliation uses [mg/mg]."""
    worked = work_out(order, PROFILE.settings, kept=True)
    plan = plan_of(worked)
    entry = BenchEntry.model_validate({**bench, **LOTS, "tablets_used": 0, "capsules_made": 32,
                                       "capsule_weights": ["130 mg"] * 10,
                                       "compounded_at": "2026-11-22T16:00:00+00:00"})
    executed = Executed(lot="20261122-001", status="entered", bench=entry, findings=(),
                        strength_made=strength_made(entry, plan, worked.order),
                        compounded_on=date(2026, 11, 22),
                        beyond_use_date=worked.beyond_use_date,
                        beyond_use_rationale=worked.beyond_use_rationale, acknowledgements=(),
                        signatures=(), history=())
    text = pdf.text(executed_record_pdf(order, executed, PROFILE))
    return text, powder_strength(entry, plan, worked.order)


def test_the_executed_record_weighs_the_powder_and_works_the_strength_from_the_assay():
    """145 mg of powder × 0.992 = 143.84 mg of drug in 145 + 4015 = 4160 mg of blend;
    143.84 ÷ 4160 × 130 = 4.495 mg per capsule (99.9 % of 4.5 mg)."""
    text, strength = executed_text(sample(strength="4.5 mg"),
                                   {"tablet_powder_actual": "145 mg", "filler_actual": "4015 mg"})
    assert strength == Fraction(992, 1000)  # d ÷ p: the assay as is
    for item in [
        POWDER_FORMULA + "exact portion",
        "Naltrexone HCl powder (Naltrexone HCl USP powder; assay as is 99.2 %) Medisca A3317 "
        "2028-11-30 145 mg 145 mg",
        "drug = naltrexone HCl powder weighed × assay as is = 145 mg × 99.2 % = 143.84 mg; "
        "blend = 145 + 4015 = 4160 mg; mean = 130 mg; strength = 143.84 ÷ 4160 × 130 = 4.495 mg "
        "per capsule, 99.9 % of 4.5 mg",
        "master formulation record: USP <795> (2023) Table 4",
    ]:
        assert item in text, item
    assert not TABLETS.search(text), TABLETS.search(text)


def test_the_executed_trituration_starts_from_the_powder_weighed():
    """121 mg × 0.992 = 120.032 mg of drug in 121 + 475 = 596 mg: 201.396 mg/g."""
    text, _ = executed_text(sample(), {"tablet_powder_actual": "121 mg", "filler_actual": "3920 mg",
                                       "trituration": [{"filler": "475 mg"}],
                                       "aliquot_actual": "240 mg"})
    assert ("drug in trituration 1 = naltrexone HCl powder weighed × assay as is = 121 mg × "
            "99.2 % = 120.032 mg; c1 as made = 201.396 mg/g") in text
    assert "Naltrexone HCl powder (Naltrexone HCl USP powder; assay as is 99.2 %)" in text
    assert not TABLETS.search(text), TABLETS.search(text)
