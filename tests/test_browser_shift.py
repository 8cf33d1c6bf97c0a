"""A shift at the bench in a real browser, from the first start: the administrator sets up the
pharmacy and adds a technician and a pharmacist (pharmacist only); each chooses their own
password at first sign-in; the pharmacist approves the master formulation record of capsules
from tablets in the formulary (a new install's records are drafts); the technician receives
lots into the inventory, finds the queue empty, enters an order with lots picked from the
inventory, compounds it and enters the bench;
the pharmacist finds it in her queue, acknowledges the critical finding, verifies and prints the
dispensing label. Every page on the way passes axe-core at 1280 and 375 px.

Chromium (Debian's) driven by Playwright against ``compounding serve`` on a fresh data folder.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from . import days, pdf
from .test_browser import button, chromium_page, posted_pdf
from .test_browser_pages import WIDE, check_state

pytestmark = pytest.mark.real_clock

ADMIN_PASSWORD = "violet anchor drifting softly"
FIRST = {"tina": "temporary but long enough", "paula": "another temporary passphrase"}
OWN = {"tina": "heron quietly folding maps", "paula": "copper lantern over the weir"}
TABLETS_MFR_NAME = ("Naltrexone HCl (low-dose) capsules from 50 mg tablets, in "
                    "microcrystalline cellulose")


def _sign_in(page: Page, server: str, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(server + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    button(page, "Sign in").click()


def _first_sign_in(page: Page, server: str, username: str, problems) -> None:
    """Sign in with the password the administrator set; choose one's own."""
    _sign_in(page, server, username, FIRST[username])
    expect(page.get_by_role("heading", name="Your password")).to_be_visible()
    expect(page.get_by_text("set by an administrator")).to_be_visible()
    check_state(page, f"{username}: first sign-in", problems)
    page.get_by_label("Current password").fill(FIRST[username])
    page.get_by_label("New password", exact=True).fill(OWN[username])
    page.get_by_label("New password again").fill(OWN[username])
    button(page, "Change password").click()
    expect(page.get_by_text("Your password was changed.")).to_be_visible()


