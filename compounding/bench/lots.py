"""Lot numbers for a batch that has none yet.

A provisional lot is the compounding date and four characters of a digest of the order, so the
same order always gets the same lot (a reprint is the same document): ``20261122-7F3A``.
A records store that numbers batches sequentially (``YYYYMMDD-NNN``) writes its own lot into the
order instead.
"""

from __future__ import annotations

import hashlib
from datetime import date

from compounding.orders.liquid import LiquidOrder
from compounding.orders.models import Order

AnyOrder = Order | LiquidOrder


def provisional_lot(order: AnyOrder, on: date) -> str:
    """``YYYYMMDD-XXXX`` from the compounding date and the order's content."""
    digest = hashlib.sha256(order.model_dump_json(exclude={"lot_number"}).encode()).hexdigest()
    return f"{on:%Y%m%d}-{digest[:4].upper()}"


def lot_number(order: AnyOrder, on: date) -> str:
    """The order's lot number, or a provisional one."""
    return order.lot_number or provisional_lot(order, on)
