"""The release gate as a pharmacy meets it (domain.md §12-§13): the lots used at the bench and the
BUD worked out again from them, the dispensing label of a verified batch, proofs from an order,
the executed compounding record (page and PDF), and the reprint after an acknowledgement.

The batch is the domain's worked example (d = 4.5 mg, n = 30 + 2, size 3, W = 250 mg, F = 130 mg:
T = 3 tablets, 33 capsules to fill, QC 117-143 mg), compounded on 2026-11-22 in UTC; with
no component expiring sooner, its BUD is 2026-11-22 + 180 days = 2027-05-21 (USP <795>).
"""

from __future__ import annotations

import re
from collections import Counter
from fractions import Fraction
from html.parser import HTMLParser

import pytest

from compounding import OrderError
from compounding.bench.results import BenchEntry

from . import pdf
from .people import RPH, TECH, csrf, signature
from .test_records import BENCH, ORDER, PROFILE
from .test_web_api import check_error

OPIOID = "OPIOID_COADMINISTRATION:concurrent_medications[0]"


def approve(store, lot):
    return store.verify(lot, {"decision": "approve"}, RPH, expected=store.get(lot).revision)


# -- the lots used -------------------------------------------------------------------------------

@pytest.mark.parametrize("missing", ["source_lot", "source_expiry", "filler_lot", "filler_expiry",
                                     "capsule_lot", "capsule_expiry"])
def test_every_component_lot_and_expiry_is_required(store, missing):
    # missing component expiries raised nothing; a batch went out with no lot on record
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    with pytest.raises(OrderError) as caught:
        store.enter_bench(lot, {k: v for k, v in BENCH.items() if k != missing}, TECH)
    assert [(e.code, e.field) for e in caught.value.errors] == [("FIELD_REQUIRED", missing)]
    assert store.get(lot).revision == 1


def test_a_record_kept_before_lots_were_required_still_reads():
    entry = {k: v for k, v in BENCH.items() if not k.endswith(("_lot", "_expiry"))}
    assert BenchEntry.model_validate(entry, context={"stored": True}).source_lot is None


def test_the_bud_is_worked_out_again_from_the_lots_used(store):
    # the case: a filler lot expiring 2026-12-01 used at the bench; the label said
    # "Discard after 2027-05-21". BUD = min(2026-11-22 + 180 d = 2027-05-21, 2026-12-01)
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    record = store.enter_bench(lot, {**BENCH, "filler_expiry": "2026-12-01"}, TECH)
    assert str(record.beyond_use_date) == "2026-12-01"
    [shortened] = [f for f in record.flags if f.code == "BUD_SHORTENED_AT_BENCH"]
    assert shortened.severity.value == "info" and "2027-05-21 planned" in shortened.message
    assert "filler lot used expires 2026-12-01" in record.made.beyond_use_rationale
    record = approve(store, lot)
    label = pdf.text(_label(record))
    assert "Discard after 2026-12-01" in label and "2027-05-21" not in label


def test_the_bud_counts_from_the_day_of_the_bench_work(store, compounding_day):
    # planned on 2026-11-22, made on 2026-11-25: 2026-11-25 + 180 days = 2027-05-24
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    compounding_day.move_to("2026-11-25T10:00:00-06:00")
    store.enter_bench(lot, {**BENCH, "compounded_at": "2026-11-25T09:30:00+00:00"}, TECH)
    record = approve(store, lot)
    assert str(record.beyond_use_date) == "2027-05-24"
    assert not [f for f in record.flags if f.code == "BUD_SHORTENED_AT_BENCH"]
    text = pdf.text(_label(record))
    assert f"Discard after 2027-05-24 · Lot {lot}" in text and "Filled 2026-11-25" in text
    assert "PROOF" not in text


def test_a_month_only_expiry_means_the_last_day_of_the_month(store):
    # capsule shells "2027-02": 2027-02-28, before 2027-05-21
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    record = store.enter_bench(lot, {**BENCH, "capsule_expiry": "2027-02"}, TECH)
    assert str(record.beyond_use_date) == "2027-02-28"


