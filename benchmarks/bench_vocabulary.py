"""Speed and memory of the medication vocabulary (domain.md §14), against baselines measured in
the same run.

1. Reading a list of 20 medications (brands, misspellings, counts, coded entries) with every
   cache cleared before each call: median ≤ 1 ms. Baseline: only splitting the same 20 entries
   into words, the least any matcher does.
2. ``compounding vocabulary import-rxnorm`` on a generated RXNCONSO of 1 000 000 lines (the size
   of a full release) and an RXNREL of 1 000 000 lines, as a process: ≤ 60 s and ≤ 500 MB peak
   resident memory. Baseline: a process that only reads both files line by line and splits them.

Run: ``python benchmarks/bench_vocabulary.py``. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import PYTHON, report, time_calls, verdict

from compounding.screening.medications import _read, check_medications, read_medication
from compounding.screening.medtext import words
from compounding.screening.review import Review

MEDICATIONS: list[tuple[str, str | None]] = [
    ("sertraline 50 mg daily", None), ("Percocet 5/325 mg 1 tab q6h prn", None),
    ("levothyroxine 88 mcg", None), ("Tylenol 2 tabs q6h prn", None),
    ("Tylenol #3 1 tab at night", None), ("co-codamol 30/500", None),
    ("oxycodon 5 mg", None), ("loperamide 2 mg prn", None), ("Movantik 25 mg", None),
    ("docusate sodium 100 mg", None), ("metformin ER 500 mg twice daily", None),
    ("pain tablet from the hospital", "7804"), ("vitamin D3 2000 IU", None),
    ("Robitussin AC 10 mL q4h", None), ("gabapentin 300 mg three times daily", None),
    ("omeprazole 20 mg", None), ("Lucemyra 0.18 mg", None), ("amlodipine 5 mg", None),
    ("naloxone 4 mg nasal spray", None), ("tramdol 50", None),
]
CONSO_LINES = 1_000_000
REL_LINES = 1_000_000


def match_all() -> None:
    _read.cache_clear()
    words.cache_clear()
    check_medications(Review(), MEDICATIONS)


def split_all() -> None:
    words.cache_clear()
    for text, _ in MEDICATIONS:
        words(text)


def generate(folder: Path) -> tuple[Path, Path]:
    """An RXNCONSO and an RXNREL in the real column layout: the table's ingredients and a few
    brands, among random concepts of every term type."""
    rng = random.Random(14)
    conso, rel = folder / "RXNCONSO.RRF", folder / "RXNREL.RRF"
    types = ["SCD", "SBD", "SCDC", "SBDC", "SCDF", "SBDF", "SY", "TMSY", "BN", "IN", "PSN"]
    with conso.open("w", encoding="utf-8") as out:
        for cui, name in ((7804, "oxycodone"), (5489, "hydrocodone"), (2670, "codeine")):
            out.write(f"{cui}|ENG||||||{cui}0||||RXNORM|IN|{cui}|{name}||N|4096|\n")
        for i in range(10):
            out.write(f"{2000000 + i}|ENG||||||{2000000 + i}0||||RXNORM|BN|{2000000 + i}|"
                      f"Brand{i:03d}||N|4096|\n")
        for i in range(CONSO_LINES - 13):
            cui = 3000000 + i
            tty = rng.choice(types)
            sab = "RXNORM" if i % 3 else "MTHSPL"
            out.write(f"{cui}|ENG||||||{cui}0||||{sab}|{tty}|{cui}|drug {cui} 10 MG Oral "
                      f"Tablet [Generic{i % 5000}]||N|4096|\n")
    with rel.open("w", encoding="utf-8") as out:
        for i in range(10):
            out.write(f"7804||CUI|RO|{2000000 + i}||CUI|tradename_of|R{i}||RXNORM|RXNORM|||N||\n")
        for i in range(REL_LINES - 10):
            a, b = 3000000 + rng.randrange(CONSO_LINES), 3000000 + rng.randrange(CONSO_LINES)
            rela = rng.choice(["has_ingredient", "tradename_of", "has_part", "consists_of",
                               "has_dose_form", "isa"])
            out.write(f"{a}||CUI|RO|{b}||CUI|{rela}|R{i}||RXNORM|RXNORM|||N||\n")
    return conso, rel


MEASURED = """
import resource, runpy, sys
sys.argv = sys.argv[1:]
try:
    runpy.run_path(sys.argv[0], run_name="__main__") if sys.argv[0].endswith(".py") else \\
        runpy.run_module(sys.argv[0], run_name="__main__")
except SystemExit as exit:
    assert not exit.code, exit.code
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def child_process(argv: list[str]) -> tuple[float, float]:
    """Wall time [s] and the process's own peak resident memory [MB]."""
    start = time.perf_counter()
    done = subprocess.run([PYTHON, "-c", MEASURED, *argv], check=True, capture_output=True,
                          text=True)
    seconds = time.perf_counter() - start
    return seconds, int(done.stderr.strip().splitlines()[-1]) / 1024


BASELINE = """
import sys
for path in sys.argv[1:]:
    with open(path, encoding="utf-8", newline="") as lines:
        for line in lines:
            line.rstrip("\\r\\n").split("|")
"""


def main() -> int:
    ok = True
    assert [m.ingredient for m in read_medication("Percocet").matches] == ["oxycodone"]
    print("1. Matching 20 medications, caches cleared each call")
    matched = report("check_medications (20 entries)", time_calls(match_all, runs=400))
    split = report("baseline: words() of the same 20 entries", time_calls(split_all, runs=400))
    print(f"   matching costs {matched / split:.1f}x the bare split")
    ok &= verdict("20 medications", matched <= 1e-3, f"{matched * 1e3:.3f} ms (target 1 ms)")

    print("2. import-rxnorm on 1 000 000 + 1 000 000 generated lines")
    with tempfile.TemporaryDirectory() as folder:
        conso, rel = generate(Path(folder))
        script = Path(folder) / "baseline.py"
        script.write_text(BASELINE, encoding="utf-8")
        base_s, base_mb = child_process([str(script), str(conso), str(rel)])
        print(f"baseline: read and split both files once        {base_s:8.2f} s  "
              f"peak {base_mb:6.0f} MB")
        seconds, peak = child_process(["compounding.cli", "vocabulary",
                                       "import-rxnorm", str(conso), str(rel),
                                       "-o", str(Path(folder) / "out.diff")])
        diff = (Path(folder) / "out.diff").read_text(encoding="utf-8")
        print(f"import-rxnorm                                   {seconds:8.2f} s  "
              f"peak {peak:6.0f} MB  ({seconds / base_s:.1f}x the baseline's time)")
        assert diff.count("\n+Brand") == 10, "the generated brands must be proposed"
    ok &= verdict("import time", seconds <= 60, f"{seconds:.1f} s (target 60 s)")
    ok &= verdict("import memory", peak <= 500, f"{peak:.0f} MB (target 500 MB)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
