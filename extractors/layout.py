"""Layout analysis: OCR lines and word boxes → table cells, rows, columns and blocks.

A cell is a piece of text that belongs together: an OCR line, or the part of one that falls into
one ruled table cell (OCR often reads across a ruling line: ``2023 30622023年12月25日``). Ruling
lines come from the page image (OpenCV morphology) when the caller has it; without an image the
OCR lines are the cells and the rows come from box geometry. Rows are cells whose vertical
centres lie within half a line height; blocks are runs of rows without a large vertical gap.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import cv2
import numpy as np

from extractors.fields_boxes import Glyph, line_glyphs, union
from zcps.models import BBox, DocumentText, Page, TextLine, Word

MIN_CELL_PX = 12  # a ruled cell narrower or lower than this is a double ruling line, not a cell
BLOCK_GAP = 1.6  # a vertical gap above this many median line heights starts a new block
MAX_SLOPE = 0.06  # about 3.4°: steeper pairs are lines of different rows
SLOPE_BIN = 0.004


@dataclass(frozen=True)
class Cell:
    page: int
    line: TextLine
    row: int  # index of its row in DocumentLayout.rows
    order: int  # reading order across the document

    @property
    def text(self) -> str:
        return self.line.text

    @property
    def bbox(self) -> BBox:
        return self.line.bbox


@dataclass
class DocumentLayout:
    rows: list[list[Cell]] = field(default_factory=list)  # each row left to right, rows top to bottom per page
    blocks: list[list[int]] = field(default_factory=list)  # row indices of each block

    @property
    def cells(self) -> list[Cell]:
        return [cell for row in self.rows for cell in row]

    def right_of(self, cell: Cell) -> list[Cell]:
        return [c for c in self.rows[cell.row] if c.bbox[0] >= cell.bbox[2] - 2 and c is not cell]

    def below(self, cell: Cell, rows: int = 2) -> Cell | None:
        """The cell under ``cell`` in the next rows of its page: the one overlapping it most in x."""
        for index in range(cell.row + 1, min(cell.row + 1 + rows, len(self.rows))):
            row = self.rows[index]
            if not row or row[0].page != cell.page:
                return None
            overlaps = [(_x_overlap(c.bbox, cell.bbox), c) for c in row]
            best = max(overlaps, key=lambda pair: pair[0])
            if best[0] > 0:
                return best[1]
        return None

    def next_row_start(self, cell: Cell) -> Cell | None:
        """Where a wrapped line continues: the first cell of the next row, starting left of ``cell``'s end."""
        if cell.row + 1 >= len(self.rows):
            return None
        row = self.rows[cell.row + 1]
        if not row or row[0].page != cell.page:
            return None
        height = cell.bbox[3] - cell.bbox[1]
        if row[0].bbox[1] - cell.bbox[3] > 1.5 * height:
            return None
        return next((c for c in row if c.bbox[0] < cell.bbox[2] and c.bbox[2] > cell.bbox[0] - height), None)

    def row_cell(self, index: int) -> Cell:
        """The whole row as one cell, so a value spread over several OCR lines reads as one."""
        parts = self.rows[index]
        if len(parts) == 1:
            return parts[0]
        words = [w for p in parts for w in p.line.words] if all(p.line.words for p in parts) else []
        line = TextLine(text=" ".join(p.text for p in parts), bbox=union([p.bbox for p in parts]),
                        score=min(p.line.score for p in parts), words=words)
        return Cell(parts[0].page, line, index, parts[0].order)

    @property
    def row_cells(self) -> list[Cell]:
        return [self.row_cell(index) for index in range(len(self.rows)) if self.rows[index]]


def _x_overlap(a: BBox, b: BBox) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0]))


