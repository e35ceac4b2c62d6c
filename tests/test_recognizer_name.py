"""Holder-name recogniser: holder labels of the role lexicon and 兹证明 sentences."""

from __future__ import annotations

import pytest

from masking.recognizers import name


@pytest.mark.parametrize("text, found", [
    ("姓名：王建国", ["王建国"]),
    ("姓旨：将璐", ["将璐"]),                      # the label garbled by OCR
    ("是工姓\n显波\n录上编号", ["显波"]),          # 员工姓名 garbled, the value on the next line
    ("老百姓\n生活", []),                         # near miss: 姓 ending an ordinary word
    ("姓名\n运维检修部", []),                      # a department in the next cell
    ("性别：男", []),
    ("姓　　名：巴特尔", ["巴特尔"]),
    ("姓名王小红性别女", ["王小红"]),
    ("姓名：乌力吉巴雅尔", ["乌力吉巴雅尔"]),  # a long Mongolian name under a strong label
    ("持证人：李学军", ["李学军"]),
    ("申报人：赵敏", ["赵敏"]),
    ("承诺人（签字）：钱进", ["钱进"]),
    ("兹证明王建国同志系我单位职工", ["王建国"]),
    ("兹证明 刘芳（身份证号", ["刘芳"]),
    ("申报人：单位审核意见", []),             # label followed by a form phrase, not a name
    ("学生人数", []),
    ("姓名", []),
])
def test_find(text, found):
    assert [e.text for e in name.find(text)] == found
