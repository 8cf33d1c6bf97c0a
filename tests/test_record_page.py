"""The batch record page as a pharmacy counter runs it all day (issue 23): the step header and
the current step's form first, no default decision, the two-person rule told before signing,
a confirmation after each save, the scrap confirmation in view, units read in the bench form,
inventory lots offered and refused at the bench, quarantine flags holding the label, copies,
reprints and the label printer, and times in the pharmacy's zone."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

import pytest

from compounding.profile import Label, ProfileError, load_profile

from . import pdf
from .helpers import LOTS_USED, assert_error_body
from .people import PASSWORD, csrf, login
from .test_records import BENCH, ORDER
from .test_web_form import post as web_form_post

FORM_BENCH = {"tablets_used": "3", "tablet_powder_actual": "748", "filler_actual": "3580",
              "capsules_made": "33",
              "capsule_weights": "129 131\n130 130 130 130 130 130 130 130", **LOTS_USED}
"""The bench form as a technician fills it: masses in mg, as the fields say."""
TABLET = {"kind": "tablet", "product": "Naltrexone HCl 50 mg tablet", "manufacturer": "Accord",
          "ndc": "16729-081-01", "lot": "N456", "expiry": "2027-06", "average_weight_mg": "250.4"}
FILLER = {"kind": "filler", "product": "Avicel PH-102", "manufacturer": "IFF", "lot": "M789",
          "expiry": "2028-06-30"}
SHELL = {"kind": "shell", "product": "Gelatin capsules size 3", "manufacturer": "Capsuline",
         "lot": "C321", "expiry": "2029-01"}


# -- helpers -------------------------------------------------------------------------------------

def printed(client) -> str:
    """A new batch, its worksheet printed; its lot number."""
    made = client.post("/api/v1/worksheet", json=ORDER)
    assert made.status_code == 201, made.get_data(as_text=True)[:500]
    return made.headers["X-Lot-Number"]


def compounded(client) -> str:
    lot = printed(client)
    assert client.post(f"/api/v1/records/{lot}/bench", json=BENCH).status_code == 200
    return lot


def verified(client, pharmacist) -> str:
    lot = compounded(client)
    assert post(pharmacist, lot, "verification", decision="approve",
                password=PASSWORD).status_code == 303
    return lot


def post(browser, lot: str, step: str, **data):
    """A form of the record's page, sent with the page's token and the record's revision."""
    page = browser.get(f"/records/{lot}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    revision = re.search(r'name="revision" value="(\d+)"', page)
    sent = {"csrf_token": token, **({"revision": revision.group(1)} if revision else {}), **data}
    return browser.post(f"/records/{lot}/{step}", data=sent)


def page_of(browser, lot: str) -> str:
    return browser.get(f"/records/{lot}").get_data(as_text=True)


def steps_of(page: str) -> list[tuple[str, bool, str]]:
    """The step header: each step's name, whether it is the current one, and its words."""
    header = re.search(r'<ol class="steps"[^>]*>(.*?)</ol>', page, re.S).group(1)
    return [(name, "aria-current" in attrs, words) for attrs, name, words in re.findall(
        r'<li([^>]*)><strong>\d\. (\w+)</strong> <span class="step-words">([^<]*)</span>',
        header)]


def receive(browser, lot: dict[str, str]) -> int:
    response = browser.post("/inventory", data={**lot, "csrf_token": csrf(browser, "/inventory")})
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    return int(re.search(r"/inventory/(\d+)", response.headers["Location"]).group(1))


def quarantine(pharmacist, number: int, reason: str) -> None:
    assert pharmacist.post(f"/inventory/{number}/quarantine", data={
        "reason": reason, "csrf_token": csrf(pharmacist, f"/inventory/{number}")}
    ).status_code == 303


def field_error(page: str, name: str, prefix: str = "bench-") -> str | None:
    found = re.search(rf'<ul class="field-errors" id="{prefix}{name}-error">(.*?)</ul>', page,
                      re.S)
    return found.group(1) if found else None


def events(app, action: str):
    return [e for e in app.extensions["audit"].all() if e.action == action]


def label_events(client, lot: str):
    return [e for e in client.get("/api/v1/events").get_json()["events"]
            if e["lot_number"] == lot and e["action"] == "label"]


# -- item 1: the step header; the current step's form first ---------------------------------------

def test_the_step_header_marks_the_current_step_in_words(client, pharmacist):
    # a batch made at the order form is not "printed" until its worksheet is
    made = web_form_post(client, "/batch")
    lot = made.headers["Location"].split("/records/")[1].split("?")[0]
    assert steps_of(page_of(client, lot)) == [
        ("Printed", True, "Current step: print the worksheet"), ("Bench", False, "Not yet"),
        ("Verified", False, "Not yet"), ("Labelled", False, "Not yet")]
    assert client.get(f"/records/{lot}/worksheet.pdf").status_code == 200
    assert steps_of(page_of(client, lot)) == [
        ("Printed", False, "Done: worksheet printed 1 time"),
        ("Bench", True, "Current step: enter the bench results"),
        ("Verified", False, "Not yet"), ("Labelled", False, "Not yet")]
    lot = printed(client)  # made and printed at once, as POST /api/v1/worksheet does
    assert steps_of(page_of(client, lot))[:2] == [
        ("Printed", False, "Done: worksheet printed 1 time"),
        ("Bench", True, "Current step: enter the bench results")]
    assert client.post(f"/api/v1/records/{lot}/bench", json=BENCH).status_code == 200
    assert [s[:2] for s in steps_of(page_of(client, lot))] == [
        ("Printed", False), ("Bench", False), ("Verified", True), ("Labelled", False)]
    assert post(pharmacist, lot, "verification", decision="approve",
                password=PASSWORD).status_code == 303
    assert steps_of(page_of(pharmacist, lot))[3] == (
        "Labelled", True, "Current step: print the dispensing label")
    assert post(pharmacist, lot, "label.pdf").status_code == 200
    assert steps_of(page_of(pharmacist, lot))[3] == ("Labelled", True, "Done: printed 1 time")


def test_a_pharmacist_finds_the_verification_first_and_the_rest_collapsed(client, pharmacist):
    lot = compounded(client)
    page = page_of(pharmacist, lot)
    verify = page.index("<legend>Pharmacist verification</legend>")
    assert page.index('<dl class="summary">') < verify < page.index("<h2>Bench results</h2>")
    # the correction behind "Correct the bench results…", the derivation collapsed too
    correct = re.search(r'<details class="later" id="correct">\s*<summary>Correct the bench '
                        r'results…</summary>(.*?)</details>', page, re.S)
    assert correct and 'action="/records/' + lot + '/correction"' in correct.group(1)
    derived = re.search(r'<details class="later" id="derivation">\s*<summary>How each number '
                        r'of the plan was derived</summary>(.*?)</details>', page, re.S)
    assert derived and "T = ⌈N × d / S⌉" in derived.group(1)


def test_no_decision_is_made_for_the_pharmacist(client, pharmacist):
    lot = compounded(client)
    page = page_of(pharmacist, lot)
    radios = re.findall(r'<input type="radio" name="decision"[^>]*>', page)
    assert len(radios) == 2 and not [r for r in radios if "checked" in r]
    assert "<select" not in page.split("Pharmacist verification")[1].split("</form>")[0]
    response = post(pharmacist, lot, "verification", password=PASSWORD)
    answer = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-code="FIELD_REQUIRED">choose Approve or Reject' in field_error(
        answer, "decision", "verify-")
    assert re.search(r'id="verify-decision-approve"[^>]*aria-invalid="true"', answer)
    assert pharmacist.get(f"/api/v1/records/{lot}").get_json()["status"] == "compounded"
    assert events(pharmacist.application, "signature") == []


