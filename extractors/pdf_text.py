"""Text of a digital PDF from its text layer (pdfplumber), shaped like OCR output.

Characters are grouped into lines by vertical overlap, lines split where a gap is wider than a few
characters (a form's separate cells), and words follow PaddleOCR's convention: every CJK character
is a word, runs of ASCII (digits, dates like 2019.07.01) stay together. Boxes are PDF points scaled to
``dpi`` so they match the page rendered at that dpi; scores are 1.0.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from zcps.errors import CorruptFile
from zcps.models import Page, TextLine, Word

# Gap (in font sizes) that starts a new line in the same row, and the one that becomes a space.
CELL_GAP_SIZES = 2.5
SPACE_GAP_SIZES = 0.45


@dataclass
class _Char:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


def _rows(chars: list[_Char]) -> list[list[_Char]]:
    """Characters whose vertical middles fall inside the same row band, each row sorted left to right."""
    rows: list[list[_Char]] = []
    for char in sorted(chars, key=lambda c: (c.middle, c.x0)):
        if rows:
            row = rows[-1]
            top = min(c.top for c in row)
            bottom = max(c.bottom for c in row)
            if top <= char.middle <= bottom:
                row.append(char)
                continue
        rows.append([char])
    return [sorted(row, key=lambda c: c.x0) for row in rows]


def _segments(row: list[_Char]) -> list[list[_Char]]:
    segments = [[row[0]]]
    for previous, char in zip(row, row[1:]):
        if char.x0 - previous.x1 > CELL_GAP_SIZES * max(previous.size, char.size):
            segments.append([char])
        else:
            segments[-1].append(char)
    return segments


def _is_ascii_word_char(text: str) -> bool:
    return text.isascii() and not text.isspace()


def _line(segment: list[_Char], scale: float) -> TextLine:
    text_parts: list[str] = []
    words: list[Word] = []
    run: list[_Char] = []

    def close_run() -> None:
        if run:
            words.append(Word(text="".join(c.text for c in run), bbox=_box(run, scale)))
            run.clear()

    previous = None
    for char in segment:
        if previous is not None and char.x0 - previous.x1 > SPACE_GAP_SIZES * max(previous.size, char.size):
            text_parts.append(" ")
            close_run()
        text_parts.append(char.text)
        if _is_ascii_word_char(char.text):
            run.append(char)
        else:
            close_run()
            words.append(Word(text=char.text, bbox=_box([char], scale)))
        previous = char
    close_run()
    return TextLine(text="".join(text_parts).strip(), bbox=_box(segment, scale), score=1.0, words=words)


def _box(chars: list[_Char], scale: float) -> tuple[float, float, float, float]:
    return (min(c.x0 for c in chars) * scale, min(c.top for c in chars) * scale,
            max(c.x1 for c in chars) * scale, max(c.bottom for c in chars) * scale)


def page_lines(plumber_page, dpi: int) -> list[TextLine]:
    scale = dpi / 72.0
    chars = [_Char(c["text"], float(c["x0"]), float(c["top"]), float(c["x1"]), float(c["bottom"]),
                   float(c.get("size") or (c["bottom"] - c["top"])))
             for c in plumber_page.dedupe_chars().chars if c["text"] and not c["text"].startswith("(cid:")]
    lines = []
    for row in _rows([c for c in chars if not c.text.isspace()]):
        for segment in _segments(row):
            line = _line(segment, scale)
            if line.text:
                lines.append(line)
    return lines


def pdf_pages(data: bytes, dpi: int, filename: str = "") -> list[Page]:
    """One Page per PDF page with its text-layer lines; boxes in pixels of the page rendered at ``dpi``."""
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            # Sizes rounded up exactly as pypdfium2 sizes its render, so boxes and page images agree.
            return [Page(number=index + 1, width=math.ceil(float(page.width) * (dpi / 72.0)),
                         height=math.ceil(float(page.height) * (dpi / 72.0)), dpi=dpi, lines=page_lines(page, dpi))
                    for index, page in enumerate(pdf.pages)]
    except CorruptFile:
        raise
    except Exception as exc:  # pdfminer raises many unrelated types on damaged streams
        raise CorruptFile(f"{filename} text layer cannot be read ({type(exc).__name__})") from exc
