"""Per-applicant tasks: build the review from the documents, then release a masked copy."""

from __future__ import annotations

import logging

from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.document_task import load_result
from masking.release import ReleaseResult, release_applicant
from storage.factory import open_store
from storage.intake import ApplicantRef
from storage.layout import doc_key, manifest_key, review_key
from validators.check import check_applicant, check_invalid_manifest
from zcps.errors import ManifestInvalid, ObjectNotFound
from zcps.manifest import Manifest, parse_manifest
from zcps.models import DocumentResult, Review, Status

log = logging.getLogger("zcps.flow")


def _read_manifest(store, applicant: ApplicantRef) -> Manifest:
    source = f"{applicant.unit}/{applicant.applicant}/manifest.json"
    manifest = parse_manifest(store.get(manifest_key(applicant.batch, applicant.unit, applicant.applicant)),
                              source=source)
    if manifest.applicant_id != applicant.applicant:
        raise ManifestInvalid(f"{source}: applicant_id does not match the folder name {applicant.applicant!r}")
    return manifest


@task(name="review", task_run_name="review-{applicant.unit}-{applicant.applicant}", cache_policy=NO_CACHE,
      persist_result=False)
def review_task(applicant: ApplicantRef, results: list[DocumentResult | None], store_url: str) -> Review:
    store = open_store(store_url)
    documents = [r if r is not None else load_result(store, ref) for r, ref in zip(results, applicant.documents)]
    documents = [d for d in documents if d is not None]
    try:
        manifest = _read_manifest(store, applicant)
        review = check_applicant(manifest, documents, batch=applicant.batch, unit=applicant.unit)
    except (ManifestInvalid, ObjectNotFound) as exc:
        review = check_invalid_manifest(applicant.applicant, applicant.unit, applicant.batch, exc)
    store.put(review_key(applicant.batch, applicant.unit, applicant.applicant),
              review.model_dump_json(by_alias=True, indent=2).encode())
    log.info("review %s/%s: %s, %d findings", applicant.unit, applicant.applicant, review.verdict, len(review.findings))
    return review


@task(name="release", task_run_name="release-{applicant.unit}-{applicant.applicant}", cache_policy=NO_CACHE,
      persist_result=False)
def release_task(applicant: ApplicantRef, review: Review, store_url: str) -> ReleaseResult | None:
    if review.findings and review.findings[0].rule == "manifest.invalid":
        return None
    store = open_store(store_url)
    manifest = _read_manifest(store, applicant)
    documents = []
    for ref in applicant.documents:
        result = load_result(store, ref)
        if result is not None:
            documents.append((result, store.get(doc_key(ref)) if result.status is not Status.failed else b""))
    return release_applicant(store, applicant.batch, applicant.unit, manifest, review, documents)
