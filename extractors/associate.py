"""Key–value association: find a field's label on the page, then its value where layouts put it.

For every place the label is printed (reading order), the value is looked for, in the order the
spec lists: on the same line after the label (with or without ``：``), to the right in the same
row, in the cell below, across a line wrap, and finally anywhere on the label's row. Without a
labelled value, sentences (兹证明…于2019年7月毕业) are tried, then the value nearest the words the
document's own value sits under (the unit seal), then the first or last value of the kind
anywhere. The first reading wins; the others are kept as ``alternatives`` with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from extractors.dates import COMPLETED_DOUBT, INCOMPLETE_DOUBT, complete_year, find_dates_in_text
from extractors.doc_specs import FieldSpec, specs
from extractors.fields_boxes import span_bbox, union
from extractors.grades import find_grade, option_spans
from extractors.identity import HAN, NAME_END, plausible_name
from extractors.kinds import INCOMPLETE_CERTAINTY, reader
from extractors.matches import Match
from extractors.layout import Cell, DocumentLayout
from zcps.models import Candidate, Field

MAX_ALTERNATIVES = 8
# How sure a place is, relative to reading the value on the label's own line.
PLACE_CERTAINTY = {"same_line": 1.0, "right": 1.0, "below": 0.95, "wrap": 0.95, "row": 1.0, "sentence": 1.0,
                   "near": 1.0, "pattern": 1.0}
COMPLETED_CERTAINTY = 0.9  # a year completed from a date the same document prints: corroborated, still flagged
NEAR_ROWS = 4  # a value sits under the seal within this many rows
# A cell that opens with its own label (身份证号：…) holds another field's value.
_LABEL_CELL = re.compile(r"^\s*[\u4e00-\u9fa5\s（）()]{1,8}[:：]")
# A short cell naming a kind of value (入学时间, 学历类别) is a header of a form, whatever its field.
_HEADER_CELL = re.compile(r"^[\u4e00-\u9fa5（）()\s]{0,8}(?:时\s*间|日\s*期|年\s*月|名\s*称|号\s*码|编\s*号|等\s*级|级\s*别|"
                          r"等\s*次|单\s*位|类\s*别|性\s*别|民\s*族|部\s*门|岗\s*位|职\s*务|科\s*室|周\s*期|状\s*态|编\s*码)\s*$")


@lru_cache(maxsize=1)
def _label_words() -> frozenset[str]:
    registry = specs()
    fields = [*registry.shared.values(), *(f for spec in registry for f in spec.fields.values())]
    return frozenset(label.lstrip("^") for f in fields for label in f.labels)


def _is_label(cell: Cell) -> bool:
    """A header cell of a form (资格名称) or a cell that opens with its own label is no value."""
    return (bool(_LABEL_CELL.match(cell.text) or _HEADER_CELL.match(cell.text))
            or re.sub(r"\s", "", cell.text) in _label_words())


def _inside_longer_label(text: str, hit: re.Match) -> bool:
    """Whether the label found at ``hit`` is the tail or middle of a longer label of any field
    (考核人 in 被考核人, 审核人 in 被审核人): the longer one names another person."""
    length = hit.end() - hit.start()
    return any(found.start() <= hit.start() and hit.end() <= found.end() and found.end() - found.start() > length
               for word in _label_words() for found in label_regex(word).finditer(text))


@dataclass(frozen=True)
class Reading:
    match: Match
    cell: Cell
    method: str
    label: str | None
    bbox: tuple[float, float, float, float]
    certainty: float = 1.0

    def field(self, role: str | None) -> Field:
        return Field(value=self.match.value, raw=self.match.raw, page=self.cell.page, bbox=self.bbox,
                     confidence=round(self.cell.line.score * self.match.certainty * self.certainty, 4),
                     label=self.label, method=self.method, role=role,
                     doubts=[INCOMPLETE_DOUBT] if self.match.value is None else [])

    def candidate(self, why: str) -> Candidate:
        return Candidate(value=self.match.value, raw=self.match.raw, page=self.cell.page, bbox=self.bbox,
                         confidence=round(self.cell.line.score * self.match.certainty * self.certainty, 4),
                         label=self.label, why_set_aside=why)


@lru_cache(maxsize=512)
def label_regex(label: str) -> re.Pattern:
    """Spaces may stand between the characters of a label (姓　　名); a leading ^ anchors it."""
    anchored = label.startswith("^")
    body = r"\s*".join(re.escape(ch) for ch in label.lstrip("^"))
    return re.compile(("^\\s*" if anchored else "") + body)


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern.replace("{name}", f"{HAN}{{2,4}}?{NAME_END}"))


def _in_cell(cell: Cell, text_start: int, spec: FieldSpec, labelled: bool, method: str,
             label: str | None) -> list[Reading]:
    read = reader(spec, labelled)
    text = cell.text[text_start:]
    return [Reading(Match(m.value, m.raw, (m.span[0] + text_start, m.span[1] + text_start), m.certainty), cell,
                    method, label, span_bbox(cell.line, (m.span[0] + text_start, m.span[1] + text_start)),
                    PLACE_CERTAINTY[method])
            for m in read(text)]


def _label_end(text: str, end: int, spec: FieldSpec) -> int:
    """Where the value may start: after every label that directly follows the first (学生姓名：)."""
    advanced = True
    while advanced:
        advanced = False
        for label in spec.labels:
            following = label_regex(label.lstrip("^")).match(text, end + len(text[end:]) - len(text[end:].lstrip()))
            if following and following.end() > end:
                end, advanced = following.end(), True
    return end


def _options_elsewhere_in_row(layout: DocumentLayout, cell: Cell) -> bool:
    """Whether the other cells of ``cell``'s row print further grade options, unmarked in the text
    (考核等次：优秀 | 称职 | 基本称职 不称职)."""
    others = [c.text for c in layout.rows[cell.row] if c is not cell]
    return any(option_spans(text) for text in others) and find_grade(layout.row_cell(cell.row).text) is None


def _right(layout: DocumentLayout, cell: Cell, spec: FieldSpec, label: str) -> list[Reading]:
    """The first value to the right in the row, up to the next label (whose value that is)."""
    for other in layout.right_of(cell):
        if _is_label(other):
            return []
        found = _in_cell(other, 0, spec, True, "right", label)
        if found:
            return found
    return []


def _wrapped(layout: DocumentLayout, cell: Cell, start: int, spec: FieldSpec, label: str | None) -> list[Reading]:
    """A value begun after the label and finished on the next row (审验日期：2022年 / 12月20日)."""
    following = layout.next_row_start(cell)
    if following is None:
        return []
    head = cell.text[start:]
    joined = head + following.text
    found = []
    for m in reader(spec, True)(joined):
        if m.span[1] <= len(head) or m.span[0] >= len(head):
            continue  # not across the wrap: the same-line and below readings see it
        bbox = union([span_bbox(cell.line, (start + m.span[0], len(cell.text))),
                      span_bbox(following.line, (0, m.span[1] - len(head)))])
        found.append(Reading(m, cell, "wrap", label, bbox, PLACE_CERTAINTY["wrap"]))
    return found


def _labelled(layout: DocumentLayout, spec: FieldSpec) -> list[Reading]:
    readings = []
    for cell in layout.cells:
        hits = [(m, label) for label in spec.labels for m in label_regex(label).finditer(cell.text)
                if not _inside_longer_label(cell.text, m)]
        if not hits:
            continue
        match, label = min(hits, key=lambda h: (h[0].start(), -(h[0].end() - h[0].start())))
        end = _label_end(cell.text, match.end(), spec)
        for place in spec.where:
            if place == "same_line":
                # free text runs on from a bare label (自动化专业四年制…): only after a colon
                bare = spec.kind == "text" and spec.pattern is None and not re.match(r"\s*[:：]", cell.text[end:])
                found = [] if bare else _in_cell(cell, end, spec, True, "same_line", label)
            elif place == "right":
                found = _right(layout, cell, spec, label)
            elif place == "below":
                under = layout.below(cell) if not cell.text[end:].strip(" ：:") else None
                found = (_in_cell(under, 0, spec, True, "below", label)
                         if under is not None and not _is_label(under) else [])
            elif place == "wrap":
                found = _wrapped(layout, cell, end, spec, label)
            else:
                continue
            if found:
                if (place in ("same_line", "right") and spec.kind == "grade"
                        and _options_elsewhere_in_row(layout, found[0].cell)):
                    break  # one option of a list spread over the row is no statement of the grade
                readings.append(found[0])
                break
        else:
            # A value printed before its label on the same row (2023年度 … 考核登记表).
            row = _in_cell(layout.row_cell(cell.row), 0, spec, False, "row", label)
            if row:
                readings.append(row[0])
    return readings


def _sentences(layout: DocumentLayout, spec: FieldSpec) -> list[Reading]:
    readings = []
    for cell in layout.row_cells:
        for pattern in spec.sentences:
            for match in _compiled(pattern).finditer(cell.text):
                start, end = match.span("v")
                raw = match.group("v")
                if spec.kind == "name":
                    found = [Match(raw, raw, (0, len(raw)), 1.0)] if plausible_name(raw) else []
                else:
                    found = reader(spec, True)(raw)
                for m in found[:1]:
                    span = (start + m.span[0], start + m.span[1])
                    readings.append(Reading(Match(m.value, m.raw, span, m.certainty), cell, "sentence", None,
                                            span_bbox(cell.line, span)))
    return readings


# A row that ends in the first part of a date (2019年 / 二〇一九年七月) may finish it on the next row.
_DATE_BROKEN = re.compile(r"(?:[0-9〇○零一二三四五六七八九OoIl]{4}\s*年(?:\s*\S{1,3}\s*月)?|[0-9]{4}\s*[.\-/])\s*$")


def wrapped_dates(layout: DocumentLayout, spec: FieldSpec) -> list[Reading]:
    """Dates split over two rows, read joined."""
    return [r for cell in layout.row_cells if _DATE_BROKEN.search(cell.text)
            for r in _wrapped(layout, cell, 0, spec, None)]


def _anywhere(layout: DocumentLayout, spec: FieldSpec) -> list[Reading]:
    readings = [r for cell in layout.row_cells for r in _in_cell(cell, 0, spec, False, "pattern", None)]
    if spec.kind == "date":
        readings = sorted(readings + wrapped_dates(layout, spec), key=lambda r: (r.cell.order, r.match.span))
    return readings


def _avoided(reading: Reading, spec: FieldSpec) -> bool:
    before = reading.cell.text[:reading.match.span[0]][-12:]
    return any(re.search(word, before) for word in spec.avoid)


def _near(layout: DocumentLayout, spec: FieldSpec, pool: list[Reading]) -> Reading | None:
    """The value closest under (or after) the last seal word: the unit's own date."""
    seals = [cell for cell in layout.cells if any(re.search(word, cell.text) for word in spec.near)]
    if not seals or not pool:
        return None
    seal = seals[-1]

    def distance(reading: Reading) -> float:
        rows = reading.cell.row - seal.row
        if reading.cell.page != seal.page or rows < 0 or rows > NEAR_ROWS:
            return float("inf")
        return rows * 1000 + abs((reading.bbox[0] + reading.bbox[2]) / 2 - (seal.bbox[0] + seal.bbox[2]) / 2)

    best = min(pool, key=distance)
    return best if distance(best) != float("inf") else None


