"""The patient label (domain.md §7; USP <17>): content, order, barcode, stock, fit, refusal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compounding import OrderError, UnacknowledgedFindings
from compounding.documents import label_pdf, labels_pdf
from compounding.profile import Profile, load_profile

from . import pdf
from .helpers import assert_error_body, make_order

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
PROFILE = load_profile((SAMPLES / "pharmacy.toml").read_text(encoding="utf-8"))
LABELLED = dict(rx_number="100234", directions="Take 1 capsule by mouth at bedtime",
                patient={"name": "Jane Q. Public"}, prescriber={"name": "Dr. A. Example"},
                refills=2, lot_number="20261122-001")
ACK = {"code": "OPIOID_COADMINISTRATION", "pharmacist": "R. Okafor, PharmD",
       "reason": "Opioid stopped 2026-11-01"}


def stock(name: str) -> Profile:
    return PROFILE.model_copy(update={"label": PROFILE.label.model_copy(update={"stock": name})})


@pytest.fixture(scope="module")
def usual() -> bytes:
    order = json.loads((SAMPLES / "usual-4.5mg.order.json").read_text(encoding="utf-8"))
    return label_pdf(order, PROFILE)


def test_content_in_order_of_importance(usual):
    text = pdf.text(usual)
    ordered = ["Jane Q. Public", "Naltrexone HCl 4.5 mg capsules",
               "Take 1 capsule by mouth at bedtime", "Qty: 30 capsules", "Refills: 2",
               "Prescriber: Dr. A. Example", "Filled 2026-11-22", "Discard after 2027-05-21",
               "Lot 20261122-001", "RPh ______", "Compounded preparation",
               "Do not take with opioid pain, cough or diarrhea medicines",
               "Tell every doctor, dentist or surgeon that you take naltrexone",
               "May cause vivid dreams", "Contains lactose", "Protect from light"]
    positions = [text.find(item) for item in ordered]
    assert -1 not in positions, [i for i, p in zip(ordered, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    for item in ("Riverside Compounding Pharmacy", "12 Mill Street", "(217) 555-0142",
                 "Rx 100234"):
        assert item in text
    assert "lactose-free" not in text.lower()


def test_largest_type_first(usual):
    sizes = []
    page = pdf.pages(usual)[0]

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes.append((text.strip(), size * tm[0]))

    page.extract_text(visitor_text=visit)
    by_text = dict(sizes)
    big = min(by_text["Jane Q. Public"], by_text["Take 1 capsule by mouth at bedtime"])
    small = max(v for k, v in by_text.items() if k.startswith(("Qty", "Filled", "May cause")))
    assert big > small * 1.3


def test_barcode_reads_back_the_rx_number(usual, tmp_path):
    [image] = pdf.render(usual, tmp_path, dpi=300)
    assert pdf.barcodes(image) == ["100234"]
    assert pdf.ink(image) > 0.02


@pytest.mark.parametrize(("name", "size"), [("4x2", (288, 144)), ("3x2", (216, 144)),
                                            ("letter", (612, 792))])
def test_stocks(name, size, tmp_path):
    document = label_pdf(make_order(**LABELLED | {"rx_number": "RX-77"}), stock(name))
    page = pdf.pages(document)[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == size
    [image] = pdf.render(document, tmp_path, dpi=300)
    assert pdf.barcodes(image) == ["RX-77"]


def test_letter_sheet_holds_ten(tmp_path):
    orders = [make_order(**LABELLED | {"rx_number": f"{100000 + i}"}) for i in range(11)]
    document = labels_pdf(orders, stock("letter"))
    assert len(pdf.pages(document)) == 2
    images = pdf.render(document, tmp_path, dpi=300)
    assert sorted(pdf.barcodes(images[0])) == [f"{100000 + i}" for i in range(10)]
    assert pdf.barcodes(images[1]) == ["100010"]


def test_base_order_states_the_equivalence():
    text = pdf.text(label_pdf(make_order(**LABELLED, strength="4.5 mg", strength_basis="base")))
    # domain.md §13: what was ordered first; 4.5 × 37787/34141 = 4.9806 → 4.98 (3 figures)
    assert "Naltrexone 4.5 mg (as base) capsules = 4.98 mg naltrexone HCl" in text


def test_no_lactose_statement_without_lactose():
    text = pdf.text(label_pdf(make_order(**LABELLED, source={"excipients": ["crospovidone"]})))
    assert "Contains lactose" not in text


def test_refused_while_critical_unacknowledged():
    order = make_order(**LABELLED, concurrent_medications=["sertraline", "Percocet 5/325 mg"])
    with pytest.raises(UnacknowledgedFindings) as caught:
        label_pdf(order)
    errors = assert_error_body(caught.value.to_json(), 409)
    assert [(e["code"], e["field"]) for e in errors] == [
        ("CRITICAL_UNACKNOWLEDGED", "concurrent_medications[1]")]
    assert "OPIOID_COADMINISTRATION" in errors[0]["message"]
    assert "Jane Q. Public" in pdf.text(label_pdf({**order, "acknowledgements": [ACK]}))


@pytest.mark.parametrize("missing", ["rx_number", "patient"])
def test_required_for_a_label(missing):
    with pytest.raises(OrderError) as caught:
        label_pdf(make_order(**{**LABELLED, missing: None}))
    field = "patient.name" if missing == "patient" else missing
    assert [(e["code"], e["field"]) for e in assert_error_body(caught.value.to_json(), 422)] == [
        ("FIELD_REQUIRED", field)]


def test_long_text_wraps_and_shrinks_never_cut():
    directions = ("Take 1 capsule by mouth at bedtime for 14 days, then 2 capsules at bedtime; "
                  "if vivid dreams disturb sleep, take it in the morning instead and call the "
                  "pharmacy with any questions about this medicine")
    name = "Maria-Fernanda de los Ángeles Ximena Gutiérrez-Villanueva y Hernández"
    for stock_name in ("4x2", "3x2"):
        # 2 mg: the titration's 2 capsules a day are 4 mg, within the LDN range
        order = make_order(**LABELLED | {"directions": directions, "patient": {"name": name},
                                         "strength": "2 mg"})
        text = pdf.text(label_pdf(order, stock(stock_name)))
        assert " ".join(directions.split()) in text and name in text


def test_too_long_is_an_error_naming_the_field():
    with pytest.raises(OrderError) as caught:
        label_pdf(make_order(**LABELLED | {"directions": "Take one capsule by mouth. " * 14}),
                  stock("3x2"))
    assert [(e["code"], e["field"]) for e in assert_error_body(caught.value.to_json(), 422)] == [
        ("LABEL_TOO_LONG", "directions")]


def test_one_bad_label_means_no_document():
    good = make_order(**LABELLED)
    bad = make_order(**LABELLED, concurrent_medications=["methadone"])
    with pytest.raises(UnacknowledgedFindings):
        labels_pdf([good, bad])


HOSTILE = '<b>Bold</b> & Co &amp; <img src="http://example.invalid/x.png"> <unbalanced'


@pytest.mark.parametrize("name", ["José Zoë", "Łukasz Wójcik", "Ольга Петрова", "Nguyễn Văn An",
                                  HOSTILE])
def test_names_print_exactly(name, tmp_path):
    document = label_pdf(make_order(**LABELLED | {"patient": {"name": name}}))
    assert name in pdf.text(document)
    assert pdf.fonts(document) == {"DejaVuSans", "DejaVuSans-Bold"}
    assert b"/Subtype /Image" not in document
    pdf.render(document, tmp_path, dpi=50)


def test_same_input_same_bytes(usual):
    assert usual == (SAMPLES / "usual-4.5mg.label.pdf").read_bytes()


@pytest.mark.parametrize(("strength", "line"), [
    ("0.5 mcg", "Naltrexone HCl 0.0005 mg capsules"),  # was "Naltrexone HCl 0 mg capsules"
    ("0.0015 mg", "Naltrexone HCl 0.0015 mg capsules"),  # was 0.002
    ("1.0625 mg", "Naltrexone HCl 1.0625 mg capsules"),
    ("4.50 mg", "Naltrexone HCl 4.5 mg capsules"),
], ids=["half-microgram", "0.0015", "1.0625", "no-trailing-zero"])
def test_the_strength_prints_exactly_as_ordered(strength, line):
    from compounding import plan_order
    from compounding.labeling import drug_line

    order = make_order(strength=strength, doses_per_day=2 if "mcg" in strength else 1)
    plan = plan_order(order)
    assert drug_line(plan) == line


def test_directions_are_written_from_the_sig_when_absent():
    # domain.md §10: 2 capsules per dose, twice daily -> "Take 2 capsules by mouth twice daily"
    order = make_order(**{**LABELLED, "directions": None, "strength": "1 mg"},
                       sig={"capsules_per_dose": 2, "doses_per_day": 2, "timing": None})
    assert "Take 2 capsules by mouth twice daily" in pdf.text(label_pdf(order))