def test_a_pharmacist_who_entered_the_bench_results_is_told_before_signing(app, pharmacist):
    lot = printed(pharmacist)
    assert post(pharmacist, lot, "bench", **FORM_BENCH).status_code == 303
    page = page_of(pharmacist, lot)
    assert "You may not verify this batch" in page
    assert "You entered or corrected its bench results" in page
    assert "Sign the verification" not in page and 'name="decision"' not in page
    # a one-pharmacist shop allows it: the form is offered
    profile = app.config["PROFILE"]
    app.config["PROFILE"] = profile.model_copy(update={"records": profile.records.model_copy(
        update={"allow_self_verification": True})})
    page = page_of(pharmacist, lot)
    assert "You may not verify this batch" not in page and "Sign the verification" in page


# -- item 2: a confirmation after each save; the scrap confirmation in view -----------------------

def _notice(page: str) -> str | None:
    found = re.search(r'<p class="note" role="status">([^<]*)</p>', page)
    return found.group(1) if found else None


def _followed(browser, response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:1000]
    return browser.get(response.headers["Location"]).get_data(as_text=True)


def test_each_save_is_confirmed_once(client, pharmacist):
    lot = printed(client)
    assert _notice(_followed(client, post(client, lot, "bench", **FORM_BENCH))) == (
        "Bench results saved.")
    assert _notice(page_of(client, lot)) is None  # shown once
    corrected = post(client, lot, "correction", **FORM_BENCH, reason="filler re-weighed")
    assert _notice(_followed(client, corrected)) == "Correction saved."
    rejected = post(pharmacist, lot, "verification", decision="reject",
                    reason="capsules cracked", password=PASSWORD)
    assert _notice(_followed(pharmacist, rejected)) == "Batch rejected."
    assert _notice(_followed(client, post(client, lot, "correction", **FORM_BENCH,
                                          reason="new capsules"))) == "Correction saved."
    approved = post(pharmacist, lot, "verification", decision="approve", password=PASSWORD)
    assert _notice(_followed(pharmacist, approved)) == "Batch verified."

    other = printed(client)
    order = client.post("/api/v1/worksheet", json={**ORDER, "concurrent_medications": [
        "Percocet 5/325 mg"]}).headers["X-Lot-Number"]
    finding = re.search(r'<option value="([^"]+)"', page_of(pharmacist, order).split(
        'id="ack-finding"')[1]).group(1)
    signed = post(pharmacist, order, "acknowledgement", finding=finding,
                  reason="Percocet stopped", password=PASSWORD)
    assert _notice(_followed(pharmacist, signed)) == "Acknowledgement signed."
    scrapped = post(pharmacist, other, "scrap", confirm="yes", reason="spilled",
                    password=PASSWORD)
    assert _notice(_followed(pharmacist, scrapped)) == "Batch scrapped."
    assert _notice(page_of(pharmacist, other)) is None


