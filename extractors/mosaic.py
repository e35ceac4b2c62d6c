"""Crops of a page packed into one white canvas, so a single OCR call reads them all.

Used by the PDF text-layer spot check (``extractors.spot_check``) and the masking re-OCR check
(``masking.verify``). Each crop's place on the canvas is returned, so OCR lines can be traced back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zcps.models import BBox


@dataclass(frozen=True)
class Mosaic:
    canvas: np.ndarray
    places: list[BBox]  # where each crop (of those given, in order) sits on the canvas; empty crops sit nowhere

    def crop_of(self, box: BBox) -> int | None:
        """Index of the crop that holds the centre of ``box`` (a box on the canvas), if any."""
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        for index, (x0, y0, x1, y1) in enumerate(self.places):
            if x0 <= cx <= x1 and y0 <= cy <= y1:
                return index
        return None


def pack(image: np.ndarray, crops: list[BBox], gap: int = 24, stacked: bool = False) -> Mosaic:
    """The crops packed on shelves no wider than the page; the gaps keep crops from being read as one
    line. ``stacked`` puts every crop on a shelf of its own, so no OCR line can span two crops."""
    pieces = [image[max(0, int(y0)):int(np.ceil(y1)), max(0, int(x0)):int(np.ceil(x1))] for x0, y0, x1, y1 in crops]
    shown = [p for p in pieces if p.size]
    if not shown:
        return Mosaic(np.full((1, 1) + image.shape[2:], 255, image.dtype), [(-1.0, -1.0, -1.0, -1.0)] * len(crops))
    widest = max(p.shape[1] for p in shown) + 2 * gap
    shelf_width = widest if stacked else max(image.shape[1], widest)
    corners: list[tuple[int, int] | None] = []
    x, y, shelf_height = gap, gap, 0
    for piece in pieces:
        if not piece.size:
            corners.append(None)
            continue
        h, w = piece.shape[:2]
        if x + w + gap > shelf_width or (stacked and x > gap):
            x, y, shelf_height = gap, y + shelf_height + gap, 0
        corners.append((x, y))
        x, shelf_height = x + w + 3 * gap, max(shelf_height, h)
    canvas = np.full((y + shelf_height + gap, shelf_width) + image.shape[2:], 255, image.dtype)
    places: list[BBox] = []
    for corner, piece in zip(corners, pieces):
        if corner is None:
            places.append((-1.0, -1.0, -1.0, -1.0))
            continue
        px, py = corner
        canvas[py:py + piece.shape[0], px:px + piece.shape[1]] = piece
        places.append((float(px), float(py), float(px + piece.shape[1]), float(py + piece.shape[0])))
    return Mosaic(canvas, places)
