"""Holder-name recogniser: holder labels of the role lexicon and 兹证明 sentences."""

from __future__ import annotations

import pytest

from masking.recognizers import name


@pytest.mark.parametrize("text, found", [
    ("姓名：王建国", ["王建国"]),
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
