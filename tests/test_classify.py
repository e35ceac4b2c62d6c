"""Document classification from text and layout, including cross-talk between types."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors.classify import classify_text
from zcps.models import DocType, DocumentText, Page, TextLine

TEMPLATES = json.loads((Path(__file__).parent / "data" / "ocr" / "template_docs.json").read_text(encoding="utf-8"))


def doc_of(lines: list[str]) -> DocumentText:
    text_lines = [TextLine(text=t, bbox=(100, 60 * i, 100 + 40 * len(t), 60 * i + 40)) for i, t in enumerate(lines)]
    return DocumentText(sha256="x", source="ocr", engine="t", pages=[Page(number=1, width=2000, height=3000, lines=text_lines)])


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_types(name):
    doc = doc_of([line[0] for line in TEMPLATES[name]["lines"]])
    result = classify_text(doc)
    assert result.doc_type.value == TEMPLATES[name]["doc_type"]
    if result.doc_type is DocType.other:
        assert result.confidence < 0.5
    else:
        assert result.confidence >= 0.6


CROSS_TALK = [
    # a title certificate names the review committee; a CE card names 专业技术人员
    (["专业技术资格证书", "经内蒙古自治区电力工程中级专业技术资格评审委员会评审，", "具备工程师任职资格。"],
     DocType.title_certificate),
    (["专业技术人员继续教育审验卡", "年度 公需科目 专业科目 合计学时 审验日期 审验单位"], DocType.ce_card),
    # an assessment form mentions continuing education in the summary
    (["2023年度专业技术人员考核登记表", "积极参加继续教育和专业技术培训", "考核等次 称职"], DocType.annual_assessment),
    # a vocational certificate is a 资格证书 too, but not a professional-title one
    (["职业资格证书", "职业（工种）：变电站值班员", "等级：技师（国家职业资格二级）"], DocType.vocational_qualification),
    # a degree certificate says 业已毕业
    (["硕士学位证书", "完成了学习计划，业已毕业。经审核符合", "《中华人民共和国学位条例》的规定，授予工学硕士学位。"],
     DocType.degree_certificate),
    # a unit evaluation mentions 评价委员会 and 申报
    (["所在单位评价意见表", "经单位评价委员会评议，同意推荐申报。"], DocType.unit_evaluation),
    # OCR spaces out a title
    (["聘 书", "兹聘任您为工程师专业技术职务"], DocType.appointment_letter),
    (["职 称 申 报 诚 信 承 诺 书", "本人承诺所提交材料真实"], DocType.pledge),
    # enterprise assessments: a confirmation sheet and a result notice
    (["2023年度员工绩效考核结果确认单", "员工姓名 王建国 部门 运维检修部", "绩效等级 B（称职）", "员工签字确认"],
     DocType.annual_assessment),
    (["年度考核结果通知书", "王建国同志：", "经公司考核委员会审定，你2022年度考核结果为称职。", "特此通知。"],
     DocType.annual_assessment),
    # near misses: a work summary and a CE sheet are not assessments
    (["2023年度个人工作总结", "本年度完成了配电网改造工作", "特此总结。"], DocType.other),
    (["继续教育学时登记表", "课程名称 类别 学时", "2022年小计 90 学时"], DocType.ce_card),
    # nothing recognisable
    (["情况说明", "特此说明。"], DocType.other),
    ([], DocType.other),
    (["收据", "金额 320 元"], DocType.other),
]


@pytest.mark.parametrize(("lines", "expected"), CROSS_TALK)
def test_cross_talk(lines, expected):
    assert classify_text(doc_of(lines)).doc_type is expected


def test_title_words_outweigh_body_words():
    # The same keywords score more in the title than in the body.
    in_title = classify_text(doc_of(["继续教育审验卡", "说明", "说明", "说明", "说明"]))
    in_body = classify_text(doc_of(["说明", "说明", "说明", "说明", "继续教育审验卡"]))
    assert in_title.scores[DocType.ce_card] > in_body.scores[DocType.ce_card]
