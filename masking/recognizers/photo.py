"""Portrait photos on certificates: OpenCV's bundled Haar face detector plus a photo-region heuristic.

The heuristic finds the pasted 1-inch/2-inch photo even when the face is too small, grey or
low-contrast for Haar: a large, portrait-shaped, densely filled rectangle with little OCR text in
it. Seals are round, ring-shaped and red (low fill), so they stay visible as docs/rules.md ("Masking") keeps them.
"""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np

from masking.entities import PiiType
from zcps.models import BBox

TYPE = PiiType.photo
PLACEHOLDER = "〔照片〕"
NAME = "照片"  # in reviewer-facing messages (masking.withheld)
PRIORITY = 0
RUNS_ON = "image"  # masking.document calls it on the page image, not the text
LABELS = ("照片", "相片")

_ANALYSIS_WIDTH = 800
_MIN_AREA_SHARE, _MAX_AREA_SHARE = 0.004, 0.15
_MIN_ASPECT, _MAX_ASPECT = 1.05, 1.9  # height / width of a portrait photo (1-inch: 35 / 25 mm)
_MIN_FILL = 0.55
_MAX_TEXT_SHARE = 0.25


_local = threading.local()


def _face_detector() -> cv2.CascadeClassifier:
    # A CascadeClassifier keeps per-call scale data: sharing one across task threads corrupts it.
    detector = getattr(_local, "face_detector", None)
    if detector is None:
        path = Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"
        detector = _local.face_detector = cv2.CascadeClassifier(str(path))
    return detector


def _overlap_area(a: BBox, b: BBox) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(0.0, w) * max(0.0, h)


def _text_share(box: BBox, text_boxes: list[BBox]) -> float:
    area = max(1.0, (box[2] - box[0]) * (box[3] - box[1]))
    return sum(_overlap_area(box, t) for t in text_boxes) / area


def _faces(gray: np.ndarray, scale: float) -> list[BBox]:
    min_side = max(24, int(min(gray.shape) * 0.04))
    found = _face_detector().detectMultiScale(gray, scaleFactor=1.1, minNeighbors=6, minSize=(min_side, min_side))
    boxes = []
    for x, y, w, h in (found if len(found) else []):
        # A face box covers eyes to mouth; the photo shows hair, ears and shoulders too.
        boxes.append(((x - 0.45 * w) / scale, (y - 0.6 * h) / scale, (x + 1.45 * w) / scale, (y + 1.9 * h) / scale))
    return boxes


def _photo_rectangles(gray: np.ndarray, scale: float, text_boxes: list[BBox]) -> list[BBox]:
    page_area = gray.shape[0] * gray.shape[1]
    ink = (gray < 225).astype(np.uint8)
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    boxes = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        share = w * h / page_area
        if not (_MIN_AREA_SHARE <= share <= _MAX_AREA_SHARE and _MIN_ASPECT <= h / max(w, 1) <= _MAX_ASPECT):
            continue
        if ink[y:y + h, x:x + w].mean() < _MIN_FILL:
            continue
        box = (x / scale, y / scale, (x + w) / scale, (y + h) / scale)
        if _text_share(box, text_boxes) <= _MAX_TEXT_SHARE:
            boxes.append(box)
    return boxes


def find(image: np.ndarray, text_boxes: list[BBox] | None = None) -> list[BBox]:
    """Boxes (page pixels) of portrait photos to fill; ``text_boxes`` are the page's OCR line boxes."""
    height, width = image.shape[:2]
    scale = min(1.0, _ANALYSIS_WIDTH / width)
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    if scale < 1.0:
        gray = cv2.resize(gray, (int(width * scale), int(height * scale)), interpolation=cv2.INTER_AREA)
    boxes = _faces(gray, scale) + _photo_rectangles(gray, scale, text_boxes or [])
    return [(max(0.0, x0), max(0.0, y0), min(float(width), x1), min(float(height), y1)) for x0, y0, x1, y1 in boxes]
