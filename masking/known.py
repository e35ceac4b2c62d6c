"""The applicant's own PII from the manifest, found exactly or fuzzily so it survives OCR noise.

Digits (ID, phone) are compared after mapping OCR look-alikes (O→0, l→1 …) with an edit-distance
budget; names of 2–3 characters only match fuzzily right after a person label, because one wrong
character out of three matches too many ordinary words.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict
from rapidfuzz.distance import Levenshtein

from masking.entities import PiiEntity, PiiType
from masking.recognizers.base import CJK, cut_at_stop, spaced
from zcps.digits import lookalike_table
from zcps.manifest import Manifest
from zcps.roles import role_lexicon

Kind = Literal["digits", "name", "text"]

_FULLWIDTH = lookalike_table("", {"Ｘ": "X", "Ｌ": "L"})
# Masking trusts every misread but 〇: a missed ID number is a leak, an extra mask is not.
_LOOKALIKE_DIGITS = lookalike_table("OoDQlI|iZzSsBbgq")
_NAME_LABEL_BEFORE = re.compile(
    r"(姓名|签名|签字|审核人|审批人|审验人|经办人|负责人|申报人|持证人|本人|填表人|联系人)[:：]?$"
)
_HONORIFICS = ("同志", "先生", "女士")
# The value of a holder label (姓名, 持证人 …): on the label's line or alone on the next one.
_HOLDER_VALUE = re.compile(rf"(?:{spaced(*role_lexicon().holder)})[ \t　]*[:：]?\s*([{CJK}·]+)")
_SHORT_PART = 3  # at most this many characters of the name survive OCR's dropping the rest
_HONORIFIC = re.compile("|".join(_HONORIFICS))
_UNIT_PIECE = re.compile(r"(?<=公司)")
_ADMIN_MARK = re.compile(r"(省|自治区|市|盟|区|县|旗)")


class KnownValue(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    type: PiiType
    value: str
    kind: Kind


class KnownPii(BaseModel):
    """What must not survive for one applicant: the manifest's PII and its sensible pieces."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    values: tuple[KnownValue, ...] = ()

    @classmethod
    def from_manifest(cls, manifest: Manifest) -> "KnownPii":
        values: list[KnownValue] = [KnownValue(type=PiiType.name, value=manifest.name.strip(), kind="name")]
        values.append(KnownValue(type=PiiType.id_number, value=digits_of(manifest.id_number), kind="digits"))
        if manifest.phone:
            values.append(KnownValue(type=PiiType.phone, value=_phone_digits(manifest.phone), kind="digits"))
        if manifest.email:
            values.append(KnownValue(type=PiiType.email, value=manifest.email.strip().lower(), kind="text"))
        for piece in _pieces(manifest.unit, _UNIT_PIECE.split(manifest.unit)):
            values.append(KnownValue(type=PiiType.unit, value=piece, kind="text"))
        if manifest.address:
            for piece in _pieces(manifest.address, _address_tails(manifest.address)):
                values.append(KnownValue(type=PiiType.address, value=piece, kind="text"))
        return cls(values=tuple(v for v in values if len(v.value) >= 2))

    def strings(self, kind: PiiType | None = None) -> list[str]:
        return [v.value for v in self.values if kind is None or v.type == kind]


def _pieces(whole: str, parts: list[str]) -> list[str]:
    pieces = [whole.strip()]
    pieces += [p.strip() for p in parts if len(p.strip()) >= 4 and p.strip() != whole.strip()]
    return list(dict.fromkeys(pieces))


def _address_tails(address: str) -> list[str]:
    """"呼和浩特市赛罕区大学东街2号" is often printed without the city: keep each admin-level tail."""
    return [address[m.end():] for m in _ADMIN_MARK.finditer(address) if len(address) - m.end() >= 5]


def digits_of(value: str) -> str:
    return "".join(ch for ch in value.translate(_FULLWIDTH) if ch.isdigit() or ch in "Xx").upper()


def _phone_digits(phone: str) -> str:
    digits = digits_of(phone)
    return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits


def _digit_runs(text: str) -> list[tuple[str, list[int]]]:
    """Runs of digit-like characters (single spaces/hyphens inside allowed) with their offsets."""
    runs: list[tuple[str, list[int]]] = []
    chars: list[str] = []
    offsets: list[int] = []
    real_digits = 0

    def close() -> None:
        nonlocal chars, offsets, real_digits
        if chars and real_digits * 2 >= len(chars):
            runs.append(("".join(chars), offsets))
        chars, offsets, real_digits = [], [], 0

    for index, raw in enumerate(text.translate(_FULLWIDTH)):
        mapped = raw.translate(_LOOKALIKE_DIGITS)
        if raw.isdigit() or (raw in "Xx" and chars):
            chars.append(raw.upper())
            offsets.append(index)
            real_digits += 1
        elif mapped.isdigit() and mapped != raw:
            chars.append(mapped)
            offsets.append(index)
        elif raw in " -" and chars and index + 1 < len(text) and text[index + 1].translate(_FULLWIDTH).isdigit():
            continue
        else:
            close()
    close()
    return runs


def _best_disjoint(candidates: list[tuple[int, int, int]], length: int) -> list[tuple[int, int, int]]:
    """Keep the closest windows, nearest the target's length, that do not overlap: (distance, start, end)."""
    chosen: list[tuple[int, int, int]] = []
    for dist, start, end in sorted(candidates, key=lambda c: (c[0], abs(c[2] - c[1] - length), c[1])):
        if all(end <= s or start >= e for _, s, e in chosen):
            chosen.append((dist, start, end))
    return chosen


