"""The records store on SQLite and PostgreSQL: lots, history, bench entry, verification,
corrections, scrap, search, recall, reprints, append-only storage."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from compounding import OrderError
from compounding.documents import label_pdf, worksheet_pdf
from compounding.profile import load_profile
from compounding.records import Conflict, RecordNotFound

from . import pdf
from .helpers import LOTS_USED, make_order
from .people import KEY, RPH, RPH2, TECH

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
PROFILE = load_profile((SAMPLES / "pharmacy.toml").read_text(encoding="utf-8"))
ORDER = make_order(rx_number="100234", directions="Take 1 capsule by mouth at bedtime",
                   patient={"name": "Jane Q. Public"}, prescriber={"name": "Dr. A. Example"},
                   source={"lot": "N456"},
                   filler={"lot": "M789"})
BENCH = {"tablets_used": 3, "tablet_powder_actual": "748 mg", "filler_actual": "3581 mg",
         "capsules_made": 33,
         "capsule_weights": ["129 mg", "131 mg", "150 mg", "116.9 mg"] + ["130 mg"] * 29,
         "compounded_at": "2026-11-22T10:00:00+00:00", **LOTS_USED}


def approve(store, lot, signer=RPH, **changes):
    """A pharmacist's signed verification of the record as it stands."""
    return store.verify(lot, {"decision": "approve", **changes}, signer,
                        expected=store.get(lot).revision)


def errors(exc_info) -> set[tuple[str, str]]:
    return {(e.code, e.field) for e in exc_info.value.errors}


def test_lot_numbers_are_sequential_per_day(store):
    lots = [store.create(ORDER, PROFILE, TECH).lot_number for _ in range(3)]
    other = store.create({**ORDER, "compounded_on": "2026-11-23"}, PROFILE, TECH).lot_number
    assert lots == ["20261122-001", "20261122-002", "20261122-003"]
    assert other == "20261123-001"


def test_record_holds_order_plan_findings_and_its_author(store):
    record = store.create({**ORDER, "concurrent_medications": ["Percocet"]}, PROFILE, TECH)
    assert record.status == "printed" and record.revision == 1
    assert record.order.lot_number == record.lot_number
    assert record.plan.tablets == 3
    assert [f.code for f in record.unacknowledged] == ["OPIOID_COADMINISTRATION"]
    assert [(r.number, r.action, r.author, r.author_id, r.signed_in)
            for r in record.revisions] == [(1, "printed", "T. Tech", TECH.user_id, True)]


def test_an_acknowledgement_typed_into_an_order_is_not_a_signature(store):
    # "x" as name and reason acknowledged a critical finding: it is signed on the record now
    ack = {"code": "OPIOID_COADMINISTRATION", "pharmacist": "x", "reason": "x"}
    with pytest.raises(OrderError) as caught:
        store.create({**ORDER, "concurrent_medications": ["Percocet"],
                      "acknowledgements": [ack]}, PROFILE, TECH)
    assert errors(caught) == {("ACKNOWLEDGE_BY_SIGNATURE", "acknowledgements")}


def test_signatures_need_the_revision_they_sign(store):
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    store.enter_bench(lot, BENCH, TECH)
    with pytest.raises(OrderError) as caught:
        store.verify(lot, {"decision": "approve"}, RPH, expected=None)
    assert caught.value.status == 428
    assert errors(caught) == {("PRECONDITION_REQUIRED", 'headers["If-Match"]')}


def test_worksheet_shows_the_lot_and_reprints_identically(store):
    record = store.create(ORDER, PROFILE, TECH)
    original = worksheet_pdf(record.order, record.profile)
    assert f"Lot number {record.lot_number}" in pdf.text(original)
    again = store.get(record.lot_number)
    assert worksheet_pdf(again.order, again.profile) == original


