"""The level, degree, title, skill-level and grade words, read from the year's rules file.

validators/rules/{year}.yaml is the one place these words live (its ``vocabulary`` section, plus
``grade_order`` and ``skilled_worker.levels``); the extractors only build matchers from them.
Every matcher tries the longest word first, so 高级工程师 is never read as 工程师.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from validators.schema import default_rules


@dataclass(frozen=True)
class Vocabulary:
    education_words: dict[str, str]  # printed word → 中专/大专/本科/硕士/博士
    education_order: tuple[str, ...]
    degree_words: dict[str, str]  # 学士学位 → 学士
    title_names: dict[str, str]  # 高级工程师 → 副高级
    levels: tuple[str, ...]  # 员级 … 正高级
    skill_levels: tuple[str, ...]
    grades: tuple[str, ...]
    grade_equivalence: dict[str, str]

    def alternation(self, words, spaced: bool = False) -> str:
        """Longest word first; ``spaced`` lets one space stand between characters (本 科), as OCR
        spaces out CJK words; the matched text is then looked up ``compact``."""
        joiner = r"\s?" if spaced else ""
        return "|".join(joiner.join(re.escape(ch) for ch in w) for w in sorted(words, key=len, reverse=True))


def compact(text: str) -> str:
    return re.sub(r"\s", "", text)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    rules = default_rules()
    words = rules.vocabulary
    return Vocabulary(
        education_words=dict(words.education_words), education_order=tuple(rules.education_order),
        degree_words=dict(words.degree_words), title_names=dict(words.title_names), levels=tuple(rules.levels),
        skill_levels=tuple(rules.skilled_worker.levels), grades=tuple(rules.grade_order),
        grade_equivalence=dict(words.grade_equivalence),
    )
