"""Sub-milligram doses the bench can make (domain.md §9): the automatic method, trituration in
one or two stages, and the invariants over the whole range (Hypothesis).

The worked examples use the domain's order: S = 50 mg, W = 250 mg, size 3, F = 130 mg (so
w = 130 mg whatever d), MWQ 120 mg, balance capacity 120 g; concentrations in mg/g, 1-2-5 series.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction as F

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compounding import OrderError, plan_order
from compounding.documents import worksheet_pdf
from compounding.formulation.capsules import BY_SIZE, SIZE_NAMES
from compounding.formulation.methods import weighings
from compounding.formulation.plausibility import surplus_limit
from compounding.plan import work_out
from compounding.settings import DEFAULT_SETTINGS, Settings

from . import pdf
from .helpers import make_order


def test_0_1_mg_by_hand():
    # 0.1 mg × 30 + 2: N = 32, N·d = 3.2 mg of drug, blend N·w = 32 × 130 = 4160 mg.
    # whole tablets: 1 tablet makes 50 / 0.1 = 500 capsules, 468 over the limit of 10;
    # exact portion: N·p = 32 × 0.5 = 16 mg of powder, below 120 mg.
    # trituration: T₁ = ⌈3.2 / (0.9 × 50)⌉ = 1, P₁ = 250 mg, D₁ = 50 mg. The aliquot A = 3.2 / c
    # [g]: c = 200 → 16 mg, 100 → 32 mg, 50 → 64 mg (all < 120); c = 20 → 160 mg. M₁ = 50 / 20
    # g = 2500 mg, filler 2250 mg; A ≤ 0.9 × 2500; the batch's filler 4160 − 160 = 4000 mg.
    plan = plan_order(make_order(strength="0.1 mg"))
    assert plan.method == "trituration" and plan.tablets == 1
    [stage] = plan.trituration
    assert (stage.powder, stage.filler_added, stage.total, stage.concentration, stage.aliquot) == (
        250, 2250, 2500, 20, 160)
    assert (plan.capsules_to_fill, plan.filler_total, plan.blend_total) == (32, 4000, 4160)
    # mass balance: 160 mg × 20 mg/g = 3.2 mg of drug in 32 capsules = 0.1 mg each
    assert F(160) * 20 / 1000 / 32 == F(1, 10)
    assert "whole tablets would fill 500 capsules for 32 required (468 surplus" in (
        plan.method_reason)
    assert "an exact portion would weigh 16 mg of tablet powder, below" in plan.method_reason


def test_0_5_mg_times_60_by_trituration():
    # 0.5 mg × 60 + 5 % (3) = 63; N·d = 31.5 mg. Asked for as a trituration: at c₁ = 200 mg/g
    # (the powder itself, 50 mg in 250 mg) the aliquot is 31.5 / 200 g = 157.5 mg ≥ 120 and
    # ≤ 0.9 × 250 = 225: one stage, no filler added. Batch filler 63 × 130 − 157.5 = 8032.5 mg.
    order = make_order(strength="0.5 mg", quantity=60, overage=None, method="trituration")
    plan = plan_order(order)
    [stage] = plan.trituration
    assert (stage.powder, stage.filler_added, stage.total, stage.concentration, stage.aliquot) == (
        250, 0, 250, 200, F("157.5"))
    assert plan.filler_total == F("8032.5")
    # left to the automatic method, the same order is an exact portion of 157.5 mg: whole
    # tablets would fill 100 capsules for 63 (37 over max(10, ⌈6.3⌉) = 10)
    auto = plan_order({**order, "method": "auto"})
    assert (auto.method, auto.tablet_powder) == ("exact_portion", F("157.5"))
    text = pdf.text(worksheet_pdf(order))
    assert "Add no filler: the powder itself is trituration 1." in text
    assert "Weigh 158 mg of trituration 1 for this batch." in text  # 157.5 rounded half up


def test_0_001_mg_needs_two_stages():
    # 0.001 mg × 30 + 2: N·d = 0.032 mg. One stage: A = 0.032 / c [g] ≥ 0.12 g needs
    # c ≤ 0.267 mg/g, c = 0.2: M₁ = 50 / 0.2 g = 250 g, over the 120 g balance. Two stages,
    # each diluting at most 1:100 and each total within 90 % of 120 g = 108 g for the tare
    # (it used to dilute 120 mg into 120 g, 1:1000 at the balance's full capacity): c₂ = 0.2
    # mg/g, the highest whose aliquot (0.032 / 0.2 g = 160 mg) is weighable; 1:100 at most
    # needs c₁ ≤ 100 × 0.267 = 26.7 mg/g: c₁ = 20 mg/g, 1 tablet's 250 mg of powder (50 mg of
    # drug) to 50 / 20 g = 2500 mg (1:10). A₁ = max(120, 160 / (0.9 × 100), 120 / 99) = 120 mg,
    # M₂ = 120 × 20 / 0.2 = 12 000 mg (1:100), filler 11 880 mg.
    plan = plan_order(make_order(strength="0.001 mg"))
    first, second = plan.trituration
    assert (first.powder, first.filler_added, first.total, first.concentration,
            first.aliquot) == (250, 2250, 2500, 20, 120)
    assert (second.powder, second.filler_added, second.total, second.concentration,
            second.aliquot) == (120, 11_880, 12_000, 0.2, 160)
    # mass balance: 120 mg × 20 mg/g = 2.4 mg in 12 g; 160 mg × 0.2 mg/g = 0.032 mg
    assert F(120) * 20 / 12_000 == F(2, 10) and F(160) * F(2, 10) / 1000 == 32 * F(1, 1000)
    text = pdf.text(worksheet_pdf(make_order(strength="0.001 mg")))
    for step in ("Trituration 1 (20 mg/g)", "Trituration 2 (0.2 mg/g): weigh 120 mg of "
                 "trituration 1", "A × 99 of filler, 11.88 g for exactly 120 mg",
                 "naltrexone HCl 0.2 mg/g, lot", "Weigh 160 mg of trituration 2 for this batch",
                 # each stage's own geometric dilution: 250 mg doubling to 2500 mg; 120 mg
                 # doubling (120, 240 ... 3840) and the rest, 4320 mg, to 12 g
                 "Step Add filler Mixture after step 1 250 mg 500 mg 2 500 mg 1000 mg 3 "
                 "1000 mg 2000 mg 4 500 mg 2500 mg",
                 "6 3840 mg 7680 mg 7 4320 mg 12 g"):
        assert step in text, step


def test_every_stage_keeps_room_for_the_tare_and_dilutes_gently_when_it_can():
    # over a range of low strengths, every stage total is at most 108 g (90 % of 120 g), and
    # wherever a plan of stages of at most 1:100 exists, the plan's stages are all such
    for strength in ("0.001 mg", "0.002 mg", "0.005 mg", "0.01 mg", "0.05 mg", "0.1 mg",
                     "0.25 mg", "0.5 mg"):
        plan = plan_order(make_order(strength=strength))
        for stage in plan.trituration or []:
            assert stage.total <= 108_000, (strength, stage)
            assert stage.total <= 100 * stage.powder, (strength, stage)


def test_beyond_two_stages_is_an_error_suggesting_a_liquid():
    # 0.001 mg × 1 + 2 on a balance of 5 g capacity: the aliquot A = 0.003 mg / c ≥ 120 mg
    # needs c ≤ 0.025 mg/g; stage 1 within 5 g needs c₁ = 50 mg / M₁ ≥ 10 mg/g, and stage 2
    # (A₁ ≥ 120 mg, M₂ = A₁ × c₁ / c₂ ≤ 5 g) dilutes at most 41.7 times: c₂ ≥ 0.24 mg/g
    from compounding import Settings

    with pytest.raises(OrderError) as caught:
        plan_order(make_order(strength="0.001 mg", quantity=1),
                   Settings(balance_capacity="5 g"))
    [error] = caught.value.errors
    assert (error.code, error.field) == ("TRITURATION_INFEASIBLE", "strength")
    assert "oral liquid" in error.message


def test_a_method_asked_for_is_honoured():
    plan = plan_order(make_order(strength="0.5 mg", method="whole_tablets"))
    assert plan.method == "whole_tablets" and plan.method_reason == (
        "Whole tablets: as the order asks.")
    assert "BATCH_SURPLUS" in {f.code for f in plan.findings}


def test_the_usual_order_stays_whole_tablets():
    plan = plan_order(make_order())
    assert plan.method == "whole_tablets" and plan.trituration is None
    assert plan.method_reason.startswith("Whole tablets: every weighing is within")


# -- invariants over the whole range -----------------------------------------------------------

strengths = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("50"), places=3)
BASES = ["default_chart", "density", "pack_stat", "pharmacy_pack_stat"]


def filler_for(basis: str, size: str) -> tuple[dict, Settings]:
    """The order's filler and the settings that make the plan use ``basis`` for ``size``."""
    volume = BY_SIZE[size].volume
    if basis == "density":
        return {"pack_stat": None, "density": "0.45 g/mL"}, DEFAULT_SETTINGS
    if basis == "pack_stat":  # packs to 0.6 g/mL, a plausible calibration
        return {"pack_stat": f"{volume * 600} mg"}, DEFAULT_SETTINGS
    if basis == "pharmacy_pack_stat":
        return {"pack_stat": None}, Settings(pack_stats={size: volume * 550})
    return {"pack_stat": None}, DEFAULT_SETTINGS


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(d=strengths, n=st.integers(1, 5000), size=st.sampled_from(SIZE_NAMES),
       basis=st.sampled_from(BASES),
       method=st.sampled_from(["auto", "whole_tablets", "exact_portion", "trituration"]))
