"""A PDF's text layer (pdfium), trusted only when it is what the page shows, shaped like OCR output.

Each page's characters are classified the way OCRmyPDF's page analysis does before it decides to
skip or redo a page: by text render mode (mode 3 and 7 paint nothing: a scanner's invisible OCR
layer), by direction as shown (a page turned by ``/Rotate`` over unturned text shows sideways
text), and by how much of the page images cover. Only a page of visible, upright text that
images do not mostly cover is read from its text layer (``TextLayer.trusted``); every other page
is OCR'd from its rendered image (``extractors.acquire``).

Boxes are in the rendered page's frame (docs/contracts.md "Coordinates"): pdfium's own page-to-
device map, which applies ``/Rotate`` and the CropBox's offset inside the MediaBox exactly as the
render does. pdfplumber 0.11.10's characters carry neither the render mode (pdfminer keeps it in
the text state, which never reaches an ``LTChar``) nor the CropBox offset, hence pdfium.

Characters are grouped into lines by vertical overlap, lines split where a gap is wider than a few
characters (a form's separate cells), and words follow PaddleOCR's convention: every CJK character
is a word, runs of ASCII (digits, dates like 2019.07.01) stay together. Scores are 1.0.
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass

import numpy as np

from zcps.errors import CorruptFile
from zcps.models import BBox, TextLayer, TextLine, Word

# Gap (in font sizes) that starts a new line in the same row, and the one that becomes a space.
CELL_GAP_SIZES = 2.5
SPACE_GAP_SIZES = 0.45
# A page is read from its text layer only with at least this many visible, upright characters
# (a certificate has far more; a scan with a stray searchable header has fewer).
MIN_TEXT_CHARS_PER_PAGE = 20
# This many invisible (or sideways) characters mean a scanner's OCR layer (or a turned page):
# what the page shows is the image underneath, so the whole page is OCR'd.
MIN_DOUBTFUL_CHARS = 5
# Share of the shown page that images cover above which the page is a scan, whatever its text says.
IMAGE_PAGE_COVERAGE = 0.5
# Render modes that paint no glyph (ISO 32000-1 table 106): 3 invisible, 7 clip only.
INVISIBLE_RENDER_MODES = frozenset({3, 7})
UPRIGHT_TOLERANCE_DEGREES = 3.0
# pdfium's page-to-device map works in whole pixels; mapping onto a canvas this many times larger
# keeps sub-pixel precision when the affine map is recovered from it.
_DEVICE_PRECISION = 64
_COVERAGE_GRID = 8.0  # points per cell of the grid image coverage is measured on


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


@dataclass(frozen=True)
class PdfTextPage:
    """One page's text layer in the rendered frame, and what the analysis made of it."""

    number: int
    width: int
    height: int
    dpi: int
    lines: list[TextLine]
    text_layer: TextLayer
    visible_chars: int = 0
    invisible_chars: int = 0
    turned_chars: int = 0
    image_coverage: float = 0.0


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


def _box(chars: list[_Char]) -> BBox:
    return (min(c.x0 for c in chars), min(c.top for c in chars), max(c.x1 for c in chars),
            max(c.bottom for c in chars))


def _line(segment: list[_Char]) -> TextLine:
    text_parts: list[str] = []
    words: list[Word] = []
    run: list[_Char] = []

    def close_run() -> None:
        if run:
            words.append(Word(text="".join(c.text for c in run), bbox=_box(run)))
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
            words.append(Word(text=char.text, bbox=_box([char])))
        previous = char
    close_run()
    return TextLine(text="".join(text_parts).strip(), bbox=_box(segment), score=1.0, words=words)


def lines_of(chars: list[_Char]) -> list[TextLine]:
    lines = []
    for row in _rows(chars):
        for segment in _segments(row):
            line = _line(segment)
            if line.text:
                lines.append(line)
    return lines


def rendered_size(page, dpi: int) -> tuple[int, int]:
    """Pixel size of the page rendered at ``dpi``, rounded up exactly as pypdfium2 sizes its bitmap."""
    width, height = page.get_size()
    return math.ceil(width * dpi / 72.0), math.ceil(height * dpi / 72.0)


def device_matrix(page, size: tuple[int, int]) -> np.ndarray:
    """The 3x3 affine map from PDF user space to the rendered bitmap's pixels, taken from pdfium
    itself (so ``/Rotate`` and the CropBox origin are applied exactly as the render applies them)."""
    import pypdfium2.raw as pdfium_c

    width, height = (v * _DEVICE_PRECISION for v in size)
    device_x, device_y = ctypes.c_int(), ctypes.c_int()

    def to_device(x: float, y: float) -> tuple[float, float]:
        pdfium_c.FPDF_PageToDevice(page.raw, 0, 0, width, height, 0, x, y, device_x, device_y)
        return device_x.value / _DEVICE_PRECISION, device_y.value / _DEVICE_PRECISION

    span = 1000.0
    origin, along_x, along_y = to_device(0, 0), to_device(span, 0), to_device(0, span)
    return np.array([[(along_x[0] - origin[0]) / span, (along_y[0] - origin[0]) / span, origin[0]],
                     [(along_x[1] - origin[1]) / span, (along_y[1] - origin[1]) / span, origin[1]],
                     [0.0, 0.0, 1.0]])


def _to_device(matrix: np.ndarray, left: float, bottom: float, right: float, top: float) -> BBox:
    corners = np.array([[left, bottom, 1], [right, bottom, 1], [right, top, 1], [left, top, 1]], dtype=float).T
    xs, ys, _ = matrix @ corners
    return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())


