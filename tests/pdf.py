"""Reading generated PDFs as a person would: their text, their pages as images, their barcodes."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pypdf
from PIL import Image


def text(pdf: bytes) -> str:
    """All text of the PDF, pages joined, whitespace folded to single spaces."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def pages(pdf: bytes) -> list[pypdf.PageObject]:
    return list(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def fonts(pdf: bytes) -> set[str]:
    """The base fonts the pages use, subset prefixes dropped."""
    names = set()
    for page in pages(pdf):
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+")[-1])
    return names


def render(pdf: bytes, folder: Path, dpi: int = 100) -> list[Path]:
    """Each page as a PNG, by poppler's pdftoppm; fails on a PDF poppler cannot draw."""
    assert shutil.which("pdftoppm"), "poppler-utils is missing: bash tests/install-deps"
    source = folder / "document.pdf"
    source.write_bytes(pdf)
    done = subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(source),
                           str(folder / "page")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
    images = sorted(folder.glob("page-*.png"))
    assert len(images) == len(pages(pdf))
    return images


def ink(image: Path) -> float:
    """Share of pixels that are not white: a blank or broken page has next to none."""
    picture = Image.open(image).convert("L")
    histogram = picture.histogram()
    return 1 - sum(histogram[240:]) / (picture.width * picture.height)


def barcodes(image: Path) -> list[str]:
    """What zbar reads from the image: ``TYPE:value`` strings."""
    assert shutil.which("zbarimg"), "zbar-tools is missing: bash tests/install-deps"
    done = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Scode128.enable",
                           str(image)], capture_output=True, text=True, timeout=60)
    return done.stdout.split()


def words(pdf: bytes) -> list[list[tuple[str, float, float, float, float]]]:
    """Each page's words with their boxes (text, x min, y min, x max, y max) [pt], by poppler's
    ``pdftotext -bbox``: where a reader's eye finds each word."""
    import re
    from html import unescape

    done = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    found: list[list[tuple[str, float, float, float, float]]] = []
    for page in done.stdout.decode().split("<page ")[1:]:
        found.append([(unescape(m[5]), float(m[1]), float(m[2]), float(m[3]), float(m[4]))
                      for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" '
                                           r'xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
                                           page)])
    return found


def overlaps(pdf: bytes, slack: float = 0.5) -> list[tuple[int, str, str]]:
    """Pairs of words that print over each other (boxes sharing more than ``slack`` [pt] each
    way), by page number: text that overprints other text."""
    clashes = []
    for number, page in enumerate(words(pdf), start=1):
        for i, (a, ax0, ay0, ax1, ay1) in enumerate(page):
            for b, bx0, by0, bx1, by1 in page[i + 1:]:
                if (min(ax1, bx1) - max(ax0, bx0) > slack
                        and min(ay1, by1) - max(ay0, by0) > slack):
                    clashes.append((number, a, b))
    return clashes
