"""Other people's names, by the role a document gives them (``zcps/data/roles.yaml``: 校长, 审验人,
单位负责人, (签字) fields …), wherever the value sits.

``find`` reads the value after the label on the same line; ``find_in_layout`` reads it from the
next cell to the right or the line below when the label stands alone. A handwritten signature that
OCR reads as a short CJK string next to a signing label counts as a name, surname or not.
"""

from __future__ import annotations

import re

from masking.entities import LineHit, PiiEntity, PiiType
from masking.recognizers.base import CJK, cut_at_stop, entity, is_surname_initial, looks_like_name, spaced
from masking.recognizers.fields import LabelField, below_in_column, heads_column, label_fields
from zcps.models import TextLine
from zcps.roles import role_lexicon

TYPE = PiiType.other_name
PLACEHOLDER = "〔姓名〕"
NAME = "他人姓名"  # in reviewer-facing messages (masking.withheld)
PRIORITY = 5
LABELS = (*role_lexicon().signer, *role_lexicon().signing_notes)
# Up to this length a string next to a signing label is taken as a name, surname or not: a
# (possibly misread) signature, or a Mongolian name (斯琴高娃, 额尔敦) no surname list knows.
SHORT_SIGNATURE = 4

_NOTE = rf"(?:[（(]\s*(?:{spaced(*role_lexicon().signing_notes)})\s*[）)]|{spaced(*role_lexicon().signing_notes)})"
_LEADING_CJK = re.compile(rf"[{CJK}·]+")
# Same line only: a value on another line is found from the layout, where geometry says whose it is.
_GAP = r"[ \t\u3000]*"
_AFTER_LABEL = re.compile(rf"({spaced(*LABELS)}){_GAP}{_NOTE}?{_GAP}[:：]?{_GAP}([{CJK}·]{{2,6}})")
# Somebody named inside a sentence: 委托 {name} 同志代为报送, 材料经 {name} 核对无误.
_IN_SENTENCE = re.compile(rf"(?:{'|'.join(role_lexicon().other_sentence_openers)})\s*([{CJK}·]{{2,5}}?)\s*"
                          rf"(?:{'|'.join(role_lexicon().closer_after_other_name)})")
_ANY_LABEL = re.compile(rf"^(?:{spaced(*LABELS, *role_lexicon().holder)})")


def name_value(raw: str) -> str | None:
    """The name at the start of ``raw`` (the text after a signer label), or None."""
    lead = _LEADING_CJK.match(raw.strip(" :：·"))
    candidate = cut_at_stop(lead.group())[:4] if lead else ""
    if len(candidate) < 2 or not looks_like_name(candidate) or _ANY_LABEL.match(lead.group()):
        return None
    if len(candidate) > SHORT_SIGNATURE and not is_surname_initial(candidate):
        return None
    return candidate


def find(text: str) -> list[PiiEntity]:
    found = []
    for match in _AFTER_LABEL.finditer(text):
        candidate = name_value(match.group(2))
        if candidate is not None:
            start = match.start(2)
            found.append(entity(TYPE, text, start, start + len(candidate), 0.8, "signer_label"))
    for match in _IN_SENTENCE.finditer(text):
        if looks_like_name(match.group(1)):
            found.append(entity(TYPE, text, match.start(1), match.end(1), 0.6, "other_in_sentence"))
    return found


def layout_value(lines: list[TextLine], field: LabelField) -> LineHit | None:
    """The name in the cell right of, or the line below, a label standing alone; None if unreadable."""
    for index in field.value_lines(lines):
        text = lines[index].text
        offset = len(text) - len(text.lstrip(" :：·"))
        candidate = name_value(text) if field.role == "signer" else _holder_value(text)
        if candidate is not None:
            kind = TYPE if field.role == "signer" else PiiType.name
            return LineHit(line=index, start=offset, end=offset + len(candidate), type=kind, score=0.75)
    return None


def column_values(lines: list[TextLine], field: LabelField, first: LineHit) -> list[LineHit]:
    """Names further down a signer's column (a CE register's 审验人 column), until a line is no name."""
    hits, current = [], first.line
    column = lines[field.line].bbox
    while (below := below_in_column(lines, column, current)) is not None:
        candidate = name_value(lines[below].text)
        if candidate is None:
            break
        offset = len(lines[below].text) - len(lines[below].text.lstrip(" :：·"))
        hits.append(LineHit(line=below, start=offset, end=offset + len(candidate), type=TYPE, score=0.7))
        current = below
    return hits


def find_in_layout(lines: list[TextLine]) -> list[LineHit]:
    hits = []
    for field in label_fields(lines):
        hit = layout_value(lines, field)
        if hit is None:
            continue
        hits.append(hit)
        if hit.line == field.below_line and (field.role == "signer" or heads_column(lines, field.line)):
            hits += column_values(lines, field, hit)
    return hits


def _holder_value(raw: str) -> str | None:
    lead = _LEADING_CJK.match(raw.strip(" :：·"))
    candidate = cut_at_stop(lead.group())[:8] if lead else ""
    return candidate if looks_like_name(candidate) else None
