"""Holder names: the value of a holder label (姓名, 持证人 …) and the name in 兹证明 … 同志.

Typed ``name``: the document says the name is its holder's. The resolver gives the applicant's
own name (from the manifest) priority anyway; a holder name that is somebody else's is masked
all the same.
"""

from __future__ import annotations

import re

from masking.entities import PiiEntity, PiiType
from masking.recognizers.base import CJK, cut_at_stop, entity, is_surname_initial, looks_like_name, spaced
from zcps.roles import role_lexicon

TYPE = PiiType.name
PLACEHOLDER = "〔姓名〕"
NAME = "姓名"  # in reviewer-facing messages (masking.withheld)
PRIORITY = 6
LABELS = role_lexicon().holder
# Beyond four characters only these labels vouch for a long (e.g. Mongolian) name.
STRONG_LABELS = ("姓名", "持证人")

_AFTER_LABEL = re.compile(rf"({spaced(*LABELS)})\s*(?:[（(]\s*(?:{spaced(*role_lexicon().signing_notes)})\s*[）)])?"
                          rf"\s*[:：]?\s*([{CJK}·]{{2,8}})")
# A holder label OCR garbled ("姓旨：", "是工姓" for 员工姓名) alone on its line or before a colon,
# with a 2–4 character value that is the whole of the next line or the rest of this one.
_LOOSE_LABEL = re.compile(rf"(?:^|\n)[{CJK}]{{0,2}}(?<!百)姓[{CJK}]?(?:[:：]\s*|\s*\n)([{CJK}·]{{2,4}})(?=\s*(?:\n|$))")
_SENTENCE = re.compile(rf"(?:{'|'.join(role_lexicon().holder_sentence_openers)})\s*([{CJK}·]{{2,4}}?)\s*(?:同志|[（(，,])")


def find(text: str) -> list[PiiEntity]:
    found = []
    for match in _AFTER_LABEL.finditer(text):
        strong = re.sub(r"\s", "", match.group(1)) in STRONG_LABELS
        candidate = cut_at_stop(match.group(2))
        candidate = candidate if strong else candidate[:4]
        if not looks_like_name(candidate) or not (strong or is_surname_initial(candidate)):
            continue
        found.append(entity(TYPE, text, match.start(2), match.start(2) + len(candidate), 0.8, "holder_label"))
    for match in _LOOSE_LABEL.finditer(text):
        if looks_like_name(match.group(1)) and not any(f.start < match.end(1) and match.start(1) < f.end
                                                       for f in found):
            found.append(entity(TYPE, text, match.start(1), match.end(1), 0.6, "holder_label_garbled"))
    for match in _SENTENCE.finditer(text):
        if looks_like_name(match.group(1)):
            found.append(entity(TYPE, text, match.start(1), match.end(1), 0.8, "holder_sentence"))
    return found