def test_the_scrap_confirmation_comes_back_in_view(client, pharmacist):
    lot = printed(client)
    page = page_of(pharmacist, lot)
    assert f'action="/records/{lot}/scrap#scrap" id="scrap"' in page
    asked = post(pharmacist, lot, "scrap").get_data(as_text=True)
    assert "This cannot be undone." in asked
    assert f'action="/records/{lot}/scrap#scrap" id="scrap"' in asked  # signed in view too


# -- item 3: the bench form reads units; every error at once, beside its field --------------------

def test_bench_masses_read_their_units(app, client):
    lot = printed(client)
    response = post(client, lot, "bench", **{
        **FORM_BENCH, "tablet_powder_actual": "0.748 g", "filler_actual": "3.58g",
        "average_tablet_weight": "0.2504 g",
        "capsule_weights": "0.129 g, 131 mg\n130mg 130 130 0.13 g 130 130 130 130"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    bench = app.extensions["records"].get(lot).bench
    assert (bench.tablet_powder_actual, bench.filler_actual) == (748, 3580)
    assert bench.average_tablet_weight == Fraction("250.4")
    assert bench.capsule_weights[:4] == [129, 131, 130, 130] and bench.capsule_weights[6] == 130
    # a bare number is in the field's unit
    again = post(client, lot, "correction", **{**FORM_BENCH, "filler_actual": "3.6 g"},
                 reason="filler re-weighed")
    assert again.status_code == 303
    assert app.extensions["records"].get(lot).bench.filler_actual == 3600


def test_every_bench_error_is_shown_at_once_beside_its_field(client, pharmacist):
    filler = receive(client, FILLER)
    quarantine(pharmacist, filler, "microbial limits failed")
    lot = printed(client)
    response = post(client, lot, "bench", **{**FORM_BENCH, "capsules_made": "thirty",
                                             "tablet_powder_actual": "0.7 kilo",
                                             "filler_lot": "M789"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-code="LOT_QUARANTINED"' in field_error(page, "filler_lot")
    assert field_error(page, "capsules_made") and field_error(page, "tablet_powder_actual")
    for name in ("filler_lot", "capsules_made", "tablet_powder_actual"):
        assert re.search(rf'id="bench-{name}"[^>]*aria-invalid="true"', page), name
    assert "3 problems" in page
    # a correction's errors too, each beside its field
    lot = compounded(client)
    corrected = post(client, lot, "correction", **{**FORM_BENCH, "capsules_made": "thirty"},
                     reason="")
    page = corrected.get_data(as_text=True)
    assert corrected.status_code == 422
    assert field_error(page, "capsules_made") and field_error(page, "reason")


# -- item 4: inventory lots at the bench ----------------------------------------------------------

def _datalist(page: str, list_id: str) -> list[str]:
    found = re.search(rf'<datalist id="{list_id}">(.*?)</datalist>', page, re.S)
    return re.findall(r'<option value="([^"]+)"', found.group(1)) if found else []


def test_the_bench_form_offers_usable_lots(client, pharmacist):
    receive(client, TABLET)
    held = receive(client, {**TABLET, "lot": "HELD"})
    receive(client, FILLER)
    receive(client, SHELL)
    quarantine(pharmacist, held, "recall")
    lot = printed(client)
    page = page_of(client, lot)
    assert _datalist(page, "bench-tablet-lots") == ["N456"]
    assert _datalist(page, "bench-filler-lots") == ["M789"]
    assert _datalist(page, "bench-shell-lots") == ["C321"]
    assert re.search(r'<input type="text" id="bench-source_lot" name="source_lot" value="N456" '
                     r'list="bench-tablet-lots" autocomplete="off"', page)
    assert "N456: Naltrexone HCl 50 mg tablet (Accord), W 250.4 mg, expires 2027-06-30" in page
    # a lot the inventory never received is still taken
    assert post(client, lot, "bench", **{**FORM_BENCH, "capsule_lot": "NEW-7"}).status_code == 303


def test_a_quarantined_or_expired_lot_is_refused_at_the_bench(app, client, pharmacist,
                                                              compounding_day):
    held = receive(client, {**TABLET, "lot": "HELD"})
    receive(client, {**SHELL, "lot": "SOON", "expiry": "2026-11-30"})
    quarantine(pharmacist, held, "supplier recall 2026-114")
    lot = printed(client)
    refused = post(client, lot, "bench", **{**FORM_BENCH, "source_lot": "held"})
    assert refused.status_code == 422
    error = field_error(refused.get_data(as_text=True), "source_lot")
    assert 'data-code="LOT_QUARANTINED"' in error and "supplier recall 2026-114" in error
    assert app.extensions["records"].get(lot).status == "printed"
    # a correction on the day the shell lot has expired
    assert post(client, lot, "bench", **FORM_BENCH).status_code == 303
    compounding_day.move_to("2026-12-01T10:00:00-06:00")
    login(client, "tech")  # signed out meanwhile
    late = post(client, lot, "correction", **{**FORM_BENCH, "capsule_lot": "SOON"},
                reason="other shells")
    assert late.status_code == 422
    assert 'data-code="LOT_EXPIRED"' in field_error(late.get_data(as_text=True), "capsule_lot")
    assert app.extensions["records"].get(lot).revision == 2


# -- item 5: quarantine flags on the page; the label held ----------------------------------------

def test_a_quarantined_lot_is_flagged_and_holds_the_label(app, client, pharmacist):
    filler = receive(client, FILLER)
    lot = verified(client, pharmacist)
    quarantine(pharmacist, filler, "microbial limits failed")
    page = page_of(pharmacist, lot)
    flag = re.search(r'<section class="alert quarantine" role="alert"[^>]*>(.*?)</section>', page,
                     re.S).group(1)
    assert "Filler lot M789 is quarantined" in flag and "microbial limits failed" in flag
    assert f'<a href="/inventory/{filler}">Lot M789 in the inventory</a>' in flag
    assert 'action="/records/' + lot + '/label.pdf"' not in page  # no print form offered
    refused = pharmacist.post(f"/records/{lot}/label.pdf",
                              data={"csrf_token": csrf(pharmacist, f"/records/{lot}")})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 409 and 'data-code="LOT_QUARANTINED"' in text
    assert "Filler lot M789 is quarantined (microbial limits failed)" in text
    assert events(app, "label_print") == [] and label_events(client, lot) == []
    # nor through the API
    answer = pharmacist.post(f"/api/v1/records/{lot}/label", json={})
    errors = assert_error_body(answer.get_json(), 409)
    assert (errors[0]["code"], errors[0]["field"]) == ("LOT_QUARANTINED", "filler_lot")
    assert events(app, "label_print") == []


# -- item 6: copies, reprints, the label printer ---------------------------------------------------

def test_copies_and_every_reprint_is_marked(app, client, pharmacist):
    lot = verified(client, pharmacist)
    page = page_of(pharmacist, lot)
    form = re.search(rf'<form method="post" action="/records/{lot}/label.pdf" id="print-label">'
                     r'(.*?)</form>', page, re.S).group(1)
    assert re.search(r'<input type="text" id="label-copies" name="copies" value="1"', form)
    assert 'name="destination"' not in form  # no printer set: PDF only
    assert "Print label (PDF)</button>" in form and "The first print" in form
    once = post(pharmacist, lot, "label.pdf", copies="1")
    first = post(pharmacist, lot, "label.pdf", copies="2")
    assert once.status_code == first.status_code == 200
    assert "REPRINT" not in pdf.text(once.data)
    assert len(pdf.pages(first.data)) == 2 * len(pdf.pages(once.data))
    assert all("REPRINT" in page.extract_text() for page in pdf.pages(first.data))
    assert "Printed 2 times already: this print is marked <strong>REPRINT</strong>" in page_of(
        pharmacist, lot)
    details = [(e.detail["copies"], e.detail["reprint"], e.detail["destination"],
                e.detail["format"]) for e in events(app, "label_print")]
    assert details == [(1, False, "pdf", "pdf"), (2, True, "pdf", "pdf")]
    assert len(label_events(client, lot)) == 2


@pytest.mark.parametrize("copies", ["0", "21", "two", ""])
def test_copies_are_one_to_twenty(app, client, pharmacist, copies):
    lot = verified(client, pharmacist)
    response = post(pharmacist, lot, "label.pdf", copies=copies)
    assert (response.status_code, response.mimetype) == (422, "text/html")  # no label
    page = response.get_data(as_text=True)
    assert "from 1 to 20" in field_error(page, "copies", "label-")
    assert f'value="{copies}"' in page.split('id="label-copies"')[1][:200]
    assert events(app, "label_print") == []


def test_without_a_printer_the_label_prints_as_a_pdf_only(app, client, pharmacist):
    lot = verified(client, pharmacist)
    response = post(pharmacist, lot, "label.pdf", destination="printer")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'<li data-code="INVALID_VALUE">Destination: no label printer is set up',
                     page)
    assert events(app, "label_print") == []


@contextmanager
def label_printer() -> Iterator[tuple[int, list[bytes]]]:
    """A label printer on a local port: the port, and each job's bytes as it arrives."""
    jobs: list[bytes] = []
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(0.2)
        done = threading.Event()

        def serve() -> None:
            while not done.is_set():
                try:
                    connection, _ = server.accept()
                except TimeoutError:
                    continue
                with connection:
                    connection.settimeout(10)
                    job = bytearray()
                    while chunk := connection.recv(65536):
                        job.extend(chunk)
                    jobs.append(bytes(job))

        thread = threading.Thread(target=serve)
        thread.start()
        try:
            yield server.getsockname()[1], jobs
        finally:
            done.set()
            thread.join(10)


def _with_printer(app, address: str) -> None:
    profile = app.config["PROFILE"]
    label = Label(stock=profile.label.stock, printer=address)
    app.config["PROFILE"] = profile.model_copy(update={"label": label})


def test_the_label_is_sent_to_the_label_printer(app, client, pharmacist):
    from compounding.documents import label_text

    lot = verified(client, pharmacist)
    with label_printer() as (port, jobs):
        _with_printer(app, f"127.0.0.1:{port}")
        page = page_of(pharmacist, lot)
        assert re.search(r'<input type="radio" name="destination" value="pdf"[^>]*checked', page)
        assert f"Label printer (127.0.0.1:{port})" in page and ">Print label</button>" in page
        sent = post(pharmacist, lot, "label.pdf", copies="2", destination="printer")
        assert sent.status_code == 303
        shown = pharmacist.get(sent.headers["Location"]).get_data(as_text=True)
        assert _notice(shown) == f"Sent 2 copies to the label printer at 127.0.0.1:{port}."
        again = post(pharmacist, lot, "label.pdf", copies="1", destination="printer")
        assert _notice(_followed(pharmacist, again)) == (
            f"Sent 1 copy to the label printer at 127.0.0.1:{port}, marked REPRINT.")
    record = app.extensions["records"].get(lot)
    order, profile, batch = record.order_for_label(), record.profile, record.dispensing()
    assert jobs == [label_text(order, profile, batch, copies=2).encode("utf-8"),
                    label_text(order, profile, batch, reprint=True).encode("utf-8")]
    assert "Jane Q. Public" in jobs[0].decode("utf-8") and "REPRINT" in jobs[1].decode("utf-8")
    details = [(e.detail["copies"], e.detail["reprint"], e.detail["destination"],
                e.detail["format"]) for e in events(app, "label_print")]
    assert details == [(2, False, f"printer 127.0.0.1:{port}", "zpl"),
                       (1, True, f"printer 127.0.0.1:{port}", "zpl")]
    assert len(label_events(client, lot)) == 2


def test_a_printer_that_cannot_be_reached_prints_and_records_nothing(app, client, pharmacist):
    lot = verified(client, pharmacist)
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
    _with_printer(app, f"127.0.0.1:{port}")  # nothing listens there now
    response = post(pharmacist, lot, "label.pdf", destination="printer")
    page = response.get_data(as_text=True)
    assert response.status_code == 502 and 'data-code="PRINTER_UNREACHABLE"' in page
    assert f"The label printer at 127.0.0.1, port {port}, refused the connection" in page
    assert events(app, "label_print") == [] and label_events(client, lot) == []


@pytest.mark.parametrize("address", ["10.0.0.9", "zebra-1.local:9100", "[fe80::1]:6101"])
def test_the_printer_setting_takes_a_host_and_a_port(address):
    profile = load_profile(f'[label]\nprinter = "{address}"\n')
    assert profile.label.printer == address
    assert profile.label.printer_address[1] == (9100 if address == "10.0.0.9" else
                                                int(address.rsplit(":", 1)[1]))


@pytest.mark.parametrize("address", ["", "10.0.0.9:0", "10.0.0.9:70000", "a b", "host:port",
                                     "fe80::1", "-printer"])
def test_a_printer_setting_that_is_not_an_address_names_the_key(address):
    with pytest.raises(ProfileError) as caught:
        load_profile(f'[label]\nprinter = "{address}"\n')
    errors = assert_error_body(caught.value.to_json(), 422)
    assert [e["field"] for e in errors] == ["profile.label.printer"]


def test_no_printer_set_dumps_the_profile_as_before():
    # batches keep their profile, and an export's chain is checked against its dump
    assert "printer" not in load_profile("").model_dump_json()
    sample = Path(__file__).resolve().parent.parent / "samples" / "pharmacy.toml"
    assert '# printer = "10.0.0.9:9100"' in sample.read_text(encoding="utf-8")


# -- item 7: times in the pharmacy's zone; tables reachable by keyboard ---------------------------

def test_times_are_in_the_pharmacys_zone(client, pharmacist):
    lot = verified(client, pharmacist)
    page = page_of(pharmacist, lot)
    history = page.split('<table class="working history"')[1]
    assert re.search(r"<td>2026-11-22 10:0\d CST</td>", history)
    signatures = re.search(r'<ul class="signatures">(.*?)</ul>', page, re.S).group(1)
    assert re.search(r"approved batch, 2026-11-22 10:0\d CST", signatures)
    assert "(bench work at 2026-11-22 04:00 CST)" in page  # BENCH's 10:00 UTC
    assert "UTC" not in page


def test_every_data_table_scrolls_by_keyboard_and_is_named(client, pharmacist):
    lot = compounded(client)
    page = page_of(pharmacist, lot)
    tables = re.findall(r'<table class="working[^"]*"[^>]*>', page)
    assert len(tables) >= 3
    assert all('tabindex="0"' in t and re.search(r'aria-label="[^"]+"', t) for t in tables)
