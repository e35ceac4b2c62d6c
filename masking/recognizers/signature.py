"""Signature areas: a signing field (审验人, 单位负责人（签字） …) where OCR read no name.

A handwritten signature OCR cannot read is still a person's name, so the area where it would sit
is filled: right of the label up to the next cell (or ``RIGHT_SPAN`` line heights), or, when the
label stands at the edge of its row, below it. Reported as a masked signature region.
"""

from __future__ import annotations

from masking.entities import PiiType
from masking.recognizers.fields import label_fields
from masking.recognizers.other_name import layout_value
from zcps.models import BBox, TextLine
from zcps.roles import role_lexicon

TYPE = PiiType.signature
PLACEHOLDER = "〔签名〕"
PRIORITY = 1
LABELS = (*role_lexicon().signer, *role_lexicon().signing_notes)

RIGHT_SPAN = 6.0  # line heights
BELOW_SPAN = 2.0
_MIN_WIDTH = 1.5  # line heights: a narrower gap holds no signature


def _region(lines: list[TextLine], label: BBox, right: int | None, below: int | None,
            width: int, height: int) -> BBox | None:
    h = max(1.0, label[3] - label[1])
    x0 = label[2] + 0.15 * h
    x1 = lines[right].bbox[0] - 0.15 * h if right is not None else min(float(width), label[2] + RIGHT_SPAN * h)
    if x1 - x0 >= _MIN_WIDTH * h:
        return (x0, max(0.0, label[1] - 0.4 * h), x1, min(float(height), label[3] + 0.4 * h))
    y0 = label[3] + 0.15 * h
    y1 = lines[below].bbox[1] - 0.15 * h if below is not None else min(float(height), label[3] + BELOW_SPAN * h)
    if y1 - y0 >= 0.8 * h:
        return (max(0.0, label[0] - 0.5 * h), y0, min(float(width), label[2] + 3 * h), y1)
    return None


def find(lines: list[TextLine], width: int, height: int) -> list[BBox]:
    """Boxes (page pixels) of signing fields whose value OCR did not read as a name."""
    regions = []
    for field in label_fields(lines):
        if field.role != "signer" or layout_value(lines, field) is not None:
            continue
        region = _region(lines, lines[field.line].bbox, field.right_line, field.below_line, width, height)
        if region is not None:
            regions.append(region)
    return regions

