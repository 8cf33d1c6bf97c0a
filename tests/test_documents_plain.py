"""Printed records say plain words (tracker issue 23): no code, no field path, no index counted
from 0, no reference to the design documents; the formula by its name and version; the
worksheet's procedure as one block before the calculations.

Each document is read back as text (:mod:`tests.pdf`) and searched for what a pharmacist should
never have to decode; the procedure's place is read page by page.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from compounding.documents import executed_record_pdf, worksheet_pdf
from compounding.profile import load_profile
from compounding.screening import wording
from compounding.screening.rules import RULES

from . import pdf
from .helpers import make_order

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
PROFILE = load_profile((SAMPLES / "pharmacy.toml").read_text(encoding="utf-8"))
CODE = re.compile(r"\b[A-Z]{2,}(?:_[A-Z0-9]+)+\b")
PATH = re.compile(r"\b(?:patient|source|filler|capsule|prescriber|bench|profile)\.[a-z_]+"
                  r"|\w\[\d+\]|\b[a-z]+_[a-z_]+\b")  # a field path, an index, snake_case
DESIGN = re.compile(r"domain\.md|§")
ACK = {"pharmacist": "R. Okafor, PharmD", "reason": "Stopped 2026-11-01"}


def undecodable(text: str) -> list[str]:
    """What a person would have to decode: codes, field paths, indices, design references."""
    return [m.group(0) for pattern in (CODE, PATH, DESIGN) for m in pattern.finditer(text)]


def sample(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.order.json").read_text(encoding="utf-8"))


# orders whose worksheets carry many kinds of findings, each acknowledged where critical
MANY_FINDINGS = {
    "opioids": make_order(
        concurrent_medications=["sertraline", "Percocet 5/325 mg", "loperamide", "Movantik",
                                "oxycodon"],
        acknowledgements=[{**ACK, "finding": "OPIOID_COADMINISTRATION:concurrent_medications[1]"}]),
    "patient": make_order(
        strength="6 mg", directions="Take 1 capsule by mouth twice daily, then as directed",
        patient={"name": "Sam Lee", "date_of_birth": "2012-05-30",
                 "conditions": ["pregnant", "severe renal impairment", "lactose intolerance"],
                 "allergies": ["milk"]},
        acknowledgements=[{**ACK, "code": "DOSE_ABOVE_LDN"}]),
    "method": make_order(strength="0.5 mg", method="whole_tablets", quantity=30,
                         filler={"grade": "PH-999"}, source={"expiry": "2027-01-31"}),
}


@pytest.mark.parametrize("name", sorted(MANY_FINDINGS))
def test_the_worksheet_says_findings_in_words(name):
    # the worksheet printed "OPIOID_COADMINISTRATION concurrent_medications[1]: ...",
    # "method whole_tablets" and "LDN-CAPS-MCC version 1 (domain.md §3)"
    text = pdf.text(worksheet_pdf(MANY_FINDINGS[name], PROFILE))
    assert "Findings Severity and finding" in text
    assert undecodable(text) == []


def test_a_finding_prints_by_its_summary_and_the_entry_it_is_about():
    text = pdf.text(worksheet_pdf(MANY_FINDINGS["opioids"], PROFILE))
    assert ("CRITICAL Opioid taken with naltrexone Concurrent medication 2: “Percocet 5/325 mg” "
            "contains oxycodone") in text
    assert "WARNING Opioid antidiarrheal taken with naltrexone Concurrent medication 3:" in text
    assert "Acknowledged by R. Okafor, PharmD: Stopped 2026-11-01" in text


@pytest.mark.parametrize("name", ["usual-4.5mg", "titration-1.5mg", "very-low-0.5mg",
                                  "opioid-percocet"])
def test_samples_print_no_code(name):
    text = pdf.text(worksheet_pdf(sample(name), PROFILE))
    assert undecodable(text) == []
    # the formula is the master formulation record the plan names: name, id and version
    assert ("capsules from 50 mg tablets, in microcrystalline cellulose, LDN-CAPS-TAB-MCC "
            "version 1 (built-in record, not approved by this pharmacy); method: ") in text


def test_the_formula_is_the_plans_master_formulation_record():
    # no fixed formula name is left in the code: the worksheet prints the plan's record
    holding = [p for p in (ROOT / "compounding").rglob("*.py")
               if "LDN capsules from tablets" in p.read_text(encoding="utf-8")]
    assert holding == []
    text = pdf.text(worksheet_pdf(make_order(), PROFILE))
    assert ("Formula Naltrexone HCl (low-dose) capsules from 50 mg tablets, in microcrystalline "
            "cellulose, LDN-CAPS-TAB-MCC version 1 (built-in record, not approved by this "
            "pharmacy); method: whole tablets (all the powder is used)") in text
    assert "domain.md" not in text


@pytest.fixture
def executed(tmp_path) -> bytes:
    """The executed record of a batch with an opioid acknowledged by signature and two
    capsules outside the weight range (the 3rd and the 4th)."""
    from compounding.records import Store

    from .people import KEY, RPH, TECH
    from .test_records import BENCH, ORDER

    store = Store.open(f"sqlite:///{tmp_path / 'records.sqlite3'}", KEY)
    try:
        lot = store.create({**ORDER, "concurrent_medications": ["Percocet"]}, PROFILE,
                           TECH).lot_number
        store.enter_bench(lot, BENCH, TECH)
        store.acknowledge(lot, {"finding": "OPIOID_COADMINISTRATION:concurrent_medications[0]",
                                "reason": "Percocet stopped 2026-11-01"}, RPH, expected=2)
        record = store.get(lot)
        return executed_record_pdf(record.labelled_order(), record.executed(), record.profile)
    finally:
        store.engine.dispose()


def test_the_executed_record_says_the_signature_in_words(executed, tmp_path):
    # it printed "acknowledged OPIOID_COADMINISTRATION:concurrent_medications[0]"
    text = pdf.text(executed)
    assert "acknowledged: opioid taken with naltrexone (concurrent medication 1)" in text
    assert undecodable(text) == []
    pdf.render(executed, tmp_path, dpi=40)


def test_capsule_weights_are_numbered_from_1_everywhere(executed):
    # the bench's findings printed "capsule_weights[2]: Capsule 3 weighs 150 mg"
    text = pdf.text(executed)
    assert "WARNING Capsule outside the weight range Capsule 3 weighs 150 mg" in text
    assert "Capsule 4 weighs 116.9 mg" in text
    assert "capsule_weights" not in text and not re.search(r"\[\d+\]", text)
    assert "1 129 in range" in text and "3 150 OUT OF RANGE" in text  # the table, from 1


def test_the_executed_record_names_no_design_document(executed):
    # "Strength made = ... (domain.md §12): drug = ..."
    text = pdf.text(executed)
    assert "mean capsule net weight: drug = 748 mg powder" in text
    assert "domain.md" not in text and "§" not in text
    # not 2026-11-22T10:00+00:00; in the pharmacy's own zone (America/Chicago), not UTC
    assert "bench work at 2026-11-22 04:00 CST" in text


def test_the_executed_record_times_are_the_pharmacys(executed):
    # signatures and history were in UTC ("Time (UTC)"): people read their own clock
    text = pdf.text(executed)
    assert "(UTC)" not in text and "10:00 UTC" not in text
    assert "2026-11-22 10:00 CST" in text  # the signatures, made at 16:00 UTC


# -- the wording module ------------------------------------------------------------------------

def test_the_pages_and_the_documents_share_one_wording():
    from compounding.web import formdata
    from compounding.web import wording as pages

    assert pages.field_name is wording.field_name and pages.plain_text is wording.plain_text
    assert pages.plain_code is wording.plain_code
    assert formdata.LABELS is wording.LABELS  # the form's labels: one table, not two


def test_the_core_wording_never_imports_flask():
    done = subprocess.run(
        [sys.executable, "-c", "import sys, compounding.screening.wording, compounding.documents; "
                               "print(sorted(m for m in sys.modules if m.split('.')[0] in "
                               "('flask', 'werkzeug', 'jinja2')))"],
        capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"


def test_every_title_names_a_finding_and_a_code_without_one_says_its_summary():
    findings = {r.code for r in RULES if r.kind == "finding"}
    assert set(wording.FINDING_TITLES) <= findings
    for code, title in wording.FINDING_TITLES.items():
        assert title == title.strip() and not CODE.search(title), code
    assert wording.finding_title("CAPSULE_TOO_SMALL") == (
        "tablet powder alone overfills the capsule; names the smallest size that fits")
    assert wording.finding_title("NOT_A_CODE_AT_ALL") == "not a code at all"


@pytest.mark.parametrize(("meaning", "said"), [
    ("acknowledged OPIOID_COADMINISTRATION:concurrent_medications[0]",
     "acknowledged: opioid taken with naltrexone (concurrent medication 1)"),
    ("acknowledged DOSE_ABOVE_LDN:strength",
     "acknowledged: dose above the LDN range (strength per capsule)"),
    ("acknowledged BENCH_TABLETS_MISMATCH:tablets_used",
     "acknowledged: tablets used other than planned (tablets used)"),
    ("acknowledged OPIOID_DEPENDENCE:patient.conditions[1]",
     "acknowledged: opioid dependence or opioid therapy (condition 2)"),
    ("approved batch", "approved batch"),
], ids=["medication", "strength", "bench", "condition", "no-finding"])
def test_a_signature_meaning_in_words(meaning, said):
    assert wording.printed_text(meaning) == said


# -- the procedure, one block before the calculations ----------------------------------------

def page_texts(document: bytes) -> list[str]:
    return [" ".join(page.extract_text().split())
            for page in pypdf.PdfReader(io.BytesIO(document)).pages]


# pages before and after (tracker issue 23): the procedure was cut across pages 1 and 2 of the
# usual, titration and opioid samples, after the calculations; it is now on page 1, whole,
# and no sample takes a page more
PAGES = {"usual-4.5mg": 2, "titration-1.5mg": 2, "very-low-0.5mg": 2, "opioid-percocet": 2}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_procedure_is_one_block_before_the_calculations(name, tmp_path):
    document = worksheet_pdf(sample(name), PROFILE)
    pages = page_texts(document)
    assert len(pages) == PAGES[name]
    starts = [i for i, t in enumerate(pages) if "Procedure 1. Check each component" in t]
    ends = [i for i, t in enumerate(pages) if "container; label it." in t]
    assert starts == ends == [0], (starts, ends)  # the whole procedure on page 1
    text = " ".join(pages)
    assert text.index("Procedure 1.") < text.index("Calculations d =")
    procedure = text[text.index("Procedure 1."):text.index("container; label it.")]
    assert "page 1 of" not in procedure  # no page break inside it
    assert procedure.index("1. Check") < procedure.index("2. Confirm") < procedure.index(
        "Geometric dilution") < procedure.index("Package")
    images = pdf.render(document, tmp_path, dpi=40)
    assert all(pdf.ink(image) > 0.01 for image in images)


def test_a_procedure_longer_than_the_room_left_starts_a_page_and_stays_whole():
    # two trituration stages: the procedure no longer fits under the components; it starts
    # page 2 whole rather than being cut, and the calculations follow it
    document = worksheet_pdf(make_order(strength="0.001 mg"), PROFILE)
    pages = page_texts(document)
    assert len(pages) == 3  # as before the procedure moved
    starts = [i for i, t in enumerate(pages) if "Procedure 1. Check each component" in t]
    ends = [i for i, t in enumerate(pages) if "container; label it." in t]
    assert starts == ends == [1]
    assert pages[1].index("container; label it.") < pages[1].index("Calculations d =")
