"""An oral liquid at the counter, through the test client: the order form (the dosage form
chosen, the capsules' fields ignored), the preview with its working in words, the errors
beside their inputs, the batch record and its page, the bench form (every ingredient's amount
and lot, the final volume), the pharmacist's verification and the dispensing label.

The order of every test here, by hand (Fawcett, Morgan & Woods, Ann Pharmacother
1997;31:1291-5: ascorbic acid 0.5 % w/v, sodium benzoate 0.1 % w/v, glycerol 20 % v/v, water
to volume; 60 days at 2-8 °C): 4.5 mg nightly for 30 days at 1 mg/mL from 50 mg tablets of
W = 250 mg.

- Dose volume v = 4.5 mg ÷ 1 mg/mL = 4.5 mL. The 1 mL and 3 mL syringes hold less; the 5 mL
  syringe is marked every 0.2 mL (4.5 ÷ 0.2 = 22.5 marks: not one); the 10 mL syringe, by
  0.5 mL, measures it (9 marks).
- V = 4.5 × 30 = 135 mL; overage max(5 % × 135, 5) = 6.75 mL; Vb = 141.75 mL; D = 141.75 mg.
- Three whole tablets would make 150 mL, 15 mL over V (at most 14): an exact portion,
  141.75 × 250 ÷ 50 = 708.75 mg of the powder of ⌈141.75 ÷ 49⌉ = 3 tablets.
- Ascorbic acid 10 × 0.5 × 141.75 = 708.75 mg; sodium benzoate 141.75 mg; glycerin
  20 ÷ 100 × 141.75 = 28.35 mL; purified water to 141.75 mL.
- Beyond-use date 2026-11-22 + 60 days = 2027-01-21.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

from compounding.errors import ErrorDetail
from compounding.orders.liquid import DEFAULT_SYRINGES
from compounding.web.liquid_bench import at_rows, rows_sent
from compounding.web.liquid_preview import syringe_reasons

from . import pdf
from .people import PASSWORD, csrf
from .test_powder_counter import errors_beside, visible
from .test_record_page import field_error
from .test_record_page import post as page_post
from .test_web_form import FORM, token

LIQUID = {**FORM, "dosage_form": "oral_liquid", "liquid.strength": "4.5",
          "liquid.strength_unit": "mg", "liquid.days_supply": "30",
          "liquid.doses_per_day": "1", "source.kind": "tablets",
          "ingredients.0.name": "Ascorbic acid", "ingredients.1.name": "Sodium benzoate",
          "ingredients.2.name": "Glycerin (glycerol)", "ingredients.3.name": "Purified water",
          "concurrent_medications": ""}
"""The form as the technician fills it for the liquid: the dosage form chosen; the capsules'
fields (strength, quantity, overage, capsule, filler) left as they were, and ignored."""


def order_form(client, path: str = "/", **changes: str):
    return client.post(path, data={**LIQUID, "csrf_token": token(client), **changes})


def preview(client, **changes: str) -> str:
    response = order_form(client, **changes)
    assert response.status_code == 200, visible(response.get_data(as_text=True))[:600]
    return visible(response.get_data(as_text=True))


def test_the_form_offers_the_dosage_form_and_the_formularys_concentrations(client):
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'<select id="dosage_form" name="dosage_form">\s*<option value="capsules" '
                     r'selected>Capsules</option>\s*<option value="oral_liquid">Oral liquid'
                     r'</option>', page)
    offered = re.search(r'<select id="liquid.concentration" name="liquid.concentration">(.*?)'
                        r'</select>', page, re.S).group(1)
    assert re.findall(r'<option value="([^"]*)"', offered) == ["", "0.1", "1"]
    assert "Automatic, by the dose: 0.1 mg/mL for doses under 1 mg, 1 mg/mL from 1 mg" in offered
    assert "1 mg/mL: oral suspension from tablets, oral solution from powder" in offered
    # each other ingredient of the records, its lot and expiry to type
    assert 'for="ingredients.2.lot">Glycerin (glycerol) lot<' in page
    assert 'name="ingredients.3.name" value="Purified water"' in page
    # without a script, the fieldsets of the form not chosen go out of view (app.css)
    for fieldset in ('<fieldset class="dosage-form form-capsules"><legend>Capsules',
                     '<fieldset class="dosage-form form-capsules"><legend>Batch',
                     '<fieldset class="dosage-form form-capsules"><legend>Filler',
                     '<fieldset class="dosage-form form-oral_liquid"><legend>Oral liquid',
                     '<fieldset class="dosage-form form-oral_liquid"><legend>Other ingredients'):
        assert fieldset in page, fieldset
    css = (Path(__file__).resolve().parent.parent / "web" / "static" / "app.css").read_text()
    assert ('form:has(#dosage_form option[value="oral_liquid"]:checked) '
            'fieldset.form-capsules:not(:has([aria-invalid="true"]))') in css


def test_the_preview_says_the_dose_volume_and_the_syringe_with_its_derivation(client):
    # the capsules' fields hold what no capsule order would take: they are ignored
    said = preview(client, quantity="3O", **{"capsule.size": "9", "filler.pack_stat": "x"})
    assert "Naltrexone HCl 1 mg/mL oral suspension (master formulation record LDN-LIQ-1" in said
    assert "Dose volume 4.5 mL (4.5 mg)" in said
    assert "Oral syringe 10 mL oral syringe, marked every 0.5 mL" in said
    assert ("Why this syringe: 4.5 mg ÷ 1 mg/mL = 4.5 mL; the 1 mL and 3 mL syringes hold less "
            "than 4.5 mL; the 5 mL syringe is marked every 0.2 mL and cannot measure 4.5 mL; "
            "the 10 mL syringe, marked every 0.5 mL, can.") in said
    assert "Directions Take 4.5 mL (4.5 mg) by mouth at bedtime" in said
    assert "Volume to dispense 135 mL: 4.5 mL × 1 a day × 30 days" in said
    assert "Batch volume 141.75 mL (135 mL to dispense + 6.75 mL overage)" in said
    assert "Tablets to crush 3 Tablet powder to weigh 708.75 mg of the powder" in said
    assert "Final volume accepted 134.66 to 148.84 mL" in said
    assert "Method: Exact portion. 3 whole tablets would make 150 mL, 15 mL over" in said
    for row in ("Ascorbic acid 0.5 % w/v 708.75 mg", "Sodium benzoate 0.1 % w/v 141.75 mg",
                "Glycerin (glycerol) 20 % v/v 28.35 mL", "Purified water to volume to 141.75 mL"):
        assert row in said, row
    assert "Beyond-use date 2027-01-21 (compounding date + 60 days (stability study: Fawcett" \
        in said
    # the working, formula by formula
    for row in ("v Dose volume v = d ÷ c 4.5 ÷ 1 4.5 mL",
                "Oral syringe the smallest that holds v and is marked at v 4.5 ÷ 0.5 = 9 marks "
                "10 mL by 0.5 mL",
                "o Overage o = max(pct % × V, minimum) max(5 % × 135, 5) 6.75 mL",
                "Vb Batch volume Vb = V + o 135 + 6.75 141.75 mL",
                "T Tablets to crush T = ⌈D ÷ (S × (1 − loss))⌉ ⌈141.75 ÷ (50 × 0.98)⌉",
                "P Tablet powder to weigh P = D × W ÷ S 141.75 × 250 ÷ 50 708.75 mg",
                "Glycerin (glycerol) 20 % v/v: q ÷ 100 × Vb (mL) 20 ÷ 100 × 141.75 28.35 mL"):
        assert row in said, row
    assert "Capsules to fill" not in said and "Fill weight" not in said


def test_a_volume_instead_of_days_and_a_dose_in_mcg(client):
    # 500 mcg = 0.5 mg at 0.1 mg/mL (the band under 1 mg) is 5 mL: the 5 mL syringe by 0.2 mL
    # measures it (25 marks); 100 mL last ⌊100 ÷ 5⌋ = 20 days
    said = preview(client, **{"liquid.strength": "500", "liquid.strength_unit": "mcg",
                              "liquid.days_supply": "", "liquid.volume": "100"})
    assert "Naltrexone HCl 0.1 mg/mL oral suspension" in said
    assert "Dose volume 5 mL (0.5 mg)" in said
    assert ("0.5 mg ÷ 0.1 mg/mL = 5 mL; the 1 mL and 3 mL syringes hold less than 5 mL; the "
            "5 mL syringe, marked every 0.2 mL, can.") in said
    assert "Volume to dispense 100 mL as ordered: 20 days at 5 mL × 1 a day" in said


def test_a_solution_from_powder_through_a_stock(client):
    # LDN-LIQ-API-01: 0.5 mg × 30 days at 0.1 mg/mL, V = 150 mL, Vb = 157.5 mL, D = 15.75 mg;
    # 15.75 ÷ 0.992 = 15.877 mg of powder is under the balance's minimum: 125 mg in 25 mL
    # (5 mg/mL; 126.008 mg of powder weighed), 15.75 ÷ 5 = 3.15 mL of it
    said = preview(client, **{"liquid.strength": "0.5", "source.kind": "api_powder",
                              "source.average_tablet_weight": "", "powder.lot": "API-3",
                              "powder.assay": "99.2", "powder.expiry": "2028-01"})
    assert "Naltrexone HCl 0.1 mg/mL oral solution" in said
    assert "Naltrexone HCl in the batch 15.75 mg" in said
    assert ("Stock 1 126.008 mg of naltrexone HCl powder made to 25 mL: 5 mg/mL; 3.15 mL of it "
            "measured") in said
    assert "A1 Aliquot of stock 1 A = D ÷ C 15.75 ÷ 5 3.15 mL" in said
    assert "Method: Stock." in said


def test_errors_name_the_liquids_inputs(client):
    response = order_form(client, **{"liquid.days_supply": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert errors_beside(page) == {"liquid.volume": ["FIELD_REQUIRED"]}
    assert ('<a href="#liquid.volume">Volume to dispense</a>: the volume to dispense (volume, '
            'in mL) or the days') in page
    # both: refused beside the days' supply; a volume that is not one: asked for as the field
    both = order_form(client, **{"liquid.volume": "135"}).get_data(as_text=True)
    assert errors_beside(both) == {"liquid.days_supply": ["INVALID_VALUE"]}
    assert "Days’ supply: give the volume to dispense or the days' supply, not both" \
        in visible(both)
    typed = order_form(client, **{"liquid.volume": "lots", "liquid.days_supply": ""}
                       ).get_data(as_text=True)
    assert errors_beside(typed) == {"liquid.volume": ["INVALID_QUANTITY"]}
    assert "Enter a number, like 135 (in mL, as beside the field)" in typed
    # 1.25 mg is 1.25 mL, which no syringe measures: refused beside the concentration
    unmeasurable = order_form(client, **{"liquid.strength": "1.25"}).get_data(as_text=True)
    assert errors_beside(unmeasurable) == {"liquid.concentration": ["DOSE_VOLUME"]}
    assert '<a href="#liquid.concentration">Concentration</a>: no oral syringe' in unmeasurable
    # no dose at all
    missing = order_form(client, **{"liquid.strength": ""}).get_data(as_text=True)
    assert errors_beside(missing) == {"liquid.strength": ["FIELD_REQUIRED"]}


def test_an_ingredients_expiry_caps_the_bud_and_an_expired_one_is_refused_beside_it(client):
    # only the glycerin's row is typed: the order's ingredients[0] is the form's row 2
    capped = preview(client, **{"ingredients.2.lot": "G-1", "ingredients.2.expiry": "2026-12-31"})
    assert "Beyond-use date 2026-12-31 (Glycerin (glycerol) lot expires 2026-12-31" in capped
    assert "set by the Glycerin (glycerol) lot expiry" in capped
    expired = order_form(client, **{"ingredients.2.lot": "G-1",
                                    "ingredients.2.expiry": "2026-11-01"}).get_data(as_text=True)
    assert errors_beside(expired) == {"ingredients.2.expiry": ["COMPONENT_EXPIRED"]}
    assert '<a href="#ingredients.2.expiry">Glycerin (glycerol) expiry</a>' in expired
    assert 'value="G-1"' in expired  # what was typed stays


def test_user_text_is_escaped_once_and_the_draft_keeps_the_liquid(client):
    page = order_form(client, **{"liquid.directions": "Take 4.5 mL <b>nightly</b> & shake"}
                      ).get_data(as_text=True)
    assert "Take 4.5 mL &lt;b&gt;nightly&lt;/b&gt; &amp; shake" in page
    assert "<b>nightly" not in page and "&amp;lt;" not in page
    again = client.get("/").get_data(as_text=True)
    assert '<option value="oral_liquid" selected>' in again
    assert 'id="liquid.strength" name="liquid.strength" required aria-required="true" ' \
           'value="4.5"' in again


def test_the_syringe_reasons_in_words():
    one, three, _, ten = DEFAULT_SYRINGES
    assert syringe_reasons([Fraction(1, 2)], one, DEFAULT_SYRINGES) == \
        "the 1 mL syringe, marked every 0.01 mL, can"
    # 1.5 mL: the 1 mL one holds less; the 3 mL one by 0.1 measures it
    assert syringe_reasons([Fraction(3, 2)], three, DEFAULT_SYRINGES) == \
        "the 1 mL syringe holds less than 1.5 mL; the 3 mL syringe, marked every 0.1 mL, can"
    # a titration of 1.5 and 4.5 mL in one syringe: the 5 mL one misses both
    assert syringe_reasons([Fraction(3, 2), Fraction(9, 2)], ten, DEFAULT_SYRINGES) == (
        "the 1 mL and 3 mL syringes hold less than 4.5 mL; the 5 mL syringe is marked every "
        "0.2 mL and cannot measure 1.5 mL and 4.5 mL; the 10 mL syringe, marked every 0.5 mL, "
        "can")


# -- the batch: its page, the bench, the verification and the label ---------------------------

BENCH = {"tablets_used": "3", "powder_actual": "708",
         "ingredient_0_name": "Ascorbic acid", "ingredient_0_unit": "mg",
         "ingredient_0_amount": "709", "ingredient_0_lot": "AA-1", "ingredient_0_expiry": "2028-01",
         "ingredient_1_name": "Sodium benzoate", "ingredient_1_unit": "mg",
         "ingredient_1_amount": "0.142 g", "ingredient_1_lot": "SB-1",
         "ingredient_1_expiry": "2028-01",
         "ingredient_2_name": "Glycerin (glycerol)", "ingredient_2_unit": "mL",
         "ingredient_2_amount": "28.4", "ingredient_2_lot": "G-1", "ingredient_2_expiry": "2028-01",
         "ingredient_3_name": "Purified water", "ingredient_3_unit": "to volume",
         "ingredient_3_lot": "", "ingredient_3_expiry": "",
         "final_volume": "141", "source_lot": "NTX-7", "source_expiry": "2028-01"}
"""The bench form as sent: 708 mg of the powder of 3 tablets (708 × 50 ÷ 250 = 141.6 mg) made
to 141 mL with the other ingredients weighed and measured; the water's lot not recorded."""


