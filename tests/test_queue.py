"""The work queue and where people land: each batch in the tab of the step it waits for, with
counts; every role lands on a page it may see (issue: a workstation for the bench)."""

from __future__ import annotations

import re
from datetime import date

from compounding.records.queue import work_queue

from .people import RPH, TECH, login
from .test_records import BENCH, ORDER, PROFILE, approve

TODAY = date(2026, 11, 22)


def _shelf(store):
    """One batch at each step: printed, compounded, verified, verified and labelled, rejected,
    one with bench results out of range, and one with an unacknowledged critical finding."""
    made = {}
    made["printed"] = store.create(ORDER, PROFILE, TECH).lot_number
    made["compounded"] = store.create(ORDER, PROFILE, TECH).lot_number
    store.enter_bench(made["compounded"], BENCH, TECH)
    made["verified"] = store.create(ORDER, PROFILE, TECH).lot_number
    store.enter_bench(made["verified"], BENCH, TECH)
    approve(store, made["verified"])
    made["labelled"] = store.create(ORDER, PROFILE, TECH).lot_number
    store.enter_bench(made["labelled"], BENCH, TECH)
    approve(store, made["labelled"])
    store.label_printed(made["labelled"], RPH.user_id)
    made["rejected"] = store.create(ORDER, PROFILE, TECH).lot_number
    store.enter_bench(made["rejected"], BENCH, TECH)
    store.verify(made["rejected"], {"decision": "reject", "reason": "blend not uniform"}, RPH,
                 expected=2)
    made["off"] = store.create(ORDER, PROFILE, TECH).lot_number
    store.enter_bench(made["off"], {**BENCH, "tablets_used": 6}, TECH)  # 6 where 3 were planned
    made["opioid"] = store.create({**ORDER, "concurrent_medications": ["Percocet"]}, PROFILE,
                                  TECH).lot_number
    made["scrapped"] = store.create(ORDER, PROFILE, TECH).lot_number
    store.scrap(made["scrapped"], {"reason": "spilled"}, RPH, expected=1)
    return made


def test_each_batch_waits_in_the_tab_of_its_step(app):
    store = app.extensions["records"]
    made = _shelf(store)
    queue = work_queue(store, TODAY)
    lots = {tab: [w.lot for w in items] for tab, items in queue.items()}
    assert lots["compound"] == [made["opioid"], made["printed"]]  # newest first
    assert lots["correct"] == [made["off"], made["rejected"]]
    assert lots["acknowledge"] == [made["opioid"], made["off"]]
    assert lots["verify"] == [made["compounded"]]
    assert lots["label"] == [made["verified"]]
    assert all(made["scrapped"] not in found for found in lots.values())
    # the sample's beyond-use date is months away: nothing expires within 7 days today ...
    assert lots["expiring"] == []
    # ... and both verified batches on the shelf do a week before it
    bud = store.get(made["verified"]).beyond_use_date
    soon = work_queue(store, date.fromordinal(bud.toordinal() - 7))
    assert {w.lot for w in soon["expiring"]} == {made["verified"], made["labelled"]}


def test_the_queue_page_shows_counts_and_what_a_person_needs(app, pharmacist):
    made = _shelf(app.extensions["records"])
    page = pharmacist.get("/queue").get_data(as_text=True)
    counts = dict(re.findall(r'tab=(\w+)"[^>]*>[^<]+<span class="count">\((\d+)\)', page))
    # the opioid order, and the bench that crushed 6 tablets where 3 were planned (critical)
    assert counts == {"acknowledge": "2", "verify": "1", "correct": "2", "label": "1",
                      "compound": "2", "expiring": "0"}
    # a pharmacist starts on what waits for her signature; the rows say what they are
    assert 'aria-current="page">To acknowledge' in page
    assert made["opioid"] in page and "1 critical to acknowledge" in page
    verify = pharmacist.get("/queue?tab=verify").get_data(as_text=True)
    assert made["compounded"] in verify and "Jane Q. Public" in verify


def test_every_role_lands_on_a_page_it_may_see(app):
    for username, home in (("tech", "/queue"), ("rph", "/queue"), ("admin", "/admin/users")):
        browser = app.test_client()
        landed = login(browser, username).headers["Location"]
        assert landed.endswith(home), (username, landed)
        assert browser.get(landed).status_code == 200
    # the admin's 403 page no longer links back to a page that refuses it
    admin = app.test_client()
    login(admin, "admin")
    refused = admin.get("/records", headers={"Accept": "text/html"})
    assert refused.status_code == 403
    assert 'href="/admin/users">Back to your work' in refused.get_data(as_text=True)


def test_times_on_pages_are_the_pharmacys(app, client):
    store = app.extensions["records"]
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    page = client.get("/queue?tab=compound").get_data(as_text=True)
    # made at 10:00 in Chicago on the tests' day (16:00 UTC): shown in the pharmacy's zone
    assert lot in page and "2026-11-22 10:00 CST" in page and "16:00" not in page


# -- roles that make sense ---------------------------------------------------------------------


def test_an_admin_edits_roles_and_licence_and_the_change_is_chained(app):
    from .people import csrf

    admin = app.test_client()
    login(admin, "admin")
    tech = app.test_client()
    login(tech, "tech")
    page = "/admin/users"
    promoted = admin.post(f"{page}/tech", data={
        "csrf_token": csrf(admin, page), "action": "change", "name": "T. Tech, RPh",
        "roles": ["pharmacist"], "licence": "RPH-55501"})
    assert promoted.status_code == 303
    assert "tech changed: pharmacist" in admin.get(page).get_data(as_text=True)
    people = app.extensions["accounts"]
    user = people.find("tech")
    assert user.roles == {"pharmacist"} and user.licence == "RPH-55501"
    assert user.has("technician")  # a pharmacist may do all a technician may
    assert "/login" in tech.get("/queue").headers["Location"]  # new roles: sign in again
    assert people.problems() == []  # in the accounts chain
    # a pharmacist needs a licence, and not another's
    taken = admin.post(f"{page}/tech", data={
        "csrf_token": csrf(admin, page), "action": "change", "name": "T. Tech",
        "roles": ["pharmacist"], "licence": "RPH-10234"})
    assert taken.status_code == 422 and "LICENCE_TAKEN" in taken.get_data(as_text=True)
    actions = [e.action for e in app.extensions["audit"].all()]
    assert actions.count("user_change") == 1


def test_a_token_whose_owner_could_use_none_of_it_is_refused(app):
    import pytest

    from compounding import OrderError

    people = app.extensions["accounts"]
    with pytest.raises(OrderError) as refused:
        people.create_token("pms-admin", "admin", ["plan"], by=people.find("admin").id)
    assert refused.value.errors[0].code == "TOKEN_OWNER_CANNOT_USE"
    assert "admin is not a technician" in refused.value.errors[0].message


def test_a_batch_is_new_until_its_worksheet_is_printed(app, client):
    """Made at the order form, a batch waits as ``new``; it is ``printed`` once its worksheet
    is; the API keeps the state it was created in (``printed``)."""
    lot = app.extensions["records"].create(ORDER, PROFILE, TECH).lot_number
    chip = re.compile(rf"{lot}</a></td>\s*<td><span class=\"chip chip-printed\">(\w+)</span>")
    assert chip.search(client.get("/queue?tab=compound").get_data(as_text=True)).group(1) == "new"
    assert client.get(f"/api/v1/records/{lot}").get_json()["status"] == "printed"
    assert client.get(f"/records/{lot}/worksheet.pdf").status_code == 200
    assert chip.search(
        client.get("/queue?tab=compound").get_data(as_text=True)).group(1) == "printed"
