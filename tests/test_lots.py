"""Lot numbers for batches that have none yet."""

from __future__ import annotations

import re
from datetime import date

from compounding import parse_order
from compounding.bench.lots import lot_number, provisional_lot

from .helpers import make_order


def test_provisional_lot_is_stable_and_readable():
    order = parse_order(make_order())
    lot = provisional_lot(order, date(2026, 11, 22))
    assert re.fullmatch(r"20261122-[0-9A-F]{4}", lot)
    assert provisional_lot(parse_order(make_order()), date(2026, 11, 22)) == lot
    assert provisional_lot(parse_order(make_order(quantity=31)), date(2026, 11, 22)) != lot


def test_given_lot_wins():
    order = parse_order(make_order(lot_number="20261122-001"))
    assert lot_number(order, date(2026, 11, 22)) == "20261122-001"
