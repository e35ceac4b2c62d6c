"""Dates, hours and grades: the committee needs them, so no PII span may cover them."""

from __future__ import annotations

import re
from functools import lru_cache

from extractors.vocabulary import vocabulary

_DIGITS = r"0-9０-９"
_DATE_PATTERNS = (
    re.compile(r"(?<!\d)(?:19|20)\d{2}\s*[年.\-/]\s*\d{1,2}\s*(?:[月.\-/]\s*\d{1,2}\s*日?|月)?"),
    re.compile(r"(?<!\d)(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)"),
    re.compile(r"[〇零○一二三四五六七八九壹贰叁肆伍陆柒捌玖]{4}\s*年\s*[〇零○一二三四五六七八九十壹贰叁肆伍陆柒捌玖拾]{1,3}\s*月"
               r"(?:\s*[〇零○一二三四五六七八九十壹贰叁肆伍陆柒捌玖拾]{1,3}\s*日)?"),
)
_HOURS = re.compile(rf"[{_DIGITS}]+(?:\.\d+)?\s*(?:学时|课时|小时)")


@lru_cache(maxsize=1)
def _protected() -> tuple[re.Pattern, ...]:
    # The grades are the rules file's (longest first, so 基本称职 is kept whole).
    grades = re.compile(vocabulary().alternation(vocabulary().grades))
    return (*_DATE_PATTERNS, _HOURS, grades)


def protected_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for pattern in _protected() for m in pattern.finditer(text)]
