"""Which printed option is marked, read from the page image: ☑ √ ✓ ✔ ■ ●, （√）, a circle, an underline.

Assessment forms print every option (优秀 称职 基本称职 不称职, 合格 不合格 …) and the reviewer marks one.
OCR reads the words reliably but the marks poorly (a hand tick over a box, a ballpoint circle), so the
decision is made on the ink around each option's word box:

- ink blobs beside a word (a tick, a filled box, a tick inside printed brackets) are given to the
  nearest option; printed empty boxes and brackets put the same ink beside every option, so only an
  option with clearly more ink than the others counts as marked;
- a stroke that encloses one word box, and no other option, is a circle; so is one drawn tight enough
  to touch the glyphs, which merges with them into one component as wide and tall as the word
  (a word's printed characters are separate components);
- a tick in a row of its own under the options (a column per option, 打√ in the cell below) is given
  to the option whose column it stands in, when no other column holds ink;
- a flat stroke under one word, no longer than the word by much, is an underline; a table rule runs
  on under the neighbours and is not;
- a grade written into an answer box is passed in as text (``written``) and must name one option.

Nothing marked, or two options marked, gives ``option=None``: unknown, never the first option.
"""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple, Sequence

import cv2
import numpy as np
from pydantic import BaseModel, Field

from zcps.models import BBox

# Geometry, in units of the options' text height h.
_SIDE_REACH = 1.3  # how far beside a word a mark may start
_OUTER_REACH = 0.45  # the same, before the first option and after the last
_BAND = 0.9  # how far above/below the line's centre a side mark may sit
_MARK_MAX = 2.2  # a side mark is at most this wide or tall
_CIRCLE_SLACK = 0.2  # a circle may cut into the word box by this much
_CIRCLE_MAX = 3.5  # a circle is at most the word plus this, wide and tall
_UNDERLINE_DROP = 0.9  # an underline starts at most this far below the word
_UNDERLINE_OVERRUN = 1.5  # and runs past the word by at most this much in total
_UNDERLINE_THICK = 0.4
_BELOW_REACH = 2.8  # a mark in the row under the options starts within this far below them
_BELOW_MIN_INK = 0.15  # and has this much ink, in h², while every other column has at most
_BELOW_STRAY_INK = 0.03
# A side mark counts when its option has this much more ink (in h²) than the next option, and this ratio.
_MIN_EXTRA_INK = 0.06
_MIN_RATIO = 1.45
# A faint mark (a small tick inside printed brackets, a fax's thinned strokes) counts when it dwarfs
# the next option's ink, and that option has printed ink of its own (its box or brackets): on bare
# words a stroke that small is a stray, not a tick.
_FAINT_EXTRA_INK = 0.028
_FAINT_RATIO = 2.2
_RED_MARGIN = 60  # R above max(G, B) by this much: a red seal, not pen or print


class MarkMethod(str, Enum):
    glyph = "glyph"  # ☑ √ ✓ ✔ ■ ● beside the word, or （√）
    circle = "circle"
    underline = "underline"
    handwritten = "handwritten"


class OptionBox(NamedTuple):
    text: str
    bbox: BBox  # (x0, y0, x1, y1) in pixels of the image passed alongside


class MarkedOption(BaseModel):
    """The marked option (``None`` when unknown), how it was marked, and how sure the reading is."""

    option: str | None
    index: int | None = None
    method: MarkMethod | None = None
    confidence: float = 0.0
    ink: list[float] = Field(default_factory=list)  # side-mark ink per option, in h² (for diagnosis)
    doubts: list[str] = Field(default_factory=list)  # reviewer-facing Chinese


class _Blob(NamedTuple):
    x0: int
    y0: int
    x1: int
    y1: int
    area: int


