"""Oral liquids planned, with their numbers worked by hand.

Sources: Fawcett, Morgan & Woods, Ann Pharmacother 1997;31(11):1291-5 (naltrexone 1 mg/mL with
ascorbic acid 0.5 % w/v, sodium benzoate 0.1 % w/v, glycerol 20 % v/v, water to volume; 60 days
at 2-8 °C in the dark); USP <795> (2023) §8 and Table 4 (aqueous, preserved: 35 days; not
preserved: 14 days; non-aqueous oral liquids: 90 days); the syringe table and the measurable
dose range 0.2-20 mL are the workbench's settings (docs/liquids.md).
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from compounding import OrderError, plan_order
from compounding.formulary import Formulary, FormularyEntry
from compounding.formulary.seeds import seeded
from compounding.orders.liquid import LiquidPlan
from compounding.settings import Settings

TABLETS = {"average_tablet_weight": "250 mg", "lot": "NTX-7", "expiry": "2028-01-31"}
POWDER = {"kind": "api_powder", "assay": "99.2 %", "lot": "API-3", "expiry": "2028-01-31"}


def liquid(**fields) -> LiquidPlan:
    plan = plan_order({"form": "oral_liquid", "source": TABLETS, **fields})
    assert isinstance(plan, LiquidPlan)
    return plan


def errors(**fields) -> dict[str, str]:
    with pytest.raises(OrderError) as raised:
        plan_order({"form": "oral_liquid", "source": TABLETS, **fields})
    return {e.code: e.message for e in raised.value.errors}


def test_4_5_mg_nightly_for_30_days_at_1_mg_per_ml_from_tablets():
    """v = 4.5 mg ÷ 1 mg/mL = 4.5 mL; V = 4.5 × 30 = 135 mL; overage max(5 % × 135, 5) =
    6.75 mL; Vb = 141.75 mL; D = 141.75 mg. Whole tablets ⌈141.75 / 50⌉ = 3 make 150 mL,
    15 mL over V where max(10, ⌈13.5⌉) = 14 mL is the most: an exact portion instead,
    141.75 × 250 / 50 = 708.75 mg of the powder of ⌈141.75 / 49⌉ = 3 tablets. Ascorbic acid
    0.5 g/100 mL × 141.75 mL = 708.75 mg; sodium benzoate 141.75 mg; glycerol 28.35 mL."""
    plan = liquid(strength="4.5 mg", days_supply=30)
    assert plan.mfr is not None and plan.mfr.id == "LDN-LIQ-1"
    assert (plan.concentration, plan.dose_volume) == (1, Fraction(9, 2))
    assert (plan.volume, plan.overage_volume, plan.batch_volume) == (135, Fraction(27, 4),
                                                                     Fraction(567, 4))
    assert plan.drug_total == Fraction(567, 4)
    assert (plan.method, plan.tablets, plan.tablet_powder) == ("exact_portion", 3,
                                                               Fraction(2835, 4))
    assert "15 mL over the volume dispensed (at most 14 mL)" in plan.method_reason
    amounts = {i.name.split()[0]: (i.amount, i.unit) for i in plan.ingredients}
    assert amounts == {"Naltrexone": (Fraction(567, 4), "mg"),
                       "Ascorbic": (Fraction(2835, 4), "mg"),
                       "Sodium": (Fraction(567, 4), "mg"),
                       "Glycerin": (Fraction(567, 20), "mL"),
                       "Purified": (None, "to volume")}
    assert plan.kind == "suspension" and plan.days_supply == 30
    assert plan.directions == "Take 4.5 mL (4.5 mg) by mouth at bedtime"


def test_the_syringe_for_4_5_ml_is_the_10_ml_one_because_the_5_ml_one_cannot_measure_it():
    """The smallest syringe that holds v and whose graduation divides it: 1 mL and 3 mL hold
    less than 4.5 mL; the 5 mL syringe is marked every 0.2 mL and 4.5 ÷ 0.2 = 22.5 is not a
    whole number of marks; the 10 mL syringe by 0.5 mL: 4.5 ÷ 0.5 = 9 marks."""
    plan = liquid(strength="4.5 mg", days_supply=30)
    assert (plan.syringe.capacity, plan.syringe.graduation) == (10, Fraction(1, 2))
    assert Fraction(9, 2) / Fraction(1, 5) == Fraction(45, 2)  # not whole: 5 mL cannot
    # a 4 mL dose is 20 marks of the 5 mL syringe: the smaller one is chosen then
    four = liquid(strength="4 mg", days_supply=30)
    assert (four.syringe.capacity, four.syringe.graduation) == (5, Fraction(1, 5))


def test_0_5_mg_nightly_at_0_1_mg_per_ml_from_powder_goes_through_a_stock_solution():
    """LDN-LIQ-API-01: v = 0.5 ÷ 0.1 = 5 mL (the 5 mL syringe by 0.2 mL: 25 marks);
    V = 150 mL, Vb = 157.5 mL, D = 15.75 mg; 15.75 ÷ 0.992 = 15.877 mg of powder is under the
    120 mg MWQ, so a stock: the least drug in a weighable amount is 5 mg/mL in a 25 mL flask
    (125 mg, weigh 125 ÷ 0.992 = 126.008 mg), aliquot 15.75 ÷ 5 = 3.15 mL (≥ 1 mL, ≤ 90 % of
    25 mL). 10 mg/mL in 10 mL would be 100 mg (100.8 mg of powder, under the MWQ)."""
    plan = plan_order({"form": "oral_liquid", "source": POWDER, "strength": "0.5 mg",
                       "days_supply": 30})
    assert isinstance(plan, LiquidPlan)
    assert plan.mfr is not None and plan.mfr.id == "LDN-LIQ-API-01"
    assert (plan.kind, plan.concentration, plan.dose_volume) == ("solution", Fraction(1, 10), 5)
    assert (plan.syringe.capacity, plan.syringe.graduation) == (5, Fraction(1, 5))
    assert (plan.volume, plan.batch_volume, plan.drug_total) == (150, Fraction(315, 2),
                                                                 Fraction(63, 4))
    assert plan.method == "stock_solution" and plan.stock_solution is not None
    [stock] = plan.stock_solution
    assert (stock.drug, stock.volume, stock.concentration, stock.aliquot) == (
        125, 25, 5, Fraction(63, 20))
    assert stock.powder == Fraction(125) / Fraction(992, 1000)
    assert not plan.contains_lactose


def test_a_titration_of_1_5_then_3_then_4_5_mg_in_one_bottle_with_one_syringe():
    """1.5 mg × 14 days, 3 mg × 14 days, 4.5 mg × 30 days at 1 mg/mL: 1.5, 3 and 4.5 mL.
    One syringe measures them all: the 3 mL syringe holds neither 4.5 mL; the 5 mL one by
    0.2 mL cannot measure 1.5 mL (7.5 marks) nor 4.5 mL; the 10 mL one by 0.5 mL measures
    3, 6 and 9 marks. V = 21 + 42 + 135 = 198 mL, 58 days; Vb = 198 + 9.9 = 207.9 mL; the
    60-day BUD outlasts the schedule."""
    plan = liquid(schedule=[{"dose": "1.5 mg", "days": 14}, {"dose": "3 mg", "days": 14},
                            {"dose": "4.5 mg", "days": 30}])
    assert [(s.dose, s.dose_volume, s.first_day) for s in plan.steps] == [
        (Fraction(3, 2), Fraction(3, 2), 1), (3, 3, 15), (Fraction(9, 2), Fraction(9, 2), 29)]
    assert (plan.syringe.capacity, plan.syringe.graduation) == (10, Fraction(1, 2))
    assert (plan.volume, plan.days_supply, plan.batch_volume) == (198, 58, Fraction(2079, 10))
    assert plan.daily_dose == Fraction(9, 2)
    assert plan.directions.startswith("Days 1–14: take 1.5 mL (1.5 mg) by mouth at bedtime; "
                                      "Days 15–28: take 3 mL (3 mg)")
    assert "BUD_SHORTER_THAN_SUPPLY" not in {f.code for f in plan.findings}


def test_50_mcg_at_0_1_mg_per_ml_is_half_a_ml_in_the_1_ml_syringe():
    """v = 0.05 ÷ 0.1 = 0.5 mL: the 1 mL syringe by 0.01 mL (50 marks). V = 15 mL for 30
    days, Vb = 20 mL, raised to 120 mL so that the sodium benzoate (0.1 % w/v, 1 mg/mL) weighs
    the 120 mg MWQ; D = 12 mg; a portion of 60 mg of tablet powder is under the MWQ, so one
    tablet is made to a stock of 5 mg/mL in 10 mL and 12 ÷ 5 = 2.4 mL of it measured."""
    plan = liquid(strength="50 mcg", days_supply=30)
    assert (plan.concentration, plan.dose_volume) == (Fraction(1, 10), Fraction(1, 2))
    assert (plan.syringe.capacity, plan.syringe.graduation) == (1, Fraction(1, 100))
    assert (plan.volume, plan.batch_volume, plan.drug_total) == (15, 120, 12)
    assert "sodium benzoate" in plan.batch_volume_reason
    [stock] = plan.stock_solution or []
    assert (stock.tablets, stock.volume, stock.concentration, stock.aliquot) == (
        1, 10, 5, Fraction(12, 5))


def test_a_dose_of_5_mcg_needs_a_weaker_liquid_and_the_error_says_which():
    """0.005 mg at 0.1 mg/mL is 0.05 mL, under the 0.2 mL a syringe measures: the plan is
    refused and names the concentrations that would work (0.005 ÷ 20 to 0.005 ÷ 0.2 mg/mL),
    which no approved record makes."""
    message = errors(strength="5 mcg", days_supply=30)["DOSE_VOLUME"]
    assert "0.05 mL" in message and "from 0.00025 to 0.025 mg/mL" in message


def test_a_dose_of_5_mcg_plans_under_a_0_02_mg_per_ml_record_through_a_stock():
    """With a record at 0.02 mg/mL: v = 0.25 mL (1 mL syringe, 25 marks); V = 7.5 mL for 30
    days, Vb raised to 120 mL (sodium benzoate); D = 2.4 mg. One tablet (50 mg) to 25 mL is a
    2 mg/mL stock; 2.4 ÷ 2 = 1.2 mL of it (≥ 1 mL)."""
    base = Formulary.built_in().current("LDN-LIQ-01")
    assert base is not None
    record = base.mfr.model_dump()
    record.update(id="LDN-LIQ-002", name="Naltrexone HCl 0.02 mg/mL oral suspension",
                  concentration="0.02", default=False,
                  ingredients=[{**i, "quantity": "0.02"} if i["role"] == "active" else i
                               for i in record["ingredients"]])
    weak = type(base.mfr).model_validate(record)
    settings = Settings(formulary=(*(FormularyEntry.of(m, "built_in") for m in seeded()),
                                   FormularyEntry.of(weak, "built_in")))
    plan = plan_order({"form": "oral_liquid", "source": TABLETS, "strength": "5 mcg",
                       "days_supply": 30, "mfr": "LDN-LIQ-002"}, settings)
    assert isinstance(plan, LiquidPlan)
    assert (plan.dose_volume, plan.volume, plan.batch_volume) == (Fraction(1, 4),
                                                                  Fraction(15, 2), 120)
    [stock] = plan.stock_solution or []
    assert (stock.tablets, stock.volume, stock.concentration, stock.aliquot) == (
        1, 25, 2, Fraction(6, 5))


def test_the_bud_follows_the_records_rationale_and_is_capped_by_every_lot():
    """Fawcett's study: 60 days refrigerated; a glycerin lot expiring sooner caps it
    (BUD_LIMITED_BY_COMPONENT); a Table 4 record (aqueous, preserved) gives 35 days."""
    plan = liquid(strength="4.5 mg", days_supply=30, compounded_on="2026-11-22")
    assert plan.beyond_use_date == date(2027, 1, 21)
    assert "Fawcett" in plan.beyond_use_rationale
    capped = liquid(strength="4.5 mg", days_supply=30, compounded_on="2026-11-22",
                    ingredients=[{"name": "Glycerin", "lot": "G-1", "expiry": "2026-12-31"}])
    assert capped.beyond_use_date == date(2026, 12, 31)
    assert "BUD_LIMITED_BY_COMPONENT" in {f.code for f in capped.findings}
    base = Formulary.built_in().current("LDN-LIQ-1")
    assert base is not None
    table4 = type(base.mfr).model_validate({**base.mfr.model_dump(), "bud": {
        "kind": "usp_table4", "category": "aqueous_preserved", "days": 35,
        "storage_condition": "refrigerated 2-8 °C", "refrigerate": True}})
    settings = Settings(formulary=(FormularyEntry.of(table4, "built_in"),))
    plan = plan_order({"form": "oral_liquid", "source": TABLETS, "strength": "4.5 mg",
                       "days_supply": 30, "compounded_on": "2026-11-22"}, settings)
    assert plan.beyond_use_date == date(2026, 12, 27)
    assert "aqueous dosage forms, preserved" in plan.beyond_use_rationale


def test_a_supply_that_outlasts_the_bud_names_the_day_it_falls_on():
    """90 days of 4.5 mL against a 60-day BUD: the patient reaches the discard date on day
    61 of the supply."""
    plan = liquid(strength="4.5 mg", days_supply=90)
    [finding] = [f for f in plan.findings if f.code == "BUD_SHORTER_THAN_SUPPLY"]
    assert "day 61" in finding.message and finding.field == "days_supply"


def test_dose_volume_out_of_range_names_a_concentration_that_works():
    """30 mg at 1 mg/mL is 30 mL, over 20 mL... and also a dose outside LDN's range; a 0.1 mg
    dose asked at 1 mg/mL (0.1 mL) is pointed at 0.1 mg/mL (1 mL)."""
    message = errors(strength="0.1 mg", days_supply=30, concentration="1 mg/mL")["DOSE_VOLUME"]
    assert "0.1 mL" in message and "use 0.1 mg/mL (1 mL a dose)" in message


def test_no_syringe_measures_1_25_ml():
    """1.25 mg at 1 mg/mL is 1.25 mL: 1 mL is too small; 3 mL by 0.1 (12.5 marks), 5 mL by
    0.2 and 10 mL by 0.5 cannot measure it."""
    assert "measures 1.25 mL" in errors(strength="1.25 mg", days_supply=30)["DOSE_VOLUME"]


def test_whole_tablets_when_their_volume_is_within_the_surplus():
    """3 mg nightly for 45 days: V = 135 mL... 3 mL × 45 = 135 mL; Vb = 141.75 mL, D =
    141.75 mg; 3 tablets make 150 mL at 1 mg/mL, 15 mL over 135 mL (limit 14): a portion.
    5 mg × 28 = 140 mL, Vb = 147 mL; 3 tablets make 150 mL, 10 mL over: whole tablets, and
    the batch is made to 150 mL."""
    plan = liquid(strength="5 mg", days_supply=28)
    assert (plan.method, plan.tablets, plan.batch_volume) == ("whole_tablets", 3, 150)
    assert plan.drug_total == 150


def test_an_order_needs_a_dose_and_a_volume_and_refuses_both_forms_of_the_dose():
    assert "FIELD_REQUIRED" in errors(days_supply=30)
    assert errors(strength="4.5 mg")["FIELD_REQUIRED"].startswith("the volume to dispense")
    both = errors(strength="4.5 mg", schedule=[{"dose": "1 mg", "days": 7}])
    assert "not both" in both["INVALID_VALUE"]


def test_a_volume_gives_the_days_supply():
    """100 mL of 4.5 mL doses, once a day: ⌊100 ÷ 4.5⌋ = 22 days."""
    assert liquid(strength="4.5 mg", volume="100 mL").days_supply == 22


def test_directions_that_name_another_volume_are_a_mismatch():
    message = errors(strength="4.5 mg", days_supply=30,
                     directions="Take 5 mL by mouth at bedtime")["DIRECTIONS_MISMATCH"]
    assert "5 mL" in message and "4.5 mL" in message
    plan = liquid(strength="4.5 mg", days_supply=30,
                  directions="Take 4.5 mL (4.5 mg) by mouth at bedtime")
    assert plan.directions == "Take 4.5 mL (4.5 mg) by mouth at bedtime"


def test_the_plan_serialises_with_units():
    data = liquid(strength="4.5 mg", days_supply=30).model_dump(mode="json")
    assert data["dose_volume"] == {"value": 4.5, "unit": "mL"}
    assert data["concentration"] == {"value": 1.0, "unit": "mg/mL"}
    assert data["syringe"] == {"capacity": {"value": 10.0, "unit": "mL"},
                               "graduation": {"value": 0.5, "unit": "mL"}}
    assert data["form"] == "oral_liquid" and data["storage"].startswith("Refrigerate")


def test_the_pharmacys_syringes_come_from_its_profile():
    """A pharmacy whose 5 mL syringes are marked every 0.1 mL measures 4.5 mL (45 marks) with
    one; the profile file says so in its [liquids] section."""
    from compounding.profile import load_profile

    profile = load_profile('[liquids]\nsyringes = [{capacity = "5 mL", graduation = "0.1 mL"},'
                           ' {capacity = "10 mL", graduation = "0.5 mL"}]\n')
    plan = plan_order({"form": "oral_liquid", "source": TABLETS, "strength": "4.5 mg",
                       "days_supply": 30}, profile.settings)
    assert (plan.syringe.capacity, plan.syringe.graduation) == (5, Fraction(1, 10))


def test_the_working_says_why_each_smaller_syringe_cannot_measure_the_dose():
    from compounding.forms.liquid import work_out
    from compounding.formulation.liquid_derivation import explain_liquid

    steps = {s.name: s for s in explain_liquid(work_out({
        "form": "oral_liquid", "source": TABLETS, "strength": "4.5 mg", "days_supply": 30}))}
    syringe = steps["Oral syringe"]
    assert "5 mL marked every 0.2 mL: 4.5 ÷ 0.2 = 22.5 marks, not a whole number" in \
        syringe.working
    assert syringe.result == "10 mL by 0.5 mL"
    assert (steps["Batch volume"].working, steps["Batch volume"].result) == ("135 + 6.75",
                                                                             "141.75 mL")
    assert steps["Tablet powder to weigh"].working == "141.75 × 250 ÷ 50"
    assert steps["Glycerin (glycerol)"].result == "28.35 mL"


def test_the_bench_enters_the_drug_every_ingredient_and_the_final_volume():
    from compounding.forms import form_of

    plan = liquid(strength="4.5 mg", days_supply=30)
    names = [f.name for f in form_of("oral_liquid").bench_fields(plan)]
    assert names[:2] == ["tablets_used", "powder_actual"]
    assert {"ingredients[0].amount", "ingredients[2].amount", "ingredients[3].lot",
            "final_volume", "source_lot"} <= set(names)
    assert "ingredients[3].amount" not in names  # water is made to volume, not measured
