"""Certificate and management numbers after their label (证书编号, 管理号 …).

Approval numbers (批准文号, 文件编号) are public policy document numbers and stay visible.
"""

from __future__ import annotations

import re

from masking.entities import PiiEntity, PiiType
from masking.recognizers.base import entity, spaced

TYPE = PiiType.certificate_number
PLACEHOLDER = "〔证书编号〕"
NAME = "证书编号"  # in reviewer-facing messages (masking.withheld)
PRIORITY = 7
LABELS = ("证书编号", "证书号码", "证书号", "证书编码", "管理号", "登记号", "档案号", "证号", "编号")

_WORDS = spaced(*LABELS) + r"|No\.?"
_AFTER_LABEL = re.compile(
    rf"(?<!文件)(?<!身份)({_WORDS})\s*[:：]?\s*([A-Za-z0-9][A-Za-z0-9\-]{{4,29}})(?![A-Za-z0-9])")
LABEL_BEFORE = re.compile(rf"(?<!文件)(?<!身份)({_WORDS})\s*[:：]?\s*$")


def find(text: str) -> list[PiiEntity]:
    return [entity(TYPE, text, m.start(2), m.end(2), 0.9, "cert_label") for m in _AFTER_LABEL.finditer(text)]
