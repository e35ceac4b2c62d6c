"""Document type from text and layout (DESIGN §4), by weighted keywords.

Words in the title lines (the first lines of the first page) weigh double: a title certificate
mentions 评审委员会 in its body and a CE card mentions 专业技术人员, but their titles say what
they are. Keywords are matched on text with spaces removed, as OCR spaces CJK titles out.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from zcps.models import DocType, DocumentText

TITLE_LINES = 4
TITLE_BOOST = 2.0
MIN_SCORE = 3.0

_KEYWORDS: dict[DocType, dict[str, float]] = {
    DocType.education_certificate: {
        "毕业证书": 5, "准予毕业": 4, "修完": 2, "学制": 1, "年制": 1, "毕业": 1, "教学计划": 2,
    },
    DocType.degree_certificate: {
        "学位证书": 6, "学位条例": 4, "授予": 2, "学士学位": 2, "硕士学位": 2, "博士学位": 2,
    },
    DocType.title_certificate: {
        "专业技术资格证书": 6, "职称证书": 6, "专业技术职务任职资格": 5, "资格名称": 3, "批准文号": 2,
        "评审通过": 2, "专业技术资格": 2, "资格级别": 2, "评审委员会": 1,
    },
    DocType.appointment_letter: {
        "聘书": 6, "兹聘任": 5, "兹聘请": 5, "聘任": 3, "聘期": 2, "聘为": 2, "聘用": 1,
    },
    DocType.ce_card: {
        "审验卡": 6, "继续教育": 3, "公需科目": 3, "专业科目": 3, "审验日期": 2, "学时": 1,
    },
    DocType.annual_assessment: {
        "年度考核": 5, "考核登记表": 5, "考核表": 3, "考核等次": 3, "考核结果": 2, "基本称职": 1,
        "称职": 1,
    },
    DocType.vocational_qualification: {
        "职业资格证书": 6, "职业技能等级证书": 6, "技能等级": 3, "职业(工种)": 3, "职业（工种）": 3,
        "职业名称": 2, "高级技师": 1, "技师": 1, "高级工": 1,
    },
    DocType.achievement: {
        "论文": 3, "期刊": 3, "刊号": 3, "ISSN": 3, "发表": 2, "获奖": 3, "荣誉证书": 5, "奖励": 2,
        "特发此证": 2, "奖": 1, "录用": 1, "摘要": 3, "关键词": 3, "参考文献": 3, "收稿日期": 3, "引言": 1,
    },
    DocType.pledge: {"诚信承诺书": 7, "承诺书": 4, "本人承诺": 3, "承诺": 1},
    DocType.unit_evaluation: {"单位评价意见表": 7, "评价意见": 4, "所在单位意见": 2, "单位评价": 3},
    DocType.green_channel_form: {"绿色通道": 7, "破格": 1},
}
# A longer keyword that contains a shorter one must not also score the shorter one.
_PATTERNS = {
    doc_type: re.compile("|".join(re.escape(k) for k in sorted(words, key=len, reverse=True)))
    for doc_type, words in _KEYWORDS.items()
}


class Classification(NamedTuple):
    doc_type: DocType
    confidence: float
    scores: dict[DocType, float]


def _compact(text: str) -> str:
    return re.sub(r"\s", "", text)


def _score(doc_type: DocType, title: str, body: str) -> float:
    weights = _KEYWORDS[doc_type]
    seen: dict[str, float] = {}
    for text, factor in ((title, TITLE_BOOST), (body, 1.0)):
        for match in _PATTERNS[doc_type].finditer(text):
            seen[match.group()] = max(seen.get(match.group(), 0.0), weights[match.group()] * factor)
    return sum(seen.values())


def classify_text(text: DocumentText) -> Classification:
    lines = [line.text for page in text.pages for line in page.lines]
    title = _compact("".join(lines[:TITLE_LINES]))
    body = _compact("".join(lines[TITLE_LINES:]))
    scores = {doc_type: _score(doc_type, title, body) for doc_type in _KEYWORDS}
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, best_score), (_, second_score) = ranked[0], ranked[1]
    if best_score < MIN_SCORE:
        # Low either way; lower still when some type nearly matched, as the doubt is real.
        return Classification(DocType.other, round(0.3 * (1 - best_score / (2 * MIN_SCORE)), 3), scores)
    confidence = min(1.0, best_score / 8) * best_score / (best_score + second_score)
    return Classification(best, round(confidence, 3), scores)
