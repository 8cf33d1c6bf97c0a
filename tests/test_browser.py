"""End to end in a real browser: Playwright drives Debian's Chromium against ``compounding serve``.

A pharmacist fills the form, sees a field error and fixes it, sees the critical opioid finding,
acknowledges it, and downloads both PDFs. Never skipped: Chromium is installed by
``tests/install-deps``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from . import days, pdf
from .people import PASSWORD

pytestmark = pytest.mark.real_clock

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextmanager
def chromium_page(**context: Any) -> Iterator[Page]:
    """A page of Debian's Chromium, in a new context with ``context``'s options."""
    assert Path(CHROMIUM).exists(), "Chromium is missing: bash tests/install-deps"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS,
                                             env=days.real_clock_environment())
        try:
            yield browser.new_context(**context).new_page()
        finally:
            browser.close()


@pytest.fixture(scope="module")
def browser_page(server) -> Iterator[Page]:
    with chromium_page(accept_downloads=True, java_script_enabled=False) as page:
        yield page


def button(page: Page, name: str):
    return page.get_by_role("button", name=name)


def opened_pdf(page: Page, link: str) -> bytes:
    """The PDF a link opens in the browser's own viewer (``inline``: ready to print, not a
    download), fetched with the page's session."""
    from urllib.parse import urljoin

    href = page.get_by_role("link", name=link).get_attribute("href")
    response = page.request.get(urljoin(page.url, href))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline;")
    return response.body()


def posted_pdf(page: Page, name: str) -> bytes:
    """The PDF a button's form posts for (a label print is never a link), sent with the
    page's session and the form's anti-forgery token."""
    from urllib.parse import urljoin

    form = page.locator(f"form#{button(page, name).get_attribute('form')}")
    token = form.locator("input[name=csrf_token]").get_attribute("value")
    response = page.request.post(urljoin(page.url, form.get_attribute("action")),
                                 form={"csrf_token": token})
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline;")
    return response.body()


ORDER_FIELDS = {
    "Strength per capsule": "4.5", "Capsules to dispense": "30", "Rx number": "100987",
    "Patient name": "Jane Q. Public", "Prescriber": "Dr. A. Example",
    "Concurrent medications": "Percocet 5/325 mg", "Measured average tablet weight (W)": "250",
    "Pack stat (F): filler alone per capsule": "130",
}


def fill_order(page: Page, changes: dict[str, str] | None = None) -> None:
    """Type an order into the form, field by label: :data:`ORDER_FIELDS` with ``changes``."""
    for label, value in {**ORDER_FIELDS, **(changes or {})}.items():
        page.get_by_label(label, exact=label in ("Prescriber", "Overage")).fill(value)


