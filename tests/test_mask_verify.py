"""Re-OCR check helpers: which areas are re-read, how they are packed, how leaks are named."""

from __future__ import annotations

import numpy as np
import pytest

from masking.detect import known_pii
from masking.entities import PiiType
from masking.verify import leaked_types, mosaic, raise_if_leaked, verification_crops
from zcps.errors import MaskingFailed
from zcps.manifest import Manifest
from zcps.models import TextLine


@pytest.fixture(scope="module")
def known():
    return known_pii(Manifest.model_validate({
        "schema": "zcps.manifest/1", "applicant_id": "A-1", "name": "王建国", "id_number": "150102198503152311",
        "phone": "13904711234", "unit": "呼和浩特供电分公司", "unit_location": "city", "sector": "public",
        "target_level": "中级", "education": {"level": "本科"},
    }))


@pytest.mark.parametrize("expected, count", [
    ([((100, 100, 200, 140), 40)], 1),
    ([((100, 100, 200, 140), 40), ((210, 100, 300, 140), 40)], 1),   # neighbours on a line merge
    ([((100, 100, 200, 140), 40), ((100, 300, 200, 340), 40)], 2),   # rows apart stay apart
    ([], 0),
])
def test_crops_grow_and_merge(expected, count):
    crops = verification_crops(expected, 1000, 1000)
    assert len(crops) == count
    for (x0, y0, x1, y1), _ in expected:
        assert any(c[0] < x0 and c[1] < y0 and c[2] > x1 and c[3] > y1 for c in crops)


def test_mosaic_keeps_every_crop_pixel_for_pixel():
    rng = np.random.default_rng(7)
    page = rng.integers(0, 255, (800, 600, 3), dtype=np.uint8)
    crops = [(10, 10, 300, 60), (50, 200, 590, 260), (0, 700, 120, 790)]
    canvas = mosaic(page, crops)
    assert canvas.shape[1] <= 600 + 48 and canvas.shape[0] < 800
    for x0, y0, x1, y1 in crops:
        piece = page[y0:y1, x0:x1]
        found = any(np.array_equal(canvas[y:y + piece.shape[0], x:x + piece.shape[1]], piece)
                    for y in range(canvas.shape[0] - piece.shape[0] + 1)
                    for x in range(0, canvas.shape[1] - piece.shape[1] + 1, 1)
                    if canvas[y, x, 0] == piece[0, 0, 0] and np.array_equal(canvas[y, x], piece[0, 0]))
        assert found


@pytest.mark.parametrize("texts, leaked", [
    (["姓名：■■■ 2023年12月25日"], set()),
    (["姓名：王建国"], {PiiType.name}),
    (["王建囯"], {PiiType.name}),                   # one OCR-wrong character still counts as a leak
    (["王建"], {PiiType.name}),                     # a 3-character name with one character left unmasked
    (["王明"], set()),
    (["身份证号：150102198503152317"], {PiiType.id_number}),   # two digits off: still the applicant's
    (["手机 139 0471 1234"], {PiiType.phone}),
    (["手机 139 0471"], set()),
    (["呼和浩特供电分公司"], {PiiType.unit}),
    (["2021年 90学时 优秀"], set()),
])
def test_leak_search_is_fuzzy(texts, leaked, known):
    lines = [TextLine(text=t, bbox=(0, 0, 10, 10)) for t in texts]
    assert leaked_types(lines, known) == leaked


def test_leak_error_names_types_not_values():
    with pytest.raises(MaskingFailed) as caught:
        raise_if_leaked("hh/P-1/01.png", {1: set(), 2: {PiiType.name, PiiType.phone}})
    assert caught.value.code == "E_MASK_VERIFY"
    assert "page 2: name, phone" in caught.value.detail
    raise_if_leaked("hh/P-1/01.png", {1: set()})


@pytest.mark.parametrize("shape, expected", [
    ((2339, 1653, 3), (1280, 905, 3)),   # A4 at 200 dpi: read at about half size
    ((1653, 2339, 3), (905, 1280, 3)),   # landscape: the long side is the width
    ((1280, 900, 3), (1280, 900, 3)),    # at the limit: unchanged
    ((600, 400, 3), (600, 400, 3)),      # never enlarged
])
def test_overview_shrinks_the_long_side_only_down_to_the_limit(shape, expected):
    from masking.verify import overview

    assert overview(np.full(shape, 255, np.uint8)).shape == expected


@pytest.fixture(scope="module")
def known_short():
    return known_pii(Manifest.model_validate({
        "schema": "zcps.manifest/1", "applicant_id": "A-2", "name": "任成", "id_number": "150102198503152311", "unit": "包头供电分公司",
        "unit_location": "city", "sector": "public", "target_level": "中级", "education": {"level": "本科"},
    }))


@pytest.mark.parametrize("texts, anywhere, leaked", [
    (["任现职以来，任职时间满五年"], False, set()),      # a whole-page read: 任职 is not 任成
    (["任现职以来，任职时间满五年"], True, {PiiType.name}),  # inside a masked region any near miss counts
    (["姓名：任戍"], False, {PiiType.name}),              # after a person label one wrong character still leaks
    (["聘任任成同志为工程师"], False, {PiiType.name}),      # the exact name counts anywhere
])
def test_whole_page_reads_take_short_fuzzy_names_only_after_a_label(texts, anywhere, leaked, known_short):
    lines = [TextLine(text=t, bbox=(0, 0, 10, 10)) for t in texts]
    assert leaked_types(lines, known_short, anywhere=anywhere) == leaked
