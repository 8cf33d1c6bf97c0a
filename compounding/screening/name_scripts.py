"""Names that mix scripts, as a finding of the plan (``NAME_MIXED_SCRIPTS``): a Cyrillic 'о'
inside a Latin "John" is a typing slip or a spoof that a search would miss
(:mod:`compounding.orders.confusables`; Unicode TR39)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from compounding.orders.confusables import TO_SCRIPT, mixed_words, script, shown, unmixed

if TYPE_CHECKING:
    from compounding.orders.liquid import LiquidOrder
    from compounding.orders.models import Order
    from compounding.screening.review import Review

NAME_FIELDS = (("patient.name", "patient"), ("prescriber.name", "prescriber"))


def check_name_scripts(review: Review, order: Order | LiquidOrder) -> None:
    """``NAME_MIXED_SCRIPTS`` for each name in which a word mixes Latin, Greek and Cyrillic
    letters, naming the words and their letters of the other script."""
    for field, part in NAME_FIELDS:
        person = getattr(order, part)
        name = person.name if person is not None else None
        if not name or name.isascii():
            continue
        found = mixed_words(name)
        if not found:
            continue
        said = []
        for word, main, others in found:
            letters = ", ".join(
                shown(ch) + (f" looks like {main} '{TO_SCRIPT[main][ch]}'"
                             if ch in TO_SCRIPT[main] else f" is not {main}")
                for ch in dict.fromkeys(others))
            scripts = " and ".join(dict.fromkeys([main, *(script(ch) or "" for ch in others)]))
            searched = unmixed(word)
            said.append(f"“{word}” mixes {scripts} letters: {letters}" + (
                f", and a search finds the word as “{searched}”" if searched != word else ""))
        review.finding("NAME_MIXED_SCRIPTS", field,
                       f"{'; '.join(said)}. Check the name against the prescription and type "
                       f"it in one script")
