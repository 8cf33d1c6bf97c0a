"""A batch from naltrexone HCl powder (API) in a real browser, as the counter makes it: a
technician receives a powder lot with its certificate's assay, chooses the powder on the order
form (the tablets' fields go out of view, without a script), picks that lot (its assay is taken
on preview), creates the batch, prints its worksheet and enters the bench without tablets; a
pharmacist verifies it and prints the label. axe-core finds nothing in any of these states, at
1280 and 375 px."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Page, expect

from . import days, pdf
from .test_browser import button, chromium_page, fill_order
from .test_browser_pages import WIDE, check_state, sign_in
from .test_browser_record import current_step, notice, print_label, verify

pytestmark = pytest.mark.real_clock


@pytest.fixture(scope="module")
def page(server) -> Iterator[Page]:
    with chromium_page(bypass_csp=True, viewport=WIDE) as page:
        yield page


def receive_powder(page: Page, server: str, lot: str, assay: str) -> None:
    """Receive a lot of naltrexone HCl powder through the inventory page, with the assay its
    certificate of analysis gives (as is)."""
    page.goto(f"{server}/inventory")
    page.locator("#receive-kind").select_option("api")
    for name, value in (("product", "Naltrexone HCl USP powder"), ("manufacturer", "Spectrum"),
                        ("lot", lot), ("expiry", days.month_in_years(2)), ("assay", assay)):
        page.locator(f"#receive-{name}").fill(value)
    page.get_by_label("Assay basis").select_option("as_is")
    button(page, "Receive").click()
    expect(page.get_by_text("Lot received.")).to_be_visible()
    expect(page.locator("dl.summary")).to_contain_text(f"{assay} % as is")


def test_a_powder_batch_at_the_counter(server, page):
    problems: dict[str, list[str]] = {}
    sign_in(page, server, "tech")
    receive_powder(page, server, "BRP-1", "99.2")
    check_state(page, "inventory, powder lot received", problems)

    # the order: tablets by default, the powder's fields out of view until it is chosen
    page.goto(server + "/")
    powder_lot = page.get_by_label("Powder lot")
    weight = page.get_by_label("Measured average tablet weight (W)")
    expect(powder_lot).to_be_hidden()
    fill_order(page, {"Patient name": "Inês Duarte", "Concurrent medications": "",
                      "Measured average tablet weight (W)": "", "Overage": "2"})
    page.get_by_label("Overage given as").select_option("capsules")
    page.get_by_label("Source", exact=True).select_option("api_powder")
    expect(weight).to_be_hidden()
    expect(powder_lot).to_be_visible()
    expect(page.locator("#api-lots option[value='BRP-1']")).to_have_count(1)
    check_state(page, "order form, powder chosen", problems)

    # previewed without its lot: the errors beside the powder's fields, the summary links there
    button(page, "Preview the batch").click()
    expect(powder_lot).to_have_attribute("aria-invalid", "true")
    expect(page.locator("[id='powder.assay-error']")).to_contain_text("certificate of analysis")
    expect(page.locator("[id='powder.expiry-error']")).to_contain_text("expiry")
    expect(weight).to_be_hidden()  # the tablets' fields stay out of view
    check_state(page, "order form, powder without its lot", problems)
    page.locator(".alert").get_by_role("link", name="Powder lot").click()
    expect(powder_lot).to_be_focused()

    # the lot picked: its assay and expiry are taken from the inventory, the powder to weigh
    # is 32 × 4.5 = 144 mg ÷ 0.992 = 145.161 mg
    powder_lot.fill("BRP-1")
    button(page, "Preview the batch").click()
    expect(page.locator("[id='powder.assay']")).to_have_value("99.2")
    expect(page.get_by_label("Powder expiry")).not_to_have_value("")
    expect(page.locator("fieldset.source-api_powder [role=status]")).to_contain_text(
        "Taken from powder lot BRP-1")
    summary = page.locator("#preview dl.summary")
    expect(summary).to_contain_text("Naltrexone HCl powder to weigh")
    expect(summary).to_contain_text("145.161 mg (144 mg ÷ 0.992)")
    expect(summary).not_to_contain_text("Tablets to crush")
    check_state(page, "order form, powder preview", problems)

    # the batch, its worksheet printed
    button(page, "Create batch record and worksheet").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("new")
    lot = heading.inner_text().split()[1]
    expect(page.locator("dl.summary")).to_contain_text("assay 99.2 % as is")
    sheet = page.get_by_role("link", name="Print worksheet (PDF)").get_attribute("href")
    printed = page.request.get(urljoin(page.url, sheet))
    assert printed.headers["content-type"] == "application/pdf"
    text = pdf.text(printed.body())
    assert "BRP-1" in text and "Weigh 145 mg of naltrexone HCl powder" in text
    page.reload()
    expect(current_step(page)).to_contain_text("Current step: enter the bench results")

    # the bench: no tablets asked for; the powder weighed, its lot offered and already filled
    expect(page.get_by_label("Tablets used")).to_have_count(0)
    expect(page.get_by_label("Tablet powder, actual")).to_have_count(0)
    expect(page.get_by_label("Powder lot used")).to_have_value("BRP-1")
    expect(page.locator("#bench-api-lots option[value='BRP-1']")).to_have_count(1)
    check_state(page, "record, powder bench", problems)
    for label, value in {"Naltrexone HCl powder, actual": "145", "Filler, actual": "4.015 g",
                         "Capsules made": "32",
                         "Capsule net weights (mg), one per capsule": "130 " * 10,
                         "Filler lot used": "BRPF-1", "Filler expiry": days.month_in_years(2),
                         "Capsule shell lot used": "BRPC-1",
                         "Capsule shell expiry": days.month_in_years(3)}.items():
        page.get_by_label(label, exact=True).fill(value)
    button(page, "Save bench results").click()
    expect(notice(page)).to_have_text("Bench results saved.")
    # 145 mg × 0.992 = 143.84 mg in 4160 mg of blend; 130 mg capsules: 4.495 mg (99.9 %)
    results = page.locator("table.bench-results")
    expect(results.locator("tr", has_text="Naltrexone HCl powder")).to_contain_text("145 mg")
    expect(results.locator("tr", has_text="Strength made")).to_contain_text(
        "4.495 mg per capsule, 99.9 %")
    expect(results).not_to_contain_text("Tablets crushed")
    button(page, "Sign out").click()

    # the pharmacist verifies and prints the label
    sign_in(page, server, "rph")
    page.goto(f"{server}/records/{lot}")
    check_state(page, "record, powder batch to verify", problems)
    verify(page)
    expect(notice(page)).to_have_text("Batch verified.")
    check_state(page, "record, powder label to print", problems)
    label = print_label(page, 1)
    assert label.ok and label.headers["content-type"] == "application/pdf"
    words = pdf.text(label.body())
    assert "Inês Duarte" in words and "Naltrexone HCl 4.5 mg capsules" in words
    assert re.search(rf"Lot {lot}\b", words)
    page.reload()
    expect(current_step(page)).to_contain_text("Done: printed 1 time")
    button(page, "Sign out").click()
    assert not problems, "\n".join(f"{state}: {found}" for state, found in problems.items())
