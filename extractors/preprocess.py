"""OpenCV clean-up of a scanned page before OCR, one small function per step.

Order used by ``extractors.acquire.ocr_page``: ``downscale_factor`` → ``stretch_faint_page`` →
``suppress_red_seals`` → the detector alone on a shrunken copy (``OcrEngine.probe``) →
``detect_orientation`` + ``estimate_skew`` from its text quads → turn/deskew
(``geometry.PageTransform``) → one OCR pass on the upright page.

What each step buys (``benchmarks/preprocess.py``, real PP-OCRv6 small models; CER = edit distance
over drawn text length, date hits = exact date strings found):

=====================  ==========================  ==========================================
step switched off      7 rendered variants x 3     10 sample-batch scans (fixtures/sample)
=====================  ==========================  ==========================================
none (all steps on)    CER 0.002, dates 42/42      CER 0.008, dates 19/21, rotation 10/10
red-seal suppression   CER 0.021, dates 36/42      CER 0.014, dates 18/21, rotation 10/10
orientation + deskew   CER 0.245, dates 30/42      CER 0.152, dates 14/21, rotation 8/10
every step             CER 0.268, dates 24/42      CER 0.161, dates 13/21, rotation 8/10
=====================  ==========================  ==========================================

A background-division/contrast-stretch step on every page was measured too and dropped: it never
raised a date hit on faint (fax) or unevenly lit pages, and it raised CER (0.001 → 0.004 rendered,
0.008 → 0.012 on an earlier draw of the sample batch). ``stretch_faint_page`` is narrower: it acts
only on a page whose darkest ink is lighter than mid-grey, a washed-out scan where the detector
misses small text. On the 23 such pages of the two held-out layout draws, truth-line CER went
0.046 → 0.024 and exact lines 370 → 377 (of 410), and a CE register's three 验证日期 lines at grey
140–177, half under a seal, were all read (none before). No page of the sample batch is that faint
(its faintest ink is grey 114), so those pages read exactly as before.

PP-OCRv6 reads tilts up to 4° without loss, so deskew matters for box tightness more than for text
(see ``MIN_DESKEW_UPRIGHT_DEGREES``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import cv2
import numpy as np

MAX_LONG_SIDE = 2500
MAX_DESKEW_DEGREES = 5.0
# Deskew thresholds. A turned page is rebuilt anyway, so any visible skew is levelled with it. An
# upright page is deskewed only from 2°: the benchmark shows PP-OCRv6 reads tilts up to 4° without
# loss, but from about 2° a long line's axis-aligned box starts to overlap the next line, which
# masks and evidence crops care about (and below it the warp's resampling costs more than it buys).
MIN_DESKEW_DEGREES = 0.4
MIN_DESKEW_UPRIGHT_DEGREES = 2.0


def worth_deskewing(skew: float, rotation: int) -> bool:
    return abs(skew) >= (MIN_DESKEW_DEGREES if rotation else MIN_DESKEW_UPRIGHT_DEGREES)
# A detected quad says which way its text runs only when it is clearly longer than it is tall.
MIN_LINE_ELONGATION = 2.0
ORIENTATION_SAMPLE_LINES = 16

# OpenCV hue runs 0..180; seal red sits at both ends of it.
RED_HUE_LOW, RED_HUE_HIGH = 12, 160
SEAL_MIN_SATURATION = 70
SEAL_MIN_VALUE = 90
# R minus the larger of G and B: pink seal rims reach this, grey anti-aliased black text does not.
SEAL_RIM_REDNESS = 25
# Round or oval seals: roughly square bounding box and at least this share of the page's short side.
SEAL_ASPECT_RANGE = (0.6, 1.67)
SEAL_MIN_SIZE_FRACTION = 0.06

# A page is faint when even its darkest ink (this percentile of the pixels clearly darker than the
# paper) is lighter than FAINT_INK_GREY; such a page is stretched to full contrast before OCR.
INK_BELOW_PAPER = 48
DARKEST_INK_PERCENTILE = 5
FAINT_INK_GREY = 128
MIN_INK_PIXELS = 200


def darkest_ink(grey: np.ndarray, paper: float | None = None) -> float | None:
    """The grey level of the page's darkest ink, or None when there is (almost) no ink at all.
    ``paper`` is the median grey unless given: text covers far less than half of any page."""
    paper = float(np.median(grey)) if paper is None else paper
    ink = grey[grey < paper - INK_BELOW_PAPER]
    return float(np.percentile(ink, DARKEST_INK_PERCENTILE)) if ink.size >= MIN_INK_PIXELS else None


def stretch_faint_page(image_bgr: np.ndarray) -> np.ndarray:
    """A faint page (``darkest_ink`` ≥ ``FAINT_INK_GREY``) stretched so its ink is black and its paper
    white; every other page is returned as it is, the very same array."""
    grey = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY) if image_bgr.ndim == 3 else image_bgr
    paper = float(np.median(grey))
    darkest = darkest_ink(grey, paper)
    if darkest is None or darkest < FAINT_INK_GREY:
        return image_bgr
    # the darkest ink becomes black and the paper white; darkest_ink is INK_BELOW_PAPER below the paper
    table = np.clip((np.arange(256) - darkest) * 255.0 / (paper - darkest), 0, 255).astype(np.uint8)
    return cv2.LUT(image_bgr, table)


def downscale_factor(width: int, height: int, max_long_side: int = MAX_LONG_SIDE) -> float:
    """The factor that brings the long side down to ``max_long_side`` (1.0 when already small enough)."""
    long_side = max(width, height)
    return 1.0 if long_side <= max_long_side else max_long_side / long_side


def red_mask(image_bgr: np.ndarray) -> np.ndarray:
    hsv = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2HSV)
    hue, saturation, value = cv2.split(hsv)
    red_hue = (hue <= RED_HUE_LOW) | (hue >= RED_HUE_HIGH)
    return (red_hue & (saturation >= SEAL_MIN_SATURATION) & (value >= SEAL_MIN_VALUE)).astype(np.uint8) * 255


def seal_regions(mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Bounding rects (x, y, w, h) of red blobs shaped like seals; red printed headings are wide, not round."""
    height, width = mask.shape
    min_size = SEAL_MIN_SIZE_FRACTION * min(width, height)
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    regions = []
    for x, y, w, h, _area in stats[1:count]:
        aspect = w / max(h, 1)
        if min(w, h) >= min_size and SEAL_ASPECT_RANGE[0] <= aspect <= SEAL_ASPECT_RANGE[1]:
            regions.append((int(x), int(y), int(w), int(h)))
    return regions


