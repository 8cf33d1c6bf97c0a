"""The records store at the input boundary (security.md), on SQLite and PostgreSQL: lot grammar,
the counter never colliding, recall by any spelling, the pharmacy's time zone at the bench,
idempotent creation, long names, and reads whose cost does not grow with corrections."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert

from compounding import OrderError
from compounding.records import Conflict
from compounding.records.schema import batches
from compounding.records.store import RequestKey

from .people import TECH
from .test_records import BENCH, ORDER, PROFILE


def codes(exc_info) -> set[tuple[str, str]]:
    return {(e.code, e.field) for e in exc_info.value.errors}


@pytest.mark.parametrize(
    "lot", ["LDN/7", "ldn 7", "Lot-Ж", "LDN-\u00e9", 'LDN"7', "-LDN", "L" * 33, "LDN_7"])
def test_batch_lot_grammar(store, lot):
    # "/" made a record unreachable, a non-Latin-1 lot answered 500 on every reprint, '"'
    # changed the download's file name, 33+ characters were a 500 on PostgreSQL
    with pytest.raises(OrderError) as caught:
        store.create({**ORDER, "lot_number": lot}, PROFILE, TECH)
    assert codes(caught) == {("INVALID_LOT", "lot_number")}


def test_batch_lots_are_upper_cased_and_found_in_any_case(store):
    record = store.create({**ORDER, "lot_number": "ldn-7b"}, PROFILE, TECH)
    assert record.lot_number == "LDN-7B" and record.order.lot_number == "LDN-7B"
    assert store.get("ldn-7b").lot_number == "LDN-7B"


def test_an_order_may_not_take_the_counters_form(store):
    # an order's own 20261122-001 blocked the automatic numbering of the whole day (409s)
    with pytest.raises(OrderError) as caught:
        store.create({**ORDER, "lot_number": "20261122-001"}, PROFILE, TECH)
    assert codes(caught) == {("LOT_NUMBER_RESERVED", "lot_number")}
    assert store.create(ORDER, PROFILE, TECH).lot_number == "20261122-001"


def test_the_counter_skips_a_number_an_older_record_took(store):
    # a database from before the rule may hold an order's own automatic-form lot
    sample = store.create({**ORDER, "lot_number": "OLD-1"}, PROFILE, TECH)
    with store.engine.begin() as connection:
        connection.execute(insert(batches).values(
            lot_number="20261122-001", lot_date=date(2026, 11, 22), lot_seq=None,
            created_at=datetime(2026, 11, 22, tzinfo=UTC), patient_key="", patient_name=None,
            rx_number=None, order_json=sample.order.model_dump_json(),
            plan_json=sample.plan.model_dump_json(),
            profile_json=sample.profile.model_dump_json(), status="printed", revision=1))
    lots = [store.create(ORDER, PROFILE, TECH).lot_number for _ in range(2)]
    assert lots == ["20261122-002", "20261122-003"]


# as typed, lower case, zero-width space, non-breaking hyphen, en dash with spaces around
SPELLINGS = ["RCL-9", "rcl-9", "RCL\u200b-9", "RCL\u20119", " rcl\u20139 "]


def test_recall_finds_every_spelling_of_a_lot(store):
    # typed "rcl-9", with a zero-width space, with a non-breaking hyphen, with an en dash:
    # 3 of 5 affected batches were missed
    made = []
    for i, spelling in enumerate(SPELLINGS):
        order = {**ORDER, "source": {**ORDER["source"], "lot": spelling}}
        lot = store.create(order, PROFILE, TECH).lot_number
        if i % 2:  # some lots are entered at the bench, not in the order
            store.enter_bench(lot, {**BENCH, "source_lot": spelling}, TECH)
        made.append(lot)
    other = store.create(ORDER, PROFILE, TECH).lot_number
    for query in ("RCL-9", "rcl\u20119", "RCL\u200b-9"):
        page, total, after = store.recall(source_lot=query)
        assert [s.lot_number for s in page] == made and total == 5 and after is None
        assert other not in [s.lot_number for s in page]
    assert {s.lot_number for s in store.search(source_lot="rcl-9")} == set(made)


def test_recall_pages(store):
    made = [store.create({**ORDER, "filler": {**ORDER["filler"], "lot": "M-PAGE"}},
                         PROFILE, TECH).lot_number for _ in range(5)]
    first, total, after = store.recall(filler_lot="m-page", limit=2)
    second, _, after2 = store.recall(filler_lot="m-page", limit=2, after=after)
    third, _, after3 = store.recall(filler_lot="m-page", limit=2, after=after2)
    assert total == 5 and after3 is None
    assert [s.lot_number for s in first + second + third] == made
    assert first[0].patient == "Jane Q. Public"


def test_expiry_is_judged_on_the_pharmacys_date(store, compounding_day):
    # bench work at 03:00 UTC on 30 Nov is 21:00 on 29 Nov in Chicago (the profile's zone): a
    # filler lot expiring 30 Nov is still in date there; judged on the UTC date it was refused
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    compounding_day.move_to("2026-11-30T09:00:00-06:00")  # entered later that morning
    entry = {**BENCH, "compounded_at": "2026-11-30T03:00:00+00:00",
             "filler_expiry": "2026-11-30"}
    assert store.enter_bench(lot, entry, TECH).status == "compounded"
    late = store.create(ORDER, PROFILE, TECH).lot_number
    with pytest.raises(OrderError) as caught:  # 07:00 UTC on 30 Nov is 01:00 in Chicago
        store.enter_bench(late, {**entry, "compounded_at": "2026-11-30T07:00:00+00:00"}, TECH)
    assert codes(caught) == {("COMPONENT_EXPIRED", "filler_expiry")}


def test_bench_work_dated_after_today_is_refused(store, compounding_day):
    # a bench entry dated 2027-03-01 for a batch made on 2026-12-03 printed "Filled 2027-03-01"
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    compounding_day.move_to("2026-12-03T23:30:00-06:00")  # 05:30 UTC on 4 Dec
    for moment in ("2027-03-01T10:00:00+00:00", "2026-12-04T07:00:00+00:00"):  # 4 Dec, 01:00
        with pytest.raises(OrderError) as caught:
            store.enter_bench(lot, {**BENCH, "compounded_at": moment}, TECH)
        assert codes(caught) == {("BENCH_DATE_IN_FUTURE", "compounded_at")}
    # 05:00 UTC on 4 Dec is still 3 Dec in Chicago, the pharmacy's today
    record = store.enter_bench(lot, {**BENCH, "compounded_at": "2026-12-04T05:00:00+00:00"},
                               TECH)
    assert str(record.made.compounded_on) == "2026-12-03"


def test_the_same_request_makes_one_batch(store):
    key = RequestKey("test", "6f1c2b7e-retry", "digest-a")
    first = store.create(ORDER, PROFILE, TECH, request=key)
    again = store.create(ORDER, PROFILE, TECH, request=key)
    assert again.lot_number == first.lot_number and store.count() == 1
    with pytest.raises(Conflict) as caught:
        store.create(ORDER, PROFILE, TECH, request=key._replace(digest="digest-b"))
    assert codes(caught) == {("IDEMPOTENCY_KEY_REUSED", 'headers["Idempotency-Key"]')}
    assert store.count() == 1
    other = store.create(ORDER, PROFILE, TECH, request=key._replace(key="another"))
    assert other.lot_number != first.lot_number


def test_long_unicode_patient_names_are_kept_and_found(store):
    # NFKC of "ﷺ" is 18 characters: a 120-character name became a 2160-character key, a 500
    # on PostgreSQL (its column holds 160)
    name = "\ufdfa" * 120
    record = store.create({**ORDER, "patient": {"name": name}}, PROFILE, TECH)
    assert store.get(record.lot_number).order.patient.name == name
    assert [s.lot_number for s in store.search(patient=name)] == [record.lot_number]


def test_reading_a_record_does_not_grow_with_its_corrections(store):
    # 81 corrections of 1 000 capsule weights each took 2.2 s and 15 MB to read
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    heavy = {**BENCH, "capsules_made": 33, "capsule_weights": ["130 mg"] * 33}
    store.enter_bench(lot, heavy, TECH)
    for i in range(40):
        store.correct(lot, {"reason": f"re-weighed {i}", "bench": heavy}, TECH)
    record = store.get(lot)
    loaded = [r for r in record.revisions if r.data is not None]
    assert len(record.revisions) == 42
    assert [r.action for r in loaded] == ["correction"]  # the bench entry as it reads now
    size = len(json.dumps(record.model_dump(mode="json")))
    # the record with its profile (the pharmacy's settings, about 20 KB once) and one entry:
    # the 41 replaced entries would be 40 × 2 KB more
    assert size < 22_000, size
    whole = store.get(lot, history=True)
    assert all(r.data is not None for r in whole.revisions if r.action != "printed")


def test_migration_0002_normalises_kept_lots_and_keeps_the_triggers(database_url):
    # a database of before: lots typed "rcl\u20119" and "RCL\u200b-9" in batch_lots
    from sqlalchemy import select, text, update
    from sqlalchemy.exc import DBAPIError

    from compounding.records import Store
    from compounding.records.db import make_engine
    from compounding.records.migrate import upgrade
    from compounding.records.schema import batch_lots

    from .people import KEY

    engine = make_engine(database_url)
    upgrade(engine, KEY, "0001")
    from compounding import plan_order

    order = json.dumps({**ORDER, "lot_number": "20261122-001"})
    plan, profile = plan_order(ORDER).model_dump_json(), PROFILE.model_dump_json()
    with engine.begin() as connection:
        for number, (lot, spelling) in enumerate([("20261122-001", "rcl\u20119"),
                                                  ("20261122-002", "RCL\u200b-9")], start=1):
            connection.execute(text(
                "INSERT INTO batches (id, lot_number, lot_date, lot_seq, created_at, "
                "patient_key, rx_number, order_json, plan_json, profile_json, status, revision)"
                " VALUES (:id, :lot, :day, :seq, :at, 'jane q. public', NULL, :order, :plan, "
                ":profile, 'printed', 1)"),
                {"id": number, "lot": lot, "day": date(2026, 11, 22), "seq": number,
                 "at": datetime(2026, 11, 22, tzinfo=UTC), "order": order, "plan": plan,
                 "profile": profile})
            connection.execute(text("INSERT INTO batch_lots (batch_id, component, lot) "
                                    "VALUES (:id, 'source', :lot)"),
                               {"id": number, "lot": spelling})
            connection.execute(text(
                "INSERT INTO revisions (batch_id, number, action, status, author, at, reason, "
                "data_json) VALUES (:id, 1, 'printed', 'printed', 'typed name', :at, NULL, "
                "'{}')"), {"id": number, "at": datetime(2026, 11, 22, tzinfo=UTC)})
    upgrade(engine, KEY)
    with engine.connect() as connection:
        assert set(connection.execute(select(batch_lots.c.lot)).scalars()) == {"RCL-9"}
        names = set(connection.execute(select(batches.c.patient_name)).scalars())
    assert names == {"Jane Q. Public"}
    store = Store(engine, KEY)
    assert [s.lot_number for s in store.recall(source_lot="rcl-9")[0]] == [
        "20261122-001", "20261122-002"]
    # migration 0003: the kept history is chained, its typed authors marked as such
    assert store.chain_problems() == []
    first = store.get("20261122-001").revisions[0]
    assert (first.author, first.author_id, first.signed_in) == ("typed name", None, False)
    for statement in (update(batch_lots).values(lot="X"),
                      update(batches).values(patient_name="X")):
        with pytest.raises(DBAPIError), engine.begin() as connection:
            connection.execute(statement)
    engine.dispose()
