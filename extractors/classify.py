"""Document type from text and layout (docs/extraction.md), by the weighted title keywords of each spec.

Words in the title lines (the first lines of the first page) weigh double: a title certificate
mentions 评审委员会 in its body and a CE card mentions 专业技术人员, but their titles say what
they are. Keywords are matched on text with spaces removed, as OCR spaces CJK titles out.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from extractors.doc_specs import specs
from zcps.models import DocType, DocumentText

TITLE_LINES = 4
TITLE_BOOST = 2.0
MIN_SCORE = 3.0


class Classification(NamedTuple):
    doc_type: DocType
    confidence: float
    scores: dict[DocType, float]


@lru_cache(maxsize=1)
def _keywords() -> dict[DocType, tuple[dict[str, float], re.Pattern]]:
    # A longer keyword that contains a shorter one must not also score the shorter one.
    return {DocType(spec.doc_type): (spec.title_keywords, re.compile("|".join(
        re.escape(k) for k in sorted(spec.title_keywords, key=len, reverse=True)))) for spec in specs()}


def _compact(text: str) -> str:
    return re.sub(r"\s", "", text)


def _score(weights: dict[str, float], pattern: re.Pattern, title: str, body: str) -> float:
    seen: dict[str, float] = {}
    for text, factor in ((title, TITLE_BOOST), (body, 1.0)):
        for match in pattern.finditer(text):
            seen[match.group()] = max(seen.get(match.group(), 0.0), weights[match.group()] * factor)
    return sum(seen.values())


def classify_text(text: DocumentText) -> Classification:
    lines = [line.text for page in text.pages for line in page.lines]
    title = _compact("".join(lines[:TITLE_LINES]))
    body = _compact("".join(lines[TITLE_LINES:]))
    scores = {doc_type: _score(weights, pattern, title, body) for doc_type, (weights, pattern) in _keywords().items()}
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, best_score), (_, second_score) = ranked[0], ranked[1]
    if best_score < MIN_SCORE:
        # Low either way; lower still when some type nearly matched, as the doubt is real.
        return Classification(DocType.other, round(0.3 * (1 - best_score / (2 * MIN_SCORE)), 3), scores)
    confidence = min(1.0, best_score / 8) * best_score / (best_score + second_score)
    return Classification(best, round(confidence, 3), scores)