def suppress_red_seals(image_bgr: np.ndarray) -> np.ndarray:
    """Whiten red seal ink so a seal over a date does not break the date.

    Only round red blobs count (``seal_regions``). Inside them every reddish pixel (the solid ink and
    its pink anti-aliased rim) is replaced by its red channel, stretched so typical seal ink becomes
    white. Red ink is bright in R; black text under or beside the seal is dark in R and stays dark.
    """
    mask = red_mask(image_bgr)
    regions = seal_regions(mask)
    if not regions:
        return image_bgr
    blue, green, red = (channel.astype(np.int16) for channel in cv2.split(image_bgr))
    reddish = ((red - np.maximum(green, blue)) >= SEAL_RIM_REDNESS) & (red >= SEAL_MIN_VALUE)
    ink_level = max(float(np.median(red[mask > 0])), 1.0)
    whitened = np.clip(red.astype(np.float32) * (255.0 / ink_level), 0, 255).astype(np.uint8)
    cleaned = image_bgr.copy()
    for x, y, w, h in regions:
        window = reddish[y:y + h, x:x + w]
        cleaned[y:y + h, x:x + w][window] = whitened[y:y + h, x:x + w][window][:, None]
    return cleaned


def _long_side(poly: np.ndarray) -> tuple[float, float, float]:
    """(length, angle in degrees within (-90, 90], elongation) of a quad's longer side."""
    edges = [poly[(i + 1) % 4] - poly[i] for i in range(4)]
    lengths = [float(np.hypot(*edge)) for edge in edges]
    longest = int(np.argmax(lengths))
    dx, dy = edges[longest]
    angle = math.degrees(math.atan2(dy, dx))
    if angle <= -90:
        angle += 180
    elif angle > 90:
        angle -= 180
    short = max(min(lengths[(longest + 1) % 4], lengths[(longest + 3) % 4]), 1e-6)
    return lengths[longest], angle, lengths[longest] / short


