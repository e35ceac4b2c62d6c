"""extractors.marks on option lists rendered with the generator's fonts and pen marks (no OCR)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from extractors.marks import MarkMethod, OptionBox, read_marked_option
from fixtures.generator.canvas import Sheet
from fixtures.generator.layouts import pen_marks

GRADES = ("优秀", "称职", "基本称职", "不称职")
PASS_FAIL = ("合格", "不合格")


def _render(options, printed: str, mark: str | None, target: int, *, degrade: str = "") -> tuple[np.ndarray, list[OptionBox], Sheet]:
    """Draw ``考核等次：`` and the options with their printed boxes, then the reviewer's mark."""
    sheet = Sheet(190, 40, 200)
    segments: list = ["考核等次："]
    for option in options:
        if printed == "box_before":
            segments += ["□", option, "  "]
        elif printed == "box_after":
            segments += [option, "□", "  "]
        elif printed == "brackets":
            segments += [option, "（  ）", " "]
        else:
            segments += [option, "    "]
    sheet.write(10, 22, segments, pt=13)
    boxes = sheet.segment_boxes
    step = 2 if printed == "plain" else 3
    first = 2 if printed == "box_before" else 1
    words = [OptionBox(o, tuple(float(v) for v in boxes[first + i * step])) for i, o in enumerate(options)]
    mark_box = {"box_before": lambda i: boxes[1 + i * 3], "box_after": lambda i: boxes[2 + i * 3],
                "brackets": lambda i: boxes[2 + i * 3]}.get(printed)
    rng = random.Random(target * 31 + len(printed))
    word = boxes[first + target * step]
    h = word[3] - word[1]
    if mark == "tick":
        pen_marks.tick(sheet, mark_box(target))
    elif mark == "check":
        after = (word[2] + 4, word[1], word[2] + 4 + h, word[3])
        pen_marks.tick(sheet, after if mark_box is None else mark_box(target), glyph="✓")
    elif mark == "heavy_check":
        pen_marks.tick(sheet, mark_box(target), glyph="✔")
    elif mark == "bracket_tick":
        x0, y0, x1, y1 = mark_box(target)
        inner = ((x0 + x1) // 2 - h // 3, y0, (x0 + x1) // 2 + h // 3, y1)
        pen_marks.tick(sheet, inner)
    elif mark in ("square", "dot"):
        pen_marks.fill(sheet, mark_box(target), shape=mark)
    elif mark == "circle":
        pen_marks.circle(sheet, word, rng)
    elif mark == "tight_circle":  # drawn through the word's outer strokes, touching its glyphs
        pen_marks.circle(sheet, (word[0] + h // 6, word[1] + h // 5, word[2] - h // 6, word[3] - h // 5), rng)
    elif mark == "tight_circle_two":
        after = boxes[first + (target + 1) * step]
        pen_marks.circle(sheet, (word[0] + h // 6, word[1] + h // 5, after[2] - h // 6, after[3] - h // 5), rng)
    elif mark in ("tick_below", "ticks_below_two"):  # 打√ in the cell under the option's column
        for index in (target, target + 1) if mark == "ticks_below_two" else (target,):
            column = boxes[first + index * step]
            cx = (column[0] + column[2]) // 2 + h // 2
            pen_marks.tick(sheet, (cx - h // 3, column[3] + h, cx + h // 3, column[3] + 2 * h))
    elif mark == "text_below":
        sheet.write(10, 31, "本人已知悉上述考核结果，无异议。", pt=11)
    elif mark == "underline":
        pen_marks.underline(sheet, word, rng)
    elif mark == "two_ticks":
        pen_marks.tick(sheet, mark_box(target))
        pen_marks.tick(sheet, mark_box(target + 1))
    elif mark == "circle_label":
        pen_marks.circle(sheet, boxes[0], rng)
    elif mark == "stray_stroke":
        pen_marks.stroke(sheet, (word[0], word[1] - 2.2 * h), (word[2] + h, word[1] - 1.6 * h))
    elif mark == "short_underline":
        pen_marks.underline(sheet, word, rng, share=0.3)
    elif mark == "row_rule":
        line = sheet.lines[-1].bbox
        y = (line[3] + h * 0.3) * 25.4 / 200
        sheet.rule(5, y, 185, y)
    pixels = np.asarray(sheet.image, dtype=np.float32)
    if degrade == "fax":
        grey = pixels.mean(axis=2, keepdims=True)
        pixels = np.repeat(150 + (grey - 128) * 0.55, 3, axis=2)
    elif degrade == "low_contrast":
        pixels = 170 + pixels * 0.33
    elif degrade == "noise":
        pixels = pixels + np.random.default_rng(7).standard_normal(pixels.shape[:2])[..., None] * 12
    rgb = np.clip(pixels, 0, 255).astype(np.uint8)
    if degrade == "skew":
        rgb, words = _skewed(rgb, words, 1.5)
    return rgb[..., ::-1].copy(), words, sheet


def _skewed(rgb: np.ndarray, words: list[OptionBox], degrees: float) -> tuple[np.ndarray, list[OptionBox]]:
    """The page turned a little, as a scanner feeds it; word boxes become the boxes around their turned corners."""
    import cv2

    h, w = rgb.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    turned = cv2.warpAffine(rgb, matrix, (w, h), borderValue=(255, 255, 255))
    moved = []
    for word in words:
        x0, y0, x1, y1 = word.bbox
        corners = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]]) @ matrix.T
        moved.append(OptionBox(word.text, (corners[:, 0].min(), corners[:, 1].min(), corners[:, 0].max(),
                                           corners[:, 1].max())))
    return turned, moved


CASES = [
    # (options, printed, mark, target, degrade, expected option index or None, method)
    (GRADES, "box_after", "tick", 1, "", 1, MarkMethod.glyph),
    (GRADES, "box_after", "tick", 0, "", 0, MarkMethod.glyph),
    (GRADES, "box_before", "tick", 3, "", 3, MarkMethod.glyph),
    (GRADES, "box_after", "heavy_check", 2, "", 2, MarkMethod.glyph),
    (GRADES, "plain", "check", 1, "", 1, MarkMethod.glyph),
    (GRADES, "box_after", "square", 1, "", 1, MarkMethod.glyph),
    (GRADES, "box_before", "dot", 0, "", 0, MarkMethod.glyph),
    (GRADES, "brackets", "bracket_tick", 1, "", 1, MarkMethod.glyph),
    (PASS_FAIL, "brackets", "bracket_tick", 0, "", 0, MarkMethod.glyph),
    (GRADES, "plain", "circle", 1, "", 1, MarkMethod.circle),
    (GRADES, "box_after", "circle", 2, "", 2, MarkMethod.circle),
    (PASS_FAIL, "plain", "circle", 0, "", 0, MarkMethod.circle),
    (GRADES, "plain", "tight_circle", 1, "", 1, MarkMethod.circle),
    (GRADES, "box_before", "tight_circle", 2, "", 2, MarkMethod.circle),
    (GRADES, "plain", "tight_circle", 0, "fax", 0, MarkMethod.circle),
    (GRADES, "plain", "tick_below", 1, "", 1, MarkMethod.glyph),
    (GRADES, "plain", "tick_below", 3, "low_contrast", 3, MarkMethod.glyph),
    (GRADES, "plain", "underline", 1, "", 1, MarkMethod.underline),
    (GRADES, "plain", "underline", 3, "", 3, MarkMethod.underline),
    (GRADES, "box_after", "tick", 1, "fax", 1, MarkMethod.glyph),
    (GRADES, "plain", "circle", 0, "low_contrast", 0, MarkMethod.circle),
    (GRADES, "box_before", "tick", 2, "noise", 2, MarkMethod.glyph),
    (GRADES, "box_after", "tick", 3, "skew", 3, MarkMethod.glyph),
    (GRADES, "plain", "circle", 2, "skew", 2, MarkMethod.circle),
    (GRADES, "box_after", None, 0, "skew", None, None),
    # Near misses: nothing, or nothing that marks an option.
    (GRADES, "box_after", None, 1, "", None, None),
    (GRADES, "plain", None, 0, "", None, None),
    (GRADES, "brackets", None, 0, "", None, None),
    (GRADES, "plain", "circle_label", 1, "", None, None),
    (GRADES, "box_after", "stray_stroke", 1, "", None, None),
    (GRADES, "plain", "short_underline", 1, "", None, None),
    (GRADES, "plain", "row_rule", 1, "", None, None),
    (GRADES, "box_after", "two_ticks", 1, "", None, None),
    (GRADES, "plain", "tight_circle_two", 1, "", None, None),
    (GRADES, "plain", "ticks_below_two", 1, "", None, None),
    (GRADES, "plain", "text_below", 1, "", None, None),
]


@pytest.mark.parametrize("options,printed,mark,target,degrade,expected,method", CASES)
def test_marked_option_from_the_image(options, printed, mark, target, degrade, expected, method):
    image, words, _ = _render(options, printed, mark, target, degrade=degrade)
    result = read_marked_option(image, words)
    assert result.index == expected, result
    assert result.option == (options[expected] if expected is not None else None)
    assert result.method == method
    assert (result.confidence > 0.5) == (expected is not None)


@pytest.mark.parametrize("written,expected", [
    ("称职", "称职"), ("基本称职", "基本称职"), ("不 称 职", "不称职"), ("优秀", "优秀"),
    ("", None), ("同意", None),
])
def test_handwritten_grade_in_the_answer_box(written, expected):
    image, words, _ = _render(GRADES, "plain", None, 0)
    result = read_marked_option(image, words, written=written)
    assert result.option == expected
    assert result.method == (MarkMethod.handwritten if expected else None)


def test_no_options_is_unknown():
    image, _, _ = _render(GRADES, "plain", None, 0)
    assert read_marked_option(image, []).option is None


REAL_OCR_LAYOUTS = ("assess-institution-circled", "assess-institution-paren", "assess-enterprise-confirm-square")


@pytest.mark.models
@pytest.mark.parametrize("layout_id", REAL_OCR_LAYOUTS)
def test_marked_grade_on_a_rendered_family_page_through_real_ocr(layout_id):
    """OCR finds the option words; their boxes (from OCR, not from the truth) go to the mark reader."""
    import cv2

    from extractors.fields_boxes import span_bbox
    from extractors.ocr import get_engine
    from fixtures.generator.layouts.family import render_layout

    data, truth = render_layout(layout_id, seed=5, degradation="low_contrast")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    lines = get_engine().recognize(image)
    scale = ("优秀", "称职", "基本称职", "不称职") if truth.fields["grade"].value in GRADES else \
        ("优秀", "合格", "基本合格", "不合格")
    # OCR may cut the option row into several lines at the wide gaps; take the row's lines left to right.
    row = max(lines, key=lambda ln: sum(option in ln.text for option in scale))
    centre, height = (row.bbox[1] + row.bbox[3]) / 2, row.bbox[3] - row.bbox[1]
    row_lines = sorted((ln for ln in lines if abs((ln.bbox[1] + ln.bbox[3]) / 2 - centre) < height / 2),
                       key=lambda ln: ln.bbox[0])
    words, pending = [], list(scale)
    for line in row_lines:  # in printed order, each searched after the previous one (称职 before 基本称职)
        cursor = 0
        while pending and (start := line.text.find(pending[0], cursor)) >= 0:
            words.append(OptionBox(pending[0], span_bbox(line, (start, start + len(pending[0])))))
            cursor = start + len(pending.pop(0))
    assert not pending, [ln.text for ln in row_lines]
    result = read_marked_option(image, words)
    assert result.option == truth.fields["grade"].value, (line.text, result)


SIDE_INK = [
    # ink beside each option (h² units), measured on rendered family pages, and the option it marks
    ([0.033, 0.09, 0.027, 0.027], 1),  # a small tick inside printed brackets
    ([0.009, 0.047, 0.018, 0.018], 1),  # a fax's thinned tick
    ([0.11, 0.631, 0.123, 0.126], 1),  # a plain tick over a box
    # near misses: no option dwarfs the next
    ([0.093, 0.011, 0.066, 0.006], None),  # two options inked
    ([0.136, 0.081, 0.07, 0.081], None),
    ([0.005, 0.008, 0.008, 0.0], None),  # printed brackets only
    ([0.021, 0.012], None),
]


@pytest.mark.parametrize(("ink", "expected"), SIDE_INK)
def test_a_faint_mark_counts_only_when_it_dwarfs_the_next(ink, expected):
    from extractors.marks import _by_side_ink

    index, _ = _by_side_ink(ink)
    assert (index if index is not None and index >= 0 else None) == expected