def ruling_cells(image: np.ndarray) -> list[BBox]:
    """The cells of the ruled tables on a page image (BGR or grey), as boxes; [] without a table."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    height, width = binary.shape
    horizontal = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(20, width // 25), 1)))
    vertical = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(20, height // 40))))
    grid = cv2.dilate(horizontal | vertical, np.ones((3, 3), np.uint8))
    if cv2.countNonZero(vertical) == 0 or cv2.countNonZero(horizontal) == 0:
        return []
    contours, hierarchy = cv2.findContours(grid, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    cells = []
    for contour, links in zip(contours, hierarchy[0]):
        if links[3] < 0:  # an outer contour is the grid's outline; the cells are its holes
            continue
        x, y, w, h = cv2.boundingRect(contour)
        if w >= MIN_CELL_PX and h >= MIN_CELL_PX and w * h < 0.9 * width * height:
            cells.append((float(x), float(y), float(x + w), float(y + h)))
    return sorted(cells, key=lambda b: (b[1], b[0]))


def _cell_of(glyph: Glyph, cells: list[BBox]) -> int | None:
    x, y = glyph.x, (glyph.bbox[1] + glyph.bbox[3]) / 2
    return next((i for i, (x0, y0, x1, y1) in enumerate(cells) if x0 <= x <= x1 and y0 <= y <= y1), None)


def split_by_cells(line: TextLine, cells: list[BBox]) -> list[TextLine]:
    """The parts of ``line`` that fall into different ruled cells, each a line of its own."""
    if not cells:
        return [line]
    parts: dict[int | None, list[Glyph]] = {}
    for glyph in line_glyphs(line):
        parts.setdefault(_cell_of(glyph, cells), []).append(glyph)
    if len(parts) <= 1:
        return [line]
    pieces = []
    for glyphs in sorted(parts.values(), key=lambda gs: gs[0].bbox[0]):
        words = [Word(text=g.char, bbox=g.bbox) for g in glyphs]
        pieces.append(TextLine(text="".join(g.char for g in glyphs), bbox=union([g.bbox for g in glyphs]),
                               score=line.score, words=words))
    return pieces


def _centre(line: TextLine) -> tuple[float, float]:
    return (line.bbox[0] + line.bbox[2]) / 2, (line.bbox[1] + line.bbox[3]) / 2


def page_slope(lines: list[TextLine]) -> float:
    """The residual skew of the text rows (dy/dx), from pairs of lines side by side; 0 when unclear.

    Deskew leaves up to about 2° (a 35 px drift across a table), more than half a line height, so
    rows are grouped along this slope. Most side-by-side pairs are cells of one row: the slope is
    the most common one among them, and only counted when at least three pairs agree."""
    votes: dict[int, int] = {}
    for a in lines:
        height = a.bbox[3] - a.bbox[1]
        ax, ay = _centre(a)
        for b in lines:
            bx, by = _centre(b)
            if b.bbox[0] > a.bbox[2] and bx - ax > 3 * height and abs(by - ay) < 1.5 * height:
                slope = (by - ay) / (bx - ax)
                if abs(slope) <= MAX_SLOPE:
                    key = round(slope / SLOPE_BIN)
                    votes[key] = votes.get(key, 0) + 1
    if not votes:
        return 0.0
    best = max(votes, key=lambda k: (votes[k], -abs(k)))
    # the neighbouring bins belong to the same slope, read at different distances
    support = sum(votes.get(k, 0) for k in (best - 1, best, best + 1))
    if support < 3:
        return 0.0
    return sum(k * votes.get(k, 0) for k in (best - 1, best, best + 1)) / support * SLOPE_BIN


def group_rows(lines: list[TextLine]) -> list[list[TextLine]]:
    """Lines whose vertical centres, along the page's residual slope, lie within half a line height
    of the row's form one row."""
    slope = page_slope(lines) if len(lines) > 2 else 0.0

    def level(line: TextLine) -> float:
        x, y = _centre(line)
        return y - slope * x

    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=level):
        centre, height = level(line), line.bbox[3] - line.bbox[1]
        if rows:
            last = rows[-1]
            last_centre = statistics.mean(level(l) for l in last)
            if abs(centre - last_centre) < 0.5 * min(height, last[0].bbox[3] - last[0].bbox[1]):
                last.append(line)
                continue
        rows.append([line])
    return [sorted(row, key=lambda l: l.bbox[0]) for row in rows]


def _blocks(rows: list[list[TextLine]], first_row: int) -> list[list[int]]:
    if not rows:
        return []
    heights = [line.bbox[3] - line.bbox[1] for row in rows for line in row]
    gap_limit = BLOCK_GAP * statistics.median(heights)
    blocks, previous_bottom = [[first_row]], max(line.bbox[3] for line in rows[0])
    for offset, row in enumerate(rows[1:], start=1):
        top = min(line.bbox[1] for line in row)
        if top - previous_bottom > gap_limit:
            blocks.append([])
        blocks[-1].append(first_row + offset)
        previous_bottom = max(line.bbox[3] for line in row)
    return blocks


def analyse(text: DocumentText, tables: dict[int, list[BBox]] | None = None) -> DocumentLayout:
    """The layout of every page; ``tables`` maps a page number to its ruled cells (``ruling_cells``)."""
    layout, order = DocumentLayout(), 0
    for page in text.pages:
        order = _add_page(layout, page, (tables or {}).get(page.number, []), order)
    return layout


def _add_page(layout: DocumentLayout, page: Page, cells: list[BBox], order: int) -> int:
    lines = [piece for line in page.lines for piece in split_by_cells(line, cells)]
    rows = group_rows(lines)
    layout.blocks.extend(_blocks(rows, len(layout.rows)))
    for row in rows:
        index = len(layout.rows)
        layout.rows.append([])
        for line in row:
            layout.rows[index].append(Cell(page.number, line, index, order))
            order += 1
    return order
