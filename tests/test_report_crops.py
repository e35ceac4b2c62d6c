"""Evidence crops: the right region, clipped, small, decodable; pages loaded once."""

from __future__ import annotations

import base64

import cv2
import numpy as np
import pytest

from reports.crops import MARGIN_MIN_PX, MAX_CROP_WIDTH, CropMaker, crop_region, encode_jpeg
from support.report_samples import build_sample

PAGE = np.full((1000, 800, 3), 255, np.uint8)


@pytest.mark.parametrize(("bbox", "shape"), [
    ((100, 100, 200, 130), (30 + 2 * 30, 100 + 2 * 30)),          # margin = box height
    ((100, 100, 200, 110), (10 + 2 * MARGIN_MIN_PX, 100 + 2 * MARGIN_MIN_PX)),  # minimum margin
    ((0, 0, 50, 20), (20 + MARGIN_MIN_PX, 50 + MARGIN_MIN_PX)),   # clipped at the top-left corner
    ((780, 990, 800, 1000), (10 + MARGIN_MIN_PX, 20 + MARGIN_MIN_PX)),  # clipped at the bottom-right
    ((-50, -50, 10, 10), (10 + 60, 10 + 60)),                     # partly off the page
])
def test_crop_region_expands_and_clips(bbox, shape):
    assert crop_region(PAGE, bbox).shape[:2] == shape


@pytest.mark.parametrize("bbox", [
    (900, 100, 950, 130),      # right of the page
    (100, 1001, 200, 1030),    # below the page
    (-100, -100, -1, -1),      # above and left of it
    (100, 100, 100, 130),      # zero width
    (100, 130, 200, 100),      # inverted
    (0, 0, 0, 0),              # the CERecord default "no box"
])
def test_crop_region_none_when_nothing_is_on_the_page(bbox):
    assert crop_region(PAGE, bbox) is None


@pytest.mark.parametrize(("shape", "width"), [
    ((200, 1500, 3), MAX_CROP_WIDTH),
    ((50, 601, 3), MAX_CROP_WIDTH),
    ((50, 600, 3), 600),
    ((80, 120), 120),
    ((80, 120, 4), 120),
])
def test_encode_jpeg_downscales_wide_regions_only(shape, width):
    region = np.random.default_rng(7).integers(0, 255, shape, dtype=np.uint8)
    jpeg = encode_jpeg(region)
    assert jpeg[:3] == b"\xff\xd8\xff"
    decoded = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_UNCHANGED)
    assert decoded.shape[1] == width
    assert decoded.shape[0] == max(1, round(shape[0] * width / shape[1]))


def test_quality_keeps_a_text_crop_small():
    sample = build_sample()
    page = next(iter(sample.pages.values()))
    jpeg = encode_jpeg(page)  # a whole A4 page, the worst case
    assert len(jpeg) < 60_000


def _decode(uri: str) -> np.ndarray:
    raw = base64.b64decode(uri.split(",", 1)[1])
    return cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_GRAYSCALE)


@pytest.mark.parametrize(("label", "ink"), [("ce.hours", True), ("ce.verified", True), ("blank", False)])
def test_crop_shows_the_evidence_region(label, ink):
    sample = build_sample()
    source = next(key for key in sample.pages if key[0].endswith("03_ce_card.jpg"))
    bbox = sample.boxes.get(label, (600, 1500, 900, 1540))
    crop = _decode(CropMaker(sample.page_image).data_uri(source[0], 1, bbox))
    page = cv2.cvtColor(sample.pages[source], cv2.COLOR_BGR2GRAY)
    expected = crop_region(page, bbox)
    if expected.shape[1] > MAX_CROP_WIDTH:
        assert crop.shape[1] == MAX_CROP_WIDTH
        expected = cv2.resize(expected, crop.shape[::-1], interpolation=cv2.INTER_AREA)
    assert crop.shape == expected.shape
    # JPEG at quality 75 keeps text within a few grey levels on average.
    assert np.abs(crop.astype(int) - expected.astype(int)).mean() < 6
    assert ((crop < 100).mean() > 0.02) == ink


def test_crop_maker_loads_each_page_once_and_reuses_crops():
    sample = build_sample()
    maker = CropMaker(sample.page_image)
    source = next(key[0] for key in sample.pages if key[0].endswith("03_ce_card.jpg"))
    first = maker.data_uri(source, 1, sample.boxes["ce.hours"])
    assert maker.data_uri(source, 1, sample.boxes["ce.hours"]) == first
    maker.data_uri(source, 1, sample.boxes["ce.verified"])
    maker.data_uri(source, None, sample.boxes["ce.name"])  # page None means the first page
    assert sample.calls == [(source, 1)]


@pytest.mark.parametrize(("source", "page", "bbox", "have_images"), [
    ("u/a/docs/x.jpg", 1, (1, 1, 50, 50), False),   # no page_image callable
    (None, 1, (1, 1, 50, 50), True),                # finding without a document
    ("u/a/docs/x.jpg", 1, None, True),              # document without a box
    ("u/a/docs/missing.jpg", 1, (1, 1, 50, 50), True),  # page image not available
])
def test_crop_maker_returns_none_without_a_region(source, page, bbox, have_images):
    pages = {("u/a/docs/x.jpg", 1): PAGE}
    maker = CropMaker((lambda s, p: pages.get((s, p))) if have_images else None)
    assert maker.data_uri(source, page, bbox) is None


def test_crop_maker_keeps_only_a_few_pages():
    loads = []

    def page_image(source, page):
        loads.append(source)
        return PAGE

    maker = CropMaker(page_image, pages_kept=2)
    for offset, source in enumerate(["a", "b", "c", "a"]):
        maker.data_uri(source, 1, (10 + offset, 10, 60, 40))
        maker.data_uri(source, 1, (100 + offset, 100, 160, 140))
    assert loads == ["a", "b", "c", "a"]
