"""The batch record page in a real browser (issue 23), as the counter sees it: the step header,
the current step's form first, confirmations after each save, the scrap confirmation in view,
units read at the bench, inventory lots offered and refused, a quarantined lot holding the
label, copies and reprints, the label printer, times in the pharmacy's zone; axe-core finds
nothing in any of these states, at 1280 and 375 px."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Page, expect

from . import days, pdf
from .people import KEY, PASSWORD
from .service import ROOT, await_health, free_port, people
from .test_browser import button, chromium_page, fill_order
from .test_browser_pages import WIDE, check_state, sign_in

pytestmark = pytest.mark.real_clock


@pytest.fixture(scope="module")
def page(server) -> Iterator[Page]:
    with chromium_page(bypass_csp=True, viewport=WIDE) as page:
        yield page


def receive(page: Page, server: str, kind: str, lot: str) -> str:
    """Receive a lot through the inventory page; the address of its page."""
    page.goto(f"{server}/inventory")
    page.locator("#receive-kind").select_option(kind)
    product = {"tablet": "Naltrexone HCl 50 mg tablet", "filler": "Avicel PH-102",
               "shell": "Gelatin capsules size 3"}[kind]
    for name, value in (("product", product), ("manufacturer", "Accord"), ("lot", lot),
                        ("expiry", days.month_in_years(2))):
        page.locator(f"#receive-{name}").fill(value)
    if kind == "tablet":
        page.locator("#receive-average_weight_mg").fill("250.4")
    button(page, "Receive").click()
    expect(page.get_by_text("Lot received.")).to_be_visible()
    return page.url.split("?")[0]


def new_batch(page: Page, server: str, patient: str) -> str:
    page.goto(server + "/")
    fill_order(page, {"Concurrent medications": "", "Patient name": patient})
    button(page, "Create batch record and worksheet").click()
    heading = page.get_by_role("heading", level=1)
    # new until its worksheet is printed (opened as a PDF, as the link does in a new tab)
    expect(heading).to_contain_text("new")
    expect(current_step(page)).to_contain_text("Current step: print the worksheet")
    sheet = page.get_by_role("link", name="Print worksheet (PDF)").get_attribute("href")
    assert page.request.get(urljoin(page.url, sheet)).headers["content-type"] == \
        "application/pdf"
    page.reload()
    expect(heading).to_contain_text("printed")
    return heading.inner_text().split()[1]


def bench(page: Page, changes: dict[str, str] | None = None) -> None:
    """Fill the bench form, masses typed with their units, and save it."""
    for label, value in {"Tablet powder, actual": "0.748 g", "Filler, actual": "3.581 g",
                         "Capsules made": "33",
                         "Capsule net weights (mg), one per capsule": "0.13 g " + "130 " * 9,
                         "Tablet lot used": "N456", "Tablet expiry": days.month_in_years(2),
                         "Filler lot used": "M789", "Filler expiry": days.month_in_years(2),
                         "Capsule shell lot used": "C321",
                         "Capsule shell expiry": days.month_in_years(3),
                         **(changes or {})}.items():
        page.get_by_label(label, exact=True).fill(value)
    button(page, "Save bench results").click()


def current_step(page: Page):
    return page.locator('.steps [aria-current="step"]')


def notice(page: Page):
    return page.locator('main > p.note[role="status"]')


def verify(page: Page, decision: str = "Approve") -> None:
    form = page.locator("fieldset", has_text="Pharmacist verification")
    form.get_by_label(decision, exact=True).check()
    form.get_by_label("Your password, to sign").fill(PASSWORD)
    button(page, "Sign the verification").click()


def print_label(page: Page, copies: int, destination: str | None = None):
    """The print form posted as the page has it, with ``copies`` (and where to print)."""
    form = page.locator("form#print-label")
    fields = {"csrf_token": form.locator("input[name=csrf_token]").get_attribute("value"),
              "copies": str(copies), **({"destination": destination} if destination else {})}
    return page.request.post(urljoin(page.url, form.get_attribute("action")), form=fields,
                             max_redirects=0)


def test_a_batch_from_bench_to_label(server, page):
    problems: dict[str, list[str]] = {}
    sign_in(page, server, "tech")
    receive(page, server, "tablet", "BRT-1")
    lot = new_batch(page, server, "Ana Lima")
    # where the batch stands, in words; the bench form offers the lots received
    expect(current_step(page)).to_contain_text("Bench")
    expect(current_step(page)).to_contain_text("Current step: enter the bench results")
    expect(page.get_by_label("Tablet lot used")).to_have_attribute("list", "bench-tablet-lots")
    expect(page.locator("#bench-tablet-lots option[value='BRT-1']")).to_have_count(1)
    check_state(page, "record, printed, with lots to pick", problems)

    bench(page, {"Tablet lot used": "BRT-1"})
    expect(notice(page)).to_have_text("Bench results saved.")
    results = page.locator("table.bench-results")
    expect(results.locator("tr", has_text="Tablet powder")).to_contain_text("748 mg")
    expect(results.locator("tr", has_text="Filler").first).to_contain_text("3581 mg")
    expect(current_step(page)).to_contain_text("Verified")
    # in the pharmacy's zone (the sample's America/Chicago), never UTC
    expect(page.locator("table.history")).to_contain_text(
        re.compile(rf"{days.today().isoformat()} \d\d:\d\d C[SD]T"))
    expect(page.locator("table.bench-results")).to_contain_text(re.compile(r"C[SD]T\)"))
    expect(page.locator("main")).not_to_contain_text("UTC")
    page.reload()
    expect(notice(page)).to_have_count(0)  # shown once
    button(page, "Sign out").click()

    sign_in(page, server, "rph")
    page.goto(f"{server}/records/{lot}")
    verification = page.locator("fieldset", has_text="Pharmacist verification")
    results = page.locator("table.bench-results")
    assert verification.bounding_box()["y"] < results.bounding_box()["y"], "not first"
    expect(page.get_by_text("Correct the bench results…")).to_be_visible()
    expect(page.get_by_label("Reason for the correction")).to_be_hidden()  # collapsed
    expect(page.get_by_text("How each number of the plan was derived")).to_be_visible()
    expect(page.locator("table.derivation")).to_be_hidden()
    for choice in ("Approve", "Reject"):
        expect(verification.get_by_label(choice, exact=True)).not_to_be_checked()
    check_state(page, "record, pharmacist verifies", problems)
    verification.get_by_label("Your password, to sign").fill(PASSWORD)
    button(page, "Sign the verification").click()  # neither chosen
    expect(page.locator("#verify-decision-error")).to_have_text("choose Approve or Reject")
    expect(page.locator("h1 .status")).to_have_text("compounded")
    check_state(page, "record, no decision", problems)
    verify(page)
    expect(notice(page)).to_have_text("Batch verified.")
    expect(current_step(page)).to_contain_text("Current step: print the dispensing label")
    expect(page.get_by_label("Copies")).to_have_value("1")
    check_state(page, "record, label to print", problems)

    first = print_label(page, 2)
    assert first.ok and first.headers["content-type"] == "application/pdf"
    assert "REPRINT" not in pdf.text(first.body()) and "Ana Lima" in pdf.text(first.body())
    page.reload()
    expect(current_step(page)).to_contain_text("Done: printed 1 time")
    expect(page.locator("fieldset.print-label")).to_contain_text(
        "Printed 1 time already: this print is marked REPRINT")
    again = print_label(page, 1)
    assert all("REPRINT" in p.extract_text() for p in pdf.pages(again.body()))
    assert 2 * len(pdf.pages(again.body())) == len(pdf.pages(first.body()))  # 2 copies, then 1
    assert not problems, "\n".join(f"{state}: {found}" for state, found in problems.items())


def test_a_quarantined_lot_is_refused_at_the_bench_and_holds_the_label(server, page):
    problems: dict[str, list[str]] = {}
    sign_in(page, server, "tech")
    filler = receive(page, server, "filler", "BRF-1")
    held = new_batch(page, server, "Rui Costa")
    bench(page, {"Filler lot used": "BRF-1"})
    expect(page.locator("h1 .status")).to_have_text("compounded")
    waiting = new_batch(page, server, "Ana Souza")
    button(page, "Sign out").click()

    sign_in(page, server, "rph")
    page.goto(f"{server}/records/{held}")
    verify(page)
    expect(page.locator("h1 .status")).to_have_text("verified")
    page.goto(filler)
    page.get_by_label("Reason for the quarantine").fill("microbial limits failed")
    button(page, "Quarantine lot BRF-1").click()
    # the verified batch that used it: warned, with the lot's page, and no label printed
    page.goto(f"{server}/records/{held}")
    flag = page.locator("section.alert.quarantine")
    expect(flag).to_contain_text("Filler lot BRF-1 is quarantined: hold this batch")
    expect(flag).to_contain_text("microbial limits failed")
    expect(page.locator("form#print-label")).to_have_count(0)
    check_state(page, "record, quarantined lot", problems)
    refused = page.request.post(f"{server}/records/{held}/label.pdf", form={
        "csrf_token": page.locator("input[name=csrf_token]").first.get_attribute("value")})
    assert refused.status == 409 and "Filler lot BRF-1 is quarantined" in refused.text()
    flag.get_by_role("link", name="Lot BRF-1 in the inventory").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("BRF-1")
    button(page, "Sign out").click()

    # typed at the bench of another batch: refused beside its field, with the other errors
    sign_in(page, server, "tech")
    page.goto(f"{server}/records/{waiting}")
    bench(page, {"Filler lot used": "brf-1", "Capsules made": "thirty"})
    filler_lot = page.get_by_label("Filler lot used")
    expect(filler_lot).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#bench-filler_lot-error")).to_contain_text("is quarantined")
    expect(page.get_by_label("Capsules made")).to_have_attribute("aria-invalid", "true")
    check_state(page, "record, lot refused at the bench", problems)
    button(page, "Sign out").click()
    assert not problems, "\n".join(f"{state}: {found}" for state, found in problems.items())


def test_the_scrap_confirmation_comes_back_in_view(server, page):
    sign_in(page, server, "rph")
    lot = new_batch(page, server, "Zoë Martin")
    button(page, "Scrap this batch…").click()
    confirm = page.locator("fieldset.danger-zone")
    expect(confirm).to_contain_text("This cannot be undone.")
    assert page.url.endswith(f"/records/{lot}/scrap#scrap")
    box, height = confirm.bounding_box(), page.viewport_size["height"]
    assert 0 <= box["y"] < height, f"the confirmation is at {box['y']} px, out of view"
    confirm.get_by_label("Reason").fill("Spilled on the bench")
    confirm.get_by_label("Your password, to sign").fill(PASSWORD)
    page.get_by_role("button", name=f"Scrap batch {lot} permanently").click()
    expect(notice(page)).to_have_text("Batch scrapped.")
    expect(page.locator(".steps")).to_contain_text("Not reached: the batch was scrapped")
    button(page, "Sign out").click()


# -- the label printer -----------------------------------------------------------------------------

@contextmanager
def label_printer() -> Iterator[tuple[int, list[bytes]]]:
    """A label printer listening on a local port: its port, and each job as it arrives."""
    jobs: list[bytes] = []
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(0.2)
        done = threading.Event()

        def serve() -> None:
            while not done.is_set():
                try:
                    connection, _ = listener.accept()
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
            yield listener.getsockname()[1], jobs
        finally:
            done.set()
            thread.join(10)


@pytest.fixture(scope="module")
def with_printer(tmp_path_factory) -> Iterator[tuple[str, int, list[bytes]]]:
    """A served workbench whose profile names a label printer (a local socket): its address,
    the printer's port, and the jobs the printer received."""
    folder = tmp_path_factory.mktemp("printer")
    url = f"sqlite:///{folder / 'records.sqlite3'}"
    sample = (ROOT / "samples" / "pharmacy.toml").read_text(encoding="utf-8")
    with label_printer() as (printer_port, jobs):
        profile = folder / "pharmacy.toml"
        profile.write_text(sample.replace('stock = "4x2"\n', f'stock = "4x2"\nprinter = '
                                          f'"127.0.0.1:{printer_port}"\n'), encoding="utf-8")
        people(url)
        port = free_port()
        env = {**os.environ, "COMPOUNDING_DATABASE_URL": url,
               "COMPOUNDING_PROFILE": str(profile), "COMPOUNDING_CHAIN_KEY": KEY.decode()}
        log = tempfile.TemporaryFile()
        served = subprocess.Popen(
            [sys.executable, "-c", "from compounding.cli import main; raise SystemExit(main())",
             "serve", "--port", str(port), "--threads", "4"],
            env=env, stdout=subprocess.DEVNULL, stderr=log)

        def said() -> str:
            log.seek(0)
            return repr(log.read()[-2000:])

        try:
            await_health(port, served, said)
            yield f"http://127.0.0.1:{port}", printer_port, jobs
        finally:
            served.terminate()
            served.wait(10)
            log.close()


