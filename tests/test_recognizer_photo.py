"""Photo recogniser: the ID photo found from the page (a solid block unlike the paper, a face),
wherever it sits and whatever touches it; near misses (QR codes, seals, shaded text, rules) stay."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from masking.recognizers.photo import find

PAGE = (1240, 1754)  # A4 at 150 dpi
PHOTO = (930, 360, 1075, 555)


def _portrait(draw: ImageDraw.ImageDraw, box, background=(150, 175, 210), face=(225, 200, 180),
              shoulders=(45, 50, 70)) -> None:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    if background:
        draw.rectangle(box, fill=background)
    if face:
        draw.ellipse((x0 + w * 0.3, y0 + h * 0.15, x0 + w * 0.7, y0 + h * 0.55), fill=face)
    draw.rounded_rectangle((x0 + w * 0.12, y0 + h * 0.58, x0 + w * 0.88, y1), radius=w // 5, fill=shoulders)


def _table(draw: ImageDraw.ImageDraw, right: int = 930) -> None:
    for row in range(12):
        draw.line((90, 300 + row * 72, right, 300 + row * 72), fill=(0, 0, 0), width=2)
    draw.line((300, 300, 300, 1092), fill=(0, 0, 0), width=2)
    draw.line((right, 300, right, 1092), fill=(0, 0, 0), width=2)


def _qr(draw: ImageDraw.ImageDraw, x0: int, y0: int, rng: np.random.Generator) -> None:
    cell = 10
    for i in range(17):
        for j in range(17):
            if rng.random() < 0.5:
                draw.rectangle((x0 + i * cell, y0 + j * cell, x0 + i * cell + cell - 1, y0 + j * cell + cell - 1),
                               fill=(0, 0, 0))


def page(kind: str) -> np.ndarray:
    image = Image.new("RGB", PAGE, (246, 244, 238))
    draw = ImageDraw.Draw(image)
    if kind in ("touching_table", "light_blue_touching", "washed_out", "junk_glyph"):
        _table(draw)
    if kind in ("plain", "touching_table", "junk_glyph"):
        _portrait(draw, PHOTO)
    elif kind == "light_blue_touching":
        _portrait(draw, PHOTO, background=(205, 222, 240), face=(245, 232, 222), shoulders=(165, 168, 178))
    elif kind == "washed_out":  # a fax kept only the shoulders
        _portrait(draw, PHOTO, background=None, face=None, shoulders=(0, 0, 0))
    elif kind == "grey_photocopy":
        _portrait(draw, PHOTO, background=(120, 120, 120), face=(160, 160, 160), shoulders=(10, 10, 10))
    elif kind == "qr_code":
        _qr(draw, 900, 1150, np.random.default_rng(3))
    elif kind == "seal":
        draw.ellipse((850, 1100, 1090, 1340), outline=(215, 30, 35), width=8)
    elif kind == "shaded_header":  # a grey table header row with text: wide, and full of text
        draw.rectangle((90, 300, 1150, 350), fill=(200, 200, 200))
    return cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR)


def _coverage(boxes, truth) -> float:
    mask = np.zeros(PAGE[::-1], bool)
    for x0, y0, x1, y1 in boxes:
        mask[int(y0):int(y1), int(x0):int(x1)] = True
    x0, y0, x1, y1 = truth
    return float(mask[y0:y1, x0:x1].mean())


@pytest.mark.parametrize("kind", ["plain", "touching_table", "light_blue_touching", "washed_out",
                                  "grey_photocopy", "junk_glyph"])
def test_photo_found_wherever_it_sits(kind):
    text = [(95.0, 310.0 + 72 * r, 290.0, 350.0 + 72 * r) for r in range(10)]
    if kind == "junk_glyph":  # OCR read the whole photo as one glyph ("8"): no text line
        text.append((912.0, 355.0, 1082.0, 569.0))
    boxes = find(page(kind), text)
    assert _coverage(boxes, PHOTO) >= 0.9
    assert all(x0 > 300 for x0, _, _, _ in boxes)  # the table's text column stays


@pytest.mark.parametrize("kind", ["qr_code", "seal", "shaded_header"])
def test_no_photo(kind):
    assert find(page(kind), [(95.0, 305.0, 1100.0, 345.0)]) == []


def test_photo_moved_elsewhere_is_found_there():
    image = Image.new("RGB", PAGE, (246, 244, 238))
    box = (120, 1300, 265, 1495)
    _portrait(ImageDraw.Draw(image), box)
    boxes = find(cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR), [])
    assert _coverage(boxes, box) >= 0.9


def test_a_page_of_text_lines_has_no_photo():
    image = Image.new("RGB", PAGE, "white")
    draw = ImageDraw.Draw(image)
    for row in range(20):
        draw.rectangle((100, 200 + row * 60, 1100, 230 + row * 60), fill=(40, 40, 40))  # ink-dense "lines"
    text = [(100.0, 200.0 + row * 60, 1100.0, 230.0 + row * 60) for row in range(20)]
    assert find(cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR), text) == []
