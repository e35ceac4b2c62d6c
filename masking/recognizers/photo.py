"""Portrait photos on certificates, found from the page itself, never from a fixed position.

Two detectors, both failing closed (an extra masked blank is harmless, a visible face is a leak):
- OpenCV's bundled Haar face detector, for real photographs;
- a photo-block detector: the pasted 1-inch/2-inch photo is a solid block that differs from the
  paper (colour or darkness). Thin strokes (text, table rules, the frame the photo is pasted into,
  seal rings) are opened away first, so a photo touching a table's lines still stands alone. A
  block wider than tall with nothing printed above it is the lower half of a portrait (the
  shoulders) whose light background and face a fax or photocopy washed out: the portrait frame
  above it is masked too.

Seals are round, ring-shaped and red (thin), so they stay visible as docs/rules.md ("Masking") keeps them.
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
_BACKGROUND_WIDTH = 100  # the paper's own shade is estimated at this width, well above a photo's size
_PAPER_DIFFERENCE = 22  # grey levels (any channel) that set a block apart from the paper around it
_STROKE_SHARE = 0.011  # of the page width: strokes thinner than this are text, rules or seal rings
_MIN_AREA_SHARE, _MAX_AREA_SHARE = 0.003, 0.15
_MIN_ASPECT, _MAX_ASPECT = 0.55, 1.9  # height / width: a portrait, or the shoulders left of one
_PORTRAIT_ASPECT = 1.4  # 1-inch photo: 35 / 25 mm
_SHOULDER_WIDTH = 0.76  # share of a portrait's width its shoulders span
_MIN_FILL = 0.6
_MAX_TEXT_SHARE = 0.25
_MAX_LINE_HEIGHT = 2.5  # × the page's median line height
# A photo is smooth inside: few edge pixels (background, face, shoulders; ~0.08 at the analysis
# width). A QR code is edges all over (~0.2); it is no portrait.
_MAX_EDGE_DENSITY = 0.15
# The frame grows by this share of its size on each side: a washed-out photo's light margin is lost
# to the threshold, and covering a little paper leaks nothing.
_MARGIN = 0.12


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


def _off_paper(colour: np.ndarray) -> np.ndarray:
    """Pixels that differ from the paper around them, in any channel (a light-blue photo background
    is as bright as paper in grey but not in red)."""
    height, width = colour.shape[:2]
    small_size = (_BACKGROUND_WIDTH, max(1, round(height * _BACKGROUND_WIDTH / width)))
    small = cv2.resize(colour, small_size, interpolation=cv2.INTER_AREA)
    # The paper's shade: the brighter neighbourhood (dilation ignores ink), smoothed, at page size.
    paper = cv2.medianBlur(cv2.dilate(small, np.ones((5, 5), np.uint8)), 5)
    paper = cv2.resize(paper, (width, height), interpolation=cv2.INTER_LINEAR)
    difference = cv2.absdiff(paper, colour)
    return (difference.max(axis=2) > _PAPER_DIFFERENCE).astype(np.uint8)


def _edge_density(gray: np.ndarray) -> float:
    return float((cv2.Canny(gray, 50, 150) > 0).mean()) if gray.size else 0.0


def _portrait_frame(x: int, y: int, w: int, h: int) -> tuple[int, int, int, int]:
    """The portrait a block belongs to: itself when portrait-shaped; a wide block is its shoulders."""
    if h >= w:
        return x, y, w, h
    width = int(round(w / _SHOULDER_WIDTH))
    left = max(0, x - (width - w) // 2)
    full = int(round(width * _PORTRAIT_ASPECT))
    return left, max(0, y + h - full), width, min(full, y + h)


def _photo_blocks(colour: np.ndarray, gray: np.ndarray, scale: float, text_boxes: list[BBox]) -> list[BBox]:
    height, width = colour.shape[:2]
    page_area = height * width
    off = _off_paper(colour)
    stroke = max(3, int(round(width * _STROKE_SHARE)))
    solid = cv2.morphologyEx(off, cv2.MORPH_OPEN, np.ones((stroke, stroke), np.uint8))
    solid = cv2.morphologyEx(solid, cv2.MORPH_CLOSE, np.ones((stroke, stroke), np.uint8))
    contours, _ = cv2.findContours(solid, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    boxes = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if not (_MIN_AREA_SHARE * 0.5 <= w * h / page_area <= _MAX_AREA_SHARE
                and _MIN_ASPECT <= h / max(w, 1) <= _MAX_ASPECT):
            continue
        if solid[y:y + h, x:x + w].mean() < _MIN_FILL or _edge_density(gray[y:y + h, x:x + w]) > _MAX_EDGE_DENSITY:
            continue
        fx, fy, fw, fh = _portrait_frame(x, y, w, h)
        fx, fy = max(0, fx - int(_MARGIN * fw)), max(0, fy - int(_MARGIN * fh))
        fw, fh = int(fw * (1 + 2 * _MARGIN)), int(fh * (1 + 2 * _MARGIN))
        if fw * fh / page_area < _MIN_AREA_SHARE:
            continue
        box = (fx / scale, fy / scale, (fx + fw) / scale, (fy + fh) / scale)
        if _text_share(box, text_boxes) <= _MAX_TEXT_SHARE:
            boxes.append(box)
    return boxes


def _text_lines(text_boxes: list[BBox]) -> list[BBox]:
    """The boxes that are lines of text: OCR also reads a photo as one "glyph" ("8") the photo's
    size, far taller than the page's lines; such a box shows the photo, it does not rule it out."""
    if not text_boxes:
        return []
    typical = float(np.median([b[3] - b[1] for b in text_boxes]))
    return [b for b in text_boxes if b[3] - b[1] <= _MAX_LINE_HEIGHT * typical]


def find(image: np.ndarray, text_boxes: list[BBox] | None = None) -> list[BBox]:
    """Boxes (page pixels) of portrait photos to fill; ``text_boxes`` are the page's OCR line boxes."""
    text_boxes = _text_lines(text_boxes or [])
    height, width = image.shape[:2]
    scale = min(1.0, _ANALYSIS_WIDTH / width)
    colour = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if scale < 1.0:
        colour = cv2.resize(colour, (int(width * scale), int(height * scale)), interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY)
    boxes = _faces(gray, scale) + _photo_blocks(colour, gray, scale, text_boxes or [])
    return [(max(0.0, x0), max(0.0, y0), min(float(width), x1), min(float(height), y1)) for x0, y0, x1, y1 in boxes]
