"""Layout analysis: ruled cells from the page image, OCR lines split at ruling lines, rows and blocks."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from extractors.extract import extract_document, page_images_of
from extractors.layout import analyse, page_slope, ruling_cells, split_by_cells
from zcps.models import DocType, DocumentText, Page, TextLine, Word


def grid_image(xs: list[int], ys: list[int], size=(1000, 1400)) -> np.ndarray:
    image = np.full((size[0], size[1], 3), 255, np.uint8)
    for x in xs:
        cv2.line(image, (x, ys[0]), (x, ys[-1]), (0, 0, 0), 2)
    for y in ys:
        cv2.line(image, (xs[0], y), (xs[-1], y), (0, 0, 0), 2)
    return image


@pytest.mark.parametrize(("xs", "ys", "count"), [
    ([100, 400, 700, 1000], [100, 200, 300], 6),
    ([100, 1300], [100, 180, 260, 340, 420], 4),
    ([100, 300, 500], [100, 160], 2),
])
def test_ruled_cells_are_found(xs, ys, count):
    cells = ruling_cells(grid_image(xs, ys))
    assert len(cells) == count
    assert all(xs[0] <= c[0] and c[2] <= xs[-1] + 3 and ys[0] <= c[1] and c[3] <= ys[-1] + 3 for c in cells)


@pytest.mark.parametrize("image", [
    np.full((1000, 1400, 3), 255, np.uint8),  # a blank page
    cv2.putText(np.full((1000, 1400, 3), 255, np.uint8), "2023 30 60 90", (100, 300), cv2.FONT_HERSHEY_SIMPLEX, 2, (0, 0, 0), 4),
])
def test_no_table_no_cells(image):
    assert ruling_cells(image) == []


def _digits_line(y: int) -> TextLine:
    # one OCR line read across three ruled cells: "2023" | "30" | "60"
    words = [Word(text="2023", bbox=(120, y, 200, y + 30)), Word(text="30", bbox=(420, y, 460, y + 30)),
             Word(text="60", bbox=(720, y, 760, y + 30))]
    return TextLine(text="20233060", bbox=(120, y, 760, y + 30), score=0.95, words=words)


def test_a_line_across_ruled_cells_is_split():
    cells = ruling_cells(grid_image([100, 400, 700, 1000], [100, 200, 300]))
    pieces = split_by_cells(_digits_line(240), cells)
    assert [p.text for p in pieces] == ["2023", "30", "60"]
    assert split_by_cells(_digits_line(240), []) == [_digits_line(240)]


def test_ce_table_with_ruled_cells_reads_fused_digits():
    image = grid_image([100, 400, 700, 1000], [100, 200, 300])
    header = [TextLine(text=t, bbox=(x, 140, x + 150, 170)) for t, x in (("年度", 120), ("公需科目", 420), ("专业科目", 720))]
    text = DocumentText(sha256="t", source="ocr", engine="t",
                        pages=[Page(number=1, width=1400, height=1000, lines=[*header, _digits_line(240)])])
    (record,) = extract_document(text, DocType.ce_card, {1: image}.get).records
    assert (record.year, record.public_hours, record.professional_hours) == (2023, 30, 60)


def test_rows_and_blocks_from_geometry():
    lines = [TextLine(text=t, bbox=(x, y, x + 100, y + 30)) for t, x, y in (
        ("姓名", 100, 100), ("王建国", 400, 104), ("性别", 100, 150), ("2022年度", 100, 400), ("公需", 100, 450))]
    layout = analyse(DocumentText(sha256="t", source="ocr", engine="t", pages=[Page(number=1, width=800, height=800, lines=lines)]))
    assert [[c.text for c in row] for row in layout.rows] == [["姓名", "王建国"], ["性别"], ["2022年度"], ["公需"]]
    assert layout.blocks == [[0, 1], [2, 3]]


def _skewed_rows(slope: float) -> list[TextLine]:
    # a 3 × 4 table whose rows drift by `slope` (deskew leaves up to about 2°)
    lines = []
    for row, texts in enumerate((("年度", "公需", "专业", "审验日期"), ("2021", "30", "60", "2021/12/08"), ("2022", "24", "66", "2022/12/12"))):
        for col, text in enumerate(texts):
            x, y = 80 + col * 300, 400 + row * 80 + slope * col * 300
            lines.append(TextLine(text=text, bbox=(x, y, x + 90, y + 34)))
    return lines


@pytest.mark.parametrize("slope", [0.0, 0.035, -0.035])
def test_rows_follow_the_residual_skew(slope):
    rows = analyse(DocumentText(sha256="t", source="ocr", engine="t",
                                pages=[Page(number=1, width=1400, height=1000, lines=_skewed_rows(slope))])).rows
    assert [[c.text for c in row] for row in rows] == [["年度", "公需", "专业", "审验日期"], ["2021", "30", "60", "2021/12/08"],
                                                       ["2022", "24", "66", "2022/12/12"]]


@pytest.mark.parametrize(("lines", "slope"), [
    (_skewed_rows(0.035), 0.035),
    ([TextLine(text="单独一行", bbox=(100, 100, 300, 130))], 0.0),  # nothing side by side: no slope
    ([TextLine(text=t, bbox=(100, y, 300, y + 30)) for t, y in (("第一行", 100), ("第二行", 160), ("第三行", 220))], 0.0),
])
def test_page_slope(lines, slope):
    assert page_slope(lines) == pytest.approx(slope, abs=0.003)


def test_an_undecodable_image_leaves_the_layout_to_the_boxes():
    header = [TextLine(text=t, bbox=(x, 140, x + 150, 170)) for t, x in (("年度", 120), ("公需科目", 420), ("专业科目", 720))]
    row = [TextLine(text=t, bbox=(x, 240, x + 80, 270)) for t, x in (("2023", 120), ("30", 420), ("60", 720))]
    text = DocumentText(sha256="t", source="ocr", engine="t", pages=[Page(number=1, width=1400, height=1000, lines=header + row)])
    (record,) = extract_document(text, page_images=page_images_of(b"not an image", "card.png", text)).records
    assert (record.year, record.public_hours, record.professional_hours) == (2023, 30, 60)
