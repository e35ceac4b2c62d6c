"""Label-only fields of a page layout: a role label standing alone on its OCR line, and the line that
holds its value (the next cell to the right, else the line just below), if any.

Used by ``other_name`` (a name in that value line) and ``signature`` (no readable value: mask the
signature area). Geometry is in page pixels, relative to the label's line height.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from zcps.models import BBox, TextLine
from zcps.roles import role_lexicon

RIGHT_REACH = 8.0  # line heights to the right of the label where its value may start
BELOW_REACH = 1.2  # line heights below the label
_TRIM = re.compile(r"[\s:：]+")


class LabelField(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    line: int
    role: str  # "holder" or "signer"
    right_line: int | None = None  # nearest line on the same row (the next cell)
    below_line: int | None = None  # nearest line just below

    def value_lines(self, lines: list[TextLine]) -> list[int]:
        """Where the value may be, in order: right, then below; never another label."""
        return [i for i in (self.right_line, self.below_line) if i is not None and label_role(lines[i].text) is None]


def label_role(text: str) -> str | None:
    """The role of a line that is only a label ("审验人：", "单位负责人（签字）", "签 名"), else None."""
    lexicon = role_lexicon()
    bare = _TRIM.sub("", text)
    for note in lexicon.signing_notes:
        for wrapped in (f"（{note}）", f"({note})", note):
            if bare.endswith(wrapped) and len(bare) > len(wrapped):
                base = bare[: -len(wrapped)]
                role = lexicon.role_of(base)
                return "signer" if role is not None else None
    return lexicon.role_of(bare)


def _height(box: BBox) -> float:
    return max(1.0, box[3] - box[1])


def _right_of(label: BBox, other: BBox) -> bool:
    h = _height(label)
    middle = (other[1] + other[3]) / 2
    return (other[0] >= label[2] - 0.5 * h and label[1] - 0.3 * h <= middle <= label[3] + 0.3 * h
            and other[0] - label[2] <= RIGHT_REACH * h)


def _below(label: BBox, other: BBox) -> bool:
    h = _height(label)
    return (other[1] >= label[3] - 0.3 * h and other[1] - label[3] <= BELOW_REACH * h
            and other[0] <= label[2] + h and other[2] >= label[0] - h)


def label_fields(lines: list[TextLine]) -> list[LabelField]:
    fields = []
    for index, line in enumerate(lines):
        role = label_role(line.text)
        if role is None:
            continue
        others = [(i, other) for i, other in enumerate(lines) if i != index]
        right = min(((i, o) for i, o in others if _right_of(line.bbox, o.bbox)), key=lambda p: p[1].bbox[0],
                    default=None)
        below = min(((i, o) for i, o in others if _below(line.bbox, o.bbox)), key=lambda p: p[1].bbox[1],
                    default=None)
        right_line = right[0] if right else None
        below_line = below[0] if below else None
        fields.append(LabelField(line=index, role=role, right_line=right_line, below_line=below_line))
    return fields
