"""Image redaction: filled boxes over exactly the PII characters of each OCR line.

OCR gives CJK characters as single words and digit runs as one word, so a hit covering part of
a run ("15010219850315231X 2023年" read as one line) is cut out of the word box in proportion
to character widths; the rest of the line (a date, a grade) stays visible.
"""

from __future__ import annotations

import unicodedata

import cv2
import numpy as np

from masking.entities import LineHit
from zcps.models import BBox, TextLine

FILL_BGR = (0, 0, 0)


def _width(ch: str) -> float:
    # Full-width glyphs take about twice the advance of Latin digits in printed certificates.
    return 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.55


def _slice_box(box: BBox, text: str, start: int, end: int) -> BBox:
    """The horizontal slice of ``box`` holding ``text[start:end]``, by character widths."""
    x0, y0, x1, y1 = box
    widths = [_width(ch) for ch in text]
    total = sum(widths) or 1.0
    left = x0 + (x1 - x0) * sum(widths[:start]) / total
    right = x0 + (x1 - x0) * sum(widths[:end]) / total
    return (left, y0, right, y1)


def _word_spans(line: TextLine) -> list[tuple[int, int, BBox]] | None:
    """Character range of each word in ``line.text``; None when the words do not spell the line."""
    spans = []
    cursor = 0
    for word in line.words:
        index = line.text.find(word.text, cursor) if word.text else -1
        if index < 0 or line.text[cursor:index].strip():
            return None
        spans.append((index, index + len(word.text), word.bbox))
        cursor = index + len(word.text)
    return spans


def hit_boxes(line: TextLine, start: int, end: int) -> list[BBox]:
    """Boxes covering characters ``[start, end)`` of one OCR line."""
    spans = _word_spans(line) if line.words else None
    if not spans:
        return [_slice_box(line.bbox, line.text, start, end)]
    boxes = []
    for w_start, w_end, box in spans:
        lo, hi = max(start, w_start), min(end, w_end)
        if lo >= hi:
            continue
        word_text = line.text[w_start:w_end]
        boxes.append(box if (lo, hi) == (w_start, w_end) else _slice_box(box, word_text, lo - w_start, hi - w_start))
    return boxes


def _pad(box: BBox, line_height: float, width: int, height: int) -> tuple[int, int, int, int]:
    # OCR word boxes hug the ink; a small margin covers anti-aliasing and loose recognition,
    # kept under a character's width so a neighbouring date is not touched.
    pad_x, pad_y = 0.12 * line_height, 0.18 * line_height
    x0, y0, x1, y1 = box
    return (max(0, int(x0 - pad_x)), max(0, int(y0 - pad_y)),
            min(width, int(np.ceil(x1 + pad_x))), min(height, int(np.ceil(y1 + pad_y))))


def _with_unread(line: TextLine, hit: LineHit, boxes: list[BBox], line_height: float) -> list[BBox]:
    """Widen the mask over the characters OCR did not read (马 of 马洋 read as 洋): the gap they sit in,
    up to the neighbouring word OCR did read and at most 1.5 character widths per character."""
    if not boxes or not (hit.unread_before or hit.unread_after):
        return boxes
    spans = _word_spans(line) if line.words else None
    left_edge, right_edge = line.bbox[0], line.bbox[2]
    widths = [box[2] - box[0] for w_start, w_end, box in spans or [] if w_end - w_start == 1
              and unicodedata.east_asian_width(line.text[w_start]) in ("W", "F")]
    reach = 1.5 * (float(np.median(widths)) if widths else line_height)
    for w_start, w_end, box in spans or []:
        if w_end <= hit.start:
            left_edge = max(left_edge, box[2])
        elif w_start >= hit.end:
            right_edge = min(right_edge, box[0])
    first, last = boxes[0], boxes[-1]
    widened = [(max(left_edge, first[0] - hit.unread_before * reach), first[1], first[2], first[3]), *boxes[1:]]
    widened[-1] = (widened[-1][0], last[1], min(right_edge, last[2] + hit.unread_after * reach), last[3])
    return widened


def redaction_boxes(lines: list[TextLine], hits: list[LineHit], width: int, height: int) -> list[BBox]:
    boxes: list[BBox] = []
    for hit in hits:
        line = lines[hit.line]
        line_height = max(1.0, line.bbox[3] - line.bbox[1])
        for box in _with_unread(line, hit, hit_boxes(line, hit.start, hit.end), line_height):
            boxes.append(_pad(box, line_height, width, height))
    return boxes


def fill_boxes(image: np.ndarray, boxes: list[BBox]) -> np.ndarray:
    masked = image.copy()
    for x0, y0, x1, y1 in boxes:
        cv2.rectangle(masked, (int(x0), int(y0)), (int(x1) - 1, int(y1) - 1), FILL_BGR, thickness=-1)
    return masked


def encode_png(image: np.ndarray) -> bytes:
    """PNG with pixel data only: cv2 writes no EXIF, text chunks or ICC profile."""
    ok, buffer = cv2.imencode(".png", image)
    if not ok:
        raise ValueError("PNG encoding failed")
    return buffer.tobytes()


def encode_pdf(images: list[np.ndarray], dpi: int) -> bytes:
    """An image-only PDF (no text layer), without title/author/producer information."""
    import io

    from PIL import Image

    pages = [Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB)) for image in images]
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=float(dpi))
    return out.getvalue()
