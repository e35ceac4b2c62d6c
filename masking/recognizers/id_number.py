"""Resident ID numbers, judged by ``zcps.idcard`` (the module extraction uses too).

Look-alike letters inside a digit run (O, l, I …) are read as digits, as long as most of the run
is real digits; a run right after a certificate-number label is a certificate number instead.
"""

from __future__ import annotations

import re

from masking.entities import PiiEntity, PiiType
from masking.recognizers.base import entity
from masking.recognizers.certificate_number import LABEL_BEFORE as CERT_LABEL_BEFORE
from zcps import idcard

TYPE = PiiType.id_number
PLACEHOLDER = "〔身份证号〕"
NAME = "身份证号"  # in reviewer-facing messages (masking.withheld)
PRIORITY = 9
LABELS = ("身份证", "身份证号", "证件号码", "身份号码", "公民身份号码")

_CHAR = rf"[\d{re.escape(idcard.LOOKALIKES)}]"
_RUN = re.compile(rf"(?<![0-9A-Za-z]){_CHAR}(?:[ ]?{_CHAR}){{14}}(?:(?:[ ]?{_CHAR}){{2}}[ ]?[\dXx×])?(?![0-9A-Za-z])")
_LABEL = re.compile("|".join(LABELS))
_MAX_LOOKALIKES = 2


def find(text: str) -> list[PiiEntity]:
    found = []
    for match in _RUN.finditer(text):
        raw = match.group()
        compact = raw.replace(" ", "")
        if sum(not ch.isdigit() for ch in compact[:-1]) > _MAX_LOOKALIKES:
            continue
        before = text[max(0, match.start() - 10):match.start()]
        if CERT_LABEL_BEFORE.search(before) and not _LABEL.search(before):
            continue
        if idcard.is_valid_raw(raw):
            score = 0.99 if len(compact) == 18 else 0.85
            found.append(entity(TYPE, text, match.start(), match.end(), score, "id_checksum"))
    return found