def test_a_shift_from_the_first_start_to_the_dispensing_label(first_start, tmp_path):
    setup_link = first_start  # a server with no one in it yet: the setup link it printed
    server = setup_link.split("/setup/")[0]
    problems: dict[str, list[str]] = {}
    with chromium_page(bypass_csp=True, viewport=WIDE) as page:
        # the administrator sets up the pharmacy (an administrator only: compounds nothing)
        page.goto(setup_link)
        for label, value in (("Pharmacy name", "Riverside Compounding"),
                             ("Address", "12 Mill Street, Springfield, IL 62701"),
                             ("Phone", "(217) 555-0142"), ("Time zone", "America/Chicago"),
                             ("Username", "boss"), ("Name as printed", "B. Oss"),
                             ("Password", ADMIN_PASSWORD)):
            page.get_by_label(label, exact=True).fill(value)
        button(page, "Create the administrator").click()
        _sign_in(page, server, "boss", ADMIN_PASSWORD)
        expect(page.get_by_role("heading", name="Users")).to_be_visible()  # not a 403
        check_state(page, "admin: users", problems)
        for username, name, roles, licence in (
                ("tina", "T. Ina", ["technician"], None),
                ("paula", "P. Aula, PharmD", ["pharmacist"], "RPH-77001")):
            page.get_by_label("Username").fill(username)
            page.get_by_label("Name as printed").last.fill(name)
            page.get_by_label("Password", exact=True).fill(FIRST[username])
            for role in roles:
                page.locator(f"#role-{role}").check()
            if licence:
                page.get_by_label("Licence number (pharmacists)").fill(licence)
            button(page, "Add the user").click()
            expect(page.get_by_text(f"User {username} added")).to_be_visible()

        # the pharmacist: her own password, then the formulary: a new install's records are
        # drafts, and no batch is made until she approves the one it follows
        _first_sign_in(page, server, "paula", problems)
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Formulary").click()
        expect(page.get_by_role("heading", name="No record is approved yet")).to_be_visible()
        check_state(page, "pharmacist: formulary", problems)
        page.get_by_role("link", name=TABLETS_MFR_NAME, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("50 mg tablets")
        expect(page.get_by_text("DRAFT — NOT APPROVED").first).to_be_visible()
        approve = page.locator("fieldset", has_text="Approve this version")
        approve.get_by_label("Your password, to sign").fill("not her password at all")
        button(page, "Sign the approval").click()
        expect(page.get_by_role("alert")).to_contain_text("the password is not right")
        check_state(page, "pharmacist: formulary approval refused", problems)
        approve.get_by_label("Your password, to sign").fill(OWN["paula"])
        button(page, "Sign the approval").click()
        expect(page.get_by_text("Version 1 of LDN-CAPS-TAB-MCC approved")).to_be_visible()
        expect(page.locator("table").last).to_contain_text("P. Aula, PharmD")
        check_state(page, "pharmacist: formulary record", problems)

        # the technician: her own password, an empty queue, lots received
        _first_sign_in(page, server, "tina", problems)
        expect(page.get_by_role("heading", name="Work queue")).to_be_visible()
        expect(page.get_by_text("Nothing waits here.")).to_be_visible()
        check_state(page, "technician: empty queue", problems)
        page.goto(server + "/inventory")
        for kind, product, lot, weight in (
                ("tablet", "Naltrexone HCl 50 mg tablet", "NTX2401", "250"),
                ("filler", "Microcrystalline cellulose", "MCC7731", None)):
            page.locator("#receive-kind").select_option(kind)
            page.locator("#receive-product").fill(product)
            page.locator("#receive-manufacturer").fill("Example Pharma")
            page.locator("#receive-lot").fill(lot)
            page.locator("#receive-expiry").fill(days.in_days(400).isoformat())
            if weight:
                page.locator("#receive-average_weight_mg").fill(weight)
            button(page, "Receive").click()
            page.goto(server + "/inventory")
        expect(page.locator("table").first).to_contain_text("NTX2401")
        check_state(page, "technician: inventory", problems)

        # an order with the lots picked from the inventory
        page.get_by_role("navigation", name="Main").get_by_role("link", name="New order").click()
        for label, value in (("Strength per capsule", "4.5"), ("Capsules to dispense", "30"),
                             ("Rx number", "100987"), ("Patient name", "Jane Q. Public"),
                             ("Concurrent medications", "Percocet 5/325 mg"),
                             ("Measured average tablet weight (W)", "250"),
                             ("Pack stat (F): filler alone per capsule", "130")):
            page.get_by_label(label).fill(value)
        page.get_by_label("Prescriber", exact=True).fill("Dr. A. Example")
        offered = page.locator("datalist option").evaluate_all(
            "options => options.map(o => o.value)")
        assert "NTX2401" in offered and "MCC7731" in offered
        page.get_by_label("Tablet lot").fill("NTX2401")
        page.get_by_label("Filler lot").fill("MCC7731")
        button(page, "Preview the batch").click()
        expect(page.locator("#preview")).to_contain_text("Tablets to crush")
        check_state(page, "technician: preview", problems)
        button(page, "Create batch record and worksheet").click()
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_contain_text("new")  # until its worksheet is printed
        lot = heading.inner_text().split()[1]
        check_state(page, "technician: new batch", problems)

        # the bench
        page.get_by_label("Tablet powder, actual").fill("748")
        page.get_by_label("Filler, actual").fill("3.581 g")  # read in the field's unit
        page.get_by_label("Capsules made").fill("33")
        page.get_by_label("Capsule net weights (mg), one per capsule").fill("130 " * 10)
        for label, value in (("Tablet lot used", "NTX2401"),
                             ("Tablet expiry", days.month_in_years(2)),
                             ("Filler lot used", "MCC7731"),
                             ("Filler expiry", days.month_in_years(2)),
                             ("Capsule shell lot used", "C321"),
                             ("Capsule shell expiry", days.month_in_years(3))):
            page.get_by_label(label).fill(value)
        button(page, "Save bench results").click()
        expect(page.get_by_text("Bench results saved")).to_be_visible()
        check_state(page, "technician: bench saved", problems)

        # the pharmacist (pharmacist only): her queue, her signatures
        _sign_in(page, server, "paula", OWN["paula"])
        expect(page.get_by_role("heading", name="Work queue")).to_be_visible()
        expect(page.locator("a[aria-current=page]")).to_contain_text("To acknowledge")
        expect(page.locator("table")).to_contain_text(lot)
        check_state(page, "pharmacist: queue", problems)
        page.get_by_role("link", name=lot).click()
        check_state(page, "pharmacist: batch", problems)
        ack = page.locator("fieldset.acknowledge")
        ack.get_by_label("Reason").fill("Percocet stopped 2026-11-01")
        ack.get_by_label("Your password, to sign").fill(OWN["paula"])
        button(page, "Sign the acknowledgement").click()
        verify = page.locator("fieldset", has_text="Pharmacist verification")
        verify.get_by_label("Approve").check()
        verify.get_by_label("Your password, to sign").fill(OWN["paula"])
        button(page, "Sign the verification").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("verified")
        check_state(page, "pharmacist: verified", problems)
        label = posted_pdf(page, "Print label (PDF)")
        text = pdf.text(label)
        assert "Jane Q. Public" in text and "Riverside Compounding" in text and lot in text
        assert "PROOF" not in text
    assert not problems, "\n".join(f"{state}: {found}" for state, found in problems.items())