@dataclass
class _PageChars:
    visible: list[_Char]
    invisible: int = 0
    turned: int = 0


def _classified_chars(page, textpage, matrix: np.ndarray, size: tuple[int, int], scale: float) -> _PageChars:
    import pypdfium2.raw as pdfium_c

    rotation = page.get_rotation()
    result = _PageChars(visible=[])
    seen: set[tuple[str, int, int]] = set()
    render_modes: dict[int, int] = {}
    rect = pdfium_c.FS_RECTF()
    for index in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(textpage.raw, index)
        text = chr(code) if 0 < code < 0x110000 else ""
        if (not text.isprintable() or text.isspace() or pdfium_c.FPDFText_IsGenerated(textpage.raw, index) == 1
                or pdfium_c.FPDFText_HasUnicodeMapError(textpage.raw, index) == 1):
            continue
        text_object = pdfium_c.FPDFText_GetTextObject(textpage.raw, index)
        address = ctypes.cast(text_object, ctypes.c_void_p).value or 0
        if address not in render_modes:
            render_modes[address] = pdfium_c.FPDFTextObj_GetTextRenderMode(text_object) if address else 0
        if render_modes[address] in INVISIBLE_RENDER_MODES:
            result.invisible += 1
            continue
        # pdfium's character angle turns clockwise in user space; /Rotate turns the page clockwise.
        shown_angle = (math.degrees(pdfium_c.FPDFText_GetCharAngle(textpage.raw, index)) + rotation) % 360
        if min(shown_angle, 360 - shown_angle) > UPRIGHT_TOLERANCE_DEGREES:
            result.turned += 1
            continue
        if not pdfium_c.FPDFText_GetLooseCharBox(textpage.raw, index, rect):
            continue
        x0, top, x1, bottom = _to_device(matrix, rect.left, rect.bottom, rect.right, rect.top)
        if not (0 <= (x0 + x1) / 2 <= size[0] and 0 <= (top + bottom) / 2 <= size[1]):
            continue  # outside the CropBox: never shown
        # Fake bold and shadows draw the same glyph twice at (almost) the same place.
        key = (text, round(x0 / 2), round(top / 2))
        if key in seen:
            continue
        seen.add(key)
        font_size = pdfium_c.FPDFText_GetFontSize(textpage.raw, index) * scale or (bottom - top)
        result.visible.append(_Char(text, x0, top, x1, bottom, font_size))
    return result


def _image_boxes(page) -> list[tuple[float, float, float, float]]:
    """User-space bounds of every image, and of every form XObject that holds one (scanners wrap
    their page image in a form), as (left, bottom, right, top)."""
    import pypdfium2.raw as pdfium_c

    image, form = pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_FORM
    boxes = []
    for obj in page.get_objects(filter=(image, form), max_depth=1):
        if obj.type == form and not any(inner.type == image for inner in page.get_objects(form=obj, max_depth=4)):
            continue
        boxes.append(obj.get_bounds())
    return boxes


def image_coverage(page, matrix: np.ndarray, size: tuple[int, int], dpi: int) -> float:
    """Share of the shown page under images, measured on a coarse grid (overlaps counted once)."""
    cell = _COVERAGE_GRID * dpi / 72.0
    grid_w, grid_h = max(1, math.ceil(size[0] / cell)), max(1, math.ceil(size[1] / cell))
    covered = np.zeros((grid_h, grid_w), dtype=bool)
    for left, bottom, right, top in _image_boxes(page):
        x0, y0, x1, y1 = _to_device(matrix, left, bottom, right, top)
        covered[max(0, round(y0 / cell)):max(0, round(y1 / cell)), max(0, round(x0 / cell)):max(0, round(x1 / cell))] = True
    return float(covered.mean())


def _verdict(chars: _PageChars, coverage: float) -> TextLayer:
    if chars.invisible >= MIN_DOUBTFUL_CHARS:
        return TextLayer.invisible
    if coverage >= IMAGE_PAGE_COVERAGE:
        return TextLayer.image
    if chars.turned >= MIN_DOUBTFUL_CHARS:
        return TextLayer.turned
    if len(chars.visible) < MIN_TEXT_CHARS_PER_PAGE:
        return TextLayer.sparse
    return TextLayer.trusted


def analyse_page(page, number: int, dpi: int) -> PdfTextPage:
    size = rendered_size(page, dpi)
    matrix = device_matrix(page, size)
    textpage = page.get_textpage()
    try:
        chars = _classified_chars(page, textpage, matrix, size, dpi / 72.0)
    finally:
        textpage.close()
    coverage = image_coverage(page, matrix, size, dpi)
    verdict = _verdict(chars, coverage)
    lines = lines_of(chars.visible) if verdict is TextLayer.trusted else []
    return PdfTextPage(number=number, width=size[0], height=size[1], dpi=dpi, lines=lines, text_layer=verdict,
                       visible_chars=len(chars.visible), invisible_chars=chars.invisible,
                       turned_chars=chars.turned, image_coverage=round(coverage, 3))


def pdf_text_pages(data: bytes, dpi: int, filename: str = "") -> list[PdfTextPage]:
    """Every page's text layer and verdict; boxes in pixels of the page rendered at ``dpi``."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise CorruptFile(f"{filename} text layer cannot be read ({exc})") from exc
    try:
        return [analyse_page(document[index], index + 1, dpi) for index in range(len(document))]
    finally:
        document.close()