def ink_mask(image: np.ndarray, channels: str = "bgr") -> np.ndarray:
    """Dark pixels (print and pen) as 1, paper and red seal ink as 0; Otsu copes with faxes and low contrast."""
    if image.ndim == 2:
        grey, red_seal = image, np.zeros(image.shape, dtype=bool)
    else:
        colour = image[..., :3].astype(np.int16)
        red, green, blue = (colour[..., 2], colour[..., 1], colour[..., 0]) if channels == "bgr" else \
            (colour[..., 0], colour[..., 1], colour[..., 2])
        red_seal = red - np.maximum(green, blue) > _RED_MARGIN
        grey = cv2.cvtColor(image[..., :3].astype(np.uint8),
                            cv2.COLOR_BGR2GRAY if channels == "bgr" else cv2.COLOR_RGB2GRAY)
    _, dark = cv2.threshold(grey.astype(np.uint8), 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    dark[red_seal] = 0
    return dark


def _blobs(mask: np.ndarray, offset: tuple[int, int]) -> list[_Blob]:
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    ox, oy = offset
    return [_Blob(ox + x, oy + y, ox + x + w, oy + y + h, area) for x, y, w, h, area in stats[1:count]
            if area >= 3]


def _inside(blob: _Blob, box: BBox, slack: float) -> bool:
    cx, cy = (blob.x0 + blob.x1) / 2, (blob.y0 + blob.y1) / 2
    return box[0] - slack <= cx <= box[2] + slack and box[1] - slack <= cy <= box[3] + slack


def _encloses(blob: _Blob, box: BBox, h: float) -> bool:
    slack = _CIRCLE_SLACK * h
    return (blob.x0 <= box[0] + slack and blob.x1 >= box[2] - slack and blob.y0 < box[1] - 0.05 * h
            and blob.y1 > box[3] + 0.05 * h and blob.x1 - blob.x0 <= box[2] - box[0] + _CIRCLE_MAX * h
            and blob.y1 - blob.y0 <= _CIRCLE_MAX * h)


def _rings(blob: _Blob, box: BBox, h: float) -> bool:
    """A circle drawn through the word's outer strokes: one component spanning the whole word, not much larger."""
    slack = _CIRCLE_SLACK * h
    return (blob.x0 <= box[0] + slack and blob.x1 >= box[2] - slack and blob.y0 <= box[1] + slack
            and blob.y1 >= box[3] - slack and blob.x1 - blob.x0 <= box[2] - box[0] + _CIRCLE_MAX * h
            and blob.y1 - blob.y0 <= _CIRCLE_MAX * h)


def _below_ink(blobs: list[_Blob], options: Sequence[OptionBox], h: float) -> int | None:
    """The option whose column holds the only mark in the row under the options (打√ in the cell below)."""
    bottom = max(o.bbox[3] for o in options)
    centres = [(o.bbox[0] + o.bbox[2]) / 2 for o in options]
    edges = [-np.inf] + [(a + b) / 2 for a, b in zip(centres, centres[1:])] + [np.inf]
    ink = [0.0] * len(options)
    for blob in blobs:
        if not bottom + 0.2 * h <= blob.y0 <= bottom + _BELOW_REACH * h:
            continue
        if blob.x1 - blob.x0 > _MARK_MAX * h or blob.y1 - blob.y0 > _MARK_MAX * h:
            continue  # a table rule, not a mark
        cx = (blob.x0 + blob.x1) / 2
        column = next(i for i in range(len(options)) if edges[i] <= cx < edges[i + 1])
        if abs(cx - centres[column]) > (options[column].bbox[2] - options[column].bbox[0]) / 2 + _SIDE_REACH * h:
            continue
        ink[column] += blob.area / (h * h)
    best = int(np.argmax(ink))
    others = [v for i, v in enumerate(ink) if i != best]
    return best if ink[best] >= _BELOW_MIN_INK and all(v <= _BELOW_STRAY_INK for v in others) else None


def _underlines(blob: _Blob, box: BBox, h: float) -> bool:
    width = box[2] - box[0]
    overlap = min(blob.x1, box[2]) - max(blob.x0, box[0])
    return (blob.y1 - blob.y0 <= _UNDERLINE_THICK * h and overlap >= 0.6 * width
            and box[3] - 0.3 * h <= blob.y0 <= box[3] + _UNDERLINE_DROP * h
            and blob.x1 - blob.x0 <= width + _UNDERLINE_OVERRUN * h)


def _side_ink(blobs: list[_Blob], options: Sequence[OptionBox], h: float) -> list[float]:
    """Ink beside each option, each small blob given to the option whose edge is nearest."""
    ink = [0.0] * len(options)
    for blob in blobs:
        if blob.x1 - blob.x0 > _MARK_MAX * h or blob.y1 - blob.y0 > _MARK_MAX * h:
            continue
        if any(_inside(blob, o.bbox, -0.1 * h) for o in options):
            continue  # the word's own strokes
        gaps = [max(o.bbox[0] - blob.x1, blob.x0 - o.bbox[2], 0) for o in options]
        nearest = int(np.argmin(gaps))
        # Against the nearest option's own centre, so a slightly skewed row still lines up.
        if abs((blob.y0 + blob.y1) / 2 - (options[nearest].bbox[1] + options[nearest].bbox[3]) / 2) > _BAND * h:
            continue
        # Before the first option and after the last, other text (the label, its colon) may follow
        # closely; a mark there touches the word.
        outer = blob.x1 <= options[0].bbox[0] or blob.x0 >= options[-1].bbox[2]
        if gaps[nearest] <= (_OUTER_REACH if outer else _SIDE_REACH) * h:
            ink[nearest] += blob.area / (h * h)
    return ink


def _single(hits: list[int]) -> int | None:
    return hits[0] if len(hits) == 1 else None


def _stands_out(value: float, base: float) -> bool:
    return ((value - base >= _MIN_EXTRA_INK and value >= _MIN_RATIO * base)
            or (base > 0 and value - base >= _FAINT_EXTRA_INK and value >= _FAINT_RATIO * base))


def _by_side_ink(ink: list[float]) -> tuple[int | None, float]:
    """The one option with clearly more ink beside it; -1 when several stand out the same way."""
    order = sorted(range(len(ink)), key=lambda i: ink[i], reverse=True)
    best, runner_up = ink[order[0]], ink[order[1]] if len(ink) > 1 else 0.0
    if not _stands_out(best, runner_up):
        lowest = ink[order[-1]]
        return (-1 if len(ink) > 2 and _stands_out(runner_up, lowest) else None), 0.0
    margin = (best - runner_up) / best
    return order[0], round(min(0.99, 0.6 + 0.4 * margin), 3)


def read_marked_option(image: np.ndarray, options: Sequence[OptionBox], *, written: str | None = None,
                       channels: str = "bgr") -> MarkedOption:
    """Decide which of ``options`` is marked; ``option=None`` when none or several are.

    ``options`` are in printed order, left to right, each boxed around the option's own characters
    (for OCR lines, the union of the word boxes of those characters, without a ``□`` or ``口``
    OCR may have read beside them), in the pixels of ``image`` (BGR like OpenCV, or ``channels="rgb"``,
    or grey). ``written`` is the text read in the answer box of a form where the grade is handwritten.
    """
    if not options:
        return MarkedOption(option=None)
    texts = [o.text for o in options]
    if written is not None:
        answer = "".join(written.split())
        named = [i for i, text in enumerate(texts) if text in answer
                 and not any(other != text and text in other and other in answer for other in texts)]
        if len(named) == 1:
            return MarkedOption(option=texts[named[0]], index=named[0], method=MarkMethod.handwritten,
                                confidence=0.9)
    h = float(np.median([o.bbox[3] - o.bbox[1] for o in options]))
    reach = _CIRCLE_MAX * h
    x0 = max(0, int(min(o.bbox[0] for o in options) - reach))
    y0 = max(0, int(min(o.bbox[1] for o in options) - reach))
    x1 = min(image.shape[1], int(max(o.bbox[2] for o in options) + reach))
    y1 = min(image.shape[0], int(max(o.bbox[3] for o in options) + reach))
    blobs = _blobs(ink_mask(image[y0:y1, x0:x1], channels), (x0, y0))
    circled = [i for i, o in enumerate(options) if any(
        (_encloses(b, o.bbox, h) or _rings(b, o.bbox, h))
        and not any(_encloses(b, p.bbox, h) or _rings(b, p.bbox, h) for j, p in enumerate(options) if j != i)
        for b in blobs)]
    underlined = [i for i, o in enumerate(options) if any(_underlines(b, o.bbox, h) for b in blobs)]
    framing = {b for b in blobs if any(_encloses(b, o.bbox, h) or _rings(b, o.bbox, h) or _underlines(b, o.bbox, h)
                                       for o in options)}
    ink = _side_ink([b for b in blobs if b not in framing], options, h)
    glyph, glyph_confidence = _by_side_ink(ink)
    found = {MarkMethod.circle: _single(circled) if len(circled) <= 1 else -1,
             MarkMethod.underline: _single(underlined) if len(underlined) <= 1 else -1,
             # A circle swallows the printed box beside its word, which makes the other boxes look marked.
             MarkMethod.glyph: None if glyph == -1 and (circled or underlined) else glyph}
    marked = {method: index for method, index in found.items() if index is not None}
    if not marked and (below := _below_ink([b for b in blobs if b not in framing], options, h)) is not None:
        marked = {MarkMethod.glyph: below}
        glyph_confidence = 0.85
    rounded = [round(v, 3) for v in ink]
    if not marked:
        return MarkedOption(option=None, ink=rounded)
    if len(set(marked.values())) > 1 or -1 in marked.values():
        return MarkedOption(option=None, ink=rounded, doubts=["考核等次选项有多处标记，无法判定"])
    index = next(iter(marked.values()))
    method = next(m for m in (MarkMethod.circle, MarkMethod.underline, MarkMethod.glyph) if m in marked)
    confidence = glyph_confidence if method is MarkMethod.glyph else 0.9
    return MarkedOption(option=texts[index], index=index, method=method, confidence=confidence, ink=rounded)
