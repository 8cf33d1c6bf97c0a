"""Every page state in a real browser: axe-core finds nothing, nothing scrolls sideways at
375 px, the button bar never hides the focused field, and every error-summary link lands on
its field.

Chromium (Debian's) is driven by Playwright against ``compounding serve``. The pages serve no
script; this browser context runs one to measure them (axe-core 4.x, from the
axe-playwright-python package, and bounding boxes), with the page's CSP bypassed for that.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.resources import files

import pytest
from playwright.sync_api import Page, expect

from .test_browser import button, chromium_page, fill_order
from .test_browser import sign_in as sign_in_signed_out

pytestmark = pytest.mark.real_clock

AXE = (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
NARROW = {"width": 375, "height": 740}
WIDE = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def page(server) -> Iterator[Page]:
    with chromium_page(bypass_csp=True, viewport=WIDE) as page:
        yield page


def violations(page: Page) -> list[str]:
    page.evaluate(AXE)
    found = page.evaluate("options => axe.run(document, options).then(r => r.violations)",
                          {"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return [f"{v['id']}: {v['help']} — {[n['target'] for n in v['nodes']][:5]}" for v in found]


def sideways(page: Page) -> list[str]:
    """Elements reaching past the viewport's right edge at the current width (a data table
    may scroll inside itself: WCAG 1.4.10's exception for two-dimensional content; the page
    may not)."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth, out = [];
        if (document.documentElement.scrollWidth > width)
            out.push('page scrolls to ' + document.documentElement.scrollWidth + ' px');
        const scrolls = e => { for (let a = e.parentElement; a && a !== document.body;
                                        a = a.parentElement) {
            const x = getComputedStyle(a).overflowX;
            if (x === 'auto' || x === 'scroll') return true; } return false; };
        for (const e of document.querySelectorAll('body *')) {
            if (scrolls(e)) continue;  // inside a table that scrolls in itself
            const r = e.getBoundingClientRect();
            if (r.width && r.right > width + 1 && getComputedStyle(e).position !== 'fixed')
                out.push(e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className + ' → ' +
                         Math.round(r.right));
        }
        return out.slice(0, 10);
    }""")


def check_state(page: Page, name: str, problems: dict[str, list[str]]) -> None:
    found = violations(page)
    page.set_viewport_size(NARROW)
    found += sideways(page)
    found += violations(page)
    page.set_viewport_size(WIDE)
    if found:
        problems[name] = found


def sign_in(page: Page, server: str, who: str) -> None:
    page.context.clear_cookies()
    sign_in_signed_out(page, server, who)


def test_every_page_state_passes_axe_and_fits_375_px(server, page):
    problems: dict[str, list[str]] = {}
    page.context.clear_cookies()
    page.goto(server + "/login")
    check_state(page, "sign-in", problems)
    page.get_by_label("Username").fill("tech")
    page.get_by_label("Password").fill("wrong")
    button(page, "Sign in").click()
    check_state(page, "sign-in refused", problems)

    sign_in(page, server, "tech")
    check_state(page, "order form", problems)
    fill_order(page, {"Measured average tablet weight (W)": "25O"})
    page.get_by_label("Capsules to dispense").fill("3O")
    button(page, "Preview the batch").click()
    check_state(page, "order form with errors", problems)
    fill_order(page)
    button(page, "Preview the batch").click()
    expect(page.locator("#preview")).to_be_visible()
    check_state(page, "preview with findings", problems)
    button(page, "Create batch record and worksheet").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("new")
    lot = page.get_by_role("heading", level=1).inner_text().split()[1]
    check_state(page, "record, new", problems)
    page.get_by_label("Capsules made").fill("thirty")
    button(page, "Save bench results").click()
    check_state(page, "record, bench errors", problems)
    page.goto(f"{server}/records")
    check_state(page, "records", problems)
    page.goto(f"{server}/records?compounded_from=2026-13-40")
    check_state(page, "records, search errors", problems)
    page.goto(f"{server}/no/such/page")
    check_state(page, "not found", problems)

    sign_in(page, server, "rph")
    page.goto(f"{server}/records/{lot}")
    check_state(page, "record, pharmacist", problems)
    button(page, "Scrap this batch…").click()
    check_state(page, "record, scrap confirmation", problems)

    sign_in(page, server, "admin")
    for path in ("/admin/users", "/admin/tokens", "/admin/audit"):
        page.goto(server + path)
        check_state(page, path, problems)
    assert not problems, "\n".join(f"{state}: {found}" for state, found in problems.items())


def test_the_button_bar_never_hides_the_focused_field(server, page):
    sign_in(page, server, "tech")
    page.set_viewport_size(NARROW)
    try:
        page.goto(server + "/")
        hidden = []
        for _ in range(120):
            page.keyboard.press("Tab")
            found = page.evaluate("""() => {
                const e = document.activeElement, bar = document.querySelector('.actions');
                if (!e || e === document.body || bar.contains(e)) return null;
                const r = e.getBoundingClientRect(), b = bar.getBoundingClientRect();
                const under = r.bottom > b.top && r.top < b.bottom;
                const off = r.top >= innerHeight || r.bottom <= 0;  // not in view at all
                return (under || off) ? (e.id || e.name || e.textContent) : '';
            }""")
            if found is None and page.evaluate(
                    "document.activeElement.textContent") == "Batch records":
                break
            if found:
                hidden.append(found)
        assert not hidden, f"focused behind the button bar: {hidden}"
    finally:
        page.set_viewport_size(WIDE)


def test_every_error_summary_link_lands_on_its_field(server, page):
    sign_in(page, server, "tech")
    page.set_viewport_size(NARROW)
    try:
        page.goto(server + "/")
        fill_order(page, {"Measured average tablet weight (W)": ""})
        page.get_by_label("Capsules to dispense").fill("3O")
        page.get_by_label("Filler density").fill("dense")
        button(page, "Preview the batch").click()
        links = page.locator(".alert a")
        assert links.count() >= 3
        for index in range(links.count()):
            link = links.nth(index)
            target = link.get_attribute("href").removeprefix("#")
            link.click()
            landed = page.evaluate("""id => {
                const e = document.getElementById(id), bar = document.querySelector('.actions');
                if (!e) return 'missing';
                const r = e.getBoundingClientRect(), b = bar.getBoundingClientRect();
                if (r.top < 0 || r.bottom > b.top) return 'out of view: ' + r.top + '..' + r.bottom;
                return document.querySelector(':target') === e ? 'ok' : 'not the target';
            }""", target)
            assert landed == "ok", f"{target}: {landed}"
    finally:
        page.set_viewport_size(WIDE)


def test_the_first_start_pages_pass_axe_and_fit_375_px(first_start, page):
    problems: dict[str, list[str]] = {}
    page.context.clear_cookies()
    page.goto(first_start)
    check_state(page, "setup", problems)
    for label, value in (("Pharmacy name", "Riverside"), ("Address", "12 Mill St"),
                         ("Phone", "(217) 555-0142"), ("Time zone", "Mars/Olympus"),
                         ("Username", "admin"), ("Name as printed", "A. Admin"),
                         ("Password", "short")):
        page.get_by_label(label, exact=True).fill(value)
    button(page, "Create the administrator").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check_state(page, "setup with errors", problems)
    links = page.locator(".alert a")
    for index in range(links.count()):
        target = links.nth(index).get_attribute("href").removeprefix("#")
        assert page.locator(f"[id='{target}']").count() == 1, target
    assert not problems, "\n".join(f"{state}: {found}" for state, found in problems.items())
