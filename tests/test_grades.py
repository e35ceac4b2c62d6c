"""Assessment grades: plain, ticked option lists, OCR-read ticks and boxes, and unknowns."""

from __future__ import annotations

import pytest

from extractors.grades import find_grade

CASES = [
    # plain statements; longest option first
    ("考核结果：称职", "称职"),
    ("考核结果：基本称职", "基本称职"),
    ("考核结果：不称职", "不称职"),
    ("考核等次 优秀", "优秀"),
    ("合格", "合格"),
    ("基本合格", "基本合格"),
    ("不合格", "不合格"),
    ("考核等次：称职（合格）", "称职"),
    # ticked option lists, marks after the option
    ("优秀□ 称职☑ 基本称职□ 不称职□", "称职"),
    ("优秀□ 称职□ 基本称职☑ 不称职□", "基本称职"),
    ("优秀□ 称职□ 基本称职□ 不称职☑", "不称职"),
    ("优秀☑ 称职□ 基本称职□ 不称职□", "优秀"),
    ("优秀□称职□基本称职☑不称职□", "基本称职"),
    ("优秀口 称职√ 基本称职口 不称职口", "称职"),  # boxes read as 口
    ("优秀口 称职✓ 基本称职口 不称职口", "称职"),
    ("优秀V 称职口 基本称职口 不称职口", "优秀"),  # tick read as V
    ("优秀○ 称职● 基本称职○ 不称职○", "称职"),
    # marks before the option
    ("□优秀 ☑称职 □基本称职 □不称职", "称职"),
    ("□优秀 □称职 ☑基本称职 □不称职", "基本称职"),
    ("☑称职", "称职"),
    ("√称职", "称职"),
    ("■称职", "称职"),
    ("✔称职", "称职"),
    ("(√)称职", "称职"),
    ("（√）基本称职", "基本称职"),
    ("称职✓", "称职"),
    # bracketed marks after the option; empty brackets are boxes
    ("优秀（ ） 称职（√） 基本称职（ ） 不称职（ ）", "称职"),
    ("优秀（） 称职（√） 基本称职（） 不称职（）", "称职"),
    ("优秀 称职（√） 基本称职 不称职", "称职"),
    ("（ ）优秀 （√）称职 （ ）基本称职", "称职"),
    ("优秀✔ 称职 基本称职", "优秀"),  # the tick touches 优秀, a space parts it from 称职
    ("●合格 ○基本合格 ○不合格", "合格"),
    ("优秀！ 称职 基本称职！ 不称职！", "称职"),  # boxes read as ！, the ticked one lost its box
    # marks before the option, the ticked first one lost its ☑ and OCR closed a gap: the box between
    # 称职 and 基本称职 is 基本称职's, since 称职 has its own
    ("考评结果：优秀 □称职□基本称职 □不称职", "优秀"),
    ("优秀 □称职□基本称职□不称职", "优秀"),
    ("□优秀 称职□基本称职 □不称职", "称职"),
    ("□优秀□称职□基本称职 不称职", "不称职"),
    # unknown: no tick, several ticks, no option
    ("优秀（ ） 称职（ ） 基本称职（ ）", None),
    ("优秀（√） 称职（√） 基本称职（ ）", None),
    ("优秀□ 称职□ 基本称职□ 不称职□", None),
    ("优秀口 称职口 基本称职口 不称职口", None),
    ("优秀 称职 基本称职 不称职", None),
    ("优秀☑ 称职☑ 基本称职□ 不称职□", None),
    ("优秀 称职□基本称职□不称职", None),  # two bare options: which lost its tick is unknown
    ("称职 不称职", None),
    ("考核结果：", None),
    ("年度考核登记表", None),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_grade(text, expected):
    found = find_grade(text)
    assert (found.value if found else None) == expected


@pytest.mark.parametrize(("text", "raw"), [
    ("优秀□ 称职☑ 基本称职□", "称职☑"),
    ("□优秀 ☑基本称职 □不称职", "☑基本称职"),
])
def test_grade_raw_and_span(text, raw):
    found = find_grade(text)
    assert found.raw == raw
    assert text[found.span[0]:found.span[1]] == found.value


@pytest.mark.parametrize(("text", "certainty"), [("优秀□ 称职☑", 1.0), ("优秀□ 称职V", 0.9)])
def test_letter_ticks_are_less_certain(text, certainty):
    assert find_grade(text).certainty == certainty


def test_image_marks_plug_in_where_the_text_has_none():
    import numpy as np

    from extractors.extract import extract_document
    from extractors.grades import IMAGE_MARK_DETECTORS
    from zcps.models import DocType, DocumentText, Page, TextLine

    seen = []

    class Marked:  # a detector may answer with an object carrying the index
        index = 1

    def circled_second(image, options):
        seen.append([option.text for option in options])
        assert all(len(option.bbox) == 4 for option in options)
        return Marked()

    text = DocumentText(sha256="t", source="ocr", engine="t", pages=[Page(number=1, width=800, height=600, lines=[
        TextLine(text="考核等次", bbox=(50, 100, 200, 130)), TextLine(text="优秀 称职 基本称职 不称职", bbox=(50, 160, 500, 190))])])
    image = np.full((600, 800, 3), 255, np.uint8)
    assert "grade" not in extract_document(text, DocType.annual_assessment, {1: image}.get).fields
    IMAGE_MARK_DETECTORS.append(circled_second)
    try:
        grade = extract_document(text, DocType.annual_assessment, {1: image}.get).fields["grade"]
        without_image = extract_document(text, DocType.annual_assessment).fields
    finally:
        IMAGE_MARK_DETECTORS.remove(circled_second)
    assert (grade.value, grade.method) == ("称职", "mark")
    assert seen == [["优秀", "称职", "基本称职", "不称职"]] and "grade" not in without_image
