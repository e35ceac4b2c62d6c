"""Employer units by suffix (有限公司, 供电局 …).

School names (大学/学院/学校) and issuing authorities stay visible unless an employer label
(工作单位 …) stands before them; a weak suffix (局/院/厂/站/中心) counts only with an employer
label or a place name.
"""

from __future__ import annotations

import re

from masking.entities import PiiEntity, PiiType
from masking.recognizers.base import CJK, entity, spaced

TYPE = PiiType.unit
PLACEHOLDER = "〔单位〕"
NAME = "工作单位"  # in reviewer-facing messages (masking.withheld)
PRIORITY = 4
LABELS = ("工作单位", "所在单位", "申报单位", "单位名称", "任职单位", "推荐单位", "单位")

_STRONG = r"有限责任公司|股份有限公司|有限公司|分公司|公司|供电局|电业局|研究院|设计院|医院|集团"
_WEAK = r"局|院|厂|站|中心|学校|大学|学院"
_UNIT = re.compile(rf"[{CJK}（）()]{{2,40}}?(?:{_STRONG}|{_WEAK})")
_STRONG_END = re.compile(rf"(?:{_STRONG})$")
_EMPLOYER_LABEL = re.compile(rf"({spaced(*LABELS)})\s*[:：]?\s*$")
_LEADING_WORDS = re.compile(rf"^({'|'.join(LABELS)}|现任|任职于|就职于|在|于|经)")
_SCHOOL_END = re.compile(r"(大学|学院|学校)$")
_PLACE = re.compile(r"(省|自治区|市|盟|县|旗|区|内蒙古)")
# Issuing authorities are public bodies, not the applicant's employer.
_AUTHORITY = re.compile(r"(人力资源|社会保障|人事|教育厅|教育部|评审委员会|职称改革|职改|继续教育)")


def find(text: str) -> list[PiiEntity]:
    found = []
    for match in _UNIT.finditer(text):
        start, candidate = match.start(), match.group()
        leading = _LEADING_WORDS.match(candidate)
        if leading:
            start, candidate = start + leading.end(), candidate[leading.end():]
        if len(candidate) < 4 or _AUTHORITY.search(candidate):
            continue
        labelled = bool(_EMPLOYER_LABEL.search(text[max(0, start - 8):start]))
        if _SCHOOL_END.search(candidate) and not labelled:
            continue
        if not (_STRONG_END.search(candidate) or labelled or _PLACE.search(candidate)):
            continue
        found.append(entity(TYPE, text, start, start + len(candidate), 0.75, "unit_suffix"))
    return found
