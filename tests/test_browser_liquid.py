"""An oral liquid in a real browser, from the order to the dispensing label: a technician
chooses the oral liquid on the order form (the capsules' fields go out of view, without a
script), previews 4.5 mg nightly for 30 days at 1 mg/mL (4.5 mL, measured with the 10 mL
syringe because the 5 mL one is marked every 0.2 mL), creates the batch, prints its worksheet
and enters the bench (every ingredient's amount and lot, the final volume); a pharmacist
verifies it with her password and prints the label. axe-core finds nothing in any of these
states, at 1280 and 375 px.

By hand: V = 4.5 × 30 = 135 mL, Vb = 135 + 6.75 = 141.75 mL; 708 mg of the powder of 3
tablets of 250 mg holds 708 × 50 ÷ 250 = 141.6 mg, made to 141 mL: 1.0043 mg/mL, 100.4 %.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Page, expect

from . import days, pdf
from .test_browser import button, chromium_page
from .test_browser_pages import WIDE, check_state, sign_in
from .test_browser_record import current_step, notice, print_label, verify

pytestmark = pytest.mark.real_clock


@pytest.fixture(scope="module")
def page(server) -> Iterator[Page]:
    with chromium_page(bypass_csp=True, viewport=WIDE) as page:
        yield page


def fill(page: Page, values: dict[str, str]) -> None:
    for label, value in values.items():
        page.get_by_label(label, exact=label == "Prescriber").fill(value)


def test_a_liquid_batch_from_the_order_to_the_label(server, page):
    problems: dict[str, list[str]] = {}
    sign_in(page, server, "tech")

    # the order: capsules by default, the liquid's fields out of view until it is chosen
    page.goto(server + "/")
    dose, quantity = page.get_by_label("Dose (required)", exact=True), page.get_by_label(
        "Capsules to dispense")
    expect(dose).to_have_count(1)
    expect(dose).to_be_hidden()
    page.get_by_label("Dosage form").select_option("oral_liquid")
    expect(quantity).to_be_hidden()
    expect(page.get_by_label("Filler", exact=True)).to_be_hidden()
    expect(dose).to_be_visible()
    fill(page, {"Dose (required)": "4.5", "Days’ supply": "30", "Rx number": "300451",
                "Patient name": "Marta Ruiz", "Prescriber": "Dr. A. Example",
                "Measured average tablet weight (W)": "250", "Tablet lot": "BRL-1",
                "Tablet expiry": days.month_in_years(2),
                "Glycerin (glycerol) lot": "BRG-1",
                "Glycerin (glycerol) expiry": days.month_in_years(2)})
    check_state(page, "order form, oral liquid chosen", problems)

    # the preview: 4.5 mL, the 10 mL syringe and why
    button(page, "Preview the batch").click()
    summary = page.locator("#preview dl.summary")
    expect(summary).to_contain_text("Dose volume4.5 mL (4.5 mg)")
    expect(summary).to_contain_text("10 mL oral syringe, marked every 0.5 mL")
    expect(page.locator("#preview p.syringe")).to_contain_text(
        "4.5 mg ÷ 1 mg/mL = 4.5 mL; the 1 mL and 3 mL syringes hold less than 4.5 mL; the 5 mL "
        "syringe is marked every 0.2 mL and cannot measure 4.5 mL; the 10 mL syringe, marked "
        "every 0.5 mL, can")
    expect(summary).to_contain_text("141.75 mL (135 mL to dispense + 6.75 mL overage)")
    expect(page.locator("#preview table.ingredients")).to_contain_text("28.35 mL")
    expect(quantity).to_be_hidden()  # still the liquid, after the round trip
    check_state(page, "order form, liquid preview", problems)

    # the batch, its worksheet printed
    button(page, "Create batch record and worksheet").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("new")
    lot = heading.inner_text().split()[1]
    sheet = page.get_by_role("link", name="Print worksheet (PDF)").get_attribute("href")
    printed = page.request.get(urljoin(page.url, sheet))
    assert printed.headers["content-type"] == "application/pdf"
    text = pdf.text(printed.body())
    assert "Naltrexone HCl 1 mg/mL oral suspension" in text and lot in text
    page.reload()
    expect(current_step(page)).to_contain_text("Current step: enter the bench results")

    # the bench: the drug, every ingredient with its lot, the final volume; no capsules
    expect(page.get_by_label("Capsules made")).to_have_count(0)
    expect(page.get_by_label("Tablets used", exact=True)).to_have_value("3")
    expect(page.get_by_label("Source lot", exact=True)).to_have_value("BRL-1")
    expect(page.get_by_label("Glycerin (glycerol) lot used", exact=True)).to_have_value("BRG-1")
    check_state(page, "record, liquid bench", problems)
    expiry = days.month_in_years(2)
    fill(page, {"Tablet powder, actual": "708", "Ascorbic acid, actual": "709",
                "Ascorbic acid lot used": "BRA-1", "Ascorbic acid expiry": expiry,
                "Sodium benzoate, actual": "142", "Sodium benzoate lot used": "BRS-1",
                "Sodium benzoate expiry": expiry, "Glycerin (glycerol), actual": "28.4",
                "Final volume": "141"})
    button(page, "Save bench results").click()
    expect(notice(page)).to_have_text("Bench results saved.")
    results = page.locator("table.bench-results")
    expect(results.locator("tr", has_text="Strength made")).to_contain_text(
        "1.0043 mg/mL, 100.4 %")
    expect(results.locator("tr", has_text="Sodium benzoate")).to_contain_text("lot BRS-1")
    button(page, "Sign out").click()

    # the pharmacist verifies with her password and prints the label
    sign_in(page, server, "rph")
    page.goto(f"{server}/records/{lot}")
    check_state(page, "record, liquid batch to verify", problems)
    verify(page)
    expect(notice(page)).to_have_text("Batch verified.")
    label = print_label(page, 1)
    assert label.ok and label.headers["content-type"] == "application/pdf"
    words = pdf.text(label.body())
    for said in ("Marta Ruiz", "Naltrexone HCl 1 mg/mL oral suspension",
                 "Take 4.5 mL (4.5 mg)", "Shake well", "Refrigerate"):
        assert said in words, said
    assert re.search(rf"Lot {lot}\b", words)
    page.reload()
    expect(current_step(page)).to_contain_text("Done: printed 1 time")
    check_state(page, "record, liquid labelled", problems)
    button(page, "Sign out").click()
    assert not problems, "\n".join(f"{state}: {found}" for state, found in problems.items())