def _label(record):
    from compounding.documents import label_pdf

    return label_pdf(record.order_for_label(), record.profile, record.dispensing())


# -- the approval gate and the bench's critical findings -----------------------------------------

def test_a_bench_critical_finding_is_acknowledged_by_its_id(store):
    # 6 tablets where the plan crushes 3: critical BENCH_TABLETS_MISMATCH; acknowledging it
    # is a signature on the record, and the batch still cannot be approved, only rejected
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    store.enter_bench(lot, {**BENCH, "tablets_used": 6}, TECH)
    record = store.acknowledge(lot, {"finding": "BENCH_TABLETS_MISMATCH:tablets_used",
                                     "reason": "re-counted: 3 tablets"}, RPH, expected=2)
    assert [f.id for f in record.unacknowledged] == []
    with pytest.raises(OrderError) as caught:
        approve(store, lot)
    assert [e.code for e in caught.value.errors] == ["BATCH_NOT_RELEASABLE"]


# -- the weight check (domain.md §21) -----------------------------------------------------------

def test_ten_of_ten_out_of_range_is_refused_as_short(store):
    # ten of ten weighed capsules outside 117-143 mg still released: each is set aside, and
    # 33 made less 10 cannot fill 30
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    with pytest.raises(OrderError) as caught:
        store.enter_bench(lot, {**BENCH, "capsule_weights": ["150 mg"] * 10}, TECH)
    assert [(e.code, e.field) for e in caught.value.errors] == [("BENCH_SHORT", "capsules_made")]


def test_a_weighed_sample_out_of_range_holds_the_batch_back(store):
    # 3 of 10 weighed outside the range (more than 1 in 10): the unweighed 23 are in doubt, a
    # critical finding that no acknowledgement releases; 33 − 3 set aside still fill 30
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    weights = ["150 mg", "110 mg", "150 mg"] + ["130 mg"] * 7
    record = store.enter_bench(lot, {**BENCH, "capsule_weights": weights}, TECH)
    [doubt] = [f for f in record.flags if f.code == "BENCH_WEIGHT_UNIFORMITY"]
    assert doubt.severity.value == "critical" and doubt.field == "capsule_weights"
    assert "3 of the 10 capsules weighed" in doubt.message
    store.acknowledge(lot, {"finding": doubt.id, "reason": "looked fine"}, RPH, expected=2)
    with pytest.raises(OrderError) as caught:
        approve(store, lot)
    assert [e.code for e in caught.value.errors] == ["BATCH_NOT_RELEASABLE"]


@pytest.mark.parametrize(("weights", "critical"), [
    (["116.9 mg"] + ["130 mg"] * 9, False),  # 1 in 10: at the limit, not past it
    (["116.9 mg", "143.1 mg"] + ["130 mg"] * 8, True),  # 2 in 10
    (["116.9 mg", "143.1 mg"] + ["130 mg"] * 31, False),  # every capsule weighed: set aside
])
def test_uniformity_is_judged_on_a_sample_only(store, weights, critical):
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    record = store.enter_bench(lot, {**BENCH, "capsule_weights": weights}, TECH)
    assert any(f.code == "BENCH_WEIGHT_UNIFORMITY" for f in record.flags) is critical


def test_capsules_set_aside_are_not_dispensed(store):
    # 30 made for 30, 3 outside the range: the label still read "Qty: 30"
    order = {**ORDER, "overage": {"capsules": 0}}
    lot = store.create(order, PROFILE, TECH).lot_number
    weights = ["150 mg", "110 mg", "144 mg"] + ["130 mg"] * 27
    with pytest.raises(OrderError) as caught:
        store.enter_bench(lot, {**BENCH, "capsules_made": 30, "capsule_weights": weights}, TECH)
    [short] = caught.value.errors
    assert (short.code, short.field) == ("BENCH_SHORT", "capsules_made")
    assert "less the 3 set aside" in short.message


