"""A titration kit of capsules at the counter, through the test client (issue 26): the order
form's schedule (rows of dose, doses a day and days; empty rows ignored), its total, the
preview of the kit's batches and directions with their dates, the errors beside each step, the
kit kept as one batch record per strength and its page, the kit colours in the pharmacy's
settings; an oral liquid's schedule in one bottle.

The kit of every test here, by hand: 1.5 mg nightly for 14 days, then 3 mg for 14 days, then
4.5 mg for 30 days, started on 23 November 2026, from 50 mg tablets of W = 250 mg, size 3,
130 mg pack stat, overage ⌈5 % × n⌉ (samples/pharmacy.toml's kit colours: 1.5 mg white, 3 mg
blue, 4.5 mg green).

- 1.5 mg: n = 14 × 1 × 1 = 14 capsules, overage ⌈0.7⌉ = 1; 3 mg: the same; 4.5 mg: n = 30,
  overage ⌈1.5⌉ = 2. Days' supply 14 + 14 + 30 = 58.
- Days 1–14 run 23 November to 6 December, days 15–28 7 to 20 December, days 29–58
  21 December to 19 January 2027.
- The method, automatic: 1 tablet makes 50 ÷ 3 = 16.7 → 16 capsules of 3 mg for 15 needed,
  and 3 tablets 3 × 50 ÷ 4.5 = 33.3 → 33 of 4.5 mg for 32: whole tablets; 1 tablet would make
  33 capsules of 1.5 mg for 15 (18 over, at most 10) and their exact portion,
  15 × 1.5 × 250 ÷ 50 = 112.5 mg, is under the balance's 120 mg: a trituration, 15 capsules.
- Allowing several capsules a dose: one strength, 1.5 mg, 14 × 1 + 14 × 2 + 30 × 3 = 132
  capsules (+ ⌈6.6⌉ = 7 overage).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from . import pdf
from .people import PASSWORD, csrf
from .test_powder_counter import errors_beside, visible
from .test_record_page import post as page_post
from .test_settings_page import PAGE as SETTINGS
from .test_settings_page import admin, save  # noqa: F401 (a fixture)
from .test_web_form import FORM, token

KIT = {**FORM, "dosing": "schedule", "concurrent_medications": "", "method": "auto",
       "overage_kind": "percent", "overage_value": "5", "start_on": "2026-11-23",
       "timing": "at bedtime",
       # steps typed in rows 1, 3 and 5 of the six: the empty rows between are ignored
       "schedule.0.dose": "1.5", "schedule.0.days": "14", "schedule.2.dose": "3",
       "schedule.2.days": "14", "schedule.4.dose": "4.5 mg", "schedule.4.doses_per_day": "1",
       "schedule.4.days": "30"}
"""The order form as the technician fills it for the kit; the one dose's inputs (strength,
quantity, directions) left as they were, and ignored."""


def send(client, path: str = "/", **changes: str):
    return client.post(path, data={**KIT, "csrf_token": token(client), **changes})


def preview(client, **changes: str) -> str:
    response = send(client, **changes)
    assert response.status_code == 200, visible(response.get_data(as_text=True))[:800]
    return response.get_data(as_text=True)


def test_the_form_offers_a_schedule_with_six_rows_without_a_script(client):
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert re.search(r'<select id="dosing" name="dosing">\s*<option value="one" selected>One '
                     r'dose</option>\s*<option value="schedule">Titration schedule', page)
    rows = re.findall(r'aria-label="Step (\d+) (dose|doses a day|days)"', page)
    assert rows == [(str(i), leaf) for i in range(1, 7)
                    for leaf in ("dose", "doses a day", "days")]
    assert '<input type="checkbox" id="combine" name="combine" value="1">' in page
    assert '<label for="start_on">First day of the schedule</label>' in page
    assert "Total: No step yet." in visible(page)
    # the step editor's script, from this site only: the policy lets nothing else run, and
    # no other page runs any
    assert '<script src="/static/kit.js" defer></script>' in page
    assert response.headers["Content-Security-Policy"].endswith("; script-src 'self'")
    assert "script-src" not in client.get("/records").headers["Content-Security-Policy"]
    with client.get("/static/kit.js") as served:
        assert served.status_code == 200 and "Add a step" in served.get_data(as_text=True)
    # without a script, the one dose's inputs or the schedule's go out of view (app.css)
    css = (Path(__file__).resolve().parent.parent / "web" / "static" / "app.css").read_text()
    assert ('form:has(#dosing option[value="schedule"]:checked) '
            '.dosing-one:not(:has([aria-invalid="true"]))') in css


def test_the_preview_shows_each_strengths_batch_and_the_dated_directions(client):
    page = preview(client)
    said = visible(page)
    assert "Titration kit: 3 batches, one per strength" in said
    assert ("Schedule 58 days from 2026-11-23 (last day 2027-01-19); 14 white × 1.5 mg "
            "(+ 1 overage); 14 blue × 3 mg (+ 1 overage); 30 green × 4.5 mg (+ 2 overage)") in said
    assert "Capsule colours 1.5 mg: white; 3 mg: blue; 4.5 mg: green" in said
    for row in ("Days 1–14 2026-11-23 to 2026-12-06 Days 1–14: take 1 white capsule (1.5 mg) "
                "by mouth at bedtime 1.5 mg, white",
                "Days 15–28 2026-12-07 to 2026-12-20 Days 15–28: take 1 blue capsule (3 mg)",
                "Days 29–58 2026-12-21 to 2027-01-19 Days 29–58: take 1 green capsule (4.5 mg)"):
        assert row in said, row
    for batch in ("1.5 mg capsules, white Shell size 3, white gelatin Capsules to fill 15 (14 "
                  "dispensed + 1 overage)",
                  "3 mg capsules, blue Shell size 3, blue gelatin Capsules to fill 16 (14 "
                  "dispensed + 1 overage) Tablets to crush 1",
                  "4.5 mg capsules, green Shell size 3, green gelatin Capsules to fill 33 (30 "
                  "dispensed + 2 overage) Tablets to crush 3"):
        assert batch in said, batch
    assert "Fill weight per capsule 130 mg (QC 117 mg to 143 mg)" in said
    assert "How each number of the 4.5 mg batch was derived" in said
    assert "e Overage e = ⌈n × pct / 100⌉ ⌈30 × 5 / 100⌉ = ⌈1.5⌉ 2 capsules" in said
    # the rows came back from 0, the empty ones dropped; the total, as the script says it
    for name, value in (("schedule.1.dose", "3"), ("schedule.2.dose", "4.5 mg"),
                        ("schedule.2.days", "30")):
        assert re.search(rf'id="{re.escape(name)}" [^>]*value="{re.escape(value)}"', page), name
    assert ("Total: 58 days: 14 × 1.5 mg, 14 × 3 mg, 30 × 4.5 mg capsules, before overage"
            in said)
    assert '<button type="submit" class="create-kit"' in page


def test_several_capsules_a_dose_make_one_strength(client):
    said = visible(preview(client, combine="1", method="whole_tablets"))
    assert "Titration kit: 1 batch, one per strength" in said
    assert "Capsules to fill 139 (132 dispensed + 7 overage)" not in said  # whole tablets
    assert "(132 dispensed + 7 overage)" in said
    assert "Days 29–58: take 3 white capsules (4.5 mg) by mouth at bedtime" in said
    assert "Total: 58 days: 132 × 1.5 mg capsules, before overage" in said


def test_each_steps_error_is_beside_its_row_and_named_by_it(client):
    # rows 1, 3 and 4 typed: the order's schedule[1] is the third row, shown again as Step 2
    response = send(client, **{"schedule.2.dose": "three", "schedule.3.dose": "4.5",
                               "schedule.3.days": "0", "schedule.4.dose": "",
                               "schedule.4.doses_per_day": "", "schedule.4.days": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert errors_beside(page) == {"schedule.1.dose": ["INVALID_QUANTITY"],
                                   "schedule.2.days": ["INVALID_VALUE"]}
    summary = visible(re.search(r'<section class="alert".*?</section>', page, re.S).group(0))
    assert ("Step 2 dose: Enter a number, like 1.5 (in mg, as the column says), or a number "
            "with its unit, like 1500 mcg.") in summary
    assert "Step 3 days: Enter a whole number of days, from 1 to 366, like 14." in summary
    assert '<a href="#schedule.1.dose">Step 2 dose</a>' in page
    assert re.search(r'id="schedule.1.dose" [^>]*value="three"', page)


def test_a_step_the_strengths_cannot_give_and_a_lot_number_are_refused_plainly(client):
    response = send(client, lot_number="KIT-1")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "lot_number" in errors_beside(page)
    assert "each given its own lot number when the kit is kept: leave this empty" in page
    # the plan is still shown, with the error
    assert "Titration kit: 3 batches" in visible(page)


def test_two_strengths_in_one_colour_point_to_the_pharmacys_settings(client):
    # 1 mg and 2 mg have no kit colour of their own (the sample has 1.5, 3 and 4.5 mg)
    response = send(client, **{"schedule.0.dose": "1", "schedule.2.dose": "2",
                               "schedule.4.dose": "", "schedule.4.doses_per_day": "",
                               "schedule.4.days": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    summary = visible(re.search(r'<section class="alert".*?</section>', page, re.S).group(0))
    assert ("Kit colours (in the pharmacy's settings): the 1 mg and 2 mg capsules would both "
            "have no colour of their own") in summary
    beside = re.search(r'<ul class="field-errors" id="schedule-error">(.*?)</ul>', page, re.S)
    assert 'data-code="KIT_COLOURS_CLASH"' in beside.group(1)  # below the step editor
    assert 'aria-describedby="schedule-error"' in page
    assert 'href="/admin/settings' not in page  # the technician's is no settings page


def test_an_oral_liquid_schedule_is_one_bottle(client):
    said = visible(preview(client, dosage_form="oral_liquid"))
    assert "Dose volume 1.5 mL (1.5 mg); 3 mL (3 mg); 4.5 mL (4.5 mg)" in said
    assert "Volume to dispense 198 mL: the schedule's 58 days" in said
    assert "Total: 58 days: 198 mg of naltrexone HCl in all" in said
    assert "Titration kit" not in said


def test_a_kept_kits_calendar_prints_months_later(client, compounding_day):
    made = send(client, "/batch", method="whole_tablets", submission="kit-late-" * 3)
    assert made.status_code == 303
    compounding_day.move_to("2027-03-01T10:00:00-06:00")  # 99 days after the kit was made
    from .people import login

    login(client, "tech")  # a new session on the new day
    calendar = client.get(made.headers["Location"].split("?")[0] + "/calendar.pdf")
    assert calendar.status_code == 200 and calendar.mimetype == "application/pdf"


def test_the_kit_kept_its_page_batches_and_documents(app, client, pharmacist):
    made = send(client, "/batch", method="whole_tablets", submission="kit-form-" * 3)
    assert made.status_code == 303 and made.headers["Location"] == "/kits/1?created=1"
    # pressed twice (or Back and again): the kit it made, not a second one
    again = send(client, "/batch", method="whole_tablets", submission="kit-form-" * 3)
    assert again.headers["Location"] == "/kits/1?created=1"
    changed = send(client, "/batch", submission="kit-form-" * 3, **{"schedule.0.days": "15"})
    assert changed.status_code == 409
    assert "This order form already made a kit with other values." in changed.get_data(
        as_text=True)
    said = visible(client.get(made.headers["Location"]).get_data(as_text=True))
    assert "Titration kit 1 open Kit kept: 3 batch records, one per strength." in said
    lots = re.findall(r"Batch (20261122-\d{3})", said)
    assert len(lots) == 3
    assert (f"1.5 mg white Batch {lots[0]} printed (not compounded yet) 14 Days 1–14: take 1 "
            f"white capsule (1.5 mg) by mouth at bedtime") in said
    assert f"4.5 mg green Batch {lots[2]} printed" in said
    assert "The kit label is printed once every batch is verified." in said
    assert {e.target for e in app.extensions["audit"].all() if e.action == "create_kit"} == {
        "kit 1"}
    # each batch's page says which kit and step it is
    batch = visible(client.get(f"/records/{lots[1]}").get_data(as_text=True))
    assert ("Part of titration kit 1: the 3 mg blue capsules (Days 15–28: take 1 blue capsule "
            "(3 mg) by mouth at bedtime).") in batch
    # the kit label waits for every batch; the calendar is the kit's, in its colours
    refused = pharmacist.post("/kits/1/label.pdf", data={"csrf_token": csrf(pharmacist,
                                                                            "/kits/1")})
    assert refused.status_code == 409
    assert "kit 1 is open: 1.5 mg (white), lot" in visible(refused.get_data(as_text=True))
    calendar = client.get("/kits/1/calendar.pdf")
    assert calendar.mimetype == "application/pdf"
    words = pdf.text(calendar.data)
    assert all(colour in words for colour in ("white", "blue", "green"))
    # each batch compounded and verified: the kit is released, its label printed
    for lot, (tablets, powder, filler, capsules) in zip(lots, (
            (1, "248 mg", "4083 mg", 33), (1, "249 mg", "1917 mg", 16),
            (3, "748 mg", "3583 mg", 33)), strict=True):
        bench = {"tablets_used": tablets, "tablet_powder_actual": powder,
                 "filler_actual": filler, "capsules_made": capsules,
                 "capsule_weights": ["130 mg"] * 10, "source_lot": "N456",
                 "source_expiry": "2028-01", "filler_lot": "M789", "filler_expiry": "2028-06-30",
                 "capsule_lot": "C321", "capsule_expiry": "2029-01",
                 "compounded_at": "2026-11-22T10:00:00+00:00"}
        sent = client.post(f"/api/v1/records/{lot}/bench", json=bench)
        assert sent.status_code == 200, sent.get_data(as_text=True)
        assert page_post(pharmacist, lot, "verification", decision="approve",
                         password=PASSWORD).status_code == 303
    said = visible(pharmacist.get("/kits/1").get_data(as_text=True))
    assert "Titration kit 1 released" in said and "Print kit label (PDF)" in said
    label = pharmacist.post("/kits/1/label.pdf", data={"csrf_token": csrf(pharmacist,
                                                                          "/kits/1")})
    assert label.status_code == 200 and label.mimetype == "application/pdf"
    words = pdf.text(label.data)
    assert all(lot in words for lot in lots)
    assert all(colour in words for colour in ("white", "blue", "green"))
    assert client.get("/kits/2").status_code == 404


def test_the_kit_colours_are_the_pharmacys_settings(app, admin):  # noqa: F811
    page = admin.get(SETTINGS).get_data(as_text=True)
    assert ('id="kit_colours-1-strength" name="kit_colours-1-strength" aria-label="Kit strength '
            '(mg) 2" value="3"') in page
    assert 'aria-label="Kit colour 2" value="blue"' in page
    saved = save(admin, **{"kit_colours-3-strength": "6 mg", "kit_colours-3-colour": "yellow"})
    assert saved.status_code == 303
    assert app.config["PROFILE"].kit_colours == {"1.5": "white", "3": "blue", "4.5": "green",
                                                 "6": "yellow"}
    refused = save(admin, **{"kit_colours-4-strength": "1.50", "kit_colours-4-colour": "red",
                             "kit_colours-5-strength": "9", "kit_colours-5-colour": "Blue",
                             "kit_colours-6-colour": "pink"})
    assert refused.status_code == 422
    said = visible(refused.get_data(as_text=True))
    assert "Kit strength (mg) 5: 1.5 mg has a colour already, in row 1" in said
    assert "Kit colour 6: the 3 mg capsules are Blue too" in said
    assert "Kit strength (mg) 7: enter the strength of the pink capsules, in mg" in said
    assert app.config["PROFILE"].kit_colours["6"] == "yellow"  # nothing saved


@pytest.mark.parametrize("typed", ["1.5", " 1.5 mg ", "1500 mcg"])
def test_the_total_reads_a_dose_as_the_script_does(typed):
    from compounding.web.kit_order import total

    assert total({"schedule.0.dose": typed, "schedule.0.days": "14",
                  "schedule.0.doses_per_day": "2"}) == (
        "14 days: 28 × 1.5 mg capsules, before overage")
