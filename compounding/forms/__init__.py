"""Dosage forms: each implements :class:`DosageForm` (plan an order, the worksheet's steps and
quality control, what the bench enters, reconciliation, the label's product line); the
planning pipeline finds the one an order names by its ``form`` (:func:`form_of`). Capsules
(:mod:`.capsule_form`, planned in :mod:`.capsules`, their steps in :mod:`.capsule_steps`) and
oral liquids (:mod:`.liquid_form`, planned in :mod:`.liquid`, their steps in
:mod:`.liquid_steps`); :mod:`.common` holds what every form's planning shares."""

from __future__ import annotations

from compounding.forms.base import BenchField, DosageForm


def form_of(name: str) -> DosageForm:
    """The dosage form called ``name`` (an order's ``form``); ``KeyError`` for another.

    >>> form_of("capsules").name
    'capsules'
    """
    from compounding.forms.capsule_form import Capsules
    from compounding.forms.liquid_form import OralLiquids

    forms: dict[str, DosageForm] = {"capsules": Capsules(), "oral_liquid": OralLiquids()}
    return forms[name]


__all__ = ["BenchField", "DosageForm", "form_of"]