def _same(a: Reading, b: Reading) -> bool:
    return a.match.value == b.match.value and a.cell.order == b.cell.order and a.match.span == b.match.span


def _complete(field: Field, layout: DocumentLayout) -> None:
    """Fill an incomplete date's year from a date with the same month printed on the document."""
    printed = [d.value for cell in layout.row_cells for d in find_dates_in_text(cell.text)]
    value = complete_year(field.raw, printed)
    if value is not None:
        field.value, field.confidence = value, round(field.confidence / INCOMPLETE_CERTAINTY * COMPLETED_CERTAINTY, 4)
        field.doubts = [COMPLETED_DOUBT]


def find_field(layout: DocumentLayout, spec: FieldSpec) -> Field | None:
    """The field's value with its provenance, or ``None`` when the document does not print it."""
    set_aside: list[tuple[Reading, str]] = []
    labelled = [r for r in _labelled(layout, spec) if not _avoided(r, spec)]
    sentences = [r for r in _sentences(layout, spec) if not _avoided(r, spec)]
    anywhere = _anywhere(layout, spec) if spec.kind not in ("name",) else []
    kept = [r for r in anywhere if not _avoided(r, spec)]
    set_aside += [(r, "context word before it") for r in anywhere if _avoided(r, spec)]
    chosen = None
    if labelled:
        chosen = labelled[0]
        set_aside += [(r, "later label") for r in labelled[1:]]
    elif sentences:
        chosen = sentences[0]
        set_aside += [(r, "later sentence") for r in sentences[1:]]
    elif spec.near and (near := _near(layout, spec, kept)) is not None:
        chosen = Reading(near.match, near.cell, "near", near.label, near.bbox, near.certainty)
        set_aside += [(r, "not under the seal") for r in kept if not _same(r, near)]
    elif kept and spec.unlabelled != "none":
        chosen = kept[0] if spec.unlabelled == "first" else kept[-1]
    if chosen is None:
        return None
    if chosen.method != "near":
        set_aside += [(r, "unlabelled") for r in kept if not _same(r, chosen)]
    field = chosen.field(spec.role if chosen.method != "pattern" else None)
    if field.value is None and spec.kind == "date":
        _complete(field, layout)
    seen = {(chosen.match.value, chosen.cell.order, chosen.match.span)}
    for reading, why in set_aside:
        key = (reading.match.value, reading.cell.order, reading.match.span)
        if key not in seen and len(field.alternatives) < MAX_ALTERNATIVES:
            seen.add(key)
            field.alternatives.append(reading.candidate(why))
    return field
