"""spaCy pipeline components that tag PII: rules, the applicant's known values, and a resolver.

Candidates collect in ``doc._.zcps_candidates`` with exact character offsets (jieba tokens rarely
line up with a name inside "姓名王建国"). The resolver trims them off protected spans (dates,
hours, grades), settles overlaps by type priority, and publishes ``doc._.zcps_pii`` (exact) and
``doc.spans["pii"]`` (token-aligned, label = PII type, for spaCy tooling and displaCy).
"""

from __future__ import annotations

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from masking.entities import PiiEntity, PiiType
from masking.known import KnownPii, find_known
from masking.protected import protected_spans
from masking.recognizers import PRIORITY, TEXT_RECOGNIZERS

for _attr in ("zcps_known", "zcps_candidates", "zcps_pii"):
    if not Doc.has_extension(_attr):
        Doc.set_extension(_attr, default=None)
if not Span.has_extension("pii_score"):
    Span.set_extension("pii_score", default=None)

# Validated or label-anchored digit strings keep their full extent; a date pattern inside a
# certificate number ("2019-0315-001") must not split it.
_UNTRIMMED = {PiiType.id_number, PiiType.email, PiiType.certificate_number}
_ATOMIC = {PiiType.id_number, PiiType.phone, PiiType.email, PiiType.certificate_number}
_EDGE_JUNK = " \t\n:：,，;；、。.()（）[]【】\"'“”"
_JOINERS = set(" \t（）()·")


def _add(doc: Doc, entities: list[PiiEntity]) -> None:
    doc._.zcps_candidates = (doc._.zcps_candidates or []) + entities


@Language.component("zcps_pii_rules")
def pii_rules(doc: Doc) -> Doc:
    for recognizer in TEXT_RECOGNIZERS:
        _add(doc, recognizer.find(doc.text))
    return doc


class KnownPiiMatcher:
    """Exact token matches through a PhraseMatcher plus character-level fuzzy matches."""

    def __init__(self, nlp: Language):
        self.nlp = nlp
        self._matchers: dict[KnownPii, tuple[PhraseMatcher, dict[int, PiiType]]] = {}

    def _matcher(self, known: KnownPii) -> tuple[PhraseMatcher, dict[int, PiiType]]:
        if known not in self._matchers:
            if len(self._matchers) > 32:
                self._matchers.clear()
            matcher = PhraseMatcher(self.nlp.vocab)
            labels: dict[int, PiiType] = {}
            for value in known.values:
                key = self.nlp.vocab.strings.add(f"zcps_known_{value.type.value}")
                labels[key] = value.type
                matcher.add(f"zcps_known_{value.type.value}", [self.nlp.make_doc(value.value)])
            self._matchers[known] = (matcher, labels)
        return self._matchers[known]

    def __call__(self, doc: Doc) -> Doc:
        known: KnownPii | None = doc._.zcps_known
        if not known or not known.values:
            return doc
        matcher, labels = self._matcher(known)
        phrase_hits = [
            PiiEntity(type=labels[key], start=doc[s:e].start_char, end=doc[s:e].end_char,
                      text=doc[s:e].text, score=1.0, source="phrase_matcher")
            for key, s, e in matcher(doc)
        ]
        _add(doc, phrase_hits + find_known(doc.text, known))
        return doc


@Language.factory("zcps_known_pii")
def make_known_pii(nlp: Language, name: str) -> KnownPiiMatcher:
    return KnownPiiMatcher(nlp)


def _subtract(start: int, end: int, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    pieces = [(start, end)]
    for t_start, t_end in taken:
        next_pieces = []
        for p_start, p_end in pieces:
            if t_end <= p_start or t_start >= p_end:
                next_pieces.append((p_start, p_end))
                continue
            if p_start < t_start:
                next_pieces.append((p_start, t_start))
            if t_end < p_end:
                next_pieces.append((t_end, p_end))
        pieces = next_pieces
    return pieces


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _EDGE_JUNK:
        start += 1
    while end > start and text[end - 1] in _EDGE_JUNK:
        end -= 1
    return start, end


def _with_range(text: str, entity: PiiEntity, start: int, end: int) -> PiiEntity:
    return entity.model_copy(update={"start": start, "end": end, "text": text[start:end]})


def _largest_piece(text: str, entity: PiiEntity, taken: list[tuple[int, int]]) -> PiiEntity | None:
    pieces = [_strip(text, s, e) for s, e in _subtract(entity.start, entity.end, taken)]
    # a cut leaves no one-character scraps; a one-character entity (a labelled name OCR cut short) stays
    pieces = [(s, e) for s, e in pieces if e - s >= min(2, entity.end - entity.start)]
    if not pieces:
        return None
    start, end = max(pieces, key=lambda p: p[1] - p[0])
    return _with_range(text, entity, start, end)


def _merge_adjacent(text: str, entities: list[PiiEntity]) -> list[PiiEntity]:
    merged: list[PiiEntity] = []
    for entity in sorted(entities, key=lambda e: e.start):
        previous = merged[-1] if merged else None
        if (previous and previous.type == entity.type and entity.type not in _ATOMIC
                and set(text[previous.end:entity.start]) <= _JOINERS):
            merged[-1] = _with_range(text, previous, previous.start, entity.end)
        else:
            merged.append(entity)
    return merged


def resolve(text: str, candidates: list[PiiEntity]) -> list[PiiEntity]:
    protected = protected_spans(text)
    ranked = sorted(candidates, key=lambda e: (-PRIORITY[e.type], -e.score, e.start - e.end))
    accepted: list[PiiEntity] = []
    for entity in ranked:
        taken = [(a.start, a.end) for a in accepted]
        if entity.type in _ATOMIC:
            if any(entity.overlaps(s, e) for s, e in taken):
                continue
            if entity.type not in _UNTRIMMED and any(entity.overlaps(s, e) for s, e in protected):
                continue
            accepted.append(entity)
            continue
        piece = _largest_piece(text, entity, taken + protected)
        if piece is not None:
            accepted.append(piece)
    return _merge_adjacent(text, accepted)


@Language.component("zcps_pii_resolve")
def pii_resolve(doc: Doc) -> Doc:
    entities = resolve(doc.text, doc._.zcps_candidates or [])
    doc._.zcps_pii = entities
    spans = []
    for entity in entities:
        span = doc.char_span(entity.start, entity.end, label=entity.type.value, alignment_mode="expand")
        if span is not None:
            span._.pii_score = entity.score
            spans.append(span)
    doc.spans["pii"] = spans
    return doc
