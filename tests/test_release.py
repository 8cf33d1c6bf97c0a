"""Immediate-release rules (domain.md §4): source, filler, shell, release; lactose."""

from __future__ import annotations

import pytest

from compounding import plan_order

from .helpers import make_order


@pytest.mark.parametrize(
    "product",
    ["Contrave 8/90 mg", "Vivitrol 380 mg vial", "naltrexone/bupropion ER",
     "Naltrexone extended-release injectable suspension", "Naltrexone HCl 50 mg ER tablet",
     "aspirin 81 mg", "Mysimba"],
    ids=["contrave", "vivitrol", "bupropion-combo", "injectable", "er-tablet", "not-naltrexone",
         "mysimba"],
)
def test_source_not_ir_naltrexone(errors_of, product):
    errors = errors_of(make_order(source={"product": product}))
    assert [(e["code"], e["field"]) for e in errors] == [
        ("SOURCE_NOT_IR_NALTREXONE", "source.product")]


@pytest.mark.parametrize(
    "product",
    ["Naltrexone HCl 50 mg tablet", "naltrexone hydrochloride 50mg film-coated tablets",
     "ReVia 50 mg", "Depade"],
    ids=["generic", "long-name", "revia", "depade"],
)
def test_source_ir_naltrexone_ok(product):
    assert plan_order(make_order(source={"product": product})).findings == []


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"release": "extended"}, "RELEASE_NOT_IMMEDIATE", "release"),
        ({"source": {"release": "sustained"}}, "RELEASE_NOT_IMMEDIATE", "source.release"),
        ({"filler": {"name": "HPMC"}}, "FILLER_RETARDS_RELEASE", "filler.name"),
        ({"filler": {"name": "hypromellose"}}, "FILLER_RETARDS_RELEASE", "filler.name"),
        ({"filler": {"name": "Methocel K4M Premium"}}, "FILLER_RETARDS_RELEASE", "filler.name"),
        ({"filler": {"name": "methylcellulose"}}, "FILLER_RETARDS_RELEASE", "filler.name"),
        ({"filler": {"name": "Ethyl cellulose"}}, "FILLER_RETARDS_RELEASE", "filler.name"),
        ({"filler": {"name": "MCC slow release blend"}}, "FILLER_RETARDS_RELEASE",
         "filler.name"),
        ({"filler": {"name": "MCC + HPMC 35 %"}}, "FILLER_RETARDS_RELEASE", "filler.name"),
        ({"filler": {"grade": "Methocel K100M"}}, "FILLER_RETARDS_RELEASE", "filler.grade"),
        ({"filler": {"name": "calcium carbonate"}}, "FILLER_REDUCES_ABSORPTION", "filler.name"),
        ({"filler": {"name": "corn starch", "pack_stat": None}}, "FILLER_UNKNOWN",
         "filler.name"),
        ({"capsule": {"shell": "enteric"}}, "SHELL_DELAYED_RELEASE", "capsule.shell"),
        ({"capsule": {"shell": "DRcaps"}}, "SHELL_DELAYED_RELEASE", "capsule.shell"),
        ({"capsule": {"shell": "acid-resistant"}}, "SHELL_DELAYED_RELEASE", "capsule.shell"),
        ({"capsule": {"shell": "tin"}}, "SHELL_UNKNOWN", "capsule.shell"),
    ],
    ids=["order-release", "source-release", "hpmc", "hypromellose", "methocel", "mc", "ec",
         "slow-release-name", "mcc-hpmc-blend", "retarding-grade", "caco3", "unknown-filler",
         "enteric", "drcaps", "acid-resistant", "unknown-shell"],
)
def test_release_errors(errors_of, changes, code, field):
    assert [(e["code"], e["field"]) for e in errors_of(make_order(**changes))] == [(code, field)]


@pytest.mark.parametrize("shell", ["gelatin", "HPMC", "hypromellose", "pullulan", "Vcaps"])
def test_fine_shells(shell):
    # HPMC is refused as a filler but fine as a shell (domain.md §4).
    assert plan_order(make_order(capsule={"shell": shell})).findings == []


