"""Annual-assessment grades (年度考核等次), plain or as ticked option lists.

A form prints every option with a box and the reviewer ticks one: ``优秀□ 称职☑ 基本称职□ 不称职□``.
Marks can stand before or after the option, and OCR reads them loosely (☑ as √ or V, □ as 口),
so a mark only counts when it touches an option. A list without exactly one tick is unknown,
unless exactly one option lost its box (the tick covered it).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from extractors.vocabulary import vocabulary

TICKS = "☑✓√✔■●☒✗✘Vv"
_WEAK_TICKS = "Vv"  # letters too; a tick only because they touch an option
BOXES = "□口☐○〇◯"
_MARK = rf"[\(（\[【]?\s?[{re.escape(TICKS + BOXES)}]\s?[\)）\]】]?"
_MARK_BEFORE = re.compile(rf"{_MARK}\s?$")
_MARK_AFTER = re.compile(rf"^\s?{_MARK}")


class GradeMatch(NamedTuple):
    value: str
    raw: str
    span: tuple[int, int]
    certainty: float


class _Option(NamedTuple):
    grade: str
    span: tuple[int, int]
    before: str  # the mark touching the option on its left ("" if none)
    after: str
    raw_span: tuple[int, int]  # the option with both touching marks


def _mark_char(mark: re.Match | None) -> str:
    if mark is None:
        return ""
    return next((ch for ch in mark.group() if ch in TICKS or ch in BOXES), "")


@lru_cache(maxsize=1)
def _grade_re() -> re.Pattern:
    # Longest first, so 基本称职 and 不称职 are never read as 称职.
    return re.compile(vocabulary().alternation(vocabulary().grades))


def names_grade(text: str) -> bool:
    return _grade_re().search(text) is not None


def _options(text: str) -> list[_Option]:
    tokens = list(_grade_re().finditer(text))
    options = []
    for index, token in enumerate(tokens):
        left_bound = tokens[index - 1].end() if index else 0
        right_bound = tokens[index + 1].start() if index + 1 < len(tokens) else len(text)
        before = _MARK_BEFORE.search(text[left_bound:token.start()])
        after = _MARK_AFTER.search(text[token.end():right_bound])
        raw_start = left_bound + before.start() if before else token.start()
        raw_end = token.end() + after.end() if after else token.end()
        options.append(_Option(token.group(), token.span(), _mark_char(before), _mark_char(after),
                               (raw_start, raw_end)))
    return options


def _marks_follow(options: list[_Option]) -> bool:
    """Whether this line prints its boxes after the options (``称职☑``) rather than before."""
    after = sum(bool(o.after) for o in options)
    before = sum(bool(o.before) for o in options)
    if after != before:
        return after > before
    # Equal counts happen when one mark sits between two options; a line ending in a mark
    # means marks follow their options.
    return bool(options[-1].after)


def find_grade(text: str) -> GradeMatch | None:
    """The grade this line states or ticks, or ``None`` when it is unknown."""
    options = _options(text)
    if not options:
        return None
    if not any(o.before or o.after for o in options):
        # 称职（合格） names one grade twice; several distinct grades unmarked name none.
        if len({vocabulary().grade_equivalence.get(o.grade, o.grade) for o in options}) == 1:
            first = options[0]
            return GradeMatch(first.grade, text[first.span[0]:options[-1].span[1]], first.span, 1.0)
        return None
    follow = _marks_follow(options)
    ticked = [o for o in options if (o.after if follow else o.before) in TICKS
              and (o.after if follow else o.before)]
    certainty = 1.0
    if not ticked:
        # A tick drawn over its box often makes OCR drop the box: in a list where every other
        # option kept its empty box, the one without a box is the ticked one.
        bare = [o for o in options if not (o.after if follow else o.before)]
        if len(bare) != 1 or len(options) < 3:
            return None
        ticked, certainty = bare, 0.9
    if len(ticked) != 1:
        return None
    chosen = ticked[0]
    mark = chosen.after if follow else chosen.before
    start, end = chosen.span
    raw = text[start:chosen.raw_span[1]] if follow else text[chosen.raw_span[0]:end]
    return GradeMatch(chosen.grade, raw.strip(), chosen.span, certainty * (0.9 if mark and mark in _WEAK_TICKS else 1.0))


def normalise_grade(text: str) -> str | None:
    found = find_grade(text)
    return found.value if found else None