def sign_in(page: Page, server: str, username: str) -> None:
    page.goto(server + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    button(page, "Sign in").click()
    expect(page.get_by_text("Signed in:")).to_be_visible()


def test_two_people_compound_and_release(server, browser_page, tmp_path):
    # a technician compounds; a pharmacist signs the acknowledgement and the verification;
    # the label prints; the technician could not verify
    page = browser_page
    sign_in(page, server, "tech")
    expect(page.get_by_role("heading", name="Low-dose naltrexone capsules")).to_be_visible()

    fill_order(page, {"Patient name": "Łukasz Wójcik", "Overage": "2",
                      "Concurrent medications": "Percocet 5/325 mg\nsertraline 50 mg",
                      "Measured average tablet weight (W)": ""})
    page.get_by_label("Overage given as").select_option("capsules")
    # the measured tablet weight is forgotten: the error appears beside it, typed values stay
    button(page, "Preview the batch").click()
    weight = page.get_by_label("Measured average tablet weight (W)")
    expect(weight).to_have_attribute("aria-invalid", "true")
    expect(page.locator("[id='source.average_tablet_weight-error']")).to_contain_text("required")
    expect(page.get_by_label("Patient name")).to_have_value("Łukasz Wójcik")

    weight.fill("250")
    button(page, "Preview the batch").click()
    preview = page.locator("#preview")
    expect(preview).to_contain_text("Tablets to crush")
    expect(preview).to_contain_text("⌈32 × 4.5 / 50⌉ = ⌈2.88⌉")
    expect(preview.locator(".findings.critical")).to_contain_text("contains oxycodone")

    # keep the batch: its record page prints the worksheet with the batch's lot number
    button(page, "Create batch record and worksheet").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("new")  # new until its worksheet is printed
    lot = heading.inner_text().split()[1]
    expect(page.get_by_text("once a pharmacist has verified the batch")).to_be_visible()
    sheet = opened_pdf(page, "Print worksheet (PDF)")
    assert f"Lot number {lot}" in pdf.text(sheet)

    # the bench results, one capsule out of range; no name is typed: the author is signed in
    page.get_by_label("Tablet powder, actual").fill("748")
    page.get_by_label("Filler, actual").fill("3581")
    page.get_by_label("Capsules made").fill("33")
    weights = "129 131 150 128 " + "130 " * 6  # at least 10 weighed (domain.md §12)
    page.get_by_label("Capsule net weights (mg), one per capsule").fill(weights)
    # every component's lot and expiry is required (domain.md §12): forgotten, then given
    button(page, "Save bench results").click()
    expect(page.get_by_label("Tablet lot used")).to_have_attribute("aria-invalid", "true")
    # a filler lot that expired yesterday is refused beside its field
    yesterday = days.in_days(-1).isoformat()
    for label, value in (("Tablet lot used", "N456"), ("Tablet expiry", days.month_in_years(2)),
                         ("Filler lot used", "M789"), ("Filler expiry", yesterday),
                         ("Capsule shell lot used", "C321"),
                         ("Capsule shell expiry", days.month_in_years(3))):
        page.get_by_label(label).fill(value)
    button(page, "Save bench results").click()
    expect(page.get_by_label("Filler expiry")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("ul.field-errors", has_text=f"expired on {yesterday}")).to_be_visible()
    expect(page.get_by_label("Filler expiry")).to_have_value(yesterday)
    # one that expires in 10 days cuts the BUD, and the label carries its expiry
    filler_expiry = days.in_days(10).isoformat()
    page.get_by_label("Filler expiry").fill(filler_expiry)
    button(page, "Save bench results").click()
    checked = page.locator("table.findings-table").last
    expect(checked).to_contain_text("Capsule 3 weighs 150 mg")
    expect(checked).to_contain_text(f"The label carries {filler_expiry}")
    expect(page.locator("table.bench-results")).to_contain_text(
        f"filler lot used expires {filler_expiry}")
    expect(page.locator("ol.capsule-weights li.out-of-range")).to_have_count(1)
    expect(page.locator("table.history")).to_contain_text("T. Tech")
    # the technician has no verification to sign
    expect(page.get_by_role("button", name="Sign the verification")).to_have_count(0)
    expect(page.get_by_text("A pharmacist verifies this batch here")).to_be_visible()
    button(page, "Sign out").click()

    sign_in(page, server, "rph")
    page.goto(f"{server}/records/{lot}")
    ack = page.locator("fieldset.acknowledge")
    ack.get_by_label("Reason").fill("Percocet stopped 2026-11-01")
    ack.get_by_label("Your password, to sign").fill(PASSWORD)
    button(page, "Sign the acknowledgement").click()
    verify = page.locator("fieldset", has_text="Pharmacist verification")
    verify.get_by_label("Approve", exact=True).check()  # no decision is made for her
    verify.get_by_label("Your password, to sign").fill("not the password at all")
    button(page, "Sign the verification").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Signature: the password is not right")
    expect(page.get_by_role("alert")).not_to_contain_text("SIGNATURE_FAILED")
    verify = page.locator("fieldset", has_text="Pharmacist verification")
    expect(verify.get_by_label("Approve", exact=True)).to_be_checked()  # as she chose it
    verify.get_by_label("Your password, to sign").fill(PASSWORD)
    button(page, "Sign the verification").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("verified")
    signatures = page.locator("ul.signatures")
    expect(signatures).to_contain_text("R. Okafor, PharmD (licence RPH-10234): approved batch")
    expect(signatures).to_contain_text("acknowledged “Opioid coadministration” "
                                       "(Concurrent medications, line 1)")

    tag = posted_pdf(page, "Print label (PDF)")
    assert "Łukasz Wójcik" in pdf.text(tag) and "Riverside Compounding Pharmacy" in pdf.text(tag)
    assert f"Discard after {filler_expiry}" in pdf.text(tag) and "PROOF" not in pdf.text(tag)
    record = pdf.text(opened_pdf(page, "Print the executed record (PDF)"))
    assert "R. Okafor, PharmD RPH-10234 approved batch" in record and "3 150 OUT OF RANGE" in record
    [image] = pdf.render(tag, tmp_path, dpi=300)
    assert pdf.barcodes(image) == ["100987"]


def test_keyboard_reaches_the_buttons(server, browser_page):
    page = browser_page
    page.goto(server + "/")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to the form")
    for _ in range(200):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Preview the batch":
            break
    else:
        raise AssertionError("the Preview button cannot be reached by keyboard")


def test_prints_cleanly(server, browser_page, tmp_path):
    page = browser_page
    page.goto(server + "/")
    page.emulate_media(media="print")
    expect(button(page, "Preview the batch")).to_be_hidden()
    pdf_bytes = page.pdf()
    assert pdf.pages(pdf_bytes)
    page.emulate_media(media="screen")


def test_a_mistyped_count_is_refused_not_shortened(server, browser_page):
    # the count was a number input: typed "3O" reached the server as 3, silently
    page = browser_page
    page.goto(server + "/")
    page.get_by_label("Strength per capsule").fill("4.5")
    page.get_by_label("Capsules to dispense").fill("")
    page.get_by_label("Capsules to dispense").press_sequentially("3O")
    page.get_by_label("Measured average tablet weight (W)").fill("250")
    button(page, "Preview the batch").click()
    quantity = page.get_by_label("Capsules to dispense")
    expect(quantity).to_have_value("3O")
    expect(quantity).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#quantity-error")).to_contain_text("must be a whole number")
    expect(quantity).to_have_attribute("inputmode", "numeric")


def _order_in_form(page: Page, server: str, lot: str = "") -> None:
    page.goto(server + "/")
    fill_order(page, {"Strength per capsule": "1.5", "Patient name": "Ana Souza",
                      "Concurrent medications": "", "Batch lot number": lot})


@pytest.mark.parametrize("typed", ["", "LDN-2026-77"])
def test_one_lot_number_from_preview_to_record(server, browser_page, typed):
    # the preview showed a temporary lot that differed from the record's
    page = browser_page
    page.context.clear_cookies()
    sign_in(page, server, "tech")
    _order_in_form(page, server, typed)
    button(page, "Preview the batch").click()
    heading = page.locator("#preview-title")
    if typed:
        expect(heading).to_have_text(f"Batch plan: lot {typed}")
    else:
        expect(heading).to_have_text("Batch plan")
        expect(page.get_by_text("The lot number is given when the batch is kept.")).to_be_visible()
    button(page, "Create batch record and worksheet").click()
    lot = page.get_by_role("heading", level=1).inner_text().split()[1]
    if typed:
        assert lot == typed
    else:
        assert re.fullmatch(r"\d{8}-\d{3}", lot)
    assert f"Lot number {lot}" in pdf.text(opened_pdf(page, "Print worksheet (PDF)"))
    button(page, "Sign out").click()


def test_scrap_asks_to_confirm_without_script(server, browser_page):
    # scrap looked like a save and ended the batch at once; the browser runs no script here
    page = browser_page
    page.context.clear_cookies()
    sign_in(page, server, "rph")
    _order_in_form(page, server)
    button(page, "Create batch record and worksheet").click()
    status = page.locator("h1 .status")
    expect(status).to_have_text("new")
    button(page, "Scrap this batch…").click()
    confirm = page.locator("fieldset.danger-zone")
    expect(confirm).to_contain_text("This cannot be undone.")
    expect(status).to_have_text("new")
    page.get_by_role("link", name="Keep the batch").click()
    expect(status).to_have_text("new")
    expect(page.get_by_role("button", name=re.compile("permanently"))).to_have_count(0)
    button(page, "Scrap this batch…").click()
    confirm.get_by_label("Reason").fill("Spilled on the bench")
    confirm.get_by_label("Your password, to sign").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("permanently")).click()
    expect(status).to_have_text("scrapped")
    button(page, "Sign out").click()