def test_bench_verify_label(store):
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    record = store.enter_bench(lot, BENCH, TECH)
    assert record.status == "compounded" and record.revision == 2
    # 90-110 % of 130 mg is 117-143 mg: capsules 3 (150) and 4 (116.9) are flagged
    assert [f.field for f in record.flags] == ["capsule_weights[2]", "capsule_weights[3]"]
    assert record.bench.tablet_powder_actual == 748
    record = approve(store, lot)
    assert (record.status, record.revision) == ("verified", 3)
    label = label_pdf(record.labelled_order(), record.profile)
    assert "Jane Q. Public" in pdf.text(label)


@pytest.mark.parametrize(("entry", "expected"), [
    ({**BENCH, "tablet_powder_actual": "-5 mg"}, ("NOT_POSITIVE", "tablet_powder_actual")),
    ({**BENCH, "capsules_made": 40}, ("CAPSULES_EXCEED_BATCH", "capsules_made")),
    ({**BENCH, "capsules_made": 2}, ("WEIGHTS_EXCEED_CAPSULES", "capsule_weights")),
    ({**BENCH, "capsule_weights": ["130 mg", "0 mg"]}, ("NOT_POSITIVE", "capsule_weights[1]")),
    ({**BENCH, "source_expiry": "2026-10"}, ("COMPONENT_EXPIRED", "source_expiry")),
    ({**BENCH, "compounded_by": "J. Chen"}, ("TYPED_AUTHOR", "compounded_by")),
], ids=["negative-weight", "more-capsules-than-batch", "more-weights-than-capsules",
        "zero-capsule", "expired-component", "typed-compounder"])
def test_invalid_bench_entries_change_nothing(store, entry, expected):
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    with pytest.raises(OrderError) as caught:
        store.enter_bench(lot, entry, TECH)
    assert expected in errors(caught)
    assert store.get(lot).revision == 1 and store.get(lot).status == "printed"


def test_self_verification_forbidden_unless_allowed(store):
    # by user id: "J Chen" verified a batch "J. Chen, PharmD" compounded; a correction changed
    # the compounder's name first; a zero-width space or a Cyrillic letter got past the rule
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    store.enter_bench(lot, BENCH, RPH2)
    store.correct(lot, {"reason": "re-weighed", "bench": BENCH}, TECH, expected=2)
    for signer in (RPH2, RPH2.model_copy(update={"name": "J Chen"}),
                   RPH2.model_copy(update={"name": "J. Сhen\u200b"})):
        with pytest.raises(OrderError) as caught:
            approve(store, lot, signer)
        assert errors(caught) == {("SELF_VERIFICATION", "signature")}
    assert store.get(lot).revision == 3
    record = store.verify(lot, {"decision": "approve"}, RPH2, expected=3,
                          allow_self_verification=True)
    assert record.status == "verified"
    assert "self-verification" in record.revisions[-1].data["signature"]["meaning"]


def test_reject_needs_reason_then_correction_and_reverification(store):
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    store.enter_bench(lot, BENCH, TECH)
    with pytest.raises(OrderError) as caught:
        approve(store, lot, decision="reject")
    assert errors(caught) == {("REASON_REQUIRED", "reason")}
    approve(store, lot, decision="reject", reason="filler weight not recorded correctly")
    corrected = store.correct(lot, {"reason": "re-weighed filler",
                                    "bench": {**BENCH, "filler_actual": "3583 mg"}}, TECH)
    assert corrected.status == "compounded" and corrected.bench.filler_actual == 3583
    history = [(r.number, r.action, r.status, r.reason) for r in corrected.revisions]
    assert history == [
        (1, "printed", "printed", None), (2, "bench", "compounded", None),
        (3, "verification", "rejected", "filler weight not recorded correctly"),
        (4, "correction", "compounded", "re-weighed filler")]
    # a plain read leaves the replaced entry out; the whole history still has it, unchanged
    assert corrected.revisions[1].data is None
    whole = store.get(lot, history=True)
    assert whole.revisions[1].data["bench"]["filler_actual"]["value"] == 3581.0