def test_an_uneven_fill_is_a_warning():
    # mean 130 mg; squared deviations 400 + 0 + 400 + 100 + 100 + 5 × 0 = 1000; sample SD
    # √(1000 ÷ 9) = 10.54 mg; RSD 10.54 ÷ 130 = 8.11 % (domain.md §21)
    from compounding.bench.reconciliation import weight_statistics

    mean, rsd = weight_statistics([Fraction(w) for w in
                                   (110, 130, 150, 120, 140, 130, 130, 130, 130, 130)])
    assert mean == 130 and round(rsd, 2) == round((1000 / 9) ** 0.5 / 130 * 100, 2) == 8.11


def test_an_uneven_fill_is_flagged_at_the_bench(store):
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    # every capsule weighed, all inside 117-143 mg: 7 × (117, 143) and 19 × 130, mean 130 mg,
    # sample SD √(14 × 13² ÷ 32) = 8.60 mg, RSD 6.6 % > 6 %
    weights = ["117 mg", "143 mg"] * 7 + ["130 mg"] * 19
    record = store.enter_bench(lot, {**BENCH, "capsule_weights": weights}, TECH)
    [uneven] = [f for f in record.flags if f.code == "BENCH_WEIGHT_VARIATION"]
    assert uneven.severity.value == "warning" and "6.6 %" in uneven.message


def test_a_bud_cut_short_at_the_bench_warns_of_the_supply(store):
    # a filler lot expiring 17 days after the bench work on a 30-day supply gave only the info
    # BUD_SHORTENED_AT_BENCH; the plan itself warns of the same thing
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    record = store.enter_bench(lot, {**BENCH, "filler_expiry": "2026-12-09"}, TECH)
    codes = {f.code: f for f in record.flags}
    assert "BUD_SHORTENED_AT_BENCH" in codes
    supply = codes["BUD_SHORTER_THAN_SUPPLY"]
    assert supply.field == "beyond_use_date" and supply.severity.value == "warning"
    assert "30 capsules last 30 days from 2026-11-22, past the beyond-use date 2026-12-09" \
        in supply.message


# -- documents through the HTTP API ------------------------------------------------------------

@pytest.fixture
def lot(client) -> str:
    order = {**ORDER, "concurrent_medications": ["Percocet 5/325 mg"]}
    response = client.post("/api/v1/worksheet", json=order)
    assert response.status_code == 201
    return response.headers["X-Lot-Number"]


WEIGHTS = ["129 mg", "131 mg", "150 mg", "116.9 mg"] + ["130 mg"] * 29


def made(client, pharmacist, lot):
    """Bench results by the technician (every capsule weighed), the opioid acknowledged and
    the batch approved by a pharmacist."""
    bench = {**BENCH, "capsule_weights": WEIGHTS, "filler_expiry": "2026-12-01"}
    assert client.post(f"/api/v1/records/{lot}/bench", json=bench,
                       headers={"If-Match": '"1"'}).status_code == 200
    ack = {"finding": OPIOID, "reason": "Percocet stopped 2026-11-01",
           "signature": signature("rph")}
    assert pharmacist.post(f"/api/v1/records/{lot}/acknowledgements", json=ack,
                           headers={"If-Match": '"2"'}).status_code == 200
    approve_ = {"decision": "approve", "signature": signature("rph")}
    assert pharmacist.post(f"/api/v1/records/{lot}/verification", json=approve_,
                           headers={"If-Match": '"3"'}).status_code == 200