def test_the_label_is_sent_to_the_label_printer(with_printer, page):
    server, port, jobs = with_printer
    sign_in(page, server, "tech")
    lot = new_batch(page, server, "Łukasz Wójcik")
    bench(page)
    expect(page.locator("h1 .status")).to_have_text("compounded")
    button(page, "Sign out").click()
    sign_in(page, server, "rph")
    page.goto(f"{server}/records/{lot}")
    verify(page)
    printing = page.locator("fieldset.print-label")
    expect(printing.get_by_label("PDF")).to_be_checked()
    printing.get_by_label(f"Label printer (127.0.0.1:{port})").check()
    printing.get_by_label("Copies").fill("2")
    button(page, "Print label").click()
    expect(notice(page)).to_have_text(f"Sent 2 copies to the label printer at 127.0.0.1:{port}.")
    assert len(jobs) == 1 and "Łukasz Wójcik" in jobs[0].decode("utf-8")
    assert "REPRINT" not in jobs[0].decode("utf-8")
    expect(current_step(page)).to_contain_text("Done: printed 1 time")
    page.locator("fieldset.print-label").get_by_label(f"Label printer (127.0.0.1:{port})").check()
    button(page, "Print label").click()
    expect(notice(page)).to_have_text(
        f"Sent 1 copy to the label printer at 127.0.0.1:{port}, marked REPRINT.")
    assert len(jobs) == 2 and "REPRINT" in jobs[1].decode("utf-8")
    problems: dict[str, list[str]] = {}
    check_state(page, "record, sent to the label printer", problems)
    assert not problems, problems
    button(page, "Sign out").click()
