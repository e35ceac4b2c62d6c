"""Text and JSON masking: PII replaced by typed placeholders (〔姓名〕〔身份证号〕…)."""

from __future__ import annotations

from typing import Any

from masking.detect import detect_text, known_pii
from masking.entities import PiiEntity, PiiType
from masking.known import KnownPii
from masking.recognizers import PLACEHOLDERS
from zcps.manifest import Manifest
from zcps.models import Finding, Review

# Findings whose declared/extracted values are themselves an identity value: the whole value
# is PII even when OCR garbled it past what detection would recognise.
_WHOLE_VALUE = {
    "identity.name_mismatch": PiiType.name,
    "identity.id_mismatch": PiiType.id_number,
    "duplicate.same_certificate": PiiType.certificate_number,
}


def replace_entities(text: str, entities: list[PiiEntity]) -> str:
    pieces = []
    cursor = 0
    for entity in sorted(entities, key=lambda e: e.start):
        if entity.start < cursor:
            continue
        pieces.append(text[cursor:entity.start])
        pieces.append(PLACEHOLDERS[entity.type])
        cursor = entity.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def mask_text(text: str, known: KnownPii | None = None) -> str:
    return replace_entities(text, detect_text(text, known)) if text else text


def mask_json(value: Any, known: KnownPii | None = None) -> Any:
    """Every string in a JSON-like value (keys included) masked; structure and numbers kept."""
    if isinstance(value, str):
        return mask_text(value, known)
    if isinstance(value, dict):
        return {mask_text(k, known) if isinstance(k, str) else k: mask_json(v, known) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_json(v, known) for v in value]
    return value


def _mask_finding(finding: Finding, known: KnownPii) -> Finding:
    whole = _WHOLE_VALUE.get(finding.rule)

    def value(text: str | None) -> str | None:
        if text is None:
            return None
        return PLACEHOLDERS[whole] if whole else mask_text(text, known)

    evidence = finding.evidence
    if evidence is not None and evidence.document:
        evidence = evidence.model_copy(update={"document": mask_text(evidence.document, known)})
    return finding.model_copy(update={
        "message": mask_text(finding.message, known),
        "declared": value(finding.declared),
        "extracted": value(finding.extracted),
        "evidence": evidence,
    })


def _swap(text: str | None, aliases: dict[str, str]) -> str | None:
    for original, alias in aliases.items():
        text = text.replace(original, alias) if text else text
    return text


def _aliased(finding: Finding, aliases: dict[str, str]) -> Finding:
    evidence = finding.evidence
    if evidence is not None and evidence.document:
        evidence = evidence.model_copy(update={"document": _swap(evidence.document, aliases)})
    return finding.model_copy(update={"message": _swap(finding.message, aliases),
                                      "declared": _swap(finding.declared, aliases),
                                      "extracted": _swap(finding.extracted, aliases), "evidence": evidence})


def mask_review(review: Review, manifest: Manifest, pseudonym: str | None = None,
                aliases: dict[str, str] | None = None) -> Review:
    """The committee copy of a review: messages and values masked, the applicant id replaced by
    the pseudonym when one is given, and ``aliases`` applied (longest first): other applicants of
    the batch (applicant id → pseudonym, say in a duplicate finding) and submitted file names →
    released names (``masking.release_names.renames``), which are swapped before masking so a
    file name's PII never reaches the copy."""
    known = known_pii(manifest)
    aliases = dict(sorted((aliases or {}).items(), key=lambda item: -len(item[0])))
    update: dict[str, Any] = {
        "findings": [_mask_finding(_aliased(f, aliases), known) for f in review.findings],
        "failed_files": [mask_text(_swap(f, aliases), known) for f in review.failed_files],
        "path_explanation": mask_text(review.path_explanation, known) if review.path_explanation else None,
    }
    if pseudonym is not None:
        update["applicant_id"] = pseudonym
    return review.model_copy(update=update)