def text_runs_vertically(polys: Sequence[np.ndarray]) -> bool:
    """True when the detected lines mostly run top-to-bottom (the page is turned by 90° or 270°)."""
    horizontal = vertical = 0.0
    for poly in polys:
        length, angle, elongation = _long_side(poly)
        if elongation < MIN_LINE_ELONGATION:
            continue
        if abs(angle) > 45:
            vertical += length
        else:
            horizontal += length
    return vertical > horizontal


def turn_points(points: np.ndarray, width: int, height: int, rotation: int) -> np.ndarray:
    """Points of a ``width`` x ``height`` image after turning it clockwise by ``rotation``."""
    x, y = points[:, 0], points[:, 1]
    turned = {0: (x, y), 90: (height - y, x), 180: (width - x, height - y), 270: (y, width - x)}[rotation % 360]
    return np.stack(turned, axis=1)


def line_crops(image_bgr: np.ndarray, polys: Sequence[np.ndarray], limit: int = ORIENTATION_SAMPLE_LINES) -> list[np.ndarray]:
    """Crops of the longest clearly horizontal lines, for the orientation classifier."""
    candidates = []
    for poly in polys:
        length, angle, elongation = _long_side(poly)
        if elongation >= MIN_LINE_ELONGATION and abs(angle) <= 45:
            candidates.append((length, poly))
    candidates.sort(key=lambda item: -item[0])
    height, width = image_bgr.shape[:2]
    crops = []
    for _, poly in candidates[:limit]:
        x0, y0 = np.floor(poly.min(axis=0)).astype(int)
        x1, y1 = np.ceil(poly.max(axis=0)).astype(int)
        crop = image_bgr[max(0, y0):min(height, y1), max(0, x0):min(width, x1)]
        if crop.size:
            crops.append(crop)
    return crops


UpsideDown = Callable[[list[np.ndarray]], list[float]]


def detect_orientation(image_bgr: np.ndarray, polys: Sequence[np.ndarray], upside_down: UpsideDown) -> int:
    """Clockwise degrees (0/90/180/270) that make the page upright.

    The detected quads fix the axis (lines run across or down the page); the line classifier then
    decides between that turn and the one 180° from it, by the mean over the longest lines.
    """
    height, width = image_bgr.shape[:2]
    base = 90 if text_runs_vertically(polys) else 0
    turned_image = cv2.rotate(image_bgr, cv2.ROTATE_90_CLOCKWISE) if base else image_bgr
    turned_polys = [turn_points(poly, width, height, base) for poly in polys]
    crops = line_crops(turned_image, turned_polys)
    probabilities = upside_down(crops)
    if probabilities and float(np.mean(probabilities)) > 0.5:
        return (base + 180) % 360
    return base


def estimate_skew(polys: Sequence[np.ndarray]) -> float:
    """Counter-clockwise degrees that level the text: the length-weighted median line angle, within ±5°."""
    angles, weights = [], []
    for poly in polys:
        length, angle, elongation = _long_side(poly)
        if elongation >= MIN_LINE_ELONGATION and abs(angle) <= 2 * MAX_DESKEW_DEGREES:
            angles.append(angle)
            weights.append(length)
    if not angles:
        return 0.0
    order = np.argsort(angles)
    cumulative = np.cumsum(np.asarray(weights)[order])
    median = float(np.asarray(angles)[order][np.searchsorted(cumulative, cumulative[-1] / 2)])
    return float(np.clip(median, -MAX_DESKEW_DEGREES, MAX_DESKEW_DEGREES))