def test_a_failed_rejection_comes_back_as_a_rejection(server, browser_page):
    # Reject with no reason came back showing Approve; signing again approved the batch, with
    # the rejection's reason as the approval's
    page = browser_page
    page.context.clear_cookies()
    sign_in(page, server, "tech")
    page.goto(server + "/")
    fill_order(page, {"Concurrent medications": "", "Patient name": "Rui Costa"})
    button(page, "Create batch record and worksheet").click()
    lot = page.get_by_role("heading", level=1).inner_text().split()[1]
    for label, value in (("Tablet powder, actual", "748"), ("Filler, actual", "3581"),
                         ("Capsules made", "33"),
                         ("Capsule net weights (mg), one per capsule", "130 " * 10),
                         ("Tablet lot used", "N456"), ("Tablet expiry", days.month_in_years(2)),
                         ("Filler lot used", "M789"), ("Filler expiry", days.month_in_years(2)),
                         ("Capsule shell lot used", "C321"),
                         ("Capsule shell expiry", days.month_in_years(3))):
        page.get_by_label(label, exact=True).fill(value)
    button(page, "Save bench results").click()
    status = page.locator("h1 .status")
    expect(status).to_have_text("compounded")
    button(page, "Sign out").click()

    sign_in(page, server, "rph")
    page.goto(f"{server}/records/{lot}")
    verify = page.locator("fieldset", has_text="Pharmacist verification")
    verify.get_by_label("Reject", exact=True).check()
    verify.get_by_label("Your password, to sign").fill(PASSWORD)
    button(page, "Sign the verification").click()
    verify = page.locator("fieldset", has_text="Pharmacist verification")
    expect(verify.get_by_label("Reject", exact=True)).to_be_checked()
    expect(verify.get_by_label("Reason (required to reject)")).to_have_attribute(
        "aria-invalid", "true")
    # no other form on the page is marked for the verification's error
    expect(page.locator("[aria-invalid='true']")).to_have_count(1)
    expect(status).to_have_text("compounded")
    verify.get_by_label("Reason (required to reject)").fill("Capsules cracked in the machine")
    verify.get_by_label("Your password, to sign").fill(PASSWORD)
    button(page, "Sign the verification").click()
    expect(status).to_have_text("rejected")
    expect(page.locator("ul.signatures")).to_contain_text("rejected batch")
    expect(page.locator("ul.signatures")).not_to_contain_text("approved batch")
    button(page, "Sign out").click()