@pytest.mark.parametrize(
    "release", ["immediate", "Immediate release", "immediate-release", "IR"])
def test_immediate_spellings(release):
    assert plan_order(make_order(release=release)).findings == []


def test_lactose_filler_warns_and_marks_lactose():
    plan = plan_order(make_order(filler={"name": "lactose monohydrate"}))
    assert [(f.code, f.severity.value) for f in plan.findings] == [("FILLER_LACTOSE", "warning")]
    assert plan.contains_lactose


def test_lactose_from_tablets():
    # US and UK labels list lactose: unknown excipients count as containing it.
    assert plan_order(make_order()).contains_lactose
    assert plan_order(make_order(source={"excipients": ["Lactose monohydrate"]})).contains_lactose
    assert not plan_order(make_order(source={"excipients": ["crospovidone"]})).contains_lactose


def test_grade_names():
    assert plan_order(make_order(filler={"grade": "avicel ph 102"})).findings == []
    plan = plan_order(make_order(filler={"grade": "Heavenly Grade 9"}))
    assert [(f.code, f.severity.value, f.field) for f in plan.findings] == [
        ("FILLER_GRADE_UNKNOWN", "info", "filler.grade")]


def test_the_product_strength_must_be_the_tablet_strength(errors_of):
    # product "Naltrexone HCl 100 mg tablet" with the default S = 50 mg made 9 mg capsules
    # for a 4.5 mg order: every capsule twice the worksheet's strength
    errors = errors_of(make_order(source={"product": "Naltrexone HCl 100 mg tablet"}))
    assert [(e["code"], e["field"]) for e in errors] == [
        ("SOURCE_STRENGTH_MISMATCH", "source.strength")]
    assert "100 mg" in errors[0]["message"] and "50 mg" in errors[0]["message"]
    # the same strength in other words is fine
    assert plan_order(make_order(source={"product": "naltrexone hydrochloride 50mg tablets, "
                                                    "30 count"})).tablets == 3


def test_the_default_product_is_made_from_the_tablet_strength():
    # S = 100 mg with the default product text told the bench to crush "50 mg" tablets
    from compounding.documents import worksheet_pdf

    from . import pdf

    order = make_order(source={"strength": "100 mg"})
    # T = ⌈N·d/S⌉ = ⌈32 × 4.5 / 100⌉ = ⌈1.44⌉ = 2 tablets of 100 mg
    assert plan_order(order).tablets == 2
    text = pdf.text(worksheet_pdf(order))
    # (the formula line names the master formulation record: "... capsules from 50 mg tablets")
    components = text.replace("capsules from 50 mg tablets", "")
    assert "Naltrexone HCl 100 mg tablet" in components and "50 mg tablet" not in components


@pytest.mark.parametrize(
    "product",
    ["Naltrexone CR 50 mg", "naltrexone controlled-release", "Naltrexone modified-release",
     "naltrexone delayed-release tablet", "Naltrexone DR", "Naltrexone MR 50 mg",
     "naltrexone depot", "Naltrexon retard 50 mg", "naltrexone time-release",
     "naltrexone implant", "naltrexone pellet", "Naltrexone gastro-resistant",
     "Naltrexone enteric coated", "Naltrexone LA", "Embeda", "Troxyca"])
def test_release_words_refuse_the_source(errors_of, product):
    errors = errors_of(make_order(source={"product": product}))
    assert [(e["code"], e["field"]) for e in errors] == [
        ("SOURCE_NOT_IR_NALTREXONE", "source.product")]


@pytest.mark.parametrize("product", ["Nalorex 50 mg", "Adepend 50mg film-coated tablets",
                                     "Naltrexone HCl 50 mg (Dr. Reddy's)", "Nemexin"])
