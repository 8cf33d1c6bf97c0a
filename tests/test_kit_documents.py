"""The documents of a capsule titration kit, read back as a person would (:mod:`tests.pdf`).

The kit of tests/test_kit_plan.py: 1.5 mg nightly for 14 days, 3 mg for 14 days, 4.5 mg for
30 days, started on Monday 23 November 2026, in white, blue and green shells (the sample
pharmacy's kit colours): days 1–14 run 23 November – 6 December, days 15–28 7–20 December,
days 29–58 21 December 2026 – 19 January 2027. Every batch's BUD is 2026-11-22 + 180 days =
2027-05-21. Each strength's label prints its own step and its colour; the kit label every step
with its dates; the calendar (58 days: longer than 8 weeks, so a row a week) each week; the
leaflet and its wallet card the patient's name.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from compounding import OrderError, UnacknowledgedFindings
from compounding.bench.labeling import SEE_KIT, SEE_KIT_SHORT, SEE_SCHEDULE, Dispensing
from compounding.documents import (
    calendar_pdf,
    kit_label_pdf,
    label_pdf,
    label_text,
    leaflet_pdf,
    worksheet_pdf,
)
from compounding.documents.printable import check_label_fits
from compounding.forms.kit import batch_orders
from compounding.orders.reading import parse_any
from compounding.profile import load_profile

from . import days, pdf
from .test_label import HOSTILE

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
PROFILE = load_profile((SAMPLES / "pharmacy.toml").read_text(encoding="utf-8"))
KIT = {"schedule": [{"dose": "1.5 mg", "days": 14}, {"dose": "3 mg", "days": 14},
                    {"dose": "4.5 mg", "days": 30}],
       "capsule": {"size": "3"}, "source": {"average_tablet_weight": "250 mg"},
       "compounded_on": "2026-11-22", "start_on": "2026-11-23", "rx_number": "100300",
       "patient": {"name": "Jane Q. Public"}, "prescriber": {"name": "Dr. A. Example"}}
STEPS = ["Days 1–14: take 1 white capsule (1.5 mg) by mouth at bedtime",
         "Days 15–28: take 1 blue capsule (3 mg) by mouth at bedtime",
         "Days 29–58: take 1 green capsule (4.5 mg) by mouth at bedtime"]
DATED = ["Days 1–14 (23 Nov – 6 Dec): take 1 white capsule (1.5 mg) by mouth at bedtime",
         "Days 15–28 (7 Dec – 20 Dec): take 1 blue capsule (3 mg) by mouth at bedtime",
         "Days 29–58 (21 Dec 2026 – 19 Jan 2027): take 1 green capsule (4.5 mg) by mouth at "
         "bedtime"]
COLOURS = ("white", "blue", "green")
LOTS = {"1.5 mg": Dispensing("20261122-001", date(2026, 11, 22), date(2027, 5, 21)),
        "3": "20261122-002",
        "4.5": Dispensing("20261122-003", date(2026, 11, 23), date(2027, 3, 1))}
LIQUID = json.loads((SAMPLES / "liquid-4.5mg.order.json").read_text(encoding="utf-8"))
LIQUID_TITRATION = {**{k: v for k, v in LIQUID.items()
                       if k not in ("strength", "days_supply", "sig")},
                    "schedule": KIT["schedule"]}


def kit(**changes) -> dict:
    return {**KIT, **changes}


def strengths(order: dict) -> list[dict]:
    return batch_orders(parse_any(order), PROFILE.settings)


def fields(zpl: str) -> str:
    """The text a ZPL label prints, its fields joined by spaces."""
    return " ".join(re.findall(r"\^FD(.*?)\^FS", zpl))


@pytest.fixture(scope="module")
def documents() -> dict[str, bytes]:
    with days.on_compounding_day():
        made = {f"label {b['strength']}": label_pdf(b, PROFILE) for b in strengths(KIT)}
        made |= {"kit label": kit_label_pdf(KIT, PROFILE), "calendar": calendar_pdf(KIT, PROFILE),
                 "leaflet": leaflet_pdf(KIT, PROFILE)}
        return made


def test_each_strengths_label_prints_the_steps_it_serves_and_its_colour(documents):
    for step, colour, (name, count) in zip(STEPS, COLOURS, [("1.5 mg", 14), ("3 mg", 14),
                                                            ("4.5 mg", 30)], strict=True):
        text = pdf.text(documents[f"label {name}"])
        assert step in text and f"Qty: {count} {colour} capsules" in text
        assert "Take 1 capsule by mouth at bedtime" not in text  # the steps, not the sig
        assert SEE_SCHEDULE not in text and SEE_KIT not in text
        assert f"Naltrexone HCl {name} capsules" in text


def test_steps_that_do_not_fit_the_label_go_to_the_kit_label_never_refused():
    """Combined, the one 1.5 mg batch serves all three steps (3 × 2 lines at 11 pt): no room
    on a 4 × 2 in label with what it must carry; it points to the kit label, which has them."""
    [batch] = strengths(kit(combine=True))
    text = pdf.text(label_pdf(batch, PROFILE))
    assert SEE_KIT in text and "Days 1–14" not in text and "Qty: 132 white capsules" in text
    kit_text = pdf.text(kit_label_pdf(kit(combine=True), PROFILE))
    assert ("Days 29–58 (21 Dec 2026 – 19 Jan 2027): take 3 white capsules (4.5 mg) by mouth "
            "at bedtime") in kit_text


def test_on_a_small_label_the_pointer_is_shorter_never_refused():
    """On 3 × 2 in stock not even one step fits the PDF label with what it must carry, nor
    the whole pointer at 11 pt: it says "See the kit label and calendar". The thermal
    printer's narrower barcode leaves the ZPL label room for the step."""
    small = PROFILE.model_copy(update={"label": PROFILE.label.model_copy(
        update={"stock": "3x2"})})
    batch = strengths(KIT)[2]
    check_label_fits(parse_any(batch), small)
    text = pdf.text(label_pdf(batch, small))
    assert f"{SEE_KIT_SHORT} Qty: 30 green capsules" in text and SEE_KIT not in text
    for dpi in (203, 300):
        printed = fields(label_text(batch, small, dpi=dpi))
        assert "Days 29–58: take 1 green capsule" in printed and "See the" not in printed


