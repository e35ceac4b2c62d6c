"""Education levels, degrees, titles, skill levels and certificate / approval numbers.

Every table is matched longest term first, so 高级工程师 is never read as 工程师, 博士研究生 never
as 研究生, and 高级技师 never as 技师. Values use the manifest's vocabulary.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class TermMatch(NamedTuple):
    value: str
    raw: str
    span: tuple[int, int]
    certainty: float


EDUCATION_LEVELS = {
    "中等职业学校": "中专", "中等专业学校": "中专", "技工学校": "中专", "中专": "中专",
    "大学专科": "大专", "高职": "大专", "大专": "大专", "专科": "大专",
    "大学本科": "本科", "本科": "本科",
    "硕士研究生": "硕士", "研究生": "硕士",
    "博士研究生": "博士", "硕士": "硕士", "博士": "博士",
}
_EDUCATION_ORDER = ("中专", "大专", "本科", "硕士", "博士")
DEGREES = {"第二学士学位": "第二学士", "学士学位": "学士", "硕士学位": "硕士", "博士学位": "博士"}
TITLE_LEVELS = {
    "正高级工程师": "正高级", "高级工程师": "副高级", "工程师": "中级", "助理工程师": "助理级",
    "技术员": "员级",
}
LEVEL_WORDS = ("正高级", "副高级", "中级", "助理级", "员级")
SKILL_LEVELS = {"高级技师": "高级技师", "技师": "技师", "高级工": "高级工"}


def _table_regex(terms: dict[str, str], guard: str = "") -> re.Pattern:
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(f"(?:{alternatives}){guard}")


_EDUCATION_RE = _table_regex(EDUCATION_LEVELS)
# 学位 is often printed apart from the degree (授予工学学士学位 / 硕士 学位).
_DEGREE_RE = re.compile(r"(第二学士|学士|硕士|博士)\s?学\s?位")
_TITLE_RE = _table_regex(TITLE_LEVELS)
_LEVEL_WORD_RE = re.compile("|".join(LEVEL_WORDS) + r"(?!工程师)")
# 高级工 must not be read out of 高级工程师.
_SKILL_RE = _table_regex(SKILL_LEVELS, guard=r"(?!程)")

_NUMBER_LABEL = r"(?:证\s*书\s*编\s*号|证书号码|证书号|编\s*号|管\s*理\s*号|登记号|No\.?|NO\.?)"
_CERT_NUMBER_RE = re.compile(rf"{_NUMBER_LABEL}\s*[:：]?\s*(?P<n>[A-Za-z0-9][A-Za-z0-9\-]{{4,30}})")
_OPEN = "〔[（(【［"
_CLOSE = "〕]）)】］"
_APPROVAL_RE = re.compile(
    rf"(?:批准文号|文号)?\s*[:：]?\s*(?P<n>[\u4e00-\u9fa5]{{1,8}}[字发函][{re.escape(_OPEN)}]\s?(?P<y>\d{{4}})\s?"
    rf"[{re.escape(_CLOSE)}]\s?\d{{1,5}}\s?号)"
)


def _first(pattern: re.Pattern, terms: dict[str, str], text: str) -> TermMatch | None:
    match = pattern.search(text)
    if match is None:
        return None
    return TermMatch(terms[match.group()], match.group(), match.span(), 1.0)


def find_education_level(text: str) -> TermMatch | None:
    """The highest level the line names: 研究生博士 is a doctorate, not a master's."""
    matches = [TermMatch(EDUCATION_LEVELS[m.group()], m.group(), m.span(), 1.0) for m in _EDUCATION_RE.finditer(text)]
    return max(matches, key=lambda m: _EDUCATION_ORDER.index(m.value), default=None)


def find_degree(text: str) -> TermMatch | None:
    match = _DEGREE_RE.search(text)
    if match is None:
        return None
    return TermMatch(match.group(1), match.group(), match.span(), 1.0)


def find_title(text: str) -> TermMatch | None:
    """A title name (工程师 …); its level is ``TITLE_LEVELS[value]``."""
    return _first(_TITLE_RE, {t: t for t in TITLE_LEVELS}, text)


def find_title_level(text: str) -> TermMatch | None:
    """The level a line states, by title name or by level word (资格级别：中级)."""
    title = find_title(text)
    if title is not None:
        return TermMatch(TITLE_LEVELS[title.value], title.raw, title.span, 1.0)
    match = _LEVEL_WORD_RE.search(text)
    return TermMatch(match.group(), match.group(), match.span(), 1.0) if match else None


def find_skill_level(text: str) -> TermMatch | None:
    return _first(_SKILL_RE, SKILL_LEVELS, text)


def find_certificate_number(text: str) -> TermMatch | None:
    match = _CERT_NUMBER_RE.search(text)
    if match is None:
        return None
    number = match.group("n").upper()
    return TermMatch(number, match.group("n"), match.span("n"), 1.0)


def find_approval_number(text: str) -> TermMatch | None:
    """An approval document number such as 内人社职字〔2019〕123号, brackets normalised to 〔〕."""
    match = _APPROVAL_RE.search(text)
    if match is None:
        return None
    raw = match.group("n")
    value = re.sub(r"\s", "", raw).translate(str.maketrans(_OPEN, "〔" * len(_OPEN)))
    value = value.translate(str.maketrans(_CLOSE, "〕" * len(_CLOSE)))
    return TermMatch(value, raw, match.span("n"), 1.0)
