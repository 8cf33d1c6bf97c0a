"""The patient label (domain.md §7; USP <17>): content, order, barcode, stock, fit, refusal."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from compounding import OrderError, UnacknowledgedFindings
from compounding.documents import label_pdf, labels_pdf
from compounding.labeling import Dispensing
from compounding.profile import Profile, load_profile

from . import days, pdf
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
    with days.on_compounding_day():
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
    [image] = pdf.render(usual, tmp_path, dpi=300)  # one label: everything fits 4 × 2 in
    assert pdf.barcodes(image) == ["100234"]
    assert pdf.ink(image) > 0.02


@pytest.mark.parametrize(("name", "size", "labels"), [
    ("4x2", (288, 144), 1), ("3x2", (216, 144), 2), ("letter", (612, 792), 1)])
def test_stocks(name, size, labels, tmp_path):
    # 3 × 2 in: what does not fit goes on an auxiliary label of the same stock
    document = label_pdf(make_order(**LABELLED | {"rx_number": "RX-77"}), stock(name))
    pages = pdf.pages(document)
    assert len(pages) == (labels if name != "letter" else 1)
    assert (float(pages[0].mediabox.width), float(pages[0].mediabox.height)) == size
    images = pdf.render(document, tmp_path, dpi=300)
    assert pdf.barcodes(images[0]) == ["RX-77"]


def test_letter_sheet_holds_ten(tmp_path):
    orders = [make_order(**LABELLED | {"rx_number": f"{100000 + i}"}) for i in range(11)]
    document = labels_pdf(orders, stock("letter"))
    assert len(pdf.pages(document)) == 2
    images = pdf.render(document, tmp_path, dpi=300)
    assert sorted(pdf.barcodes(images[0])) == [f"{100000 + i}" for i in range(10)]
    assert pdf.barcodes(images[1]) == ["100010"]


def test_base_order_states_the_equivalence():
    text = pdf.text(label_pdf(make_order(**LABELLED, strength="4.5 mg", strength_basis="base"),
                               PROFILE))
    # domain.md §13: what was ordered first; 4.5 × 37787/34141 = 4.9806 → 4.98 (3 figures)
    assert "Naltrexone 4.5 mg (as base) capsules = 4.98 mg naltrexone HCl" in text


def test_no_lactose_statement_without_lactose():
    text = pdf.text(label_pdf(make_order(**LABELLED, source={"excipients": ["crospovidone"]}),
                               PROFILE))
    assert "Contains lactose" not in text


def test_refused_while_critical_unacknowledged():
    order = make_order(**LABELLED, concurrent_medications=["sertraline", "Percocet 5/325 mg"])
    with pytest.raises(UnacknowledgedFindings) as caught:
        label_pdf(order, PROFILE)
    errors = assert_error_body(caught.value.to_json(), 409)
    assert [(e["code"], e["field"]) for e in errors] == [
        ("CRITICAL_UNACKNOWLEDGED", "concurrent_medications[1]")]
    assert "OPIOID_COADMINISTRATION" in errors[0]["message"]
    assert "Jane Q. Public" in pdf.text(label_pdf({**order, "acknowledgements": [ACK]}, PROFILE))


@pytest.mark.parametrize("missing", ["rx_number", "patient", "prescriber"])
def test_required_for_a_label(missing):
    # a label printed with no prescriber before (domain.md §13)
    with pytest.raises(OrderError) as caught:
        label_pdf(make_order(**{**LABELLED, missing: None}), PROFILE)
    field = {"patient": "patient.name", "prescriber": "prescriber.name"}.get(missing, missing)
    assert [(e["code"], e["field"]) for e in assert_error_body(caught.value.to_json(), 422)] == [
        ("FIELD_REQUIRED", field)]


LONG_DIRECTIONS = ("Take 1 capsule by mouth at bedtime for 14 days, then 2 capsules at bedtime; "
                   "if vivid dreams disturb sleep, take it in the morning instead and call the "
                   "pharmacy with any questions about this medicine")
LONG_NAME = "Maria-Fernanda de los Ángeles Ximena Gutiérrez-Villanueva y Hernández"


def sizes_of(document: bytes) -> list[tuple[str, float]]:
    """Every piece of text on every page, with the size it prints at [pt]."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.append((text.strip(), size * tm[0]))

    for page in pdf.pages(document):
        page.extract_text(visitor_text=visit)
    return found


def test_type_sizes_never_shrink():
    # domain.md §13: name, drug line and directions >= 11 pt, cautions >= 7 pt, nothing < 6 pt;
    # the label printed directions at 9.5 pt and the opioid caution at 5.8 pt
    order = make_order(**LABELLED | {"directions": LONG_DIRECTIONS, "patient": {"name": LONG_NAME},
                                     "strength": "2 mg"})
    document = label_pdf(order, PROFILE)
    text, found = pdf.text(document), sizes_of(document)
    assert " ".join(LONG_DIRECTIONS.split()) in text and LONG_NAME in text
    size = {}
    for piece, points in found:
        size.setdefault(piece, points)
    assert min(size.values()) >= 6
    for piece, points in found:
        if piece.startswith(("Take 1 capsule", "Maria-Fernanda", "Naltrexone HCl 2 mg")):
            assert points >= 11, piece
        if piece.startswith(("Do not take", "Compounded preparation", "May cause", "Store at")):
            assert points >= 7, piece