def test_invariants(d, n, size, basis, method):
    fill, s = filler_for(basis, size)
    order = make_order(strength=f"{d} mg", quantity=n, capsule={"size": size}, filler=fill,
                       method=method, overage=None)
    try:
        worked = work_out(order, s)
    except OrderError:
        return  # an error names its field (checked elsewhere); no plan, nothing to weigh
    b = worked.batch
    assert worked.basis == basis or basis == "default_chart"
    for what, mass, addition in weighings(b):  # every weighing within range
        assert (addition and mass == 0) or (
            s.minimum_weighable_quantity <= mass <= s.balance_capacity), (what, mass)
    strength = F(d)
    if b.trituration is None:  # drug per capsule exactly d, by mass balance
        assert b.naltrexone_total == b.capsule_equivalents * strength
        assert b.tablets * 50 >= b.naltrexone_total
    else:
        t = b.trituration
        assert t.aliquot * t.concentration / 1000 == b.capsules_required * strength
        for stage in t.stages:
            assert stage.drug / stage.total * 1000 == stage.concentration
            assert stage.taken + stage.filler == stage.total
        for before, after in zip(t.stages, t.stages[1:], strict=False):
            assert after.taken <= F(9, 10) * before.total
        assert t.aliquot <= F(9, 10) * t.stages[-1].total
        assert b.filler_total + t.aliquot == b.blend_total
    if method == "auto":
        assert b.capsules_to_fill - b.capsules_required <= surplus_limit(
            b.capsules_required, s)
    assert plan_order(order, s) == plan_order(order, s)  # identical plans, identical orders


