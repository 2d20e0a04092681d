"""Helpers for tests of printed outputs: a PDF's pages as text, as word boxes and as PNG images
(poppler-utils: ``pdftotext``, ``pdftoppm``, ``pdfinfo``)."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest
from PIL import Image

POPPLER = all(shutil.which(tool) for tool in ("pdftotext", "pdftoppm", "pdfinfo"))

needs_poppler = pytest.mark.skipif(
    not POPPLER, reason="poppler-utils (pdftotext, pdftoppm) is not installed"
)


def save(pdf: bytes, folder: Path, name: str = "doc.pdf") -> Path:
    """``pdf`` written to ``folder/name``."""
    path = folder / name
    path.write_bytes(pdf)
    return path


def page_count(pdf: Path) -> int:
    """The number of pages, as ``pdfinfo`` reads it."""
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    found = re.search(r"^Pages:\s+(\d+)", out.stdout, re.MULTILINE)
    assert found, out.stdout
    return int(found[1])


def pages_text(pdf: Path) -> list[str]:
    """The text of each page (``pdftotext``; pages are separated by form feeds)."""
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    pages = out.stdout.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def flat(text: str) -> str:
    """``text`` without line breaks and spaces: Chinese wrapped over lines reads as one."""
    return re.sub(r"\s+", "", text)


@dataclass(frozen=True)
class Word:
    """A word ``pdftotext -bbox`` found, with its box in points."""

    page: int
    text: str
    x_min: float
    x_max: float
    y_min: float
    y_max: float


def words(pdf: Path) -> tuple[list[Word], tuple[float, float]]:
    """Every word with its box, and the page size (width, height) in points."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    size = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', out)
    assert size, "no page in the PDF"
    found = []
    for page, body in enumerate(out.split("<page ")[1:], 1):
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            body,
        ):
            x0, y0, x1, y1 = (float(m[i]) for i in range(1, 5))
            found.append(Word(page, unescape(m[5]), x0, x1, y0, y1))
    return found, (float(size[1]), float(size[2]))


def render(pdf: Path, folder: Path, resolution: int = 40) -> list[Path]:
    """Each page as a PNG image (``pdftoppm``), in page order."""
    prefix = folder / pdf.stem
    subprocess.run(["pdftoppm", "-r", str(resolution), "-png", str(pdf), str(prefix)], check=True)
    return sorted(folder.glob(f"{pdf.stem}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def ink(png: Path) -> float:
    """The share of the page's pixels that are not white (0: a blank page)."""
    with Image.open(png) as image:
        grey = image.convert("L")
        histogram = grey.histogram()
    return 1 - sum(histogram[250:]) / sum(histogram)


def english_words(text: str) -> set[str]:
    """Words of Latin letters in ``text``, leaving out what is not language: file names,
    hexadecimal hashes, e-mail addresses, ``SHA-256``. Lines are joined first, so a hash or
    a file name wrapped in a table cell reads whole."""
    text = re.sub(r"\s*\n\s*", "", text)
    text = re.sub(r"[\w.+-]+@[\w.-]+", " ", text)
    text = re.sub(r"[\w.-]+\.(csv|xlsx|json|png|pdf)", " ", text)
    text = re.sub(r"[0-9a-f]{16,}", " ", text)
    text = text.replace("SHA-256", " ")
    return set(re.findall(r"[A-Za-z]{2,}", text))
