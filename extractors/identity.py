"""Names and resident ID numbers printed on documents.

ID numbers are judged by ``zcps.idcard`` (check digit, birth date, province), the module masking
uses too, so both agree on what an ID number is.
"""

from __future__ import annotations

import re

from extractors.matches import Match
from zcps import idcard

HAN = r"[\u4e00-\u9fa5·]"
# What may follow a name on the same line: a separator or the next label.
NAME_END = r"(?=\s|$|[，,。:：;；()（）]|性别|性|身份|公民身份|证件号|出生|民族|男|女|同志|职务|工作单位|单位|申报|现职|职称|学历|年龄|部门)"
NOT_NAMES = {"本人", "申报人", "专业技术", "该同志", "学生", "同志"}
# Words of forms and certificates, never inside a person's name (研究生毕业证书 is a title, not 毕业证书).
_FORM_WORDS = re.compile("证书|毕业|学位|学历|专业|技术|职称|单位|部门|公司|考核|年度|日期|号码|编号|科目|学时|签字|签名|盖章|证明|培训"
                         "|审验|资格|等级|结果|意见|登记|表")
_ID_CHARS = r"[0-9OoIl]"
_ID_RE = re.compile(rf"(?<![0-9A-Za-z])(?P<n>{_ID_CHARS}{{17}}[0-9Xx×]|{_ID_CHARS}{{15}})(?![0-9A-Za-z])")
_ID_LABEL = re.compile(r"(?:身\s*份\s*证\s*件?\s*(?:号\s*码|号)?|公民身份号码|证件号码?)\s*[:：]?\s*$")




def plausible_name(text: str) -> bool:
    return text not in NOT_NAMES and not _FORM_WORDS.search(text)


def find_id_numbers(text: str, labelled: bool = False) -> list[Match]:
    """ID numbers in ``text``; look-alike letters in the digit run are read as digits.

    A number failing its check digit is kept only right after an ID label (身份证号：…; ``labelled``:
    the caller found the label just before ``text``), at
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
                and (_ID_LABEL.search(text[:match.start()]) or (labelled and not text[:match.start()].strip(" ：:"))):
            certainty = 0.5
        else:
            continue
        if number != raw.upper():
            certainty *= 0.9
        found.append(Match(number, raw, match.span("n"), certainty))
    return found