def test_the_executed_record_carries_everything_the_bench_entered(client, pharmacist, lot,
                                                                   tmp_path):
    errors = check_error(client.get(f"/api/v1/records/{lot}/record"), 409)
    assert errors[0]["code"] == "BATCH_NOT_COMPOUNDED"
    made(client, pharmacist, lot)
    response = client.get(f"/api/v1/records/{lot}/record")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf.text(response.data)
    assert text.startswith("Executed compounding record: Naltrexone HCl 4.5 mg capsules")
    # every capsule weight with its flag: 150 and 116.9 mg lie outside 117-143 mg
    assert len(re.findall(r"\b\d{1,2} (?:1[0-9]{2}(?:\.9)?) (?:in range|OUT OF RANGE)", text)) == 33
    assert "3 150 OUT OF RANGE" in text and "4 116.9 OUT OF RANGE" in text
    assert "33 capsules weighed of 33 made" in text
    # the strength made, by hand: drug = 748 × 4.5 / 22.5 = 149.6 mg in 748 + 3581 = 4329 mg
    # of blend; mean = (129 + 131 + 150 + 116.9 + 29 × 130) / 33 = 4296.9 / 33 = 130.2091 mg;
    # strength = 149.6 / 4329 × 130.209 = 4.4997 mg, 99.99 % of 4.5 mg
    assert "drug = 748 mg powder × 4.5 ÷ 22.5 = 149.6 mg" in text
    assert "blend = 748 + 3581 = 4329 mg" in text and "mean = 130.2091 mg" in text
    assert "= 4.4997 mg per capsule, 100 % of 4.5 mg" in text
    # lots and expiries used, the reconciled BUD, the acknowledgement and the signatures
    for used in ("N456", "2028-01-31", "M789", "2026-12-01", "C321", "2029-01-31"):
        assert used in text
    assert "2026-12-01: filler lot used expires 2026-12-01" in text
    assert "Acknowledged by R. Okafor, PharmD: Percocet stopped 2026-11-01" in text
    assert "acknowledged: opioid taken with naltrexone (concurrent medication 1)" in text
    assert "R. Okafor, PharmD RPH-10234 approved batch" in text
    assert "1 printed printed T. Tech" in text and "2 bench compounded T. Tech" in text
    assert "NOT ACKNOWLEDGED" not in text
    pdf.render(response.data, tmp_path, dpi=50)
    # the blank worksheet stays: its blanks, and the acknowledgement signed since it printed
    sheet = pdf.text(client.get(f"/api/v1/records/{lot}/worksheet").data)
    assert "Compounding record:" in sheet and "________" in sheet
    assert "NOT ACKNOWLEDGED" not in sheet and "Acknowledged by R. Okafor, PharmD" in sheet


def test_the_dispensing_label_and_the_proof(client, pharmacist, lot):
    made(client, pharmacist, lot)
    label = pharmacist.post(f"/api/v1/records/{lot}/label", json={})
    assert label.status_code == 200
    text = pdf.text(label.data)
    assert "PROOF" not in text and "Discard after 2026-12-01" in text and f"Lot {lot}" in text
    # a label from an order alone is a proof, whatever it says
    ack = [{"finding": OPIOID, "pharmacist": "R. Okafor", "reason": "stopped"}]
    proof = client.post("/api/v1/label", json={**ORDER, "concurrent_medications": ["Percocet"],
                                               "acknowledgements": ack})
    assert proof.status_code == 200
    assert "PROOF — NOT FOR DISPENSING" in pdf.text(proof.data)


# -- the record page -----------------------------------------------------------------------------

class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.targets: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if "id" in values:
            self.ids[values["id"]] += 1
        if tag == "label" and "for" in values:
            self.targets.append(values["for"])


def ids_of(page: str) -> _Ids:
    parser = _Ids()
    parser.feed(page)
    return parser


def test_the_record_page_shows_the_bench_results(client, pharmacist, lot):
    # the verified batch page showed none of the bench results
    made(client, pharmacist, lot)
    page = client.get(f"/records/{lot}").get_data(as_text=True)
    for shown in ("748 mg", "3581 mg", "33 made", "N456", "M789", "C321",
                  "4.5 mg per capsule", "100.0 % of the ordered strength", "2026-12-01",
                  "filler lot used expires 2026-12-01",
                  "Acknowledged by R. Okafor, PharmD: Percocet stopped 2026-11-01",
                  "Print the executed record (PDF)"):
        assert shown in page, shown
    assert page.count("<li") >= 33 and page.count("out of range</strong>") == 2
    assert client.get(f"/records/{lot}/record.pdf").status_code == 200


