"""Issue 23: the pharmacy's settings page (admin) and the audit page's filters and paging.

The settings page changes the pharmacy's details, its time zone (from a list), the label stock,
the balance, pack-stat calibrations and shell colours; each save is a kept version, an audit
event, and the profile the next plan and batch use. The audit page is newest first, paged,
filtered by person, action and day, with times in the pharmacy's time zone."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from compounding import plan_order

from .helpers import make_order
from .people import HASHER, KEY, csrf, login
from .test_records import ORDER

PAGE = "/admin/settings"


@pytest.fixture
def admin(app):
    browser = app.test_client()
    login(browser, "admin")
    return browser


def form_of(browser) -> dict[str, str]:
    """Every input of the settings page as a browser would send it unchanged."""
    page = browser.get(PAGE).get_data(as_text=True)
    values = {}
    for attributes in re.findall(r"<input ([^>]*)>", page):
        name = re.search(r'name="([^"]*)"', attributes)
        value = re.search(r'value="([^"]*)"', attributes)
        if name:
            values[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for name, options in re.findall(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', page,
                                    flags=re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        values[name] = chosen.group(1) if chosen else ""
    return values


def save(browser, **changes: str):
    """Post the settings page with ``changes`` (input name -> value) over what it shows."""
    return browser.post(PAGE, data={**form_of(browser), **changes})


def events(app, action=None):
    return [e for e in app.extensions["audit"].all() if action in (None, e.action)]


def errors_on(response) -> dict[str, str]:
    """The page's errors beside their inputs: field -> the input's id it is beside."""
    page = response.get_data(as_text=True)
    return {html.unescape(field): control for control, field in re.findall(
        r'<ul class="field-errors" id="([^"]+)-error"><li data-code="[^"]+" '
        r'data-field="([^"]+)"', page)}


def method_for_1_5_mg(client) -> str:
    response = client.post("/api/v1/plan", json=make_order(strength="1.5 mg"))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["method"]


# -- each section reaches the profile in force ---------------------------------------------------


def test_a_new_balance_changes_the_method_of_the_next_plan_and_batch(app, admin, client):
    # 1.5 mg × 30: whole tablets weigh 250 mg of powder, above a Class A MWQ of 120 mg; a
    # balance whose MWQ is 500 mg cannot weigh it, so a trituration is chosen.
    assert method_for_1_5_mg(client) == "whole_tablets"
    saved = save(admin, **{"balance-minimum_weighable_quantity": "500 mg",
                           "balance-readability": "0.1 mg", "balance-capacity": "220 g"})
    assert saved.status_code == 303, saved.get_data(as_text=True)[:2000]
    profile = app.config["PROFILE"]
    assert (profile.balance.minimum_weighable_quantity, profile.balance.readability,
            profile.balance.capacity) == (500, pytest.approx(0.1), 220_000)
    assert method_for_1_5_mg(client) == "trituration"
    lot = client.post("/api/v1/worksheet",
                      json={**ORDER, "strength": "1.5 mg"}).headers["X-Lot-Number"]
    record = app.extensions["records"].get(lot)
    assert record.plan.method == "trituration"
    assert record.profile.balance.minimum_weighable_quantity == 500  # kept with the batch
    assert form_of(admin)["balance-minimum_weighable_quantity"] == "500 mg"


def test_the_pharmacy_and_its_time_zone_reach_the_profile(app, admin):
    saved = save(admin, **{"pharmacy-name": "Hillside Compounding", "pharmacy-phone":
                           "(217) 555-0199", "pharmacy-address": "1 Hill Road, Peoria, IL",
                           "pharmacy-time_zone": "Pacific/Auckland"})
    assert saved.status_code == 303
    profile = app.config["PROFILE"]
    assert (profile.pharmacy.name, profile.pharmacy.phone, profile.pharmacy.address) == (
        "Hillside Compounding", "(217) 555-0199", "1 Hill Road, Peoria, IL")
    # 2026-11-22 10:00 in Chicago is already the 23rd in Auckland: the pharmacy's today moves
    assert profile.settings.time_zone == "Pacific/Auckland"
    assert str(plan_order(make_order(), profile.settings).compounded_on) == "2026-11-23"
    assert "Hillside Compounding" in admin.get(PAGE).get_data(as_text=True)  # the header


def test_label_stock_pack_stats_and_shell_colours_reach_the_profile(app, admin):
    order = make_order(filler={"pack_stat": None})  # size 3: the chart's 130 mg
    assert plan_order(order, app.config["PROFILE"].settings).capsule_filler_capacity == 130
    saved = save(admin, **{"label-stock": "letter", "pack_stats-3": "0.128 g",
                           "pack_stats-0": "330 mg", "shell_colours-3": "white",
                           "shell_colours-0": "  green "})
    assert saved.status_code == 303, saved.get_data(as_text=True)[:2000]
    profile = app.config["PROFILE"]
    assert profile.label.stock == "letter"
    assert profile.pack_stats == {"3": 128, "0": 330}
    assert profile.shell_colours == {"3": "white", "0": "green"}
    plan = plan_order(order, profile.settings)
    assert (plan.fill_basis, plan.capsule_filler_capacity) == ("pharmacy_pack_stat", 128)
    # a calibration left empty is none: the chart again
    assert save(admin, **{"pack_stats-3": ""}).status_code == 303
    assert app.config["PROFILE"].pack_stats == {"0": 330}


def test_saved_settings_are_in_force_at_the_next_start(app, admin, tmp_path):
    from compounding.profile import load_profile
    from compounding.web import create_app

    from .test_records import SAMPLES

    assert save(admin, **{"balance-minimum_weighable_quantity": "20 mg",
                          "label-stock": "3x2"}).status_code == 303
    again = create_app({"TESTING": True,
                        "PROFILE": load_profile((SAMPLES / "pharmacy.toml").read_text()),
                        "DATABASE_URL": f"sqlite:///{tmp_path / 'records.sqlite3'}",
                        "CHAIN_KEY": KEY, "PASSWORD_HASHER": HASHER})
    profile = again.config["PROFILE"]
    assert (profile.balance.minimum_weighable_quantity, profile.label.stock) == (20, "3x2")
    assert profile.pharmacy.name == "Riverside Compounding Pharmacy"  # the file's, unchanged


# -- errors ---------------------------------------------------------------------------------------


def test_every_error_at_once_each_beside_its_input(app, admin):
    before = app.config["PROFILE"]
    refused = save(admin, **{
        "pharmacy-name": "", "pharmacy-time_zone": "Mars/Olympus",
        "balance-minimum_weighable_quantity": "lots", "balance-capacity": "120",
        "pack_stats-3": "1300 mg",  # 4.3 g/mL in a 0.30 mL capsule: a slip
        "shell_colours-4": "x" * 81, "label-stock": "5x5"})
    assert refused.status_code == 422
    assert errors_on(refused) == {
        "pharmacy.name": "pharmacy-name", "pharmacy.time_zone": "pharmacy-time_zone",
        "label.stock": "label-stock",
        "balance.minimum_weighable_quantity": "balance-minimum_weighable_quantity",
        "balance.capacity": "balance-capacity", 'pack_stats["3"]': "pack_stats-3",
        'shell_colours["4"]': "shell_colours-4"}
    page = refused.get_data(as_text=True)
    assert "7 problems to fix" in page
    assert 'href="#balance-minimum_weighable_quantity">Minimum weighable quantity (MWQ)</a>' in page
    assert re.search(r'id="balance-capacity" name="balance-capacity" aria-invalid="true"', page)
    assert 'value="Mars/Olympus"' in page  # what was typed stays, to be corrected
    assert app.config["PROFILE"] == before
    assert events(app, "settings_change") == []


def test_a_balance_must_weigh_something(app, admin):
    refused = save(admin, **{"balance-readability": "10 mg",
                             "balance-minimum_weighable_quantity": "5 mg",
                             "balance-capacity": "1 mg"})
    assert refused.status_code == 422
    assert set(errors_on(refused)) == {"balance.minimum_weighable_quantity", "balance.capacity"}


@pytest.mark.parametrize("zone", ["Mars/Olympus", "Factory", "america/chicago", "../etc/passwd"])
def test_a_time_zone_not_in_the_list_is_refused(app, admin, zone):
    page = admin.get(PAGE).get_data(as_text=True)
    assert re.search(r'id="pharmacy-time_zone" name="pharmacy-time_zone" value="America/Chicago"'
                     r' list="time-zones"', page)
    offered = re.findall(r'<option value="([^"]+)">', page.split('<datalist id="time-zones">')[1]
                         .split("</datalist>")[0])
    assert "America/Chicago" in offered and "Europe/Paris" in offered and zone not in offered
    refused = save(admin, **{"pharmacy-time_zone": zone})
    assert refused.status_code == 422
    assert errors_on(refused) == {"pharmacy.time_zone": "pharmacy-time_zone"}
    assert app.config["PROFILE"].pharmacy.time_zone == "America/Chicago"


# -- versions and the audit trail ----------------------------------------------------------------


def test_every_version_is_kept_and_none_is_changed(app, admin):
    from compounding.records.settings_store import ProfileSettings

    assert save(admin, **{"balance-minimum_weighable_quantity": "200 mg"}).status_code == 303
    assert save(admin, **{"label-stock": "3x2"}).status_code == 303
    assert save(admin, **{"balance-minimum_weighable_quantity": "150 mg"}).status_code == 303
    store = ProfileSettings(app.extensions["records"].engine)
    admin_id = app.extensions["accounts"].find("admin").id
    versions = store.versions()
    assert [(v.version, list(v.sections), v.changed_by) for v in versions] == [
        (3, ["balance"], admin_id), (2, ["label"], admin_id), (1, ["balance"], admin_id)]
    assert versions[2].sections["balance"]["minimum_weighable_quantity"] == "200 mg"
    assert versions[0].changed_at.tzinfo is not None
    profile = app.config["PROFILE"]
    assert (profile.balance.minimum_weighable_quantity, profile.label.stock) == (150, "3x2")
    page = admin.get(PAGE).get_data(as_text=True)
    assert "version 3 is in force" in page and page.count("<td>admin</td>") == 3
    for statement in ("UPDATE profile_settings SET version = 9",
                      "DELETE FROM profile_settings"):
        with pytest.raises(DBAPIError, match="append-only"), \
                store.engine.begin() as connection:
            connection.execute(text(statement))
    assert len(store.versions()) == 3


def test_nothing_changed_is_no_version(app, admin):
    assert save(admin).status_code == 303
    assert "Nothing was changed" in admin.get(PAGE).get_data(as_text=True)
    assert events(app, "settings_change") == []


def test_a_save_from_a_page_older_than_the_last_version_is_refused(app, admin):
    other = app.test_client()
    login(other, "admin")
    stale = form_of(admin)
    assert save(other, **{"label-stock": "letter"}).status_code == 303
    refused = admin.post(PAGE, data={**stale, "balance-minimum_weighable_quantity": "50 mg"})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert 'data-code="STALE_REVISION"' in page and 'value="50 mg"' in page
    assert app.config["PROFILE"].label.stock == "letter"
    assert app.config["PROFILE"].balance.minimum_weighable_quantity == 120
    # the page now carries the newest version: saved again, it is kept
    again = form_of(admin)
    assert again["version"] == "1" and again["label-stock"] == "letter"
    assert save(admin, **{"balance-minimum_weighable_quantity": "50 mg"}).status_code == 303


def test_each_save_is_an_audit_event_with_the_sections_before_and_after(app, admin):
    assert save(admin, **{"balance-minimum_weighable_quantity": "500 mg",
                          "shell_colours-3": "blue"}).status_code == 303
    [event] = events(app, "settings_change")
    assert event.user_id == app.extensions["accounts"].find("admin").id
    assert event.target == "version 1"
    assert event.detail["sections"] == ["balance", "shell_colours"]
    assert event.detail["before"] == {
        "balance": {"readability": "1 mg", "minimum_weighable_quantity": "120 mg",
                    "capacity": "120 g"},
        "shell_colours": {}}
    assert event.detail["after"] == {
        "balance": {"readability": "1 mg", "minimum_weighable_quantity": "500 mg",
                    "capacity": "120 g"},
        "shell_colours": {"3": "blue"}}
    audit = admin.get("/admin/audit").get_data(as_text=True)
    assert re.search(r"Pharmacy settings changed\s*<code>settings_change</code>", audit)


def test_only_an_administrator_reaches_the_settings(app, client, pharmacist):
    for browser in (client, pharmacist):
        assert browser.get(PAGE).status_code == 403
        token = csrf(browser, "/")
        assert browser.post(PAGE, data={"csrf_token": token, "version": "0",
                                        "label-stock": "letter"}).status_code == 403
    assert app.config["PROFILE"].label.stock == "4x2"
    assert 'href="/admin/settings">Settings</a>' not in client.get("/").get_data(as_text=True)
    admin = app.test_client()
    login(admin, "admin")
    assert 'href="/admin/settings">Settings</a>' in admin.get(PAGE).get_data(as_text=True)


def test_an_expired_form_saves_nothing(app, admin):
    refused = admin.post(PAGE, data={**form_of(admin), "csrf_token": "stale",
                                     "label-stock": "letter"})
    assert refused.status_code == 400
    assert app.config["PROFILE"].label.stock == "4x2"


# -- the audit page -------------------------------------------------------------------------------


def _ids(response) -> list[int]:
    return [int(i) for i in re.findall(r"<tr><td>(\d+)</td>", response.get_data(as_text=True))]


def test_the_audit_page_is_newest_first_and_paged(app, admin):
    log = app.extensions["audit"]
    for n in range(130):
        log.record("plan", user_id=1, target=f"RX{n}")
    first = admin.get("/admin/audit")
    ids = _ids(first)
    assert len(ids) == 100 and ids == sorted(ids, reverse=True)
    newest = max(e.id for e in log.all())
    assert ids[0] == newest - 1  # this very read is recorded after the page's events
    older = re.search(r'href="(/admin/audit\?before=\d+)">Older events', first.get_data(
        as_text=True)).group(1)
    second = _ids(admin.get(older))
    assert second == sorted(second, reverse=True) and max(second) < min(ids)
    assert len(ids) + len(second) == newest - 1  # every event before the first read, once
    assert "Older events" not in admin.get(older).get_data(as_text=True)
    reads = events(app, "audit_read")
    assert [e.detail["filters"] for e in reads[:2]] == [{"after": 0},
                                                       {"after": 0, "before": ids[-1]}]


def test_the_audit_page_filters_by_person_action_and_day(app, admin, compounding_day):
    from compounding import clock

    log = app.extensions["audit"]
    accounts = app.extensions["accounts"]
    tech, rph = accounts.find("tech").id, accounts.find("rph").id
    # 2026-11-21 23:30 in Chicago is 2026-11-22 05:30 UTC: the pharmacy's 21st
    compounding_day.move_to("2026-11-21T23:30:00-06:00")
    log.record("plan", user_id=tech, target="LATE-ON-THE-21ST")
    compounding_day.move_to("2026-11-22T00:30:00-06:00")
    log.record("plan", user_id=tech, target="EARLY-ON-THE-22ND")
    log.record("read_record", user_id=tech, target="READ-ON-THE-22ND")
    log.record("plan", user_id=rph, target="RPH-PLAN")
    # back to the day, a minute after the sign-in (however long it took): a session is never
    # read at a time before it began
    compounding_day.move_to("2026-11-22T10:01:00-06:00")
    assert clock.today("America/Chicago").isoformat() == "2026-11-22"

    def targets(query: str) -> list[str]:
        response = admin.get(f"/admin/audit?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        return re.findall(r"<td>([A-Z0-9-]+-[A-Z0-9-]+)</td>", response.get_data(as_text=True))

    assert targets(f"user={tech}&action=plan") == ["EARLY-ON-THE-22ND", "LATE-ON-THE-21ST"]
    assert targets(f"user={rph}") == ["RPH-PLAN"]
    assert targets("action=read_record") == ["READ-ON-THE-22ND"]
    assert targets("from=2026-11-21&to=2026-11-21") == ["LATE-ON-THE-21ST"]
    assert targets(f"user={tech}&from=2026-11-22") == ["READ-ON-THE-22ND", "EARLY-ON-THE-22ND"]
    last = events(app, "audit_read")[-1]
    assert last.detail["filters"] == {"after": 0, "user": tech, "from": "2026-11-22"}
    page = admin.get(f"/admin/audit?user={tech}&action=plan").get_data(as_text=True)
    assert re.search(rf'<option value="{tech}" selected>tech', page)
    assert '<option value="plan" selected>Plan made</option>' in page


def test_bad_audit_filters_are_reported_at_once(app, admin):
    refused = admin.get("/admin/audit?user=999&action=DROP%20TABLE&from=2026-13-40&to=soon")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert re.findall(r'data-field="(\w+)"', page) == ["user", "action", "from", "to"]
    assert _ids(refused) == []
    reversed_days = admin.get("/admin/audit?from=2026-11-22&to=2026-11-01")
    assert reversed_days.status_code == 422 and 'data-field="to"' in reversed_days.get_data(
        as_text=True)
    assert admin.get("/admin/audit?from=0001-01-01&to=9999-12-31").status_code == 422  # no 500


def test_audit_times_are_in_the_pharmacys_time_zone(app, admin, compounding_day):
    # 16:00:30 UTC, after the sign-in however long it took (a session is never read at a time
    # before it began); the page shows the minute
    compounding_day.move_to("2026-11-22T16:00:30+00:00")
    app.extensions["audit"].record("plan", user_id=1, target="AT-FOUR-UTC")
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "When (America/Chicago)" in page
    assert "Days in the pharmacy's time zone (America/Chicago)" in page
    row = re.search(r"<tr><td>\d+</td><td>([^<]+)</td><td>[^<]*</td><td>Plan made", page)
    assert row.group(1) == "2026-11-22 10:00 CST"
    assert save(admin, **{"pharmacy-time_zone": "Europe/Paris"}).status_code == 303
    page = admin.get("/admin/audit").get_data(as_text=True)
    row = re.search(r"<tr><td>\d+</td><td>([^<]+)</td><td>[^<]*</td><td>Plan made", page)
    assert "When (Europe/Paris)" in page and row.group(1) == "2026-11-22 17:00 CET"
    in_paris = admin.get("/admin/audit?action=plan&from=2026-11-22&to=2026-11-22")
    assert "AT-FOUR-UTC" in in_paris.get_data(as_text=True)



def test_the_label_printer_is_set_on_the_page_and_kept_by_other_saves(app, admin):
    # a printer set in the profile was dropped by any save of the label section
    assert save(admin, **{"label-printer": "10.0.0.9:9100"}).status_code == 303
    assert app.config["PROFILE"].label.printer == "10.0.0.9:9100"
    assert save(admin, **{"label-stock": "3x2"}).status_code == 303
    assert app.config["PROFILE"].label.printer == "10.0.0.9:9100"
    refused = save(admin, **{"label-printer": "not a printer!"})
    assert refused.status_code == 422 and "label.printer" in errors_on(refused)
    assert save(admin, **{"label-printer": ""}).status_code == 303
    assert app.config["PROFILE"].label.printer is None
