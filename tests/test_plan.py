"""plan_order end to end: the API v1 plan, fill bases, capsule fit, acknowledgements."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from compounding import Order, Settings, parse_order, plan_order

from .helpers import LOTS_USED, make_order


def test_api_v1_example_plan():
    # domain.md §3 worked example, as the API v1 response gives it.
    plan = plan_order(make_order()).model_dump(mode="json")
    assert plan["strength"] == {"value": 4.5, "unit": "mg"}
    assert (plan["capsules_dispensed"], plan["overage_capsules"], plan["capsules_required"]) == (
        30, 2, 32)
    assert (plan["tablets"], plan["capsules_to_fill"]) == (3, 33)
    assert plan["capsule_equivalents"] == 33.333333
    for name, value in [("naltrexone_total", 150.0), ("tablet_powder", 750.0),
                        ("tablet_powder_per_capsule", 22.5), ("filler_per_capsule", 107.5),
                        ("filler_total", 3583.333333), ("fill_weight", 130.0),
                        ("fill_weight_min", 117.0), ("fill_weight_max", 143.0),
                        ("blend_total", 4333.333333)]:
        assert plan[name] == {"value": value, "unit": "mg"}, name
    assert plan["fill_basis"] == "pack_stat"
    assert plan["beyond_use_date"] == "2027-05-21"
    assert plan["beyond_use_rationale"].startswith("compounding date + 180 days (USP <795>")
    assert plan["findings"] == []


def test_library_accepts_the_model():
    order = Order.model_validate(make_order())
    assert plan_order(order) == plan_order(make_order())


def test_default_overage_is_five_percent():
    # e = ⌈30 × 5 / 100⌉ = 2 (domain.md §3 step 1 default).
    assert plan_order(make_order(overage=None)).overage_capsules == 2
    settings = Settings(overage_percent=10)
    assert plan_order(make_order(overage=None), settings).overage_capsules == 3


def test_base_strength_converts_to_hydrochloride():
    # 4.5 mg base × 377.87/341.41 = 170041.5 / 34141 = 4.980566 mg HCl (Medsafe salt ratio).
    plan = plan_order(make_order(strength="4.5 mg", strength_basis="base"))
    assert plan.strength == F("4.5") * F(37787, 34141)
    assert round(float(plan.strength), 6) == 4.980566
    assert plan.strength_as_ordered == F("4.5") and plan.strength_basis == "base"
    # N = 32: T = ⌈32 × 4.980566 / 50⌉ = ⌈3.1876⌉ = 4
    assert plan.tablets == 4


@pytest.mark.parametrize(
    ("filler", "size", "basis", "capacity"),
    [
        ({"pack_stat": "130 mg"}, "3", "pack_stat", 130),
        # 0.45 g/mL × 0.30 mL × 1000 mg/g = 135 mg (capsule volume, domain.md §3)
        ({"pack_stat": None, "density": "0.45 g/mL"}, "3", "density", 135),
        # Formulating Capsules Guide chart: size 0 MCC 320 mg
        ({"pack_stat": None}, "0", "default_chart", 320),
        # 0.5 g/mL × 0.13 mL = 65 mg: size 5 works with a density
        ({"pack_stat": None, "density": "500 mg/mL"}, "5", "density", 65),
    ],
    ids=["pack-stat", "density-x-volume", "chart", "size5-density"],
)
def test_fill_basis(filler, size, basis, capacity):
    plan = plan_order(make_order(filler=filler, capsule={"size": size}, strength="1 mg"))
    assert plan.fill_basis == basis
    assert plan.capsule_filler_capacity == capacity


def test_pharmacy_pack_stat_beats_chart_but_not_order():
    settings = Settings(pack_stats={"3": "125 mg"})
    plan = plan_order(make_order(filler={"pack_stat": None}), settings)
    assert (plan.fill_basis, plan.capsule_filler_capacity) == ("pharmacy_pack_stat", 125)
    assert plan_order(make_order(), settings).fill_basis == "pack_stat"


def test_size5_without_pack_stat_or_density(errors_of):
    errors = errors_of(make_order(filler={"pack_stat": None}, capsule={"size": "5"}))
    assert [(e["code"], e["field"]) for e in errors] == [("FILL_BASIS_MISSING", "filler.pack_stat")]


def test_capsule_too_small_names_smallest_size_that_fits(errors_of):
    # d = 4.5 mg, W = 2000 mg: p = 180 mg. Size 3 (130 mg) has no room; the chart gives
    # 4 110, 3 130, 2 160, 1 230: size 1 is the smallest with F − p > 0.
    order = make_order(source={"average_tablet_weight": "2000 mg"})
    errors = errors_of(order)
    assert [(e["code"], e["field"]) for e in errors] == [("CAPSULE_TOO_SMALL", "capsule.size")]
    assert "smallest size that fits is 1" in errors[0]["message"]
    assert plan_order(make_order(source={"average_tablet_weight": "2000 mg"},
                                 capsule={"size": "1"}, filler={"pack_stat": None}))


def test_nothing_fits(errors_of):
    order = make_order(strength="45 mg", source={"average_tablet_weight": "2000 mg"})
    errors = errors_of(order)
    assert "no capsule size fits" in next(e for e in errors if e["code"] == "CAPSULE_TOO_SMALL")[
        "message"]


def test_all_errors_reported_together(errors_of):
    order = make_order(release="extended", capsule={"shell": "enteric"},
                       filler={"name": "calcium carbonate"}, strength="60 mg")
    assert {e["code"] for e in errors_of(order)} == {
        "RELEASE_NOT_IMMEDIATE", "SHELL_DELAYED_RELEASE", "FILLER_REDUCES_ABSORPTION",
        "DOSE_STANDARD"}


def test_tablet_lighter_than_its_drug(errors_of):
    errors = errors_of(make_order(source={"average_tablet_weight": "25 mg"}))
    assert [(e["code"], e["field"]) for e in errors] == [
        ("TABLET_LIGHTER_THAN_DRUG", "source.average_tablet_weight")]


def test_findings_sorted_and_acknowledged():
    order = make_order(concurrent_medications=["Percocet 5/325 mg"], doses_per_day=1,
                       patient={"conditions": ["lactose intolerance"]})
    plan = plan_order(order)
    assert [f.code for f in plan.findings] == ["OPIOID_COADMINISTRATION", "LACTOSE_INTOLERANCE"]
    assert [f.code for f in plan.unacknowledged] == ["OPIOID_COADMINISTRATION"]
    ack = {"code": "OPIOID_COADMINISTRATION", "pharmacist": "R. Ph. Smith",
           "reason": "Prescriber confirmed opioid stopped 2026-11-01"}
    acked = plan_order({**order, "acknowledgements": [ack]})
    assert acked.unacknowledged == []
    assert acked.findings[0].acknowledgement.pharmacist == "R. Ph. Smith"
    # a warning cannot be acknowledged away, and is still listed
    assert acked.findings[1].acknowledgement is None


def test_acknowledgement_of_unknown_code(errors_of):
    order = make_order(acknowledgements=[{"code": "LACTOSE_INTOLERANCE", "pharmacist": "A",
                                          "reason": "b"}])
    assert [(e["code"], e["field"]) for e in errors_of(order)] == [
        ("UNKNOWN_ACKNOWLEDGEMENT", "acknowledgements[0].code")]


@pytest.mark.parametrize(
    ("time_zone", "expected"),
    [("UTC", "2026-11-23"), ("America/Chicago", "2026-11-22"),
     ("Pacific/Auckland", "2026-11-23")],
)
def test_compounded_on_defaults_to_the_pharmacys_today(monkeypatch, time_zone, expected):
    # 03:30 UTC on 23 Nov is 21:30 on 22 Nov in Chicago (UTC-6) and 16:30 on 23 Nov in
    # Auckland (UTC+13): the pharmacy's date, never the server's
    from datetime import UTC, datetime

    from compounding import Settings, clock

    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 23, 3, 30, tzinfo=UTC))
    plan = plan_order(make_order(compounded_on=None), Settings(time_zone=time_zone))
    assert plan.compounded_on.isoformat() == expected
    # the BUD counts from that day: + 180 days (USP <795> non-aqueous)
    assert (plan.beyond_use_date - plan.compounded_on).days == 180


def test_an_unknown_time_zone_names_the_profile_key():
    from compounding.profile import ProfileError, load_profile

    with pytest.raises(ProfileError) as caught:
        load_profile('[pharmacy]\ntime_zone = "Mars/Olympus"\n')
    assert [(e.code, e.field) for e in caught.value.errors] == [
        ("INVALID_TIME_ZONE", "profile.pharmacy.time_zone")]


def test_blend_equals_powder_plus_filler_in_output():
    plan = plan_order(make_order(strength="2.7 mg", quantity=47))
    assert plan.blend_total == plan.tablet_powder + plan.filler_total  # exact in the model
    dumped = plan.model_dump(mode="json")
    assert abs(dumped["blend_total"]["value"] - dumped["tablet_powder"]["value"]
               - dumped["filler_total"]["value"]) <= 2e-6


TWO_OPIOIDS = ["Percocet 5/325 mg", "methadone 80 mg daily"]


def test_each_finding_has_an_id():
    plan = plan_order(make_order(concurrent_medications=TWO_OPIOIDS))
    assert [f.id for f in plan.findings] == [
        "OPIOID_COADMINISTRATION:concurrent_medications[0]",
        "OPIOID_COADMINISTRATION:concurrent_medications[1]"]
    assert plan.model_dump(mode="json")["findings"][0]["id"] == plan.findings[0].id


def test_one_acknowledgement_never_clears_two_findings(errors_of):
    # "Percocet stopped" also cleared "methadone 80 mg daily", and the label printed
    by_code = {"code": "OPIOID_COADMINISTRATION", "pharmacist": "R. Okafor",
               "reason": "Percocet stopped"}
    errors = errors_of(make_order(concurrent_medications=TWO_OPIOIDS,
                                  acknowledgements=[by_code]))
    assert [(e["code"], e["field"]) for e in errors] == [
        ("AMBIGUOUS_ACKNOWLEDGEMENT", "acknowledgements[0].code")]
    assert "concurrent_medications[1]" in errors[0]["message"]
    by_id = {**by_code, "code": None, "finding": "OPIOID_COADMINISTRATION:"
                                                 "concurrent_medications[0]"}
    plan = plan_order(make_order(concurrent_medications=TWO_OPIOIDS,
                                 acknowledgements=[{k: v for k, v in by_id.items() if v}]))
    assert [f.id for f in plan.unacknowledged] == [
        "OPIOID_COADMINISTRATION:concurrent_medications[1]"]


@pytest.mark.parametrize(("ack", "field"), [
    ({"finding": "OPIOID_COADMINISTRATION:concurrent_medications[5]"},
     "acknowledgements[0].finding"),
    ({"code": "DOSE_ABOVE_LDN"}, "acknowledgements[0].code"),
], ids=["no-such-finding", "no-such-code"])
def test_an_acknowledgement_of_nothing_is_refused(errors_of, ack, field):
    order = make_order(concurrent_medications=TWO_OPIOIDS[:1],
                       acknowledgements=[{**ack, "pharmacist": "R", "reason": "r"}])
    assert [(e["code"], e["field"]) for e in errors_of(order)] == [
        ("UNKNOWN_ACKNOWLEDGEMENT", field)]


def test_a_record_acknowledgement_by_code_must_be_unambiguous(store):
    from compounding import OrderError

    from .people import RPH, TECH
    from .test_records import ORDER, PROFILE

    lot = store.create({**ORDER, "concurrent_medications": TWO_OPIOIDS}, PROFILE,
                       TECH).lot_number
    with pytest.raises(OrderError) as caught:
        store.acknowledge(lot, {"code": "OPIOID_COADMINISTRATION", "reason": "stopped"}, RPH,
                          expected=1)
    assert [e.code for e in caught.value.errors] == ["AMBIGUOUS_ACKNOWLEDGEMENT"]
    record = store.acknowledge(lot, {"finding": "OPIOID_COADMINISTRATION:"
                                                "concurrent_medications[0]",
                                     "reason": "Percocet stopped"}, RPH, expected=1)
    assert [f.id for f in record.unacknowledged] == [
        "OPIOID_COADMINISTRATION:concurrent_medications[1]"]


def test_one_qc_range_on_paper_and_in_the_check():
    # domain.md §12 worked by hand: DF = 1 so w = F = 125 mg; 90 % × 125 = 112.5 mg rounds UP
    # to 113 mg and 110 % × 125 = 137.5 mg rounds DOWN to 137 mg on a 1 mg balance. The sheet
    # said 112-138 mg for a 112.5-137.5 range, and the check flagged 115 and 141 at w = 128.
    from compounding.bench.reconciliation import check_bench
    from compounding.bench.results import BenchEntry
    from compounding.documents import worksheet_pdf

    from . import pdf

    order = make_order(filler={"pack_stat": "125 mg"})
    plan = plan_order(order)
    assert (plan.fill_weight, plan.fill_weight_min, plan.fill_weight_max) == (125, 113, 137)
    entry = BenchEntry.model_validate({
        "tablets_used": 3, "tablet_powder_actual": "750 mg", "filler_actual": "3375 mg",
        "capsules_made": 33, "capsule_weights": ["112.9 mg", "113 mg", "137 mg", "137.1 mg"]
        + ["125 mg"] * 29, "compounded_at": "2026-11-22T10:00:00+00:00", **LOTS_USED})
    flagged = [f.field for f in check_bench(entry, plan, parse_order(order))]
    assert flagged == ["capsule_weights[0]", "capsule_weights[3]"]
    text = pdf.text(worksheet_pdf(order))
    assert "113 mg to 137 mg" in text and "112 mg" not in text and "138 mg" not in text


def test_a_finer_balance_keeps_the_half_milligrams():
    # the same batch on a 0.1 mg balance: 112.5 to 137.5 mg
    from compounding import Settings

    plan = plan_order(make_order(filler={"pack_stat": "125 mg"}),
                      Settings(balance_readability="0.1 mg"))
    assert (plan.fill_weight_min, plan.fill_weight_max) == (F(225, 2), F(275, 2))


def test_the_daily_dose_follows_the_directions():
    # "Take 2 capsules by mouth twice daily" at 4.5 mg is 2 × 2 × 4.5 = 18 mg a day: above the
    # LDN range (critical), and more than once daily; days' supply ⌊30 / 4⌋ = 7 (domain.md §10)
    plan = plan_order(make_order(directions="Take 2 capsules by mouth twice daily"))
    assert plan.daily_dose == 18 and plan.days_supply == 7
    assert (plan.sig.capsules_per_dose, plan.sig.doses_per_day) == (2, 2)
    assert [(f.code, f.severity.value) for f in plan.findings] == [
        ("DOSE_ABOVE_LDN", "critical"), ("DOSE_MULTIPLE_DAILY", "warning")]


def test_a_titration_is_checked_at_its_highest_step():
    # 1 capsule a day, then 2: the dose rules see 2 × 4.5 = 9 mg a day
    plan = plan_order(make_order(directions="Take 1 capsule at bedtime for a week, then 2 "
                                            "capsules at bedtime"))
    assert plan.daily_dose == 9
    assert "DOSE_ABOVE_LDN" in [f.code for f in plan.findings]


def test_directions_and_sig_must_agree(errors_of):
    order = make_order(directions="Take 1 capsule by mouth at bedtime",
                       sig={"capsules_per_dose": 2, "doses_per_day": 1})
    assert [(e["code"], e["field"]) for e in errors_of(order)] == [
        ("DIRECTIONS_MISMATCH", "directions")]


@pytest.mark.parametrize("text", ["Take ½ capsule at bedtime", "Use as directed"])
def test_unreadable_directions_are_flagged_not_guessed(text):
    plan = plan_order(make_order(directions=text))
    assert [f.code for f in plan.findings] == ["DIRECTIONS_UNREAD"]
    assert plan.daily_dose == F(9, 2)  # the sig assumed: 1 capsule once daily


def test_a_supply_that_outlasts_the_bud_is_flagged():
    # 300 once-daily capsules last 300 days; the BUD is compounding date + 180 days
    plan = plan_order(make_order(quantity=300))
    assert plan.days_supply == 300
    assert [(f.code, f.field) for f in plan.findings] == [("BUD_SHORTER_THAN_SUPPLY",
                                                          "quantity")]
    assert plan_order(make_order(quantity=180)).findings == []  # 180 days: the BUD's last day