def test_immediate_release_brands_are_accepted(product):
    assert plan_order(make_order(source={"product": product})).findings == []


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [({"filler": {"name": "MCC delayed release"}}, "FILLER_RETARDS_RELEASE", "filler.name"),
     ({"filler": {"name": "MCC retard"}}, "FILLER_RETARDS_RELEASE", "filler.name"),
     ({"filler": {"name": "microcrystalline cellulose CR"}}, "FILLER_RETARDS_RELEASE",
      "filler.name"),
     ({"filler": {"grade": "Avicel SR"}}, "FILLER_RETARDS_RELEASE", "filler.grade"),
     ({"capsule": {"shell": "gelatin DR"}}, "SHELL_DELAYED_RELEASE", "capsule.shell"),
     ({"capsule": {"shell": "HPMC time-release"}}, "SHELL_DELAYED_RELEASE", "capsule.shell")],
    ids=["filler-delayed", "filler-retard", "filler-cr", "grade-sr", "shell-dr", "shell-timed"])
def test_release_words_in_filler_and_shell(errors_of, changes, code, field):
    assert [(e["code"], e["field"]) for e in errors_of(make_order(**changes))] == [(code, field)]


@pytest.mark.parametrize("name", ["MCC/lactose blend", "Cellactose 80", "milk sugar",
                                  "Pharmatose 200M", "SuperTab 11SD", "Flowlac 100"])
def test_lactose_is_found_in_any_filler_named(name):
    from compounding.documents import label_pdf

    from . import pdf
    from .test_label import LABELLED, PROFILE

    order = make_order(**LABELLED, filler={"name": name, "pack_stat": "200 mg"},
                       source={"excipients": ["crospovidone"]})
    plan = plan_order(order)
    assert plan.contains_lactose
    [finding] = plan.findings
    assert finding.code == "FILLER_LACTOSE" and f"“{name}”" in finding.message
    assert "Contains lactose" in pdf.text(label_pdf(order, PROFILE))


def test_a_blend_needs_its_own_pack_stat(errors_of):
    # the chart's pack stat is for MCC alone; lactose packs denser
    errors = errors_of(make_order(filler={"name": "MCC/lactose blend", "pack_stat": None}))
    assert [(e["code"], e["field"]) for e in errors] == [("FILL_BASIS_MISSING", "filler.pack_stat")]
    assert "blend" in errors[0]["message"]


@pytest.mark.parametrize(("product", "why"), [
    ("Naltrexone LAI", "long-acting injectable"),  # was planned as 50 mg tablets
    ("Naltrexone HCl USP powder (API)", "powder, not tablets"),  # was "crush 3 tablets"
    ("naltrexone hydrochloride bulk powder", "powder, not tablets"),
])
def test_sources_that_are_not_tablets_are_refused(errors_of, product, why):
    order = make_order(source={"product": product, "average_tablet_weight": "250 mg"})
    [error] = errors_of(order)
    assert (error["code"], error["field"]) == ("SOURCE_NOT_IR_NALTREXONE", "source.product")
    assert why in error["message"]


@pytest.mark.parametrize("shell", ["gelatin, blue", "Vcaps Plus", "Coni-Snap",
                                   "HPMC, light blue/white", "pullulan (clear)"])
def test_shell_product_lines_and_colours_are_accepted(shell):
    # refused as unknown shells; colour is data the label can use
    from compounding.formulation.capsules import find_shell, shell_colour

    plan = plan_order(make_order(capsule={"size": "3", "shell": shell}))
    assert plan.tablets == 3
    assert find_shell(shell) is not None
    assert shell_colour("HPMC, light blue/white") == "light blue white"


def test_immediate_release_may_say_more_about_the_tablet():
    order = make_order(source={"average_tablet_weight": "250 mg",
                               "release": "immediate release film-coated"})
    assert plan_order(order).tablets == 3


def test_a_filler_outside_the_table_with_its_pack_stat_is_a_warning():
    # a calibrated filler the table does not list was refused; the pharmacist confirms it
    plan = plan_order(make_order(filler={"name": "Prosolv SMCC 90", "pack_stat": "125 mg"}))
    assert [(f.code, f.severity.value) for f in plan.findings] == [("FILLER_UNLISTED",
                                                                    "warning")]
    assert plan.fill_weight == 125 and "immediate-release" in plan.findings[0].message
