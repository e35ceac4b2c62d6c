"""Preprocessing steps on pages rendered with PIL (``support.rendered_pages``): seal suppression, orientation, skew."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from support.rendered_pages import red_pixel_count, render_page, seal_over_date, to_bgr

from extractors import preprocess


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