def test_every_label_on_the_record_page_focuses_its_own_field(client, pharmacist, lot):
    # three forms each had id="reason" and id="password": a label focused another form's field
    client.post(f"/api/v1/records/{lot}/bench", json=BENCH, headers={"If-Match": '"1"'})
    page = pharmacist.get(f"/records/{lot}").get_data(as_text=True)
    found = ids_of(page)
    assert [i for i, n in found.ids.items() if n > 1] == []
    assert found.targets and all(found.ids[t] == 1 for t in found.targets)
    assert {"ack-reason", "verify-reason", "ack-password"} <= set(found.ids)
    # the scrap form's fields come with its confirmation (tests/test_web_form.py)
    confirm = pharmacist.post(f"/records/{lot}/scrap", data={"csrf_token": csrf(pharmacist)})
    found = ids_of(confirm.get_data(as_text=True))
    assert [i for i, n in found.ids.items() if n > 1] == []
    assert {"scrap-reason", "scrap-password"} <= set(found.ids)


def test_no_text_prints_over_other_text(client, pharmacist, lot):
    # the executed record's QC table printed "OUT OF RANGE" over the next capsule numbers
    made(client, pharmacist, lot)
    documents = {"worksheet": client.get(f"/api/v1/records/{lot}/worksheet").data,
                 "executed record": client.get(f"/api/v1/records/{lot}/record").data,
                 "label": pharmacist.post(f"/records/{lot}/label.pdf", data={
                     "csrf_token": csrf(pharmacist, f"/records/{lot}")}).data}
    for name, document in documents.items():
        assert document.startswith(b"%PDF"), name
        assert pdf.words(document)[0], name
        assert pdf.overlaps(document) == [], name


# -- the tablet weight measured at the bench (domain.md §12) -----------------------------------

def test_a_heavier_lot_measured_at_the_bench_is_not_refused(store):
    # 3 tablets of a 260 mg lot give 780 mg of powder: refused as more than 3 × 250 × 1.02 =
    # 765 mg the order's W allows; with W measured, the limit is 3 × 260 × 1.02 = 795.6 mg
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    entry = {**BENCH, "tablet_powder_actual": "780 mg"}
    with pytest.raises(OrderError) as caught:
        store.enter_bench(lot, entry, TECH)
    assert caught.value.errors[0].code == "BENCH_POWDER_EXCEEDS_TABLETS"
    record = store.enter_bench(lot, {**entry, "tablet_weights": ["260 mg"] * 10}, TECH)
    assert record.status == "compounded"


def test_the_strength_made_uses_the_measured_tablet_weight(store):
    # a 225 mg lot read as 91.6 %: 675 mg of powder × 50/250 = 135 mg of drug. With W measured
    # (mean of 224, 226 and 8 × 225 = 225 mg): 675 × 50 / 225 = 150 mg of drug in 675 + 3658
    # = 4333 mg of blend; capsules of 130 mg mean: 150 / 4333 × 130 = 4.5003 mg (100.0 %)
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    entry = {**BENCH, "tablet_powder_actual": "675 mg", "filler_actual": "3658 mg",
             "capsule_weights": ["130 mg"] * 33}
    measured = {**entry, "tablet_weights": ["224 mg", "226 mg"] + ["225 mg"] * 8}
    record = store.enter_bench(lot, measured, TECH)
    made = record.made.strength_mg
    assert made == Fraction(150) / 4333 * 130 and round(float(made), 4) == 4.5003
    assert not [f for f in record.flags if f.code.startswith("BENCH_STRENGTH")]
    other = store.create(ORDER, PROFILE, TECH).lot_number
    unmeasured = store.enter_bench(other, entry, TECH)
    assert round(float(unmeasured.made.percent), 1) == 90.0
