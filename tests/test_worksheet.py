"""The batch worksheet (domain.md §6): every required element, read back from the PDF."""

from __future__ import annotations

import json
import re
from fractions import Fraction as F
from pathlib import Path

import pytest

from compounding import OrderError
from compounding.display import show_to_step
from compounding.documents import worksheet_pdf
from compounding.profile import Profile, load_profile

from . import days, pdf
from .helpers import make_order

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
PROFILE = load_profile((SAMPLES / "pharmacy.toml").read_text(encoding="utf-8"))


def sample(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.order.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def usual() -> bytes:
    with days.on_compounding_day():
        return worksheet_pdf(sample("usual-4.5mg"), PROFILE)


def test_required_elements(usual):
    text = pdf.text(usual)
    for item in [
        "Compounding record: Naltrexone HCl 4.5 mg capsules",
        "Riverside Compounding Pharmacy", "12 Mill Street", "(217) 555-0142",
        "Hard capsule, size 3, gelatin shell; immediate release; oral",     # dosage form
        "Formula Naltrexone HCl (low-dose) capsules from 50 mg tablets, in microcrystalline "
        "cellulose, LDN-CAPS-TAB-MCC version 1 (built-in record, not approved by this "
        "pharmacy); method: whole tablets",
        "Lot number 20261122-001", "Rx number 100234", "2026-11-22",
        "Jane Q. Public", "Dr. A. Example (NPI 1234567893)",
        "Take 1 capsule by mouth at bedtime",
        "30 capsules dispensed + 2 overage = 32 required",
        # components: manufacturer, lot, expiry, theoretical, actual, initials, NDC, W
        "Manufacturer", "Actual", "Initials", "Accord", "N4562", "2027-06-30", "3 tablets",
        "NDC 16729-0081-01", "W = 250 mg", "750 mg", "M7890", "2028-03-31", "3583 mg",
        "Avicel PH-102", "C2291", "2028-01-31", "33 capsules",
        # calculations with their inputs
        "T = ⌈N × d / S⌉", "⌈32 × 4.5 / 50⌉ = ⌈2.88⌉", "p = d × W / S", "4.5 × 250 / 50",
        "f = F − p / DF", "130 − 22.5 / 1", "107.5 mg", "C = T × S / d", "33.333 (= 100/3)",
        "3583.333 (= 10750/3) mg", "4333.333 (= 13000/3) mg",
        # steps and geometric dilution: 750 + 750 → 1500 + 1500 → 3000 + 1333 → 4333
        "Crush 3 tablets", "Geometric dilution", "750 mg 1500 mg", "1500 mg 3000 mg",
        "1333 mg 4333 mg", "Fill 33 capsules (size 3)",
        # QC
        "Theoretical fill weight w = 130 mg", "90-110 %: 117 mg to 143 mg", "Weigh 10 capsules",
        "Net weight (mg)",
        # release
        "Findings None.", "2027-05-21: compounding date + 180 days (USP <795> non-aqueous)",
        "Store at 20-25 °C", "light-resistant", "Physical description", "Yield",
        "Theoretical 33 capsules", "Prepared by", "Verified by (pharmacist)",
        "page 1 of 2", "page 2 of 2",
    ]:
        assert item in text, item
    assert len(re.findall(r"yes / no", text)) == 10  # one blank per capsule to weigh


def test_renders(usual, tmp_path):
    images = pdf.render(usual, tmp_path)
    assert len(images) == 2
    assert all(pdf.ink(image) > 0.01 for image in images)


def test_same_input_same_bytes(usual):
    assert worksheet_pdf(sample("usual-4.5mg"), PROFILE) == usual


@pytest.mark.parametrize("name", ["usual-4.5mg", "titration-1.5mg", "very-low-0.5mg",
                                  "opioid-percocet"])
def test_samples_are_current(name):
    # reprint = same document; rebuild with: bash samples/rebuild
    assert worksheet_pdf(sample(name), PROFILE) == (SAMPLES / f"{name}.worksheet.pdf").read_bytes()


def test_trituration_and_density():
    # the very-low sample (0.5 mg × 30 + 2, filler by density): a trituration at 100 mg/g
    # (250 mg of powder + 250 mg of filler), aliquot 32 × 0.5 / 100 g = 160 mg. The sheet used
    # to say "Weigh out 80 mg of the powder", below the balance's 120 mg.
    text = pdf.text(worksheet_pdf(sample("very-low-0.5mg"), PROFILE))
    for item in ["Trituration 1 (100 mg/g): Crush 1 tablet", "Weigh all of the powder",
                 # the filler follows the powder actually recovered: with 243 mg of the 250 mg,
                 # 243 × (500 ÷ 250 − 1) = 243 mg of filler keeps 100 mg/g
                 "P (the powder weighed) × (500 ÷ 250 − 1) = P × 1 of filler, 250 mg for "
                 "exactly 250 mg, so that the trituration stays at 100 mg/g whatever P is",
                 "P = ________ mg × 1 = filler ________ mg",
                 "“Trituration 1: naltrexone HCl 100 mg/g, lot",
                 "Weigh 160 mg of trituration 1 for this batch.", "A = N × d / c",
                 "F = density × volume × 1000", "0.45 g/mL × 0.3 mL × 1000",
                 "WARNING Very-low dose (under 1 mg a day) Strength per capsule: Daily dose 0.5 mg",
                 "method: trituration", "Pharmacist initials"]:
        assert item in text, item
    assert not re.search(r"(?<![\d.])80 mg", text) and "minimum weighable" not in text


def test_findings_and_acknowledgements():
    text = pdf.text(worksheet_pdf(sample("opioid-percocet"), PROFILE))
    assert "CRITICAL Opioid taken with naltrexone Concurrent medication 1:" in text
    assert "OPIOID_COADMINISTRATION" not in text
    assert "Acknowledged by R. Okafor, PharmD: Prescriber confirmed Percocet stopped" in text
    unacked = pdf.text(worksheet_pdf(make_order(concurrent_medications=["MS Contin"])))
    assert "NOT ACKNOWLEDGED: no label may be printed" in unacked


def test_rounding_to_readability_never_zero():
    # 0.002 mg × 32 capsules, exact portion: N·p = 32 × 0.01 = 0.32 mg of powder. On a 0.1 mg
    # balance whose MWQ is 0.2 mg it prints as 0.3 mg; on the default 1 mg / 120 mg balance it is
    # never printed (METHOD_NOT_WEIGHABLE); an amount under half a step prints "< 1", never 0
    order = make_order(strength="0.002 mg", method="exact_portion")
    fine = Profile.model_validate({"balance": {"readability": "0.1 mg",
                                               "minimum_weighable_quantity": "0.2 mg"}})
    text = pdf.text(worksheet_pdf(order, fine))
    assert "Weigh out 0.3 mg of the powder" in text
    assert not re.search(r"(?<![\d.])0 mg", text)
    with pytest.raises(OrderError) as caught:
        worksheet_pdf(order)
    assert caught.value.errors[0].code == "METHOD_NOT_WEIGHABLE"
    assert show_to_step(F("0.32"), F(1)) == "< 1"
    assert "3583.3 mg" in pdf.text(worksheet_pdf(make_order(), fine))


def test_many_pages_are_numbered(tmp_path):
    meds = [f"oxycodone {i} mg" for i in range(1, 41)]
    document = worksheet_pdf(make_order(concurrent_medications=meds))
    total = len(pdf.pages(document))
    assert total >= 3
    assert f"page {total} of {total}" in pdf.text(document)
    pdf.render(document, tmp_path, dpi=40)


HOSTILE = '<b>Bold</b> & Co &amp; <img src="http://example.invalid/x.png"> <unbalanced'


def test_user_text_prints_literally(tmp_path):
    order = make_order(patient={"name": HOSTILE}, directions=HOSTILE,
                       prescriber={"name": "Dr. <i>Italic</i>"}, source={"lot": "<para>"},
                       concurrent_medications=["<font size=40>codeine</font>"])
    document = worksheet_pdf(order)
    text = pdf.text(document)
    assert text.count(HOSTILE) >= 2           # patient and directions, as typed
    assert "Dr. <i>Italic</i>" in text and "<PARA>" in text  # the lot in its normal form
    assert "“<font size=40>codeine</font>” contains codeine" in text
    assert b"/Subtype /Image" not in document
    pdf.render(document, tmp_path, dpi=40)


@pytest.mark.parametrize("name", ["José Zoë", "Łukasz Wójcik", "Ольга Петрова", "Nguyễn Văn An"])
def test_names_print_with_their_letters(name):
    document = worksheet_pdf(make_order(patient={"name": name}))
    assert name in pdf.text(document)
    assert pdf.fonts(document) == {"DejaVuSans", "DejaVuSans-Bold"}


def test_invalid_order_gives_no_document():
    with pytest.raises(OrderError):
        worksheet_pdf(make_order(strength="60 mg"))
