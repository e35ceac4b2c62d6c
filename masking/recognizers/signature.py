"""Signature areas: a signing field (审验人, 单位负责人（签字） …) where OCR read no name.

A handwritten signature OCR cannot read is still a person's name, so the area where it would sit
is filled: right of the label up to the next cell (or ``RIGHT_SPAN`` line heights), or, when the
label stands at the edge of its row, below it. Reported as a masked signature region.
"""

from __future__ import annotations

from masking.entities import PiiType
from masking.recognizers.fields import (LabelField, below_in_column, heads_column, label_fields, right_of,
                                        row_below)
from masking.recognizers.other_name import column_values, layout_value, name_value
from zcps.models import BBox, TextLine
from zcps.roles import role_lexicon

TYPE = PiiType.signature
PLACEHOLDER = "〔签名〕"
NAME = "签名"  # in reviewer-facing messages (masking.withheld)
PRIORITY = 1
RUNS_ON = "layout"  # masking.document calls it on the page's lines and size, not the text
LABELS = (*role_lexicon().signer, *role_lexicon().signing_notes)

RIGHT_SPAN = 8.0  # line heights
BELOW_SPAN = 2.0
_MIN_WIDTH = 1.5  # line heights: a narrower gap holds no signature


def _unreadable(text: str) -> bool:
    """What OCR makes of a scrawl: no name, no digits (a date), a few characters ("LAAT", "乂")."""
    bare = text.strip(" :：")
    return 0 < len(bare) <= 6 and not any(ch.isdigit() for ch in bare) and name_value(bare) is None


def _region(lines: list[TextLine], field: LabelField, width: int, height: int) -> BBox | None:
    label = lines[field.line].bbox
    h = max(1.0, label[3] - label[1])
    row = sorted((i for i, line in enumerate(lines) if i != field.line and right_of(label, line.bbox)),
                 key=lambda i: lines[i].bbox[0])
    scrawl = [i for i in row[:1] if _unreadable(lines[i].text)]
    beyond = [i for i in row if i not in scrawl]
    x0 = label[2] + 0.15 * h
    x1 = lines[beyond[0]].bbox[0] - 0.15 * h if beyond else min(float(width), label[2] + RIGHT_SPAN * h)
    if scrawl:
        x1 = max(x1, min(float(width), lines[scrawl[0]].bbox[2] + 0.3 * h))
    if x1 - x0 >= _MIN_WIDTH * h:
        return (x0, max(0.0, label[1] - 0.4 * h), x1, min(float(height), label[3] + 0.4 * h))
    below = field.below_line
    y0 = label[3] + 0.15 * h
    y1 = lines[below].bbox[1] - 0.15 * h if below is not None else min(float(height), label[3] + BELOW_SPAN * h)
    if y1 - y0 >= 0.8 * h:
        return (max(0.0, label[0] - 0.5 * h), y0, min(float(width), label[2] + 3 * h), y1)
    return None


def _column_gap(lines: list[TextLine], field: LabelField, last: int, width: int) -> BBox | None:
    """The cell of the next table row in a column of names (审验人 …) where OCR read nothing."""
    column = lines[field.line].bbox
    row = row_below(lines, column, last)
    if row is None or below_in_column(lines, column, last) is not None:
        return None
    h = max(1.0, column[3] - column[1])
    top, bottom = lines[row].bbox[1], lines[row].bbox[3]
    return (max(0.0, column[0] - 0.5 * h), top - 0.5 * h, min(float(width), column[2] + 2 * h), bottom + 0.5 * h)


def _column_cells(lines: list[TextLine], field: LabelField, width: int) -> list[BBox]:
    """Under a signing column's header (签名, 审验人 …): each table row's cell where OCR read no name."""
    column = lines[field.line].bbox
    h = max(1.0, column[3] - column[1])
    regions, current = [], field.line
    while (row := row_below(lines, column, current)) is not None:
        top, bottom = lines[row].bbox[1] - 0.5 * h, lines[row].bbox[3] + 0.5 * h
        in_cell = [line for line in lines if line.bbox[0] <= column[2] + h and line.bbox[2] >= column[0] - h
                   and top <= (line.bbox[1] + line.bbox[3]) / 2 <= bottom]
        if not any(name_value(line.text) for line in in_cell):
            right = max([column[2] + 2 * h, *(line.bbox[2] + 0.3 * h for line in in_cell)])
            regions.append((max(0.0, column[0] - 0.5 * h), top, min(float(width), right), bottom))
        current = row
    return regions


def find(lines: list[TextLine], width: int, height: int) -> list[BBox]:
    """Boxes (page pixels) of signing fields whose value OCR did not read as a name."""
    regions = []
    for field in label_fields(lines):
        if field.role != "signer":
            continue
        if heads_column(lines, field.line):
            regions += _column_cells(lines, field, width)
            continue
        hit = layout_value(lines, field)
        if hit is None:
            region = _region(lines, field, width, height)
        elif hit.line == field.below_line:
            names = [hit, *column_values(lines, field, hit)]
            region = _column_gap(lines, field, names[-1].line, width)
        else:
            region = None
        if region is not None:
            regions.append(region)
    return regions

