"""Speed of the documents, against a baseline measured in the same run.

1. One batch worksheet (the usual order): median and p95; target ≤ 50 ms.
2. 500 patient labels in one PDF, against raw reportlab canvas drawing the same strings and the
   same Code 128 barcodes with no layout logic; target ≥ 50 % of the raw throughput. Measured on
   planned orders (layout, fitting, drawing), and also end to end from the order JSON.

Run: ``python benchmarks/bench_documents.py``. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import report, time_calls, verdict
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import inch
from reportlab.pdfgen import canvas

from compounding.documents import labels_pdf, worksheet_pdf
from compounding.documents.fonts import register
from compounding.documents.label import build_labels
from compounding.labeling import label_content
from compounding.plan import plan_of, work_out
from compounding.profile import load_profile

ROOT = Path(__file__).resolve().parent.parent
PROFILE = load_profile((ROOT / "samples" / "pharmacy.toml").read_text(encoding="utf-8"))
ORDER = json.loads((ROOT / "samples" / "usual-4.5mg.order.json").read_text(encoding="utf-8"))
LABELS = 500


def raw_canvas(contents) -> bytes:
    """The baseline: the same strings and barcodes, drawn at fixed places, no fitting."""
    regular, bold = register()
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=(4 * inch, 2 * inch), invariant=1)
    for content in contents:
        Code128(content.rx_number, barHeight=17, barWidth=0.8,
                humanReadable=False).drawOn(c, 200, 122)
        y = 136
        for font, size, text in [
            (bold, 7, content.pharmacy.name),
            (regular, 6, f"{content.pharmacy.address} · {content.pharmacy.phone}"),
            (bold, 8, f"Rx {content.rx_number}"), (bold, 11.5, content.patient),
            (bold, 9.5, content.drug), (regular, 9.5, content.directions),
            (regular, 6.5, f"{content.quantity} · {content.refills} · {content.prescriber}"),
            (regular, 6.5, f"Filled {content.filled} · Discard after {content.discard_after}"),
            *((regular, 5.8, text) for text in (*content.auxiliary, content.storage)),
        ]:
            c.setFont(font, size)
            c.drawString(5, y, text)
            y -= size * 1.18
        c.showPage()
    c.save()
    return buffer.getvalue()


def throughput(function, runs: int = 5) -> float:
    """Best of ``runs``: labels per second."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return LABELS / best


def main() -> int:
    ok = True
    print("batch worksheet (usual order)")
    worksheet = report("  worksheet_pdf", time_calls(lambda: worksheet_pdf(ORDER, PROFILE),
                                                     runs=60, warmup=5), "ms")
    ok &= verdict("worksheet ≤ 50 ms", worksheet <= 0.050, f"{worksheet * 1e3:.1f} ms")

    print(f"\n{LABELS} patient labels in one PDF (4 × 2 in)")
    orders = [{**ORDER, "rx_number": f"{200000 + i}", "lot_number": None} for i in range(LABELS)]
    planned = [(w.order, plan_of(w)) for w in (work_out(o, PROFILE.settings) for o in orders)]
    contents = [label_content(o, p, PROFILE.pharmacy) for o, p in planned]
    raw = throughput(lambda: raw_canvas(contents))
    ours = throughput(lambda: build_labels(planned, PROFILE))
    full = throughput(lambda: labels_pdf(orders, PROFILE), runs=3)
    print(f"  baseline: raw canvas, same strings and barcodes   {raw:8.0f} labels/s")
    print(f"  build_labels (layout, fitting, drawing)          {ours:8.0f} labels/s "
          f"({ours / raw:.0%} of baseline)")
    print(f"  labels_pdf from order JSON (plan + label)        {full:8.0f} labels/s "
          f"({full / raw:.0%} of baseline)")
    ok &= verdict("label throughput ≥ 50 % of raw canvas", ours >= 0.5 * raw, f"{ours / raw:.0%}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
