"""Issue 27 at the workstation: balances and capsule machines on the settings page, the
worksheet, the bench form and the executed record.

The high-volume pharmacy (samples/high-volume.toml) weighs 4.5 mg × 2 500 capsules + 2 %,
size 00, DF 1.25, as tests/test_balances.py works it out: 57.5 g of tablet powder on the
analytical balance (0.1 mg), 1 104 g of filler on the top-loading one (10 mg), 9 runs of its
300-hole machine, 8 × 300 (136.35 g of blend each) and 155 (70.4475 g), 10 capsules weighed
from each. With only its analytical (220 g) and prescription (120 g) balances and a record that
allows portions, the 1 104 g of filler is ⌈1 104 ÷ 220⌉ = 6 portions of 184 g on the
analytical balance. 4.5 mg × 500 + 2 %, size 3, on the 300-hole machine: two runs, 300 and the
rest.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest

from compounding.documents import worksheet_pdf
from compounding.formulary import Formulary, FormularyEntry
from compounding.formulary.seeds import seeded
from compounding.profile import Profile, load_profile

from . import pdf
from .people import HASHER, KEY, PASSWORD, login
from .test_record_page import page_of, post
from .test_settings_page import errors_on, events

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
HIGH = load_profile((SAMPLES / "high-volume.toml").read_text(encoding="utf-8"))
PHARMACY = load_profile((SAMPLES / "pharmacy.toml").read_text(encoding="utf-8"))
HIGH_ORDER = json.loads((SAMPLES / "high-volume-4.5mg.order.json").read_text(encoding="utf-8"))
PAGE = "/admin/settings/equipment"
TWO_RUNS = {"strength": "4.5 mg", "quantity": 500, "rx_number": "270500",
            "patient": {"name": "Stock batch"}, "capsule": {"size": "3", "lot": "C321",
                                                            "expiry": "2029-01-31"},
            "source": {"average_tablet_weight": "250 mg", "lot": "N456",
                       "expiry": "2028-01-31"},
            "filler": {"lot": "M789", "expiry": "2028-06-30"}}
"""4.5 mg × 500 capsules of size 3: two runs of the 300-hole machine."""


def text_of(document: bytes) -> str:
    return pdf.text(document)


# -- the settings page ---------------------------------------------------------------------------


@pytest.fixture
def admin(app):
    browser = app.test_client()
    login(browser, "admin")
    return browser


def token(browser) -> tuple[str, str]:
    page = browser.get(PAGE).get_data(as_text=True)
    return (re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
            re.search(r'name="version" value="(\d*)"', page).group(1))


def equipment_form(browser, rows: dict[str, str]) -> dict[str, str]:
    csrf, version = token(browser)
    return {"csrf_token": csrf, "version": version, **rows}


THREE_BALANCES = {
    **{f"balances-0-{k}": v for k, v in (("name", "analytical"), ("readability", "0.1 mg"),
                                         ("minimum_weighable_quantity", "20 mg"),
                                         ("capacity", "220 g"), ("checked_on", "2026-11-02"),
                                         ("check_interval_days", "30"))},
    **{f"balances-1-{k}": v for k, v in (("name", "prescription"), ("readability", "1 mg"),
                                         ("minimum_weighable_quantity", "120 mg"),
                                         ("capacity", "120 g"))},
    **{f"balances-2-{k}": v for k, v in (("name", "top-loading"), ("readability", "0.01 g"),
                                         ("minimum_weighable_quantity", "1 g"),
                                         ("capacity", "4 kg"), ("checked_on", "2026-01-02"),
                                         ("check_interval_days", "90"))},
    "capsule_machines-0-name": "300-hole capsule filler", "capsule_machines-0-holes": "300",
    "capsule_machines-0-sizes": "00, 0 1,2 3",
}


def test_the_settings_page_saves_three_balances_and_a_machine(app, admin, client):
    saved = admin.post(PAGE, data=equipment_form(admin, THREE_BALANCES))
    assert saved.status_code == 303, saved.get_data(as_text=True)[:3000]
    profile = app.config["PROFILE"]
    assert [(b.name, b.readability, b.minimum_weighable_quantity, b.capacity)
            for b in profile.balances] == [("analytical", pytest.approx(0.1), 20, 220_000),
                                           ("prescription", 1, 120, 120_000),
                                           ("top-loading", 10, 1000, 4_000_000)]
    assert [(b.checked_on and b.checked_on.isoformat(), b.check_interval_days)
            for b in profile.balances] == [("2026-11-02", 30), (None, 365), ("2026-01-02", 90)]
    [machine] = profile.capsule_machines
    assert (machine.name, machine.holes, machine.sizes) == (
        "300-hole capsule filler", 300, ("00", "0", "1", "2", "3"))
    [event] = events(app, "settings_change")
    assert event.detail["sections"] == ["balances", "capsule_machines"]
    assert event.detail["after"]["balances"][2]["readability"] == "10 mg"
    # the next plan is made on them: two runs, each weighing on its balance
    plan = client.post("/api/v1/plan", json=TWO_RUNS).get_json()
    assert plan["machine"] == "300-hole capsule filler"
    assert [r["capsules"] for r in plan["runs"]] == [300, plan["capsules_to_fill"] - 300]
    assert {w["what"]: w["balance"] for w in plan["weighings"]} == {
        "tablet powder": "analytical", "filler": "analytical"}
    # the page shows what is in force, with the top-loading balance's check overdue
    page = html.unescape(admin.get(PAGE).get_data(as_text=True))
    assert 'value="top-loading"' in page and 'value="4000 g"' in page
    assert 'value="10 mg"' in page and 'value="0.01 g"' not in page
    assert re.search(r"2026-04-02 <strong>overdue</strong>", page)
    assert "Settings saved as version 1: balances, capsule machines changed." in page
    # an empty row removes a balance
    again = {**THREE_BALANCES, **{f"balances-2-{k}": "" for k in (
        "name", "readability", "minimum_weighable_quantity", "capacity", "checked_on",
        "check_interval_days")}}
    assert admin.post(PAGE, data=equipment_form(admin, again)).status_code == 303
    assert [b.name for b in app.config["PROFILE"].balances] == ["analytical", "prescription"]


def test_every_error_of_the_page_is_named_by_its_field_and_nothing_is_saved(app, admin):
    wrong = {**THREE_BALANCES,
             "balances-0-minimum_weighable_quantity": "0.05 mg",  # below the readability
             "balances-1-name": "Analytical",  # a name given twice
             "balances-2-capacity": "", "balances-2-check_interval_days": "often",
             "balances-3-name": "kitchen", "balances-3-readability": "1 mL",
             "balances-3-minimum_weighable_quantity": "2 g", "balances-3-capacity": "1 g",
             "capsule_machines-0-holes": "0", "capsule_machines-0-sizes": "3, 7",
             "capsule_machines-1-name": "hand plate"}
    response = admin.post(PAGE, data=equipment_form(admin, wrong))
    assert response.status_code == 422
    assert errors_on(response) == {
        "balances[0].minimum_weighable_quantity": "balances-0-minimum_weighable_quantity",
        "balances[1].name": "balances-1-name",
        "balances[2].capacity": "balances-2-capacity",
        "balances[2].check_interval_days": "balances-2-check_interval_days",
        "balances[3].readability": "balances-3-readability",
        "capsule_machines[0].holes": "capsule_machines-0-holes",
        "capsule_machines[0].sizes": "capsule_machines-0-sizes",
        "capsule_machines[1].holes": "capsule_machines-1-holes",
        "capsule_machines[1].sizes": "capsule_machines-1-sizes"}
    page = html.unescape(response.get_data(as_text=True))
    assert "is below the readability (0.1 mg)" in page
    assert "balance 1 is called “analytical” already" in page
    assert 'value="often"' in page  # what was typed stays
    assert re.search(r'id="balances-1-name"[^>]*aria-invalid="true"', page)
    assert app.config["PROFILE"].balances == () and not events(app, "settings_change")
    # a range the balance could weigh nothing in is said at its capacity
    empty = {**THREE_BALANCES, "balances-1-capacity": "120 mg"}
    response = admin.post(PAGE, data=equipment_form(admin, empty))
    assert errors_on(response) == {"balances[1].capacity": "balances-1-capacity"}


def test_the_technician_cannot_open_the_equipment_page(client):
    assert client.get(PAGE).status_code == 403


# -- the worksheet -------------------------------------------------------------------------------


def test_the_high_volume_worksheet_names_each_balance_and_gives_the_runs():
    text = text_of(worksheet_pdf(HIGH_ORDER, HIGH))
    assert "57.5 g Balance: analytical (0.1 mg)" in text
    assert "1104 g Balance: top-loading (10 mg)" in text
    assert "in 9 runs (Runs, below)" in text
    assert "Runs on the 300-hole capsule filler" in text
    assert "Run Capsules Blend QC sample Capsules made QC net weights (mg)" in text
    assert "1 300 136.35 g 10 ______ 1. ______ 2. ______" in text
    assert "9 155 70.4475 g 10 ______" in text
    assert "All runs 2555 1161.25 g 90 ______" in text
    assert "90 capsules in all" in text
    # the acceptance range to the analytical balance's 0.1 mg, as the calculation has it
    assert "acceptance range 90-110 %: 409.1 mg to 499.9 mg" in text
    assert "rounded to the readability of the balance each is made on" in text


def test_weighing_in_portions_gives_each_portion_and_a_blank_for_it():
    base = Formulary.built_in().current("LDN-CAPS-TAB-MCC")
    allowed = type(base.mfr).model_validate({**base.mfr.model_dump(), "version": 2,
                                             "weigh_in_portions": True})
    entries = tuple([FormularyEntry.of(m, "built_in") for m in seeded()
                     if m.id != "LDN-CAPS-TAB-MCC"] + [FormularyEntry.of(allowed, "built_in")])
    two = Profile.model_validate({**{n: getattr(HIGH, n) for n in Profile.model_fields},
                                  "balances": HIGH.balances[:2], "formulary": entries})
    text = text_of(worksheet_pdf(HIGH_ORDER, two))
    blanks = " ".join(f"{i}. ______" for i in range(1, 7))
    assert (f"Weigh 1104 g of microcrystalline cellulose in 6 portions of 184 g (Balance: "
            f"analytical (0.1 mg)), recording each: {blanks}; total ______.") in text
    assert "1104 g in 6 portions of 184 g Balance: analytical (0.1 mg)" in text
    # the one 120 g balance of the pharmacy settings: 10 portions of 110.4 g
    text = text_of(worksheet_pdf(HIGH_ORDER, Profile().with_formulary(entries)))
    assert "in 10 portions of 110.4 g, recording each: 1. ______" in text
    assert "Balance:" not in text


@pytest.mark.parametrize("stem", ["usual-4.5mg", "very-low-0.5mg", "powder-1.5mg",
                                  "liquid-4.5mg"])
def test_without_a_list_of_balances_the_worksheets_are_unchanged(stem):
    """The golden worksheets of samples/ (samples/pharmacy.toml, one balance), byte for
    byte."""
    order = json.loads((SAMPLES / f"{stem}.order.json").read_text(encoding="utf-8"))
    assert worksheet_pdf(order, PHARMACY) == (SAMPLES / f"{stem}.worksheet.pdf").read_bytes()


def test_the_liquid_worksheet_names_the_balance_of_each_weighed_ingredient():
    """4.5 mg at 1 mg/mL for 30 days: 708.75 mg of tablet powder, 708.75 mg of ascorbic acid
    and 141.75 mg of sodium benzoate, each on the analytical balance (0.1 mg); the glycerol is
    measured, in mL."""
    order = json.loads((SAMPLES / "liquid-4.5mg.order.json").read_text(encoding="utf-8"))
    text = text_of(worksheet_pdf(order, HIGH))
    assert "708.8 mg (708.75 mg) Balance: analytical (0.1 mg)" in text
    assert "141.8 mg (141.75 mg) Balance: analytical (0.1 mg)" in text
    assert "28.35 mL GL" in text  # no balance for what is measured


# -- the bench -----------------------------------------------------------------------------------


@pytest.fixture
def high_app(tmp_path, compounding_day, app_database):
    """The app of the high-volume pharmacy: three balances and a 300-hole machine."""
    from compounding.web import create_app

    database = tmp_path / "records.sqlite3"
    shutil.copyfile(app_database, database)
    return create_app({"TESTING": True, "PROFILE": HIGH,
                       "DATABASE_URL": f"sqlite:///{database}", "CHAIN_KEY": KEY,
                       "PASSWORD_HASHER": HASHER})


def test_a_bench_of_two_runs_posts_and_reconciles(high_app):
    tech, rph = high_app.test_client(), high_app.test_client()
    login(tech, "tech")
    login(rph, "rph")
    made = tech.post("/api/v1/worksheet", json=TWO_RUNS)
    assert made.status_code == 201, made.get_data(as_text=True)[:500]
    lot = made.headers["X-Lot-Number"]
    plan = high_app.extensions["records"].get(lot).plan
    rest = plan.capsules_to_fill - 300
    assert [r.capsules for r in plan.runs] == [300, rest]
    page = html.unescape(page_of(tech, lot))
    # a capsules made and a text area a run, no batch-wide ones; a balance choice a weighing
    assert 'name="capsules_made"' not in page and 'name="capsule_weights"' not in page
    for name in ("run_0_capsules_made", "run_0_capsule_weights", "run_1_capsules_made",
                 "run_1_capsule_weights"):
        assert f'name="{name}"' in page, name
    assert "Run 2: capsules made" in page and f"{rest} capsules planned" in page
    chosen = re.search(r'<select id="bench-balance_1" name="balance_1">(.*?)</select>', page,
                       re.S).group(1)
    assert re.findall(r'<option value="([^"]+)" selected>', chosen) == ["analytical"]
    assert re.findall(r'<option value="([^"]+)"', chosen) == [
        "analytical", "prescription", "top-loading"]
    w = f"{float(plan.fill_weight):g}"
    form = {"tablets_used": str(plan.tablets), "tablet_powder_actual": str(plan.tablet_powder),
            "filler_actual": f"{float(plan.filler_total):.1f}", "source_lot": "N456",
            "source_expiry": "2028-01-31", "filler_lot": "M789", "filler_expiry": "2028-06-30",
            "capsule_lot": "C321", "capsule_expiry": "2029-01-31",
            "run_0_capsules_made": "300", "run_0_capsule_weights": f"{w} " * 10,
            "run_1_capsules_made": str(rest), "run_1_capsule_weights": f"{w}\n" * 4,
            "balance_0": "analytical", "balance_1": "prescription"}
    # run 2 with 4 weights: refused, the error beside run 2's weights, what was typed kept
    refused = post(tech, lot, "bench", **form)
    assert refused.status_code == 422
    page = html.unescape(refused.get_data(as_text=True))
    assert re.search(r'id="bench-run_1_capsule_weights"[^>]*aria-invalid="true"', page)
    assert "run 2: 4 capsule weights: weigh at least 10 of its capsules" in page
    assert re.search(r'<option value="prescription" selected>', page)
    # a run's count not given: said at the run, not again as the batch's capsules made
    unread = post(tech, lot, "bench", **{**form, "run_0_capsules_made": "",
                                         "run_1_capsule_weights": f"{w}\n" * 9 + "x"})
    summary = re.search(r'<section class="alert".*?</section>',
                        html.unescape(unread.get_data(as_text=True)), re.S).group(0)
    assert re.findall(r'<li data-code="(\w+)">', summary) == ["FIELD_REQUIRED",
                                                              "INVALID_QUANTITY"], summary
    saved = post(tech, lot, "bench", **{**form, "run_1_capsule_weights": f"{w} 0.{w[:3]} g "
                                        + f"{w} " * 8})
    assert saved.status_code == 303, html.unescape(saved.get_data(as_text=True))[-4000:]
    record = high_app.extensions["records"].get(lot)
    bench = record.bench
    assert [(r.capsules_made, len(r.capsule_weights)) for r in bench.runs] == [(300, 10),
                                                                               (rest, 10)]
    assert (bench.capsules_made, len(bench.capsule_weights)) == (plan.capsules_to_fill, 20)
    assert [(u.weighing, u.balance) for u in bench.balances_used] == [
        ("tablet powder", "analytical"), ("filler", "prescription")]
    assert record.made is not None and record.status == "compounded"
    page = html.unescape(page_of(rph, lot))
    runs = re.search(r'<table class="working bench-runs".*?</table>', page, re.S).group(0)
    assert re.findall(r"<tr><th scope=\"row\">(\d)</th><td>(\d+)</td><td>(\d+)</td>"
                      r"<td>(\d+)</td><td>(\d+)</td></tr>", runs) == [
        ("1", "300", "300", "10", "0"), ("2", str(rest), str(rest), "10", "0")]
    assert re.search(r"filler \([\d.]+ g\)</th><td>analytical \(0.1 mg\)</td><td>prescription",
                     page)
    # the correction's form shows each run as entered
    assert re.search(rf'name="run_1_capsules_made" value="{rest}"', page)
    assert re.search(rf'name="run_1_capsule_weights"[^>]*>{w} {w} {w} ', page)
    # the pharmacist verifies; the executed record gives the runs and the balances used
    assert post(rph, lot, "verification", decision="approve",
                password=PASSWORD).status_code == 303
    record = high_app.extensions["records"].get(lot)
    assert record.status == "verified"
    executed = rph.get(f"/records/{lot}/record.pdf")
    assert executed.status_code == 200
    text = text_of(executed.data)
    assert "Runs as made on the 300-hole capsule filler" in text
    assert f"2 {rest} {rest} 10" in text
    assert "Balances used Weighing Planned amount Planned balance Balance used" in text
    assert "filler" in text and "analytical (0.1 mg) prescription" in text
