"""Where each character of a text line sits on the page, for provenance boxes and table columns.

PaddleOCR word boxes cover a digit run or a single CJK character; a character's place inside
a word box is estimated by width (CJK full width, ASCII half width). Without word boxes the
whole line box is shared out the same way.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from zcps.models import BBox, TextLine


@dataclass(frozen=True)
class Glyph:
    char: str
    index: int  # position in the line's text
    bbox: BBox

    @property
    def x(self) -> float:
        return (self.bbox[0] + self.bbox[2]) / 2


def _width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _spread(text: str, offset: int, bbox: BBox) -> list[Glyph]:
    total = sum(_width(ch) for ch in text) or 1
    x0, y0, x1, y1 = bbox
    step = (x1 - x0) / total
    glyphs, units = [], 0
    for i, char in enumerate(text):
        width = _width(char)
        if not char.isspace():
            glyphs.append(Glyph(char, offset + i, (x0 + units * step, y0, x0 + (units + width) * step, y1)))
        units += width
    return glyphs


def _word_offsets(line: TextLine) -> list[int] | None:
    """Where each word starts in the line's text, or ``None`` when they do not line up."""
    offsets, cursor = [], 0
    for word in line.words:
        found = line.text.find(word.text, cursor)
        if not word.text or found < 0:
            return None
        offsets.append(found)
        cursor = found + len(word.text)
    return offsets


def line_glyphs(line: TextLine) -> list[Glyph]:
    offsets = _word_offsets(line) if line.words else None
    if offsets is None:
        return _spread(line.text, 0, line.bbox)
    glyphs = []
    for word, offset in zip(line.words, offsets):
        glyphs.extend(_spread(word.text, offset, word.bbox))
    return glyphs


def union(boxes: list[BBox]) -> BBox:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def span_bbox(line: TextLine, span: tuple[int, int]) -> BBox:
    """Union of the word boxes covering ``span`` (cut inside a word that runs past the span);
    the line box when there are no usable word boxes."""
    if not line.words or _word_offsets(line) is None:
        return line.bbox
    start, end = span
    boxes = [g.bbox for g in line_glyphs(line) if start <= g.index < end]
    return union(boxes) if boxes else line.bbox
