"""Grades marked on the image, for option lists OCR split over several lines of one row, and the doubt a
misread option list carries (a 优考 for 优秀 shifts the index the image mark is read against)."""

from __future__ import annotations

import numpy as np
import pytest

from extractors import grades
from extractors.layout import analyse
from extractors.strategies import MISREAD_OPTIONS_DOUBT, image_marked_grade
from zcps.models import DocumentText, Page, TextLine

CHAR = 30


def _text(cells: list[tuple[str, int]]) -> DocumentText:
    """One row of cells at y 400, each as OCR returns a line of its own."""
    lines = [TextLine(text=text, bbox=(x, 400, x + CHAR * len(text), 432), score=0.98) for text, x in cells]
    return DocumentText(sha256="t", source="ocr", engine="t", pages=[Page(number=1, width=1200, height=800, lines=lines)])


CASES = [
    # (cells of the row, option the detector reports, expected grade, doubted)
    ([("考核等次：优秀", 100), ("称职", 400), ("基本称职", 560), ("不称职", 760)], 1, "称职", False),
    ([("考核等次：", 100), ("优秀", 260), ("称职", 400), ("基本称职", 560), ("不称职", 760)], 0, "优秀", False),
    ([("考评结果：优秀 称职 基本称职 不称职", 100)], 2, "基本称职", False),
    # near misses: a garbled option (优考) left out of the list; a stray word among the options
    ([("考评结果：优考↓称职基本称职□不称职", 100)], 2, "不称职", True),
    ([("考核等次：优秀", 100), ("称职", 400), ("基本", 560), ("不称职", 760)], 2, "不称职", True),
    # a single option in the row is no list to mark
    ([("考核等次：", 100), ("称职", 400)], 0, None, False),
]


@pytest.mark.parametrize(("cells", "reported", "grade", "doubted"), CASES)
def test_options_across_a_rows_lines_and_the_misread_doubt(monkeypatch, cells, reported, grade, doubted):
    seen: list[list[str]] = []

    def detector(image, options):
        seen.append([o.text for o in options])
        return reported

    monkeypatch.setattr(grades, "IMAGE_MARK_DETECTORS", [detector])
    monkeypatch.setattr("extractors.strategies.IMAGE_MARK_DETECTORS", [detector])
    text = _text(cells)
    field = image_marked_grade(analyse(text, {}), lambda page: np.full((800, 1200, 3), 255, np.uint8))
    if grade is None:
        assert field is None
        return
    assert field.value == grade and field.method == "mark"
    assert (MISREAD_OPTIONS_DOUBT in field.doubts) is doubted
    assert seen[0][reported] == grade


GARBLED = [
    # (line text, grade read, garbled)
    ("评结果：优秀格基本台格不格", "优秀", True),  # the tick over 合格 broke the list; 优秀 was left whole
    ("考核结果：称职基本称职不称", "称职", True),
    ("考核结果：优秀□ 称职☑ 基本称职□ 不称职□", "称职☑", False),
    ("考核等次：称职", "称职", False),
    ("经单位考核委员会审核，你2022年度考核结果为称职等次。", "称职", False),
    ("考核结果：合格（√） 优秀（ ） 不合格（ ）", "合格（√）", False),
]


@pytest.mark.parametrize(("text", "raw", "garbled"), GARBLED)
def test_a_grade_left_whole_in_a_broken_option_list_is_doubted(text, raw, garbled):
    assert grades.garbled_options(text, raw) is garbled
