"""Certificate-number recogniser: labelled numbers, and long unlabelled runs (fail closed); approval
numbers, dates and phone-length runs stay visible."""

from __future__ import annotations

import pytest

from masking.recognizers import certificate_number


@pytest.mark.parametrize("text, found", [
    ("证书编号：201915000123456789", ["201915000123456789"]),
    ("管 理 号：HD2019150001", ["HD2019150001"]),
    ("No. A1234567", ["A1234567"]),
    ("编号 1234", []),                       # too short to be a number worth masking
    ("批准文号：内人社职字〔2019〕12号", []),
    ("文件编号：NRS20190012", []),
    ("201915000123456789", ["201915000123456789"]),  # label lost: 13+ digits are somebody's number
    ("11 :0202135000101", ["0202135000101"]),          # 13 digits, the label garbled
    ("020213500010", []),                    # 12 digits: near miss
    ("13912345678", []),                     # phone length
    ("2019.07.01-2022.06.30", []),           # a date range is many short runs
    ("20190701", []),
    ("A0202135000101", []),                  # part of a longer code: no boundary
])
def test_find(text, found):
    assert [e.text for e in certificate_number.find(text)] == found
