"""Preprocessing steps on pages rendered with PIL: seal suppression, orientation, skew.

``render_page`` and ``red_seal`` are shared with tests/test_ocr_models.py and test_acquire.py.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from extractors import preprocess
from zcps.resources import font_path

PAGE_LINES = ("专业技术资格证书", "姓名：王建国", "身份证号：150102198503152317", "资格名称：工程师",
              "取得时间：2019年12月28日", "审批机关：内蒙古人力资源和社会保障厅")
DATE_LINE = 4
LINE_PITCH, LINE_TOP, LEFT, FONT_PX = 120, 100, 100, 40


def render_page(lines=PAGE_LINES, size=(1400, 1000), ink=(20, 20, 20), paper=(255, 255, 255)) -> Image.Image:
    image = Image.new("RGB", size, paper)
    draw = ImageDraw.Draw(image)
    face = ImageFont.truetype(str(font_path("hei")), FONT_PX)
    for index, text in enumerate(lines):
        draw.text((LEFT, LINE_TOP + index * LINE_PITCH), text, font=face, fill=ink)
    return image


def line_box(index: int, text: str) -> tuple[float, float, float, float]:
    face = ImageFont.truetype(str(font_path("hei")), FONT_PX)
    return tuple(float(v) for v in ImageDraw.Draw(Image.new("RGB", (1, 1))).textbbox(
        (LEFT, LINE_TOP + index * LINE_PITCH), text, font=face))


def red_seal(radius: int = 150) -> Image.Image:
    """A red round seal (ring, arc legend, star) as RGBA, multiplied onto pages like real ink."""
    size = 2 * radius + 4
    layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    colour = (215, 30, 35, 210)
    draw.ellipse((2, 2, size - 3, size - 3), outline=colour, width=max(3, radius // 18))
    face = ImageFont.truetype(str(font_path("hei")), int(radius * 0.24))
    legend = "内蒙古自治区职称改革领导小组"
    for i, ch in enumerate(legend):
        angle = math.radians(-120 + 240 * (i + 0.5) / len(legend))
        r = radius * 0.72
        draw.text((size / 2 + r * math.sin(angle), size / 2 - r * math.cos(angle)), ch, font=face, fill=colour,
                  anchor="mm")
    star = [(size / 2 + radius * 0.28 * (1 if k % 2 == 0 else 0.4) * math.sin(math.radians(k * 36)),
             size / 2 - radius * 0.28 * (1 if k % 2 == 0 else 0.4) * math.cos(math.radians(k * 36))) for k in range(10)]
    draw.polygon(star, fill=colour)
    return layer


def stamp(page: Image.Image, overlay: Image.Image, centre: tuple[int, int]) -> Image.Image:
    x, y = centre[0] - overlay.width // 2, centre[1] - overlay.height // 2
    base = np.asarray(page, dtype=np.float32).copy()
    region = base[y:y + overlay.height, x:x + overlay.width]
    rgba = np.asarray(overlay, dtype=np.float32)
    alpha = rgba[..., 3:4] / 255.0
    region[:] = region * (1 - alpha) + region * rgba[..., :3] / 255.0 * alpha
    return Image.fromarray(base.astype(np.uint8))


def to_bgr(image: Image.Image) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(image)[:, :, ::-1])


def seal_over_date() -> tuple[np.ndarray, np.ndarray]:
    """(page with a seal over the date line, the same page without it)."""
    clean = render_page()
    x0, y0, x1, y1 = line_box(DATE_LINE, PAGE_LINES[DATE_LINE])
    sealed = stamp(clean, red_seal(), (int(x1 - 60), int((y0 + y1) / 2)))
    return to_bgr(sealed), to_bgr(clean)


def red_pixel_count(image: np.ndarray) -> int:
    return int(np.count_nonzero(preprocess.red_mask(image)))


def test_seal_suppression_removes_the_seal_and_keeps_black_text():
    sealed, clean = seal_over_date()
    cleaned = preprocess.suppress_red_seals(sealed)
    assert red_pixel_count(sealed) > 2000
    assert red_pixel_count(cleaned) < 0.01 * red_pixel_count(sealed)
    text_pixels = cv2.cvtColor(clean, cv2.COLOR_BGR2GRAY) < 100
    still_dark = cv2.cvtColor(cleaned, cv2.COLOR_BGR2GRAY)[text_pixels] < 100
    assert still_dark.mean() > 0.98


@pytest.mark.parametrize("ink, expect_change", [
    ((200, 20, 30), False),   # a red printed heading: wide, not round, must survive
    ((20, 20, 20), False),    # plain black text
    ((30, 40, 150), False),   # blue-black pen
])
def test_seal_suppression_leaves_non_seal_ink(ink, expect_change):
    page = to_bgr(render_page(lines=("荣誉证书 专业技术资格证书",), ink=ink))
    cleaned = preprocess.suppress_red_seals(page)
    assert (not np.array_equal(cleaned, page)) is expect_change


@pytest.mark.parametrize("width, height, expected", [
    (2000, 1400, 1.0), (2500, 1000, 1.0), (2501, 1000, 2500 / 2501), (5000, 7000, 2500 / 7000)])
def test_downscale_factor(width, height, expected):
    assert preprocess.downscale_factor(width, height) == pytest.approx(expected)


def quad(cx: float, cy: float, length: float, thickness: float, angle_deg: float) -> np.ndarray:
    """A text-line quad centred at (cx, cy) whose long side points at ``angle_deg`` (y down)."""
    a = math.radians(angle_deg)
    along = np.array([math.cos(a), math.sin(a)]) * length / 2
    across = np.array([-math.sin(a), math.cos(a)]) * thickness / 2
    centre = np.array([cx, cy])
    return np.array([centre - along - across, centre + along - across, centre + along + across,
                     centre - along + across])


@pytest.mark.parametrize("angles, expected", [
    ([2.0] * 6, 2.0),
    ([-3.0] * 5 + [1.0], -3.0),          # the weighted median ignores an odd line
    ([7.0] * 4, 5.0),                    # clamped to the ±5° the step handles
    ([30.0] * 3, 0.0),                   # not a skew at all: no line within range
    ([0.3] * 4, 0.3),
])
def test_estimate_skew(angles, expected):
    polys = [quad(500, 100 + 50 * i, 600, 40, angle) for i, angle in enumerate(angles)]
    assert preprocess.estimate_skew(polys) == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize("skew, rotation, expected", [
    (0.3, 180, False), (0.5, 90, True), (1.9, 0, False), (-2.0, 0, True), (-4.9, 0, True)])
def test_worth_deskewing(skew, rotation, expected):
    assert preprocess.worth_deskewing(skew, rotation) is expected


@pytest.mark.parametrize("angle, vertical", [(0, False), (3, False), (40, False), (50, True), (90, True), (-88, True)])
def test_text_direction_from_quads(angle, vertical):
    polys = [quad(500, 500, 400, 40, angle) for _ in range(3)] + [quad(100, 100, 40, 40, 90 - angle)]
    assert preprocess.text_runs_vertically(polys) is vertical


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_turn_points_matches_cv2_rotate(rotation):
    image = np.zeros((300, 500), np.uint8)
    image[40:60, 100:180] = 255
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    turned = cv2.rotate(image, codes[rotation]) if rotation else image
    ys, xs = np.nonzero(turned)
    corners = preprocess.turn_points(np.array([[100.0, 40.0], [180.0, 60.0]]), 500, 300, rotation)
    assert corners[:, 0].min() == pytest.approx(xs.min(), abs=1)
    assert corners[:, 0].max() == pytest.approx(xs.max() + 1, abs=1)
    assert corners[:, 1].min() == pytest.approx(ys.min(), abs=1)


def turned_page(rotation: int, skew: float) -> np.ndarray:
    """The upright page stored turned counter-clockwise by ``rotation`` after a ``skew``° tilt."""
    page = to_bgr(render_page())
    if skew:
        height, width = page.shape[:2]
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), skew, 1.0)
        page = cv2.warpAffine(page, matrix, (width, height), borderValue=(255, 255, 255))
    codes = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}
    return cv2.rotate(page, codes[rotation]) if rotation else page


@pytest.mark.models
@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
@pytest.mark.parametrize("skew", [0.0, 2.5])
def test_orientation_and_skew_on_a_rendered_page(ocr_engine, rotation, skew):
    stored = turned_page(rotation, skew)
    polys = ocr_engine.read(stored).polys
    found = preprocess.detect_orientation(stored, polys, ocr_engine.upside_down_probabilities)
    assert found == rotation
    height, width = stored.shape[:2]
    upright_polys = [preprocess.turn_points(p, width, height, found) for p in polys]
    assert preprocess.estimate_skew(upright_polys) == pytest.approx(-skew, abs=0.5)


@pytest.fixture(scope="session")
def ocr_engine():
    from extractors.ocr import get_engine

    return get_engine()