def test_transitions(store):
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    with pytest.raises(OrderError) as caught:
        approve(store, lot)
    assert errors(caught) == {("INVALID_TRANSITION", "status")}
    assert caught.value.status == 409
    store.scrap(lot, {"reason": "spilled"}, RPH, expected=1)
    for attempt in (lambda: store.enter_bench(lot, BENCH, TECH),
                    lambda: store.scrap(lot, {"reason": "y"}, RPH, expected=2)):
        with pytest.raises(OrderError) as caught:
            attempt()
        assert errors(caught) == {("INVALID_TRANSITION", "status")}
    assert store.get(lot).status == "scrapped"


def test_stale_revision(store):
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    store.enter_bench(lot, BENCH, TECH, expected=1)
    with pytest.raises(Conflict) as caught:
        store.scrap(lot, {"reason": "y"}, RPH, expected=1)
    assert errors(caught) == {("STALE_REVISION", "revision")}


def test_acknowledgement_after_printing(store):
    lot = store.create({**ORDER, "concurrent_medications": ["methadone"]}, PROFILE, TECH).lot_number
    assert [f.code for f in store.get(lot).unacknowledged] == ["OPIOID_COADMINISTRATION"]
    with pytest.raises(OrderError):
        store.acknowledge(lot, {"code": "DOSE_ABOVE_LDN", "reason": "b"}, RPH, expected=1)
    record = store.acknowledge(lot, {"code": "OPIOID_COADMINISTRATION",
                                     "reason": "stopped 3 weeks"}, RPH, expected=1)
    assert record.unacknowledged == [] and record.status == "printed"
    acknowledged = record.labelled_order().acknowledgements[0]
    assert (acknowledged.reason, acknowledged.pharmacist) == ("stopped 3 weeks", RPH.name)
    signature = record.revisions[-1].data["signature"]
    assert signature["meaning"] == "acknowledged OPIOID_COADMINISTRATION:concurrent_medications[0]"
    assert (signature["user_id"], signature["licence"]) == (RPH.user_id, "RPH-10234")


def test_unknown_lot(store):
    with pytest.raises(RecordNotFound):
        store.get("20990101-001")
    with pytest.raises(RecordNotFound):
        store.enter_bench("20990101-001", BENCH, TECH)


def test_invalid_order_is_not_kept(store):
    with pytest.raises(OrderError):
        store.create(make_order(strength="60 mg"), PROFILE, TECH)
    assert store.count() == 0


def test_own_lot_number_kept_once(store):
    assert store.create({**ORDER, "lot_number": "EXT-1"}, PROFILE, TECH).lot_number == "EXT-1"
    with pytest.raises(Conflict) as caught:
        store.create({**ORDER, "lot_number": "EXT-1"}, PROFILE, TECH)
    assert errors(caught) == {("LOT_NUMBER_TAKEN", "lot_number")}


def test_search(store):
    def make(name, rx, day, lot):
        return store.create({**ORDER, "patient": {"name": name}, "rx_number": rx,
                             "compounded_on": day, "source": {**ORDER["source"], "lot": lot}},
                            PROFILE, TECH).lot_number

    a = make("Jane Q. Public", "1", "2026-11-01", "N1")
    b = make("JANE Doe", "2", "2026-11-10", "N2")
    c = make("Ольга Петрова", "3", "2026-11-20", "N1")
    store.enter_bench(c, BENCH, TECH)

    def lots(**criteria):
        return [s.lot_number for s in store.search(**criteria)]

    assert lots(patient="jane") == [b, a]
    assert lots(patient="jane q") == [a]
    assert lots(patient="ольга") == [c]
    assert lots(rx_number="2") == [b]
    assert lots(lot_number=a) == [a]
    assert lots(date_from=date(2026, 11, 5), date_to=date(2026, 11, 15)) == [b]
    assert lots(status="compounded") == [c]
    assert lots(source_lot="N1") == [c, a]
    assert [s.lot_number for s in store.recall(source_lot="N1")[0]] == sorted([a, c])
    assert [s.lot_number for s in store.recall(filler_lot="M789")[0]] == sorted([a, b, c])
    assert lots(patient="nobody") == []
    assert len(store.search(limit=2)) == 2 and lots(limit=2, offset=2) == [a]


