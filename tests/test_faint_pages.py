"""A faint page (even its darkest ink lighter than mid-grey) is stretched to full contrast before OCR;
every other page goes to OCR as the very same array, so its reading does not change."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from extractors import preprocess
from extractors.acquire import acquire_text
from extractors.extract import extract_document, page_images_of
from fixtures.generator.layouts.applicants import NEW_CASES, build_applicants


def _page(ink: int, paper: int = 250, strokes: int = 40, length: int = 100) -> np.ndarray:
    """A grey page with ``strokes`` text-like bars (3 x ``length`` px) of grey ``ink`` (0 strokes: blank)."""
    image = np.full((400, 600, 3), paper, dtype=np.uint8)
    for index in range(strokes):
        row, col = 20 + 9 * (index % 40), 30 + 130 * (index // 40)
        image[row:row + 3, col:col + length] = ink
    return image


@pytest.mark.parametrize(("ink", "paper", "strokes", "length", "stretched"), [
    (150, 250, 40, 100, True),    # a washed-out scan: text at grey 150
    (176, 250, 40, 100, True),    # fainter still
    (128, 250, 40, 100, True),    # at the threshold
    (150, 250, 1, 100, True),     # a single faint line of text is enough (300 ink pixels)
    (120, 250, 40, 100, False),   # near miss: just darker than the threshold
    (30, 250, 40, 100, False),    # an ordinary page
    (150, 190, 40, 100, False),   # grey paper: the bars are no ink (not 48 below the paper)
    (150, 250, 0, 100, False),    # blank
    (150, 250, 1, 30, False),     # a speck (90 pixels), not text
])
def test_only_faint_pages_are_stretched(ink, paper, strokes, length, stretched):
    page = _page(ink, paper, strokes, length)
    out = preprocess.stretch_faint_page(page)
    assert (out is not page) is stretched
    if stretched:
        # the ink becomes black and the paper white
        assert (out[page == ink].max(), out[page == paper].min()) == (0, 255)
    else:
        assert np.array_equal(out, page)


@pytest.mark.parametrize(("ink", "expected"), [(150, 150.0), (30, 30.0)])
def test_darkest_ink_is_the_text_grey(ink, expected):
    assert preprocess.darkest_ink(_page(ink)[:, :, 0]) == expected


def test_a_page_without_ink_has_no_darkest_ink():
    assert preprocess.darkest_ink(_page(150, strokes=0)[:, :, 0]) is None


@pytest.mark.models
def test_faint_course_register_reads_every_verification_date(tmp_path):
    """The second draw's course register (HH-9101) at grey 140–177, its dates half under the seal:
    unstretched, the detector found none of the three 验证日期 lines."""
    (folder,) = build_applicants(tmp_path, cases=NEW_CASES[:1], first_number=9101)
    path = tmp_path / "intake" / folder / "docs" / "03_ce_card.jpg"
    truth = json.loads((tmp_path / "truth" / folder / "docs" / "03_ce_card.jpg.json").read_text(encoding="utf-8"))
    data = path.read_bytes()
    text = acquire_text(data, path.name)
    extraction = extract_document(text, page_images=page_images_of(data, path.name, text))
    assert [(r.year, r.verified_on, r.total) for r in extraction.records] == [
        (r["year"], r["verified_on"], r["total"]) for r in truth["records"]]
