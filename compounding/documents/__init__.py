"""Documents: the batch worksheet and the patient label, as PDF bytes (reportlab).

Built from the core's numbers; nothing here computes a dose. The core (``compounding``) never
imports this package.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..models import Order
from ..plan import plan_of, work_out
from ..profile import DEFAULT_PROFILE, Profile
from .label import build_labels
from .worksheet import build_worksheet

OrderInput = Order | Mapping[str, Any]


def worksheet_pdf(order: OrderInput, profile: Profile | None = None) -> bytes:
    """The batch worksheet of ``order`` (:class:`compounding.OrderError` when invalid)."""
    profile = profile or DEFAULT_PROFILE
    return build_worksheet(work_out(order, profile.settings), profile)


def label_pdf(order: OrderInput, profile: Profile | None = None) -> bytes:
    """The patient label of ``order``; refused (HTTP 409) while a critical finding is
    unacknowledged."""
    return labels_pdf([order], profile)


def labels_pdf(orders: Sequence[OrderInput], profile: Profile | None = None) -> bytes:
    """Patient labels for several orders in one PDF, on the profile's label stock."""
    profile = profile or DEFAULT_PROFILE
    return build_labels([(w.order, plan_of(w)) for w in
                         (work_out(o, profile.settings) for o in orders)], profile)


__all__ = ["label_pdf", "labels_pdf", "worksheet_pdf"]
