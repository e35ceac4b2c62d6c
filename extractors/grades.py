"""Annual-assessment grades (年度考核等次), plain or as ticked option lists.

A form prints every option with a box and the reviewer ticks one: ``优秀□ 称职☑ 基本称职□ 不称职□``.
Marks can stand before or after the option, and OCR reads them loosely (☑ as √ or V, □ as 口),
so a mark only counts when it touches an option; an empty bracket pair （ ） is a box and （√） a
tick. A list without exactly one tick is unknown, never its first option, unless exactly one
option lost its box (the tick covered it). Marks drawn on the image (circles, underlines) are
read by ``image_marked_option``'s detector.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from extractors.matches import Match
from extractors.marks import read_marked_option
from extractors.vocabulary import vocabulary
from zcps.models import BBox

TICKS = "☑✓√✔■●☒✗✘Vv"
_WEAK_TICKS = "Vv"  # letters too; a tick only because they touch an option
BOXES = "□口☐○〇◯！"  # OCR reads a small empty box as 口 or ！
EMPTY_BOX = "□"  # what an empty bracket pair （ ） stands for
# A mark: a tick or box, bare or in brackets; an empty bracket pair is an empty box.
_MARK_RE = re.compile(rf"[\(（\[【]\s?[{re.escape(TICKS + BOXES)}]?\s?[\)）\]】]|[{re.escape(TICKS + BOXES)}]")




class _Option(NamedTuple):
    grade: str
    span: tuple[int, int]
    mark: str  # the tick or box that belongs to the option ("" if none)
    raw_span: tuple[int, int]  # the option with its mark


@lru_cache(maxsize=1)
def _grade_re() -> re.Pattern:
    # Longest first, so 基本称职 and 不称职 are never read as 称职.
    return re.compile(vocabulary().alternation(vocabulary().grades))


def _mark_char(mark: str) -> str:
    return next((ch for ch in mark if ch in TICKS or ch in BOXES), EMPTY_BOX)


def _gap(text: str) -> int | None:
    """Spaces between a mark and an option; ``None`` when anything else stands between them."""
    return len(text) if not text.strip() and len(text) <= 1 else None


def _options(text: str) -> list[_Option]:
    """Each option with the mark that touches it; a mark touching two options goes to the closer,
    and on a tie to the one without a mark yet, else to the side the line's first mark shows
    (``□优秀`` before, ``优秀□`` after)."""
    grades = list(_grade_re().finditer(text))
    if not grades:
        return []
    marks = [m for m in _MARK_RE.finditer(text) if not any(g.start() < m.end() and m.start() < g.end() for g in grades)]
    before_first = bool(marks) and marks[0].start() < grades[0].start()
    owner: dict[int, re.Match] = {}
    for mark in marks:
        left = next((i for i in reversed(range(len(grades))) if grades[i].end() <= mark.start()), None)
        right = next((i for i in range(len(grades)) if grades[i].start() >= mark.end()), None)
        left_gap = _gap(text[grades[left].end():mark.start()]) if left is not None else None
        right_gap = _gap(text[mark.end():grades[right].start()]) if right is not None else None
        weak = _mark_char(mark.group()) in _WEAK_TICKS
        if weak and not (left_gap == 0 or right_gap == 0):
            continue
        if left_gap is None and right_gap is None:
            continue
        if left_gap is not None and left_gap == right_gap and (left in owner) != (right in owner):
            # a mark between two options goes to the one that has none yet (□称职□基本称职 after a
            # bare 优秀 whose tick OCR dropped: the line's first mark is no guide to its side then)
            target = right if left in owner else left
        elif right_gap is None or (left_gap is not None and (left_gap < right_gap or (left_gap == right_gap and not before_first))):
            target = left
        else:
            target = right
        owner.setdefault(target, mark)
    options = []
    for index, grade in enumerate(grades):
        mark = owner.get(index)
        raw_span = (min(grade.start(), mark.start()), max(grade.end(), mark.end())) if mark else grade.span()
        options.append(_Option(grade.group(), grade.span(), _mark_char(mark.group()) if mark else "", raw_span))
    return options


def find_grade(text: str) -> Match | None:
    """The grade this line states or ticks, or ``None`` when it is unknown."""
    options = _options(text)
    if not options:
        return None
    if not any(o.mark for o in options):
        # 称职（合格） names one grade twice; several distinct grades unmarked name none.
        if len({vocabulary().grade_equivalence.get(o.grade, o.grade) for o in options}) == 1:
            first = options[0]
            return Match(first.grade, text[first.span[0]:options[-1].span[1]], first.span, 1.0)
        return None
    ticked = [o for o in options if o.mark and o.mark in TICKS]
    certainty = 1.0
    if not ticked:
        # A tick drawn over its box often makes OCR drop the box: in a list where every other
        # option kept its empty box, the one without a box is the ticked one.
        bare = [o for o in options if not o.mark]
        if len(bare) != 1 or len(options) < 3:
            return None
        ticked, certainty = bare, 0.9
    if len(ticked) != 1:
        return None
    chosen = ticked[0]
    raw = text[chosen.raw_span[0]:chosen.raw_span[1]]
    return Match(chosen.grade, raw.strip(), chosen.span, certainty * (0.9 if chosen.mark and chosen.mark in _WEAK_TICKS else 1.0))


def garbled_options(text: str, raw: str) -> bool:
    """Whether the line the grade ``raw`` was read from also holds pieces of other options that are not
    whole option words (优秀格基本台格不格: the tick over 合格 broke it): the list was misread, and the
    one word left whole need not be the one marked."""
    rest = re.split(r"[:：]", text)[-1].replace(raw, " ", 1)
    for _, (start, end) in reversed(option_spans(rest)):
        rest = rest[:start] + " " + rest[end:]
    letters = set("".join(vocabulary().grades))
    return any(ch in letters for ch in rest)


def option_spans(text: str) -> list[tuple[str, tuple[int, int]]]:
    """The grade options a line prints, with their spans: what an image-level detector looks at."""
    return [(m.group(), m.span()) for m in _grade_re().finditer(text)]


class OptionWord(NamedTuple):
    text: str
    bbox: BBox  # in pixels of the upright page image


# A detector takes the upright page image and the option words with their boxes, and returns which
# option is marked on the image (circled, underlined, handwritten): its index, or an object with an
# ``index`` attribute, or None when it cannot tell. Detectors plug in here; the first that answers wins.
ImageMarkDetector = Callable[[np.ndarray, list[OptionWord]], object]
IMAGE_MARK_DETECTORS: list[ImageMarkDetector] = [read_marked_option]


def image_marked_option(image: np.ndarray, options: list[OptionWord]) -> int | None:
    for detector in IMAGE_MARK_DETECTORS:
        answer = detector(image, options)
        index = answer if isinstance(answer, int) or answer is None else getattr(answer, "index", None)
        if index is not None:
            return index
    return None
