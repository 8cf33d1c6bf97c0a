"""The patient label (domain.md §7; USP <17>): content, order, barcode, stock, fit, refusal."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from compounding import OrderError, UnacknowledgedFindings
from compounding.bench.labeling import Dispensing
from compounding.documents import label_pdf, labels_pdf
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
    # the container's essentials first (tracker issue 23), then what may move
    ordered = ["Jane Q. Public", "Naltrexone HCl 4.5 mg capsules",
               "Take 1 capsule by mouth at bedtime", "Qty: 30 capsules",
               "Discard after 2027-05-21", "Lot 20261122-001", "Refills: 2",
               "Prescriber: Dr. A. Example", "Filled 2026-11-22", "RPh ______",
               "Do not take with opioid pain, cough or diarrhea medicines",
               "Tell every doctor, dentist or surgeon that you take naltrexone",
               "Compounded preparation", "May cause vivid dreams", "Contains lactose",
               "Protect from light"]
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
ONE_STEP = ("Take 1 capsule by mouth at bedtime; if vivid dreams disturb sleep, take it in the "
            "morning instead")
LONG_NAME = "Maria-Fernanda de los Ángeles Ximena Gutiérrez-Villanueva y Hernández"
TITRATION = ("Take 1.5 mg at bedtime for 14 days, then 3 mg at bedtime for 14 days, then "
             "4.5 mg at bedtime for 14 days, then 4.5 mg nightly")


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
    assert "1. Take 1 capsule by mouth at bedtime for 14 days," in text and LONG_NAME in text
    size = {}
    for piece, points in found:
        size.setdefault(piece, points)
    assert min(size.values()) >= 6
    for piece, points in found:
        if piece.startswith(("1. Take 1 capsule", "2. then", "See the dosing", "Maria-Fernanda",
                             "Naltrexone HCl 2 mg")):
            assert points >= 11, piece
        if piece.startswith(("Do not take", "Compounded preparation", "May cause", "Store at")):
            assert points >= 7, piece


def test_what_does_not_fit_goes_on_an_auxiliary_label():
    # long directions under a long name fill a 4 x 2 in label: the container's label keeps
    # the essentials (quantity, BUD, lot, the opioid caution) and the rest continues on a
    # second label of the same stock, headed with the Rx number and the patient, never cut
    order = make_order(**LABELLED | {"directions": ONE_STEP, "patient": {"name": LONG_NAME},
                                     "strength": "2 mg"})
    document = label_pdf(order, PROFILE)
    pages = pdf.pages(document)
    assert len(pages) == 2
    first, second = (" ".join(p.extract_text().split()) for p in pages)
    assert f"{' '.join(ONE_STEP.split())} Qty: 30 capsules · Discard after 2027-05-21 · " \
           f"Lot 20261122-001 Do not take with opioid pain" in first
    assert second.startswith(f"Auxiliary label · Rx 100234 · {LONG_NAME} (continued)")
    assert "Prescriber: Dr. A. Example" in second and "Protect from light" in second
    assert "Discard after" not in second and "Do not take" not in second
    assert "PROOF — NOT FOR DISPENSING" in first and "PROOF — NOT FOR DISPENSING" in second


def test_directions_too_long_for_the_first_label_are_refused():
    # 6 lines of 11 pt directions under a long name do not fit a 3 x 2 in label with the
    # quantity, BUD, lot and opioid caution: refused, never shrunk (the label used to shrink
    # them to 7.6 pt)
    order = make_order(**LABELLED | {"directions": ONE_STEP + " and call the pharmacy with any "
                                     "questions about this medicine",
                                     "patient": {"name": LONG_NAME}, "strength": "2 mg"})
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
    assert "Qty: 30 capsules · Discard after 2026-12-01 · Lot 20261123-004" in text
    assert "Filled 2026-11-23" in text
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
    from compounding.bench.labeling import drug_line

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
    from compounding.bench.labeling import label_content
    from compounding.documents import label_text
    from compounding.documents.layout import lay_out
    from compounding.documents.stock import STOCKS, _barcode, _pdf_measure
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
        from compounding.orders.reading import parse_order

        parsed = parse_order(order)
        content = label_content(parsed, plan_order(parsed), pharmacy)
        [first, *_] = lay_out(content, STOCKS["4x2"].label, _pdf_measure(_barcode("100234")))
        lines = [line for block in first.header for line in block.lines]
    joined = [line.replace("\u00a0", " ") for line in lines]
    assert any("(217) 555-0142" in line for line in joined), joined
    assert not any(line.rstrip().endswith("(217)") for line in joined)


# -- what the container's label keeps, and where the rest goes (tracker issue 23) -------------

ESSENTIALS = ["Jane Q. Public", "Naltrexone HCl 4.5 mg capsules",
              "Take 1 capsule by mouth at bedtime", "Qty: 30 capsules",
              "Discard after 2027-05-21", "Lot 20261122-001", "Rx 100234",
              "Do not take with opioid pain, cough or diarrhea medicines. Tell every doctor, "
              "dentist or surgeon that you take naltrexone."]


def page_texts(document: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in pdf.pages(document)]


@pytest.mark.parametrize("name", ["4x2", "3x2"])
def test_the_container_label_keeps_its_essentials(name):
    # on 3 x 2 in the BUD, the lot and the opioid caution went to the auxiliary label
    first, *rest = page_texts(label_pdf(make_order(**LABELLED), stock(name)))
    for item in ESSENTIALS:
        assert item in first, item
    for label in rest:
        assert label.startswith("Auxiliary label · Rx 100234 · Jane Q. Public (continued)")
        assert "Discard after" not in label and "Do not take" not in label


def fitted(order: dict, name: str):
    from compounding.bench.labeling import label_content
    from compounding.documents.blocks import _Body
    from compounding.documents.layout import _first
    from compounding.documents.stock import _barcode, _pdf_measure
    from compounding.orders.reading import parse_order
    from compounding.plan import plan_order

    parsed = parse_order(order)
    content = label_content(parsed, plan_order(parsed, PROFILE.settings), PROFILE.pharmacy)
    size = STOCK_SIZES[name]
    m = _pdf_measure(_barcode(content.rx_number))
    body = _Body(content, size[0] - 10, m)
    return body, _first(content, size, m, body, False)


STOCK_SIZES = {"4x2": (288.0, 144.0), "3x2": (216.0, 144.0)}


SHORT = "Take 1 capsule by mouth at bedtime"


@pytest.mark.parametrize(("name", "patient", "directions", "prescriber"), [
    ("4x2", "Jane Q. Public", SHORT, "Dr. A. Example"),
    ("4x2", LONG_NAME, SHORT, "Dr. A. Example"),
    ("4x2", "Jane Q. Public", ONE_STEP, "Dr. A. Example"),
    ("4x2", LONG_NAME, ONE_STEP, "Dr. A. Example"),
    ("4x2", "Jane Q. Public", ONE_STEP, "Dr. Alexandra Bartholomew-Featherstonehaugh, MD"),
    ("3x2", "Jane Q. Public", SHORT, "Dr. A. Example"),
    ("3x2", "Jane Q. Public", SHORT, "Dr. Alexandra Bartholomew-Featherstonehaugh, MD"),
], ids=["4x2", "4x2-long-name", "4x2-long-directions", "4x2-both-long",
        "4x2-long-prescriber", "3x2", "3x2-long-prescriber"])
def test_no_sentence_moves_that_would_fit(name, patient, directions, prescriber):
    # the rest of the label used to move whole, from the first block that did not fit: a short
    # sentence after a long one went to the auxiliary label though it fitted
    from compounding.documents.blocks import _height

    body, first = fitted(make_order(**LABELLED | {"patient": {"name": patient},
                                                  "prescriber": {"name": prescriber},
                                                  "directions": directions}), name)
    order = [*body.details, *body.cautions]
    kept = first.details + first.cautions
    assert [u for u in order if u in kept] == kept  # in their order, nothing added
    assert _height(first.laid.blocks) <= first.room
    for unit in first.moved_details + first.moved_cautions:
        details = [u for u in body.details if u in first.details or u is unit]
        cautions = [u for u in body.cautions if u in first.cautions or u is unit]
        assert _height(body.first(details, cautions)) > first.room, unit.text
    # whole sentences: each moved caution is a sentence of the label's cautions
    for unit in first.moved_cautions:
        assert unit.text.endswith(".") and unit.text[0].isupper()


def test_a_label_that_fits_has_no_auxiliary_label(usual):
    assert len(pdf.pages(usual)) == 1


def test_a_titration_prints_a_dosing_schedule_label(tmp_path):
    # a titration of four steps was refused (LABEL_TOO_LONG); its steps now go on a dosing
    # schedule label, and the container's label says where they are
    order = make_order(**LABELLED | {"strength": "1.5 mg", "directions": TITRATION})
    batch = Dispensing(lot="20261122-001", filled=date(2026, 11, 22),
                       discard_after=date(2027, 5, 21))
    for name in ("4x2", "3x2"):
        document = label_pdf(order, stock(name), batch)
        first, schedule, *rest = page_texts(document)
        assert "Naltrexone HCl 1.5 mg capsules See the dosing schedule label Qty: 30" in first
        assert "Take 1.5 mg" not in first
        assert schedule == ("Dosing schedule · Rx 100234 · Jane Q. Public "
                            "1. Take 1.5 mg at bedtime for 14 days, "
                            "2. then 3 mg at bedtime for 14 days, "
                            "3. then 4.5 mg at bedtime for 14 days, "
                            "4. then 4.5 mg nightly")
        assert all(label.startswith("Auxiliary label") for label in rest)
        assert pdf.overlaps(document) == []  # a dispensing label: no proof band over text
        (tmp_path / name).mkdir()
        images = pdf.render(document, tmp_path / name, dpi=300)
        assert pdf.barcodes(images[0]) == ["100234"] and pdf.barcodes(images[1]) == []
    # the steps print at the directions' size
    found = sizes_of(label_pdf(order, PROFILE, batch))
    assert all(points >= 11 for piece, points in found if piece[:2] in ("1.", "2.", "3.", "4."))


def test_the_schedule_steps_are_the_directions_as_written():
    from compounding.bench.labeling import dosing_steps

    steps = dosing_steps(TITRATION)
    assert len(steps) == 4 and " ".join(steps) == TITRATION
    assert dosing_steps("Take 1 capsule by mouth at bedtime") == ()


def test_only_what_cannot_print_is_too_long():
    # one step that does not fit a label of its own is still refused, naming the directions
    step = "Take 1 capsule " + "very " * 60 + "slowly"
    with pytest.raises(OrderError) as caught:
        label_pdf(make_order(**LABELLED | {"directions": f"{step}, then 2 capsules daily",
                                           "strength": "1.5 mg"}), stock("3x2"))
    [error] = assert_error_body(caught.value.to_json(), 422)
    assert (error["code"], error["field"]) == ("LABEL_TOO_LONG", "directions")
    assert "dosing schedule label" in error["message"]


def dark_box(path, box: tuple[int, int, int, int]) -> float:
    """Share of near-black pixels in ``box`` (left, top, right, bottom) of the image."""
    with Image.open(path) as image:
        gray = image.convert("L").crop(box)
        return sum(1 for v in gray.tobytes() if v < 60) / (gray.width * gray.height)


def test_a_reprint_is_marked_on_every_label_of_every_copy(tmp_path):
    order = make_order(**LABELLED | {"strength": "1.5 mg", "directions": TITRATION})
    batch = Dispensing(lot="20261122-001", filled=date(2026, 11, 22),
                       discard_after=date(2027, 5, 21))
    once = page_texts(label_pdf(order, stock("3x2"), batch))
    again = label_pdf(order, stock("3x2"), batch, reprint=True, copies=3)
    pages = page_texts(again)
    assert len(pages) == 3 * len(once)  # every copy a whole set, in order
    assert all(page.count("REPRINT") == 1 for page in pages)
    assert not any("REPRINT" in page for page in once)
    # the mark takes no room: the same lines, with REPRINT added
    assert [page.replace(" REPRINT", "") for page in pages] == once * 3
    assert pdf.overlaps(again) == []
    images = pdf.render(again, tmp_path, dpi=150)
    words = pdf.words(again)
    for image, page in zip(images, words, strict=True):
        [(_, x0, y0, x1, y1)] = [w for w in page if w[0] == "REPRINT"]
        scale = 150 / 72
        # white letters on a black box: the box around the word is mostly black
        assert dark_box(image, (round(x0 * scale), round(y0 * scale), round(x1 * scale),
                                round(y1 * scale))) > 0.5
    assert pdf.barcodes(images[0]) == ["100234"]


@pytest.mark.parametrize("rx", ["100234", "RX-2026-00001234"], ids=["short", "long"])
def test_a_reprint_is_laid_out_as_the_first_print(rx):
    # a long Rx number leaves no room beside it: the mark has a line of its own under it,
    # kept on the first print too, so a label that printed once always prints again
    batch = Dispensing(lot="20261122-001", filled=date(2026, 11, 22),
                       discard_after=date(2027, 5, 21))
    order = make_order(**LABELLED | {"rx_number": rx})
    once = label_pdf(order, PROFILE, batch)
    again = label_pdf(order, PROFILE, batch, reprint=True)
    assert [page.replace(" REPRINT", "") for page in page_texts(again)] == page_texts(once)
    first = [w for w in pdf.words(once)[0] if w[0] != "REPRINT"]
    assert [w for w in pdf.words(again)[0] if w[0] != "REPRINT"] == first
    assert pdf.overlaps(again) == []


def test_a_first_print_of_several_copies(tmp_path):
    document = label_pdf(make_order(**LABELLED), PROFILE, copies=2)
    assert page_texts(document)[0] == page_texts(document)[1]
    assert "REPRINT" not in pdf.text(document)


@pytest.mark.parametrize("copies", [0, 21, -1, True, 2.0])
def test_copies_are_1_to_20(copies):
    with pytest.raises(ValueError, match="1 to 20"):
        label_pdf(make_order(**LABELLED), PROFILE, copies=copies)


def test_a_record_is_kept_only_if_its_label_can_print():
    # the records run the documents' check on every order they keep (web/__init__.py): a label
    # that cannot print was found only when the verified batch's label was asked for
    from compounding.documents.printable import check
    from compounding.orders.reading import parse_order

    too_long = make_order(**LABELLED | {"patient": {"name": LONG_NAME}, "strength": "2 mg",
                                        "directions": ONE_STEP + " and call the pharmacy "
                                        "with any questions about this medicine",
                                        "concurrent_medications": ["methadone"]})
    with pytest.raises(OrderError) as caught:
        check(parse_order(too_long), stock("3x2"))  # whether or not its findings are signed
    [error] = assert_error_body(caught.value.to_json(), 422)
    assert (error["code"], error["field"]) == ("LABEL_TOO_LONG", "directions")
    # what prints on schedule and auxiliary labels is no reason to refuse
    titration = make_order(**LABELLED | {"strength": "1.5 mg", "directions": TITRATION})
    check(parse_order(titration), stock("3x2"))
    # a label item still missing is asked for when the label is printed, not here
    check(parse_order(make_order(**LABELLED | {"prescriber": None, "patient": {
        "name": LONG_NAME}, "directions": ONE_STEP})), stock("3x2"))


@pytest.mark.parametrize(("name", "letters"), [("4x2", 20), ("4x2", 36), ("4x2", 45),
                                               ("3x2", 5), ("3x2", 20)])
def test_an_auxiliary_label_only_when_the_first_is_full(name, letters):
    # with a 41-letter name on 4 x 2 in, "May cause vivid dreams. Contains lactose." went to the
    # auxiliary label with 16 pt free on the first: when there is an auxiliary label, the
    # first has less room left than one more line of 7 pt (8.05 pt) would take
    batch = Dispensing(lot="20261122-001", filled=date(2026, 11, 22),
                       discard_after=date(2027, 5, 21))
    order = make_order(**LABELLED | {"patient": {"name": "Jane " + "x" * letters}})
    document = label_pdf(order, stock(name), batch)
    first, *rest = pdf.words(document)
    if rest:
        lowest = max(y1 for _, _, _, _, y1 in first)
        assert 144 - 5 - lowest < 7 * 1.15 + 1, lowest
