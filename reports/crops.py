"""Evidence crops: the scan region behind a finding, small enough to embed in a report.

Page images are numpy arrays in OpenCV's convention (grayscale, BGR or BGRA), upright, in the
coordinate frame the bboxes use (docs/contracts.md "Coordinates").
"""

from __future__ import annotations

import base64
from collections import OrderedDict
from collections.abc import Callable

import cv2
import numpy as np

from zcps.models import BBox

PageImage = Callable[[str, int], "np.ndarray | None"]

MAX_CROP_WIDTH = 600
JPEG_QUALITY = 75
# Context around the box: reviewers need the label next to a value (e.g. "毕业时间" beside the date).
MARGIN_MIN_PX = 24
MARGIN_BOX_HEIGHTS = 1.0


def crop_region(image: np.ndarray, bbox: BBox) -> np.ndarray | None:
    """The bbox expanded by a margin and clipped to the page; None when nothing of it is on the page."""
    x0, y0, x1, y1 = bbox
    if x1 <= x0 or y1 <= y0:
        return None
    margin = max(MARGIN_MIN_PX, MARGIN_BOX_HEIGHTS * (y1 - y0))
    height, width = image.shape[:2]
    left, top = max(0, int(x0 - margin)), max(0, int(y0 - margin))
    right, bottom = min(width, int(np.ceil(x1 + margin))), min(height, int(np.ceil(y1 + margin)))
    if right <= left or bottom <= top or x0 >= width or y0 >= height or x1 <= 0 or y1 <= 0:
        return None
    return image[top:bottom, left:right]


def encode_jpeg(region: np.ndarray, *, max_width: int = MAX_CROP_WIDTH, quality: int = JPEG_QUALITY) -> bytes:
    if region.ndim == 3 and region.shape[2] == 4:
        region = cv2.cvtColor(region, cv2.COLOR_BGRA2BGR)
    if region.dtype != np.uint8:
        region = np.clip(region, 0, 255).astype(np.uint8)
    if region.shape[1] > max_width:
        scale = max_width / region.shape[1]
        size = (max_width, max(1, round(region.shape[0] * scale)))
        region = cv2.resize(region, size, interpolation=cv2.INTER_AREA)
    ok, buffer = cv2.imencode(".jpg", region, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buffer.tobytes()


def data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


class CropMaker:
    """Cuts crops for many findings; findings arrive grouped by applicant, so a few recent pages suffice."""

    def __init__(self, page_image: PageImage | None, *, pages_kept: int = 4):
        self._page_image = page_image
        self._pages_kept = pages_kept
        self._pages: OrderedDict[tuple[str, int], np.ndarray | None] = OrderedDict()
        self._crops: dict[tuple[str, int, BBox], str | None] = {}

    def data_uri(self, source: str | None, page: int | None, bbox: BBox | None) -> str | None:
        if self._page_image is None or source is None or bbox is None:
            return None
        page = page or 1
        key = (source, page, tuple(bbox))
        if key not in self._crops:
            self._crops[key] = self._make(source, page, bbox)
        return self._crops[key]

    def _make(self, source: str, page: int, bbox: BBox) -> str | None:
        image = self._load(source, page)
        if image is None:
            return None
        region = crop_region(image, bbox)
        return data_uri(encode_jpeg(region)) if region is not None else None

    def _load(self, source: str, page: int) -> np.ndarray | None:
        key = (source, page)
        if key in self._pages:
            self._pages.move_to_end(key)
            return self._pages[key]
        image = self._page_image(source, page)
        self._pages[key] = image
        if len(self._pages) > self._pages_kept:
            self._pages.popitem(last=False)
        return image
