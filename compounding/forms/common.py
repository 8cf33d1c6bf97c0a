"""What every dosage form's planning shares: the compounding date an order is planned for,
and the acknowledgements of its critical findings, each matched to the one finding it names
(USP <795> 2023 §8: the pharmacist's review of the compounding record)."""

from __future__ import annotations

from datetime import date

from compounding.clock import today
from compounding.screening.findings import Acknowledgement, Finding
from compounding.screening.review import Review
from compounding.settings import Settings


def compounding_date(review: Review, stated: date | None, settings: Settings) -> date:
    """The compounding date: ``stated``, or the pharmacy's today. A stated date more than
    ``settings.compounding_date_window_days`` [days] from today is refused
    (``COMPOUNDED_ON_OUT_OF_RANGE``): a batch is planned for the days around its making, and a
    date years away would print a beyond-use date nobody meant (domain.md §12)."""
    now = today(settings.time_zone)
    if stated is None:
        return now
    window = settings.compounding_date_window_days
    if abs((stated - now).days) > window:
        review.error("COMPOUNDED_ON_OUT_OF_RANGE", "compounded_on",
                     f"compounding date {stated.isoformat()} is more than {window} days from "
                     f"today ({now.isoformat()}): plan a batch for the days it is made")
    return stated


def acknowledged(review: Review, findings: list[Finding],
                 acknowledgements: list[Acknowledgement]) -> list[Finding]:
    """Findings most severe first, each critical one carrying the acknowledgement that names it
    (domain.md §11): by its id, or by a code that exactly one critical finding has
    (``AMBIGUOUS_ACKNOWLEDGEMENT`` otherwise, listing the ids). One acknowledgement never clears
    two findings, nor one finding two acknowledgements."""
    critical = [f for f in findings if f.severity.rank == 2]
    given: dict[str, Acknowledgement] = {}
    for index, ack in enumerate(acknowledgements):
        target = match_acknowledgement(review, critical, ack, f"acknowledgements[{index}]")
        if target is None:
            continue
        if target.id in given:
            review.error("UNKNOWN_ACKNOWLEDGEMENT", f"acknowledgements[{index}]",
                         f"{target.id} is acknowledged twice: one acknowledgement each")
        given[target.id] = ack
    marked = [f.model_copy(update={"acknowledgement": given[f.id]}) if f.id in given else f
              for f in findings]
    return sorted(marked, key=lambda f: -f.severity.rank)


def match_acknowledgement(review: Review, critical: list[Finding], ack: Acknowledgement,
                          where: str) -> Finding | None:
    """The one critical finding ``ack`` names, or ``None`` with the error recorded."""
    ids = ", ".join(f.id for f in critical) or "none"
    if ack.finding is not None:
        found = next((f for f in critical if f.id == ack.finding), None)
        if found is None:
            review.error("UNKNOWN_ACKNOWLEDGEMENT", f"{where}.finding",
                         f"“{ack.finding}” is not a critical finding of this order; its "
                         f"critical findings: {ids}")
        return found
    same_code = [f for f in critical if f.code == ack.code]
    if len(same_code) == 1:
        return same_code[0]
    if same_code:
        review.error("AMBIGUOUS_ACKNOWLEDGEMENT", f"{where}.code",
                     f"{len(same_code)} findings have the code {ack.code}: name the one "
                     f"acknowledged by its id ({', '.join(f.id for f in same_code)})")
    else:
        review.error("UNKNOWN_ACKNOWLEDGEMENT", f"{where}.code",
                     f"“{ack.code}” is not the code of a critical finding of this order; its "
                     f"critical findings: {ids}")
    return None
