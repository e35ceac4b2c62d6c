"""Readers for fields that no label locates, named by a spec's ``strategy`` and tried before its labels.

Each takes the document layout and returns a Field or ``None``; the spec's labels and fallbacks
take over on ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from extractors.associate import Reading
from extractors.fields_boxes import span_bbox
import numpy as np

from extractors.grades import (BOXES, IMAGE_MARK_DETECTORS, TICKS, OptionWord, find_grade, image_marked_option,
                              option_spans)
from extractors.kinds import reader
from extractors.matches import Match
from extractors.layout import Cell, DocumentLayout
from extractors.doc_specs import FieldSpec
from zcps.models import Field

_QUOTED = re.compile(r"《(?P<t>[^》]{2,60})》")
_TITLE_LABEL = re.compile(r"(?:论文题目|题目|论文名称|项目名称|成果名称|获奖项目|荣誉称号)\s*[:：]\s*(?P<t>\S.{1,60})")
_ISSUE = re.compile(r"第\s*\d+\s*期")
_NOT_PUBLICATION = re.compile(r"收\s*稿|修\s*回|录\s*用")
_OPTION = re.compile(r"\s*[（(]?\s*(?P<n>[1-8])\s*[)）]")
_HAN = re.compile(r"[\u4e00-\u9fa5]")
MISREAD_OPTIONS_DOUBT = "考核等次选项未能完整识别，所圈选/勾选的等次可能对应错误"

Strategy = Callable[[DocumentLayout, FieldSpec], "Field | None"]


def _field(cell: Cell, value, raw: str, span: tuple[int, int], certainty: float, method: str) -> Field:
    return Reading(Match(value, raw, span, certainty), cell, method, None, span_bbox(cell.line, span)).field(None)


def achievement_title(layout: DocumentLayout, spec: FieldSpec) -> Field | None:
    """A 《quoted》 title, a labelled one, or the largest type on the first page (a paper's title)."""
    rows = layout.row_cells
    for pattern in (_QUOTED, _TITLE_LABEL):
        for cell in rows:
            match = pattern.search(cell.text)
            if match:
                value = match.group("t").strip()
                return _field(cell, value, value, match.span("t"), 1.0, "pattern")
    if not rows:
        return None
    first_page = [c for c in rows if c.page == rows[0].page and len(_HAN.findall(c.text)) >= 6
                  and not reader(FieldSpec(kind="date"), False)(c.text) and not re.search(r"摘要|关键词|[:：]", c.text)]
    if not first_page:
        return None
    tallest = max(first_page, key=lambda c: c.bbox[3] - c.bbox[1])
    value = tallest.text.strip()
    return _field(tallest, value, value, (0, len(tallest.text)), 0.8, "position")


def journal_issue(layout: DocumentLayout, spec: FieldSpec) -> Field | None:
    """A journal prints its issue (2021年5月 第3期) in the running head; 收稿日期 is not publication."""
    dates = reader(spec, False)
    issue = [c for c in layout.row_cells if _ISSUE.search(c.text) and not _NOT_PUBLICATION.search(c.text)]
    for cell in reversed(issue):
        found = dates(cell.text)
        if found:
            m = found[-1]
            return _field(cell, m.value, m.raw, m.span, m.certainty, "position")
    return None


def ticked_item(layout: DocumentLayout, spec: FieldSpec) -> Field | None:
    """The option (（7）…) whose line ends in a tick; failing that, the one not ending in an empty box."""
    options = [(c, m) for c in layout.row_cells if (m := _OPTION.match(c.text))]
    for marks, certainty in ((TICKS, 1.0), (None, 0.9)):
        if marks is not None:
            chosen = [(c, m) for c, m in options if c.text.rstrip()[-1:] in marks]
        else:
            chosen = [(c, m) for c, m in options if c.text.rstrip()[-1:] not in BOXES]
        if len(chosen) == 1 and len(options) >= 3:
            cell, match = chosen[0]
            return _field(cell, int(match.group("n")), match.group(), match.span(), certainty, "mark")
    return None


def _row_options(layout: DocumentLayout, index: int) -> list[tuple[Cell, str, tuple[int, int]]]:
    """The option words of one row, each in its own OCR line: OCR often reads a circled or boxed
    option as a line of its own (考核等次：优秀 | 称职 | 基本称职 | 不称职)."""
    cells = sorted(layout.rows[index], key=lambda c: c.bbox[0])
    return [(cell, word, span) for cell in cells for word, span in option_spans(cell.text)]


def _misread_options(cells: list[Cell]) -> bool:
    """Whether the cells from the first option to the last hold characters that are neither option,
    mark nor label: an option
    OCR garbled (优考 for 优秀), so the list read is not the list printed and an index into it may
    point at the wrong word."""
    for cell in cells:
        text = re.split(r"[:：]", cell.text)[-1]
        for _, (start, end) in reversed(option_spans(text)):
            text = text[:start] + text[end:]
        if _HAN.search(text):
            return True
    return False


def image_marked_grade(layout: DocumentLayout, page_images: Callable[[int], np.ndarray | None]) -> Field | None:
    """The grade marked on the page image, for an option list whose text carries no mark."""
    if not IMAGE_MARK_DETECTORS:
        return None
    for index, row in enumerate(layout.rows):
        options = _row_options(layout, index)
        if len(options) < 2 or find_grade(layout.row_cell(index).text) is not None:
            continue
        image = page_images(row[0].page)
        if image is None:
            continue
        marked = image_marked_option(image, [OptionWord(word, span_bbox(cell.line, span)) for cell, word, span in options])
        if marked is not None and 0 <= marked < len(options):
            cell, word, span = options[marked]
            field = _field(cell, word, word, span, 1.0, "mark")
            first, last = options[0][0].bbox[0], options[-1][0].bbox[0]
            if _misread_options(sorted((c for c in row if first <= c.bbox[0] <= last), key=lambda c: c.bbox[0])):
                field.doubts.append(MISREAD_OPTIONS_DOUBT)
            return field
    return None


STRATEGIES: dict[str, Strategy] = {
    "achievement_title": achievement_title, "journal_issue": journal_issue, "ticked_item": ticked_item,
}
