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
