"""Spot OCR of a rendered PDF page: does a trusted text layer say what the page shows?

The render-mode and coverage analysis (``extractors.pdf_text``) cannot see text painted white,
text under a vector shape or a small image, or a font whose Unicode map lies. So a sample of the
text layer's lines is cut from the rendered page at their boxes and read by the recogniser alone
(the boxes are known, so no detection is run); if any sampled line reads differently, OCR wins
for the whole page and the page is flagged ``TextLayer.disagrees``.
"""

from __future__ import annotations

import unicodedata
from typing import Protocol

import numpy as np
from rapidfuzz import fuzz

from zcps.models import BBox, TextLine

# rapidfuzz ratio (0-100) a sampled line must reach against the OCR of its crop. OCR of rendered
# vector text is near perfect; a different name or ID number on the same label falls well below.
LINE_AGREEMENT = 80.0
_MIN_DIGITS_FOR_PRIORITY = 4
_MARGIN_X, _MARGIN_Y = 0.4, 0.2  # in line heights


class LineReader(Protocol):
    def recognize_lines(self, crops_bgr: list[np.ndarray]) -> list[tuple[str, float]]: ...


def sample_lines(lines: list[TextLine], count: int) -> list[TextLine]:
    """Lines with digits (ID numbers, dates, years) first, then the longest, top to bottom on ties:
    where a forged or stale text layer matters most."""
    def rank(line: TextLine) -> tuple[bool, int, float]:
        compact = _normalised(line.text)
        return (sum(ch.isdigit() for ch in compact) < _MIN_DIGITS_FOR_PRIORITY, -len(compact), line.bbox[1])

    return sorted((line for line in lines if _normalised(line.text)), key=rank)[:count]


def _normalised(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _crop(box: BBox, width: int, height: int) -> BBox:
    x0, y0, x1, y1 = box
    line_height = max(1.0, y1 - y0)
    return (max(0.0, x0 - _MARGIN_X * line_height), max(0.0, y0 - _MARGIN_Y * line_height),
            min(float(width), x1 + _MARGIN_X * line_height), min(float(height), y1 + _MARGIN_Y * line_height))


def line_agreement(image: np.ndarray, lines: list[TextLine], engine: LineReader) -> list[float]:
    """For each line, how well the OCR of its crop of the rendered page matches its text (0-100)."""
    height, width = image.shape[:2]
    crops = []
    for line in lines:
        x0, y0, x1, y1 = _crop(line.bbox, width, height)
        crops.append(image[int(y0):int(np.ceil(y1)), int(x0):int(np.ceil(x1))])
    readings = engine.recognize_lines(crops)
    return [fuzz.ratio(_normalised(line.text), _normalised(text)) for line, (text, _) in zip(lines, readings)]


def text_layer_agrees(image: np.ndarray, lines: list[TextLine], engine: LineReader, sample: int) -> bool:
    """True when every sampled line of the text layer reads the same on the rendered page."""
    chosen = sample_lines(lines, sample)
    return bool(chosen) and min(line_agreement(image, chosen, engine)) >= LINE_AGREEMENT
