"""The pharmacist's form through the test client: fields, errors beside them, preview, PDFs."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from . import pdf
from .helpers import LOTS_USED
from .people import PASSWORD

FORM = {
    "strength": "4.5", "strength_unit": "mg", "strength_basis": "hydrochloride",
    "quantity": "30", "doses_per_day": "1", "overage_kind": "capsules", "overage_value": "2",
    "method": "whole_tablets", "capsule.size": "3", "capsule.shell": "gelatin",
    "source.product": "Naltrexone HCl 50 mg tablet", "source.strength": "50",
    "source.average_tablet_weight": "250", "filler.name": "microcrystalline cellulose",
    "filler.pack_stat": "130", "density_factor": "1", "compounded_on": "2026-11-22",
    "rx_number": "100234", "patient.name": "Jane Q. Public", "prescriber.name": "Dr. A. Example",
    "directions": "Take 1 capsule by mouth at bedtime", "refills": "2",
    "concurrent_medications": "Percocet 5/325 mg\r\nsertraline 50 mg",
}


def token(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def post(client, path="/", **changes):
    return client.post(path, data={**FORM, "csrf_token": token(client), **changes})


class Labels(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fors, self.controls = set(), {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label":
            self.fors.add(a.get("for"))
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls[a["id"]] = a


def test_every_control_has_a_label(client):
    parser = Labels()
    parser.feed(client.get("/").get_data(as_text=True))
    unlabelled = [i for i, a in parser.controls.items()
                  if i not in parser.fors and not a.get("aria-label")]
    assert parser.controls and unlabelled == []


def test_preview_shows_plan_working_and_findings(client):
    page = post(client).get_data(as_text=True)
    for item in ["Batch plan</h2>", "The lot number is given when the batch is kept.",
                 "Tablets to crush</dt><dd>3", "3583.333 mg",
                 "117 mg to 143 mg", "T = ⌈N × d / S⌉", "⌈32 × 4.5 / 50⌉ = ⌈2.88⌉",
                 "Critical (1)", "OPIOID_COADMINISTRATION", "contains oxycodone",
                 "acknowledged on the batch's page, by a pharmacist's signature",
                 "2027-05-21"]:
        assert item in page, item


def test_error_beside_its_field_and_typed_values_stay(client):
    response = post(client, **{"source.average_tablet_weight": "", "patient.name": "Zoë"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="source.average_tablet_weight"[^>]*aria-invalid="true"', page)
    assert 'id="source.average_tablet_weight-error"' in page and "FIELD_REQUIRED" in page
    assert 'value="Zoë"' in page and 'value="4.5"' in page and "Percocet 5/325 mg" in page


@pytest.mark.parametrize(("changes", "field"), [
    ({"strength": "four"}, "strength"), ({"quantity": "3.5"}, "quantity"),
    ({"overage_value": "-1"}, "overage_value"), ({"capsule.expiry": "2027-13"}, "capsule.expiry"),
    ({"concurrent_medications": "x" * 500}, "concurrent_medications"),
])
def test_field_errors(client, changes, field):
    page = post(client, **changes).get_data(as_text=True)
    assert f'id="{field}-error"' in page


def test_csrf_required(client):
    response = client.post("/", data=FORM)
    assert response.status_code == 400
    assert "CSRF_FAILED" in response.get_data(as_text=True)
    assert 'value="Jane Q. Public"' in response.get_data(as_text=True)


def test_batch_record_and_worksheet(client):
    response = post(client, "/batch")
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    lot = re.search(r"Batch (\d{8}-\d{3})", page.get_data(as_text=True)).group(1)
    sheet = client.get(f"/records/{lot}/worksheet.pdf")
    assert sheet.mimetype == "application/pdf"
    assert f"Lot number {lot}" in pdf.text(sheet.data)
    assert "NOT ACKNOWLEDGED" in pdf.text(sheet.data)
    # it opens in the browser, ready to print, instead of downloading
    assert sheet.headers["Content-Disposition"] == f'inline; filename="worksheet-{lot}.pdf"'


def test_the_preview_never_shows_a_lot_the_record_will_not_have(client):
    # the preview showed a made-up 20261122-XXXX; the record became 20261122-001
    preview = post(client).get_data(as_text=True)
    assert not re.search(r"\d{8}-[0-9A-F]{4}", preview)
    own = post(client, lot_number="RX-LOT-7").get_data(as_text=True)
    assert "Batch plan: lot RX-LOT-7</h2>" in own
    kept = client.get(post(client, "/batch", lot_number="RX-LOT-7").headers["Location"])
    assert "Batch RX-LOT-7" in kept.get_data(as_text=True)


def test_label_only_for_a_verified_acknowledged_batch(client, pharmacist):
    # two people: the technician compounds; a pharmacist signs the acknowledgement and the
    # verification with a password; the label then prints, showing the signed acknowledgement
    lot = post(client, "/batch").headers["Location"].split("/records/")[1].split("?")[0]
    assert pharmacist.post(f"/records/{lot}/label.pdf",
                           data={"csrf_token": token(pharmacist)}).status_code == 409
    tok = token(client)
    bench = {"csrf_token": tok, "revision": "1", "tablets_used": "3",
             "tablet_powder_actual": "748", "filler_actual": "3580", "capsules_made": "33",
             "capsule_weights": "129 131\n150 130 130 130 130 130 130 130", **LOTS_USED}
    assert client.post(f"/records/{lot}/bench", data=bench).status_code == 303
    page = client.get(f"/records/{lot}").get_data(as_text=True)
    assert "Capsule 3 weighs 150 mg" in page
    assert client.post(f"/records/{lot}/verification", data={
        "csrf_token": tok, "revision": "2", "decision": "approve",
        "password": PASSWORD}).status_code == 403  # the technician is not a pharmacist
    rph = token(pharmacist)
    wrong = pharmacist.post(f"/records/{lot}/acknowledgement", data={
        "csrf_token": rph, "revision": "2",
        "finding": "OPIOID_COADMINISTRATION:concurrent_medications[0]",
        "reason": "Opioid stopped 2026-11-01", "password": "not my password at all"})
    assert wrong.status_code == 403 and "SIGNATURE_FAILED" in wrong.get_data(as_text=True)
    assert pharmacist.post(f"/records/{lot}/acknowledgement", data={
        "csrf_token": rph, "revision": "2",
        "finding": "OPIOID_COADMINISTRATION:concurrent_medications[0]",
        "reason": "Opioid stopped 2026-11-01", "password": PASSWORD}).status_code == 303
    assert pharmacist.post(f"/records/{lot}/verification", data={
        "csrf_token": rph, "revision": "3", "decision": "approve",
        "password": PASSWORD}).status_code == 303
    page = pharmacist.get(f"/records/{lot}").get_data(as_text=True)
    assert "R. Okafor, PharmD</strong> (licence RPH-10234): approved batch" in page
    assert ("R. Okafor, PharmD</strong> (licence RPH-10234): acknowledged “Opioid "
            "coadministration” (Concurrent medications, line 1)") in page
    label = pharmacist.post(f"/records/{lot}/label.pdf", data={"csrf_token": rph})
    assert label.status_code == 200 and "Jane Q. Public" in pdf.text(label.data)


def test_an_acknowledgement_typed_into_the_form_is_not_taken(client):
    # typed names go: the preview has no acknowledgement inputs, and any sent are ignored
    page = post(client, **{"ack.OPIOID_COADMINISTRATION.pharmacist": "x",
                           "ack.OPIOID_COADMINISTRATION.reason": "x"}).get_data(as_text=True)
    assert 'name="ack.' not in page and "Acknowledged by x" not in page


def test_user_text_escaped_once(client):
    page = post(client, **{"patient.name": "<b>Bold</b> & <script>x</script>"}).get_data(
        as_text=True)
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;script&gt;" in page
    assert "<b>Bold</b>" not in page and "&amp;lt;" not in page and "<script>" not in page


def test_allergies_and_misspelt_medications_on_the_form(client):
    page = post(client, **{"patient.allergies": "penicillin\r\nNaloxone (hives)",
                           "concurrent_medications": "oxycodon 5 mg\r\nTylenol 3 times daily"}
                ).get_data(as_text=True)
    assert "allergic to “Naloxone (hives)”" in page
    assert "Could not confirm “oxycodon”" in page and "it may be oxycodone" in page
    assert "Tylenol 3 times daily” contains" not in page


def test_control_attributes_are_markup_not_escaped_text(client):
    # min="1" step="1" and inputmode="decimal" were escaped to min=&#34;1&#34;
    page = client.get("/").get_data(as_text=True)
    inputs = re.findall(r"<input[^>]*>", page)
    assert inputs and not [i for i in inputs if "&#34;" in i or "&quot;" in i]
    assert re.search(r'<input type="text" id="patient.weight" [^>]*inputmode="decimal"', page)
    errors = post(client, quantity="3O").get_data(as_text=True)
    assert 'id="quantity-error"' in errors and 'value="3O"' in errors


def test_every_error_summary_link_lands_on_its_field(client):
    # "concurrent_medications[0]" linked to #concurrent_medications[0], which no input has
    page = post(client, concurrent_medications="x" * 500, quantity="3O",
                **{"source.average_tablet_weight": "", "overage_value": "-5"}
                ).get_data(as_text=True)
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    links = re.findall(r'<a href="#([^"]+)">', page.split('id="errors-title"')[1].split("</ul>")[0])
    assert len(links) >= 4 and set(links) <= ids, set(links) - ids
    assert "concurrent_medications" in links


def test_no_table_header_is_empty(client):
    page = post(client).get_data(as_text=True)
    assert re.findall(r"<th\b[^>]*>", page) and not re.findall(r"<th\b[^>]*>\s*</th>", page)


def test_scrap_asks_to_confirm_before_it_signs(client, pharmacist):
    # one click on a button that looked like a save scrapped the batch
    from .people import PASSWORD, csrf

    lot = re.search(r"Batch (\d{8}-\d{3})", client.get(
        post(client, "/batch").headers["Location"]).get_data(as_text=True)).group(1)
    page = pharmacist.get(f"/records/{lot}").get_data(as_text=True)
    assert "Scrap this batch…" in page and 'id="scrap-password"' not in page
    token = csrf(pharmacist, f"/records/{lot}")
    asked = pharmacist.post(f"/records/{lot}/scrap", data={"csrf_token": token, "revision": "1"})
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "This cannot be undone." in text
    assert f"Scrap batch {lot} permanently" in text and "Keep the batch" in text
    assert pharmacist.get(f"/api/v1/records/{lot}").get_json()["status"] == "printed"  # not yet
    wrong = pharmacist.post(f"/records/{lot}/scrap", data={
        "csrf_token": token, "revision": "1", "confirm": "yes", "reason": "dropped",
        "password": "not the password at all"})
    assert "Scrap batch" in wrong.get_data(as_text=True)  # asked again, with the error
    done = pharmacist.post(f"/records/{lot}/scrap", data={
        "csrf_token": token, "revision": "1", "confirm": "yes", "reason": "dropped",
        "password": PASSWORD})
    assert done.status_code == 303
    assert pharmacist.get(f"/api/v1/records/{lot}").get_json()["status"] == "scrapped"
