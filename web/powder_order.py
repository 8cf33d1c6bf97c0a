"""The order form's naltrexone HCl powder (API): its lot taken from the inventory, and the
powder to weigh as the preview says it.

A powder lot received in the inventory keeps its certificate's assay (:mod:`compounding.records.
receipts`). Picking that lot on the form, without a script, fills on preview what was left empty
(assay with its basis and water, expiry, manufacturer, product) from the lot as received, and
says so; an assay typed that is not the lot's (as is), or an expiry that is not its, is refused
beside its input, so that a certificate misread is not weighed and a lot changed after the form
was filled from another does not keep the other's values. A lot the inventory does not know is
left to the order's own rules.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from pydantic import TypeAdapter, ValidationError

from compounding.display import show
from compounding.errors import ErrorDetail
from compounding.orders.types import Expiry
from compounding.records.inventory import Inventory, InventoryLot

from .formdata import DEFAULTS, percent, powder


def _as_is(values: dict[str, str]) -> Fraction | None:
    """The assay as is typed on the form [mg/mg]; ``None`` when it does not read as one (the
    core says why)."""
    try:
        assay = Fraction(Decimal(percent(values.get("powder.assay", "")).removesuffix(" %")))
        water = Fraction(Decimal(percent(values.get("powder.water") or "0").removesuffix(" %")))
    except (InvalidOperation, ValueError):
        return None
    if values.get("powder.assay_basis") == "dried":
        return assay / 100 * (1 - water / 100)
    return assay / 100


_EXPIRY: TypeAdapter[date] = TypeAdapter(Expiry)


def _expiry(text: str) -> date | None:
    """An expiry typed on the form (``YYYY-MM`` is the month's last day); ``None`` when it does
    not read as one (the core says why)."""
    try:
        return _EXPIRY.validate_python(text)
    except ValidationError:
        return None


def _fill(values: dict[str, str], lot: InventoryLot) -> list[str]:
    """Put the lot's certificate and expiry, manufacturer and product into what was left
    empty; what was filled, in words."""
    filled = []
    if not values.get("powder.assay"):
        assert lot.assay is not None
        values.update({"powder.assay": lot.assay, "powder.assay_basis": lot.assay_basis or "as_is",
                       "powder.water": lot.water or ""})
        filled.append("assay")
    if not values.get("powder.expiry"):
        values["powder.expiry"] = lot.expiry.isoformat()
        filled.append("expiry")
    if not values.get("powder.manufacturer"):
        values["powder.manufacturer"] = lot.manufacturer
        filled.append("manufacturer")
    if values.get("powder.product", "") in ("", DEFAULTS["powder.product"]):
        values["powder.product"] = lot.product
    return filled


def from_inventory(values: dict[str, str],
                   stock: Inventory) -> tuple[list[ErrorDetail], str | None]:
    """For a powder order whose lot the inventory received with its certificate: ``values``
    completed from the lot, in place; the errors (an assay typed that is not the lot's) and
    the note the form shows of what it took."""
    if not powder(values) or not values.get("powder.lot"):
        return [], None
    lot = stock.find("api", values["powder.lot"])
    if lot is None or lot.assay_as_is is None:
        return [], None
    typed = _as_is(values) if values.get("powder.assay") else None
    errors = []
    if typed is not None and typed != lot.assay_as_is:
        errors.append(ErrorDetail(
            "INVALID_VALUE", "source.assay",
            f"powder lot {lot.lot} was received with an assay of {lot.certificate}, not this: "
            f"check the certificate of analysis, or leave the assay empty to take the lot's"))
    expiry = _expiry(values["powder.expiry"]) if values.get("powder.expiry") else None
    if expiry is not None and expiry != lot.expiry:
        errors.append(ErrorDetail(
            "INVALID_VALUE", "source.expiry",
            f"powder lot {lot.lot} was received expiring {lot.expiry.isoformat()}, not "
            f"{expiry.isoformat()}: check the lot, or leave the expiry empty to take the lot's"))
    filled = _fill(values, lot)
    if not filled:
        return errors, None
    return errors, (f"Taken from powder lot {lot.lot} as received on "
                    f"{lot.received_on.isoformat()}: {', '.join(filled)} (certificate: assay "
                    f"{lot.certificate}).")


def powder_preview(worked: Any) -> dict[str, object] | None:
    """The powder to weigh as the preview says it: ``145.161 mg (144 mg ÷ 0.992)``, the
    naltrexone HCl it carries divided by the assay as is; ``None`` for tablets."""
    source = worked.order.source
    if not source.powder or source.assay_as_is is None:
        return None
    assay = source.assay_as_is
    return {"assay": show(assay, 6), "drug": Fraction(worked.batch.tablet_powder) * assay}
