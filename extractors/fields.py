"""Shared machinery of the per-type field extractors: lines with their page, and Field building.

A Field's confidence is the OCR line score times the parser's certainty; its bbox is the union of
the word boxes of the matched span (the line box when OCR gave no word boxes).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from extractors.ce_table import group_rows
from extractors.dates import DateMatch, find_dates
from extractors.fields_boxes import span_bbox, union
from extractors.identity import find_id_numbers, find_name, find_signer
from zcps.models import Candidate, DocumentText, Field, TextLine


class Match(NamedTuple):
    """What every finder returns: the common shape of DateMatch, GradeMatch, TermMatch …"""

    value: str
    raw: str
    span: tuple[int, int]
    certainty: float


@dataclass(frozen=True)
class PageLine:
    page: int
    line: TextLine
    order: int  # reading order across the whole document

    @property
    def text(self) -> str:
        return self.line.text


Finder = Callable[[str], "Match | None"]


def page_rows(text: DocumentText) -> list[PageLine]:
    """One merged line per visual row, so that a form's option list reads as one line."""
    merged, order = [], 0
    for page in text.pages:
        for row in group_rows(page.lines):
            parts = sorted(row.lines, key=lambda l: l.bbox[0])
            if len(parts) == 1:
                line = parts[0]
            else:
                line = TextLine(text=" ".join(p.text for p in parts), bbox=union([p.bbox for p in parts]),
                                score=min(p.score for p in parts),
                                words=[w for p in parts for w in p.words] if all(p.words for p in parts) else [])
            merged.append(PageLine(page.number, line, order))
            order += 1
    return merged


def make_field(value, match: Match, where: PageLine, certainty: float = 1.0) -> Field:
    return Field(value=value, raw=match.raw, page=where.page, bbox=span_bbox(where.line, match.span),
                 confidence=round(where.line.score * match.certainty * certainty, 4))


def search(lines: list[PageLine], finder: Finder, label: str | None = None,
           last: bool = False) -> tuple[Match, PageLine] | None:
    """The first (or last) match of ``finder``; lines carrying ``label`` are tried first."""
    labelled = [pl for pl in lines if label and re.search(label, re.sub(r"\s", "", pl.text))]
    for pool in (labelled, lines):
        hits = [(found, pl) for pl in pool if (found := finder(pl.text)) is not None]
        if hits:
            return hits[-1] if last else hits[0]
    return None


def field_from(lines: list[PageLine], finder: Finder, label: str | None = None, last: bool = False,
               convert: Callable[[str], object] = lambda v: v) -> Field | None:
    hit = search(lines, finder, label, last)
    if hit is None:
        return None
    found, where = hit
    return make_field(convert(found.value), found, where)


def all_dates(lines: list[PageLine]) -> Iterator[tuple[DateMatch, PageLine]]:
    for where in lines:
        for found in find_dates(where.line):
            yield found, where


def date_fields(lines: list[PageLine]) -> list[Field]:
    return [make_field(found.value, found, where) for found, where in all_dates(lines)]


def _candidate(field: Field, why: str) -> Candidate:
    return Candidate(value=field.value, raw=field.raw, confidence=field.confidence, page=field.page,
                     bbox=field.bbox, label=field.label, why_set_aside=why)


def _name_field(lines: list[PageLine]) -> Field | None:
    """The holder's name (role "holder"); without one, a signatory's (role "signer", never compared).
    Signatories' names are kept as alternatives so later stages see every name on the document."""
    holder = field_from(lines, find_name)
    signers = [make_field(found.value, found, where) for where in lines if (found := find_signer(where.text))]
    if holder is not None:
        holder.role = "holder"
        holder.alternatives = [_candidate(s, "signer label") for s in signers if s.value != holder.value]
        return holder
    if signers:
        return signers[0].model_copy(update={"role": "signer",
                                             "alternatives": [_candidate(s, "signer label") for s in signers[1:]]})
    return None


def identity_fields(lines: list[PageLine]) -> dict[str, Field]:
    fields = {}
    name = _name_field(lines)
    if name is not None:
        fields["name"] = name
    id_number = field_from(lines, lambda t: next(iter(find_id_numbers(t)), None))
    if id_number is not None:
        fields["id_number"] = id_number
    return fields
