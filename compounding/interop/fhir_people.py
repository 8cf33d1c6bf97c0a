"""Who a FHIR R4 MedicationRequest is for and from, and its numbers: the patient (``subject``)
and the prescriber (``requester``) from a contained resource, a resource of the same Bundle, or
the reference's ``display``; the pharmacy's Rx number and the prescription id from its
``identifier``; and the MedicationRequest of a Bundle with the resources beside it (HL7 FHIR R4
Bundle, Reference, Identifier).

A reference is resolved as FHIR R4 says ("Resolving references in Bundles"): ``#id`` names a
contained resource; anything else an entry whose ``fullUrl`` is the reference, or whose
resource is the ``Type/id`` the reference ends with.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from compounding.interop.fhir_common import NPI_SYSTEM, contained, fhir_error

BUNDLE_TYPES = ("transaction", "collection")
"""The Bundles a MedicationRequest is taken from: a transaction (what an EHR would have the
pharmacy store) or a collection."""
RX_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,19}$")
"""An Rx number as an order takes it: letters, digits and hyphens, up to 20."""
Others = Mapping[str, Mapping[str, Any]]
"""The resources beside a MedicationRequest in its Bundle, by ``fullUrl`` and by ``Type/id``."""


def bundled(bundle: Mapping[str, Any]) -> tuple[Mapping[str, Any], Others]:
    """The one MedicationRequest of a Bundle (``transaction`` or ``collection``) and the other
    resources it holds, by the references that name them."""
    if bundle.get("type") not in BUNDLE_TYPES:
        raise fhir_error("Bundle.type", f"a Bundle of type “{bundle.get('type')}” is not a "
                                        f"prescription: send a transaction or collection")
    requests, others = [], {}
    for entry in bundle.get("entry") or []:
        resource = entry.get("resource") or {}
        if resource.get("resourceType") == "MedicationRequest":
            requests.append(resource)
            continue
        if resource.get("id"):
            others[f"{resource.get('resourceType')}/{resource['id']}"] = resource
        if entry.get("fullUrl"):
            others[str(entry["fullUrl"])] = resource
    if len(requests) != 1:
        raise fhir_error("Bundle.entry", f"the Bundle holds {len(requests)} MedicationRequest "
                                         f"entries: send one per Bundle", "FIELD_REQUIRED"
                         if not requests else "INVALID_VALUE")
    return requests[0], others


def _referenced(reference: Any, kind: str, others: Others) -> Mapping[str, Any] | None:
    """The resource of the Bundle a Reference names (by ``fullUrl``, or ``Type/id``)."""
    target = str((reference or {}).get("reference") or "") if isinstance(
        reference, Mapping) else ""
    found = others.get(target) or others.get("/".join(target.split("/")[-2:]))
    return found if found is not None and found.get("resourceType") == kind else None


def _resource(resource: Mapping[str, Any], field: str, kind: str,
              others: Others) -> Mapping[str, Any] | None:
    reference = resource.get(field)
    found = contained(resource, reference, kind, f"MedicationRequest.{field}")
    return found if found is not None else _referenced(reference, kind, others)


def _name(human: list[Mapping[str, Any]] | None) -> str | None:
    for name in human or []:
        if name.get("text"):
            return str(name["text"])
        parts = [*name.get("given", []), name.get("family") or ""]
        if any(parts):
            return " ".join(p for p in parts if p)
    return None


def _display(reference: Any) -> str | None:
    display = (reference or {}).get("display") if isinstance(reference, Mapping) else None
    return str(display) if display else None


def _patient(resource: Mapping[str, Any], others: Others) -> dict[str, Any] | None:
    subject = resource.get("subject")
    found = _resource(resource, "subject", "Patient", others)
    if found is None:
        reference = str((subject or {}).get("reference") or "")
        patient = {"id": reference.split("/")[-1] if reference.startswith("Patient/") else None,
                   "name": _display(subject)}
    else:
        patient = {"name": _name(found.get("name")) or _display(subject),
                   "date_of_birth": found.get("birthDate")}
        identifiers = found.get("identifier") or []
        if identifiers and identifiers[0].get("value"):
            patient["id"] = identifiers[0]["value"]
    return {k: v for k, v in patient.items() if v is not None} or None


def _prescriber(resource: Mapping[str, Any], others: Others) -> dict[str, Any] | None:
    requester = resource.get("requester")
    found = _resource(resource, "requester", "Practitioner", others)
    if found is None:
        display = _display(requester)
        return {"name": display} if display else None
    prescriber: dict[str, Any] = {"name": _name(found.get("name")) or _display(requester)}
    for identifier in found.get("identifier") or []:
        if identifier.get("system") == NPI_SYSTEM:
            prescriber["npi"] = identifier.get("value")
    return {k: v for k, v in prescriber.items() if v is not None} or None


def rx_number_of(resource: Mapping[str, Any], system: str | None) -> str | None:
    """The pharmacy's Rx number: the ``identifier`` whose ``system`` is the pharmacy's
    Rx-number ``system`` (refused when its value is not an Rx number), else the first whose
    value is one (letters, digits and hyphens, up to 20)."""
    identifiers = [i for i in resource.get("identifier") or [] if isinstance(i, Mapping)]
    for index, identifier in enumerate(identifiers):
        if system and identifier.get("system") == system:
            value = str(identifier.get("value") or "")
            if not RX_NUMBER.match(value):
                raise fhir_error(f"MedicationRequest.identifier[{index}].value",
                                 f"“{value[:40]}” is not an Rx number: letters, digits and "
                                 f"hyphens, up to 20")
            return value
    return next((str(i["value"]) for i in identifiers
                 if RX_NUMBER.match(str(i.get("value") or ""))), None)


def people_of(resource: Mapping[str, Any], others: Others | None = None,
              rx_system: str | None = None) -> dict[str, Any]:
    """The ``patient``, ``prescriber``, ``rx_number`` (:func:`rx_number_of`) and
    ``prescription_id`` (the value of the first ``identifier``) of a MedicationRequest, those
    it gives; ``others``: the resources beside it in its Bundle."""
    others = others or {}
    found = {key: value for key, value in (("patient", _patient(resource, others)),
                                           ("prescriber", _prescriber(resource, others)),
                                           ("rx_number", rx_number_of(resource, rx_system)))
             if value}
    identifiers = resource.get("identifier") or []
    if identifiers and identifiers[0].get("value"):
        found["prescription_id"] = identifiers[0]["value"]
    return found
