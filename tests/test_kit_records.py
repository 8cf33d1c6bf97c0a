"""Titration kits kept: one batch record per strength, tied together by the kit, on SQLite and
PostgreSQL; the kit released only once every batch in it is verified; refused whole, with
nothing kept, when any strength is; its tamper evidence; and the kit API.

The kit is tests/test_kit_plan.py's: 1.5 mg nightly for 14 days, 3 mg for 14 days, then 4.5 mg
for 30 days, as 14, 14 and 30 capsules (overage 1, 1 and 2) in white, blue and green shells
(samples/pharmacy.toml's kit colours), started 23 November, compounded on 2026-11-22.
"""

from __future__ import annotations

import jsonschema
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from compounding import OrderError
from compounding.display import show
from compounding.errors import ErrorDetail
from compounding.records.queue import work_queue

from . import pdf
from .helpers import LOTS_USED
from .people import RPH, TECH, signature
from .test_records import PROFILE
from .test_roles import application_url  # noqa: F401  (a fixture)
from .test_web_api import schema

KIT = {"schedule": [{"dose": "1.5 mg", "days": 14}, {"dose": "3 mg", "days": 14},
                    {"dose": "4.5 mg", "days": 30}],
       "capsule": {"size": "3"}, "source": {"average_tablet_weight": "250 mg", "lot": "N456"},
       "filler": {"lot": "M789"}, "start_on": "2026-11-23", "rx_number": "100777",
       "patient": {"name": "Jane Q. Public"}, "prescriber": {"name": "Dr. A. Example"}}
LINES = ["Days 1–14: take 1 white capsule (1.5 mg) by mouth at bedtime",
         "Days 15–28: take 1 blue capsule (3 mg) by mouth at bedtime",
         "Days 29–58: take 1 green capsule (4.5 mg) by mouth at bedtime"]


def mg(value) -> str:
    return f"{show(value, 6)} mg"


def bench(plan) -> dict:
    """The bench entry of a batch made exactly as planned (a trituration's stages too)."""
    entry = {"tablets_used": plan.tablets, "tablet_powder_actual": mg(plan.tablet_powder),
             "filler_actual": mg(plan.filler_total), "capsules_made": plan.capsules_to_fill,
             "capsule_weights": [mg(plan.fill_weight)] * 10,
             "compounded_at": "2026-11-22T10:00:00+00:00", **LOTS_USED}
    if plan.trituration:
        entry["trituration"] = [{"filler": mg(s.filler_added)} for s in plan.trituration]
        entry["aliquot_actual"] = mg(plan.trituration[-1].aliquot)
    return entry


def benched(store, lot):
    return store.enter_bench(lot, bench(store.get(lot).plan), TECH)


def approve(store, lot, **changes):
    return store.verify(lot, {"decision": "approve", **changes}, RPH,
                        expected=store.get(lot).revision)


def test_a_kit_is_three_batches_released_only_when_the_third_is_verified(store):
    kit = store.create_kit(KIT, PROFILE, TECH)
    assert kit.id == 1 and kit.author == "T. Tech" and kit.author_id == TECH.user_id
    assert kit.lots == ["20261122-001", "20261122-002", "20261122-003"]
    assert [(b.shell_colour, b.capsules, b.kit_steps) for b in kit.batches] == [
        ("white", 14, LINES[:1]), ("blue", 14, LINES[1:2]), ("green", 30, LINES[2:])]
    assert kit.kit_directions == LINES and str(kit.start_on) == "2026-11-23"
    records = [store.get(lot) for lot in kit.lots]  # each kept as a capsule batch is
    assert [(r.plan.strength, r.plan.overage_capsules, r.order.capsule.shell, r.status)
            for r in records] == [(1.5, 1, "gelatin, white", "printed"),
                                  (3, 1, "gelatin, blue", "printed"),
                                  (4.5, 2, "gelatin, green", "printed")]
    assert {r.plan.mfr.id for r in records} == {"LDN-CAPS-TAB-MCC"}
    assert kit.status == "open" and len(kit.held) == 3
    assert {s.kit_id for s in store.search()} == {1}
    assert {w.kit_id for w in work_queue(store, kit.start_on)["compound"]} == {1}

    first, second, third = kit.lots
    approve(store, benched(store, first).lot_number)
    store.verify(benched(store, second).lot_number,
                 {"decision": "reject", "reason": "capsules short-filled"}, RPH,
                 expected=store.get(second).revision)
    held = store.kit(1)
    assert held.status == "open"
    assert held.held == [f"3 mg (blue), lot {second}: rejected at verification: correct its "
                         f"bench entry and have it verified again",
                         f"4.5 mg (green), lot {third}: not compounded yet"]
    store.correct(second, {"reason": "re-weighed", "bench": bench(store.get(second).plan)}, TECH,
                  expected=store.get(second).revision)
    approve(store, second)
    approve(store, benched(store, third).lot_number)
    released = store.kit(1)
    assert (released.status, released.held) == ("released", [])
    assert [b.status for b in released.batches] == ["verified"] * 3
    assert store.kit_problems() == [] and store.chain_problems() == []


def test_a_kit_refused_by_one_strength_keeps_nothing(store):
    # the order's checks refuse the 3 mg batch alone: no batch, no kit, no lot number is used
    def no_three(order, profile):
        if order.strength == 3:
            raise OrderError([ErrorDetail("INVALID_VALUE", "capsule.shell",
                                          "no blue shells in stock")])

    store.checks.append(no_three)
    with pytest.raises(OrderError) as refused:
        store.create_kit(KIT, PROFILE, TECH)
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("capsule.shell", "3 mg capsules: no blue shells in stock")]
    store.checks.remove(no_three)
    # a failure while writing the third batch takes the first two back with it
    insert = type(store)._insert_batch
    calls = []

    def third_fails(self, *args):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return insert(self, *args)

    type(store)._insert_batch = third_fails
    try:
        with pytest.raises(RuntimeError):
            store.create_kit(KIT, PROFILE, TECH)
    finally:
        type(store)._insert_batch = insert
    assert store.count() == 0 and store.kit_problems() == []
    with pytest.raises(OrderError):
        store.kit(1)
    assert store.create_kit(KIT, PROFILE, TECH).lots[0] == "20261122-001"


