"""QR codes on certificates (电子证书 / 学历学位在线验证报告 carry one that encodes the holder's name, ID
number and certificate number), found from the page image and masked whole, never decoded.

Decoding and trusting the content would leave a code visible whenever it does not decode (small,
tilted, a seal printed over it), so nothing here reads the content. Two detectors, both failing
closed (a masked blank is harmless, a readable code is a leak):
- OpenCV's QR detectors (``QRCodeDetector`` and ``QRCodeDetectorAruco``), on the page and, for
  small codes, on the page upscaled;
- finder patterns: the three nested squares at a QR code's corners (dark 7×7, light 5×5, dark solid
  3×3 modules). Two or three patterns of one size at a QR code's spacing are one code; two patterns
  give two possible squares, and both are masked unless only one side holds the code's modules.

Seals stay visible (docs/rules.md, "Masking"): red seal ink is turned to paper before the search, so
a seal over a code neither hides the code nor is taken for one (a grey scan keeps the seal's ring;
the pattern pair search then works from the finders it left). A
checkerboard, a ruled table or the character 回 has squares but no dark-light-dark nesting with a
solid centre at the finder's proportions.
"""

from __future__ import annotations

import itertools
import math

import cv2
import numpy as np

from masking.entities import PiiType
from zcps.models import BBox

TYPE = PiiType.qr_code
PLACEHOLDER = "〔二维码〕"
NAME = "二维码"  # in reviewer-facing messages (masking.withheld)
PRIORITY = 0
RUNS_ON = "image"  # masking.document calls it on the page image, not the text
LABELS = ("二维码", "扫码验证", "扫描二维码")

_MIN_FINDER = 7  # px: a finder pattern of 1 px modules is below what a scan keeps
_MAX_FINDER_SHARE = 0.12  # of the page's shorter side
_SQUARE = (0.75, 1.33)  # width / height of a finder ring's box
# Areas relative to the outer ring: the light ring's hole 5²/7² ≈ 0.51, the dark centre 3²/7² ≈ 0.18.
_HOLE_SHARE = (0.3, 0.72)
_CENTRE_SHARE = (0.08, 0.36)
_SIZE_RATIO = 1.45  # finder patterns of one code differ at most this much in size (tilt, perspective)
# Finder centres lie (N − 7) modules apart for an N×N code, N = 21 … 177; beyond 60 modules a
# certificate's code would be larger than the page allows for.
_SPACING_MODULES = (12.0, 60.0)
_RIGHT_ANGLE_COS = 0.3
_CODE_MODULES = (21, 61)  # a lone finder's code: version 1 to the largest a certificate prints
_QUIET_SHARE = 0.06  # dark share of the two modules beyond a code's edge: the quiet zone is blank
_DARK_DATA = (0.2, 0.8)  # share of dark pixels inside a code's data area
_LONE_DARK_DATA = (0.3, 0.8)  # … asked more of where one finder alone vouches for the code
_MARGIN_MODULES = 2.0  # the quiet zone; covering a little paper leaks nothing
_INK_CONTRAST = 15  # grey levels below the local mean that are ink
_SEAL_RED = 60  # red over the larger of green and blue: seal ink, not the black of a code
_UPSCALE_BELOW = 1800  # px page width: smaller pages are also searched at twice the size


def _ink(image: np.ndarray) -> np.ndarray:
    """The page in grey with red seal ink turned to paper: red over black ink stays black."""
    if image.ndim == 2:
        return image
    blue, green, red = cv2.split(image)
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    grey[cv2.subtract(red, cv2.max(green, blue)) > _SEAL_RED] = 255
    return grey


