"""Home and postal addresses: after an address label, or shaped like a street or estate address."""

from __future__ import annotations

import re

from masking.entities import PiiEntity, PiiType
from masking.recognizers.base import CJK, entity

TYPE = PiiType.address
PLACEHOLDER = "〔地址〕"
NAME = "地址"  # in reviewer-facing messages (masking.withheld)
PRIORITY = 3
LABELS = ("家庭住址", "现住址", "住址", "通讯地址", "联系地址", "家庭地址", "户籍地址", "地址", "住所")

_AFTER_LABEL = re.compile(rf"({'|'.join(LABELS)})\s*[:：]?\s*([{CJK}0-9A-Za-z\-#（）()]{{4,60}})")
_STREET = re.compile(
    rf"(?:[{CJK}]{{2,8}}(?:省|自治区))?(?:[{CJK}]{{2,10}}(?:市|盟))?(?:[{CJK}]{{1,8}}(?:区|县|旗))?"
    rf"[{CJK}0-9]{{1,12}}?(?:路|大街|街|巷|道)[0-9一二三四五六七八九十]{{1,5}}号"
    rf"(?:院)?(?:[0-9]{{1,4}}(?:号楼|栋|幢))?(?:[0-9]{{1,3}}单元)?(?:[0-9]{{1,5}}(?:室|号))?"
)
_ESTATE = re.compile(
    rf"(?:[{CJK}]{{2,10}}(?:市|盟))?(?:[{CJK}]{{1,8}}(?:区|县|旗))?[{CJK}]{{2,10}}?(?:小区|花园|家园|公寓)"
    rf"[0-9]{{1,4}}(?:号楼|栋|幢)(?:[0-9]{{1,3}}单元)?(?:[0-9]{{1,5}}室)?"
)
_LEADING = re.compile(rf"^({'|'.join(LABELS)}|住在|居住在|位于)")


def find(text: str) -> list[PiiEntity]:
    found = [entity(TYPE, text, m.start(2), m.end(2), 0.85, "address_label") for m in _AFTER_LABEL.finditer(text)]
    for pattern in (_STREET, _ESTATE):
        for match in pattern.finditer(text):
            start = match.start()
            leading = _LEADING.match(match.group())
            if leading:
                start += leading.end()
            if match.end() - start >= 5:
                found.append(entity(TYPE, text, start, match.end(), 0.7, "address_pattern"))
    return found
