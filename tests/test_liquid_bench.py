"""The bench of an oral liquid batch reconciled against its plan, every number worked by hand.

Strength made c = drug put in ÷ final volume [mg/mL], judged against the planned concentration:
outside 95-105 % a warning (BENCH_STRENGTH_DEVIATION), outside 90-110 % critical
(BENCH_STRENGTH_OUT_OF_RANGE); the final volume against the master formulation record's
tolerance (±5 % of the batch volume: BENCH_VOLUME_OUT_OF_RANGE) and the volume to dispense
(BENCH_SHORT); the BUD worked out again from the day of the bench work and the lots used (USP
<795> 2023 §8; Fawcett, Morgan & Woods, Ann Pharmacother 1997;31:1291-5: 60 days at 2-8 °C).

The batch of most tests: 4.5 mg nightly for 30 days at 1 mg/mL from 50 mg tablets of W = 250 mg
(tests/test_liquid_plan.py): V = 135 mL, Vb = 141.75 mL, an exact portion of 708.75 mg of the
powder of 3 tablets; tolerance 141.75 × 0.95 = 134.6625 to 141.75 × 1.05 = 148.8375 mL; planned
BUD 2026-11-22 + 60 days = 2027-01-21.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from compounding import OrderError, plan_order
from compounding.bench.liquid_results import (
    LiquidBenchEntry,
    drug_put_in,
    reconcile,
    stock_concentrations,
)
from compounding.orders.liquid import StockStage
from compounding.orders.reading import parse_any

TABLETS = {"average_tablet_weight": "250 mg", "lot": "NTX-7", "expiry": "2028-01-31"}
POWDER = {"kind": "api_powder", "assay": "99.2 %", "lot": "API-3", "expiry": "2028-01-31"}
LOTS = [{"name": "Ascorbic acid", "amount": "709 mg", "lot": "AA-1", "expiry": "2028-01"},
        {"name": "Sodium benzoate", "amount": "142 mg", "lot": "SB-1", "expiry": "2028-01"},
        {"name": "Glycerin", "amount": "28.4 mL", "lot": "GL-1", "expiry": "2028-01"},
        {"name": "Purified water", "lot": "PW-1"}]
"""The other ingredients as weighed and measured for the 141.75 mL batch (planned 708.75 mg,
141.75 mg and 28.35 mL), none expiring before the planned BUD."""
EXACT = {"tablets_used": 3, "powder_actual": "708 mg", "final_volume": "141 mL",
         "ingredients": LOTS, "source_lot": "NTX-7", "source_expiry": "2028-01-31",
         "compounded_at": "2026-11-22T10:00:00-06:00"}


def batch(source=None, **fields):
    order = parse_any({"form": "oral_liquid", "source": source or TABLETS,
                       **(fields or {"strength": "4.5 mg", "days_supply": 30})})
    return order, plan_order(order)


def bench(order_plan, **changes):
    order, plan = order_plan
    entry = LiquidBenchEntry.model_validate({**EXACT, **changes})
    return reconcile(entry, plan, order)


def codes(result) -> dict[str, str]:
    return {f.code: f.severity.value for f in result.findings}


def errors(order_plan, **changes) -> set[tuple[str, str]]:
    with pytest.raises(OrderError) as raised:
        bench(order_plan, **changes)
    return {(e.code, e.field) for e in raised.value.errors}


# -- the strength made -----------------------------------------------------------------------

def test_an_exact_portion_made_to_141_ml_is_100_4_percent():
    """708 mg of the powder of 3 tablets holds 708 × 50/250 = 141.6 mg; made to 141 mL:
    141.6 / 141 = 1.00426 mg/mL, 100.4 % of 1 mg/mL; inside 95-105 %, no finding."""
    made = bench(batch())
    assert made.strength_made == Fraction(1416, 10) / 141 == Fraction(236, 235)
    assert round(float(made.strength_made), 5) == 1.00426
    assert round(float(made.strength_ratio * 100), 1) == 100.4
    assert made.findings == []
    assert (made.compounded_on, made.beyond_use_date) == (date(2026, 11, 22), date(2027, 1, 21))


def test_outside_95_percent_is_a_warning_outside_90_percent_is_critical():
    """660 mg: 132 mg in 141 mL = 0.93617 mg/mL, 93.6 % (a warning); 620 mg: 124 mg in
    141 mL = 0.87943 mg/mL, 87.9 % (critical: the batch can only be rejected or corrected)."""
    low = bench(batch(), powder_actual="660 mg")
    assert low.strength_made == Fraction(132, 141)
    assert codes(low) == {"BENCH_STRENGTH_DEVIATION": "warning"}
    [said] = low.findings
    assert said.message.startswith("Strength made 0.9362 mg/mL is 93.6 % of 1 mg/mL")
    assert "132 mg of drug in 141 mL" in said.message
    far = bench(batch(), powder_actual="620 mg")
    assert far.strength_made == Fraction(124, 141)
    assert codes(far) == {"BENCH_STRENGTH_OUT_OF_RANGE": "critical"}
    # 105.2 %: 742 mg → 148.4 mg in 141 mL = 1.05248 mg/mL
    assert codes(bench(batch(), powder_actual="742 mg")) == {"BENCH_STRENGTH_DEVIATION":
                                                             "warning"}


def test_tablets_other_than_planned_are_critical():
    # 4 tablets crushed where the plan crushes 3; 708 mg of their powder is still weighed
    made = bench(batch(), tablets_used=4)
    assert codes(made) == {"BENCH_TABLETS_MISMATCH": "critical"}
    assert made.findings[0].field == "tablets_used"


def test_whole_tablets_make_the_batch_to_the_volume_they_give():
    """4 mg for 140 mL: Vb = 140 + 7 = 147 mL, D = 147 mg; 3 whole tablets make 150 mL, 10 mL
    over V (at most max(10, 14) = 14 mL), so the batch is 150 mL. 3 × 50 = 150 mg in 150 mL =
    1 mg/mL; 148 mL: 1.01351 mg/mL (101.4 %)."""
    made = batch(strength="4 mg", volume="140 mL")
    assert (made[1].method, made[1].batch_volume) == ("whole_tablets", 150)
    lots = [{**LOTS[0], "amount": "750 mg"}, {**LOTS[1], "amount": "150 mg"},
            {**LOTS[2], "amount": "30 mL"}]
    exact = bench(made, powder_actual=None, final_volume="150 mL", ingredients=lots)
    assert (exact.strength_made, exact.findings) == (1, [])
    assert bench(made, powder_actual=None, final_volume="148 mL",
                 ingredients=lots).strength_made == Fraction(150, 148)


def test_a_solution_from_powder_carries_the_powder_times_its_assay():
    """LDN-LIQ-API-1: 141.75 mg ÷ 0.992 = 142.893 mg of powder to weigh; 143 mg weighed
    carries 143 × 0.992 = 141.856 mg, in 141.75 mL: 1.000748 mg/mL (100.07 %)."""
    made = batch(POWDER, strength="4.5 mg", days_supply=30)
    assert made[1].method == "api_powder"
    result = bench(made, tablets_used=None, powder_actual="143 mg", final_volume="141.75 mL",
                   source_lot="API-3")
    assert drug_put_in(LiquidBenchEntry.model_validate(
        {**EXACT, "tablets_used": None, "powder_actual": "143 mg"}), made[1], made[0]) \
        == Fraction(141856, 1000)
    assert result.strength_made == Fraction(141856, 1000) / Fraction(14175, 100)
    assert result.findings == []
    # a batch from powder crushes no tablets
    assert errors(made, powder_actual="143 mg") == {("INVALID_VALUE", "tablets_used")}


def test_a_stock_from_powder_the_aliquot_times_the_stock_as_made():
    """LDN-LIQ-API-01, 0.5 mg nightly for 30 days at 0.1 mg/mL: a stock of 126.008 mg of
    powder in 25 mL (5 mg/mL), 3.15 mL of it into 157.5 mL. As made: 126 mg × 0.992 =
    124.992 mg in 25 mL = 4.99968 mg/mL; 3.15 mL of it = 15.748992 mg, in 157 mL:
    0.100312 mg/mL (100.3 %)."""
    made = batch(POWDER, strength="0.5 mg", days_supply=30)
    assert made[1].method == "stock_solution" and made[1].batch_volume == Fraction(315, 2)
    lots = [{**LOTS[0], "amount": "788 mg"}, {**LOTS[1], "amount": "158 mg"},
            {**LOTS[2], "amount": "31.5 mL"}]
    fields = {"tablets_used": None, "powder_actual": "126 mg", "stock": [{"volume": "25 mL"}],
              "aliquot_actual": "3.15 mL", "final_volume": "157 mL", "ingredients": lots}
    entry = LiquidBenchEntry.model_validate({**EXACT, **fields})
    assert stock_concentrations(entry, made[1], made[0]) == [Fraction(499968, 100000)]
    result = bench(made, **fields)
    assert result.strength_made == Fraction(15748992, 10**6) / 157
    assert round(float(result.strength_ratio * 100), 1) == 100.3 and result.findings == []
    # the stock's stage and the aliquot are required; an aliquot cannot exceed its stock
    assert errors(made, **{**fields, "stock": [], "aliquot_actual": None}) == {
        ("FIELD_REQUIRED", "stock"), ("FIELD_REQUIRED", "aliquot_actual")}
    assert errors(made, **{**fields, "aliquot_actual": "30 mL"}) == {
        ("INVALID_VALUE", "aliquot_actual")}


def test_a_stock_from_one_tablet_and_a_second_stage():
    """LDN-LIQ-01, 0.5 mg at 0.1 mg/mL from tablets: 1 tablet in 10 mL (5 mg/mL), 3.15 mL into
    157.5 mL: 50/10 × 3.15 = 15.75 mg in 157 mL = 0.100318 mg/mL. With a second stage (the
    plan's stages replaced, for the arithmetic): 2 mL of stock 1 made to 20 mL is
    2 × 5 / 20 = 0.5 mg/mL; 3 mL of it is 1.5 mg."""
    order, plan = batch(strength="0.5 mg", days_supply=30)
    assert (plan.method, plan.tablets, plan.stock_solution[0].volume) == ("stock_solution", 1,
                                                                          10)
    lots = [{**LOTS[0], "amount": "788 mg"}, {**LOTS[1], "amount": "158 mg"},
            {**LOTS[2], "amount": "31.5 mL"}]
    fields = {"tablets_used": 1, "powder_actual": None, "stock": [{"volume": "10 mL"}],
              "aliquot_actual": "3.15 mL", "final_volume": "157 mL", "ingredients": lots}
    assert bench((order, plan), **fields).strength_made == Fraction(1575, 100) / 157
    first = plan.stock_solution[0]
    two = plan.model_copy(update={"stock_solution": [first, StockStage(
        stage=2, aliquot_in=Fraction(2), drug=Fraction(10), volume=Fraction(20),
        concentration=Fraction(1, 2), aliquot=Fraction(3))]})
    entry = LiquidBenchEntry.model_validate({**EXACT, **fields, "aliquot_actual": "3 mL",
                                             "stock": [{"volume": "10 mL"},
                                                       {"volume": "20 mL", "taken": "2 mL"}]})
    assert stock_concentrations(entry, two, order) == [5, Fraction(1, 2)]
    assert drug_put_in(entry, two, order) == Fraction(3, 2)
    with pytest.raises(OrderError) as raised:
        reconcile(entry.model_copy(update={"stock": [entry.stock[0],
                                                     entry.stock[1].model_copy(
                                                         update={"taken": None})]}),
                  two, order)
    assert {(e.code, e.field) for e in raised.value.errors} >= {("FIELD_REQUIRED",
                                                                 "stock[1].taken")}


# -- the final volume ------------------------------------------------------------------------

def test_a_final_volume_outside_the_tolerance_is_a_warning():
    """149 mL is over 148.8375 mL: 141.6 / 149 = 0.95034 mg/mL (95.0 %, no strength
    finding), the volume a warning."""
    made = bench(batch(), final_volume="149 mL")
    assert codes(made) == {"BENCH_VOLUME_OUT_OF_RANGE": "warning"}
    assert "outside 134.66-148.84 mL" in made.findings[0].message
    assert codes(bench(batch(), final_volume="148.8 mL", powder_actual="742 mg")) == {}


def test_a_final_volume_under_the_volume_to_dispense_is_short():
    # 130 mL made cannot fill 135 mL
    assert ("BENCH_SHORT", "final_volume") in errors(batch(), final_volume="130 mL")


# -- the other ingredients and the beyond-use date ----------------------------------------------

def test_every_ingredient_weighed_or_measured_is_entered_with_its_lot():
    got = errors(batch(), ingredients=[{"name": "Ascorbic acid", "amount": "709 mL",
                                        "lot": "AA-1"},
                                       {"name": "Honey", "amount": "1 mL"}])
    assert got == {("WRONG_DIMENSION", "ingredients[0].amount"),
                   ("FIELD_REQUIRED", "ingredients[0].expiry"),
                   ("INVALID_VALUE", "ingredients[1].name"),
                   ("FIELD_REQUIRED", "ingredients")}
    with pytest.raises(ValueError, match="source_lot"):
        LiquidBenchEntry.model_validate({k: v for k, v in EXACT.items() if k != "source_lot"})


def test_an_ingredient_lot_expiring_sooner_brings_the_bud_forward():
    """The glycerin lot expires 2027-01-10, before 2027-01-21: BUD 2027-01-10 (info). A lot
    expiring 2026-12-10 falls on day 19 of the 30 days' supply (2026-12-10 − 2026-11-22 =
    18 days, the 19th day)."""
    soon = [*LOTS[:2], {**LOTS[2], "expiry": "2027-01-10"}]
    made = bench(batch(), ingredients=soon)
    assert made.beyond_use_date == date(2027, 1, 10)
    assert codes(made) == {"BUD_SHORTENED_AT_BENCH": "info"}
    assert "Glycerin (glycerol) lot used expires 2027-01-10" in made.beyond_use_rationale
    sooner = bench(batch(), ingredients=[*LOTS[:2], {**LOTS[2], "expiry": "2026-12-10"}])
    assert codes(sooner) == {"BUD_SHORTENED_AT_BENCH": "info",
                             "BUD_SHORTER_THAN_SUPPLY": "warning"}
    assert "(day 19 of the supply)" in sooner.findings[1].message
    assert ("COMPONENT_EXPIRED", "ingredients[2].expiry") in errors(
        batch(), ingredients=[*LOTS[:2], {**LOTS[2], "expiry": "2026-11-22"}])
