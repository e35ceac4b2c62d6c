"""Field extraction per document type, on the wording and layout of each template
(tests/data/ocr/template_docs.json: lines as OCR returns them, without word boxes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from stdnum.cn import ric

import extractors.levels as levels
from extractors.extract import extract_document
from extractors.identity import find_id_numbers
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


RECORDED = ["ce_card_table", "ce_card_sentences", "assessment_ticked", "green_channel_list", "title_certificate"]
RECORDED_TYPES = {"ce_card_table": DocType.ce_card, "ce_card_sentences": DocType.ce_card,
                  "assessment_ticked": DocType.annual_assessment, "green_channel_list": DocType.green_channel_form,
                  "title_certificate": DocType.title_certificate}


def recorded(name: str) -> tuple[DocumentText, dict]:
    data = json.loads((Path(__file__).parent / "data" / "ocr" / f"{name}.json").read_text(encoding="utf-8"))
    return DocumentText.model_validate(data["text"]), data["truth"]


@pytest.mark.parametrize("name", RECORDED)
def test_recorded_ocr_fields_match_truth(name):
    """Real PaddleOCR output of generator pages (ticks hiding boxes, a handwritten 024年1月10 …)."""
    text, truth = recorded(name)
    extraction = extract_document(text)
    assert extraction.doc_type is RECORDED_TYPES[name]
    assert {k: v.value for k, v in extraction.fields.items()} == truth["fields"]
    assert sorted(d.value for d in extraction.dates) == sorted(truth["dates"])


VALID_ID = "15010219850315231" + ric.calc_check_digit("15010219850315231" + "0")


@pytest.mark.parametrize(("text", "expected", "certain"), [
    (f"身份证号：{VALID_ID}", VALID_ID, True),
    (VALID_ID, VALID_ID, True),
    (VALID_ID[:4] + "O" + VALID_ID[5:], VALID_ID, False),  # O read for 0
    (VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1"), None, None),  # bad check digit, no label
    ("身份证号：" + VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1"), "label", False),  # kept, doubtful
    ("身份证件号码：" + VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1"), "label", False),
    ("电话：" + VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1"), None, None),  # not an ID label
    ("150102850315231", "150102850315231", False),  # 15 digits
    ("150102851315231", None, None),  # month 13
    ("电话 13904711234", None, None),
    ("1" + VALID_ID, None, None),  # part of a longer number
])
def test_id_numbers(text, expected, certain):
    found = find_id_numbers(text)
    if expected is None:
        assert not found
        return
    (match,) = found
    if expected != "label":
        assert match.value == expected
    assert (match.certainty == 1.0) is certain


@pytest.mark.parametrize(("finder", "text", "expected"), [
    ("find_education_level", "四年制本科学习", "本科"),
    ("find_education_level", "三年制专科", "大专"),
    ("find_education_level", "中等职业学校", "中专"),
    ("find_education_level", "技工学校", "中专"),
    ("find_education_level", "硕士研究生", "硕士"),
    ("find_education_level", "研究生博士学习", "博士"),
    ("find_education_level", "博士研究生", "博士"),
    ("find_degree", "授予工学学士学位", "学士"),
    ("find_degree", "第二学士学位证书", "第二学士"),
    ("find_degree", "硕士 学位", "硕士"),
    ("find_title", "具备高级工程师任职资格", "高级工程师"),
    ("find_title", "正高级工程师", "正高级工程师"),
    ("find_title", "助理工程师", "助理工程师"),
    ("find_title_level", "资格级别：中级", "中级"),
    ("find_title_level", "高级工程师", "副高级"),
    ("find_title_level", "技术员", "员级"),
    ("find_skill_level", "等级：高级技师（一级）", "高级技师"),
    ("find_skill_level", "技师", "技师"),
    ("find_skill_level", "高级工（三级）", "高级工"),
    ("find_skill_level", "高级工程师", None),  # not 高级工
    ("find_certificate_number", "管 理 号：NM2019150100123", "NM2019150100123"),
    ("find_certificate_number", "证书编号：101281201205001234", "101281201205001234"),
    ("find_approval_number", "批准文号：内人社职字〔2019〕123号", "内人社职字〔2019〕123号"),
    ("find_approval_number", "内人社职字[2019] 123号", "内人社职字〔2019〕123号"),
    ("find_approval_number", "批准文号内人社职字（2019）47号", "内人社职字〔2019〕47号"),
    # OCR spaces CJK words out
    ("find_education_level", "层次：本 科", "本科"),
    ("find_education_level", "大学 本科", "本科"),
    ("find_title", "具备高级 工程师任职资格", "高级工程师"),
    ("find_title_level", "资格级别：中 级", "中级"),
    ("find_title_level", "中级 工程师", "中级"),
    ("find_skill_level", "技能等级：高级 技师", "高级技师"),
    ("find_skill_level", "高级 工程师", None),
    ("find_degree", "授予工学学 士 学位", "学士"),
    # the value right of a 获得学位 label: 学位 is in the label, not after the word
    ("find_degree", "管理学学士", None),
    ("find_degree_after_label", "管理学学士", "学士"),
    ("find_degree_after_label", "工学 硕士", "硕士"),
    ("find_degree_after_label", "授予工学学士学位", "学士"),
    ("find_degree_after_label", "新能源科学与工程", None),
])
def test_levels_and_numbers(finder, text, expected):
    found = getattr(levels, finder)(text)
    assert (found.value if found else None) == expected