def _dark(ink: np.ndarray) -> np.ndarray:
    block = max(15, (min(ink.shape) // 40) | 1)
    return cv2.adaptiveThreshold(ink, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, _INK_CONTRAST)


class _Finder:
    def __init__(self, contour: np.ndarray):
        (self.x, self.y), (w, h), _ = cv2.minAreaRect(contour)
        self.side = math.sqrt(max(1.0, w * h))

    @property
    def module(self) -> float:
        return self.side / 7


def _is_ring(contour: np.ndarray, area: float) -> bool:
    _, (w, h), _ = cv2.minAreaRect(contour)
    return w > 0 and h > 0 and _SQUARE[0] <= w / h <= _SQUARE[1] and area >= 0.75 * w * h


def _finders(dark: np.ndarray) -> list[_Finder]:
    contours, hierarchy = cv2.findContours(dark, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    tree = hierarchy[0]
    largest = _MAX_FINDER_SHARE * min(dark.shape)
    found = []
    for index, contour in enumerate(contours):
        x, y, w, h = cv2.boundingRect(contour)
        hole = tree[index][2]
        if not (_MIN_FINDER <= max(w, h) <= largest) or hole < 0 or tree[hole][0] >= 0:
            continue  # a finder's dark ring has exactly one hole
        centre = tree[hole][2]
        if centre < 0 or tree[centre][0] >= 0 or tree[centre][2] >= 0:
            continue  # … holding exactly one dark solid centre (回's centre is a ring)
        area = cv2.contourArea(contour)
        hole_area, centre_area = cv2.contourArea(contours[hole]), cv2.contourArea(contours[centre])
        if (area > 0 and _is_ring(contour, area) and _is_ring(contours[centre], centre_area)
                and _HOLE_SHARE[0] <= hole_area / area <= _HOLE_SHARE[1]
                and _CENTRE_SHARE[0] <= centre_area / area <= _CENTRE_SHARE[1]):
            found.append(_Finder(contour))
    return found


def _pairs_fit(a: _Finder, b: _Finder) -> bool:
    if max(a.side, b.side) > _SIZE_RATIO * min(a.side, b.side):
        return False
    modules = math.dist((a.x, a.y), (b.x, b.y)) / ((a.module + b.module) / 2)
    return _SPACING_MODULES[0] <= modules <= _SPACING_MODULES[1] * math.sqrt(2)


def _square(corner: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.array([corner, corner + u, corner + u + v, corner + v], dtype=np.float32)


def _dark_share(dark: np.ndarray, quad: np.ndarray) -> float:
    mask = np.zeros(dark.shape, np.uint8)
    cv2.fillConvexPoly(mask, quad.astype(np.int32), 1)
    inside = mask.astype(bool)
    return float(dark[inside].mean() / 255) if inside.any() else 0.0


def _band_share(dark: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> float:
    height, width = dark.shape
    xa, xb = sorted((int(round(x0)), int(round(x1))))
    ya, yb = sorted((int(round(y0)), int(round(y1))))
    window = dark[max(0, ya):min(height, yb), max(0, xa):min(width, xb)]
    return float(window.mean() / 255) if window.size else 0.0


def _code_around(finder: _Finder, dark: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """The code a lone finder pattern belongs to (a seal in a grey scan hid the other two): in each
    direction the modules run on from the finder's corner until a quiet zone; a code is 21–61
    modules of data-dense square there."""
    m, half = finder.module, finder.side / 2
    codes = []
    for sx, sy in ((1, 1), (-1, 1), (1, -1), (-1, -1)):
        x0, y0 = finder.x - sx * half, finder.y - sy * half
        for n in range(_CODE_MODULES[0], _CODE_MODULES[1] + 1):
            far_x, far_y = x0 + sx * n * m, y0 + sy * n * m
            # the next two modules beyond both far sides: blank paper ends the code
            quiet = max(_band_share(dark, far_x, y0, far_x + sx * 2 * m, far_y),
                        _band_share(dark, x0, far_y, far_x, far_y + sy * 2 * m))
            if quiet < _QUIET_SHARE:
                square = _square(np.array([x0, y0]), np.array([sx * n * m, 0.0]), np.array([0.0, sy * n * m]))
                if _LONE_DARK_DATA[0] <= _dark_share(dark, square) <= _LONE_DARK_DATA[1]:
                    codes.append((square, m))
                break
    return codes


def _outer(quad: np.ndarray, module: float) -> np.ndarray:
    """The code's corners from the square joining its finder centres: 3.5 modules further out on
    each side, so √2 × 3.5 along each diagonal, whatever the tilt."""
    centre = quad.mean(axis=0)
    out = quad - centre
    lengths = np.linalg.norm(out, axis=1, keepdims=True)
    return (quad + out / np.maximum(lengths, 1e-6) * 3.5 * math.sqrt(2) * module).astype(np.float32)


def _codes_from_finders(finders: list[_Finder], dark: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """(corners, module) of each code the patterns make."""
    quads, used = [], set()
    for trio in itertools.combinations(range(len(finders)), 3):
        points = [np.array([finders[i].x, finders[i].y]) for i in trio]
        for k in range(3):  # the corner finder: the right angle of the triangle
            u, v = points[(k + 1) % 3] - points[k], points[(k + 2) % 3] - points[k]
            lengths = np.linalg.norm(u) * np.linalg.norm(v)
            if (lengths and abs(u @ v) / lengths < _RIGHT_ANGLE_COS
                    and all(_pairs_fit(finders[trio[k]], finders[i]) for i in trio if i != trio[k])
                    and 0.7 <= np.linalg.norm(u) / np.linalg.norm(v) <= 1.43):
                quad = _square(points[k], u, v)
                if _DARK_DATA[0] <= _dark_share(dark, quad) <= _DARK_DATA[1]:
                    module = float(np.mean([finders[i].module for i in trio]))
                    quads.append((_outer(quad, module), module))
                    used.update(trio)
                break
    for i, j in itertools.combinations(range(len(finders)), 2):
        if i in used and j in used or not _pairs_fit(finders[i], finders[j]):
            continue
        a, b = np.array([finders[i].x, finders[i].y]), np.array([finders[j].x, finders[j].y])
        side = b - a
        normal = np.array([-side[1], side[0]])
        # Two patterns on one side of the code (the third hidden): the code lies to either side of
        # that line; seen across the diagonal, it is the square on that diagonal.
        candidates = [_square(a, side, normal), _square(a, side, -normal),
                      np.array([a, (a + b) / 2 + normal / 2, b, (a + b) / 2 - normal / 2], dtype=np.float32)]
        module = (finders[i].module + finders[j].module) / 2
        pair = [(_outer(quad, module), module) for quad in candidates
                if _DARK_DATA[0] <= _dark_share(dark, quad) <= _DARK_DATA[1]]
        quads += pair
        if pair:
            used.update((i, j))
    for index, finder in enumerate(finders):
        if index not in used:
            quads += _code_around(finder, dark)
    return quads


def _opencv_codes(ink: np.ndarray) -> list[np.ndarray]:
    ok, points = cv2.QRCodeDetectorAruco().detectMulti(ink)
    return [np.asarray(quad, np.float32).reshape(4, 2) for quad in points] if ok and points is not None else []


def _box(quad: np.ndarray, margin: float, width: int, height: int) -> BBox:
    x0, y0 = quad.min(axis=0) - margin
    x1, y1 = quad.max(axis=0) + margin
    return (max(0.0, float(x0)), max(0.0, float(y0)), min(float(width), float(x1)), min(float(height), float(y1)))


def _merged(boxes: list[BBox]) -> list[BBox]:
    """Overlapping boxes as one box around them (one code found by several detectors)."""
    merged: list[BBox] = []
    for box in sorted(boxes):
        for index, other in enumerate(merged):
            if box[0] < other[2] and other[0] < box[2] and box[1] < other[3] and other[1] < box[3]:
                merged[index] = (min(box[0], other[0]), min(box[1], other[1]), max(box[2], other[2]),
                                 max(box[3], other[3]))
                break
        else:
            merged.append(box)
    return merged if len(merged) == len(boxes) else _merged(merged)


def find(image: np.ndarray) -> list[BBox]:
    """Boxes (page pixels) covering every QR code on the page, quiet zone included."""
    height, width = image.shape[:2]
    ink = _ink(image)
    boxes = []
    # Finder patterns at the page's size and, on a page scanned at 200 dpi or less, where a small
    # code has 2 px modules, at twice it.
    scales = (1.0, 2.0) if width < _UPSCALE_BELOW else (1.0,)
    for scale in scales:
        view = ink if scale == 1.0 else cv2.resize(ink, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        dark = _dark(view)
        for quad, module in _codes_from_finders(_finders(dark), dark):
            boxes.append(_box(quad / scale, _MARGIN_MODULES * module / scale, width, height))
    for quad in _opencv_codes(ink):
        boxes.append(_box(quad, _MARGIN_MODULES * math.dist(quad[0], quad[1]) / 21, width, height))
    return _merged(boxes)
