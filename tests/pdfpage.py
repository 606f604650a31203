"""Reading a PDF page as a user sees it (poppler's pdftotext and pdftoppm): words with their boxes, pixels, overlaps."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import numpy as np
from PIL import Image

PT_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class Word:
    """A word pdftotext finds, with its box in points from the page's top left."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    def core(self, keep: float = 0.6) -> tuple[float, float, float, float]:
        """The box without the font's ascent and descent: the middle `keep` of its height (where glyphs are)."""
        cut = (self.y1 - self.y0) * (1 - keep) / 2
        return self.x0, self.y0 + cut, self.x1, self.y1 - cut


def words(pdf: Path, page: int = 1) -> list[Word]:
    """Every word on a page, with its box (pdftotext -bbox)."""
    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
    return [Word(unescape(t), float(a), float(b), float(c), float(d)) for a, b, c, d, t in re.findall(pattern, out)]


def text(pdf: Path) -> str:
    """The PDF's text as pdftotext reads it."""
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def overlapping(found: list[Word]) -> list[tuple[str, str]]:
    """Pairs of words whose glyphs overlap on the page."""
    pairs = []
    for i, a in enumerate(found):
        ax0, ay0, ax1, ay1 = a.core()
        for b in found[i + 1:]:
            bx0, by0, bx1, by1 = b.core()
            if ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1:
                pairs.append((a.text, b.text))
    return pairs


def pixels(pdf: Path, dpi: int, tmp: Path, page: int = 1) -> np.ndarray:
    """The page rendered at `dpi` as an RGB array (pdftoppm)."""
    stem = tmp / f"page-{dpi}-{page}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", "-singlefile", str(pdf),
                    str(stem)], check=True, capture_output=True)
    return np.asarray(Image.open(f"{stem}.png").convert("RGB"))


def longest_dark_run(gray: np.ndarray, threshold: int = 110) -> int:
    """The longest horizontal run of dark pixels in any row of a grey image (pixels)."""
    best = 0
    for row in gray < threshold:
        padded = np.concatenate([[False], row, [False]])
        edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
        if len(edges):
            best = max(best, int((edges[1::2] - edges[0::2]).max()))
    return best


def scale_bar(pdf: Path, tmp: Path, dpi: int = 300) -> tuple[float, float]:
    """(length on paper in mm, the length it is labelled with in km) of a printed map's scale bar, measured on
    the page: the longest dark line just under its labels 「0 … N 公里」."""
    found = words(pdf)
    km_word = next(w for w in found if w.text == "公里")
    number = next(w for w in found if abs(w.y0 - km_word.y0) < 1 and w.x1 <= km_word.x0
                  and re.fullmatch(r"[\d.]+", w.text) and km_word.x0 - w.x1 < 5)
    zero = next(w for w in found if w.text == "0" and abs(w.y0 - km_word.y0) < 1)
    page = pixels(pdf, dpi, tmp)
    px = dpi / 72  # pixels per point
    top, bottom = int(km_word.y1 * px), int((km_word.y1 + 4 * PT_PER_MM) * px)
    left, right = int((zero.x0 - 3) * px), int((km_word.x1 + 3) * px)
    run = longest_dark_run(page[top:bottom, left:right].mean(axis=2))
    return run / dpi * 25.4, float(number.text)
