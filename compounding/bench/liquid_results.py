"""What the bench enters for an oral liquid batch, and what it made (USP <795> 2023 §8: the
compounding record's actual amounts, lots and expiries, and the final volume).

The bench gives the drug it put in (whole tablets; a weighed portion of their powder; naltrexone
HCl powder weighed; or a stock made and an aliquot of it measured), every other ingredient's
amount with its lot and expiry, the source lot and expiry, and the volume the batch was made to.
:func:`reconcile` works out the strength made, c_made = drug ÷ final volume [mg/mL], judges it
against the planned concentration, checks the final volume against the master formulation
record's tolerance and the volume to dispense, and works out the beyond-use date again from the
day of the bench work and the lots used. It returns the same
:class:`~compounding.bench.reconciliation.Reconciliation` as a capsule batch, so the records
and the release gate treat both alike.

The drug put in [mg], by the plan's method:

- ``whole_tablets``: tablets used × S;
- ``exact_portion``: powder weighed × S/W (W the order's average tablet weight);
- ``api_powder``: powder weighed × assay as is;
- ``stock_solution``: aliquot measured × c of the last stage, where stage 1 is (tablets used × S,
  or powder × assay) ÷ the volume it was made to, and stage 2 is the volume of stage 1 measured
  into it × c₁ ÷ the volume it was made to.

Worked example (tests/test_liquid_bench.py): 4.5 mg nightly for 30 days at 1 mg/mL from 50 mg
tablets of W = 250 mg: 708 mg of the powder of 3 tablets holds 708 × 50/250 = 141.6 mg; made to
141 mL it is 141.6/141 = 1.00426 mg/mL, 100.4 % of 1 mg/mL.
"""

from __future__ import annotations

from compounding.bench.liquid_entry import (
    Amount,
    IngredientUsed,
    LiquidBenchEntry,
    LiquidCorrection,
    StockMade,
)
from compounding.bench.liquid_reconciliation import (
    check_bench,
    drug_put_in,
    planned_ingredient,
    reconcile,
    stock_concentrations,
)

__all__ = ["Amount", "IngredientUsed", "LiquidBenchEntry", "LiquidCorrection", "StockMade",
           "check_bench", "drug_put_in", "planned_ingredient", "reconcile",
           "stock_concentrations"]
