"""Component inventory (issue 23): lots received, validated by field, usable or not on a day,
quarantined by a pharmacist, recalled to the batches that used them; the pages, the order form's
lot lists, the audit trail, and the database's guard of what was received (SQLite and
PostgreSQL)."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from compounding import OrderError
from compounding.records import Conflict
from compounding.records.inventory import Inventory
from compounding.records.people import NotFound

from .people import KEY, RPH, TECH, csrf, login
from .test_records import BENCH, ORDER, PROFILE, approve
from .test_web_form import FORM, Labels

ZONE = "America/Chicago"  # the sample profile's; the clock reads 2026-11-22 10:00 there
TABLET = {"kind": "tablet", "product": "Naltrexone HCl 50 mg tablet", "manufacturer": "Accord",
          "ndc": "16729-081-01", "lot": "N456", "expiry": "2027-06", "average_weight_mg": "250.40"}
FILLER = {"kind": "filler", "product": "Avicel PH-102", "manufacturer": "IFF", "lot": "M789",
          "expiry": "2028-06-30"}
SHELL = {"kind": "shell", "product": "Gelatin capsules size 3", "manufacturer": "Capsuline",
         "lot": "C321", "expiry": "2029-01"}


def codes(exc_info) -> set[tuple[str, str]]:
    return {(e.code, e.field) for e in exc_info.value.errors}


@pytest.fixture
def stock(store):
    return Inventory(store.engine, store, time_zone=ZONE)


# -- the Inventory, on SQLite and PostgreSQL -----------------------------------------------------


def test_receive_keeps_the_lot_as_received(stock):
    lot = stock.receive({**TABLET, "lot": " n456 "}, by=TECH.user_id)
    assert (lot.kind, lot.lot, lot.expiry, lot.average_weight_mg) == (
        "tablet", "N456", date(2027, 6, 30), "250.4")  # normal form; month's last day; exact
    assert lot.ndc == "16729-0081-01" and lot.received_by == TECH.user_id
    assert lot.received_on == date(2026, 11, 22) and not lot.quarantined
    assert stock.get(lot.id) == lot == stock.find("tablet", "n\u2011456".replace("\u2011", ""))
    assert stock.find("filler", "N456") is None


@pytest.mark.parametrize("ndc", ["0406-1170-01", "51285-275-01", "68084-2910-1", "00406117001"])
def test_receive_takes_every_ndc_form(stock, ndc):
    assert stock.receive({**FILLER, "ndc": ndc}, by=1).ndc.count("-") == 2


@pytest.mark.parametrize(("change", "expected"), [
    ({"kind": None, "product": " ", "manufacturer": None, "lot": None, "expiry": None},
     {("FIELD_REQUIRED", f) for f in ("kind", "product", "manufacturer", "lot", "expiry")}),
    ({"kind": "powder"}, {("INVALID_VALUE", "kind")}),
    ({"average_weight_mg": None}, {("FIELD_REQUIRED", "average_weight_mg")}),
    ({"average_weight_mg": "heavy"}, {("INVALID_VALUE", "average_weight_mg")}),
    ({"average_weight_mg": "0.0"}, {("NOT_POSITIVE", "average_weight_mg")}),
    ({"ndc": "1234567890"}, {("INVALID_NDC", "ndc")}),
    ({"lot": "N4\u04175"}, {("LOT_CONFUSABLE", "lot")}),  # a Cyrillic Ze for a 3
    ({"lot": "L" * 41}, {("INVALID_VALUE", "lot")}),
    ({"expiry": "2026-11-22"}, {("LOT_EXPIRED", "expiry")}),  # expires today: not received
    ({"expiry": "2026-13"}, {("INVALID_DATE", "expiry")}),
    ({"received_on": "2026-11-23"}, {("INVALID_DATE", "received_on")}),
    ({"received_by": 9}, {("FIELD_UNKNOWN", "received_by")}),  # who received is never typed
])
def test_receive_names_each_field_that_is_wrong(stock, change, expected):
    receipt = {k: v for k, v in {**TABLET, **change}.items() if v is not None}
    with pytest.raises(OrderError) as caught:
        stock.receive(receipt, by=1)
    assert codes(caught) == expected
    assert stock.list() == []


def test_only_tablets_have_an_average_weight(stock):
    with pytest.raises(OrderError) as caught:
        stock.receive({**FILLER, "average_weight_mg": "250"}, by=1)
    assert codes(caught) == {("INVALID_VALUE", "average_weight_mg")}


def test_a_lot_is_received_once(stock):
    stock.receive(TABLET, by=1)
    with pytest.raises(Conflict) as caught:
        stock.receive({**TABLET, "lot": "n456", "expiry": "2028-01"}, by=2)
    assert codes(caught) == {("LOT_ALREADY_RECEIVED", "lot")} and caught.value.status == 409
    stock.receive({**FILLER, "lot": "N456"}, by=1)  # another kind may share the code


def test_usable_lots_exclude_expired_and_quarantined(stock):
    soon = stock.receive({**TABLET, "lot": "SOON", "expiry": "2026-12-31"}, by=1)
    later = stock.receive(TABLET, by=1)
    held = stock.receive({**TABLET, "lot": "HELD"}, by=1)
    filler = stock.receive(FILLER, by=1)
    stock.quarantine(held.id, "supplier recall 2026-114", by=RPH.user_id)
    today = date(2026, 11, 22)
    assert [lot.lot for lot in stock.list("tablet", usable_on=today)] == ["SOON", "N456"]
    # a lot expiring on a day is not usable on it (COMPONENT_EXPIRED on the compounding date)
    assert [lot.id for lot in stock.list("tablet", usable_on=date(2026, 12, 31))] == [later.id]
    assert soon.expired_on(date(2026, 12, 31)) and not soon.usable_on(date(2026, 12, 31))
    assert {lot.id for lot in stock.list()} == {soon.id, later.id, held.id, filler.id}
    assert [lot.id for lot in stock.list("filler", usable_on=today)] == [filler.id]
    assert [lot.id for lot in stock.quarantined_lots()] == [held.id]
    with pytest.raises(OrderError) as caught:
        stock.list("powder")
    assert codes(caught) == {("INVALID_VALUE", "kind")}


def test_quarantine_needs_a_reason_and_happens_once(stock):
    lot = stock.receive(TABLET, by=1)
    with pytest.raises(OrderError) as caught:
        stock.quarantine(lot.id, "  ", by=RPH.user_id)
    assert codes(caught) == {("FIELD_REQUIRED", "reason")}
    held = stock.quarantine(lot.id, "tablets chipped", by=RPH.user_id)
    assert (held.quarantined, held.quarantined_by, held.quarantine_reason) == (
        True, RPH.user_id, "tablets chipped")
    with pytest.raises(Conflict) as caught:
        stock.quarantine(lot.id, "again", by=RPH.user_id)
    assert codes(caught) == {("LOT_QUARANTINED", "lot")}
    assert stock.get(lot.id).quarantine_reason == "tablets chipped"
    with pytest.raises(NotFound):
        stock.quarantine(lot.id + 100, "no such lot", by=RPH.user_id)
    refusal = stock.refusal("tablet", "n456", "source.lot")
    assert (refusal.code, refusal.field) == ("LOT_QUARANTINED", "source.lot")
    assert stock.refusal("tablet", "NEVER-RECEIVED", "source.lot") is None


def test_a_lots_batches_are_its_recall_and_unlabelled_ones_are_flagged(store, stock):
    tablets, filler = stock.receive(TABLET, by=1), stock.receive(FILLER, by=1)
    shells = stock.receive(SHELL, by=1)
    labelled = store.create(ORDER, PROFILE, TECH).lot_number
    store.enter_bench(labelled, BENCH, TECH)  # the bench used shell lot C321
    approve(store, labelled)
    store.label_printed(labelled, RPH.user_id)
    waiting = store.create(ORDER, PROFILE, TECH).lot_number
    scrapped = store.create(ORDER, PROFILE, TECH).lot_number
    store.scrap(scrapped, {"reason": "spilled"}, RPH, expected=1)
    other = store.create({**ORDER, "source": {**ORDER["source"], "lot": "OTHER"}}, PROFILE,
                         TECH).lot_number

    used, total, following = stock.batches(tablets)
    assert total == 3 and following is None
    assert [(u.batch.lot_number, u.labelled, u.flagged) for u in used] == [
        (labelled, True, False), (waiting, False, False), (scrapped, False, False)]
    assert [u.batch.lot_number for u in stock.batches(shells.id)[0]] == [labelled]
    assert stock.quarantine_flags(waiting) == []

    stock.quarantine(filler.id, "microbial limits failed", by=RPH.user_id)
    used, _, _ = stock.batches(filler.id)
    assert [(u.batch.lot_number, u.flagged) for u in used] == [
        (labelled, False), (waiting, True), (scrapped, False), (other, True)]
    flags = stock.quarantine_flags(waiting)
    assert [(f.lot.lot, f.flagged, f.labelled, f.status) for f in flags] == [
        ("M789", True, False, "printed")]
    assert [(f.lot.lot, f.flagged, f.labelled) for f in stock.quarantine_flags(labelled)] == [
        ("M789", False, True)]
    assert stock.quarantine_flags("20261122-999") == []
    page, total, following = stock.batches(filler, limit=1)
    assert ([u.batch.lot_number for u in page], total) == ([labelled], 4)
    assert [u.batch.lot_number for u in stock.batches(filler, limit=1, after=following)[0]] == [
        waiting]


def test_what_was_received_cannot_be_changed_or_deleted(store, stock):
    lot = stock.receive(TABLET, by=1)
    for statement in ("UPDATE inventory_lots SET expiry = '2030-01-01'",
                      "UPDATE inventory_lots SET average_weight_mg = '300'",
                      "DELETE FROM inventory_lots"):
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as c:
            c.execute(text(statement))
    stock.quarantine(lot.id, "recall", by=RPH.user_id)
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as c:
        c.execute(text("UPDATE inventory_lots SET quarantined_at = NULL"))
    assert stock.get(lot.id).quarantined and stock.get(lot.id).average_weight_mg == "250.4"


@pytest.fixture
def application_url(owner_postgres):
    """A fresh PostgreSQL database migrated by its owner; the URL of the application's role."""
    from compounding.records import Store
    from compounding.records.roles import grant_application_role

    owner_url = owner_postgres  # a copy of one the owner migrated, where it can be
    Store.open(owner_url, KEY).engine.dispose()
    role = f"compounding_app_{uuid.uuid4().hex[:8]}"
    owner = create_engine(owner_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    grant_application_role(owner, role)
    try:
        yield make_url(owner_url).set(username=role).render_as_string(False)
    finally:
        with owner.connect() as connection:
            connection.execute(text(f'DROP OWNED BY "{role}"'))
            connection.execute(text(f'DROP ROLE "{role}"'))
        owner.dispose()


def test_the_application_role_receives_and_quarantines_only(application_url):
    engine = create_engine(application_url)
    stock = Inventory(engine, time_zone=ZONE)
    lot = stock.receive(TABLET, by=1)
    assert stock.quarantine(lot.id, "recall", by=2).quarantined
    for statement in ("UPDATE inventory_lots SET product = 'x'",
                      "UPDATE inventory_lots SET received_by = 2",
                      "DELETE FROM inventory_lots"):
        with pytest.raises(DBAPIError, match="permission denied"), engine.begin() as c:
            c.execute(text(statement))
    engine.dispose()


# -- the pages ----------------------------------------------------------------------------------


def _receive(browser, **changes):
    values = {k: v for k, v in {**TABLET, **changes}.items() if v is not None}
    return browser.post("/inventory", data={**values, "csrf_token": csrf(browser, "/inventory")})


def _events(app, action):
    return [e for e in app.extensions["audit"].all() if e.action == action]


def _id(response) -> int:
    return int(re.search(r"/inventory/(\d+)", response.headers["Location"]).group(1))


def test_a_technician_receives_a_lot_as_themself(app, client):
    response = _receive(client, received_by="2")  # a typed receiver is not taken
    assert response.status_code == 303
    number = _id(response)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Lot received." in page and "Accord" in page and "250.4 mg" in page
    assert "by T. Tech" in page and "Quarantine this lot" not in page  # not a pharmacist
    [event] = _events(app, "inventory_receive")
    assert (event.user_id, event.target, event.detail["lot"]) == (1, f"inventory {number}",
                                                                   "N456")


def test_the_receive_form_names_each_field_that_is_wrong(app, client):
    response = _receive(client, product="", average_weight_mg="", ndc="12-34")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for code, name in (("FIELD_REQUIRED", "product"), ("FIELD_REQUIRED", "average_weight_mg"),
                       ("INVALID_NDC", "ndc")):
        assert f'<a href="#receive-{name}">' in page
        assert re.search(rf'id="receive-{name}-error"><li data-code="{code}">', page), name
    assert 'value="12-34"' in page  # what was typed is shown again
    assert _events(app, "inventory_receive") == []
    refused = client.post("/inventory", data=TABLET)  # no anti-forgery token
    assert refused.status_code == 400 and 'data-code="CSRF_FAILED"' in refused.get_data(True)


def test_every_input_of_the_inventory_pages_has_a_label(app, pharmacist):
    number = _id(_receive(pharmacist))
    for path in ("/inventory", f"/inventory/{number}"):
        parser = Labels()
        parser.feed(pharmacist.get(path).get_data(as_text=True))
        assert parser.controls and set(parser.controls) <= parser.fors, path


def test_quarantine_needs_a_pharmacist_and_a_reason(app, client, pharmacist):
    number = _id(_receive(client))
    token = csrf(client, f"/inventory/{number}")
    assert client.post(f"/inventory/{number}/quarantine",
                       data={"reason": "recall", "csrf_token": token}).status_code == 403
    token = csrf(pharmacist, f"/inventory/{number}")
    missing = pharmacist.post(f"/inventory/{number}/quarantine",
                              data={"reason": " ", "csrf_token": token})
    assert missing.status_code == 422
    assert 'id="quarantine-reason-error"><li data-code="FIELD_REQUIRED">' in missing.get_data(
        as_text=True)
    assert pharmacist.post(f"/inventory/{number}/quarantine",
                           data={"reason": "recall"}).status_code == 400  # no token
    done = pharmacist.post(f"/inventory/{number}/quarantine",
                           data={"reason": "supplier recall 2026-114", "csrf_token": token})
    assert done.status_code == 303
    page = pharmacist.get(f"/inventory/{number}").get_data(as_text=True)
    assert "Quarantined: do not use" in page and "supplier recall 2026-114" in page
    assert "R. Okafor, PharmD" in page and "Quarantine this lot" not in page
    again = pharmacist.post(f"/inventory/{number}/quarantine",
                            data={"reason": "again", "csrf_token": token})
    assert again.status_code == 409 and 'data-code="LOT_QUARANTINED"' in again.get_data(True)
    [event] = _events(app, "inventory_quarantine")
    assert (event.user_id, event.detail["reason"]) == (2, "supplier recall 2026-114")


def test_a_lots_page_lists_the_batches_that_used_it(app, client, pharmacist):
    store = app.extensions["records"]
    number = _id(_receive(client, kind="filler", product="Avicel PH-102", lot="M789",
                          average_weight_mg=None, ndc=None))
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    page = client.get(f"/inventory/{number}").get_data(as_text=True)
    assert f'<a href="/records/{lot}">{lot}</a>' in page and "Jane Q. Public" in page
    assert "Not labelled" in page and "Hold: not labelled" not in page
    [event] = _events(app, "inventory_recall")
    assert event.detail["results"] == [lot] and event.user_id == 1
    pharmacist.post(f"/inventory/{number}/quarantine",
                    data={"reason": "recall", "csrf_token": csrf(pharmacist, "/inventory")})
    page = client.get(f"/inventory/{number}").get_data(as_text=True)
    assert "<strong>Hold: not labelled</strong>" in page
    answer = client.get("/inventory/quarantine.json").get_json()
    [held] = answer["lots"]
    assert (held["lot"], held["flagged"], held["batches"][0]["lot_number"]) == ("M789", 1, lot)
    assert held["batches"][0]["flagged"] is True and "patient" not in held["batches"][0]
    assert _events(app, "inventory_flags")[0].detail["flagged"] == [lot]
    assert client.get("/inventory/999").status_code == 404


def test_the_list_greys_expired_and_quarantined_lots_and_says_so(app, client, pharmacist,
                                                                 compounding_day):
    _receive(client, lot="SOON", expiry="2026-12-31")
    _receive(client, lot="LATER")
    held = _id(_receive(client, lot="HELD"))
    _receive(client, **FILLER, average_weight_mg=None, ndc=None)
    pharmacist.post(f"/inventory/{held}/quarantine",
                    data={"reason": "recall", "csrf_token": csrf(pharmacist, "/inventory")})
    compounding_day.move_to("2027-01-05T10:00:00-06:00")
    login(client, "tech")  # signed out meanwhile: 15 minutes idle
    page = client.get("/inventory").get_data(as_text=True)
    rows = {m[1]: m[0] for m in re.findall(r'(<tr[^>]*>\s*<th scope="row"><a[^>]*>([A-Z0-9]+)'
                                           r'</a>.*?</tr>)', page, re.S)}
    assert set(rows) == {"SOON", "LATER", "HELD", "M789"}
    assert 'class="muted"' in rows["SOON"] and "<strong>Expired</strong>" in rows["SOON"]
    assert 'class="muted"' in rows["HELD"] and "<strong>Quarantined</strong>" in rows["HELD"]
    assert 'class="muted"' not in rows["LATER"] and "Usable" in rows["LATER"]
    usable = client.get("/inventory?kind=tablet&usable=true").get_data(as_text=True)
    assert ">LATER</a>" in usable and ">SOON</a>" not in usable and ">M789</a>" not in usable
    assert client.get("/inventory?kind=powder").status_code == 422
    answer = client.get("/inventory/lots.json?kind=tablet&usable=true").get_json()
    assert [lot["lot"] for lot in answer["lots"]] == ["LATER"] and answer["today"] == "2027-01-05"
    bad = client.get("/inventory/lots.json?usable=maybe")
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "usable"


# -- the order form --------------------------------------------------------------------------------


def _datalist(page: str, list_id: str) -> list[str]:
    found = re.search(rf'<datalist id="{list_id}">(.*?)</datalist>', page, re.S)
    return re.findall(r'<option value="([^"]+)"', found.group(1))


def test_the_order_form_offers_usable_lots_of_each_kind(app, client, pharmacist):
    _receive(client)
    _receive(client, lot="SOON", expiry="2026-11-30")
    held = _id(_receive(client, lot="HELD"))
    _receive(client, **FILLER, average_weight_mg=None, ndc=None)
    _receive(client, **SHELL, average_weight_mg=None, ndc=None)
    pharmacist.post(f"/inventory/{held}/quarantine",
                    data={"reason": "recall", "csrf_token": csrf(pharmacist, "/inventory")})
    page = client.get("/").get_data(as_text=True)
    assert _datalist(page, "tablet-lots") == ["SOON", "N456"]
    assert _datalist(page, "filler-lots") == ["M789"] and _datalist(page, "shell-lots") == ["C321"]
    assert 'id="source.lot" name="source.lot" value="" list="tablet-lots"' in page
    assert "N456: Naltrexone HCl 50 mg tablet (Accord), W 250.4 mg, expires 2027-06-30" in page


def test_the_order_form_refuses_a_quarantined_or_expired_lot_typed(app, client, pharmacist):
    held = _id(_receive(client, lot="HELD"))
    _receive(client, lot="SOON", expiry="2026-11-30")
    pharmacist.post(f"/inventory/{held}/quarantine",
                    data={"reason": "recall", "csrf_token": csrf(pharmacist, "/inventory")})
    token = csrf(client, "/")
    response = client.post("/", data={**FORM, "csrf_token": token, "source.lot": "held"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'<li data-code="LOT_QUARANTINED"><a href="#source.lot">Tablet lot</a>', page)
    assert "Batch plan</h2>" in page  # the order still plans; it is not kept
    made = client.post("/batch", data={**FORM, "csrf_token": token, "source.lot": "HELD"})
    assert made.status_code == 422 and app.extensions["records"].count() == 0
    late = client.post("/", data={**FORM, "csrf_token": token, "source.lot": "SOON",
                                  "compounded_on": "2026-12-01"})
    assert 'data-code="LOT_EXPIRED"' in late.get_data(as_text=True)
    typed = client.post("/batch", data={**FORM, "csrf_token": token, "source.lot": "NEW-1"})
    assert typed.status_code == 303  # a lot the inventory never received is still accepted
