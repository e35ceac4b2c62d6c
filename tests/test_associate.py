"""Key–value association on synthetic pages: where the value sits relative to its label, which
label gives a name its role, and which readings are kept as alternatives."""

from __future__ import annotations

import unicodedata

import pytest

from extractors.associate import find_field
from extractors.doc_specs import FieldSpec
from extractors.extract import extract_document
from extractors.layout import analyse
from zcps.models import DocType, DocumentText, Page, TextLine

CHAR = 36


def cell(text: str, x: int, y: int) -> TextLine:
    width = sum(CHAR if unicodedata.east_asian_width(ch) in "WF" else CHAR // 2 for ch in text)
    return TextLine(text=text, bbox=(x, y, x + width, y + 34), score=0.96)


def doc(cells: list[tuple[str, int, int]]) -> DocumentText:
    return DocumentText(sha256="t", source="ocr", engine="t",
                        pages=[Page(number=1, width=1654, height=2339, lines=[cell(*c) for c in cells])])


GRADUATED = FieldSpec(kind="date", labels=["毕业时间", "毕业日期"], sentences=["于(?P<v>[^，。；]{4,20}?)毕业"],
                      unlabelled="none")
VERIFIED = FieldSpec(kind="date", labels=["审验日期"], unlabelled="none")
GRADE = FieldSpec(kind="grade", labels=["考核等次", "考核结果"], where=["same_line", "right", "below"], unlabelled="none")

PLACES = [
    ("same line, colon", GRADUATED, [("毕业时间：2019年7月1日", 150, 300)], "2019-07-01", "same_line"),
    ("same line, no colon", GRADUATED, [("毕业时间 2019.7.1", 150, 300)], "2019-07-01", "same_line"),
    ("spaced label", GRADUATED, [("毕 业 日 期：2019年07月", 150, 300)], "2019-07", "same_line"),
    ("right, same row", GRADUATED, [("毕业时间", 150, 300), ("2019年7月1日", 700, 302)], "2019-07-01", "right"),
    ("cell below", GRADUATED, [("姓名", 150, 300), ("毕业时间", 600, 300), ("王建国", 150, 360),
                               ("2019年7月1日", 590, 360)], "2019-07-01", "below"),
    ("across a wrap", VERIFIED, [("审验日期：2022年", 900, 300), ("12月20日", 880, 340)], "2022-12-20", "wrap"),
    ("name run into the next label", FieldSpec(kind="name", labels=["姓名"], unlabelled="none"),
     [("姓名：林阳公民身份号码：152722199008096601", 150, 300)], "林阳", "same_line"),
    ("name run into 证件号码", FieldSpec(kind="name", labels=["姓名"], unlabelled="none"),
     [("姓名：欧阳建国证件号码：152722199008096601", 150, 300)], "欧阳建国", "same_line"),
    ("in a sentence", GRADUATED, [("兹证明王建国同志于2019年7月毕业于内蒙古工业大学", 150, 300)], "2019-07", "sentence"),
    ("grade right of its label", GRADE, [("考核结果", 150, 300), ("称职", 700, 300)], "称职", "right"),
    ("grade ticked below", GRADE, [("考核等次", 150, 300), ("优秀□ 称职☑ 基本称职□ 不称职□", 150, 360)], "称职", "below"),
]


@pytest.mark.parametrize(("case", "spec", "cells", "value", "method"), PLACES, ids=[p[0] for p in PLACES])
def test_value_found_where_the_layout_puts_it(case, spec, cells, value, method):
    field = find_field(analyse(doc(cells)), spec)
    assert field is not None and (field.value, field.method) == (value, method)
    assert field.page == 1 and field.confidence <= 0.96


NEAR_MISSES = [
    # the cell under the label belongs to another column
    ("below, other column", GRADUATED, [("毕业时间", 150, 300), ("2019年7月1日", 900, 360)]),
    # a line far below is not a wrap
    ("wrap too far", VERIFIED, [("审验日期：2022年", 900, 300), ("12月20日", 880, 600)]),
    # no label and no sentence: nothing, as the spec wants no unlabelled value
    ("no label", GRADUATED, [("2019年7月1日", 150, 300)]),
    # OCR kept one character of the name: the header cell below is no name
    ("below is a header", FieldSpec(kind="name", labels=["姓名"], unlabelled="none"),
     [("员工姓名", 150, 300), ("伟", 500, 300), ("所在部门", 150, 360), ("运维检修部", 500, 360)]),
    # the cell below opens with its own label: it is another field's value
    ("below is another label", FieldSpec(kind="name", labels=["姓名"], unlabelled="none"),
     [("姓名：", 150, 300), ("身份证号：150102198503152311", 150, 360)]),
    # an unmarked option list spread over the row's cells names no grade, not its first option
    ("options over several cells", GRADE, [("考核等次：优秀", 150, 300), ("称职", 450, 302), ("基本称职 不称职", 600, 301)]),
    # the same, the ticked option's word misread (优号) and the last option in a cell of its own: the
    # lone cell to the right is one option of the list, not the grade
    ("last option alone to the right", GRADE, [("考核等次：优号", 150, 300), ("称职基本称职", 450, 302),
                                               ("不称职", 800, 301)]),
    # an unmarked option list names no grade
    ("unmarked options", GRADE, [("考核等次", 150, 300), ("优秀□ 称职□ 基本称职□ 不称职□", 150, 360)]),
]


@pytest.mark.parametrize(("case", "spec", "cells"), NEAR_MISSES, ids=[n[0] for n in NEAR_MISSES])
def test_near_misses_find_nothing(case, spec, cells):
    assert find_field(analyse(doc(cells)), spec) is None


ROLES = [
    ([("姓名：王建国", 150, 300)], {"name": ("王建国", "holder")}),
    ([("姓 名", 150, 300), ("欧阳明月", 500, 300)], {"name": ("欧阳明月", "holder")}),
    ([("学员：司马懿", 150, 300)], {"name": ("司马懿", "holder")}),
    ([("持证人 王芳", 150, 300)], {"name": ("王芳", "holder")}),
    ([("兹证明 诸葛亮 同志参加继续教育", 150, 300)], {"name": ("诸葛亮", "holder")}),
    ([("校长：李明", 150, 300)], {"signer": ("李明", "signer")}),
    ([("姓名：王建国", 150, 300), ("审验人：张伟", 150, 500)], {"name": ("王建国", "holder"), "signer": ("张伟", "signer")}),
    ([("负责人（签字）：赵强", 150, 300)], {"signer": ("赵强", "signer")}),
    # a certificate title that opens with a holder label is not a name
    ([("研究生毕业证书", 500, 100), ("研究生 庞欣，性别男", 150, 300)], {"name": ("庞欣", "holder")}),
    ([("学员培训登记表", 500, 100)], {}),
    # two labels in a row: the value follows the second
    ([("学生姓名：欧阳娜娜", 150, 300)], {"name": ("欧阳娜娜", "holder")}),
    ([("学员 姓名 李四", 150, 300)], {"name": ("李四", "holder")}),
    # a 兹证明 sentence whose name is followed by the person's sex or ID, not by 同志
    ([("兹证明洪玉珍，男，1992.5.24出生，", 150, 300)], {"name": ("洪玉珍", "holder")}),
    ([("兹证明 欧阳明月（身份证号：150102198503152311）", 150, 300)], {"name": ("欧阳明月", "holder")}),
    # near misses: a 兹证明 sentence about facts, not a person, names nobody
    ([("兹证明以上情况属实，特此证明。", 150, 300)], {}),
    ([("兹证明材料真实，无虚假。", 150, 300)], {}),
    # an appointment decision without the space before 同志
    ([("经研究，兹决定聘任胡帅同志为工程师", 150, 300)], {"name": ("胡帅", "holder")}),
    ([("经研究，决定聘任 诸葛明 为高级工程师", 150, 300)], {"name": ("诸葛明", "holder")}),
    # a signer's label inside a longer holder label (考核人 in 被考核人) names the holder, not a signer
    ([("被考核人：张海涛", 150, 300)], {"name": ("张海涛", "holder")}),
    ([("被考核人：张海涛", 150, 300), ("考核人：刘志刚", 150, 500)],
     {"name": ("张海涛", "holder"), "signer": ("刘志刚", "signer")}),
    ([("被 考 核 人：张海涛", 150, 300)], {"name": ("张海涛", "holder")}),
]


@pytest.mark.parametrize(("cells", "expected"), ROLES)
def test_names_carry_the_role_of_their_label(cells, expected):
    fields = extract_document(doc(cells), doc_type=DocType.ce_card).fields
    got = {k: (f.value, f.role) for k, f in fields.items() if k in ("name", "signer")}
    assert got == expected


def test_other_dates_are_kept_as_alternatives():
    cells = [("毕业证书", 600, 100), ("学生王建国，一九九〇年三月十五日生", 150, 300), ("毕业时间：2012年7月1日", 150, 400),
             ("2012年7月5日", 1200, 900)]
    field = extract_document(doc(cells), doc_type=DocType.education_certificate).fields["graduated_on"]
    assert (field.value, field.label, field.method) == ("2012-07-01", "毕业时间", "same_line")
    assert [(a.value, a.why_set_aside) for a in field.alternatives] == [("2012-07-05", "unlabelled")]


ASSESSMENT_DATES = [
    # the unit's date sits under its seal; the leader's comment date comes first on the page
    ([("主管领导意见：同意", 150, 1500), ("2024年1月5日", 1100, 1560), ("单位（盖章）", 1100, 1800),
      ("2024年1月12日", 1100, 1860)], "2024-01-12", "near"),
    ([("单位（盖章）", 1100, 1500), ("2024年1月12日", 1100, 1560), ("本人意见：无异议", 150, 1800),
      ("2024年1月20日", 1100, 1860)], "2024-01-12", "near"),
    # without a seal the document's last date is its own
    ([("审核意见：同意", 150, 1500), ("2024年1月5日", 1100, 1560), ("2024年1月12日", 1100, 1860)], "2024-01-12", "pattern"),
]


@pytest.mark.parametrize(("cells", "expected", "method"), ASSESSMENT_DATES)
def test_document_date_is_the_one_under_the_seal(cells, expected, method):
    field = extract_document(doc([("2023年度考核登记表", 500, 100), *cells]), doc_type=DocType.annual_assessment).fields["signed_on"]
    assert (field.value, field.method) == (expected, method)
    assert {a.value for a in field.alternatives} == {d for d in ("2024-01-05", "2024-01-12", "2024-01-20")
                                                    if any(d[-2:].lstrip("0") + "日" in c[0] for c in cells)} - {expected}


def test_a_year_that_lost_a_digit_is_flagged_not_guessed():
    field = find_field(analyse(doc([("毕业时间：二二年七月一日", 150, 300)])), GRADUATED)
    assert field.value is None and field.confidence < 0.5 and field.doubts and field.raw == "二二年七月一日"


ENTERPRISE = [
    ([("2023年度员工绩效考核结果确认单", 400, 100), ("员工姓名", 150, 300), ("王建国", 450, 300), ("部门", 800, 300),
      ("运维检修部", 1000, 300), ("考核结果", 150, 400), ("优秀（ ） 称职（√） 基本称职（ ） 不称职（ ）", 450, 400),
      ("员工签字确认：王建国", 150, 700), ("人力资源部（盖章）", 1000, 900), ("2024年1月15日", 1000, 960)],
     {"year": 2023, "grade": "称职", "signed_on": "2024-01-15", "name": "王建国"}),
    ([("年度考核结果通知书", 500, 100), ("王建国同志：", 150, 300), ("经公司考核委员会审定，你2022年度考核结果为称职。", 150, 400),
      ("特此通知。", 150, 500), ("国网某供电公司", 1000, 800), ("2023年1月10日", 1000, 860)],
     {"year": 2022, "grade": "称职", "signed_on": "2023-01-10", "name": "王建国"}),
]


@pytest.mark.parametrize(("cells", "expected"), ENTERPRISE)
def test_enterprise_assessments(cells, expected):
    extraction = extract_document(doc(cells))
    assert extraction.doc_type is DocType.annual_assessment
    assert {k: extraction.fields[k].value for k in expected if k in extraction.fields} == expected


def test_a_lost_digit_is_restored_only_from_a_date_the_document_prints():
    cells = [("毕业证书", 600, 100), ("于二〇〇七年九月至二〇一一年七月在本校学习", 150, 300), ("一一年七月一日", 1200, 900)]
    field = extract_document(doc(cells), doc_type=DocType.education_certificate).fields["graduated_on"]
    assert field.value == "2011-07-01" and field.doubts and 0.5 < field.confidence < 0.96


def test_a_value_right_of_another_label_belongs_to_that_label():
    cells = [("毕业时间", 150, 300), ("入学时间", 500, 300), ("2008年9月1日", 850, 300), ("2012年7月1日", 150, 360)]
    field = find_field(analyse(doc(cells)), GRADUATED)
    assert (field.value, field.method) == ("2012-07-01", "below")


SPLIT_DATES = [
    # the signing date broken over two rows under the signature
    ([("职称申报诚信承诺书", 500, 100), ("承诺人：王建国", 900, 800), ("二〇一九年", 1000, 880), ("七月一日", 1000, 920)],
     "2019-07-01", ["2019-07-01"]),
    ([("职称申报诚信承诺书", 500, 100), ("日期：2024年", 900, 800), ("6月20日", 960, 840)], "2024-06-20", ["2024-06-20"]),
    # near miss: a year on one row and a month far below are two things, not one date
    ([("职称申报诚信承诺书", 500, 100), ("2024年", 900, 800), ("6月", 960, 1300)], None, []),
]


@pytest.mark.parametrize(("cells", "signed", "dates"), SPLIT_DATES)
def test_dates_split_over_two_rows(cells, signed, dates):
    extraction = extract_document(doc(cells))
    assert extraction.doc_type is DocType.pledge
    assert (extraction.fields["signed_on"].value if "signed_on" in extraction.fields else None) == signed
    assert [d.value for d in extraction.dates] == dates


TERMS = [
    # the end of the term is not the appointment date
    ([("专业技术职务聘任证书", 400, 100), ("聘期届满：2020年2月1日", 150, 300), ("聘任时间：2017年2月1日", 150, 400)], "2017-02-01"),
    ([("聘 书", 600, 100), ("聘期：2019.07.01-2022.6.30", 150, 300)], "2019-07-01"),
    ([("学位证明书", 500, 100), ("于2007.6.18被授予理学学士学位。", 150, 300), ("2023年2月21日", 900, 700)], "2007-06-18"),
]


@pytest.mark.parametrize(("cells", "expected"), TERMS)
def test_the_date_the_document_is_about(cells, expected):
    fields = extract_document(doc(cells)).fields
    assert (fields.get("appointed_on") or fields.get("conferred_on")).value == expected


ID_CELLS = [
    # the label is its own cell: the number to its right is an ID even with a misread check digit
    ([("公民身份号码", 150, 300), ("150102198503152310", 500, 300)], "150102198503152310", 0.5),
    ([("证件号码：1501 0219 8503 1523 11", 150, 300)], "150102198503152311", 0.95),
    # near miss: a bad number without any ID label is no ID
    ([("编号", 150, 300), ("150102198503152310", 500, 300)], None, None),
]


@pytest.mark.parametrize(("cells", "value", "certainty"), ID_CELLS)
def test_id_numbers_by_their_label(cells, value, certainty):
    field = extract_document(doc(cells), doc_type=DocType.ce_card).fields.get("id_number")
    assert (field.value if field else None) == value
    if field is not None:
        assert field.confidence == pytest.approx(0.96 * certainty)
