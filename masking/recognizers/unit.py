"""Employer units by suffix (有限公司, 供电局 …).

School names (大学/学院/学校) and issuing authorities stay visible unless an employer label
(工作单位 …) stands before them; a weak suffix (局/院/厂/站/中心) counts only with an employer
label or a place name.

Fail closed on the employer's own name, which OCR often cuts or garbles:
- a unit name runs on past its suffix through the branch that follows on the same line
  ("…有限责任公司包头供" where the line ends mid-name), up to a word that begins ordinary text;
- right after an employer label, on the same line or the next, a CJK run with a unit word in it
  (电力, 有限, 公司 …) is the unit even without a readable suffix ("内蒙古电力集有限责任公包");
- anywhere, a run with two different unit words, stray OCR characters inside tolerated, is a unit
  name whatever its suffix ("内蒙古电力4有限责压公包").

A label ending in 单位 names the employer only when it is one: 学位授予单位, 发证单位 and 培训单位 name
a school or an authority, which stay visible.
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
_AUTHORITY = re.compile(r"(人力资源|社会保障|人事|教育厅|教育部|评审委员会|职称改革|职改|继续教育|职业技能|鉴定)")
_NOT_EMPLOYER = re.compile(r"(授予|培养|发证|颁证|颁发|主办|培训|鉴定|评审|审批)\s*$")
_CONTINUATION = re.compile(rf"[{CJK}（）()]{{1,16}}")
# Words that start ordinary text after a unit name rather than continue it.
_TEXT_AFTER = re.compile(r"(文件|关于|同志|职工|员工|意见|盖章|推荐|证明|考核|年度|任命|聘任|聘用|现任|担任|工作|从事|的|在|于)")
_LABELLED_RUN = re.compile(rf"({spaced(*LABELS)})\s*[:：]?\s*([{CJK}（）()]{{6,40}})")
_UNIT_WORD = re.compile(r"(电力|电网|供电|电厂|热电|发电|有限|公司|集团|责任)")
_NOISY_RUN = re.compile(rf"[{CJK}（）()]+(?:[0-9A-Za-z][{CJK}（）()]+)*")


def _continued(text: str, end: int) -> int:
    """Where a unit name ending at ``end`` really ends: through the branch name that follows."""
    more = _CONTINUATION.match(text, end)
    if more is None:
        return end
    stop = _TEXT_AFTER.search(more.group())
    return end + len(more.group()[:stop.start() if stop else None].rstrip("（("))


def _labelled(text: str) -> list[PiiEntity]:
    found = []
    for match in _LABELLED_RUN.finditer(text):
        value = match.group(2)
        if _NOT_EMPLOYER.search(text[max(0, match.start() - 4):match.start()]):
            continue
        if _UNIT_WORD.search(value) and not _AUTHORITY.search(value):
            found.append(entity(TYPE, text, match.start(2), match.end(2), 0.6, "unit_label"))
    return found


def find(text: str) -> list[PiiEntity]:
    found: list[PiiEntity] = []
    for match in _UNIT.finditer(text):
        start, candidate = match.start(), match.group()
        if found and start < found[-1].end:  # inside the branch a previous name ran on through
            continue
        leading = _LEADING_WORDS.match(candidate)
        if leading:
            start, candidate = start + leading.end(), candidate[leading.end():]
        if len(candidate) < 4 or _AUTHORITY.search(candidate):
            continue
        window = max(0, start - 8)
        label = _EMPLOYER_LABEL.search(text[window:start])
        labelled = bool(label) and not _NOT_EMPLOYER.search(text[max(0, window + label.start() - 4):
                                                                 window + label.start()])
        if _SCHOOL_END.search(candidate) and not labelled:
            continue
        if not (_STRONG_END.search(candidate) or labelled or _PLACE.search(candidate)):
            continue
        end = start + len(candidate)
        if _STRONG_END.search(candidate):
            end = _continued(text, end)
        found.append(entity(TYPE, text, start, end, 0.75, "unit_suffix"))
    found += [e for e in _labelled(text) if not any(f.start < e.end and e.start < f.end for f in found)]
    return found + [e for e in _two_unit_words(text) if not any(f.start < e.end and e.start < f.end for f in found)]


def _two_unit_words(text: str) -> list[PiiEntity]:
    found = []
    for match in _NOISY_RUN.finditer(text):
        words = {m.group() for m in _UNIT_WORD.finditer(match.group())}
        if len(words) >= 2 and not _AUTHORITY.search(match.group()):
            start = match.start() + (lead.end() if (lead := _LEADING_WORDS.match(match.group())) else 0)
            found.append(entity(TYPE, text, start, match.end(), 0.55, "unit_words"))
    return found
