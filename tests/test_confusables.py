"""Look-alike and invisible characters (issue 22, item 20): lots refuse letters that only look
Latin; names refuse invisible and text-direction characters, are flagged when one word mixes
scripts, and are found by search whatever look-alike letters they were typed with."""

from __future__ import annotations

import pytest

from compounding import OrderError, plan_order
from compounding.orders.models import Order
from compounding.orders.reading import parse_order
from compounding.records.models import STORED
from compounding.records.store import patient_key

from .helpers import assert_error_body, make_order


def refused(order):
    with pytest.raises(OrderError) as caught:
        parse_order(order)
    return assert_error_body(caught.value.to_json(), 422)


@pytest.mark.parametrize(("changes", "field", "shown"), [
    ({"source": {"lot": "AB12З4"}}, "source.lot", "Cyrillic 'З' (U+0417)"),   # Ze, not 3
    ({"source": {"lot": "АB1234"}}, "source.lot", "Cyrillic 'А' (U+0410)"),   # not Latin A
    ({"filler": {"lot": "M78ο9"}}, "filler.lot", "Greek 'ο' (U+03BF)"),       # omicron
    ({"capsule": {"size": "3", "lot": "CΡ-1"}}, "capsule.lot", "Greek 'Ρ' (U+03A1)"),  # Rho
    ({"source": {"lot": "N45ß"}}, "source.lot", "U+00DF"),  # would be kept as "N45SS"
])
def test_a_lot_with_a_letter_that_only_looks_latin_is_refused(changes, field, shown):
    # "AB12З4" was kept as typed: a recall for "AB1234" or "AB1234" never found the batch
    [error] = refused(make_order(**changes))
    assert (error["code"], error["field"]) == ("LOT_CONFUSABLE", field)
    assert shown in error["message"]


def test_a_homoglyph_lot_says_which_latin_letter_it_resembles():
    [error] = refused(make_order(source={"lot": "АB1234"}))
    assert "looks like a Latin letter but is not" in error["message"]
    assert "Latin 'A'" in error["message"]


@pytest.mark.parametrize("lot", ["RCL-9", "rcl-9", "RCL\u200b-9", "RCL\u20119", " rcl\u20139 ",
                                 "ｒｃｌ－９", "LOT 7/B.2"])
def test_lots_whose_normal_form_is_ascii_are_kept_in_it(lot):
    # the normal form (lot_grammar) still folds invisible characters, dashes and full-width
    # letters: a recall finds every spelling; what is kept is plain ASCII
    kept = parse_order(make_order(source={"lot": lot})).source.lot
    assert kept.isascii() and kept.isprintable()


def test_a_lot_read_back_from_the_records_is_not_judged_again():
    kept = make_order(source={"lot": "AB12З4"})
    assert Order.model_validate(kept, context=STORED).source.lot == "AB12З4"


@pytest.mark.parametrize(("name", "shown"), [
    ("John\u202eSmith", "right-to-left override (U+202E)"),
    ("John\u200bSmith", "zero width space (U+200B)"),
    ("\u2067John Smith\u2069", "right-to-left isolate (U+2067)"),
    ("John Smith\ufeff", "zero width no-break space (U+FEFF)"),
    ("Jo\u00adhn Smith", "soft hyphen (U+00AD)"),
])
def test_a_patient_name_with_an_invisible_or_direction_character_is_refused(name, shown):
    [error] = refused(make_order(patient={"name": name}))
    assert (error["code"], error["field"]) == ("NAME_INVISIBLE_CHARACTER", "patient.name")
    assert shown in error["message"]


def test_a_prescriber_name_with_a_direction_mark_is_refused():
    [error] = refused(make_order(prescriber={"name": "Dr A. Jones\u200f"}))
    assert (error["code"], error["field"]) == ("NAME_INVISIBLE_CHARACTER", "prescriber.name")


def test_a_name_read_back_from_the_records_is_not_judged_again():
    kept = make_order(patient={"name": "John\u202eSmith"})
    assert Order.model_validate(kept, context=STORED).patient.name == "John\u202eSmith"


def mixed(plan):
    return [f for f in plan.findings if f.code == "NAME_MIXED_SCRIPTS"]


def test_a_name_mixing_scripts_in_one_word_is_planned_with_a_finding():
    plan = plan_order(make_order(patient={"name": "Jоhn Smith"}))  # Cyrillic о
    [finding] = mixed(plan)
    assert finding.field == "patient.name" and finding.severity.value == "warning"
    assert "Jоhn" in finding.message and "Cyrillic 'о' (U+043E)" in finding.message
    assert "Latin 'o'" in finding.message


def test_a_prescriber_name_mixing_scripts_is_flagged_on_its_field():
    plan = plan_order(make_order(prescriber={"name": "Dr Ηelen Park"}))  # Greek capital Eta
    assert [f.field for f in mixed(plan)] == ["prescriber.name"]


@pytest.mark.parametrize("name", ["Ιωάννης Παπαδόπουλος", "Ольга Петрова", "John Smith",
                                  "Smith-Иванова", "José Zoë", "山田さくら", "Łukasz Wójcik"])
def test_a_name_in_one_script_per_word_is_planned_without_it(name):
    assert mixed(plan_order(make_order(patient={"name": name}))) == []


@pytest.mark.parametrize("typed", ["John Smith", "JOHN  SMITH", "Jоhn Smith", "JОHN SМITH",
                                   "Ｊｏｈｎ Ｓｍｉｔｈ", "Jo\u200bhn Smith"])
def test_a_search_for_john_smith_finds_every_spelling(typed):
    assert patient_key(typed) == patient_key("John Smith") == "john smith"


def test_a_mostly_cyrillic_word_with_a_latin_letter_folds_to_cyrillic():
    # "Ольгa" with a Latin a: found by "Ольга", typed on a Cyrillic keyboard
    assert patient_key("Ольгa Петрова") == patient_key("ОЛЬГА ПЕТРОВА") == "ольга петрова"


@pytest.mark.parametrize("name", ["Jane Q. Public", "JANE Doe", "Ольга Петрова", "O'Brien-Smith",
                                  "Ιωάννης Παπαδόπουλος", "  Dr.  José\tZoë ", "", None])
def test_names_in_one_script_keep_the_search_key_they_had(name):
    import unicodedata
    before = " ".join(unicodedata.normalize("NFKC", name or "").casefold().split())[:160]
    assert patient_key(name) == before



def test_a_bench_entry_refuses_a_look_alike_lot():
    from pydantic import ValidationError

    from compounding.bench.results import BenchEntry

    from .test_records import BENCH

    with pytest.raises(ValidationError) as refused:
        BenchEntry.model_validate({**BENCH, "filler_lot": "MCC-2О25"})  # Cyrillic О
    assert [e["type"] for e in refused.value.errors()] == ["LOT_CONFUSABLE"]
    assert refused.value.errors()[0]["loc"] == ("filler_lot",)
