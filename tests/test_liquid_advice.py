"""A capsule dose no method can weigh: ``TRITURATION_INFEASIBLE`` names the oral liquid that
makes the same dose for the same days' supply, or says that none does.

With the default balance (MWQ 120 mg, capacity 120 g) every capsule dose the dose rules allow,
down to 0.001 mg, is made by a trituration (tests/test_trituration.py). A small balance of 5 g
is not: stage totals keep 10 % of it for the tare, 4.5 g at most.

The domain's order, at 0.02 mg × 3 capsules + 2 overage, 1 capsule at bedtime: S = 50 mg,
W = 250 mg, F = 130 mg; N = 5, N·d = 0.1 mg, p = d·W/S = 0.1 mg, w = F = 130 mg, blend
N·w = 650 mg.

- Whole tablets: one tablet makes 50 / 0.02 = 2500 capsules, 2500 × 129.9 mg = 324.75 g of
  filler, over 5 g.
- Exact portion: N·p = 0.5 mg of tablet powder (1 mg at the 1 mg readability), under 120 mg.
- Trituration: the batch's aliquot A = N·d / c ≥ 120 mg needs c ≤ 0.1 mg / 0.12 g =
  0.833 mg/g (0.5 mg/g or less in the 1-2-5 series). One tablet's 50 mg in at most 4.5 g is at
  least 11.1 mg/g, so one stage cannot; stage 1 is then at least 20 mg/g, and stage 2 takes at
  least 120 mg of it and dilutes it at least 20 / 0.5 = 40 times, to 4.8 g or more, over 4.5 g:
  two stages cannot.

The oral liquid: a dose under 1 mg is made at 0.1 mg/mL (LDN-LIQ-01, Fawcett, Morgan & Woods,
Ann Pharmacother 1997;31:1291-5); v = 0.02 / 0.1 = 0.2 mL, the least an oral syringe measures
well (0.2 mL); the smallest syringe holding 0.2 mL whose marks divide it is the 1 mL one marked
every 0.01 mL; 3 capsules ÷ 1 a day = 3 days; V = 3 × 0.2 = 0.6 mL.
"""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from compounding import OrderError, Settings, plan_order

from .helpers import make_order

SMALL_BALANCE = Settings(balance_capacity="5 g")


def _refused(order, settings=SMALL_BALANCE):
    with pytest.raises(OrderError) as caught:
        plan_order(order, settings)
    [error] = caught.value.errors
    assert (error.code, error.field) == ("TRITURATION_INFEASIBLE", "strength")
    return error.message


def test_the_error_names_the_oral_liquid_that_works():
    message = _refused(make_order(strength="0.02 mg", quantity=3))
    assert message.startswith("no method can weigh this dose (whole tablets would weigh "
                              "324.75 g of filler"), message
    assert "an exact portion would weigh 1 mg of tablet powder" in message
    assert message.endswith(
        ": an oral liquid works: LDN-LIQ-01, 0.1 mg/mL, 0.2 mL (0.02 mg) a dose with the 1 mL "
        "oral syringe, 0.6 mL for 3 days (plan it with form \"oral_liquid\")"), message
    assert "prepare it as an oral liquid instead" not in message
    # the liquid named is the plan the same pharmacy gets for it
    plan = plan_order({"form": "oral_liquid", "strength": "0.02 mg", "days_supply": 3,
                       "source": {"average_tablet_weight": "250 mg"}}, SMALL_BALANCE)
    assert (plan.mfr.id, plan.concentration, plan.dose_volume, plan.syringe.capacity,
            plan.volume, plan.days_supply) == ("LDN-LIQ-01", F(1, 10), F(1, 5), 1, F(3, 5), 3)


def test_the_liquid_gives_a_dose_of_several_capsules_for_as_many_days():
    # 0.01 mg capsules, 2 a dose: a dose of 0.02 mg = 0.2 mL; 6 capsules ÷ 2 a day = 3 days.
    # The capsules: N = 8, N·d = 0.08 mg, c ≤ 0.08 / 0.12 = 0.667 mg/g (0.5 in the series), and
    # the same 40-fold stage 2 over 4.5 g.
    order = make_order(strength="0.01 mg", quantity=6,
                       sig={"capsules_per_dose": 2, "doses_per_day": 1})
    assert _refused(order).endswith(
        ": an oral liquid works: LDN-LIQ-01, 0.1 mg/mL, 0.2 mL (0.02 mg) a dose with the 1 mL "
        "oral syringe, 0.6 mL for 3 days (plan it with form \"oral_liquid\")")


def test_when_no_liquid_works_either_it_says_why():
    # 0.01 mg at 0.1 mg/mL is 0.1 mL, under 0.2 mL; a measurable dose needs 0.01 / 20 =
    # 0.0005 to 0.01 / 0.2 = 0.05 mg/mL, and the formulary makes 0.1 and 1 mg/mL
    message = _refused(make_order(strength="0.01 mg", quantity=3))
    assert ": no oral liquid works either (a dose of 0.01 mg at 0.1 mg/mL is 0.1 mL, under " \
           "the 0.2-20 mL" in message, message
    assert "from 0.0005 to 0.05 mg/mL" in message and "an oral liquid works" not in message
