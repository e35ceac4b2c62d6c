"""Names and resident ID numbers printed on documents.

ID numbers are judged by ``zcps.idcard`` (check digit, birth date, province), the module masking
uses too, so both agree on what an ID number is.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from zcps import idcard

_HAN = r"[\u4e00-\u9fa5·]"
# What may follow a name on the same line: a separator or the next label.
_NAME_END = r"(?=\s|$|[，,。:：;；()（）]|性别|性|身份|出生|民族|男|女|同志|职务|工作单位|单位|申报|现职|职称|学历|年龄|部门)"
_NAME_PATTERNS = (
    (re.compile(rf"姓\s*名\s*[:：]?\s*(?P<n>{_HAN}{{2,4}}?){_NAME_END}"), 1.0),
    # OCR drops the 姓 of a spaced-out 姓　　名： label.
    (re.compile(rf"^\s*名\s*[:：]\s*(?P<n>{_HAN}{{2,4}}?){_NAME_END}"), 0.9),
    (re.compile(rf"兹证明\s*(?P<n>{_HAN}{{2,4}}?)\s*同志"), 1.0),
    (re.compile(rf"(?:学生|持证人|申报人|聘任|兹聘任|兹聘)\s*[:：]?\s*(?P<n>{_HAN}{{2,4}}?){_NAME_END}"), 0.9),
    (re.compile(rf"(?:承诺人|申请人|本人)\s*(?:[（(]\s*签\s*[字名章]\s*[)）])?\s*[:：]\s*(?P<n>{_HAN}{{2,4}}?){_NAME_END}"), 0.95),
    (re.compile(rf"(?:^|\s)(?P<n>{_HAN}{{2,4}}?)\s*同志"), 0.9),
    # 王建国，男，1990年3月15日生 (degree certificates)
    (re.compile(rf"^\s*(?P<n>{_HAN}{{2,4}}?)\s*[，,]\s*[男女]\s*[，,]"), 0.9),
    # A paper's author line: 王建国1，李明2
    (re.compile(rf"^\s*(?P<n>{_HAN}{{2,4}}?)\s*[1¹]\s*[，,]"), 0.8),
)
_NOT_NAMES = {"本人", "申报人", "专业技术", "该同志", "学生", "同志"}
# A name after a signing or role label belongs to someone else (审核人、单位负责人…): kept with role
# "signer" so it is never compared with the applicant.
_SIGNER = re.compile(
    rf"(?:审核人|审验人|审批人|经办人|负责人|签发人|批准人|考核人|鉴定人|法定代表人|校\s*[（(]?\s*院\s*[)）]?\s*长|院长|主任)"
    rf"\s*(?:[（(]\s*签\s*[字名章]\s*[)）])?\s*[:：]?\s*(?P<n>{_HAN}{{2,4}}?){_NAME_END}")
_ID_CHARS = r"[0-9OoIl]"
_ID_RE = re.compile(rf"(?<![0-9A-Za-z])(?P<n>{_ID_CHARS}{{17}}[0-9Xx×]|{_ID_CHARS}{{15}})(?![0-9A-Za-z])")
_ID_LABEL = re.compile(r"(?:身\s*份\s*证\s*(?:号\s*码|号)?|公民身份号码|证件号码?)\s*[:：]?\s*$")


class IdentityMatch(NamedTuple):
    value: str
    raw: str
    span: tuple[int, int]
    certainty: float


def find_name(text: str) -> IdentityMatch | None:
    for pattern, certainty in _NAME_PATTERNS:
        for match in pattern.finditer(text):
            name = match.group("n")
            if name not in _NOT_NAMES:
                return IdentityMatch(name, name, match.span("n"), certainty)
    return None


def find_signer(text: str) -> IdentityMatch | None:
    match = _SIGNER.search(text)
    if match is None or match.group("n") in _NOT_NAMES:
        return None
    return IdentityMatch(match.group("n"), match.group("n"), match.span("n"), 0.9)


def find_id_numbers(text: str) -> list[IdentityMatch]:
    """ID numbers in ``text``; look-alike letters in the digit run are read as digits.

    A number failing its check digit is kept only right after an ID label (身份证号：…), at
    certainty 0.5: the document says it is an ID number, so a reviewer should see the misprint or
    misread rather than lose it.
    """
    found = []
    for match in _ID_RE.finditer(text):
        raw = match.group("n")
        if sum(ch.isdigit() for ch in raw) < len(raw) - 2:
            continue
        number = idcard.normalise(raw)
        if idcard.is_valid(number):
            certainty = 1.0 if len(number) == 18 else 0.9
        elif len(number) == 18 and number[:17].isdigit() and idcard.birth_date_ok(number) \
                and _ID_LABEL.search(text[:match.start()]):
            certainty = 0.5
        else:
            continue
        if number != raw.upper():
            certainty *= 0.9
        found.append(IdentityMatch(number, raw, match.span("n"), certainty))
    return found
