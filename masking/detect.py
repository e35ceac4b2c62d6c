"""PII detection on plain text and on OCR lines, through one lazily built spaCy pipeline."""

from __future__ import annotations

import logging
from functools import lru_cache

from masking.entities import LineHit, PiiEntity
from masking.known import KnownPii
from masking.normalise import clean
from masking.recognizers import other_name
from zcps.manifest import Manifest
from zcps.models import TextLine

PIPELINE = ("zcps_pii_rules", "zcps_known_pii", "zcps_pii_resolve")


@lru_cache(maxsize=1)
def get_nlp():
    """``spacy.blank("zh")`` with the jieba segmenter and the PII components; once per process."""
    import jieba
    import spacy

    import masking.components  # noqa: F401  (registers the components with spaCy)

    jieba.setLogLevel(logging.WARNING)
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    for name in PIPELINE:
        nlp.add_pipe(name)
    return nlp


def known_pii(manifest: Manifest | None) -> KnownPii:
    return KnownPii.from_manifest(manifest) if manifest is not None else KnownPii()


def detect_doc(text: str, known: KnownPii | None = None):
    """The spaCy ``Doc`` with ``doc.spans["pii"]`` and exact ``doc._.zcps_pii``."""
    nlp = get_nlp()
    doc = nlp.make_doc(text)
    doc._.zcps_known = known
    for _, component in nlp.pipeline:
        doc = component(doc)
    return doc


def detect_text(text: str, known: KnownPii | None = None) -> list[PiiEntity]:
    """PII in ``text``, read through its clean view (``masking.normalise``: no zero-width or bidi
    characters, full-width folded), with spans over the original characters."""
    if not text.strip():
        return []
    view = clean(text)
    found = []
    for entity in detect_doc(view.text, known)._.zcps_pii:
        start, end = view.span(entity.start, entity.end)
        found.append(entity.model_copy(update={"start": start, "end": end, "text": text[start:end]}))
    return found


def detect_lines(lines: list[TextLine], known: KnownPii | None = None) -> list[LineHit]:
    """Detect over the page's lines joined by newlines, so a label on one line ("姓名") still
    gives context to the value OCR put on the next, then split hits back per line; names in the
    cell right of or below a label standing alone come from the layout (``other_name``)."""
    text = "\n".join(line.text for line in lines)
    line_starts = []
    offset = 0
    for line in lines:
        line_starts.append(offset)
        offset += len(line.text) + 1
    hits = []
    for entity in detect_text(text, known):
        for index, line_start in enumerate(line_starts):
            line_end = line_start + len(lines[index].text)
            start, end = max(entity.start, line_start), min(entity.end, line_end)
            if start < end:
                hits.append(LineHit(line=index, start=start - line_start, end=end - line_start,
                                    type=entity.type, score=entity.score,
                                    unread_before=entity.unread_before if start == entity.start else 0,
                                    unread_after=entity.unread_after if end == entity.end else 0))
    return hits + [hit for hit in other_name.find_in_layout(lines)
                   if not any(h.line == hit.line and h.start < hit.end and hit.start < h.end for h in hits)]
