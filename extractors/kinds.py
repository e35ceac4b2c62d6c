"""Value readers per kind of field: text → the values of that kind in it, left to right.

Every reader returns ``Match`` tuples whose span indexes the text it was given, so the caller
can cut the provenance box out of the line's word boxes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from extractors.dates import find_dates_in_text, find_incomplete_dates
from extractors.doc_specs import FieldSpec
from extractors.grades import find_grade
from extractors.identity import HAN, NAME_END, find_id_numbers, plausible_name
from extractors.levels import (find_approval_number, find_certificate_number, find_degree, find_degree_after_label,
                               find_education_level, find_skill_level, find_title, find_title_level)
from extractors.matches import Match




Reader = Callable[[str], list[Match]]

_BIRTH_AFTER = re.compile(r"^\s*(?:出?生|生人)")
_BIRTH_BEFORE = re.compile(r"出\s*生\s*(?:日\s*期|年\s*月|时\s*间)?\s*[:：]?\s*$")
_YEAR_OF = re.compile(r"(?<!\d)(?P<v>(?:19|20)\d\d)\s*年\s*度")
_BARE_YEAR = re.compile(r"(?<![\d.])(?P<v>(?:19|20)\d\d)(?!\s*[年.\-/]\s*\d|\d)")
_HOURS = re.compile(r"(?<![\d.])(?P<v>\d{1,3}(?:\.\d)?)\s*(?:学\s*时|课\s*时|小\s*时)?(?![\d.])")
# A name right after its label: a signing note (（签字）) and a colon may come between.
_NAME_AFTER_LABEL = re.compile(
    rf"^\s*(?:[（(]\s*签\s*[字名章]\s*[)）])?\s*[:：]?\s*(?P<v>{HAN}{{2,4}}?){NAME_END}")
_NUMBER = re.compile(r"^\s*[:：]?\s*(?P<v>[A-Za-z0-9][A-Za-z0-9\-]{4,30})")
_ITEM = {c: i for i, c in enumerate("一二三四五六七八", start=1)}


INCOMPLETE_CERTAINTY = 0.3


def _dates(text: str) -> list[Match]:
    """Dates that are not birth dates (生 after, 出生日期 before); a date whose year lost digits has
    no value and a low certainty, so it is flagged rather than guessed."""
    found = [Match(d.value, d.raw, d.span, d.certainty) for d in find_dates_in_text(text)]
    found += [Match(None, raw, span, INCOMPLETE_CERTAINTY) for raw, span in find_incomplete_dates(text)]
    return sorted((m for m in found if not _BIRTH_AFTER.match(text[m.span[1]:])
                   and not _BIRTH_BEFORE.search(text[:m.span[0]])), key=lambda m: m.span)


def _years(text: str) -> list[Match]:
    found = [Match(int(m.group("v")), m.group(), m.span("v"), 1.0) for m in _YEAR_OF.finditer(text)]
    return found or [Match(int(m.group("v")), m.group(), m.span("v"), 0.9) for m in _BARE_YEAR.finditer(text)]


def _hours(text: str) -> list[Match]:
    return [Match(float(m.group("v")), m.group().strip(), m.span("v"), 1.0) for m in _HOURS.finditer(text)]


def _one(found) -> list[Match]:
    return [] if found is None else [Match(found.value, found.raw, found.span, found.certainty)]


_LEVEL_READERS: dict[str, Callable] = {
    "education": find_education_level, "degree": find_degree, "title_name": find_title,
    "title_level": find_title_level, "skill": find_skill_level,
}


def name_after_label(text: str) -> list[Match]:
    match = _NAME_AFTER_LABEL.match(text)
    if match is None or not plausible_name(match.group("v")):
        return []
    return [Match(match.group("v"), match.group("v"), match.span("v"), 1.0)]


def _pattern_reader(pattern: str) -> Reader:
    compiled = re.compile(pattern)

    def read(text: str) -> list[Match]:
        found = []
        for match in compiled.finditer(text):
            group = next((g for g in ("v", "t") if g in compiled.groupindex and match.group(g) is not None), 0)
            value = match.group(group).strip()
            found.append(Match(value, value, match.span(group), 1.0))
        return found
    return read


def _number_reader(labelled: bool) -> Reader:
    def read(text: str) -> list[Match]:
        if labelled:
            match = _NUMBER.match(text)
            return [Match(match.group("v").upper(), match.group("v"), match.span("v"), 1.0)] if match else []
        return _one(find_certificate_number(text))
    return read


def _ids(text: str, labelled: bool) -> list[Match]:
    """ID numbers; one printed in spaced groups or one digit per box (1501 0219 …) is read joined."""
    found = [Match(m.value, m.raw, m.span, m.certainty) for m in find_id_numbers(text, labelled)]
    if found:
        return found
    kept = [i for i, ch in enumerate(text) if not (ch.isspace() and 0 < i < len(text) - 1
                                                    and text[i - 1].isalnum() and text[i + 1].isalnum())]
    joined = "".join(text[i] for i in kept)
    return [Match(m.value, text[kept[m.span[0]]:kept[m.span[1] - 1] + 1], (kept[m.span[0]], kept[m.span[1] - 1] + 1),
                  m.certainty * 0.95) for m in find_id_numbers(joined, labelled)]


def _free_text(text: str) -> list[Match]:
    """The text after a label up to the next label (…：) on the line."""
    value = re.split(r"\s+\S{1,6}[:：]", text, maxsplit=1)[0]
    start = len(value) - len(value.lstrip(" ：:\t"))
    value = value.strip(" ：:\t")
    return [Match(value, value, (start, start + len(value)), 0.9)] if value else []


def _item(text: str) -> list[Match]:
    raw = text.strip()
    number = _ITEM.get(raw) or (int(raw) if raw.isdigit() else None)
    return [Match(number, raw, (0, len(text)), 1.0)] if number else []


def reader(spec: FieldSpec, labelled: bool) -> Reader:
    """The reader of ``spec``'s kind; ``labelled`` says the text starts right after the field's label."""
    if spec.kind == "date":
        return _dates
    if spec.kind == "year":
        return _years
    if spec.kind == "hours":
        return _hours
    if spec.kind == "grade":
        return lambda text: _one(find_grade(text))
    if spec.kind == "level":
        vocabulary = spec.vocabulary or "education"
        level_reader = find_degree_after_label if labelled and vocabulary == "degree" else _LEVEL_READERS[vocabulary]
        return lambda text: _one(level_reader(text))
    if spec.kind == "name":
        return name_after_label if labelled else (lambda text: [])
    if spec.kind == "id":
        return (lambda text: _ids(text, labelled))
    if spec.kind == "number":
        if spec.pattern == "approval":
            return lambda text: _one(find_approval_number(text))
        return _number_reader(labelled)
    if spec.kind == "item":
        return _item
    if spec.pattern is not None:
        return _pattern_reader(spec.pattern)
    return _free_text if labelled else (lambda text: [])
