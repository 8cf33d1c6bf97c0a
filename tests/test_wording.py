"""People read plain language: no code or field path on any page; the API keeps both.

Each page state is rendered and its visible text (not its attributes) is searched for what a
pharmacist should never have to decode: an UPPER_SNAKE code, a dotted field path, an index in
brackets, a unit typed twice.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from compounding.web.formdata import LABELS
from compounding.web.wording import field_name

from .people import login
from .test_records import BENCH, ORDER
from .test_web_form import post, token

CODE = re.compile(r"\b[A-Z]{2,}(?:_[A-Z0-9]+)+\b")
PATH = re.compile(r"\b[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)+\b|\b[a-z_]+\.[a-z_]+\[\d+\]|\w\[\d+\]")
TWICE = re.compile(r"\b(mg|g/mL|kg) \1\b")


class Visible(HTMLParser):
    """The text a person sees (and a screen reader reads), without tags or attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "title"):
            self.hidden += 1
        label = dict(attrs).get("aria-label")
        if label:
            self.parts.append(label)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = Visible()
    parser.feed(html)
    return " ".join("".join(parser.parts).split())


def assert_plain(html: str) -> None:
    text = visible(html)
    for pattern in (CODE, PATH, TWICE):
        found = pattern.findall(text)
        assert not found, f"{pattern.pattern} shown to people: {found} in …{text[:3000]}"


def test_the_form_with_errors_names_fields_by_their_labels(client):
    page = post(client, **{"quantity": "3O", "source.average_tablet_weight": "250 mg mg",
                           "filler.pack_stat": "13O", "concurrent_medications":
                           "sertraline\nPercocet"}).get_data(as_text=True)
    assert_plain(page)
    text = visible(page)
    assert "Measured average tablet weight (W):" in text
    assert "Pack stat (F): filler alone per capsule: Enter a number, like 250 (in mg" in text
    assert "Capsules to dispense:" in text
    # the codes stay in the markup for scripts and tests, never in the text
    assert 'data-code="INVALID_QUANTITY"' in page


def test_a_unit_typed_in_a_field_with_its_unit_is_read(client):
    page = post(client, **{"source.average_tablet_weight": "0.25 g",
                           "filler.pack_stat": "130 mg"}).get_data(as_text=True)
    assert "problem" not in visible(page) and "Tablet powder" in page


def test_the_preview_with_findings_is_plain(client):
    assert_plain(post(client).get_data(as_text=True))


def test_record_pages_are_plain(app, client):
    made = client.post("/api/v1/worksheet", json=ORDER)
    lot = made.headers["X-Lot-Number"]
    assert_plain(client.get(f"/records/{lot}").get_data(as_text=True))
    assert_plain(client.get("/records").get_data(as_text=True))
    assert_plain(client.get("/records?patient=%25%25%25&compounded_from=2026-13-01")
                 .get_data(as_text=True))
    # a bench entry with errors
    page = client.post(f"/records/{lot}/bench", data={
        "csrf_token": token(client), "revision": "1", "tablets_used": "three",
        "capsule_weights": "140\nabc"}).get_data(as_text=True)
    assert_plain(page)
    client.post(f"/api/v1/records/{lot}/bench", json=BENCH)
    pharmacist = app.test_client()
    login(pharmacist, "rph")
    assert_plain(pharmacist.get(f"/records/{lot}").get_data(as_text=True))


def test_error_pages_are_plain(client):
    assert_plain(client.get("/no/such/page").get_data(as_text=True))


@pytest.mark.parametrize("path", sorted(LABELS))
def test_every_label_is_the_fields_name(client, path):
    assert field_name(path) == LABELS[path]
    page = client.get("/").get_data(as_text=True)
    found = re.search(rf'<label for="{re.escape(path)}">([^<]*)', page)
    if found:  # the two unit selects are labelled by aria-label
        assert found.group(1).strip() == LABELS[path]
    else:
        assert f'aria-label="{LABELS[path]}"' in page


def test_the_api_keeps_codes_and_paths(client):
    response = client.post("/api/v1/plan", json={**ORDER, "quantity": "3O"})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "quantity"
