"""Other people's names by role: on the line, in the next cell, or below the label."""

from __future__ import annotations

import pytest

from masking.recognizers import other_name
from zcps.models import TextLine


@pytest.mark.parametrize("text, found", [
    ("审核人：李明 2024年1月5日", ["李明"]),
    ("审验人：张丽", ["张丽"]),
    ("校长：刘德华", ["刘德华"]),
    ("校（院）长：刘德华", ["刘德华"]),
    ("学位评定委员会主席 陈思远", ["陈思远"]),
    ("单位负责人（签字）：李旭", ["李旭"]),
    ("主管领导签字：宋秀芳", ["宋秀芳"]),
    ("经办人：乂丙", ["乂丙"]),              # a signature OCR misread: short, no surname, still a name
    ("经办人：乂丙丁戊", ["乂丙丁戊"]),       # four characters without a surname: a Mongolian name too
    ("经 办 人：斯琴高娃", ["斯琴高娃"]),
    ("经办人：高级工程师", []),               # a title, not a name
    ("委托欧阳文静同志代为报送", ["欧阳文静"]),
    ("材料经王雪核对无误", ["王雪"]),
    ("经研究，决定聘任", []),                 # 经 opens no name here
    ("经人事处复核", []),                     # a department
    ("发证人：周强", ["周强"]),
    ("签名：郑一", ["郑一"]),
    ("经办人（签字）：", []),
    ("经办人：（签字）", []),
    ("签名：  年  月  日", []),
    ("负责人意见：同意", []),
    ("审核人：内蒙古人力资源", []),
    ("考核意见：优秀", []),
    ("学位评定委员会主席\n校长", []),        # a label on the next line is no name, and lines are not crossed
    ("主管领导\n推荐单位：乌海电业局", []),
])
def test_find(text, found):
    assert [e.text for e in other_name.find(text)] == found


def line(text: str, x0: float, y0: float, x1: float, y1: float) -> TextLine:
    return TextLine(text=text, bbox=(x0, y0, x1, y1))


@pytest.mark.parametrize("lines, found", [
    # the value in the next cell of the same row
    ([line("审验人", 0, 0, 90, 30), line("张丽", 140, 2, 200, 30)], [(1, "张丽", "other_name")]),
    # the value below the label (a table header over its value)
    ([line("校长", 100, 0, 160, 30), line("刘德华", 95, 40, 185, 70)], [(1, "刘德华", "other_name")]),
    # a holder label in a table cell
    ([line("姓名", 0, 0, 60, 30), line("边秀兰", 100, 0, 190, 30)], [(1, "边秀兰", "name")]),
    # the next cell is a date: no name; the line below is another label: no name either
    ([line("审验人：", 0, 0, 120, 30), line("2024年3月1日", 400, 0, 600, 30), line("审验日期", 0, 40, 120, 70)], []),
    # too far to the right to belong to the label
    ([line("审验人", 0, 0, 90, 30), line("张丽", 900, 0, 960, 30)], []),
    # another label, not a value
    ([line("审核人", 0, 0, 90, 30), line("经办人", 150, 0, 240, 30)], []),
    # a label with its value on the same line is the text recogniser's job
    ([line("审验人：张丽", 0, 0, 180, 30)], []),
    # a verifier column: every name down the column under the header, until a line is no name
    ([line("审验人", 500, 0, 590, 30), line("董芳", 505, 70, 565, 100), line("李楠", 505, 170, 565, 200),
      line("合计", 505, 270, 565, 300)], [(1, "董芳", "other_name"), (2, "李楠", "other_name")]),
    # a header row: the next header cell (职称) is no name; the names are down the column
    ([line("推荐人", 100, 0, 220, 40), line("职称", 500, 0, 580, 40), line("汤燕", 100, 100, 190, 140),
      line("姜成", 100, 200, 190, 240)], [(2, "汤燕", "other_name"), (3, "姜成", "other_name")]),
    # an organisation before the role: still a signing field
    ([line("培训机构负责人(签字)", 0, 0, 300, 30), line("周强", 340, 0, 400, 30)], [(1, "周强", "other_name")]),
])
def test_find_in_layout(lines, found):
    hits = other_name.find_in_layout(lines)
    assert [(h.line, lines[h.line].text[h.start:h.end], h.type.value) for h in hits] == found


@pytest.mark.parametrize("text, role", [
    ("审验人：", "signer"),
    ("单位负责人（签字）", "signer"),
    ("签 名：", "signer"),
    ("培训机构负责人(签字)", "signer"),
    ("项目负责人", "signer"),
    ("姓　名", "holder"),
    ("持证人", "holder"),
    ("审验日期", None),
    ("审验人：张丽", None),             # a label with its value is not a label-only line
    ("负责人意见", None),
    ("2023年12月28日", None),
])
def test_label_role(text, role):
    from masking.recognizers.fields import label_role

    assert label_role(text) == role
