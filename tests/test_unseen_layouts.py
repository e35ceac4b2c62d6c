"""Whole documents in layouts no template of this project draws: labels reordered and renamed, values
right of, below or inside a sentence, tables. Cells are (text, x, y) as OCR returns them."""

from __future__ import annotations

import unicodedata

import pytest

from extractors.extract import extract_document
from zcps.models import DocumentText, Page, TextLine

CHAR = 34


def doc(cells: list[tuple[str, int, int]]) -> DocumentText:
    lines = []
    for text, x, y in cells:
        width = sum(CHAR if unicodedata.east_asian_width(ch) in "WF" else CHAR // 2 for ch in text)
        lines.append(TextLine(text=text, bbox=(x, y, x + width, y + 32), score=0.97))
    return DocumentText(sha256="t", source="ocr", engine="t", pages=[Page(number=1, width=1654, height=2339, lines=lines)])


def grid(rows: list[list[str]], x0: int = 120, y0: int = 300, col: int = 380, row: int = 70) -> list[tuple[str, int, int]]:
    return [(text, x0 + j * col, y0 + i * row) for i, cells in enumerate(rows) for j, text in enumerate(cells) if text]


ID = "150102198503152311"
LAYOUTS = [
    ("学信网 电子注册备案表", [("教育部学历证书电子注册备案表", 400, 120), *grid([
        ["姓名", "王建国", "性别", "男"], ["出生日期", "1985年03月15日", "民族", "汉族"],
        ["证件号码", ID, "", ""], ["入学日期", "2003年09月01日", "毕（结）业日期", "2007年07月01日"],
        ["学校名称", "内蒙古工业大学", "专业", "电气工程及其自动化"], ["层次", "本科", "学历类别", "普通高等教育"],
        ["证书编号", "101281200705001234", "", ""]]), ("更新日期：2024年03月01日", 120, 1000)],
     "education_certificate",
     {"name": "王建国", "id_number": ID, "graduated_on": "2007-07-01", "school": "内蒙古工业大学",
      "specialty": "电气工程及其自动化", "education_level": "本科", "certificate_number": "101281200705001234"}),
    ("electronic title certificate, labels reordered", [("职称证书", 700, 120), ("证书编号：NM2019150100123", 120, 300),
     ("职称名称：工程师", 120, 380), ("专业：电力工程", 120, 460), ("姓名：王建国", 120, 540),
     ("身份证号：" + ID, 120, 620), ("取得日期：2019-12-28", 120, 700),
     ("批准文号：内人社职字〔2019〕123号", 120, 780), ("发证日期：2020年1月10日", 120, 860)],
     "title_certificate",
     {"name": "王建国", "id_number": ID, "title_name": "工程师", "title_level": "中级", "series": "电力工程",
      "qualified_on": "2019-12-28", "certificate_number": "NM2019150100123", "approval_number": "内人社职字〔2019〕123号"}),
    ("title certificate booklet, values below their labels", [("专业技术资格证书", 600, 120), *grid([
        ["姓 名", "资格名称", "评审通过时间"], ["王建国", "高级工程师", "2021年12月20日"]], col=450)],
     "title_certificate", {"name": "王建国", "title_name": "高级工程师", "title_level": "副高级", "qualified_on": "2021-12-20"}),
    ("vocational skill-level certificate", [("职业技能等级证书", 600, 120), *grid([
        ["姓名", "王建国"], ["职业名称", "变电站运行值班员"], ["技能等级", "技师（二级）"], ["证书编号", "S000015010000223001234"],
        ["发证日期", "2020年1月"]])],
     "vocational_qualification",
     {"name": "王建国", "skill_level": "技师", "obtained_on": "2020-01", "certificate_number": "S000015010000223001234"}),
    ("degree certificate in sentences", [("学士学位证书", 650, 120),
     ("王建国，男，1985年3月15日生。在内蒙古工业大学电气工程及其自动化", 150, 300),
     ("专业完成了本科学习计划，业已毕业。经审核符合《中华人民共和国学位条例》", 150, 380),
     ("的规定，授予 工学 学士 学位。", 150, 460), ("内蒙古工业大学", 1000, 700), ("学位评定委员会主席：李明", 900, 780),
     ("二〇〇七年七月一日", 1000, 860), ("证书编号：1012842007001234", 150, 960)],
     "degree_certificate",
     {"name": "王建国", "degree": "学士", "conferred_on": "2007-07-01", "certificate_number": "1012842007001234"}),
    ("appointment in one sentence", [("聘 任 书", 700, 120),
     ("兹聘任王建国同志为工程师，聘期自2019年7月1日至2022年6月30日。", 150, 300), ("内蒙古电力（集团）有限责任公司", 900, 700),
     ("2019年6月20日", 1000, 780)],
     "appointment_letter", {"name": "王建国", "title_name": "工程师", "title_level": "中级", "appointed_on": "2019-07-01"}),
    ("事业单位 登记表: the seal date, not the comment dates", [("2023年度事业单位工作人员年度考核登记表", 300, 120), *grid([
        ["姓名", "王建国", "性别", "男"], ["考核等次", "优秀□ 合格☑ 基本合格□ 不合格□", "", ""]]),
     ("个人总结：本人认真履行岗位职责……", 120, 600), ("签名：王建国      2024年1月3日", 900, 700),
     ("主管领导评语：同意", 120, 900), ("签名：李明      2024年1月8日", 900, 980),
     ("单位（盖章）", 1000, 1300), ("2024年1月15日", 1000, 1370)],
     "annual_assessment", {"name": "王建国", "year": 2023, "grade": "合格", "signed_on": "2024-01-15"}),
    ("CE card, one labelled block per year", [("专业技术人员继续教育证书", 500, 120), ("持证人：王建国", 120, 220),
     *[(t, 120, 300 + i * 60) for i, t in enumerate(["2022年度", "公需科目：30 学时", "专业科目：60 学时", "审验日期：2022.12.20",
                                                     "2023年度", "公需科目：30 学时", "专业科目：62 学时", "审验日期：2023.12.18"])]],
     "ce_card", {"name": "王建国"}),
]


@pytest.mark.parametrize(("layout", "cells", "doc_type", "expected"), LAYOUTS, ids=[entry[0] for entry in LAYOUTS])
def test_unseen_layouts(layout, cells, doc_type, expected):
    extraction = extract_document(doc(cells))
    assert extraction.doc_type.value == doc_type
    got = {name: extraction.fields[name].value for name in expected if name in extraction.fields}
    assert got == expected


def test_ce_blocks_give_records_through_extract():
    _, cells, _, _ = LAYOUTS[-1]
    records = extract_document(doc(cells)).records
    assert [(r.year, r.public_hours, r.professional_hours, r.verified_on, r.verified) for r in records] == [
        (2022, 30, 60, "2022-12-20", True), (2023, 30, 62, "2023-12-18", True)]
