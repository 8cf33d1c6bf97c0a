"""The documents of an oral liquid batch: its worksheet, its patient label (PDF and ZPL) and its
executed record, read back as a person would (:mod:`tests.pdf`), every number worked by hand.

The sample (samples/liquid-4.5mg.order.json): 4.5 mg nightly for 30 days at 1 mg/mL from 50 mg
tablets of W = 250 mg (tests/test_liquid_plan.py): v = 4.5 ÷ 1 = 4.5 mL, the 10 mL oral
syringe by 0.5 mL (9 marks); V = 135 mL, overage max(5 % × 135, 5) = 6.75 mL, Vb = 141.75 mL,
D = 141.75 mg, an exact portion of 141.75 × 250 / 50 = 708.75 mg of the powder of 3 tablets;
ascorbic acid 0.5 g per 100 mL × 141.75 mL = 708.75 mg (709 mg at the sample balance's 1 mg),
sodium benzoate 141.75 mg (142 mg), glycerin 20 % × 141.75 = 28.35 mL (Fawcett, Morgan & Woods,
Ann Pharmacother 1997;31:1291-5); BUD 2026-11-22 + 60 days = 2027-01-21, refrigerated, in the
dark.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from fractions import Fraction
from pathlib import Path

import pytest

from compounding import OrderError, UnacknowledgedFindings, plan_order
from compounding.bench.execution import Executed, Signature, Step
from compounding.bench.labeling import Dispensing, liquid_drug_line
from compounding.bench.liquid_results import LiquidBenchEntry, reconcile
from compounding.documents import (
    executed_record_pdf,
    label_pdf,
    label_text,
    labels_pdf,
    worksheet_pdf,
)
from compounding.forms import form_of
from compounding.orders.liquid import LiquidPlan
from compounding.orders.reading import parse_any
from compounding.profile import Profile, load_profile

from . import days, pdf
from .helpers import make_order
from .test_label import HOSTILE, LABELLED

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
PROFILE = load_profile((SAMPLES / "pharmacy.toml").read_text(encoding="utf-8"))
ORDER = json.loads((SAMPLES / "liquid-4.5mg.order.json").read_text(encoding="utf-8"))
POWDER = {"form": "oral_liquid", "strength": "0.5 mg", "days_supply": 30,
          "source": {"kind": "api_powder", "assay": "99.2 %", "lot": "API-3",
                     "expiry": "2028-01-31"},
          "rx_number": "100261", "patient": {"name": "Sam Lee"},
          "prescriber": {"name": "Dr. B. Example"}}
TITRATION = {**ORDER, "strength": None, "days_supply": None, "sig": None,
             "schedule": [{"dose": "1.5 mg", "days": 14}, {"dose": "3 mg", "days": 14},
                          {"dose": "4.5 mg", "days": 30}]}
LOTS = [{"name": "Ascorbic acid", "amount": "709 mg", "lot": "AA2291", "expiry": "2028-03"},
        {"name": "Sodium benzoate", "amount": "142 mg", "lot": "SB1187", "expiry": "2028-06"},
        {"name": "Glycerin", "amount": "28.4 mL", "lot": "GL0412", "expiry": "2028-01"},
        {"name": "Purified water", "lot": "PW-1"}]


def liquid(**changes) -> dict:
    """The sample order with ``changes`` (``None`` removes a key)."""
    order = {**ORDER, **changes}
    return {k: v for k, v in order.items() if v is not None}


def readability(step: str) -> Profile:
    balance = PROFILE.balance.model_copy(update={"readability": Fraction(step)})
    return PROFILE.model_copy(update={"balance": balance})


def fields(zpl: str) -> str:
    """The text a ZPL label prints, its fields joined by spaces."""
    return " ".join(re.findall(r"\^FD(.*?)\^FS", zpl))


@pytest.fixture(scope="module")
def worksheet() -> bytes:
    with days.on_compounding_day():
        return worksheet_pdf(ORDER, PROFILE)


@pytest.fixture(scope="module")
def label() -> bytes:
    with days.on_compounding_day():
        return label_pdf(ORDER, PROFILE)


# -- the worksheet ------------------------------------------------------------------------------

def test_the_worksheet_carries_the_batch_and_its_working(worksheet):
    text = pdf.text(worksheet)
    for item in [
        "Compounding record: Naltrexone HCl 1 mg/mL oral suspension",
        "Riverside Compounding Pharmacy",
        "Naltrexone HCl 1 mg/mL oral suspension from 50 mg tablets, LDN-LIQ-1 version 1",
        "Formula's BUD stability study: Fawcett, Morgan, Woods",
        "Lot number 20261122-002", "Rx number 100260", "Jane Q. Public (born 1970-04-01)",
        "Dr. A. Example (NPI 1234567893)", "Take 4.5 mL (4.5 mg) by mouth at bedtime",
        "135 mL dispensed (30 days' supply); refills 2",
        # the batch in numbers
        "c = 1 mg/mL naltrexone HCl", "d = 4.5 mg: v = d ÷ c = 4.5 ÷ 1 = 4.5 mL",
        "10 mL, marked every 0.5 mL (4.5 mL = 9 marks)", "V = 135 mL", "Overage 6.75 mL",
        "Vb = 141.75 mL (V + overage = 135 + 6.75 mL)",
        "D = c × Vb = 1 mg/mL × 141.75 mL = 141.75 mg naltrexone HCl",
        "exact portion (a weighed portion of the tablets' powder): 3 whole tablets would make "
        "150 mL, 15 mL over the volume dispensed (at most 14 mL)",
        # the ingredients, with the lots the order gives and blanks for the rest
        "Antioxidant Ascorbic acid 0.5 % w/v 709 mg (708.75 mg) AA2291 2028-03-31",
        "Preservative Sodium benzoate 0.1 % w/v 142 mg (141.75 mg) SB1187 2028-06-30",
        "Co-solvent Glycerin (glycerol) 20 % v/v 28.35 mL GL0412 2028-01-31",
        "Vehicle Purified water to volume to 141.75 mL ________ ________",
        "3 tablets N4562 2027-06-30", "W = 250 mg 709 mg",
        # the procedure, numbered, masses to the balance's 1 mg
        "3. Crush 3 tablets in a clean mortar to a fine, uniform powder; weigh out 709 mg of "
        "the powder for this batch.", "4. Weigh 709 mg of Ascorbic acid (0.5 % w/v).",
        "5. Weigh 142 mg of Sodium benzoate", "6. Measure 28.35 mL of Glycerin",
        "levigate them with the glycerin to a smooth paste", "make to 141.75 mL",
        "10. Pack 135 mL into an amber bottle",
        # quality control with its blanks, the release and the signatures
        "Final volume 141.75 mL (within 5 %: 134.66-148.84 mL) before packing. ________ mL",
        "Appearance: Uniform cloudy suspension", "________ pass / fail",
        "2027-01-21: compounding date + 60 days", "Refrigerate at 2-8 °C",
        "Batch volume 141.75 mL; final volume ________ mL; dispensed 135 mL",
        "Prepared by", "Verified by (pharmacist)", "page 1 of 2", "page 2 of 2",
    ]:
        assert item in text, item
    assert "capsule" not in text.lower()


def test_the_worksheet_renders_and_is_the_golden_sample(worksheet, tmp_path):
    images = pdf.render(worksheet, tmp_path, dpi=40)
    assert len(images) == 2 and all(pdf.ink(image) > 0.01 for image in images)
    # reprint = same document; rebuild with: bash samples/rebuild
    assert worksheet == (SAMPLES / "liquid-4.5mg.worksheet.pdf").read_bytes()


def test_masses_print_to_the_balances_readability():
    # 708.75 mg is 709 mg at 1 mg, 708.8 mg at 0.1 mg (half up), itself at 0.01 mg
    fine = pdf.text(worksheet_pdf(ORDER, readability("0.01")))
    assert "Weigh 708.75 mg of Ascorbic acid" in fine and "708.75 mg (708.75" not in fine
    assert "Weigh 708.8 mg of Ascorbic acid" in pdf.text(worksheet_pdf(ORDER,
                                                                       readability("0.1")))


def test_a_stock_solution_from_powder_shows_its_stage():
    """0.5 mg at 0.1 mg/mL from powder: 15.75 ÷ 0.992 = 15.877 mg is under the 120 mg MWQ;
    stock 5 mg/mL in 25 mL (125 mg, 126.008 mg of powder weighed, 126 mg at 1 mg), 3.15 mL of
    it into the batch."""
    text = pdf.text(worksheet_pdf(POWDER, PROFILE))
    for item in ["Compounding record: Naltrexone HCl 0.1 mg/mL oral solution",
                 "LDN-LIQ-API-01 version 1", "5 mL, marked every 0.2 mL (5 mL = 25 marks)",
                 "Vb = 157.5 mL", "D = c × Vb = 0.1 mg/mL × 157.5 mL = 15.75 mg",
                 "under the minimum weighable quantity (120 mg): a stock in one stage",
                 "Stock solution", "126 mg of powder (125 mg) 25 mL 5 mg/mL 3.15 mL into the "
                 "batch", "3.15 mL = 15.75 mg",
                 "Stock 1 (5 mg/mL): Weigh 126 mg of naltrexone HCl powder (assay as is 99.2 %)",
                 "Measure 3.15 mL of stock 1", "Check the certificate of analysis",
                 "Appearance: Clear solution",
                 # a very-low dose, said as the liquid's dose, not a capsule's strength
                 "WARNING Very-low dose (under 1 mg a day) Dose: Daily dose 0.5 mg"]:
        assert item in text, item
    assert "Strength per capsule" not in text
    assert "Stock solution" not in pdf.text(worksheet_pdf(ORDER, PROFILE))


def test_a_titration_prints_each_step_with_its_volume():
    text = pdf.text(worksheet_pdf(TITRATION, PROFILE))
    for item in ["Dose, step 1 Days 1–14: d = 1.5 mg: v = d ÷ c = 1.5 ÷ 1 = 1.5 mL",
                 "Dose, step 2 Days 15–28: d = 3 mg", "Dose, step 3 Days 29–58: d = 4.5 mg",
                 "(1.5 mL = 3 marks; 3 mL = 6 marks; 4.5 mL = 9 marks)",
                 "V = 198 mL (58 days' supply)"]:
        assert item in text, item


MARKUP = '<b>Jo</b> & Co &amp; <img src="x.png"> <unbalanced'
"""A patient name in markup characters: printed as typed, never parsed nor escaped twice."""


@pytest.mark.parametrize("name", [MARKUP, HOSTILE])
def test_user_text_is_escaped_exactly_once(name):
    order = liquid(patient={"name": name}, prescriber={"name": "A & B <i>MD</i>"})
    text = pdf.text(worksheet_pdf(order, PROFILE))
    assert text.count(name) == 1 and "A & B <i>MD</i>" in text
    assert "&amp;amp;" not in text and "&lt;" not in text
    if name == MARKUP:  # HOSTILE's three lines at 12 pt leave a liquid's label no room
        labelled = pdf.text(label_pdf(order, PROFILE))
        assert name in labelled and "&lt;" not in labelled
        assert name in fields(label_text(order, PROFILE))


# -- the label ----------------------------------------------------------------------------------

def test_the_label_says_what_a_liquid_needs_in_order_of_importance(label):
    text = pdf.text(label)
    ordered = ["Jane Q. Public", "Naltrexone HCl 1 mg/mL oral suspension",
               "Take 4.5 mL (4.5 mg) by mouth at bedtime", "Shake well before each dose.",
               "Measure with the 10 mL oral syringe (0.5 mL marks).", "Qty: 135 mL",
               "Discard after 2027-01-21", "Lot 20261122-002", "Refills: 2",
               "Prescriber: Dr. A. Example", "Filled 2026-11-22",
               "Do not take with opioid pain", "Refrigerate 2–8 °C. Protect from light.",
               "Compounded preparation", "May cause vivid dreams", "Contains lactose"]
    positions = [text.find(item) for item in ordered]
    assert -1 not in positions, [i for i, p in zip(ordered, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    for item in ("Rx 100260", "Riverside Compounding Pharmacy", "(217) 555-0142",
                 "PROOF — NOT FOR DISPENSING"):
        assert item in text
    # the record's own "Measure the dose with the oral syringe supplied." and its storage are
    # said once, in the label's own words
    assert text.count("Protect from light") == 1 and "supplied" not in text
    assert "capsule" not in text.lower()


def test_the_label_renders_on_one_label_with_its_barcode_and_is_the_golden_sample(label,
                                                                                  tmp_path):
    [image] = pdf.render(label, tmp_path, dpi=300)  # everything fits one 4 × 2 in label
    assert pdf.barcodes(image) == ["100260"]
    assert label == (SAMPLES / "liquid-4.5mg.label.pdf").read_bytes()


def test_a_solution_is_not_shaken_and_lactose_only_when_the_tablets_have_it():
    solution = pdf.text(label_pdf(POWDER, PROFILE))
    assert "Naltrexone HCl 0.1 mg/mL oral solution" in solution
    assert "Take 5 mL (0.5 mg) by mouth at bedtime" in solution
    assert "Measure with the 5 mL oral syringe (0.2 mL marks)." in solution
    assert "Shake" not in solution and "lactose" not in solution.lower()
    assert "Qty: 150 mL" in solution
    free = liquid(source={**ORDER["source"], "excipients": ["microcrystalline cellulose"]})
    assert plan_order(free).contains_lactose is False
    text = pdf.text(label_pdf(free, PROFILE))
    assert "lactose" not in text.lower() and "Shake well before each dose." in text


def test_a_titration_goes_on_a_dosing_schedule_label():
    text = pdf.text(label_pdf(TITRATION, PROFILE))
    assert "See the dosing schedule label" in text
    assert "Dosing schedule · Rx 100260 · Jane Q. Public" in text
    for step in ["1. Days 1–14: take 1.5 mL (1.5 mg) by mouth at bedtime",
                 "2. Days 15–28: take 3 mL (3 mg) by mouth at bedtime",
                 "3. Days 29–58: take 4.5 mL (4.5 mg) by mouth at bedtime"]:
        assert step in text, step
    assert "Qty: 198 mL" in text


def test_the_dispensing_label_reprint_and_copies_as_for_capsules():
    dispensing = Dispensing("20261122-002", date(2026, 11, 23), date(2027, 1, 15))
    document = label_pdf(ORDER, PROFILE, dispensing, reprint=True, copies=2)
    text = pdf.text(document)
    assert "PROOF" not in text and text.count("REPRINT") == 2
    assert "Filled 2026-11-23" in text and "Discard after 2027-01-15" in text
    assert len(pdf.pages(document)) == 2
    zpl = label_text(ORDER, PROFILE, dispensing, reprint=True, copies=2)
    assert zpl.count("^XA") == 2 and "PROOF" not in zpl and zpl.count("^FDREPRINT^FS") == 2


def test_the_zpl_label_carries_the_same_items():
    zpl = label_text(ORDER, PROFILE)
    assert zpl.startswith("^XA\n^CI28") and zpl.count("^XA") == 1
    said = fields(zpl)
    for item in ["Rx 100260", "Jane Q. Public", "Naltrexone HCl 1 mg/mL oral suspension",
                 "Take 4.5 mL (4.5 mg) by mouth at bedtime", "Shake well before each dose.",
                 "Measure with the 10 mL oral syringe (0.5 mL marks).",
                 "Refrigerate 2–8 °C. Protect from light.",
                 "Qty: 135 mL · Discard after 2027-01-21 · Lot 20261122-002",
                 "Contains lactose.", "PROOF — NOT FOR DISPENSING"]:
        assert item in said, item
    assert "^BCN" in zpl and "^FH^FD100260^FS" in zpl
    assert label_text(ORDER, PROFILE, dpi=300) != zpl


def test_the_label_content_as_json():
    content = json.loads(label_text(TITRATION, PROFILE, form="json"))
    assert content["drug"] == "Naltrexone HCl 1 mg/mL oral suspension"
    assert content["quantity"] == "Qty: 198 mL"
    assert content["handling"] == ("Shake well before each dose. Measure with the 10 mL oral "
                                   "syringe (0.5 mL marks).")
    assert content["cautions"][:2] == ["Refrigerate 2–8 °C. Protect from light.",
                                       "Compounded preparation. Active ingredient: naltrexone "
                                       "HCl."]
    assert "Contains lactose." in content["cautions"]
    assert content["steps"] == ["Days 1–14: take 1.5 mL (1.5 mg) by mouth at bedtime",
                                "Days 15–28: take 3 mL (3 mg) by mouth at bedtime",
                                "Days 29–58: take 4.5 mL (4.5 mg) by mouth at bedtime"]
    assert content["proof_band"] == "PROOF — NOT FOR DISPENSING"


def test_the_product_line_is_the_forms():
    plan = plan_order(ORDER)
    assert isinstance(plan, LiquidPlan)
    assert liquid_drug_line(plan) == form_of("oral_liquid").product_line(plan)


def stock(name: str) -> Profile:
    return PROFILE.model_copy(update={"label": PROFILE.label.model_copy(update={"stock": name})})


def test_the_label_prints_ten_to_a_letter_sheet():
    document = label_pdf(TITRATION, stock("letter"))
    text = pdf.text(document)
    assert len(pdf.pages(document)) == 1
    assert "Measure with the 10 mL oral syringe" in text and "Contains lactose" in text
    assert "Qty: 198 mL" in fields(label_text(TITRATION, stock("letter")))


def test_a_liquid_label_too_long_for_3x2_stock_is_refused_whole():
    """On 3 × 2 in stock the product line and the directions take two lines each at 11 pt:
    with the syringe, the quantity line and the opioid caution the container's label needs
    more than its 92 pt, so the order is refused naming the field, never half printed."""
    for build in (label_pdf, lambda o, p: label_text(o, p).encode()):
        with pytest.raises(OrderError) as refused:
            build(ORDER, stock("3x2"))
        [error] = refused.value.errors
        assert error.code == "LABEL_TOO_LONG" and "3 × 2 in" in error.message


def test_liquid_and_capsule_proofs_print_together():
    document = labels_pdf([make_order(**LABELLED), ORDER], PROFILE)
    text = pdf.text(document)
    assert "Naltrexone HCl 4.5 mg capsules" in text
    assert "Naltrexone HCl 1 mg/mL oral suspension" in text


def test_a_label_is_refused_while_an_item_is_missing_or_a_finding_unacknowledged():
    with pytest.raises(OrderError) as missing:
        label_pdf(liquid(patient=None), PROFILE)
    assert [(e.code, e.field) for e in missing.value.errors] == [("FIELD_REQUIRED",
                                                                  "patient.name")]
    with pytest.raises(UnacknowledgedFindings):
        label_text(liquid(concurrent_medications=["Percocet"]), PROFILE)


def test_the_records_printability_check_takes_a_liquid_order():
    from compounding.documents.printable import check

    check(parse_any(ORDER), PROFILE)  # prints, and its label fits
    with pytest.raises(OrderError) as refused:
        check(parse_any(liquid(patient={"name": "Jane 𓀀"})), PROFILE)
    assert [(e.code, e.field) for e in refused.value.errors] == [
        ("CHARACTER_NOT_PRINTABLE", "patient.name")]


# -- the executed record ------------------------------------------------------------------------

def executed(order: dict, **bench) -> Executed:
    """A verified batch of ``order`` as the bench entered it, reconciled."""
    parsed = parse_any(order)
    plan = plan_order(parsed)
    assert isinstance(plan, LiquidPlan)
    entry = LiquidBenchEntry.model_validate({
        "ingredients": LOTS, "source_lot": order["source"]["lot"], "source_expiry": "2028-01-31",
        "compounded_at": "2026-11-22T10:00:00-06:00", **bench})
    made = reconcile(entry, plan, parsed)
    at = datetime(2026, 11, 22, 16, 30, tzinfo=UTC)
    return Executed(lot="20261122-002", status="verified", bench=entry,
                    findings=tuple(made.findings), strength_made=made.strength_made,
                    compounded_on=made.compounded_on, beyond_use_date=made.beyond_use_date,
                    beyond_use_rationale=made.beyond_use_rationale, acknowledgements=(),
                    signatures=(Signature("R. Okafor, PharmD", "RPh 1234",
                                          "verified the batch", at),),
                    history=(Step(1, "create", "planned", "T. Tech", at, ""),
                             Step(2, "bench", "compounded", "T. Tech", at, "")))


def test_the_executed_record_prints_what_the_bench_entered(tmp_path):
    """708 mg of the powder of 3 tablets holds 708 × 50 / 250 = 141.6 mg; made to 141 mL it
    is 141.6 ÷ 141 = 1.0043 mg/mL, 100.4 % of 1 mg/mL."""
    record = executed(ORDER, tablets_used=3, powder_actual="708 mg", final_volume="141 mL")
    document = executed_record_pdf(ORDER, record, PROFILE)
    text = pdf.text(document)
    for item in ["Executed compounding record: Naltrexone HCl 1 mg/mL oral suspension",
                 "2026-11-22 (bench work at 2026-11-22 10:00 CST)", "Status verified",
                 "Ingredients as used",
                 "Naltrexone HCl 50 mg tablet, immediate release N4562 2028-01-31 3 tablets "
                 "3 tablets", "Tablet powder — — 709 mg 708 mg",
                 "Ascorbic acid AA2291 2028-03-31 709 mg (708.75 mg) 709 mg",
                 "Glycerin (glycerol) GL0412 2028-01-31 28.35 mL 28.4 mL",
                 "141.75 mL 141 mL",
                 "Final volume 141 mL: within 134.66-148.84 mL",
                 "drug = 708 mg powder × 50 ÷ 250 = 141.6 mg; strength = 141.6 ÷ 141 = "
                 "1.0043 mg/mL, 100.4 % of 1 mg/mL",
                 "Findings at the bench None.", "made to 141 mL",
                 "R. Okafor, PharmD RPh 1234 verified the batch 2026-11-22 10:30 CST",
                 "History"]:
        assert item in text, item
    pdf.render(document, tmp_path, dpi=40)


def test_the_executed_record_of_a_stock():
    """126 mg of powder at 99.2 % made to 25 mL: c1 = 124.992 ÷ 25 = 4.99968 mg/mL; 3.15 mL
    of it holds 15.749 mg; made to 150 mL: 0.105 mg/mL, 105 % of 0.1 mg/mL (104.99 %)."""
    text = pdf.text(executed_record_pdf(POWDER, stock_batch("150 mL"), PROFILE))
    for item in ["Naltrexone HCl USP powder (assay as is 99.2 %) API-3 2028-01-31 126 mg 126 mg",
                 "Stock 1 (5 mg/mL), made to 20261122-002-S1 — 25 mL 25 mL",
                 "Stock 1, aliquot into the batch — — 3.15 mL 3.15 mL",
                 "c1 = 126 mg powder × 99.2 % ÷ 25 mL = 4.9997 mg/mL; drug = 3.15 mL × "
                 "4.9997 mg/mL = 15.749 mg; strength = 15.749 ÷ 150 = 0.105 mg/mL, 105 % of "
                 "0.1 mg/mL"]:
        assert item in text, item
    assert "CRITICAL" not in text and "Strength made more than" not in text


def test_the_executed_record_says_a_strength_out_of_range_in_words():
    """The same stock made to 180 mL: 15.749 ÷ 180 = 0.0875 mg/mL, 87.5 %: under 90 %, and
    180 mL is over 157.5 × 1.05 = 165.38 mL."""
    text = pdf.text(executed_record_pdf(POWDER, stock_batch("180 mL"), PROFILE))
    assert "Final volume 180 mL: OUTSIDE 149.62-165.38 mL" in text
    assert "strength = 15.749 ÷ 180 = 0.0875 mg/mL, 87.5 % of 0.1 mg/mL" in text
    assert ("CRITICAL Strength made more than 10 % off Final volume: Strength made 0.0875 "
            "mg/mL is 87.5 % of 0.1 mg/mL (outside 90-110 %: the batch cannot be released)"
            in text)
    assert "NOT ACKNOWLEDGED: no label may be printed" in text
    assert "BENCH_STRENGTH_OUT_OF_RANGE" not in text and "final_volume" not in text


def stock_batch(final_volume: str) -> Executed:
    lots = [{**lot, "amount": amount} for lot, amount in
            zip(LOTS, ("788 mg", "158 mg", "31.5 mL", None), strict=True)]
    return executed(POWDER, powder_actual="126 mg", stock=[{"volume": "25 mL"}],
                    aliquot_actual="3.15 mL", final_volume=final_volume, ingredients=lots)


def test_a_liquid_record_needs_the_liquid_bench_entry():
    from dataclasses import replace

    from compounding.documents.liquid_executed import _LiquidExecuted
    from compounding.plan import work_out

    record = executed(ORDER, tablets_used=3, powder_actual="708 mg", final_volume="141 mL")
    worked = work_out(parse_any(ORDER), PROFILE.settings, kept=True)
    with pytest.raises(TypeError):
        _LiquidExecuted(worked, PROFILE, replace(record, bench=None))