def test_a_kit_is_fixed_once_kept_and_its_tampering_is_seen(store):
    kit = store.create_kit(KIT, PROFILE, TECH)
    for statement in ("UPDATE kits SET author = 'someone else'", "DELETE FROM kit_batches",
                      "DELETE FROM kits"):
        with pytest.raises(DBAPIError), store.engine.begin() as connection:
            connection.execute(text(statement))
    if store.engine.dialect.name != "sqlite":
        return
    with store.engine.begin() as connection:  # as an intruder who can drop a trigger
        connection.execute(text("DROP TRIGGER kits_no_update"))
        connection.execute(text("UPDATE kits SET start_on = '2026-12-01'"))
    tampered = store.kit(kit.id)
    assert tampered.chain_problem and tampered.status == "open"
    assert store.kit_problems() == [f"kit {kit.id}: its order, plan or batches were changed, "
                                    f"or it was written without the chain key"]


def test_the_kit_api_from_order_to_kit_label(client, pharmacist):
    bad = client.post("/api/v1/kits", json={**KIT, "schedule": [{"dose": "1.5 mg"}]})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.get_json()["errors"]] == ["schedule[0].days"]
    one = client.post("/api/v1/records", json=KIT)
    assert one.status_code == 422 and one.get_json()["errors"][0]["field"] == "schedule"
    assert "POST /api/v1/kits" in one.get_json()["errors"][0]["message"]

    key = {"Idempotency-Key": "kit-7f3a"}
    made = client.post("/api/v1/kits", json=KIT, headers=key)
    assert made.status_code == 201 and made.headers["Location"] == "/api/v1/kits/1"
    body = made.get_json()
    jsonschema.validate(body, schema("Kit"))  # as the OpenAPI description says
    lots = [b["lot_number"] for b in body["batches"]]
    assert lots == ["20261122-001", "20261122-002", "20261122-003"]
    again = client.post("/api/v1/kits", json=KIT, headers=key)
    assert again.status_code == 201 and again.get_json()["batches"] == body["batches"]
    reused = client.post("/api/v1/kits", json={**KIT, "rx_number": "100778"}, headers=key)
    assert reused.status_code == 409
    assert reused.get_json()["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    store = client.application.extensions["records"]
    assert store.count() == 3

    read = client.get("/api/v1/kits/1").get_json()
    assert (read["status"], read["kit_directions"]) == ("open", LINES)
    assert [s["first_date"] for s in read["schedule"]] == ["2026-11-23", "2026-12-07",
                                                           "2026-12-21"]
    assert client.get("/api/v1/kits/2").status_code == 404
    assert client.post("/api/v1/kits/1/label.pdf", json={}).status_code == 403  # a technician
    early = pharmacist.post("/api/v1/kits/1/label.pdf", json={})
    assert early.status_code == 409 and "not compounded yet" in early.get_json()[
        "errors"][0]["message"]
    for document in ("calendar", "leaflet"):  # the patient's, before the kit is released
        printed = client.get(f"/api/v1/kits/1/{document}.pdf")
        assert printed.status_code == 200 and "Jane Q. Public" in pdf.text(printed.data)

    for lot in lots:  # at the bench, then a pharmacist's signature over the API
        benched(store, lot)
        signed = pharmacist.post(f"/api/v1/records/{lot}/verification",
                                 json={"decision": "approve", "signature": signature()},
                                 headers={"If-Match": '"2"'})
        assert signed.status_code == 200, signed.data[:300]
    assert client.get("/api/v1/kits/1").get_json()["status"] == "released"
    assert pharmacist.get("/api/v1/kits/1/label.pdf").status_code == 405  # a session POSTs
    label = pharmacist.post("/api/v1/kits/1/label.pdf", json={})
    assert label.status_code == 200 and label.mimetype == "application/pdf"
    printed = pdf.text(label.data)
    assert all(lot in printed for lot in lots) and "PROOF" not in printed
    with store.engine.begin() as connection:  # the kit altered behind the workbench's back
        connection.execute(text("DROP TRIGGER kits_no_update"))
        connection.execute(text("UPDATE kits SET author = 'someone else'"))
    for document in ("label", "calendar"):
        refused = pharmacist.post(f"/api/v1/kits/1/{document}.pdf", json={}) if (
            document == "label") else pharmacist.get(f"/api/v1/kits/1/{document}.pdf")
        assert refused.status_code == 409, document
        assert refused.get_json()["errors"][0]["code"] == "CHAIN_BROKEN"


def test_the_application_role_keeps_kits_and_cannot_rewrite_them(application_url):  # noqa: F811
    # PostgreSQL's least-privilege role: it adds kits (moving the kits chain's head) and may
    # change or delete none
    from compounding.records import Store

    from .people import KEY

    store = Store.open(application_url, KEY)
    try:
        assert store.create_kit(KIT, PROFILE, TECH).id == 1 and store.kit_problems() == []
        for statement in ("UPDATE kits SET author = 'x'", "DELETE FROM kit_batches"):
            with pytest.raises(DBAPIError, match="permission denied"), \
                    store.engine.begin() as connection:
                connection.execute(text(statement))
    finally:
        store.engine.dispose()