def test_a_strengths_zpl_label_prints_its_steps_and_its_lot():
    batch = strengths(KIT)[1]
    dispensing = Dispensing("20261122-002", date(2026, 11, 22), date(2027, 5, 21))
    zpl = label_text(batch, PROFILE, dispensing)
    printed = fields(zpl)
    assert "Days 15–28: take 1 blue capsule (3 mg) by mouth" in printed
    assert "Qty: 14 blue capsules · Discard after 2027-05-21 · Lot 20261122-002" in printed
    assert "PROOF" not in printed and SEE_SCHEDULE not in printed
    content = json.loads(label_text(batch, PROFILE, form="json"))
    assert content["kit_steps"] == [STEPS[1]] and content["directions"] == STEPS[1]


def test_the_worksheet_names_the_shell_with_its_colour():
    text = pdf.text(worksheet_pdf(strengths(KIT)[1], PROFILE))
    assert "Capsule size 3, blue gelatin" in text
    assert "Capsule shells: size 3, blue gelatin" in text
    assert "Directions " + STEPS[1] in text


def test_the_kit_label_lists_every_step_with_its_dates_from_the_start_day(documents):
    text = pdf.text(documents["kit label"])
    ordered = ["Rx 100300", "Jane Q. Public",
               "Naltrexone HCl capsules, titration kit: 1.5 mg white, 3 mg blue, 4.5 mg green",
               "Start on Monday 23 November 2026", *DATED,
               "Contents: 14 white capsules (1.5 mg) · 14 blue capsules (3 mg) · 30 green "
               "capsules (4.5 mg)", "Discard after 2027-05-21", "Prescriber: Dr. A. Example",
               "Do not take with opioid pain"]
    positions = [text.find(item) for item in ordered]
    assert -1 not in positions, [i for i, p in zip(ordered, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    assert "PROOF — NOT FOR DISPENSING" in text
    # a proof prints each batch's provisional lot, as that batch's own label does
    for batch in strengths(KIT):
        [lot] = re.findall(r"Lot (\d{8}-\w{4})", pdf.text(label_pdf(batch, PROFILE)))
        assert lot in text


def test_the_dispensing_kit_label_has_each_batchs_lot_and_the_earliest_bud():
    text = pdf.text(kit_label_pdf(KIT, PROFILE, LOTS))
    assert ("Lots: 1.5 mg white 20261122-001 · 3 mg blue 20261122-002 · 4.5 mg green "
            "20261122-003") in text
    assert "Discard after 2027-03-01 · Filled 2026-11-23" in text
    assert "PROOF" not in text
    in_order = [LOTS["1.5 mg"], Dispensing("L-2", date(2026, 11, 22), date(2027, 5, 21)),
                LOTS["4.5"]]
    assert "3 mg blue L-2" in pdf.text(kit_label_pdf(KIT, PROFILE, in_order))


@pytest.mark.parametrize("given", [{"1.5": "A", "3": "B"}, {"1.5": "A", "3": "B", "4.5": "C",
                                                            "6": "D"}, [LOTS["1.5 mg"]]])
def test_a_kit_label_needs_one_batch_for_each_strength(given):
    with pytest.raises(OrderError) as raised:
        kit_label_pdf(KIT, PROFILE, given)
    assert [e.field for e in raised.value.errors] == ["dispensing"]


def test_a_kit_label_names_what_it_lacks():
    with pytest.raises(OrderError) as raised:
        kit_label_pdf(kit(rx_number=None, prescriber=None), PROFILE)
    assert {(e.code, e.field) for e in raised.value.errors} == {
        ("FIELD_REQUIRED", "rx_number"), ("FIELD_REQUIRED", "prescriber.name")}


def test_a_long_schedule_goes_on_to_a_second_kit_label():
    """Twelve weekly steps of 1.5, 3 or 4.5 mg, all from 1.5 mg capsules: no 4 × 6 in label
    holds them at 11 pt; the rest goes on a second, headed "(continued)"."""
    steps = [{"dose": f"{1.5 * (1 + i % 3)} mg", "days": 7} for i in range(12)]
    document = kit_label_pdf(kit(schedule=steps, combine=True), PROFILE)
    pages = pdf.pages(document)
    assert len(pages) == 2 and (float(pages[0].mediabox.width),
                                float(pages[0].mediabox.height)) == (288, 432)
    text = pdf.text(document)
    assert "Kit label (continued) · Jane Q. Public" in text
    assert "Days 78–84 (8 Feb – 14 Feb): take 3 white capsules (4.5 mg)" in text


def test_the_calendar_of_the_kit_has_a_row_a_week_with_its_dates(documents):
    """58 days > 8 weeks: a row a week, counted within each step (days 57–58 end it)."""
    text = pdf.text(documents["calendar"])
    rows = ["Mon 23 Nov – Sun 29 Nov 1–7 1.5 mg 1 white capsule at bedtime",
            "Mon 7 Dec – Sun 13 Dec 15–21 3 mg 1 blue capsule at bedtime",
            "Mon 28 Dec 2026 – Sun 3 Jan 2027 36–42 4.5 mg 1 green capsule at bedtime",
            "Mon 18 Jan – Tue 19 Jan 57–58 4.5 mg 1 green capsule at bedtime"]
    positions = [text.find(row) for row in rows]
    assert -1 not in positions and positions == sorted(positions), positions
    assert "Start on Monday 23 November 2026; 58 days in all" in text
    assert "white capsules: 1.5 mg · blue capsules: 3 mg · green capsules: 4.5 mg" in text


def test_a_short_schedule_has_a_row_a_day():
    short = [{"dose": "1.5 mg", "days": 7}, {"dose": "3 mg", "days": 7}]
    text = pdf.text(calendar_pdf(kit(schedule=short), PROFILE))
    assert "Mon 23 Nov 1 1.5 mg 1 white capsule at bedtime" in text
    assert "Sun 29 Nov 7 1.5 mg 1 white capsule at bedtime" in text
    assert "Mon 30 Nov 8 3 mg 1 blue capsule at bedtime" in text
    assert "Sun 6 Dec 14 3 mg" in text and "15 " not in text.split("Sun 6 Dec 14")[1][:20]


def test_a_liquid_schedules_calendar_is_in_ml():
    """One bottle: 1.5, 3 and 4.5 mL of 1 mg/mL, from the compounding date (the day the
    tests run on, Sunday 22 November), or from the day asked for."""
    text = pdf.text(calendar_pdf(LIQUID_TITRATION, PROFILE))
    assert "Naltrexone HCl 1 mg/mL oral suspension" in text
    assert "Sun 22 Nov – Sat 28 Nov 1–7 1.5 mg 1.5 mL at bedtime" in text
    assert "Sun 6 Dec – Sat 12 Dec 15–21 3 mg 3 mL at bedtime" in text
    assert "Sun 20 Dec – Sat 26 Dec 29–35 4.5 mg 4.5 mL at bedtime" in text
    assert "Shake well before each dose" in text and "10 mL oral syringe" in text
    assert "capsule" not in text
    later = pdf.text(calendar_pdf(LIQUID_TITRATION, PROFILE, start_on=date(2026, 11, 23)))
    assert "Mon 23 Nov – Sun 29 Nov 1–7 1.5 mg 1.5 mL at bedtime" in later


def test_the_leaflet_tells_the_patient_what_matters_with_its_sources(documents):
    text = pdf.text(documents["leaflet"])
    for said in ("Information for Jane Q. Public", *DATED, "Vivid dreams",
                 "usually fade", "taking your dose in the morning",
                 "Ask your prescriber first", "Naltrexone blocks the effects of opioids",
                 "Carry a card saying that you take naltrexone",
                 "doctor, surgeon, dentist or emergency team",
                 # the storage of the batches' master formulation record
                 "Storage: Controlled room temperature 20-25 °C, in a tight, light-resistant "
                 "container; protect from light and moisture.",
                 "Do not use it after 21 May 2027", "I take naltrexone (an opioid blocker).",
                 "Name: Jane Q. Public", "Pharmacy: Riverside Compounding Pharmacy · (217) "
                 "555-0142"):
        assert said in text, said
    sources = text[text.rindex("Sources"):]
    for source in ("1. Younger J, Parkitny L, McLain D.", "2. Toljan K, Vrooman B.",
                   "3. Naltrexone hydrochloride tablets USP 50 mg (ReVia) prescribing "
                   "information", "LDN-CAPS-TAB-MCC, version 1", "<795>"):
        assert source in sources, source
    assert "usually fade as your body gets used to the medicine. [1, 2]" in text


def test_the_wallet_card_is_the_size_of_a_bank_card(documents):
    """Its text lies within 85.6 × 54 mm (242.6 × 153.1 pt), inside its cut line."""
    page = pdf.words(documents["leaflet"])[-1]
    texts = [w[0] for w in page]
    card = page[texts.index("I"):texts.index("Sources")]
    assert "Public" in texts[texts.index("I"):texts.index("Sources")]
    width = max(w[3] for w in card) - min(w[1] for w in card)
    height = max(w[4] for w in card) - min(w[2] for w in card)
    assert width <= 242.6 - 2 * 11.3 and height <= 153.1 - 2 * 11.3


def test_the_colours_are_on_every_document(documents):
    for name, document in documents.items():
        text = pdf.text(document).casefold()
        wanted = ([c for c, s in zip(COLOURS, ("1.5 mg", "3 mg", "4.5 mg"), strict=True)
                   if name == f"label {s}"] if name.startswith("label") else COLOURS)
        assert all(colour in text for colour in wanted), (name, wanted)


def test_the_documents_render(documents, tmp_path):
    for index, (name, document) in enumerate(documents.items()):
        folder = tmp_path / str(index)
        folder.mkdir()
        assert all(pdf.ink(image) > 0.005 for image in pdf.render(document, folder, dpi=40)), \
            name
    for name in ("calendar", "leaflet"):  # the labels' proof band prints over their text
        assert pdf.overlaps(documents[name]) == [], name
    kit_page = pdf.pages(documents["kit label"])[0]
    assert (float(kit_page.mediabox.width), float(kit_page.mediabox.height)) == (288, 432)


def test_a_name_with_markup_prints_exactly_once_escaped_on_every_document():
    hostile = kit(patient={"name": HOSTILE})
    for document in (kit_label_pdf(hostile, PROFILE), calendar_pdf(hostile, PROFILE),
                     leaflet_pdf(hostile, PROFILE), label_pdf(strengths(hostile)[0], PROFILE)):
        text = pdf.text(document)
        assert HOSTILE in text and "&amp;amp;" not in text
        assert b"/Subtype /Image" not in document
    assert pdf.text(leaflet_pdf(hostile, PROFILE)).count(HOSTILE) == 2  # heading and card


def test_patient_documents_wait_for_a_critical_finding_to_be_acknowledged():
    opioid = kit(concurrent_medications=["Percocet 5/325 mg"])
    for make in (kit_label_pdf, calendar_pdf, leaflet_pdf):
        with pytest.raises(UnacknowledgedFindings):
            make(opioid, PROFILE)
    signed = kit(concurrent_medications=["Percocet 5/325 mg"], acknowledgements=[
        {"code": "OPIOID_COADMINISTRATION", "pharmacist": "R. Okafor, PharmD",
         "reason": "Opioid stopped 2026-11-01"}])
    assert "Jane Q. Public" in pdf.text(leaflet_pdf(signed, PROFILE))


def test_a_kept_kits_documents_reprint_months_later(compounding_day):
    """A kit compounded on 22 November, reprinted on 1 March: the kit's own day stands (a new
    order dated so far back is refused, COMPOUNDED_ON_OUT_OF_RANGE)."""
    compounding_day.move_to("2027-03-01T10:00:00-06:00")
    with pytest.raises(OrderError) as raised:
        calendar_pdf(KIT, PROFILE)
    assert {e.code for e in raised.value.errors} == {"COMPOUNDED_ON_OUT_OF_RANGE"}
    assert "Mon 23 Nov" in pdf.text(calendar_pdf(KIT, PROFILE, kept=True))
    assert "Jane Q. Public" in pdf.text(leaflet_pdf(KIT, PROFILE, kept=True))
    assert "20261122-003" in pdf.text(kit_label_pdf(KIT, PROFILE, LOTS))
