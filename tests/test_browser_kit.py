"""A capsule titration kit in a real browser, from the order to every document (issue 26): a
technician chooses a titration schedule on the order form, types its three steps with the step
editor (1.5 mg × 14 days, 3 mg × 14 days, 4.5 mg × 30 days; a fourth added and removed), the
total following each key, previews the kit and creates it: one batch per strength, white, blue
and green (samples/pharmacy.toml's kit colours). Each batch's worksheet is printed and its
bench entered on its own page; a pharmacist verifies each and prints its dispensing label; the
kit is released, and its label, the calendar and the leaflet print. Every document names its
capsules' colours. axe-core finds nothing in any of these states, at 1280 and 375 px.

By hand (whole tablets of W = 250 mg, 130 mg pack stat, overage ⌈5 % × n⌉): 1.5 mg, 14 + 1
capsules, 1 tablet fills 50 ÷ 1.5 = 33.3 → 33 (4083.333 mg of filler); 3 mg, 14 + 1, 1 tablet
fills 50 ÷ 3 = 16.7 → 16 (1916.667 mg); 4.5 mg, 30 + 2, 3 tablets fill 33 (3583.333 mg).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Page, expect

from . import pdf
from .test_browser import button, chromium_page, fill_order, opened_pdf
from .test_browser_pages import WIDE, check_state, sign_in
from .test_browser_record import bench, current_step, notice, print_label, verify

pytestmark = pytest.mark.real_clock

COLOURS = {"1.5 mg": "white", "3 mg": "blue", "4.5 mg": "green"}
BENCH = {"1.5 mg": {"Tablets used": "1", "Tablet powder, actual": "249", "Filler, actual": "4083",
                    "Capsules made": "33"},
         "3 mg": {"Tablets used": "1", "Tablet powder, actual": "249", "Filler, actual": "1917",
                  "Capsules made": "16"},
         "4.5 mg": {}}  # the bench helper's own: 3 tablets, 748 mg, 3581 mg, 33 capsules
"""Each strength's bench entry over :func:`tests.test_browser_record.bench`'s."""


@pytest.fixture(scope="module")
def page(server) -> Iterator[Page]:
    with chromium_page(bypass_csp=True, viewport=WIDE) as page:
        yield page


def step(page: Page, number: int, dose: str, days: str) -> None:
    page.get_by_label(f"Step {number} dose", exact=True).fill(dose)
    page.get_by_label(f"Step {number} days", exact=True).fill(days)


def test_a_three_step_kit_from_the_order_to_its_documents(server, page):
    problems: dict[str, list[str]] = {}
    sign_in(page, server, "tech")

    # the order: one dose by default, the schedule out of view until it is chosen; the
    # script leaves one row and adds the others
    page.goto(server + "/")
    fill_order(page, {"Patient name": "Ingrid Haugen", "Concurrent medications": "",
                      "Rx number": "300726"})
    page.get_by_label("Method", exact=True).select_option("whole_tablets")
    editor = page.locator("#schedule")
    expect(editor).to_be_hidden()
    page.get_by_label("Dosing", exact=True).select_option("schedule")
    expect(editor).to_be_visible()
    expect(page.get_by_label("Strength per capsule")).to_be_hidden()
    expect(editor.locator("tbody tr")).to_have_count(1)
    total = page.locator("#schedule-total-words")
    expect(total).to_have_text("No step yet.")
    step(page, 1, "1.5", "14")
    expect(total).to_have_text("14 days: 14 × 1.5 mg capsules, before overage")
    for number, dose, days in ((2, "3", "14"), (3, "4.5", "30"), (4, "6", "7")):
        button(page, "Add a step").click()
        expect(page.get_by_label(f"Step {number} dose", exact=True)).to_be_focused()
        step(page, number, dose, days)
    expect(total).to_have_text("65 days: 14 × 1.5 mg, 14 × 3 mg, 30 × 4.5 mg, 7 × 6 mg "
                               "capsules, before overage")
    button(page, "Remove step 4").click()
    expect(editor.locator("tbody tr")).to_have_count(3)
    expect(total).to_have_text("58 days: 14 × 1.5 mg, 14 × 3 mg, 30 × 4.5 mg capsules, before "
                               "overage")
    check_state(page, "order form, titration schedule", problems)

    # the preview: a batch per strength in its colour, the directions dated
    button(page, "Preview the batch").click()
    preview = page.locator("#preview")
    expect(preview.get_by_role("heading", level=2)).to_have_text(
        "Titration kit: 3 batches, one per strength")
    expect(preview.locator("dl.kit-summary")).to_contain_text(
        "1.5 mg: white; 3 mg: blue; 4.5 mg: green")
    expect(preview.locator("table.kit-schedule")).to_contain_text(
        "Days 15–28: take 1 blue capsule (3 mg) by mouth at bedtime")
    expect(preview.locator("section.kit-batch").nth(2)).to_contain_text(
        "Capsules to fill33 (30 dispensed + 2 overage)")
    expect(editor.locator("tbody tr")).to_have_count(3)  # the rows filled, after the trip
    expect(total).to_contain_text("58 days")
    check_state(page, "order form, kit preview", problems)

    # the kit: three batch records, each to its own page
    button(page, "Create kit: a batch record per strength").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Titration kit")
    expect(heading).to_contain_text("open")
    kit_url = page.url.split("?")[0]
    expect(page.locator("table.kit-batches tbody tr")).to_have_count(3)
    check_state(page, "kit page, open", problems)
    lots = {}
    for strength, colour in COLOURS.items():
        row = page.locator("table.kit-batches tbody tr", has_text=f"{strength} {colour}")
        link = row.get_by_role("link")
        lots[strength] = link.inner_text().split()[1]

    # each batch: its worksheet (the shell's colour), its bench
    for strength, colour in COLOURS.items():
        page.goto(kit_url)
        page.get_by_role("link", name=f"Batch {lots[strength]}").click()
        expect(page.locator("p.kit-link")).to_contain_text(
            f"Part of titration kit {kit_url.rsplit('/', 1)[1]}: the {strength} {colour} capsules")
        sheet = page.get_by_role("link", name="Print worksheet (PDF)").get_attribute("href")
        words = pdf.text(page.request.get(urljoin(page.url, sheet)).body())
        assert f"{colour} gelatin" in words and lots[strength] in words, strength
        page.reload()
        expect(current_step(page)).to_contain_text("Current step: enter the bench results")
        if strength == "3 mg":
            check_state(page, "record, a kit's batch", problems)
        bench(page, BENCH[strength])
        expect(notice(page)).to_have_text("Bench results saved.")
    button(page, "Sign out").click()

    # the pharmacist verifies each and prints its dispensing label
    sign_in(page, server, "rph")
    for strength, colour in COLOURS.items():
        page.goto(f"{server}/records/{lots[strength]}")
        verify(page)
        expect(notice(page)).to_have_text("Batch verified.")
        label = print_label(page, 1)
        assert label.ok and label.headers["content-type"] == "application/pdf"
        words = pdf.text(label.body())
        assert f"{colour} capsule" in words and "Ingrid Haugen" in words, strength

    # the kit, released: its label, the calendar and the leaflet, in the kit's colours
    page.goto(kit_url)
    expect(heading).to_contain_text("released")
    check_state(page, "kit page, released", problems)
    form = page.locator("form#print-kit-label")
    printed = page.request.post(urljoin(page.url, form.get_attribute("action")), form={
        "csrf_token": form.locator("input[name=csrf_token]").get_attribute("value")})
    assert printed.ok and printed.headers["content-type"] == "application/pdf"
    documents = {"kit label": pdf.text(printed.body()),
                 "calendar": pdf.text(opened_pdf(page, "Print the calendar (PDF)")),
                 "leaflet": pdf.text(opened_pdf(page, "Print the leaflet (PDF)"))}
    for name, words in documents.items():
        for colour in COLOURS.values():
            assert colour in words, (name, colour)
        assert "Ingrid Haugen" in words, name
    assert all(lot in documents["kit label"] for lot in lots.values())
    button(page, "Sign out").click()
    assert not problems, "\n".join(f"{state}: {found}" for state, found in problems.items())
