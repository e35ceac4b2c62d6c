"""Field extraction per document type, on the wording and layout of each template
(tests/data/ocr/template_docs.json: lines as OCR returns them, without word boxes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors.extract import extract_document
from zcps.models import DocType, DocumentText, Page, TextLine, Word

TEMPLATES = json.loads((Path(__file__).parent / "data" / "ocr" / "template_docs.json").read_text(encoding="utf-8"))


def template_doc(name: str, score: float = 0.95) -> DocumentText:
    lines = [TextLine(text=text, bbox=(x, y, x + h * len(text), y + h), score=score)
             for text, x, y, h in TEMPLATES[name]["lines"]]
    return DocumentText(sha256=name, source="ocr", engine="template", pages=[Page(number=1, width=2200, height=2400, lines=lines)])


FIELD_CASES = [(name, field, value) for name, doc in TEMPLATES.items() for field, value in doc["fields"].items()]


@pytest.mark.parametrize(("name", "field", "expected"), FIELD_CASES)
def test_field_value(name, field, expected):
    extraction = extract_document(template_doc(name))
    assert field in extraction.fields, f"{field} missing; got {sorted(extraction.fields)}"
    assert extraction.fields[field].value == expected


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_date_is_listed(name):
    extraction = extract_document(template_doc(name))
    assert sorted(d.value for d in extraction.dates) == sorted(TEMPLATES[name]["dates"])


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_fields_carry_provenance(name):
    doc = template_doc(name, score=0.9)
    line_boxes = {line.bbox for line in doc.pages[0].lines}
    for field in extract_document(doc).fields.values():
        assert field.page == 1
        assert field.confidence <= 0.9
        # Without word boxes a field points at the box of the line (or merged row) it came from.
        x0, y0, x1, y1 = field.bbox
        assert any(b[0] >= x0 - 1 and b[2] <= x1 + 1 and b[1] >= y0 - 1 and b[3] <= y1 + 1 for b in line_boxes)


@pytest.mark.parametrize(("name", "doc_type"), [
    ("assessment_table", DocType.annual_assessment), ("pledge", DocType.title_certificate),
])
def test_known_doc_type_skips_classification(name, doc_type):
    extraction = extract_document(template_doc(name), doc_type=doc_type)
    assert extraction.doc_type is doc_type and extraction.doc_type_confidence == 1.0


def test_field_bbox_is_cut_from_word_boxes():
    words = [Word(text=ch, bbox=(100 + 40 * i, 50, 140 + 40 * i, 90)) for i, ch in enumerate("取得时间：")]
    words.append(Word(text="2019.12.28", bbox=(300, 50, 500, 90)))
    line = TextLine(text="取得时间：2019.12.28", bbox=(100, 50, 500, 90), score=0.9, words=words)
    title = TextLine(text="专业技术资格证书", bbox=(100, 0, 420, 40))
    doc = DocumentText(sha256="x", source="ocr", engine="t", pages=[Page(number=1, width=600, height=200, lines=[title, line])])
    field = extract_document(doc).fields["qualified_on"]
    assert field.value == "2019-12-28"
    assert field.bbox == (300, 50, 500, 90)
    assert field.confidence == pytest.approx(0.9)


@pytest.mark.parametrize(("records", "expected"), [
    ("ce_card_inline", [(2021, 30, 60, 90, "2021-12-25"), (2022, 30, 62, 92, "2022-12-20")]),
])
def test_ce_card_records(records, expected):
    got = extract_document(template_doc(records)).records
    assert [(r.year, r.public_hours, r.professional_hours, r.total, r.verified_on) for r in got] == expected
