"""Certificate-number recogniser: labelled numbers only; approval numbers stay visible."""

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
    ("201915000123456789", []),              # no label
])
def test_find(text, found):
    assert [e.text for e in certificate_number.find(text)] == found
