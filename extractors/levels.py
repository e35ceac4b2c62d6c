"""Education levels, degrees, titles, skill levels and certificate / approval numbers.

Every table is matched longest term first, so 高级工程师 is never read as 工程师, 博士研究生 never
as 研究生, and 高级技师 never as 技师. The words and the values they map to are the rules file's
(``extractors.vocabulary``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from extractors.matches import Match
from extractors.vocabulary import compact, vocabulary




@lru_cache(maxsize=1)
def _matchers() -> dict[str, re.Pattern]:
    words = vocabulary()
    return {
        "education": re.compile(words.alternation(words.education_words, spaced=True)),
        "title": re.compile(words.alternation(words.title_names, spaced=True)),
        # 学位 is often printed apart from the degree (授予工学学士学位 / 硕士 学位).
        "degree": re.compile(f"({words.alternation(set(words.degree_words.values()), spaced=True)})\\s?学\\s?位"),
        # After a degree label (获得学位：管理学学士) the word stands alone.
        "degree_after_label": re.compile(f"({words.alternation(set(words.degree_words.values()), spaced=True)})"),
        # 中级 must not be read out of 中级工程师 … (the title names carry their own level).
        "level": re.compile(f"(?:{words.alternation(words.levels, spaced=True)})(?!\\s?工\\s?程\\s?师)"),
        # 高级工 must not be read out of 高级工程师.
        "skill": re.compile(f"(?:{words.alternation(words.skill_levels, spaced=True)})(?!\\s?程)"),
    }


def title_level(title_name: str) -> str:
    """The level of a title name: 高级工程师 → 副高级."""
    return vocabulary().title_names[compact(title_name)]


_NUMBER_LABEL = r"(?:证\s*书\s*编\s*号|证书号码|证书号|编\s*号|管\s*理\s*号|登记号|No\.?|NO\.?)"
_CERT_NUMBER_RE = re.compile(rf"{_NUMBER_LABEL}\s*[:：]?\s*(?P<n>[A-Za-z0-9][A-Za-z0-9\-]{{4,30}})")
_OPEN = "〔[（(【［"
_CLOSE = "〕]）)】］"
_APPROVAL_RE = re.compile(
    rf"(?:批准文号|文号)?\s*[:：]?\s*(?P<n>[\u4e00-\u9fa5]{{1,8}}[字发函][{re.escape(_OPEN)}]\s?(?P<y>\d{{4}})\s?"
    rf"[{re.escape(_CLOSE)}]\s?\d{{1,5}}\s?号)"
)


def find_education_level(text: str) -> Match | None:
    """The highest level the line names: 研究生博士 is a doctorate, not a master's."""
    words = vocabulary()
    matches = [Match(words.education_words[compact(m.group())], m.group(), m.span(), 1.0)
               for m in _matchers()["education"].finditer(text)]
    return max(matches, key=lambda m: words.education_order.index(m.value), default=None)


def find_degree(text: str) -> Match | None:
    match = _matchers()["degree"].search(text)
    if match is None:
        return None
    return Match(compact(match.group(1)), match.group(), match.span(), 1.0)


def find_degree_after_label(text: str) -> Match | None:
    """The degree in a labelled value, where 学位 is in the label, not after the word."""
    return find_degree(text) or _bare(_matchers()["degree_after_label"].search(text))


def _bare(match: re.Match | None) -> Match | None:
    return None if match is None else Match(compact(match.group(1)), match.group(), match.span(), 1.0)


def find_title(text: str) -> Match | None:
    """A title name (工程师 …); its level is ``title_level(value)``."""
    match = _matchers()["title"].search(text)
    return Match(compact(match.group()), match.group(), match.span(), 1.0) if match else None


def find_title_level(text: str) -> Match | None:
    """The level a line states, by title name or by level word (资格级别：中级)."""
    title = find_title(text)
    if title is not None:
        return Match(title_level(title.value), title.raw, title.span, 1.0)
    match = _matchers()["level"].search(text)
    return Match(compact(match.group()), match.group(), match.span(), 1.0) if match else None


def find_skill_level(text: str) -> Match | None:
    match = _matchers()["skill"].search(text)
    return Match(compact(match.group()), match.group(), match.span(), 1.0) if match else None


def find_certificate_number(text: str) -> Match | None:
    match = _CERT_NUMBER_RE.search(text)
    if match is None:
        return None
    number = match.group("n").upper()
    return Match(number, match.group("n"), match.span("n"), 1.0)


def find_approval_number(text: str) -> Match | None:
    """An approval document number such as 内人社职字〔2019〕123号, brackets normalised to 〔〕."""
    match = _APPROVAL_RE.search(text)
    if match is None:
        return None
    raw = match.group("n")
    value = re.sub(r"\s", "", raw).translate(str.maketrans(_OPEN, "〔" * len(_OPEN)))
    value = value.translate(str.maketrans(_CLOSE, "〕" * len(_CLOSE)))
    return Match(value, raw, match.span("n"), 1.0)
