"""A batch made from naltrexone HCl powder (API) at the counter, through the test client: the
lot received with its certificate's assay, the order form (the source chosen, the lot picked,
its assay taken from the inventory), the preview, the batch record, the worksheet, the bench
form without tablets, the pharmacist's verification and the label; every number against a hand
computation, and every error of a powder order beside its input.

The order of every test here: 4.5 mg × 30 capsules + 2 overage, size 3, filler pack stat 130 mg,
from powder lot API-7731 whose certificate gives an assay of 99.2 % as is:

- N = 30 + 2 = 32 capsules; the drug of the batch N × d = 32 × 4.5 = 144 mg.
- Powder to weigh N × d ÷ assay as is = 144 ÷ 0.992 = 145.161 mg (145.16129…); per capsule
  p = 4.5 ÷ 0.992 = 4.536 mg.
- Filler per capsule f = F − p = 130 − 4.536 = 125.464 mg; in all 32 × 125.464 = 4014.839 mg;
  blend 32 × 130 = 4160 mg; QC range 90-110 % of 130: 117 to 143 mg.
"""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction

import pytest

from compounding import OrderError, plan_order
from compounding.bench.reconciliation import drug_in_blend, reconcile, strength_made
from compounding.bench.results import BenchEntry
from compounding.orders.reading import parse_order

from . import pdf
from .people import PASSWORD, csrf
from .test_record_page import field_error
from .test_record_page import post as page_post
from .test_web_form import FORM, token

POWDER = {**FORM, "source.kind": "api_powder", "powder.lot": "api-7731", "method": "auto",
          "concurrent_medications": "", "source.average_tablet_weight": ""}
"""The order form as a technician fills it for the powder: the source chosen, the lot picked;
the tablets' fields (their defaults: product, 50 mg) left as they were, and ignored."""
API = {"kind": "api", "product": "Naltrexone HCl USP powder", "manufacturer": "Spectrum",
       "lot": "API-7731", "expiry": "2028-01", "assay": "99.2 %", "assay_basis": "as_is"}
"""The powder lot as received, with its certificate of analysis."""
BENCH = {"tablet_powder_actual": "145", "filler_actual": "4.015 g", "capsules_made": "32",
         "capsule_weights": " ".join(["130"] * 10), "source_lot": "API-7731",
         "source_expiry": "2028-01", "filler_lot": "M789", "filler_expiry": "2028-06-30",
         "capsule_lot": "C321", "capsule_expiry": "2029-01"}
"""The bench form of the powder batch: no tablets, 145 mg of powder weighed."""


