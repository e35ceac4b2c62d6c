"""Label-only fields of a page layout: a role label standing alone on its OCR line, and the lines that
may hold its value (the next cell to the right, the line below, and further down its column).

Used by ``other_name`` (a name in that value line) and ``signature`` (no readable value: mask the
signature area). Geometry is in page pixels, relative to the label's line height.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from zcps.models import BBox, TextLine
from zcps.roles import role_lexicon

RIGHT_REACH = 8.0  # line heights to the right of the label where its value may start
BELOW_REACH = 2.5  # line heights from one line to the next below it (a table row's height)
_TRIM = re.compile(r"[\s:：]+")
_BODY = re.compile(r"[\u4e00-\u9fff]{1,8}")  # the organisation before a signer label: 培训机构, 项目


class LabelField(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    line: int
    role: str  # "holder" or "signer"
    right_line: int | None = None  # nearest line on the same row (the next cell)
    below_line: int | None = None  # nearest line just below

    def value_lines(self, lines: list[TextLine]) -> list[int]:
        """Where the value may be, in order: right, then below; never another label."""
        return [i for i in (self.right_line, self.below_line) if i is not None and label_role(lines[i].text) is None]


def _base_role(base: str) -> str | None:
    """A role label, possibly after the body it belongs to ("培训机构负责人", "项目负责人")."""
    lexicon = role_lexicon()
    role = lexicon.role_of(base)
    if role is not None:
        return role
    for label in sorted(lexicon.signer, key=len, reverse=True):
        prefix = base[: -len(label)]
        if base.endswith(label) and _BODY.fullmatch(prefix):
            return "signer"
    return None


def label_role(text: str) -> str | None:
    """The role of a line that is only a label ("审验人：", "单位负责人（签字）", "签 名"), else None."""
    lexicon = role_lexicon()
    bare = _TRIM.sub("", text)
    for note in lexicon.signing_notes:
        for wrapped in (f"（{note}）", f"({note})", note):
            if bare.endswith(wrapped) and len(bare) > len(wrapped):
                return "signer" if _base_role(bare[: -len(wrapped)]) is not None else None
    return _base_role(bare)


def _height(box: BBox) -> float:
    return max(1.0, box[3] - box[1])


def right_of(label: BBox, other: BBox) -> bool:
    h = _height(label)
    middle = (other[1] + other[3]) / 2
    return (other[0] >= label[2] - 0.5 * h and label[1] - 0.3 * h <= middle <= label[3] + 0.3 * h
            and other[0] - label[2] <= RIGHT_REACH * h)


def below_in_column(lines: list[TextLine], column: BBox, index: int) -> int | None:
    """The nearest line below ``lines[index]`` that overlaps ``column`` horizontally."""
    current = lines[index].bbox
    h = _height(column)
    candidates = [(i, o) for i, o in enumerate(lines) if i != index
                  and o.bbox[1] >= current[3] - 0.3 * h and o.bbox[1] - current[3] <= BELOW_REACH * h
                  and o.bbox[0] <= column[2] + h and o.bbox[2] >= column[0] - h]
    return min(candidates, key=lambda p: p[1].bbox[1])[0] if candidates else None


def row_below(lines: list[TextLine], column: BBox, index: int) -> int | None:
    """A line of the next table row outside ``column``: evidence that the row exists."""
    current = lines[index].bbox
    h = _height(column)
    candidates = [(i, o) for i, o in enumerate(lines) if i != index
                  and current[3] + 0.5 * h <= (o.bbox[1] + o.bbox[3]) / 2 <= current[3] + (BELOW_REACH + 1) * h
                  and (o.bbox[2] < column[0] - h or o.bbox[0] > column[2] + h)]
    return min(candidates, key=lambda p: p[1].bbox[1])[0] if candidates else None


def heads_column(lines: list[TextLine], index: int) -> bool:
    """The label is a table header: at least two other text cells (no digits) share its row."""
    label = lines[index].bbox
    h = _height(label)
    peers = [o for i, o in enumerate(lines) if i != index and label[1] - 0.3 * h <= (o.bbox[1] + o.bbox[3]) / 2
             <= label[3] + 0.3 * h and not any(ch.isdigit() for ch in o.text)]
    return len(peers) >= 2


def label_fields(lines: list[TextLine]) -> list[LabelField]:
    fields = []
    for index, line in enumerate(lines):
        role = label_role(line.text)
        if role is None:
            continue
        others = [(i, other) for i, other in enumerate(lines) if i != index]
        right = min(((i, o) for i, o in others if right_of(line.bbox, o.bbox)), key=lambda p: p[1].bbox[0],
                    default=None)
        right_line = right[0] if right else None
        fields.append(LabelField(line=index, role=role, right_line=right_line,
                                 below_line=below_in_column(lines, line.bbox, index)))
    return fields
