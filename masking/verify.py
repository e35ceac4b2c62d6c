"""Fail-closed check: re-OCR the released image and look for any of the applicant's PII, fuzzily.

Modes (``ZCPS_MASK_VERIFY_MODE``):

- ``page`` (default): the whole released page, shrunk so its long side is at most
  ``OVERVIEW_LONG_SIDE`` pixels, plus the masked regions at full size. The whole-page read does not
  depend on detection: PII that detection never found (a text layer that did not match the image,
  a name the recogniser missed) is read off the released image itself, so a page is released only
  when an independent read of it finds none. The full-size regions keep small print covered where
  a fill was short.
- ``full``: the whole released page at full size (slowest; small print is read best).
- ``regions``: only the masked regions. Every area it reads comes from detection, so it cannot see
  PII that detection missed; kept to measure what the independent read costs, not for releases.

The regions come from where detection found PII on the *original* page, not from what the
redactor says it painted, so a redactor that paints nothing is caught in every mode.
"""

from __future__ import annotations

from typing import Literal, Protocol

import cv2
import numpy as np

from masking.entities import PiiType
from masking.known import KnownPii, find_known
from zcps.errors import MaskingFailed
from zcps.models import BBox, TextLine

VerifyMode = Literal["regions", "page", "full"]
# Long side of the whole-page read in ``page`` mode: an A4 page at 200 dpi (2339 px) is read at
# about half size, where 10-point print is still some 15 px high.
OVERVIEW_LONG_SIDE = 1280

_MARGIN_LINES_Y = 0.35  # in line heights: enough for a fill that is short or off by a bit
_MARGIN_LINES_X = 1.5


class OcrEngine(Protocol):
    def recognize(self, image_bgr: np.ndarray) -> list[TextLine]: ...


def _expand(box: BBox, line_height: float, width: int, height: int) -> BBox:
    x0, y0, x1, y1 = box
    mx, my = _MARGIN_LINES_X * line_height, _MARGIN_LINES_Y * line_height
    return (max(0.0, x0 - mx), max(0.0, y0 - my), min(float(width), x1 + mx), min(float(height), y1 + my))


def _touch(a: BBox, b: BBox) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _merge(boxes: list[BBox]) -> list[BBox]:
    merged: list[BBox] = []
    for box in sorted(boxes):
        for index, other in enumerate(merged):
            if _touch(box, other):
                merged[index] = (min(box[0], other[0]), min(box[1], other[1]),
                                 max(box[2], other[2]), max(box[3], other[3]))
                break
        else:
            merged.append(box)
    return merged if len(merged) == len(boxes) else _merge(merged)


def verification_crops(expected: list[tuple[BBox, float]], width: int, height: int) -> list[BBox]:
    """Areas re-read in ``regions`` mode: each box that should be filled, with its line height,
    grown by a margin so characters a short or shifted fill left visible are inside; merged."""
    return _merge([_expand(box, max(1.0, line_height), width, height) for box, line_height in expected])


def mosaic(image: np.ndarray, crops: list[BBox], gap: int = 24) -> np.ndarray:
    """The crops packed on shelves into one white canvas no wider than the page, so one OCR call
    reads them all; the gaps keep crops from being read as one line."""
    pieces = [image[int(y0):int(np.ceil(y1)), int(x0):int(np.ceil(x1))] for x0, y0, x1, y1 in crops]
    pieces = [p for p in pieces if p.size]
    if not pieces:
        return np.full((1, 1, 3), 255, np.uint8)
    shelf_width = max(image.shape[1], max(p.shape[1] for p in pieces) + 2 * gap)
    places, x, y, shelf_height = [], gap, gap, 0
    for piece in pieces:
        h, w = piece.shape[:2]
        if x + w + gap > shelf_width:
            x, y, shelf_height = gap, y + shelf_height + gap, 0
        places.append((x, y))
        x, shelf_height = x + w + 3 * gap, max(shelf_height, h)
    canvas = np.full((y + shelf_height + gap, shelf_width) + image.shape[2:], 255, image.dtype)
    for (px, py), piece in zip(places, pieces):
        canvas[py:py + piece.shape[0], px:px + piece.shape[1]] = piece
    return canvas


def leaked_types(lines: list[TextLine], known: KnownPii, *, anywhere: bool = True) -> set[PiiType]:
    text = "\n".join(line.text for line in lines)
    return {entity.type for entity in find_known(text, known, anywhere=anywhere)}


def overview(image: np.ndarray, long_side: int = OVERVIEW_LONG_SIDE) -> np.ndarray:
    """The page shrunk so its long side is at most ``long_side`` (never enlarged)."""
    height, width = image.shape[:2]
    scale = long_side / max(height, width)
    if scale >= 1:
        return image
    return cv2.resize(image, (max(1, round(width * scale)), max(1, round(height * scale))),
                      interpolation=cv2.INTER_AREA)


def check_page(released: np.ndarray, crops: list[BBox], known: KnownPii, engine: OcrEngine,
               mode: VerifyMode) -> set[PiiType]:
    """PII types an OCR read of one released page still finds (empty when the page is clean)."""
    # A whole-page read takes a short name's one-character misreading only after a person label: anywhere
    # else 任成 would match every 任职 on an appointment letter. The masked regions, where the name was,
    # are read fuzzily anywhere.
    if mode == "full":
        return leaked_types(engine.recognize(released), known, anywhere=False)
    leaks = leaked_types(engine.recognize(mosaic(released, crops)), known) if crops else set()
    if mode == "page":
        leaks |= leaked_types(engine.recognize(overview(released)), known, anywhere=False)
    return leaks


def raise_if_leaked(label: str, leaks_by_page: dict[int, set[PiiType]]) -> None:
    """``MaskingFailed`` naming the file, pages and PII types (never the values)."""
    leaking = {page: sorted(t.value for t in types) for page, types in leaks_by_page.items() if types}
    if leaking:
        where = "; ".join(f"page {page}: {', '.join(types)}" for page, types in sorted(leaking.items()))
        raise MaskingFailed(f"{label}: PII survived masking ({where})")
