"""The formulation arithmetic, exact and checkable on paper: the batch (tablets, capsules,
overage, filler), the fill basis, capsule sizes and fillers, the method and its trituration,
the minimum weighable quantity, geometric dilution, what a bench could plausibly weigh, the
beyond-use date, and the derivation of every number printed on a worksheet."""
