"""Stages 2 and 3, one applicant: review the documents against the rules, then release a masked copy.

Both read the applicant's document results from the store when they run and keep nothing after,
so a batch holds one applicant's pages at a time, never the batch's.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext

from pydantic import BaseModel

from masking.release import ReleaseResult, release_applicant
from pipeline.document import OcrSlot, load_result, readable_result
from review.decisions import with_decisions
from storage.base import ObjectStore
from storage.factory import open_store
from storage.intake import ApplicantRef
from storage.layout import applicant_index_key, doc_key, manifest_key, review_key
from validators.check import check_applicant, check_invalid_manifest
from validators.declared_files import declared_absent
from validators.duplicates import fingerprint
from validators.schema import rules_for_batch
from zcps.errors import InputError, InvalidKey, ManifestInvalid, ObjectNotFound, ReviewInputsIncomplete
from zcps.manifest import Manifest, parse_manifest
from zcps.models import ApplicantIndex, DocumentResult, Finding, Review, Status

log = logging.getLogger("zcps.flow")

# The finding a review carries when its manifest could not be read: there is nothing to release.
MANIFEST_INVALID = "manifest.invalid"


def read_manifest(store: ObjectStore, applicant: ApplicantRef) -> Manifest:
    """The applicant's manifest, which must name the applicant of its folder."""
    source = f"{applicant.unit}/{applicant.applicant}/manifest.json"
    if not applicant.has_manifest:
        # Not listed as a regular object (absent, or a symlink intake refused): never read past intake.
        raise ManifestInvalid(f"{source}: no manifest.json in the applicant folder")
    manifest = parse_manifest(store.get(manifest_key(applicant.batch, applicant.unit, applicant.applicant)),
                              source=source)
    if manifest.applicant_id != applicant.applicant:
        raise ManifestInvalid(f"{source}: applicant_id does not match the folder name")
    return manifest


def applicant_results(store: ObjectStore, applicant: ApplicantRef, known: list[DocumentResult]) -> list[DocumentResult]:
    """Every document result of the applicant in file order: ``known`` (failures that have no stored
    result: intake problems, crashed tasks) and the rest from the store. A review is never built
    from a subset of the documents: a missing or unreadable one raises ``ReviewInputsIncomplete``."""
    given = {result.ref: result for result in known}
    results, missing = list(known), 0
    for ref in applicant.documents:
        if ref in given:
            continue
        result = readable_result(store, ref)
        if result is None:
            missing += 1
        else:
            results.append(result)
    if missing:
        raise ReviewInputsIncomplete(f"{missing} document result(s) missing or unreadable")
    return sorted(results, key=lambda r: r.ref.file)


class ReviewOutcome(BaseModel):
    review: Review
    changed: bool  # the stored review.json was different (or absent)


def review_applicant(applicant: ApplicantRef, store_url: str, batch_findings: list[Finding],
                     known: list[DocumentResult]) -> ReviewOutcome:
    """Check the applicant's documents against the manifest and the rules; store the review and the
    applicant's fingerprint index (``index.json``) beside the results."""
    store = open_store(store_url)
    rules = rules_for_batch(applicant.batch)
    documents = applicant_results(store, applicant, known)
    try:
        manifest = read_manifest(store, applicant)
        present = {f"docs/{d.ref.file}" for d in documents}
        review = check_applicant(manifest, documents, batch=applicant.batch, unit=applicant.unit, rules=rules,
                                 batch_findings=[*batch_findings, *declared_absent(manifest, present, rules)])
    except (InputError, InvalidKey, ObjectNotFound) as exc:
        review = check_invalid_manifest(applicant.applicant, applicant.unit, applicant.batch, exc, rules=rules)
    # Reviewers' decisions are part of the stored review, so a changed decision re-releases the applicant.
    review = with_decisions(store, review, documents)
    index = ApplicantIndex(documents=[fingerprint(d) for d in documents])
    _put_if_changed(store, applicant_index_key(applicant.batch, applicant.unit, applicant.applicant),
                    index.model_dump_json().encode())
    key = review_key(applicant.batch, applicant.unit, applicant.applicant)
    changed = _put_if_changed(store, key, review.model_dump_json(by_alias=True, indent=2).encode())
    log.info("review %s: %s, %d findings", applicant.log_id, review.verdict, len(review.findings))
    return ReviewOutcome(review=review, changed=changed)


def _put_if_changed(store: ObjectStore, key: str, content: bytes) -> bool:
    changed = store.get_optional(key) != content
    if changed:
        store.put(key, content)
    return changed


def release_reviewed(applicant: ApplicantRef, review: Review, store_url: str, batch_applicants: list[str],
                     ocr_slot: OcrSlot = nullcontext) -> ReleaseResult | None:
    """The masked committee copy of a reviewed applicant; None when the manifest was unreadable."""
    if review.findings and review.findings[0].rule == MANIFEST_INVALID:
        return None
    store = open_store(store_url)
    manifest = read_manifest(store, applicant)
    documents = []
    for ref in applicant.documents:
        result = load_result(store, ref)
        if result is not None:
            documents.append((result, store.get(doc_key(ref)) if result.status is not Status.failed else b""))
    # The release re-reads every masked page with OCR: it takes an OCR slot like a document does.
    with ocr_slot():
        return release_applicant(store, applicant.batch, applicant.unit, manifest, review, documents,
                                 batch_applicants=batch_applicants)