def visible(page: str) -> str:
    """The page's text, tags dropped and spaces folded."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("&#39;", "'")
    return re.sub(r" ([:;,])", r"\1", text)


def receive(client, **changes: str):
    return client.post("/inventory", data={**API, **changes,
                                           "csrf_token": csrf(client, "/inventory")})


def order_form(client, path: str = "/", **changes: str):
    return client.post(path, data={**POWDER, "csrf_token": token(client), **changes})


def errors_beside(page: str) -> dict[str, list[str]]:
    """Each input marked invalid, with the codes of the errors shown beside it."""
    found = {}
    for name, items in re.findall(r'<ul class="field-errors" id="([^"]+)-error">(.*?)</ul>', page,
                                  re.S):
        assert re.search(rf'id="{re.escape(name)}"[^>]*aria-invalid="true"', page), name
        found[name] = re.findall(r'data-code="([A-Z_]+)"', items)
    return found


# -- from the order to the label ---------------------------------------------------------------

def test_a_powder_batch_from_the_order_to_the_label(client, pharmacist):
    # the lot is received with its certificate; its page says the assay as the certificate does
    received = receive(client)
    assert received.status_code == 303
    lot_page = visible(client.get(received.headers["Location"]).get_data(as_text=True))
    assert "Assay (certificate of analysis) 99.2 % as is" in lot_page

    # the order form offers it in the powder's lot list, with its assay
    form = client.get("/").get_data(as_text=True)
    assert re.search(r'<select id="source.kind" name="source.kind">\s*<option value="tablets" '
                     r'selected>50 mg tablets, crushed</option>\s*<option value="api_powder">'
                     r'Naltrexone HCl powder \(API\)</option>', form)
    offered = re.search(r'<datalist id="api-lots">(.*?)</datalist>', form, re.S).group(1)
    assert 'value="API-7731"' in offered and "assay 99.2 % as is" in offered

    # the lot picked, the assay left empty: the preview takes it, its expiry and its
    # manufacturer from the lot as received, and says so
    preview = order_form(client)
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert 'id="powder.assay" name="powder.assay" required aria-required="true" value="99.2"' \
        in page
    assert 'id="powder.expiry" name="powder.expiry" required aria-required="true" ' \
        'value="2028-01-31"' in page
    said = visible(page)
    assert ("Taken from powder lot API-7731 as received on 2026-11-22: assay, expiry, "
            "manufacturer (certificate: assay 99.2 % as is).") in said
    # 144 mg ÷ 0.992 = 145.161 mg; no tablet crushed, no tablet powder
    assert "Naltrexone HCl powder to weigh 145.161 mg (144 mg ÷ 0.992)" in said
    assert "Tablets to crush" not in said and "Tablet powder" not in said
    assert "Capsules to fill 32 (30 dispensed + 2 overage)" in said
    assert "Filler 4014.839 mg" in said and "(QC 117 mg to 143 mg)" in said
    assert "p = d ÷ a 4.5 ÷ 0.992 4.536 (= 1125/248) mg" in said
    assert "Naltrexone HCl powder to weigh out N × p 32 × 4.536 (= 1125/248) 145.161" in said

    # the draft keeps the powder's fields, as filled
    drafted = visible(client.get("/").get_data(as_text=True))
    assert "was kept and is back in the form below" in drafted
    again = client.get("/").get_data(as_text=True)
    assert '<option value="api_powder" selected>' in again
    assert 'value="99.2"' in again and 'value="api-7731"' in again

    # the batch: its page says the source and the powder, and its bench asks for no tablets
    made = order_form(client, "/batch")
    assert made.status_code == 303
    lot = made.headers["Location"].split("/records/")[1].split("?")[0]
    record = client.get(f"/records/{lot}").get_data(as_text=True)
    shown = visible(record)
    assert ("Source Naltrexone HCl USP powder, lot API-7731, expires 2028-01-31; assay 99.2 % "
            "as is") in shown
    assert "Naltrexone HCl powder 145.161 mg" in shown and "Tablets 0" not in shown
    assert 'for="bench-tablet_powder_actual">Naltrexone HCl powder, actual<' in record
    assert 'name="tablets_used"' not in record and 'name="tablet_weights"' not in record
    assert "Tablet powder, actual" not in record and ">Powder lot used<" in record
    bench_lots = re.search(r'<datalist id="bench-api-lots">(.*?)</datalist>', record, re.S)
    assert 'value="API-7731"' in bench_lots.group(1)

    # the worksheet: the powder, its certificate, 145 mg weighed (to the balance's 1 mg)
    sheet = client.get(f"/records/{lot}/worksheet.pdf")
    assert sheet.status_code == 200 and sheet.mimetype == "application/pdf"
    text = pdf.text(sheet.data)
    assert f"Lot number {lot}" in text and "API-7731" in text and "99.2 %" in text
    assert "Weigh 145 mg of naltrexone HCl powder" in text

    # the bench: 145 mg of powder weighed carries 145 × 0.992 = 143.84 mg; blend 145 + 4015 =
    # 4160 mg; capsules of 130 mg make 143.84 ÷ 4160 × 130 = 4.495 mg (99.9 % of 4.5 mg)
    assert page_post(client, lot, "bench", **BENCH).status_code == 303
    benched = visible(client.get(f"/records/{lot}").get_data(as_text=True))
    assert "Naltrexone HCl powder 145.161 mg; 145 mg weighed" in benched
    assert "Filler 4014.839 mg; 4015 mg weighed" in benched
    assert "Strength made 4.495 mg per capsule, 99.9 % of the ordered 4.5 mg" in benched
    assert "Bench findings None" in benched
    assert "Powder lot API-7731, expires 2028-01-31 API-7731, expires 2028-01-31" in benched
    assert "Tablets crushed" not in benched
    kept = client.application.extensions["records"].get(lot).bench
    assert (kept.tablets_used, kept.tablet_powder_actual, kept.filler_actual) == (0, 145, 4015)

    # the pharmacist verifies; the label prints
    assert page_post(pharmacist, lot, "verification", decision="approve",
                     password=PASSWORD).status_code == 303
    label = pharmacist.post(f"/records/{lot}/label.pdf",
                            data={"csrf_token": csrf(pharmacist, f"/records/{lot}")})
    assert label.status_code == 200 and label.mimetype == "application/pdf"
    printed = pdf.text(label.data)
    assert "Jane Q. Public" in printed and "Naltrexone HCl 4.5 mg capsules" in printed
    assert f"Lot {lot}" in printed and "Discard after 2027-05-21" in printed
    # the lot's recall finds the batch
    recall = visible(client.get(received.headers["Location"].split("?")[0]).get_data(
        as_text=True))
    assert lot in recall


# -- the errors of a powder order, each beside its input ---------------------------------------

def test_a_powder_order_without_its_certificate_is_refused_beside_each_input(client):
    response = order_form(client, **{"powder.lot": "", "powder.assay": "", "powder.expiry": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert errors_beside(page) == {"powder.assay": ["FIELD_REQUIRED"],
                                   "powder.lot": ["FIELD_REQUIRED"],
                                   "powder.expiry": ["FIELD_REQUIRED"]}
    summary = visible(page)
    for said in ("Assay: the assay from the lot's certificate of analysis is needed",
                 "Powder lot: the powder's lot number is needed",
                 "Powder expiry: the powder lot's expiry is needed"):
        assert said in summary, said
    assert "Tablet lot" not in summary.split("to fix")[1].split("Prescription")[0]


def test_a_tablet_weight_with_the_powder_is_refused_beside_it(client):
    page = order_form(client, **{"powder.assay": "99.2", "powder.expiry": "2028-01",
                                 "source.average_tablet_weight": "250"}).get_data(as_text=True)
    assert errors_beside(page) == {"source.average_tablet_weight": ["INVALID_VALUE"]}
    assert ("Measured average tablet weight (W): naltrexone HCl powder is weighed, not counted "
            "in tablets: leave the tablet weight out") in visible(page)


def test_an_assay_of_9_92_percent_is_refused_beside_it(client):
    # 99.2 misread as 9.92: every capsule would be ten times too strong
    page = order_form(client, **{"powder.assay": "9.92", "powder.expiry": "2028-01"}
                      ).get_data(as_text=True)
    assert errors_beside(page) == {"powder.assay": ["SOURCE_ASSAY_IMPLAUSIBLE"]}
    assert "an assay of 9.92 % as is lies outside 90-110 %" in visible(page)


def test_a_dried_assay_needs_its_water(client):
    page = order_form(client, **{"powder.assay": "99.6", "powder.assay_basis": "dried",
                                 "powder.expiry": "2028-01"}).get_data(as_text=True)
    assert errors_beside(page) == {"powder.water": ["FIELD_REQUIRED"]}
    # with it: 99.6 % × (1 − 0.4 %) = 99.2016 % as is; 144 ÷ 0.992016 = 145.159 mg
    said = visible(order_form(client, **{"powder.assay": "99.6 %", "powder.assay_basis": "dried",
                                         "powder.water": "0.4",
                                         "powder.expiry": "2028-01"}).get_data(as_text=True))
    assert "Naltrexone HCl powder to weigh 145.159 mg (144 mg ÷ 0.992016)" in said


def test_an_assay_that_is_not_the_lots_is_refused_and_no_batch_is_kept(client):
    receive(client)
    response = order_form(client, "/batch", **{"powder.assay": "98.2"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert errors_beside(page) == {"powder.assay": ["INVALID_VALUE"]}
    assert ("powder lot API-7731 was received with an assay of 99.2 % as is, not this") in \
        visible(page)
    assert client.get("/api/v1/records").get_json()["records"] == []


def test_the_tablets_fieldset_is_ignored_for_the_powder_and_the_powder_for_tablets(client):
    # the tablets' product and strength stay typed: the powder order is made without them
    page = order_form(client, **{"powder.assay": "99.2", "powder.expiry": "2028-01",
                                 "source.product": "Naltrexone HCl 50 mg tablet",
                                 "source.ndc": "16729-081-01"}).get_data(as_text=True)
    assert "145.161 mg (144 mg ÷ 0.992)" in visible(page)
    # the powder's fields typed with tablets chosen change nothing of a tablet order
    tablets = client.post("/", data={**FORM, "csrf_token": token(client), "powder.assay": "9.92",
                                     "powder.lot": "X"}).get_data(as_text=True)
    assert "Tablets to crush 3" in visible(tablets) and "problem" not in visible(tablets)


def test_receiving_a_powder_lot_checks_its_certificate(client):
    page = receive(client, assay="9.92").get_data(as_text=True)
    assert re.search(r'id="receive-assay-error"><li data-code="SOURCE_ASSAY_IMPLAUSIBLE">', page)
    page = receive(client, assay="").get_data(as_text=True)
    assert re.search(r'id="receive-assay-error"><li data-code="FIELD_REQUIRED">', page)
    page = receive(client, assay_basis="dried").get_data(as_text=True)
    assert re.search(r'id="receive-water-error"><li data-code="FIELD_REQUIRED">', page)
    tablet = receive(client, kind="tablet", average_weight_mg="250.4").get_data(as_text=True)
    assert re.search(r'id="receive-assay-error"><li data-code="INVALID_VALUE">', tablet)
    dried = receive(client, assay="99.6", assay_basis="dried", water="0.4 %")
    assert dried.status_code == 303
    shown = visible(client.get(dried.headers["Location"]).get_data(as_text=True))
    assert "99.6 % on the dried basis, water 0.4 % (99.2016 % as is)" in shown


def test_a_quarantined_powder_lot_is_refused_on_the_order_and_at_the_bench(client, pharmacist):
    lot = order_form(client, "/batch", **{"powder.assay": "99.2", "powder.expiry": "2028-01"}
                     ).headers["Location"].split("/records/")[1].split("?")[0]
    number = int(receive(client).headers["Location"].split("/")[2].split("?")[0])
    assert pharmacist.post(f"/inventory/{number}/quarantine", data={
        "reason": "assay out of specification on retest",
        "csrf_token": csrf(pharmacist, f"/inventory/{number}")}).status_code == 303
    refused = order_form(client).get_data(as_text=True)
    assert errors_beside(refused) == {"powder.lot": ["LOT_QUARANTINED"]}
    bench = page_post(client, lot, "bench", **BENCH)
    assert bench.status_code == 422
    assert "is quarantined" in field_error(bench.get_data(as_text=True), "source_lot")


# -- the bench, worked by hand -----------------------------------------------------------------

ORDER = {"strength": "4.5 mg", "quantity": 30, "overage": {"capsules": 2},
         "capsule": {"size": "3"}, "compounded_on": "2026-11-22",
         "source": {"kind": "api_powder", "assay": "99.2 %", "lot": "API-7731",
                    "expiry": "2028-01"},
         "filler": {"pack_stat": "130 mg"}}


def _entry(**changes) -> BenchEntry:
    return BenchEntry.model_validate({
        "tablets_used": 0, "tablet_powder_actual": "145 mg", "filler_actual": "4015 mg",
        "capsules_made": 32, "capsule_weights": ["130 mg"] * 10,
        "source_lot": "API-7731", "source_expiry": "2028-01", "filler_lot": "M789",
        "filler_expiry": "2028-06-30", "capsule_lot": "C321", "capsule_expiry": "2029-01",
        "compounded_at": "2026-11-22T16:00:00Z", **changes})


def test_the_strength_made_from_powder_worked_by_hand():
    """4.5 mg × 32 capsules from powder assaying 99.2 % as is; the plan weighs 144 ÷ 0.992 =
    145.161 mg. The bench weighs 145 mg of it, which carries 145 × 0.992 = 143.84 mg of
    naltrexone HCl, and 4015 mg of filler: a blend of 145 + 4015 = 4160 mg, holding
    143.84 ÷ 4160 = 0.0345769… mg of drug in each mg.

    The strength made is that × the mean net weight of the capsules:

    - 32 capsules of 130 mg: 130 × 143.84 ÷ 4160 = 4.495 mg a capsule, 4.495 ÷ 4.5 = 99.89 %
      of the strength ordered (within 95-105 %: no finding).
    - 33 capsules made from the same blend weigh 4160 ÷ 33 = 126.06 mg each on average:
      126.06 × 143.84 ÷ 4160 = 143.84 ÷ 33 = 4.3588 mg a capsule, 96.86 % (the drug shared by
      one more capsule). The plan fills 32, so the bench refuses 33 made
      (``CAPSULES_EXCEED_BATCH``): the strength is what the capsules weigh, not their count.

    No tablet is used and none weighed: ``BENCH_TABLETS_MISMATCH`` and
    ``BENCH_POWDER_EXCEEDS_TABLETS`` do not apply.
    """
    plan = plan_order(ORDER)
    order = parse_order(ORDER)
    assert (plan.source_kind, plan.tablets, plan.capsules_to_fill) == ("api_powder", 0, 32)
    assert plan.tablet_powder == Fraction(144) / Fraction("0.992")  # 145.16129… mg

    entry = _entry()
    assert drug_in_blend(entry, plan, order) == Fraction("143.84")
    made = reconcile(entry, plan, order)
    assert made.strength_made == Fraction("143.84") / 4160 * 130 == Fraction("4.495")
    assert round(float(made.strength_ratio) * 100, 2) == 99.89
    assert made.findings == [] and made.beyond_use_date == date(2027, 5, 21)

    mean = Fraction(4160, 33)
    spread = _entry(capsules_made=33, capsule_weights=[f"{float(mean)} mg"] * 10)
    assert strength_made(spread, plan, order) == pytest.approx(Fraction("143.84") / 33)
    assert round(143.84 / 33, 4) == 4.3588
    with pytest.raises(OrderError) as caught:
        reconcile(spread, plan, order)
    assert [e.code for e in caught.value.errors] == ["CAPSULES_EXCEED_BATCH"]


def test_a_powder_bench_entry_with_tablets_is_not_this_batchs():
    plan, order = plan_order(ORDER), parse_order(ORDER)
    with pytest.raises(OrderError) as caught:
        reconcile(_entry(tablets_used=3, tablet_weights=["250 mg"] * 10), plan, order)
    assert {(e.code, e.field) for e in caught.value.errors} == {
        ("INVALID_VALUE", "tablets_used"), ("INVALID_VALUE", "tablet_weights")}
    # 1000 mg of powder: no tablets bound it, the strength made says it (7.2 times too strong)
    strong = reconcile(_entry(tablet_powder_actual="1000 mg", filler_actual="3160 mg"), plan,
                       order)
    assert [f.code for f in strong.findings] == ["BENCH_STRENGTH_OUT_OF_RANGE"]
    assert strong.strength_made == Fraction(992) / 4160 * 130  # 31 mg a capsule


def test_a_lot_changed_after_the_form_was_filled_does_not_keep_the_other_lots_values(client):
    receive(client)
    receive(client, lot="API-8100", expiry="2027-06", assay="100.4")
    filled = order_form(client).get_data(as_text=True)  # from API-7731: 99.2 %, 2028-01-31
    values = dict(re.findall(r'name="(powder\.[a-z_]+)"[^>]*value="([^"]*)"', filled))
    assert (values["powder.assay"], values["powder.expiry"]) == ("99.2", "2028-01-31")
    changed = order_form(client, **{**values, "powder.lot": "API-8100"}).get_data(as_text=True)
    assert errors_beside(changed) == {"powder.assay": ["INVALID_VALUE"],
                                      "powder.expiry": ["INVALID_VALUE"]}
    assert "powder lot API-8100 was received expiring 2027-06-30, not 2028-01-31" in \
        visible(changed)


def test_a_powder_lots_certificate_is_fixed_once_received(store):
    # migration 0013: the assay, its basis and water are kept, and never changed after
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from compounding.records.inventory import Inventory

    stock = Inventory(store.engine, store, time_zone="America/Chicago")
    lot = stock.receive({**API, "assay": "99.6 %", "assay_basis": "dried", "water": "0.4"}, by=1)
    assert (lot.assay, lot.assay_basis, lot.water) == ("99.6", "dried", "0.4")
    assert lot.assay_as_is == Fraction("0.996") * Fraction("0.996")  # 99.6 % × (1 − 0.4 %)
    assert stock.list("api")[0].to_json()["assay"] == "99.6"
    for statement in ("UPDATE inventory_lots SET assay = '9.96'",
                      "UPDATE inventory_lots SET assay_basis = 'as_is'",
                      "UPDATE inventory_lots SET water = NULL"):
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as c:
            c.execute(text(statement))
    assert stock.get(lot.id) == lot


def test_a_powder_trituration_worked_by_hand():
    """0.5 mg × 32 capsules: the powder is diluted first. Trituration 1 weighs P₁ = 120 mg of
    powder (the balance's least weighing), carrying 120 × 0.992 = 119.04 mg, with 1070.4 mg of
    filler: 1190.4 mg at 119.04 ÷ 1190.4 × 1000 = 100 mg/g. The aliquot A = 32 × 0.5 ÷ 100 ×
    1000 = 160 mg carries 16 mg into 160 + 4000 = 4160 mg of blend; capsules of 130 mg hold
    16 ÷ 4160 × 130 = 0.5 mg, 100 %."""
    order = {**ORDER, "strength": "0.5 mg"}
    plan = plan_order(order)
    stage = plan.trituration[0]
    assert (plan.method, plan.tablet_powder, stage.powder, stage.aliquot) == (
        "trituration", 120, 120, 160)
    entry = _entry(tablet_powder_actual="120 mg", trituration=[{"filler": "1070.4 mg"}],
                   aliquot_actual="160 mg", filler_actual="4000 mg")
    made = reconcile(entry, plan, parse_order(order))
    assert drug_in_blend(entry, plan, parse_order(order)) == 16
    assert made.strength_made == Fraction(1, 2) and made.findings == []


def test_the_preview_of_a_powder_trituration(client):
    said = visible(order_form(client, strength="0.5", **{"powder.assay": "99.2",
                                                         "powder.expiry": "2028-01"}
                              ).get_data(as_text=True))
    # stage 1 weighs the powder: 120 mg carry 120 × 0.992 = 119.04 mg of naltrexone HCl
    assert "Naltrexone HCl powder to weigh 120 mg (119.04 mg ÷ 0.992)" in said
    assert ("Trituration 1 120 mg of naltrexone HCl powder + 1070.4 mg of filler = 1190.4 mg "
            "at 100 mg/g; 160 mg weighed out") in said