def _windows(haystack: str, target: str, budget: int, starts) -> list[tuple[int, int, int]]:
    found = []
    length = len(target)
    for start in starts:
        for size in range(max(1, length - budget), length + budget + 1):
            window = haystack[start:start + size]
            if len(window) < size:
                break
            dist = Levenshtein.distance(target, window, score_cutoff=budget)
            if dist <= budget:
                found.append((dist, start, start + size))
    return found


def _digit_budget(target: str) -> int:
    return 2 if len(target) >= 15 else 1 if len(target) >= 7 else 0


def _find_digits(text: str, value: KnownValue) -> list[PiiEntity]:
    target, budget = value.value, _digit_budget(value.value)
    entities = []
    for run, offsets in _digit_runs(text):
        if len(run) < len(target) - budget:
            continue
        for dist, start, end in _best_disjoint(_windows(run, target, budget, range(len(run))), len(target)):
            first, last = offsets[start], offsets[end - 1] + 1
            entities.append(_known_entity(value, text, first, last, dist))
    return entities


def _compact(text: str) -> tuple[str, list[int]]:
    offsets = [i for i, ch in enumerate(text) if not ch.isspace()]
    return "".join(text[i] for i in offsets), offsets


def _text_budget(value: KnownValue) -> int:
    length = len(value.value)
    if value.kind == "name":
        return 1 if length >= 2 else 0
    return 0 if length < 6 else max(1, length // 8)


def _name_window_ok(compact: str, start: int, end: int, target: str, dist: int, anywhere: bool) -> bool:
    window = compact[start:end]
    if dist == 0:
        return True
    if not all(_cjk(ch) for ch in window):
        # one stray OCR character inside the name ("万j小红"): the rest is the name exactly
        return "".join(ch for ch in window if _cjk(ch)) == target
    if len(target) >= 4:
        return True
    labelled = (anywhere or bool(_NAME_LABEL_BEFORE.search(compact[max(0, start - 6):start]))
                or compact[end:end + 2] in _HONORIFICS)
    if len(target) == 2:
        return labelled and len(window) == 2 and window[0] == target[0]
    return labelled


def _cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or ch == "·"


def _edge_across_lines(text: str, offsets: list[int], start: int, end: int) -> bool:
    """A fuzzy window whose first or last character is on another line than the rest of it: one
    character of the next line ("…分公司\n个人总结") is no part of the value."""
    if end - start < 3:
        return False
    return "\n" in text[offsets[start]:offsets[start + 1]] or "\n" in text[offsets[end - 2]:offsets[end - 1]]


def _find_text(text: str, value: KnownValue, anywhere: bool) -> list[PiiEntity]:
    compact, offsets = _compact(text)
    haystack = compact.lower() if value.type == PiiType.email else compact
    target, budget = value.value, _text_budget(value)
    wanted = set(target)
    starts = [i for i in range(len(haystack)) if haystack[i] in wanted or haystack[i + 1:i + 2] in wanted]
    candidates = [c for c in _windows(haystack, target, budget, starts)
                  if not c[0] or not _edge_across_lines(text, offsets, c[1], c[2])]
    if value.kind == "name":
        candidates = [c for c in candidates if _name_window_ok(compact, c[1], c[2], target, c[0], anywhere)]
    return [
        _known_entity(value, text, offsets[start], offsets[end - 1] + 1, dist)
        for dist, start, end in _best_disjoint(candidates, len(target))
    ]


def _labelled_parts(text: str, value: KnownValue) -> list[PiiEntity]:
    """The holder's name where OCR dropped characters (马洋 read as 洋): the whole value of a holder
    label, or the word before 同志, is a strict, short part of the declared name. Only there: the same
    character elsewhere (洋 in 海洋工程) is an ordinary word."""
    target = value.value
    longest = min(_SHORT_PART, len(target) - 1)
    spans = []
    for match in _HOLDER_VALUE.finditer(text):
        part = cut_at_stop(match.group(1))
        if part != target and len(part) <= longest and part in target:
            spans.append((match.start(1), match.start(1) + len(part)))
    # … or the name before 同志 (聘任马洋同志 read as 聘任洋同志): the longest part of it ending there
    for match in _HONORIFIC.finditer(text):
        end = match.start()
        sizes = [n for n in range(longest, 0, -1) if n <= end and _cjk_run(text[end - n:end])
                 and text[end - n:end] in target]
        if sizes:
            spans.append((end - sizes[0], end))
    found = []
    for start, end in spans:
        before = target.find(text[start:end])
        found.append(PiiEntity(type=value.type, start=start, end=end, text=text[start:end],
                               score=(end - start) / len(target), source="known_labelled_part",
                               unread_before=before, unread_after=len(target) - before - (end - start)))
    return found


def _cjk_run(text: str) -> bool:
    return all(_cjk(ch) for ch in text)


def _known_entity(value: KnownValue, text: str, start: int, end: int, dist: int) -> PiiEntity:
    score = 1.0 - dist / max(len(value.value), 1)
    source = "known_exact" if dist == 0 else "known_fuzzy"
    return PiiEntity(type=value.type, start=start, end=end, text=text[start:end], score=score, source=source)


def find_known(text: str, known: KnownPii, *, anywhere: bool = False) -> list[PiiEntity]:
    """``anywhere`` drops the person-label condition for fuzzy short names: the re-OCR check
    uses it, where a false alarm only withholds a document but a miss leaks a name."""
    entities: list[PiiEntity] = []
    for value in known.values:
        if value.kind == "digits":
            entities.extend(_find_digits(text, value))
        else:
            entities.extend(_find_text(text, value, anywhere))
        if value.kind == "name":
            entities.extend(e for e in _labelled_parts(text, value)
                            if not any(e.overlaps(other.start, other.end) for other in entities))
    return entities
