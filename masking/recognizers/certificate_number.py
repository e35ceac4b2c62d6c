"""Certificate and management numbers after their label (证书编号, 管理号 …).

Approval numbers (批准文号, 文件编号) are public policy document numbers and stay visible.

Fail closed on a number whose label OCR lost ("11 :0202135000101"): ``LONG_RUN`` or more digits in a
row are a certificate, registration or ID number of somebody; no date, hours or phone is that long.
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
LONG_RUN = 13
_LONG = re.compile(rf"(?<![0-9A-Za-z])[0-9]{{{LONG_RUN},}}(?![0-9A-Za-z])")


def find(text: str) -> list[PiiEntity]:
    found = [entity(TYPE, text, m.start(2), m.end(2), 0.9, "cert_label") for m in _AFTER_LABEL.finditer(text)]
    return found + [entity(TYPE, text, m.start(), m.end(), 0.6, "cert_long_run") for m in _LONG.finditer(text)
                    if not any(f.start < m.end() and m.start() < f.end for f in found)]