def test_recall_finds_lots_entered_at_the_bench(store):
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    store.enter_bench(lot, {**BENCH, "source_lot": "N-BENCH-9"}, TECH)
    assert [s.lot_number for s in store.recall(source_lot="N-BENCH-9")[0]] == [lot]


@pytest.mark.parametrize("statement", [
    "UPDATE revisions SET author = 'someone else'",
    "DELETE FROM revisions",
    "DELETE FROM batches",
    "UPDATE batches SET order_json = '{}'",
    "UPDATE batch_lots SET lot = 'x'",
])
def test_records_are_append_only_in_the_database(store, statement):
    store.create(ORDER, PROFILE, TECH)
    with pytest.raises(Exception, match="append-only"), store.engine.begin() as connection:
        connection.execute(text(statement))


def test_export_import_round_trip(store, tmp_path):
    from compounding.records import Store

    first = store.create(ORDER, PROFILE, TECH).lot_number
    store.enter_bench(first, BENCH, TECH)
    store.create(ORDER, PROFILE, TECH)
    exported = list(store.export())
    target = Store.open(f"sqlite:///{tmp_path / 'copy.sqlite3'}", b"another pharmacy's key")
    # trusting the exporter's key, they stay live (tests/test_reads_and_imports.py), chained
    # anew under the target's key
    assert target.import_records(iter(json.loads(json.dumps(exported))), [KEY]) == 2
    unchained = [{k: v for k, v in r.items() if k != "chain"} for r in exported]
    assert [{k: v for k, v in r.items() if k != "chain"} for r in target.export()] == unchained
    assert not any(r["archived"] for r in unchained)
    with pytest.raises(Conflict):
        target.import_records(iter(exported[:1]))
    # the counter continues after the imported lots
    assert target.create(ORDER, PROFILE, TECH).lot_number == "20261122-003"


def _exported(store):
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    store.enter_bench(lot, BENCH, TECH)
    approve(store, lot)
    return json.loads(json.dumps(next(store.export())))


@pytest.mark.parametrize(("tamper", "problem"), [
    (lambda r: r["plan"].update(tablets=4), "its plan is not the plan of its order"),
    (lambda r: r.update(revisions=[r["revisions"][0], {**r["revisions"][2], "number": 2}],
                        revision=2),
     "revision 2: a verification cannot follow printed"),
    (lambda r: r["revisions"][2].update(author_id=TECH.user_id),
     "revision 3: verified by whoever entered the bench results"),
    (lambda r: r["revisions"][2].update(status="scrapped"),
     "revision 3 ends scrapped, but a verification leads to verified"),
    (lambda r: r.update(status="verified", revision=9),
     "its status or revision is not its last revision's"),
], ids=["made-up-plan", "verified-without-bench", "self-verified", "wrong-status",
        "head-not-history"])
def test_import_refuses_a_record_that_does_not_add_up(store, tmp_path, tamper, problem):
    # `compounding import` accepted a verified status with no bench entry and a made-up plan
    from compounding.records import Store

    record = _exported(store)
    tamper(record)
    target = Store.open(f"sqlite:///{tmp_path / 'target.sqlite3'}", b"another key")
    with pytest.raises(OrderError) as caught:
        target.import_records(iter([record]))
    assert ("IMPORT_REFUSED", "record") in errors(caught)
    assert any(problem in e.message for e in caught.value.errors), caught.value.errors
    assert target.count() == 0