# -- at the bench -----------------------------------------------------------------------------

def test_a_trituration_batch_at_the_bench(store):
    # 0.1 mg (above): trituration 1 at 20 mg/g, aliquot 160 mg, batch filler 4000 mg.
    # As made: 249 mg of powder + 2251 mg of filler: c₁ = 249 × 50/250 / 2500 g = 19.92 mg/g;
    # drug = 160 mg × 19.92 mg/g = 3.1872 mg in 160 + 4000 = 4160 mg of blend; capsules of
    # 130 mg mean carry 3.1872 / 4160 × 130 = 0.0996 mg, 99.6 % of 0.1 mg
    from .helpers import LOTS_USED
    from .people import TECH
    from .test_records import ORDER, PROFILE

    lot = store.create({**ORDER, "strength": "0.1 mg"}, PROFILE, TECH).lot_number
    entry = {"tablets_used": 1, "tablet_powder_actual": "249 mg", "filler_actual": "4000 mg",
             "capsules_made": 32, "capsule_weights": ["130 mg"] * 10,
             "compounded_at": "2026-11-22T10:00:00+00:00", **LOTS_USED,
             "trituration": [{"filler": "2251 mg"}]}
    with pytest.raises(OrderError) as caught:
        store.enter_bench(lot, entry, TECH)
    assert [(e.code, e.field) for e in caught.value.errors] == [
        ("FIELD_REQUIRED", "aliquot_actual")]
    record = store.enter_bench(lot, {**entry, "aliquot_actual": "160 mg"}, TECH)
    assert record.made.strength_mg == F("3.1872") / 4160 * 130
    assert record.made.strength_mg == F("0.0996")
    assert not [f for f in record.flags if f.code.startswith("BENCH_STRENGTH")]
    from compounding.documents import executed_record_pdf

    text = pdf.text(executed_record_pdf(record.labelled_order(), record.executed(),
                                        record.profile))
    assert "c1 as made = 19.92 mg/g; drug = 160 mg aliquot × 19.92 mg/g = 3.1872 mg" in text
    assert "= 0.0996 mg per capsule, 99.6 % of 0.1 mg" in text


def test_the_bench_form_of_a_trituration(client):
    # the record page asks for each stage's filler and the aliquot, beside the usual fields
    from .people import csrf
    from .test_records import BENCH, ORDER

    lot = client.post("/api/v1/worksheet", json={**ORDER, "strength": "0.1 mg"}).headers[
        "X-Lot-Number"]
    page = client.get(f"/records/{lot}").get_data(as_text=True)
    assert 'for="bench-trituration_0_filler"' in page and 'for="bench-aliquot_actual"' in page
    assert "Trituration: whole tablets would fill 500 capsules" in page
    form = {k: v for k, v in BENCH.items() if k != "capsule_weights"}
    form |= {"csrf_token": csrf(client, f"/records/{lot}"), "revision": "1",
             "tablets_used": "1", "tablet_powder_actual": "249", "filler_actual": "4000",
             "capsules_made": "32", "capsule_weights": " ".join(["130"] * 10),
             "trituration_0_filler": "2251"}
    missing = client.post(f"/records/{lot}/bench", data=form)
    assert missing.status_code == 422
    assert 'id="bench-aliquot_actual-error"' in missing.get_data(as_text=True)
    done = client.post(f"/records/{lot}/bench", data={**form, "aliquot_actual": "160"})
    assert done.status_code == 303
    page = client.get(f"/records/{lot}").get_data(as_text=True)
    assert "Aliquot for the batch" in page and "99.6 % of the ordered strength" in page