def test_a_liquid_batch_from_the_order_to_the_label(client, pharmacist):
    made = order_form(client, "/batch", **{"source.lot": "NTX-7", "source.expiry": "2028-01"})
    assert made.status_code == 303
    lot = made.headers["Location"].split("/records/")[1].split("?")[0]
    page = client.get(f"/records/{lot}").get_data(as_text=True)
    shown = visible(page)
    assert ("Naltrexone HCl 1 mg/mL oral suspension, 135 mL · Take 4.5 mL (4.5 mg) by mouth at "
            "bedtime · Rx 100234") in shown
    assert "Oral syringe 10 mL oral syringe, marked every 0.5 mL (4.5 mg ÷ 1 mg/mL" in shown
    # the bench form is the dosage form's: the drug, each ingredient with its lot, the volume
    for label in ("Tablets used", "Tablet powder, actual", "Ascorbic acid, actual",
                  "Ascorbic acid lot used", "Glycerin (glycerol), actual", "Final volume",
                  "Source lot", "Purified water lot used"):
        assert re.search(rf'<label for="bench-[a-z_0-9]+">{re.escape(label)}</label>', page), \
            label
    for capsules in ('name="capsules_made"', 'name="capsule_weights"', 'name="filler_actual"',
                     "Purified water, actual"):
        assert capsules not in page
    assert 'id="bench-source_lot" name="source_lot" value="NTX-7"' in page
    sheet = client.get(f"/records/{lot}/worksheet.pdf")
    assert "Naltrexone HCl 1 mg/mL oral suspension" in pdf.text(sheet.data)

    # errors beside their inputs, each named as its label
    refused = page_post(client, lot, "bench", **{**BENCH, "ingredient_1_lot": "",
                                                 "ingredient_2_amount": "28.4 mg"})
    assert refused.status_code == 422
    said = refused.get_data(as_text=True)
    assert field_error(said, "ingredient_1_lot") and field_error(said, "ingredient_2_amount")
    assert 'id="bench-ingredient_2_amount" name="ingredient_2_amount" value="28.4 mg"' in said
    summary = visible(said)
    assert "Sodium benzoate lot used: the Sodium benzoate lot used is required" in summary
    assert "Glycerin (glycerol), actual: Glycerin (glycerol) is measured: enter it in mL" \
        in summary
    unread = page_post(client, lot, "bench", **{**BENCH, "final_volume": "about 141"})
    assert "enter a number in mL, like 141.5" in field_error(unread.get_data(as_text=True),
                                                              "final_volume")

    # the bench: 141.6 mg in 141 mL is 1.0043 mg/mL, 100.4 % of 1 mg/mL
    assert page_post(client, lot, "bench", **BENCH).status_code == 303
    benched = visible(client.get(f"/records/{lot}").get_data(as_text=True))
    assert "Strength made 1.0043 mg/mL, 100.4 % of the planned 1 mg/mL" in benched
    assert "Sodium benzoate 141.75 mg 142 mg; lot SB-1, expires 2028-01-31" in benched
    assert "Final volume 141.75 mL (accept 134.66 to 148.84 mL) 141 mL" in benched
    assert "Purified water to volume to volume" in benched
    kept = client.application.extensions["records"].get(lot).bench
    assert [i.name for i in kept.ingredients] == ["Ascorbic acid", "Sodium benzoate",
                                                  "Glycerin (glycerol)"]
    assert (kept.powder_actual, kept.final_volume) == (708, 141)

    # the pharmacist verifies; the label prints the dose in mL, the syringe and the storage
    assert page_post(pharmacist, lot, "verification", decision="approve",
                     password=PASSWORD).status_code == 303
    label = pharmacist.post(f"/records/{lot}/label.pdf",
                            data={"csrf_token": csrf(pharmacist, f"/records/{lot}")})
    assert label.status_code == 200 and label.mimetype == "application/pdf"
    printed = pdf.text(label.data)
    for words in ("Naltrexone HCl 1 mg/mL oral suspension", "Take 4.5 mL (4.5 mg) by mouth",
                  "Shake well", "Refrigerate", "10 mL oral syringe", f"Lot {lot}"):
        assert words in printed, words


def test_an_entry_row_is_said_beside_the_forms_row():
    """A row made to volume and left empty is not sent: the entry's ingredients[0] is then the
    form's row 1."""
    form = {"ingredient_0_name": "Purified water", "ingredient_0_lot": "",
            "ingredient_1_name": "Glycerin", "ingredient_1_amount": "", "ingredient_1_lot": ""}
    assert rows_sent(form) == [1]
    moved = at_rows(ErrorDetail("FIELD_REQUIRED", "ingredients[0].lot", "needed"), form)
    assert moved.field == "ingredients[1].lot"
    assert at_rows(ErrorDetail("X", "bench.ingredients[0].amount", ""), form).field == \
        "bench.ingredients[1].amount"
    assert rows_sent({**form, "ingredient_0_lot": "W-1"}) == [0, 1]
