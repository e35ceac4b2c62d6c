"""Text and JSON masking: PII replaced by typed placeholders (〔姓名〕〔身份证号〕…)."""

from __future__ import annotations

from typing import Any

from masking.detect import detect_text, known_pii
from masking.entities import PiiEntity, PiiType
from masking.known import KnownPii
from masking.recognizers import PLACEHOLDERS
from zcps.manifest import Manifest
from zcps.models import AppliedDecision, Decision, ExplanationItem, Finding, Review, VerificationTask

# Findings whose declared/extracted values are themselves an identity value: the whole value
# is PII even when OCR garbled it past what detection would recognise.
_WHOLE_VALUE = {
    "identity.name_mismatch": PiiType.name,
    "identity.id_mismatch": PiiType.id_number,
    "duplicate.same_certificate": PiiType.certificate_number,
    "xuexin.number_mismatch": PiiType.certificate_number,
}
REVIEWER = "单位审核人"  # the committee copy names no unit reviewer


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


def _mask_decision(decision: Decision, masked) -> Decision:
    """A reviewer's decision as the committee sees it: the note masked, no fingerprint, no reviewer name."""
    return decision.model_copy(update={"fingerprint": "", "note": masked(decision.note), "reviewer": REVIEWER,
                                       "document": masked(decision.document) if decision.document else None})


def _mask_applied(applied: AppliedDecision | None, masked) -> AppliedDecision | None:
    return None if applied is None else applied.model_copy(update={"decision": _mask_decision(applied.decision, masked)})


def _masked_evidence(evidence, masked):
    if evidence is None or not evidence.document:
        return evidence
    return evidence.model_copy(update={"document": masked(evidence.document)})


def _mask_explanation(item: ExplanationItem, masked) -> ExplanationItem:
    return item.model_copy(update={"text": masked(item.text), "evidence": _masked_evidence(item.evidence, masked)})


def _mask_task(task: VerificationTask, masked) -> VerificationTask:
    # The certificate number and verification code identify the holder at 学信网: never released.
    return task.model_copy(update={
        "fingerprint": None, "certificate_number": None, "verification_code": None,
        "document": masked(task.document) if task.document else None, "structure": masked(task.structure),
        "evidence": _masked_evidence(task.evidence, masked), "decision": _mask_applied(task.decision, masked)})


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

    def masked(text: str) -> str:
        return mask_text(_swap(text, aliases), known)

    update: dict[str, Any] = {
        "findings": [_mask_finding(_aliased(f, aliases), known).model_copy(
            update={"fingerprint": None, "decision": _mask_applied(f.decision, masked)}) for f in review.findings],
        "applicant_name": None,
        "unit_name": None,  # the manifest's 工作单位 is PII to masking (masking.known); the folder name stays
        "explanation": [_mask_explanation(item, masked) for item in review.explanation],
        "tasks": [_mask_task(task, masked) for task in review.tasks],
        "stale_decisions": [_mask_decision(d, masked) for d in review.stale_decisions],
        "failed_files": [mask_text(_swap(f, aliases), known) for f in review.failed_files],
        "path_explanation": mask_text(review.path_explanation, known) if review.path_explanation else None,
    }
    if pseudonym is not None:
        update["applicant_id"] = pseudonym
    return review.model_copy(update=update)