def test_what_does_not_fit_goes_on_an_auxiliary_label():
    # the long directions fill a 4 x 2 in label; the cautions continue on a second label of
    # the same stock, headed with the Rx number and the patient, never cut
    order = make_order(**LABELLED | {"directions": LONG_DIRECTIONS, "patient": {"name": LONG_NAME},
                                     "strength": "2 mg"})
    document = label_pdf(order, PROFILE)
    pages = pdf.pages(document)
    assert len(pages) == 2
    first, second = (" ".join(p.extract_text().split()) for p in pages)
    assert first.endswith(f"{' '.join(LONG_DIRECTIONS.split())} PROOF — NOT FOR DISPENSING")
    assert second.startswith(f"Auxiliary label · Rx 100234 · {LONG_NAME} (continued)")
    assert "Discard after 2027-05-21" in second and "Protect from light" in second
    assert "PROOF — NOT FOR DISPENSING" in first and "PROOF — NOT FOR DISPENSING" in second


def test_directions_too_long_for_the_first_label_are_refused():
    # 6 lines of 11 pt directions under a long name do not fit a 3 x 2 in label: refused,
    # never shrunk (the label used to shrink them to 7.6 pt)
    order = make_order(**LABELLED | {"directions": LONG_DIRECTIONS, "patient": {"name": LONG_NAME},
                                     "strength": "2 mg"})
    with pytest.raises(OrderError) as caught:
        label_pdf(order, stock("3x2"))
    [error] = assert_error_body(caught.value.to_json(), 422)
    assert (error["code"], error["field"]) == ("LABEL_TOO_LONG", "directions")
    assert "11 pt" in error["message"]


def test_a_label_from_an_order_alone_is_a_proof(usual):
    # `compounding label` and POST /api/v1/label printed patient labels for batches never made
    assert "PROOF — NOT FOR DISPENSING" in pdf.text(usual)


def test_a_dispensing_label_carries_the_batch(tmp_path):
    # a verified batch's lot, the day of the bench work and the BUD from the lots used
    batch = Dispensing(lot="20261123-004", filled=date(2026, 11, 23),
                       discard_after=date(2026, 12, 1))
    document = label_pdf(make_order(**LABELLED), PROFILE, batch)
    text = pdf.text(document)
    assert "PROOF" not in text
    assert "Filled 2026-11-23 · Discard after 2026-12-01 · Lot 20261123-004" in text
    [image] = pdf.render(document, tmp_path, dpi=300)
    assert pdf.barcodes(image) == ["100234"]


def test_the_proof_band_is_printed_across_the_label(tmp_path):
    # rendered: red across the middle row of a proof, none on a dispensing label
    def red_in_the_middle(document: bytes, name: str) -> int:
        (tmp_path / name).mkdir()
        [path] = pdf.render(document, tmp_path / name, dpi=72)
        with Image.open(path) as image:
            rgb = image.convert("RGB")
            width, height = rgb.size
            row = [rgb.getpixel((x, height // 2)) for x in range(width)]
        return sum(1 for r, g, b in row if r > g + 20 and r > b + 20)  # red or pink

    order = make_order(**LABELLED)
    batch = Dispensing(lot="20261122-001", filled=date(2026, 11, 22),
                       discard_after=date(2027, 5, 21))
    assert red_in_the_middle(label_pdf(order, PROFILE), "proof") == 288  # the whole width
    assert red_in_the_middle(label_pdf(order, PROFILE, batch), "dispensing") == 0


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
        labels_pdf([good, bad], PROFILE)


HOSTILE = '<b>Bold</b> & Co &amp; <img src="http://example.invalid/x.png"> <unbalanced'


@pytest.mark.parametrize("name", ["José Zoë", "Łukasz Wójcik", "Ольга Петрова", "Nguyễn Văn An",
                                  HOSTILE])
def test_names_print_exactly(name, tmp_path):
    document = label_pdf(make_order(**LABELLED | {"patient": {"name": name}}), PROFILE)
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
    assert "Take 2 capsules by mouth twice daily" in pdf.text(label_pdf(order, PROFILE))


@pytest.mark.parametrize("form", ["pdf", "zpl"])
def test_the_phone_number_never_breaks_across_lines(form):
    # "(217)" ended one line and "555-0142" began the next
    from compounding.documents import label_text
    from compounding.documents.label import STOCKS, _barcode, _pdf_measure, lay_out
    from compounding.labeling import label_content
    from compounding.plan import plan_order

    # an address of this length put the line break inside the phone number, on both printers
    pharmacy = PROFILE.pharmacy.model_copy(update={
        "address": "12 Mill Street, Springfield, IL 62701 Suite" + "x" * 10})
    profile = PROFILE.model_copy(update={"pharmacy": pharmacy})
    order = make_order(**LABELLED)
    if form == "zpl":
        text = label_text(order, profile, form="zpl")
        lines = re.findall(r"\^FD(.*?)\^FS", text)
    else:
        from compounding.orders import parse_order

        parsed = parse_order(order)
        content = label_content(parsed, plan_order(parsed), pharmacy)
        [first, *_] = lay_out(content, STOCKS["4x2"].label, _pdf_measure(_barcode("100234")))
        lines = [line for block in first.header for line in block.lines]
    joined = [line.replace("\u00a0", " ") for line in lines]
    assert any("(217) 555-0142" in line for line in joined), joined
    assert not any(line.rstrip().endswith("(217)") for line in joined)
