"""What the patient leaflet and its wallet card say, in plain words, with their sources.

The wording is data: the drawing (:mod:`.leaflet`) fills in the ``{fields}`` (the patient, the
product, the pharmacy, the storage...) and numbers the sources in the order they are first
cited. A paragraph that is ``{steps}`` alone is the schedule, a step a line. A paragraph whose
fields are empty for an order (``{colours}`` of a one-strength batch, ``{handling}`` of
capsules, ``{rx_number}`` of an order without one) is left out.

Sources:

- The naltrexone hydrochloride tablet prescribing information (ReVia, DailyMed): naltrexone
  blocks the effects of opioids; trying to overcome the blockade with large doses of opioids
  may lead to fatal overdose; patients should be opioid-free for 7-10 days before starting;
  patients should carry documentation that they take naltrexone and tell medical personnel.
- Younger, Parkitny & McLain, Clin Rheumatol 2014;33:451-9, and Toljan & Vrooman, Med Sci 2018;
  6:82: LDN taken once daily at bedtime, started low and raised; vivid dreams and sleep
  disturbance early in treatment, which usually pass; a morning dose for those with insomnia.
- The storage of the preparation: its master formulation record; the beyond-use date: USP
  <795>.
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCES: dict[str, str] = {
    "revia": "Naltrexone hydrochloride tablets USP 50 mg (ReVia) prescribing information: "
             "Warnings (vulnerability to opioid overdose), Precautions (information for "
             "patients) and Dosage and Administration. DailyMed, U.S. National Library of "
             "Medicine, https://dailymed.nlm.nih.gov.",
    "younger": "Younger J, Parkitny L, McLain D. The use of low-dose naltrexone (LDN) as a "
               "novel anti-inflammatory treatment for chronic pain. Clin Rheumatol. "
               "2014;33(4):451-459. doi:10.1007/s10067-014-2517-2.",
    "toljan": "Toljan K, Vrooman B. Low-dose naltrexone (LDN): review of therapeutic "
              "utilization. Med Sci (Basel). 2018;6(4):82. doi:10.3390/medsci6040082.",
    "record": "{pharmacy}: master formulation record {record} (storage of this preparation).",
    "usp795": "United States Pharmacopeia. General Chapter <795> Pharmaceutical Compounding: "
              "Nonsterile Preparations (beyond-use dates).",
}
"""Every source the leaflet cites, by key; ``record`` names the preparation's own master
formulation record."""


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of the leaflet: its ``text`` (with ``{fields}``) and the ``sources`` (keys
    of :data:`SOURCES`) it rests on."""

    text: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Section:
    """A heading and its paragraphs."""

    heading: str
    paragraphs: tuple[Paragraph, ...]


TITLE = "Your medicine: low-dose naltrexone"
FOR = "Information for {patient}"
INTRODUCTION = Paragraph(
    "Your medicine is {product}, made for you by {pharmacy}. Read this leaflet before you "
    "start, and keep it: it tells you how to take your medicine, what to expect and how to "
    "stay safe.")

SECTIONS: tuple[Section, ...] = (
    Section("How to take it", (
        Paragraph("Take it exactly as your label and your calendar say, starting on "
                  "{start}:"),
        Paragraph("{steps}"),
        Paragraph("{colours}"),
        Paragraph("{handling}"),
        Paragraph("Low-dose naltrexone is usually taken once a day, at bedtime. It is "
                  "started at a low dose that is raised step by step, so that your body gets "
                  "used to it. Tick off each dose on your calendar.",
                  ("younger", "toljan")),
    )),
    Section("What to expect when you start", (
        Paragraph("Vivid dreams are common in the first days or weeks. They usually fade as "
                  "your body gets used to the medicine.", ("younger", "toljan")),
        Paragraph("If you have trouble sleeping, taking your dose in the morning instead may "
                  "help. Ask your prescriber first: do not change the time you take it on "
                  "your own.", ("younger", "toljan")),
    )),
    Section("Naltrexone blocks opioid pain relievers", (
        Paragraph("Naltrexone blocks the effects of opioids: strong pain relievers such as "
                  "morphine, oxycodone, hydrocodone, codeine, tramadol and fentanyl, and some "
                  "cough and diarrhea medicines. While you take naltrexone they may not work.",
                  ("revia",)),
        Paragraph("Do not take opioids with it. Never try to get past the block by taking more "
                  "of an opioid: that can cause a serious or deadly overdose.", ("revia",)),
        Paragraph("If you have taken any opioid in the last 7 to 10 days, tell your prescriber "
                  "before you start: naltrexone can bring on sudden withdrawal.", ("revia",)),
        Paragraph("Carry a card saying that you take naltrexone (cut out the card below). Tell "
                  "any doctor, surgeon, dentist or emergency team that you take it, and tell "
                  "your prescriber before any planned operation.", ("revia",)),
    )),
    Section("How to store it", (
        Paragraph("Storage: {storage}", ("record",)),
        Paragraph("Keep it out of the sight and reach of children. Do not use it after "
                  "{discard}, the discard-after date on the label.", ("usp795",)),
    )),
    Section("Questions?", (
        Paragraph("Call {pharmacy} at {phone}."),
        Paragraph("Your prescription number is {rx_number}."),
    )),
)

COLOURS = "Each strength has its own capsule colour: {key}. Check the colour before each dose."
"""``{key}``: ``white capsules are 1.5 mg, blue capsules are 3 mg, green capsules are 4.5 mg``."""

CARD_HEADING = "Your wallet card"
CARD_CUT = "Cut along the dashed line, fold if you like, and keep it with you."
CARD_TITLE = "I take naltrexone (an opioid blocker)."
CARD_LINES = (
    "Opioid pain relievers may not work for me, and large doses are dangerous.",
    "In an emergency, tell the medical team that I take naltrexone.",
)
CARD_NAME = "Name: {patient}"
CARD_PHARMACY = "Pharmacy: {pharmacy} · {phone}"
CARD_SOURCES = ("revia",)

SOURCES_HEADING = "Sources"
