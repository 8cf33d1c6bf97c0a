"""A batch filled in two runs of a capsule machine, in a real browser: an administrator lists
two balances and a 300-hole machine on the settings page (a balance's range that could weigh
nothing is refused beside its input first); a technician orders 4.5 mg × 500 capsules, size 3,
prints the worksheet (each weighing names its balance, the runs have their table) and enters
the bench run by run, with the balance each weighing was made on; a pharmacist verifies it.
axe-core finds nothing in any of these states, at 1280 and 375 px.

By hand (samples/pharmacy.toml: 5 % overage): 525 required; ⌈525 × 4.5 ÷ 50⌉ = 48 tablets
fill ⌊48 × 50 ÷ 4.5⌋ = 533 capsules of 130 mg; ⌈533 ÷ 300⌉ = 2 runs, 300 and 233, each with
10 capsules weighed; 12 g of tablet powder and 57.333 g of filler, both within the analytical
balance's 20 mg-220 g.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Page, expect

from . import days, pdf
from .test_browser import button, chromium_page, fill_order
from .test_browser_pages import WIDE, check_state, sign_in
from .test_browser_record import current_step, notice, verify

pytestmark = pytest.mark.real_clock

EQUIPMENT = {"Balance 1 name": "analytical", "Balance 1 readability": "0.1 mg",
             "Balance 1 minimum weighable quantity (MWQ)": "20 mg",
             "Balance 1 capacity": "220 g", "Balance 2 name": "prescription",
             "Balance 2 readability": "1 mg",
             "Balance 2 minimum weighable quantity (MWQ)": "120 mg",
             "Balance 2 capacity": "120 mg",  # no range: refused first
             "Machine 1 name": "300-hole capsule filler", "Machine 1 holes": "300",
             "Machine 1 sizes": "1, 2, 3"}


@pytest.fixture(scope="module")
def page(server) -> Iterator[Page]:
    with chromium_page(bypass_csp=True, viewport=WIDE) as page:
        yield page


def fill(page: Page, values: dict[str, str]) -> None:
    for label, value in values.items():
        page.get_by_label(label, exact=True).fill(value)


def test_a_batch_in_two_runs_from_the_settings_to_the_verification(server, page):
    problems: dict[str, list[str]] = {}

    # the administrator lists the balances and the machine, from the settings page
    sign_in(page, server, "admin")
    page.goto(server + "/admin/settings")
    page.get_by_role("link", name="Balances and capsule machines").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Balances and capsule machines")
    fill(page, {**EQUIPMENT, "Balance 1 last checked on": days.in_days(-10).isoformat(),
                "Balance 1 check interval (days)": "30"})
    button(page, "Save balances and machines").click()
    capacity = page.get_by_label("Balance 2 capacity", exact=True)
    expect(capacity).to_have_attribute("aria-invalid", "true")
    expect(page.locator("[id='balances-1-capacity-error']")).to_contain_text(
        "the balance could weigh nothing")
    check_state(page, "equipment settings, a range refused", problems)
    page.locator(".alert").get_by_role("link", name="Balance 2 capacity").click()
    expect(capacity).to_be_focused()
    capacity.fill("120 g")
    button(page, "Save balances and machines").click()
    expect(notice(page)).to_have_text(
        "Settings saved as version 1: balances, capsule machines changed.")
    expect(page.locator("table.balances tr", has_text="1").first).to_contain_text(
        days.in_days(20).isoformat())  # the next check is due 30 days after the last
    check_state(page, "equipment settings, saved", problems)
    button(page, "Sign out").click()

    # the technician's batch: two runs on the machine, each weighing on its balance
    sign_in(page, server, "tech")
    page.goto(server + "/")
    fill_order(page, {"Capsules to dispense": "500", "Concurrent medications": "",
                      "Patient name": "Noor Haddad"})
    button(page, "Create batch record and worksheet").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("new")
    lot = heading.inner_text().split()[1]
    sheet = page.get_by_role("link", name="Print worksheet (PDF)").get_attribute("href")
    text = pdf.text(page.request.get(urljoin(page.url, sheet)).body())
    assert "12 g Balance: analytical (0.1 mg)" in text, text[:3000]
    assert "Runs on the 300-hole capsule filler" in text
    assert "1 300 39 g 10 ______" in text and "2 233 30.29 g 10 ______" in text
    page.reload()
    expect(current_step(page)).to_contain_text("Current step: enter the bench results")
    expect(page.get_by_label("Capsules made", exact=True)).to_have_count(0)
    expect(page.get_by_label("Run 2: capsules made")).to_be_visible()
    expect(page.locator("#bench-run_1_capsules_made-hint")).to_have_text(
        "233 capsules planned, 30.29 g of blend")
    filler = page.get_by_label(re.compile(r"^Balance used for the filler"))
    expect(filler).to_have_value("analytical")
    check_state(page, "record, a bench in two runs", problems)

    expiry = days.month_in_years(2)
    fill(page, {"Tablet powder, actual": "12.002 g", "Filler, actual": "57.33 g",
                "Run 1: capsules made": "300",
                "Run 1: capsule net weights (mg)": "130 " * 9 + "0.131 g",
                "Run 2: capsules made": "233",
                "Run 2: capsule net weights (mg)": "129\n" * 10,
                "Tablet lot used": "N456", "Tablet expiry": expiry, "Filler lot used": "M789",
                "Filler expiry": expiry, "Capsule shell lot used": "C321",
                "Capsule shell expiry": expiry})
    filler.select_option("prescription")
    button(page, "Save bench results").click()
    expect(notice(page)).to_have_text("Bench results saved.")
    runs = page.locator("table.bench-runs")
    expect(runs.locator("tr", has_text="233")).to_contain_text("233")
    expect(runs.locator("tbody tr")).to_have_count(2)
    expect(page.locator("table.bench-balances tr", has_text="filler")).to_contain_text(
        "prescription")
    expect(page.locator("table.bench-results tr", has_text="Capsules")).to_contain_text(
        "533 made")
    check_state(page, "record, runs entered", problems)
    button(page, "Sign out").click()

    # the pharmacist verifies; the executed record gives the runs and the balances used
    sign_in(page, server, "rph")
    page.goto(f"{server}/records/{lot}")
    check_state(page, "record, runs to verify", problems)
    verify(page)
    expect(notice(page)).to_have_text("Batch verified.")
    record = page.get_by_role("link", name="Print the executed record (PDF)")
    text = pdf.text(page.request.get(urljoin(page.url, record.get_attribute("href"))).body())
    assert "Runs as made on the 300-hole capsule filler" in text
    assert "filler 57.3333 g analytical (0.1 mg) prescription" in text
    button(page, "Sign out").click()
    assert not problems, "\n".join(f"{state}: {found}" for state, found in problems.items())
