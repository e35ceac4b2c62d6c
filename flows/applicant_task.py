"""Per-applicant tasks: build the review from the documents, then release a masked copy."""

from __future__ import annotations

import logging

from prefect import task
from pydantic import BaseModel
from prefect.cache_policies import NO_CACHE

from flows.document_task import load_result
from masking.release import ReleaseResult, release_applicant
from storage.factory import open_store
from storage.intake import ApplicantRef
from storage.layout import doc_key, manifest_key, review_key
from validators.check import check_applicant, check_invalid_manifest
from zcps.errors import ManifestInvalid, ObjectNotFound
from zcps.manifest import Manifest, parse_manifest
from zcps.models import DocumentRef, DocumentResult, Finding, Review, Status

log = logging.getLogger("zcps.flow")


def _read_manifest(store, applicant: ApplicantRef) -> Manifest:
    source = f"{applicant.unit}/{applicant.applicant}/manifest.json"
    manifest = parse_manifest(store.get(manifest_key(applicant.batch, applicant.unit, applicant.applicant)),
                              source=source)
    if manifest.applicant_id != applicant.applicant:
        raise ManifestInvalid(f"{source}: applicant_id does not match the folder name {applicant.applicant!r}")
    return manifest


@task(name="gather", cache_policy=NO_CACHE, persist_result=False)
def gather_results_task(refs: list[DocumentRef], store_url: str) -> list[DocumentResult]:
    """The stored results of documents this run did not process (unchanged, or not selected)."""
    store = open_store(store_url)
    return [result for result in (load_result(store, ref) for ref in refs) if result is not None]


class ReviewOutcome(BaseModel):
    review: Review
    changed: bool


@task(name="review", task_run_name="review-{applicant.unit}-{applicant.applicant}", cache_policy=NO_CACHE,
      persist_result=False)
def review_task(applicant: ApplicantRef, documents: list[DocumentResult], batch_findings: list[Finding],
                store_url: str) -> ReviewOutcome:
    store = open_store(store_url)
    try:
        manifest = _read_manifest(store, applicant)
        review = check_applicant(manifest, documents, batch=applicant.batch, unit=applicant.unit,
                                 batch_findings=batch_findings)
    except (ManifestInvalid, ObjectNotFound) as exc:
        review = check_invalid_manifest(applicant.applicant, applicant.unit, applicant.batch, exc)
    key = review_key(applicant.batch, applicant.unit, applicant.applicant)
    content = review.model_dump_json(by_alias=True, indent=2).encode()
    changed = store.get_optional(key) != content
    if changed:
        store.put(key, content)
    log.info("review %s/%s: %s, %d findings", applicant.unit, applicant.applicant, review.verdict, len(review.findings))
    return ReviewOutcome(review=review, changed=changed)


@task(name="release", task_run_name="release-{applicant.unit}-{applicant.applicant}", cache_policy=NO_CACHE,
      persist_result=False)
def release_task(applicant: ApplicantRef, review: Review, store_url: str,
                 batch_applicants: list[str]) -> ReleaseResult | None:
    if review.findings and review.findings[0].rule == "manifest.invalid":
        return None
    store = open_store(store_url)
    manifest = _read_manifest(store, applicant)
    documents = []
    for ref in applicant.documents:
        result = load_result(store, ref)
        if result is not None:
            documents.append((result, store.get(doc_key(ref)) if result.status is not Status.failed else b""))
    return release_applicant(store, applicant.batch, applicant.unit, manifest, review, documents,
                             batch_applicants=batch_applicants)
